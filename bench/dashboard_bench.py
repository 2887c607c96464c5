"""The dashboard's pages on a big cohort: 10,000 learners and a year of their answers.

The cohort is written straight into the tables (the engine would take hours to make it):
each learner gets the sample library's lessons delivered over the year, most of them read, a
card per question with an FSRS stability, and about 450 answers (three on four out of five
workdays); points for every lesson read and every right answer (the ledger and each learner's
kept total); four lessons in ten rated and a reflection at most track ends; knowledge checks
of the checked tracks (a baseline for seven learners in ten, both checks for about half), and
the confidence matrix's daily rows as if every answer said how sure; a few flags and
unanswered lookups. Then every page is built as the web handler builds it,
several times, and the median time reported next to a baseline in the same run: a
bare ``SELECT count(*)`` over the answers.

Usage::

    python -m bench.dashboard_bench [--db URL] [--learners 10000] [--days 365] [--repeat 5]
                                    [--keep FILE | --keep-schema NAME] [--timezone ZONE]

``--keep FILE`` writes the SQLite cohort to FILE, or reuses FILE when it is already there
(a year of 10,000 learners takes minutes to write; the pages' queries take milliseconds);
``--keep-schema NAME`` does the same in a PostgreSQL schema (dropped by hand when done).
``--timezone ZONE`` also times the ranged pages with ``[dashboard] timezone`` set to ZONE (the
range's days counted from the rows) beside UTC's (the daily totals), in the same run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from bot.content.catalog import Catalog
from bot.dashboard.pages import PAGES, Dashboard, DashboardSettings, Filters
from storage import Database, upgrade
from storage.tables import (
    ActivityDayRow,
    AnswerRow,
    CardRow,
    ChoiceDayRow,
    ConfidenceDayRow,
    FlagRow,
    LearnerRow,
    LookupMissRow,
    PlatformDayRow,
    PointsRow,
    ProgressRow,
    QuestionDayRow,
    RatingRow,
    ReflectionRow,
    StreakRow,
    TrackCheckRow,
)
from tests.fakes.scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
CHUNK = 20_000


def _write(database: Database, table: type, rows: list[dict[str, object]]) -> None:
    with database.engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table.__table__), rows[start:start + CHUNK])  # type: ignore[attr-defined]


def _count(days: dict[tuple[object, ...], dict[str, int]], key: tuple[object, ...],
           name: str) -> None:
    counts = days.setdefault(key, {})
    counts[name] = counts.get(name, 0) + 1


def populate(database: Database, catalog: Catalog, learners: int, days: int) -> int:
    """The cohort; returns how many answers it holds."""
    rng = random.Random(11)
    first = NOW - timedelta(days=days)
    platforms = ("slack", "telegram", "slack", "console")
    _write(database, LearnerRow, [{
        "id": n + 1, "platform": platforms[n % 4], "platform_user_id": f"u{n}",
        "chat_id": f"c{n}", "display_name": f"Learner {n}", "time_zone": "UTC",
        "lesson_time": "09:00", "quiz_time": "15:00", "workdays": "mon,tue,wed,thu,fri",
        "paused": False, "stopped": False, "topics": "", "leaderboard_opt_in": False,
        "is_trainer": False, "nudges": True, "created_at": first, "all_read_told": False}
        for n in range(learners)])
    lessons = sorted(catalog.lessons(), key=lambda lesson: lesson.id)
    questions = [(lesson.id, question.key, len(question.choices), question.correct_indexes[0])
                 for lesson in lessons for question in lesson.questions]
    workdays = [first + timedelta(days=d) for d in range(days)
                if (first + timedelta(days=d)).weekday() < 5]
    answers = 0
    questions_day: dict[tuple[object, ...], list[int]] = {}
    platform_days: dict[tuple[object, ...], dict[str, int]] = {}
    choices_day: dict[tuple[object, ...], int] = {}
    for start in range(0, learners, 500):  # a slice of learners at a time: bounded memory
        progress, cards, answer_rows, points, streaks = [], [], [], [], []
        days: dict[tuple[object, ...], dict[str, int]] = {}
        last_action: dict[int, datetime] = {}
        totals: dict[int, int] = {}
        for learner in range(start + 1, min(learners, start + 500) + 1):
            platform = platforms[(learner - 1) % 4]
            skill = rng.uniform(0.5, 0.95)
            step = max(1, len(workdays) // max(1, len(lessons)))
            for index, lesson in enumerate(lessons):
                at = workdays[min(len(workdays) - 1, index * step)]
                read = at + timedelta(hours=2) if rng.random() < 0.8 else None
                progress.append({"learner_id": learner, "lesson_id": lesson.id,
                                 "delivered_at": at, "via": "lesson", "read_at": read,
                                 "looked_up_at": None, "added_at": None})
                _count(days, (at.date(), learner, platform), "delivered")
                if read is not None:
                    _count(days, (read.date(), learner, platform), "read")
                    points.append({"learner_id": learner, "points": 20, "reason": "lesson",
                                   "created_at": read,
                                   "idempotency_key": f"r{learner}:{lesson.id}"})
                    totals[learner] = totals.get(learner, 0) + 20
                    last_action[learner] = max(read, last_action.get(learner, read))
            for lesson_id, key, _, _ in questions:
                reviewed = NOW - timedelta(days=rng.uniform(0, 60))
                cards.append({"learner_id": learner, "lesson_id": lesson_id,
                              "question_key": key, "state": "", "due_at": NOW + timedelta(
                                  days=rng.uniform(-5, 40)), "reviews": 2, "lapses": 0,
                              "mastered": False, "stability": rng.uniform(2, 90),
                              "reviewed_at": reviewed})
            last: dict[tuple[str, str], dict[str, object]] = {}
            for day in workdays:
                if rng.random() < 0.2:
                    continue
                for _ in range(3):
                    lesson_id, key, choices, right = rng.choice(questions)
                    correct = rng.random() < skill
                    answers += 1
                    row: dict[str, object] = {
                        "learner_id": learner, "lesson_id": lesson_id, "question_key": key,
                        "choices": str(right if correct else (right + 1) % choices),
                        "correct": correct, "answered_at": day + timedelta(hours=15),
                        "idempotency_key": f"b{learner}:{answers}",
                        "first": (lesson_id, key) not in last, "latest": False}
                    last[(lesson_id, key)] = row
                    answer_rows.append(row)
                    if correct:  # the ledger has an award for every right answer
                        points.append({"learner_id": learner, "points": 10, "reason": "answer",
                                       "created_at": day + timedelta(hours=15),
                                       "idempotency_key": f"p{learner}:{answers}"})
                        totals[learner] = totals.get(learner, 0) + 10
                    when = day + timedelta(hours=15)
                    for name in ("asked", "answered") + (("right",) if correct else ()):
                        _count(days, (when.date(), learner, platform), name)
                    sums = questions_day.setdefault((when.date(), platform, lesson_id, key),
                                                    [0] * 6)
                    first_time = bool(row["first"])
                    for index, value in enumerate((1, correct, first_time, first_time and correct)):
                        sums[index] += int(value)
                    picked = (when.date(), platform, lesson_id, key, int(str(row["choices"])))
                    choices_day[picked] = choices_day.get(picked, 0) + 1
                    last_action[learner] = day + timedelta(hours=15)
            for row in last.values():
                row["latest"] = True
                at = row["answered_at"]
                assert isinstance(at, datetime)
                sums = questions_day[(at.date(), platform, row["lesson_id"],
                                      row["question_key"])]
                sums[4] += 1
                sums[5] += int(bool(row["correct"]))
            streaks.append({"learner_id": learner, "current": rng.randint(0, 30),
                            "longest": 30, "last_active": NOW.date(), "freezes": 0})
        day_rows = [{"day": day, "learner_id": learner, "platform": platform,
                     **{name: counts.get(name, 0) for name in (
                         "delivered", "read", "asked", "answered", "right")}}
                    for (day, learner, platform), counts in days.items()]
        for row in day_rows:
            total = platform_days.setdefault((row["day"], row["platform"]), dict.fromkeys(
                ("delivered", "read", "asked", "answered", "right", "active"), 0))
            for name in ("delivered", "read", "asked", "answered", "right"):
                total[name] += int(row[name])  # type: ignore[call-overload]
            total["active"] += int(bool(row["read"] or row["answered"]))
        for table, rows in ((ProgressRow, progress), (CardRow, cards), (AnswerRow, answer_rows),
                            (PointsRow, points), (StreakRow, streaks),
                            (ActivityDayRow, day_rows)):
            _write(database, table, rows)  # type: ignore[arg-type]
        with database.engine.begin() as connection:
            for learner, when in last_action.items():
                connection.execute(LearnerRow.__table__.update().where(  # type: ignore[attr-defined]
                    LearnerRow.__table__.c.id == learner).values(  # type: ignore[attr-defined]
                        last_action_at=when, points=totals.get(learner, 0)))
        print(f"  {min(learners, start + 500)} learners written", file=sys.stderr)
    names = ("answers", "right", "firsts", "first_right", "latest", "latest_right")
    _write(database, QuestionDayRow, [
        {"day": day, "platform": platform, "lesson_id": lesson, "question_key": key,
         **dict(zip(names, sums, strict=True))}
        for (day, platform, lesson, key), sums in questions_day.items()])
    _write(database, PlatformDayRow, [{"day": day, "platform": platform, **counts}
                                      for (day, platform), counts in platform_days.items()])
    _write(database, ChoiceDayRow, [
        {"day": day, "platform": platform, "lesson_id": lesson, "question_key": key,
         "choice": choice, "picked": picked}
        for (day, platform, lesson, key, choice), picked in choices_day.items()])
    _write(database, FlagRow, [{"learner_id": n % learners + 1, "lesson_id": questions[0][0],
                                "question_key": questions[0][1], "note": "key looks wrong",
                                "created_at": NOW - timedelta(days=3)} for n in range(20)])
    _write(database, LookupMissRow, [{"learner_id": n % learners + 1, "query": f"question {n % 50}",
                                      "asked_at": NOW - timedelta(days=n % 30)}
                                     for n in range(2000)])
    return answers


@contextmanager
def kept(url: str, schema: str | None = None) -> Iterator[tuple[Database, bool]]:
    """A cohort kept between runs (a SQLite file, or a PostgreSQL schema), migrated; and
    whether it held one already."""
    admin = Database(url)
    with admin.engine.begin() as connection:
        if schema is not None:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    database = Database(url, schema=schema)
    try:
        upgrade(database)
        with database.engine.connect() as connection:
            existed = bool(connection.execute(text("SELECT count(*) FROM learner")).scalar())
        yield database, existed
    finally:
        database.dispose()


@contextmanager
def cohort_database(url: str | None, keep: Path | None,
                    schema: str | None = None) -> Iterator[tuple[Database, bool]]:
    """The database to measure on, and whether it holds a cohort already."""
    target = f"sqlite:///{keep}" if keep is not None else url if schema is not None else None
    if target is not None:
        with kept(target, schema) as found:
            yield found
        return
    with scratch_database(url, prefix="dashbench") as database:
        yield database, False


def populate_voice(database: Database, catalog: Catalog, learners: int) -> int:
    """Four in ten lessons rated (one rating in four with words), and a reflection at the end
    of each track for six learners in ten; returns how many ratings."""
    rng = random.Random(13)
    lessons = sorted(catalog.lessons(), key=lambda lesson: lesson.id)
    ratings, reflections = [], []
    for learner in range(1, learners + 1):
        for index, lesson in enumerate(lessons):
            if rng.random() < 0.4:
                ratings.append({"learner_id": learner, "lesson_id": lesson.id,
                                "useful": rng.random() < 0.7,
                                "comment": "too long" if rng.random() < 0.25 else "",
                                "rated_at": NOW - timedelta(days=rng.uniform(0, 365))})
            if lesson.track and index % 7 == 6 and rng.random() < 0.6:
                reflections.append({"learner_id": learner, "lesson_id": lesson.id,
                                    "prompt": "What will you do differently tomorrow?",
                                    "answer": "Check the sender first",
                                    "written_at": NOW - timedelta(days=rng.uniform(0, 365))})
    _write(database, RatingRow, ratings)
    _write(database, ReflectionRow, reflections)
    return len(ratings)


def populate_checks(database: Database, catalog: Catalog, learners: int) -> int:
    """Knowledge checks of every track that asks for one: a baseline for seven learners in
    ten, an endline for five in ten; returns how many checks."""
    rng = random.Random(17)
    checked = [track for track, lessons in catalog.tracks().items() if lessons[0].check]
    rows = []
    for learner in range(1, learners + 1):
        for track in checked:
            if rng.random() >= 0.7:
                continue
            at = NOW - timedelta(days=rng.uniform(10, 365))
            before = rng.randint(0, 4)
            rows.append({"learner_id": learner, "track": track, "phase": "pre",
                         "questions": "", "started_at": at, "finished_at": at,
                         "skipped": False, "answered": 4, "right": before, "results": ""})
            if rng.random() < 0.7:
                later = min(at + timedelta(days=rng.uniform(7, 40)), NOW)
                rows.append({"learner_id": learner, "track": track, "phase": "post",
                             "questions": "", "started_at": later, "finished_at": later,
                             "skipped": False, "answered": 4,
                             "right": min(4, before + rng.randint(-1, 3)), "results": ""})
    _write(database, TrackCheckRow, rows)
    return len(rows)


def populate_confidence(database: Database, catalog: Catalog, days: int) -> int:
    """The confidence matrix's daily aggregate as if every answer said how sure (the worst
    case: a row per day, platform, question and level); returns how many rows."""
    rng = random.Random(19)
    questions = [(lesson.id, question.key) for lesson in catalog.lessons()
                 for question in lesson.questions]
    rows = [{"day": (NOW - timedelta(days=day)).date(), "platform": platform,
             "lesson_id": lesson, "question_key": key, "confidence": level, "answers": 5,
             "right": rng.randint(0, 5)}
            for day in range(days) for platform in ("slack", "telegram", "console")
            for lesson, key in questions for level in "stg"]
    _write(database, ConfidenceDayRow, rows)
    return len(rows)


def timed(action: object, repeat: int) -> float:
    """The median milliseconds of ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None,
                        help="SQLite file to write the cohort to, or to reuse")
    parser.add_argument("--keep-schema", default=None,
                        help="PostgreSQL schema (with --db) to write the cohort to, or to reuse")
    parser.add_argument("--timezone", default=None,
                        help="also time the ranged pages in this zone (IANA), beside UTC")
    args = parser.parse_args()
    if args.keep is not None and args.db is not None:
        parser.error("--keep is for SQLite; leave out --db (or use --keep-schema)")
    if args.keep_schema is not None and args.db is None:
        parser.error("--keep-schema needs --db postgresql://...")
    catalog = Catalog(ROOT / "lessons")
    catalog.load()
    with cohort_database(args.db, args.keep, args.keep_schema) as (database, existed):
        started = time.perf_counter()
        if existed:
            with database.engine.connect() as connection:
                answers = int(connection.execute(text("SELECT count(*) FROM answer")).scalar_one())
                args.learners = int(connection.execute(
                    text("SELECT count(*) FROM learner")).scalar_one())
        else:
            answers = populate(database, catalog, args.learners, args.days)
        with database.engine.connect() as connection:
            rated = connection.execute(text("SELECT count(*) FROM lesson_rating")).scalar_one()
        if not rated:  # also into a kept cohort written before ratings existed
            populate_voice(database, catalog, args.learners)
        with database.engine.connect() as connection:
            checked = connection.execute(text("SELECT count(*) FROM track_check")).scalar_one()
        if not checked:  # also into a kept cohort written before checks existed
            populate_checks(database, catalog, args.learners)
            populate_confidence(database, catalog, args.days)
        if database.engine.dialect.name == "postgresql":
            with database.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        print(f"cohort: {args.learners} learners, {answers} answers, written in "
              f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
        dashboard = Dashboard(database, catalog)
        dashboard.keep_snapshot(NOW)

        def count() -> None:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT count(*) FROM answer")).scalar()
        baseline = timed(count, args.repeat)
        results = {"baseline: SELECT count(*) FROM answer": baseline}
        month = Filters(date(2026, 11, 1), NOW.date())
        year = Filters(date(2025, 12, 1), NOW.date())
        for key in PAGES:
            results[f"{key}, last 30 days"] = timed(
                lambda key=key: dashboard.build(key, month, NOW), args.repeat)
        ranged = ("overview", "tracks", "questions", "learners", "lessons", "voice", "gain")
        for key in ranged:
            results[f"{key}, a year"] = timed(
                lambda key=key: dashboard.build(key, year, NOW), args.repeat)
        if args.timezone:  # the same views by the zone's days: counted from the rows
            zoned = Dashboard(database, catalog, DashboardSettings(timezone=args.timezone))
            for label, filters in (("last 30 days", month), ("a year", year)):
                for key in ranged:
                    results[f"{key}, {label}, {args.timezone}"] = timed(
                        lambda key=key, filters=filters: zoned.build(key, filters, NOW),
                        args.repeat)
        results["learner page"] = timed(lambda: dashboard.build("learner", month, NOW, 42),
                                        args.repeat)
        # Retention keeps every card's recall for five minutes: this is the view that
        # computes it (a dashboard made afresh each time).
        results["retention, recall computed"] = timed(
            lambda: Dashboard(database, catalog).build("retention", month, NOW), args.repeat)
        print(f"{database.engine.dialect.name}, {args.learners} learners, {answers} answers:")
        for name, ms in results.items():
            print(f"  {name:<52} {ms:9.1f} ms  ({ms / baseline:5.1f} x baseline)")


if __name__ == "__main__":
    main()
