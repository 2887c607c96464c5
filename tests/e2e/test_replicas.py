"""Three dispatcher processes share one PostgreSQL: every delivery is sent exactly once."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Database
from tests.conftest import POSTGRES_URL, SAMPLE
from tests.fakes.harness import enrol_due
from tests.fakes.platform import FakePlatform
from tests.fakes.scratch import scratch_database

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
LEARNERS = 400


@pytest.fixture
def postgres() -> Iterator[Database]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need MICROLEARN_TEST_POSTGRES_URL (.ci/run sets it)")
    with scratch_database(POSTGRES_URL) as database:
        yield database


async def test_three_replicas_send_every_delivery_exactly_once(
        postgres: Database, tmp_path: Path) -> None:
    database = postgres
    enrol_due(database, LEARNERS)
    fake = FakePlatform(latency=0.005)
    await fake.start()
    go = tmp_path / "go"
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.dispatch_worker", "--db", POSTGRES_URL or "",
        "--schema", database.schema or "", "--lessons", str(SAMPLE), "--platform", fake.base_url,
        "--go", str(go), stdout=asyncio.subprocess.PIPE, env=environment, cwd=ROOT)
        for _ in range(3)]
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), 60)
            assert line.strip() == b"ready"
        go.touch()
        outputs = [await asyncio.wait_for(worker.communicate(), 120) for worker in workers]
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
        await fake.stop()
    assert all(worker.returncode == 0 for worker in workers)
    per_worker = [int(out.decode().split()[-1]) for out, _ in outputs]
    # a lesson delivery is the lesson and the "first lesson" badge: two messages, keyed
    lessons = Counter(message["chat"] for message in fake.messages if message["key"].endswith(":0"))
    assert len(lessons) == LEARNERS and set(lessons.values()) == {1}, "each learner exactly once"
    assert set(Counter(message["key"] for message in fake.messages).values()) == {1}
    assert sum(per_worker) == LEARNERS
    assert sum(1 for sent in per_worker if sent) >= 2, f"the work was not shared: {per_worker}"
    with database.unit() as unit:
        assert unit.deliveries.counts() == {"sent": LEARNERS}
