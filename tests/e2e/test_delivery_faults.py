"""Fault injection over real HTTP: a platform that answers 429 with retry-after, 500, hangs past
the time-out and 403 "blocked"; in the end every deliverable message arrived exactly once."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from scheduler.dispatch import DispatchSettings
from storage import Database
from tests.fakes.harness import MONDAY, Bot, make_bot
from tests.fakes.platform import FakePlatform, HttpAdapter

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
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


async def test_a_platform_limit_of_30_per_second_is_kept(
        database: Database, sample_catalog: Catalog, tmp_path: Path) -> None:
    # The platform in a process of its own, as a real one is: sharing the bot's event loop,
    # it would see the bot's pauses as bursts.
    record = tmp_path / "record.jsonl"
    fake = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.platform", "--record", str(record),
        "--limit-global", "30", "--limit-chat", "1", stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    assert fake.stdout is not None
    adapter = HttpAdapter((await fake.stdout.readline()).decode().strip(), per_second=30,
                          per_chat_per_second=1)
    bot = make_bot(database, sample_catalog, adapter)
    try:
        for number in range(90):
            bot.enrol(f"u{number}")
        _, result = await bot.tick(NINE)  # 90 lessons: 90 messages, 3 s at 30/s
        sent, moment = result.sent, NINE
        while sent < 90 and moment < NINE + timedelta(minutes=1):  # a 429's retry
            moment += timedelta(seconds=2)
            sent += (await bot.tick(moment))[1].sent
    finally:
        await adapter.stop()
        fake.terminate()
        await fake.wait()
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    accepted = [line for line in lines if "rejected" not in line]
    # Unpaced, most of these would be refused. Paced, none should be: but two busy cores
    # can bunch a few messages on the way (the platform counts arrivals), so a stray 429 is
    # tolerated here; docs/benchmarks.md has the measured figure.
    assert len(lines) - len(accepted) <= 2
    assert sent == 90 and len(accepted) == 90
    assert set(Counter(line["key"] for line in accepted).values()) == {1}


async def test_a_delivery_cut_short_resumes_where_it_stopped(
        bot: Bot, platform: FakePlatform) -> None:
    ann = bot.enrol("ann").id
    tuesday = NINE + timedelta(days=1)
    for moment in (NINE, tuesday, tuesday.replace(hour=15)):  # lessons, then a question
        await bot.tick(moment)
    assert platform.messages[-1]["key"] == f"{ann}:question:0"
    before = len(platform.messages)
    # The reminder of the unanswered question is two messages: the reminder and the question.

    async def fail_the_second() -> None:
        while len(platform.messages) == before:
            await asyncio.sleep(0.001)
        platform.fail_next(500)

    waiter = asyncio.create_task(fail_the_second())
    platform.latency = 0.02  # room to arm the failure between the two messages
    evening = tuesday.replace(hour=18)
    _, result = await bot.tick(evening)
    await waiter
    assert result.retried == 1 and [m["key"] for m in platform.messages[before:]] == [
        f"{ann}:reminder:0"]
    await bot.tick(evening + timedelta(minutes=1))
    keys = [m["key"] for m in platform.messages[before:]]
    assert keys == [f"{ann}:reminder:0", f"{ann}:question:1"]
    assert "still waiting" in platform.messages[before]["text"]  # not recomposed
