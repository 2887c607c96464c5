"""Inbound event to reply, with its transaction, for 10,000 enrolled learners.

Measures engine.handle (enrol lookup, command, records, rendering excluded) over a mix of events
from random learners, next to a baseline of one bare keyed SELECT per event in the same process.
Usage::

    python -m bench.engine_bench [--db URL] [--learners 10000] [--events 3000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.lessons_bench import percentile
from bot.content.catalog import Catalog
from bot.engine.engine import Engine
from bot.messages import Inbound, Platform
from storage import Database
from storage.tables import LearnerRow
from tests.fakes.scratch import scratch_database

SAMPLE = Path(__file__).resolve().parent.parent / "lessons"
EVENTS = ["me", "lesson", "quiz", "how do I spot a phishing email", "2", "top",
          "time 08:30", "pasword manager", "help", "b"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite)")
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=3_000)
    args = parser.parse_args()
    with scratch_database(args.db, prefix="bench") as database:
        run(database, args.learners, args.events)


def run(database: Database, learners: int, events: int) -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with database.engine.begin() as connection:
        connection.execute(LearnerRow.__table__.insert(), [  # type: ignore[attr-defined]
            {"platform": "telegram", "platform_user_id": str(n), "display_name": f"L{n}",
             "time_zone": "UTC", "lesson_time": "09:00", "quiz_time": "15:00",
             "workdays": "mon,tue,wed,thu,fri", "paused": False, "topics": "",
             "leaderboard_opt_in": n % 3 == 0, "is_trainer": False, "created_at": start}
            for n in range(learners)])
    catalog = Catalog(SAMPLE)
    catalog.load()
    engine = Engine(database, catalog)
    rng = random.Random(5)
    users = [str(rng.randrange(learners)) for _ in range(events)]
    # Warm up: every chosen learner has read a lesson a day before, so quizzes have questions.
    for user in set(users[: events // 3]):
        engine.handle(Inbound(Platform.TELEGRAM, user, user, text="lesson"), start)
    now = start + timedelta(days=1)
    ours: list[float] = []
    began = time.perf_counter()
    for number, user in enumerate(users):
        event = Inbound(Platform.TELEGRAM, user, user, text=EVENTS[number % len(EVENTS)])
        started = time.perf_counter()
        engine.handle(event, now)
        ours.append((time.perf_counter() - started) * 1000)
    elapsed = time.perf_counter() - began
    baseline: list[float] = []
    for user in users:
        started = time.perf_counter()
        with database.session() as session:
            session.execute(text("SELECT id FROM learner WHERE platform = 'telegram' "
                                 "AND platform_user_id = :u"), {"u": user}).first()
        baseline.append((time.perf_counter() - started) * 1000)
    print(json.dumps({
        "figure": "inbound_to_reply", "database": "postgresql" if not database.is_sqlite
        else "sqlite", "learners": learners, "events": events,
        "events_per_s": round(events / elapsed), "p50_ms": round(statistics.median(ours), 2),
        "p95_ms": round(percentile(ours, 0.95), 2), "max_ms": round(max(ours), 2),
        "baseline_keyed_select_p50_ms": round(statistics.median(baseline), 3),
        "targets": ">= 500 events/s, p95 <= 10 ms (SQLite)"}))


if __name__ == "__main__":
    main()
