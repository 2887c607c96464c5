"""A bot on a fake clock: engine, due scan and dispatcher over any sender (a recording one by
default), for delivery tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.content.catalog import Catalog
from bot.engine import calendar
from bot.engine.engine import Engine
from bot.messages import Inbound, Outbound, Platform
from scheduler.clock import ManualClock
from scheduler.dispatch import Dispatcher, DispatchResult, DispatchSettings
from scheduler.due import DueScan, ScanResult
from storage import Database
from storage.records import Learner, LearnerChange
from tests.fakes.recording import RecordingAdapter

MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 08:00 UTC on a Monday


@dataclass
class Bot:
    """Everything a delivery test drives."""

    database: Database
    engine: Engine
    clock: ManualClock
    adapter: Any
    """The sender the dispatcher sends through."""
    scan: DueScan
    dispatcher: Dispatcher

    def enrol(self, user: str, zone: str = "UTC") -> Learner:
        self.engine.handle(Inbound(Platform.TELEGRAM, user, f"chat-{user}", text="start",
                                   time_zone=zone), self.clock.now())
        return self.learner(user)

    def learner(self, user: str) -> Learner:
        with self.database.unit() as unit:
            learner = unit.learners.find("telegram", user)
        assert learner is not None
        return learner

    def say(self, user: str, text: str | None = None, answer: str | None = None,
            ) -> list[Outbound]:
        return self.engine.handle(Inbound(Platform.TELEGRAM, user, f"chat-{user}", text=text,
                                          answer=answer), self.clock.now())

    async def tick(self, at: datetime | None = None) -> tuple[ScanResult, DispatchResult]:
        """Move the clock (if asked), scan, and dispatch: what one scheduler tick does."""
        if at is not None:
            self.clock.set(at)
        found = self.scan.run(self.clock.now())
        return found, await self.dispatcher.dispatch()

    def rows(self) -> dict[str, int]:
        with self.database.unit() as unit:
            return unit.deliveries.counts()

    def dispatcher_for(self, sender: Any,
                       settings: DispatchSettings | None = None) -> Dispatcher:
        dispatcher = Dispatcher(self.database, self.engine, {sender.platform: sender},
                                self.clock, settings or self.dispatcher.settings,
                                sleep=clock_sleep(self.clock))
        dispatcher.register()
        return dispatcher


def clock_sleep(clock: ManualClock) -> Callable[[float], Awaitable[None]]:
    """A sleep that moves the fake clock instead of waiting (yielding to the loop once)."""
    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)
    return sleep


def make_bot(database: Database, catalog: Catalog, adapter: Any = None,
             settings: DispatchSettings | None = None) -> Bot:
    """A bot at 08:00 UTC on Monday 2 March 2026 with one worker registered."""
    clock = ManualClock(MONDAY)
    engine = Engine(database, catalog)
    adapter = adapter if adapter is not None else RecordingAdapter(clock.now)
    settings = settings or DispatchSettings(retry_base=2.0, max_attempts=4,
                                            nudge_after=timedelta(hours=3),
                                            worker_timeout=timedelta(seconds=60))
    dispatcher = Dispatcher(database, engine, {adapter.platform: adapter}, clock, settings,
                            sleep=clock_sleep(clock))
    dispatcher.register()
    return Bot(database, engine, clock, adapter, DueScan(database), dispatcher)


def enrol_due(database: Database, count: int, first_id: int = 1000) -> None:
    """``count`` Telegram learners in UTC, learning every day, whose lesson is due a moment
    ago (today still, in UTC), and whose quiz is not planned: the real clock's fan-out."""
    now = datetime.now(UTC)
    due = max(now - timedelta(seconds=5), now.replace(hour=0, minute=0, second=0,
                                                       microsecond=0))
    with database.unit() as unit:
        learners = unit.learners
        for number in range(first_id, first_id + count):
            learner, _ = learners.enrol("telegram", str(number), now, LearnerChange(
                chat_id=str(number), workdays=calendar.DAYS, time_zone="UTC",
                lesson_time=due.strftime("%H:%M")))
            learners.update(learner.id, LearnerChange(next_lesson_at=due, next_quiz_at=None))
