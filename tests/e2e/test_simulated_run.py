"""`microlearn run --start ... --speed 60` end to end: the real runtime (scheduler, due scan,
dispatcher, Telegram adapter in polling mode) against the fake Bot API, on a simulated clock:
the day's lesson goes at the simulated 09:00 after five seconds of real time."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Runtime
from bot.config import Secrets, Settings
from scheduler.clock import SimulatedClock
from storage.records import Delivery, DeliveryKind
from tests.conftest import POSTGRES_URL
from tests.e2e.conftest import TELEGRAM_TOKEN
from tests.fakes.scratch import scratch_database
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

TOKEN = TELEGRAM_TOKEN
GOOD = Path(__file__).resolve().parents[1] / "data" / "lessons" / "good"
ADA = 4201
MONDAY_0855 = datetime(2027, 1, 4, 8, 55, tzinfo=UTC)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_the_lesson_goes_at_the_simulated_nine_oclock_after_little_real_time(
        fake: FakeTelegram, tmp_path: Path, backend: str) -> None:
    if backend == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need MICROLEARN_TEST_POSTGRES_URL (.ci/run sets it)")
    with scratch_database(POSTGRES_URL if backend == "postgresql" else None) as database:
        url = (f"{POSTGRES_URL}?options=-csearch_path%3D{database.schema}"
               if database.schema else f"sqlite:///{tmp_path / 'bot.db'}")
        # The default [schedule] tick_seconds (30): at 60 x the scan runs every 0.5 s real.
        settings = Settings.model_validate({
            "lessons": {"dir": str(GOOD)}, "storage": {"url": url},
            "server": {"enabled": False},
            "telegram": {"enabled": True, "api_base_url": fake.base_url}})
        clock = SimulatedClock(MONDAY_0855, speed=60)
        runtime = Runtime(settings, Secrets(None, None, None, TOKEN), clock)
        began = time.monotonic()
        await runtime.start()
        try:
            fake.push_message(ADA, "/start")
            welcome = await fake.wait_sent(1, ADA)
            assert "Welcome to microlearn" in welcome[0].text
            assert clock.now() < MONDAY_0855.replace(minute=0, hour=9)  # before the lesson time
            enrolled = len(fake.sent_to(ADA))
            pushed = await fake.wait_sent(enrolled + 1, ADA, timeout=15)
            real = time.monotonic() - began
            database = runtime.database
            assert database is not None

            def lesson_row() -> Delivery | None:
                with database.unit() as unit:
                    learner = unit.learners.find("telegram", str(ADA))
                    assert learner is not None
                    return unit.deliveries.get(learner.id, DeliveryKind.LESSON,
                                               date(2027, 1, 4))
            deadline = time.monotonic() + 5  # the outcome is recorded just after the send
            while ((row := lesson_row()) is None or row.sent_at is None) \
                    and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert row is not None
            nine = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
            assert row.due_at == nine and row.status.value == "sent", row
            assert row.sent_at is not None and nine <= row.sent_at < nine + timedelta(minutes=2)
            assert pushed[-1].text  # the lesson itself, to the learner's chat
            assert real < 15, real  # five real seconds for five simulated minutes, and the start
            health = await runtime.health()
            assert health["scheduler"] == {"ticking": True}  # /healthz on simulated time
        finally:
            await runtime.stop()
