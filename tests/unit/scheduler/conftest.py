"""A bot on a fake clock: engine, due scan and dispatcher over a recording adapter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.content.catalog import Catalog
from bot.engine.engine import Engine
from bot.engine.messages import Inbound, Outbound, Platform
from scheduler.clock import ManualClock
from scheduler.dispatch import Dispatcher, DispatchResult, DispatchSettings
from scheduler.due import DueScan, ScanResult
from storage import Database
from storage.records import Learner
from storage.repositories import Deliveries, Learners
from tests.conftest import SAMPLE
from tests.fakes.recording import RecordingAdapter

MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 08:00 UTC on a Monday


@dataclass
class Bot:
    """Everything a delivery test drives."""

    database: Database
    engine: Engine
    clock: ManualClock
    adapter: RecordingAdapter
    scan: DueScan
    dispatcher: Dispatcher

    def enrol(self, user: str, zone: str = "UTC") -> Learner:
        self.engine.handle(Inbound(Platform.TELEGRAM, user, f"chat-{user}", text="start",
                                   time_zone=zone), self.clock.now())
        return self.learner(user)

    def learner(self, user: str) -> Learner:
        with self.database.session() as session:
            learner = Learners(session).find("telegram", user)
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
        with self.database.session() as session:
            return Deliveries(session).counts()

    def dispatcher_for(self, adapter: RecordingAdapter,
                       settings: DispatchSettings | None = None) -> Dispatcher:
        dispatcher = Dispatcher(self.database, self.engine, {adapter.platform: adapter},
                                self.clock, settings or self.dispatcher.settings)
        dispatcher.register()
        return dispatcher


@pytest.fixture(scope="session")
def sample_catalog() -> Catalog:
    catalog = Catalog(SAMPLE)
    catalog.load()
    return catalog


@pytest.fixture
def bot(database: Database, sample_catalog: Catalog) -> Iterator[Bot]:
    clock = ManualClock(MONDAY)
    engine = Engine(database, sample_catalog)
    adapter = RecordingAdapter(clock.now)
    settings = DispatchSettings(retry_base=2.0, max_attempts=4,
                                nudge_after=timedelta(hours=3),
                                worker_timeout=timedelta(seconds=60))
    dispatcher = Dispatcher(database, engine, {Platform.TELEGRAM: adapter}, clock, settings)
    dispatcher.register()
    yield Bot(database, engine, clock, adapter, DueScan(database), dispatcher)
