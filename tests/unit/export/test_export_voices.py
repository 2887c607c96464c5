"""``microlearn export reflections`` and ``lookups``: learners' own words, on SQLite and
PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

from bot.content.catalog import Catalog
from bot.dashboard.pages import Dashboard, DashboardSettings, Filters
from bot.engine.engine import Engine
from bot.engine.turn import EngineSettings
from bot.export import LOOKUPS, REFLECTIONS, Exporter
from bot.messages import Inbound, NotIt, Platform
from storage import Database
from storage.records import LearnerChange
from tests.unit.export.test_export import exported

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
GONE = "security/taken-out-since"
"""A lesson id no longer in the library."""


def _learner(database: Database, user: str) -> int:
    with database.unit() as unit:
        learner, _ = unit.learners.enrol("slack", user, NOW - timedelta(days=30),
                                         LearnerChange(display_name=user.capitalize()))
        return learner.id


def _reflections(database: Database, sample_catalog: Catalog) -> tuple[int, int, str]:
    """Ann reflects twice (once on a lesson taken out since), Bob once, days apart."""
    ann, bob = _learner(database, "ann"), _learner(database, "bob")
    lesson = sample_catalog.lessons()[0].id
    with database.unit() as unit:
        unit.voices.reflect(ann, lesson, "What will you do?", "=SUM(A1) check links",
                            NOW - timedelta(days=3))
        unit.voices.reflect(bob, lesson, "What will you do?", "Report phishing", NOW)
        unit.voices.reflect(ann, GONE, "Why?", "Because", NOW + timedelta(hours=1))
    return ann, bob, lesson


def test_reflections_export_each_learners_words_with_the_voice_page_columns(
        database: Database, sample_catalog: Catalog) -> None:
    ann, bob, lesson = _reflections(database, sample_catalog)
    rows = exported(Exporter(database, sample_catalog), "reflections")
    assert tuple(rows[0]) == REFLECTIONS
    title = sample_catalog.get(lesson).title  # type: ignore[union-attr]
    assert [(row["when"], row["learner"], row["lesson"], row["question"], row["answer"],
             row["learner id"], row["platform"], row["lesson id"]) for row in rows] == [
        ("2026-03-17 12:00:00", "Ann", title, "What will you do?",
         "'=SUM(A1) check links", str(ann), "slack", lesson),  # a formula is not run
        ("2026-03-20 12:00:00", "Bob", title, "What will you do?", "Report phishing",
         str(bob), "slack", lesson),
        ("2026-03-20 13:00:00", "Ann", GONE, "Why?", "Because", str(ann), "slack", GONE)]
    page = Dashboard(database, sample_catalog).build("voice", Filters(NOW.date(), NOW.date()),
                                                     NOW)
    shown = next(table for table in page.tables if table.key == "reflections")
    assert REFLECTIONS[:len(shown.columns)] == shown.columns


def test_reflections_since_and_pseudonymous(database: Database,
                                            sample_catalog: Catalog) -> None:
    ann, bob, _ = _reflections(database, sample_catalog)
    exporter = Exporter(database, sample_catalog, DashboardSettings(pseudonymous=True))
    rows = exported(exporter, "reflections", NOW.date())
    assert [(row["learner"], row["answer"]) for row in rows] == [
        (f"learner #{bob}", "Report phishing"), (f"learner #{ann}", "Because")]
    out = io.StringIO()
    exporter.write(out, "reflections", None, "jsonl")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["answer"] == "=SUM(A1) check links"  # JSON is not a spreadsheet
    assert lines[0]["when"] == "2026-03-17T12:00:00Z"
    assert "Ann" not in out.getvalue() and "Bob" not in out.getvalue()


def test_forget_takes_a_learners_reflections_and_lookups_out_of_the_exports(
        database: Database, sample_catalog: Catalog) -> None:
    engine = Engine(database, sample_catalog, EngineSettings())
    _reflections(database, sample_catalog)
    with database.unit() as unit:
        unit.lookups.miss(_learner(database, "ann"), "bake bread", NOW)
    for text in ("forget", "forget confirm"):
        engine.handle(Inbound(Platform.SLACK, "ann", "ann", text=text), NOW)
    exporter = Exporter(database, sample_catalog)
    assert [row["learner"] for row in exported(exporter, "reflections")] == ["Bob"]
    assert exported(exporter, "lookups") == []


def test_lookups_export_each_question_no_lesson_answered(database: Database,
                                                         sample_catalog: Catalog) -> None:
    ann, bob = _learner(database, "ann"), _learner(database, "bob")
    with database.unit() as unit:
        unit.lookups.miss(ann, "how do I bake bread", NOW - timedelta(days=2))
        unit.lookups.miss(bob, "+1 expense policy", NOW)
    exporter = Exporter(database, sample_catalog)
    rows = exported(exporter, "lookups")
    assert tuple(rows[0]) == LOOKUPS
    assert [(row["when"], row["words"], row["learner"], row["learner id"], row["platform"])
            for row in rows] == [
        ("2026-03-18 12:00:00", "how do I bake bread", "Ann", str(ann), "slack"),
        ("2026-03-20 12:00:00", "'+1 expense policy", "Bob", str(bob), "slack")]
    later = exported(Exporter(database, sample_catalog, DashboardSettings(pseudonymous=True)),
                     "lookups", NOW.date())
    assert [(row["learner"], row["words"]) for row in later] == [
        (f"learner #{bob}", "'+1 expense policy")]


def test_not_what_i_asked_is_a_lookup_row_too(database: Database,
                                              sample_catalog: Catalog) -> None:
    engine = Engine(database, sample_catalog, EngineSettings())

    def say(text: str) -> list[object]:
        return list(engine.handle(Inbound(Platform.CONSOLE, "ann", "ann", text=text,
                                          display_name="ann"), NOW))

    say("hi")
    say("how do I spot a phishing mail?")
    assert isinstance(say("not what I asked")[0], NotIt)
    rows = exported(Exporter(database, sample_catalog), "lookups")
    assert [(row["learner"], row["words"]) for row in rows] == [
        ("ann", "how do I spot a phishing mail?")]


def test_the_command_offers_every_kind_the_exporter_has() -> None:
    from click import Choice

    from bot.cli import main
    from bot.export import KINDS

    command = main.commands["export"]
    [kind] = [param for param in command.params if param.name == "kind"]
    assert isinstance(kind.type, Choice) and tuple(kind.type.choices) == KINDS
