"""Fault injection over real HTTP: a platform that answers 429 with retry-after, 500, hangs past
the time-out and 403 "blocked"; in the end every deliverable message arrived exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.content.catalog import Catalog
from scheduler.dispatch import DispatchSettings
from storage import Database
from tests.fakes.harness import MONDAY, Bot, make_bot
from tests.fakes.platform import FakePlatform, HttpAdapter

pytestmark = pytest.mark.e2e
NINE = MONDAY.replace(hour=9)


@pytest.fixture
async def platform() -> AsyncIterator[FakePlatform]:
    fake = FakePlatform()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def bot(database: Database, sample_catalog: Catalog,
              platform: FakePlatform) -> AsyncIterator[Bot]:
    adapter = HttpAdapter(platform.base_url, per_second=30, per_chat_per_second=1, timeout=0.3)
    bot = make_bot(database, sample_catalog, adapter,
                   DispatchSettings(retry_base=2.0, max_attempts=6))
    yield bot
    await adapter.stop()


async def test_every_deliverable_message_arrives_once_through_faults(
        bot: Bot, platform: FakePlatform) -> None:
    for number in range(12):
        bot.enrol(f"u{number}")
    platform.fail_next(429, retry_after=1)
    platform.fail_next(500, count=3)
    platform.fail_next(0)  # hangs: the client times out
    platform.fail_next(403)
    await bot.tick(NINE)
    moment = NINE
    for _ in range(40):  # retries come back on the fake clock: no waiting on backoff
        moment += timedelta(seconds=15)
        await bot.tick(moment)
        if bot.rows().get("pending", 0) == 0:
            break
    assert bot.rows() == {"sent": 11, "failed": 1}
    assert platform.rejected == 6
    lessons = Counter(m["chat"] for m in platform.messages if m["key"].endswith("lesson:0"))
    assert len(lessons) == 11 and set(lessons.values()) == {1}
    assert set(Counter(m["key"] for m in platform.messages).values()) == {1}
    blocked = [f"u{n}" for n in range(12) if bot.learner(f"u{n}").unreachable]
    assert len(blocked) == 1 and f"chat-{blocked[0]}" not in lessons


async def test_a_platform_limit_of_30_per_second_is_kept_without_a_single_429(
        bot: Bot, platform: FakePlatform) -> None:
    platform.global_per_second, platform.chat_per_second = 30, 1
    for number in range(45):
        bot.enrol(f"u{number}")
    _, result = await bot.tick(NINE)  # 45 lessons + 45 badges: 90 messages, 3 s at 30/s
    assert result.sent == 45 and platform.rejected == 0
    assert len(platform.messages) == 90


async def test_a_delivery_cut_short_resumes_where_it_stopped(
        bot: Bot, platform: FakePlatform) -> None:
    bot.enrol("ann")  # the first lesson is two messages: the lesson and the new badge

    async def fail_the_second() -> None:
        while not platform.messages:
            await asyncio.sleep(0.001)
        platform.fail_next(500)

    waiter = asyncio.create_task(fail_the_second())
    platform.latency = 0.02  # room to arm the failure between the two messages
    _, result = await bot.tick(NINE)
    await waiter
    assert result.retried == 1 and [m["key"] for m in platform.messages] == [
        f"{bot.learner('ann').id}:lesson:0"]
    await bot.tick(NINE + timedelta(minutes=1))
    keys = [m["key"] for m in platform.messages]
    assert keys == [f"{bot.learner('ann').id}:lesson:0", f"{bot.learner('ann').id}:notice:1"]
    assert "badge" in platform.messages[1]["text"].lower()  # the same messages, not recomposed
