"""``microlearn export learners``: per-learner totals after the dashboard's columns, on SQLite
and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.content.catalog import Catalog
from bot.export import LEARNERS, Exporter
from storage import Database
from storage.records import LearnerChange, LessonSource
from tests.unit.export.test_export import exported

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
TOTALS = ("lessons delivered", "lessons read", "tracks completed", "questions answered",
          "answered right", "accuracy")


def test_learner_totals_come_after_the_columns_spreadsheets_read_by_position() -> None:
    kept = ("learner", "platform", "last action", "reviews overdue", "streak",
            "longest streak", "points", "at risk because", "learner id", "enrolled")
    assert (*kept, *TOTALS) == LEARNERS


def test_learners_export_counts_lessons_tracks_and_answers(database: Database,
                                                           sample_catalog: Catalog) -> None:
    tracks = sample_catalog.tracks()
    name, lessons = min(tracks.items(), key=lambda item: len(item[1]))
    other = next(lesson for track, held in tracks.items() if track != name for lesson in held)
    at = NOW - timedelta(days=1)
    with database.unit() as unit:
        ann, _ = unit.learners.enrol("slack", "ann", at, LearnerChange(display_name="Ann"))
        bob, _ = unit.learners.enrol("slack", "bob", at, LearnerChange(display_name="Bob"))
        for lesson in lessons:  # Ann reads a whole track, and gets one more lesson unread
            unit.progress.delivered(ann.id, lesson.id, at)
            unit.progress.read(ann.id, lesson.id, at)
        unit.progress.delivered(ann.id, other.id, at, LessonSource.LOOKUP)
        asked = next(lesson for lesson in lessons if lesson.questions)
        for n, correct in enumerate((True, False, True)):
            unit.answers.record(ann.id, asked.id, asked.questions[0].key, [0], correct,
                                at + timedelta(minutes=n), f"a:{n}")
        unit.progress.delivered(bob.id, lessons[0].id, at)  # Bob: one lesson, no answers
        # A lesson taken out of the library since counts as delivered and read, not towards
        # a track.
        unit.progress.delivered(bob.id, "security/taken-out-since", at)
        unit.progress.read(bob.id, "security/taken-out-since", at)
    rows = exported(Exporter(database, sample_catalog, now=lambda: NOW), "learners")
    assert [tuple(row[column] for column in ("learner", *TOTALS)) for row in rows] == [
        ("Ann", str(len(lessons) + 1), str(len(lessons)), "1", "3", "2", "0.6667"),
        ("Bob", "2", "1", "0", "0", "0", "")]  # no answers: no accuracy
    out = io.StringIO()
    Exporter(database, sample_catalog, now=lambda: NOW).write(out, "learners", None, "jsonl")
    ann_line, bob_line = (json.loads(line) for line in out.getvalue().splitlines())
    assert (ann_line["accuracy"], ann_line["tracks completed"]) == (0.6667, 1)
    assert (bob_line["accuracy"], bob_line["questions answered"]) == (None, 0)


def test_tracks_completed_is_empty_without_the_library(database: Database,
                                                       tmp_path: Path) -> None:
    nothing = Catalog(tmp_path)
    nothing.load()
    with database.unit() as unit:
        unit.learners.enrol("slack", "ann", NOW, LearnerChange(display_name="Ann"))
    [row] = exported(Exporter(database, nothing, now=lambda: NOW), "learners")
    assert (row["tracks completed"], row["questions answered"], row["accuracy"]) == ("", "0",
                                                                                    "")
