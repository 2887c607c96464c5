"""``microlearn export`` at scale: rows a second and peak memory (``python -m bench.export_bench
[ANSWERS]``).

Fills a scratch SQLite database with ANSWERS answers (default 1,000,000: a year of about 1,300
learners answering three questions a workday) from 10,000 learners, then exports them as CSV
to a file in a child process and reports its time and peak memory (ru_maxrss).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from storage import Database, upgrade
from storage.tables import AnswerRow, LearnerRow

LEARNERS = 10_000


def fill(url: str, answers: int) -> None:
    database = Database(url)
    upgrade(database)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with database.session() as session:
        session.execute(insert(LearnerRow), [
            {"platform": "slack", "platform_user_id": f"U{n}", "display_name": f"Learner {n}",
             "created_at": start} for n in range(LEARNERS)])
    chunk = 50_000
    for first in range(0, answers, chunk):
        with database.session() as session:
            session.execute(insert(AnswerRow), [
                {"learner_id": n % LEARNERS + 1, "lesson_id": f"topic/lesson-{n % 40}",
                 "question_key": f"q{n % 3}", "choices": str(n % 4), "correct": n % 3 != 0,
                 "answered_at": start + timedelta(seconds=n * 30), "idempotency_key": f"k{n}",
                 "first": False, "latest": False}
                for n in range(first, min(first + chunk, answers))])
    database.dispose()


def main() -> None:
    answers = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        started = time.perf_counter()
        fill(url, answers)
        print(f"filled {answers:,} answers of {LEARNERS:,} learners in "
              f"{time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "export", "answers", "--db", url,
                        "--lessons", folder, "--out", str(Path(folder) / "answers.csv")], check=True)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"exported {answers:,} answers as CSV in {seconds:.1f} s "
              f"({answers / seconds:,.0f} rows/s), peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
