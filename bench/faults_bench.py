"""Delivery under faults: what is lost, sent twice or out of order (the figures of
docs/delivery.md, "Under faults, measured").

Runs the real engine, due scan and dispatcher on a fake clock (no sleeping: a retry 10 minutes
away is reached by moving the clock), on SQLite or PostgreSQL, through an in-process platform
that keeps every message it accepted:

1. faults: every learner gets a two-message lesson and a quiz at the same hour; 10% of the
   platform's answers are faults (a 500, a 429 with retry-after, a time-out before the message
   was taken), 2% of the learners have blocked the bot.
2. unknown outcomes: as 1, but the time-outs come *after* the platform took the message (a
   read time-out): the only faults that can make a duplicate.
3. outage: a lesson fan-out during which the database refuses every statement for 20 s.
4. replicas: three dispatchers on one database; one of them hangs for good in the middle of
   the fan-out (its sends never come back, its heartbeat stops), and the others take over its
   rows after the worker time-out.

Counted per learner: lost (a platform message never accepted, for a reachable learner),
duplicated (accepted twice), and out of order (a quiz message between a lesson's two parts).

Usage::

    python -m bench.faults_bench [--db URL] [--learners 1000] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.content.catalog import Catalog
from bot.errors import RateLimited, RecipientUnreachable, TemporaryDeliveryError
from bot.messages import LessonMessage, Outbound, Platform
from bot.ports import Progress, Recipient, Sent
from scheduler.dispatch import Dispatcher, DispatchSettings
from storage import Database
from tests.fakes.harness import MONDAY, Bot, make_bot
from tests.fakes.scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent
NINE = MONDAY.replace(hour=9)
TUESDAY_NINE = NINE + timedelta(days=1)


@dataclass
class FakePlatform:
    """What the platform took, per chat, in order; and the faults it is told to make."""

    platform = Platform.TELEGRAM
    random: random.Random
    fault_rate: float = 0.0
    unknown_outcomes: bool = False
    blocked: set[str] = field(default_factory=set)
    taken: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    faults: Counter[str] = field(default_factory=Counter)
    hang: set[int] = field(default_factory=set)
    """Ids of dispatchers whose sends never come back (a hung replica)."""
    hung: int = 0
    """Sends that went into the hang."""

    def sender(self, number: int = 0) -> FakeSender:
        return FakeSender(self, number)


class FakeSender:
    """One replica's connection to the platform."""

    platform = Platform.TELEGRAM

    def __init__(self, platform: FakePlatform, number: int) -> None:
        self.shared = platform
        self.number = number

    async def send(self, recipient: Recipient, messages: Sequence[Outbound], skip: int = 0,
                   progress: Progress | None = None) -> Sent:
        shared = self.shared
        chat = recipient.chat_id or recipient.user_id
        label = "lesson" if any(isinstance(m, LessonMessage) for m in messages) else "quiz"
        parts = [f"{label} {index + 1}" for index in range(sum(
            2 if isinstance(m, LessonMessage) else 1 for m in messages))]
        if recipient.user_id in shared.blocked:
            raise RecipientUnreachable("Forbidden: bot was blocked by the user")
        for index in range(skip, len(parts)):
            if self.number in shared.hang:
                shared.hung += 1
                await asyncio.Event().wait()  # never answers
            if shared.random.random() < shared.fault_rate:
                kind = shared.random.choice(("500", "429", "timeout"))
                shared.faults[kind] += 1
                if kind == "timeout" and shared.unknown_outcomes:
                    shared.taken[chat].append(parts[index])  # taken, but no answer came
                error: TemporaryDeliveryError = (
                    RateLimited("Too Many Requests: retry after 1", 1.0) if kind == "429"
                    else TemporaryDeliveryError("timed out" if kind == "timeout"
                                                else "500 Internal Server Error"))
                error.sent = index - skip
                raise error
            shared.taken[chat].append(parts[index])
            if progress is not None and index + 1 < len(parts):
                await progress(index + 1, Sent(f"{chat}.{index}"))
        return Sent(f"{chat}.{len(parts)}")


def enrol(bot: Bot, learners: int) -> list[str]:
    names = [f"learner-{number}" for number in range(learners)]
    for name in names:
        bot.enrol(name)
        bot.say(name, "time quiz 09:00")  # the day's lesson and review at the same hour
    return names


async def drain(bot: Bot, dispatchers: Sequence[Dispatcher], start: datetime,
                step: timedelta = timedelta(seconds=2), limit: int = 2000) -> None:
    """Scan at ``start``, then dispatch while moving the clock on, until nothing is left."""
    bot.clock.set(start)
    bot.scan.run(start)
    for _ in range(limit):
        for dispatcher in dispatchers:
            with contextlib.suppress(OperationalError):  # as the dispatch job's boundary does
                await dispatcher.dispatch()
        counts = bot.rows()
        if not counts.get("pending") and not counts.get("claimed"):
            return
        bot.clock.advance(step)
        for dispatcher in dispatchers:
            with contextlib.suppress(OperationalError):
                dispatcher.heartbeat()
                dispatcher.reap()


