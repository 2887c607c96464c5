"""Scheduler and delivery figures (issue #4), each next to a baseline run in the same process.

1. Due scan: 100,000 enrolled learners of whom 1% are due; the scan writes their outbox rows
   and moves their due times. Baseline: a bare SELECT of those 1,000 ids.
2. Fan-out: 10,000 due lessons claimed, composed by the engine and sent through a zero-latency
   adapter, each marked sent in its own transaction. Baseline: one keyed UPDATE per row.
3. Paced: deliveries through a local fake platform that answers 429 above 30 messages/s; the
   rate achieved against the 30/s limit, and how many were lost.
4. Resident memory of the process after all of that, with 100,000 learners enrolled.

Usage::

    python -m bench.delivery_bench [--db URL] [--learners 100000] [--fanout 10000] [--paced 600]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text, update
from sqlmodel import col, select

from bot.content.catalog import Catalog
from bot.engine.engine import Engine
from bot.messages import Platform
from scheduler.clock import ManualClock
from scheduler.dispatch import Dispatcher, DispatchSettings
from scheduler.due import DueScan
from storage import Database
from storage.tables import DeliveryRow, LearnerRow
from tests.fakes.platform import HttpAdapter
from tests.fakes.recording import RecordingAdapter
from tests.fakes.scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "lessons"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC


def populate(database: Database, learners: int, due: int) -> None:
    """``learners`` learners in UTC, of whom the first ``due`` are due at NOW."""
    later = NOW + timedelta(hours=1)
    rows = [{"platform": "telegram", "platform_user_id": str(n), "chat_id": str(n),
             "display_name": f"L{n}", "time_zone": "UTC", "lesson_time": "09:00",
             "quiz_time": "15:00", "workdays": "mon,tue,wed,thu,fri", "paused": False,
             "stopped": False, "topics": "", "leaderboard_opt_in": False, "is_trainer": False,
             "nudges": True, "created_at": NOW - timedelta(days=1),
             "next_lesson_at": NOW if n < due else later, "next_quiz_at": later}
            for n in range(learners)]
    with database.engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(LearnerRow.__table__.insert(),  # type: ignore[attr-defined]
                               rows[start:start + 10_000])


def reset(database: Database, due: int) -> None:
    """Forget the outbox, and make the first ``due`` learners due again."""
    with database.engine.begin() as connection:
        connection.execute(DeliveryRow.__table__.delete())  # type: ignore[attr-defined]
        connection.execute(text("DELETE FROM lesson_progress"))
        connection.execute(text("DELETE FROM points"))
        connection.execute(text("DELETE FROM card"))
        connection.execute(text("DELETE FROM streak"))
        connection.execute(text("DELETE FROM badge"))
        connection.execute(update(LearnerRow).where(LearnerRow.id <= due)  # type: ignore[arg-type]
                           .values(next_lesson_at=NOW))


def bench_scan(database: Database, learners: int) -> None:
    due = learners // 100
    scan = DueScan(database)
    timings, baseline = [], []
    for _ in range(5):
        reset(database, due)
        with database.session() as session:
            started = time.perf_counter()
            column = col(LearnerRow.next_lesson_at)
            ids = session.exec(select(LearnerRow.id).where(column <= NOW)
                               .order_by(column).limit(due)).all()
            baseline.append(time.perf_counter() - started)
        assert len(ids) == due, len(ids)
        started = time.perf_counter()
        result = scan.run(NOW)
        timings.append(time.perf_counter() - started)
        assert result.pending == due, result
    print(f"due scan, {learners:,} learners, {due:,} due: best {min(timings) * 1000:.1f} ms, "
          f"median {sorted(timings)[2] * 1000:.1f} ms (baseline SELECT of the due ids: "
          f"{min(baseline) * 1000:.1f} ms)")


async def bench_fanout(database: Database, catalog: Catalog, count: int) -> None:
    reset(database, count)
    clock = ManualClock(NOW)
    engine = Engine(database, catalog)
    adapter = RecordingAdapter(clock.now)
    dispatcher = Dispatcher(database, engine, {Platform.TELEGRAM: adapter}, clock,
                            DispatchSettings(batch=500, concurrency=256))
    dispatcher.register()
    DueScan(database).run(NOW)
    started = time.perf_counter()
    result = await dispatcher.dispatch()
    elapsed = time.perf_counter() - started
    assert result.sent == count and len(adapter.delivered) == count, result
    with database.engine.begin() as connection:
        ids = [row[0] for row in connection.execute(text("SELECT id FROM delivery"))]
    started = time.perf_counter()
    for delivery_id in ids:
        with database.engine.begin() as connection:
            connection.execute(text("UPDATE delivery SET attempts = attempts WHERE id = :id"),
                               {"id": delivery_id})
    baseline = time.perf_counter() - started
    print(f"fan-out through a zero-latency adapter: {count:,} deliveries in {elapsed:.2f} s = "
          f"{count / elapsed:,.0f} deliveries/s (baseline, one keyed UPDATE per row in its own "
          f"transaction: {count / baseline:,.0f}/s)")
    await dispatcher.close()


class RealTimeClock:
    """Real time, starting at NOW: retries come due as they would in production."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def now(self) -> datetime:
        return NOW + timedelta(seconds=time.monotonic() - self.started)


