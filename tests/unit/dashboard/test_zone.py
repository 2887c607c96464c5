"""A range in the dashboard's zone: every figure counts that zone's days, not UTC's.

One Auckland learner (UTC+13 in summer) acts just after midnight on Monday 30 November, their
time (Sunday 29 November in UTC), and once more just after midnight on Monday 7 December (still
Sunday 6 December in UTC). A trainer in Auckland who picks 30 November to 6 December must see
the first and not the second.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from bot.dashboard.pages import Dashboard, DashboardSettings, Filters, Page
from storage import Database
from storage.records import LearnerChange
from tests.unit.dashboard.test_figures import QUIZ, lesson

ZONE = "Pacific/Auckland"
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
MONDAY = datetime(2026, 11, 29, 11, 5, tzinfo=UTC)
"""Monday 30 November, 00:05 in Auckland (Sunday in UTC)."""
NEXT_MONDAY = datetime(2026, 12, 6, 11, 10, tzinfo=UTC)
"""Monday 7 December, 00:10 in Auckland (Sunday 6 December in UTC): after the range."""
WEEK = Filters(date(2026, 11, 30), date(2026, 12, 6))


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    folder = tmp_path / "lessons"
    lesson(folder, "t/a.md", "title: A\ntrack: t\norder: 1\ncheck: 3",
           "Lesson a." + QUIZ.format(q="Question a1") + "\n### Question a2?\n- [x] yes\n"
           "- [ ] no\n")
    lesson(folder, "t/b.md", "title: B\ntrack: t\norder: 2", "Lesson b." + QUIZ.format(
        q="Question b1"))
    catalog = Catalog(folder)
    catalog.load()
    assert not catalog.problems()
    return catalog


@pytest.fixture
def kiri(database: Database, catalog: Catalog) -> int:
    """In the first minutes of Monday 30 November, Auckland time: both lessons delivered
    and read (the track completed), a1 asked and answered right, b1 answered wrong (sure),
    both knowledge checks; at 00:10 on Monday 7 December, a2 answered right."""
    (_, a1), (_, a2), (_, b1) = asked = [
        (item.id, question.key) for item in sorted(catalog.lessons(), key=lambda x: x.id)
        for question in item.questions]
    with database.unit() as unit:
        learner, _ = unit.learners.enrol("console", "kiri", datetime(2026, 11, 1, tzinfo=UTC),
                                         LearnerChange(display_name="Kiri"))
        unit.checks.start(learner.id, "t", "pre", asked, MONDAY)
        for _ in asked:
            unit.checks.answer(learner.id, "t", "pre", False)
        unit.checks.finish(learner.id, "t", "pre", MONDAY)
        for minutes, lesson_id in ((0, "t/a"), (20, "t/b")):
            unit.progress.delivered(learner.id, lesson_id, MONDAY + timedelta(minutes=minutes))
            unit.progress.read(learner.id, lesson_id, MONDAY + timedelta(minutes=minutes + 5))
        unit.asks.create(learner.id, "t/a", a1, MONDAY + timedelta(minutes=6))
        unit.answers.record(learner.id, "t/a", a1, (0,), True, MONDAY + timedelta(minutes=7),
                            "kiri:a1")
        unit.answers.record(learner.id, "t/b", b1, (1,), False,
                            MONDAY + timedelta(minutes=27), "kiri:b1", confidence="s")
        unit.checks.start(learner.id, "t", "post", asked, MONDAY + timedelta(minutes=30))
        for _ in asked:
            unit.checks.answer(learner.id, "t", "post", True)
        unit.checks.finish(learner.id, "t", "post", MONDAY + timedelta(minutes=35))
        unit.answers.record(learner.id, "t/a", a2, (0,), True, NEXT_MONDAY, "kiri:a2")
    return learner.id


def build(database: Database, catalog: Catalog, key: str, filters: Filters = WEEK,
          zone: str = ZONE) -> Page:
    return Dashboard(database, catalog, DashboardSettings(timezone=zone)).build(
        key, filters, NOW)


def numbers(page: Page) -> dict[str, object]:
    return {figure.label: figure.number for figure in page.figures}


def test_the_overviews_figures_count_the_zones_days(
        database: Database, catalog: Catalog, kiri: int) -> None:
    # Were the UTC days 30 November to 6 December: Monday's lessons and question left out,
    # and the next Monday's answer counted.
    page = build(database, catalog, "overview")
    shown = numbers(page)
    assert shown["lessons delivered in the range and read by its end"] == 1.0
    assert shown["questions asked"] == 1
    assert shown["answers"] == 2
    assert shown["accuracy"] == 0.5
    assert shown["active, the 7 days to the range's end"] == 1
    [platform] = page.tables[0].rows
    assert platform[1:7] == (1, 1, 2, 2, 1, 2)  # enrolled, active, delivered, read, asked...
    assert float(platform[7] or 0) == 0.5


def test_the_active_cards_end_at_the_zones_midnight(
        database: Database, catalog: Catalog, kiri: int) -> None:
    # Sunday 29 November, Auckland: Kiri first acted after it (it was still the 29th in UTC).
    page = build(database, catalog, "overview", Filters(date(2026, 11, 23), date(2026, 11, 29)))
    shown = numbers(page)
    assert (shown["active, the 7 days to the range's end"],
            shown["active, the 30 days to the range's end"], shown["answers"]) == (0, 0, 0)
    assert page.tables[0].rows[0][2] == 0


def test_the_questions_page_counts_the_zones_days(
        database: Database, catalog: Catalog, kiri: int) -> None:
    page = build(database, catalog, "questions")
    table, sure = page.tables
    answered = {str(row[0]).split(": ")[1]: row for row in table.rows if row[5]}
    assert sorted(answered) == ["Question a1?", "Question b1?"]
    assert [answered[name][5] for name in sorted(answered)] == [1, 1]  # answers
    assert "2) wrong: 100%" in str(answered["Question b1?"][6])  # choices picked
    assert [row[1:3] for row in sure.rows] == [(0, 1)]  # sure, right; sure, wrong


def test_track_completions_fall_in_the_zones_week_from_its_monday(
        database: Database, catalog: Catalog, kiri: int) -> None:
    # Completed on Monday 30 November in Auckland: a Sunday in UTC, the week before.
    page = build(database, catalog, "tracks", Filters(date(2026, 11, 25), date(2026, 12, 6)))
    chart = next(chart for chart in page.charts if chart.key == "completions")
    assert chart.labels == ("2026-11-25", "2026-11-30")
    assert chart.series[0].values == (0, 1)


def test_the_gain_and_lessons_pages_count_the_zones_days(
        database: Database, catalog: Catalog, kiri: int) -> None:
    gain = build(database, catalog, "gain")
    assert numbers(gain)["learners with both checks"] == 1
    lessons = build(database, catalog, "lessons")
    assert [row[1:4] for row in lessons.tables[0].rows] == [(1, 1, 1), (1, 1, 1)]


def test_the_retention_trend_says_its_days_are_utc_in_another_zone(
        database: Database, catalog: Catalog, kiri: int) -> None:
    page = build(database, catalog, "retention")
    assert any("UTC day" in note for note in page.notes)
    assert not any("UTC day" in note
                   for note in build(database, catalog, "retention", zone="UTC").notes)


def test_in_utc_the_same_range_counts_utc_days(
        database: Database, catalog: Catalog, kiri: int) -> None:
    shown = numbers(build(database, catalog, "overview", zone="UTC"))
    assert (shown["answers"], shown["questions asked"]) == (1, 0)


def test_a_completion_after_the_clocks_changed_takes_the_new_offset(
        database: Database, catalog: Catalog) -> None:
    # New Zealand's summer time began at 02:00 on Sunday 27 September 2026 (UTC+12 to +13):
    # 11:30 UTC that day is 00:30 on Monday the 28th, the second week, not 23:30 on Sunday.
    done = datetime(2026, 9, 27, 11, 30, tzinfo=UTC)
    with database.unit() as unit:
        learner, _ = unit.learners.enrol("console", "aroha", datetime(2026, 9, 1, tzinfo=UTC))
        for lesson_id in ("t/a", "t/b"):
            unit.progress.delivered(learner.id, lesson_id, done - timedelta(minutes=10))
            unit.progress.read(learner.id, lesson_id, done)
    page = build(database, catalog, "tracks", Filters(date(2026, 9, 21), date(2026, 10, 4)))
    chart = next(chart for chart in page.charts if chart.key == "completions")
    assert (chart.labels, chart.series[0].values) == (("2026-09-21", "2026-09-28"), (0, 1))
