"""Delivery under faults: one learner's deliveries stay in order when a send fails part-way,
and a database outage never makes a send the platform accepted go twice."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from bot.adapters.pacing import Pacer
from bot.content.catalog import Catalog
from bot.errors import TemporaryDeliveryError
from bot.messages import LessonMessage, Outbound, Platform
from bot.ports import Progress, Recipient, Sent
from storage import Database
from tests.fakes.harness import MONDAY, make_bot

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