async def bench_paced(database: Database, catalog: Catalog, count: int) -> None:
    reset(database, count)
    with tempfile.TemporaryDirectory() as scratch:
        record = Path(scratch) / "record.jsonl"
        # The platform runs in its own process, as a real one would: sharing our event loop,
        # it would see our pauses as bursts.
        fake = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.fakes.platform", "--record", str(record),
            "--limit-global", "30", "--limit-chat", "1", stdout=asyncio.subprocess.PIPE,
            cwd=ROOT)
        assert fake.stdout is not None
        base_url = (await fake.stdout.readline()).decode().strip()
        clock = RealTimeClock()
        engine = Engine(database, catalog)
        adapter = HttpAdapter(base_url, per_second=30, per_chat_per_second=1)
        dispatcher = Dispatcher(database, engine, {Platform.TELEGRAM: adapter}, clock)
        dispatcher.register()
        DueScan(database).run(clock.now())
        started = time.perf_counter()
        sent = 0
        while sent < count and time.perf_counter() - started < count:  # retries come due
            sent += (await dispatcher.dispatch()).sent
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        await dispatcher.close()
        await adapter.stop()
        fake.terminate()
        await fake.wait()
        lines = [json.loads(line) for line in record.read_text().splitlines()]
    accepted = [line for line in lines if "rejected" not in line]
    rejected = Counter(line["rejected"] for line in lines if "rejected" in line)
    keys = Counter(line["key"] for line in accepted)
    lessons = {line["chat"] for line in accepted if line["key"].endswith("lesson:0")}
    with database.engine.begin() as connection:
        statuses = dict(connection.execute(text(
            "SELECT status, count(*) FROM delivery GROUP BY status")).all())
    rate = (len(accepted) - 1) / (accepted[-1]["at"] - accepted[0]["at"])
    print(f"paced through a fake enforcing 30 msg/s (its own process): {count:,} deliveries = "
          f"{len(accepted):,} messages in {elapsed:.1f} s, {rate:.2f} msg/s = {rate / 30:.1%} of "
          f"the limit; 429s: {sum(rejected.values())} {dict(rejected)}; lost: "
          f"{count - len(lessons)}; duplicated: {sum(n - 1 for n in keys.values())}; "
          f"outbox: {statuses}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite)")
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--fanout", type=int, default=10_000)
    parser.add_argument("--paced", type=int, default=600)
    args = parser.parse_args()
    with scratch_database(args.db, prefix="bench") as database:
        catalog = Catalog(SAMPLE)
        catalog.load()
        print(f"database: {database.engine.dialect.name}")
        populate(database, args.learners, args.learners // 100)
        bench_scan(database, args.learners)
        asyncio.run(bench_fanout(database, catalog, args.fanout))
        if args.paced:
            asyncio.run(bench_paced(database, catalog, args.paced))
        gc.collect()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory with {args.learners:,} learners enrolled: {peak:.0f} MB")


if __name__ == "__main__":
    main()
