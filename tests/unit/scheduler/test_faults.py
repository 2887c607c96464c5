"""Delivery under faults: one learner's deliveries stay in order when a send fails part-way,
and a database outage never makes a send the platform accepted go twice."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.adapters.pacing import Pacer
from bot.content.catalog import Catalog
from bot.errors import TemporaryDeliveryError
from bot.messages import LessonMessage, Outbound, Platform
from bot.ports import Progress, Recipient, Sent
from scheduler.clock import ManualClock
from storage import Database
from tests.fakes.harness import MONDAY, make_bot
from tests.fakes.recording import RecordingAdapter

NINE = MONDAY.replace(hour=9)
TUESDAY_NINE = NINE + timedelta(days=1)


class SplittingSender:
    """A sender whose lessons go as two platform messages (Telegram's 4,096-character split),
    each paced per chat like a real adapter; ``fail_parts`` lists the part names that fail
    (once each) with a 500 after the parts before them went out."""

    platform = Platform.TELEGRAM

    def __init__(self) -> None:
        self.pacer = Pacer(math.inf, 1000)
        self.sent: list[str] = []
        self.fail_parts: list[str] = []

    async def send(self, recipient: Recipient, messages: Sequence[Outbound], skip: int = 0,
                   progress: Progress | None = None) -> Sent:
        parts = [f"{m.kind.value}{suffix}" for m in messages
                 for suffix in ((" 1/2", " 2/2") if isinstance(m, LessonMessage) else ("",))]
        for index in range(skip, len(parts)):
            if parts[index] in self.fail_parts:
                self.fail_parts.remove(parts[index])
                error = TemporaryDeliveryError("500 Internal Server Error")
                error.sent = index - skip
                raise error
            async with self.pacer.slot(recipient.chat_id):
                self.sent.append(parts[index])
            if progress is not None and index + 1 < len(parts):
                await progress(index + 1, Sent(f"p{index}"))
        return Sent("m")


async def test_a_quiz_waits_while_the_lesson_before_it_is_pending_a_retry(
        database: Database, sample_catalog: Catalog) -> None:
    sender = SplittingSender()
    bot = make_bot(database, sample_catalog, sender)
    bot.enrol("ann")
    bot.say("ann", "time quiz 09:00")  # lesson and review at the same hour
    await bot.tick(NINE)  # Monday: the first lesson; no review due yet
    sender.sent.clear()
    sender.fail_parts.append("lesson 2/2")  # Tuesday's lesson breaks after its first part
    await bot.tick(TUESDAY_NINE)
    for seconds in (1, 3, 10, 30, 120):  # the lesson's retry comes due within seconds
        await bot.tick(TUESDAY_NINE + timedelta(seconds=seconds))
    # The learner reads the lesson whole, then the question: never the question between
    # the lesson's parts.
    assert sender.sent == ["lesson 1/2", "lesson 2/2", "question"], sender.sent


class Outage:
    """The database refuses every statement from ``start()`` until the clock has moved on
    ``seconds`` (a PostgreSQL restart, a failover): SQLAlchemy's own event hook, no patching."""

    def __init__(self, database: Database, clock: ManualClock, seconds: float) -> None:
        self.clock = clock
        self.length = timedelta(seconds=seconds)
        self.until: datetime | None = None
        self.refused = 0
        event.listen(database.engine, "before_cursor_execute", self._check)

    def start(self) -> None:
        self.until = self.clock.now() + self.length

    def _check(self, *_args: object) -> None:
        if self.until is not None and self.clock.now() < self.until:
            self.refused += 1
            raise OperationalError("UPDATE delivery", {}, Exception("connection refused"))


class AcceptThenOutage:
    """Every send is accepted by the platform; the database goes away right after the first."""

    platform = Platform.TELEGRAM

    def __init__(self, inner: RecordingAdapter, outage: Outage) -> None:
        self.inner = inner
        self.outage = outage

    async def send(self, recipient: Recipient, messages: Sequence[Outbound], skip: int = 0,
                   progress: Progress | None = None) -> Sent:
        sent = await self.inner.send(recipient, messages, skip, progress)
        if self.outage.until is None:
            self.outage.start()
        return sent


async def test_a_20_second_database_outage_duplicates_no_send(
        database: Database, sample_catalog: Catalog) -> None:
    bot = make_bot(database, sample_catalog)
    recording = bot.adapter
    outage = Outage(database, bot.clock, 20)
    sender = AcceptThenOutage(recording, outage)
    bot.dispatcher = bot.dispatcher_for(sender)
    names = [f"learner-{n}" for n in range(12)]
    for name in names:
        bot.enrol(name)
    with contextlib.suppress(OperationalError):  # as the dispatch job's error boundary does
        await bot.tick(NINE)  # the fan-out meets the outage; recording waits it out
    assert outage.refused > 0
    for seconds in (25, 40, 60, 120, 600):  # the healthy process runs on
        bot.clock.set(NINE + timedelta(seconds=seconds))
        bot.dispatcher.heartbeat()
        bot.dispatcher.reap()
        await bot.tick()  # no failure left to suppress: the database is back
    lessons = [d.recipient.user_id for d in recording.delivered if d.messages[0].kind.value
               == "lesson"]
    assert sorted(lessons) == sorted(names), lessons  # each lesson once: none lost, none twice
    assert bot.rows().get("sent") == len(names), bot.rows()