def tally(platform: FakePlatform, names: list[str], expected: list[str]) -> dict[str, int]:
    lost = duplicated = disorder = 0
    for name in names:
        if name in platform.blocked:
            continue
        taken = platform.taken.get(f"chat-{name}", [])
        counts = Counter(taken)
        lost += sum(1 for part in expected if counts[part] == 0)
        duplicated += sum(count - 1 for count in counts.values() if count > 1)
        lesson = [i for i, part in enumerate(taken) if part.startswith("lesson")]
        if lesson and any(part.startswith("quiz")
                          for part in taken[lesson[0]:lesson[-1]]):
            disorder += 1
    return {"lost": lost, "duplicated": duplicated, "out_of_order": disorder}


async def faults(database: Database, catalog: Catalog, learners: int, seed: int,
                 unknown: bool) -> dict[str, object]:
    platform = FakePlatform(random.Random(seed))
    bot = make_bot(database, catalog, platform.sender())
    names = enrol(bot, learners)
    await drain(bot, [bot.dispatcher], NINE)  # Monday: the first lesson, no review yet
    platform.taken.clear()
    platform.fault_rate, platform.unknown_outcomes = 0.10, unknown
    platform.blocked = set(platform.random.sample(names, learners // 50))
    await drain(bot, [bot.dispatcher], TUESDAY_NINE)
    figures = tally(platform, names, ["lesson 1", "lesson 2", "quiz 1"])
    return {**figures, "faults": dict(platform.faults), "blocked": len(platform.blocked),
            "rows": bot.rows()}


async def outage(database: Database, catalog: Catalog, learners: int,
                 seconds: float = 20.0) -> dict[str, object]:
    platform = FakePlatform(random.Random(0))
    bot = make_bot(database, catalog, platform.sender())
    names = enrol(bot, learners)
    until: list[datetime] = []
    refused = Counter[str]()

    def refuse(*_args: object) -> None:
        if until and bot.clock.now() < until[0]:
            refused["statements"] += 1
            raise OperationalError("statement", {}, Exception("connection refused"))
    event.listen(database.engine, "before_cursor_execute", refuse)
    real = platform.sender()

    class Outage:
        """The database goes away once a third of the fan-out was taken."""

        platform = Platform.TELEGRAM

        async def send(self, recipient: Recipient, messages: Sequence[Outbound], skip: int = 0,
                       progress: Progress | None = None) -> Sent:
            sent = await real.send(recipient, messages, skip, progress)
            taken = sum(len(parts) for parts in platform.taken.values())
            if not until and taken >= learners * 2 // 3:
                until.append(bot.clock.now() + timedelta(seconds=seconds))
            return sent

    bot.dispatcher = bot.dispatcher_for(Outage())
    try:
        await drain(bot, [bot.dispatcher], NINE)
    finally:
        event.remove(database.engine, "before_cursor_execute", refuse)
    figures = tally(platform, names, ["lesson 1", "lesson 2"])
    return {**figures, "outage_seconds": seconds, "refused_statements": refused["statements"],
            "rows": bot.rows()}


async def replicas(database: Database, catalog: Catalog, learners: int) -> dict[str, object]:
    platform = FakePlatform(random.Random(1))
    bot = make_bot(database, catalog, platform.sender(0),
                   DispatchSettings(batch=20, concurrency=16, max_attempts=8,
                                    worker_timeout=timedelta(seconds=60)))
    names = enrol(bot, learners)
    others = [bot.dispatcher_for(platform.sender(number)) for number in (1, 2)]
    everyone = [bot.dispatcher, *others]
    bot.clock.set(NINE)
    bot.scan.run(NINE)
    platform.hang.add(0)  # replica 0 claims first, then hangs in every send
    hung = asyncio.create_task(bot.dispatcher.dispatch())
    while not platform.hung:
        await asyncio.sleep(0.01)
    await drain(bot, others, NINE, step=timedelta(seconds=15))
    for task in [*bot.dispatcher._in_flight, hung]:  # the hung process is killed at last
        task.cancel()
    await asyncio.gather(hung, return_exceptions=True)
    figures = tally(platform, names, ["lesson 1", "lesson 2"])
    return {**figures, "replicas": len(everyone), "taken_over_from_the_hung_one":
            platform.hung, "rows": bot.rows()}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="", help="run only the scenarios whose name has this")
    options = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the dispatcher's warnings are the faults
    catalog = Catalog(ROOT / "lessons")
    catalog.load()
    scenarios = (
        ("faults", lambda db: faults(db, catalog, options.learners, options.seed, False)),
        ("unknown outcomes", lambda db: faults(db, catalog, options.learners, options.seed,
                                               True)),
        ("database outage 20 s", lambda db: outage(db, catalog, options.learners)),
        ("replicas, one hung", lambda db: replicas(db, catalog, options.learners)),
    )
    where = "PostgreSQL" if options.db else "SQLite"
    print(f"{options.learners} learners on {where}")
    for name, run in scenarios:
        if options.only not in name:
            continue
        started = time.perf_counter()
        with scratch_database(options.db, prefix="faults") as database:
            figures = await run(database)
        print(f"{name}: {figures} ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
