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


AROUND_MIDNIGHT = {
    # Auckland: Sunday 23:55 and Monday 00:05 (one UTC day); Monday 00:20 alone.
    "ana": ("2026-11-29 10:55", "2026-11-29 11:05"),
    "ben": ("2026-11-29 11:20",),
    # New Zealand's clocks went forward on Sunday 27 September (a day of 23 hours, from
    # 12:00 to 11:00 UTC): its first minute, its last, and the next day's first.
    "cai": ("2026-09-26 12:00", "2026-09-27 10:59", "2026-09-27 11:00"),
    # ... and back on Sunday 5 April (25 hours, 11:00 UTC on the 4th to 12:00 on the 5th):
    # three actions in one UTC day, the middle one its only one on the next local day.
    "dee": ("2026-04-05 09:00", "2026-04-05 11:30", "2026-04-05 11:59", "2026-04-05 12:00"),
    # Kathmandu (+05:45) turns its day at 18:15 UTC.
    "eru": ("2026-11-29 18:10", "2026-11-29 18:20", "2026-11-30 18:14"),
    "fay": ("2026-11-29 18:15",),
    # Many days in a row, read and answered: whole UTC days inside the ranges.
    "gus": tuple(f"2026-11-{day:02d} {hour:02d}:00" for day in range(20, 31)
                 for hour in (3, 17)),
}


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "Asia/Kathmandu", "UTC"])
def test_the_daily_active_from_each_utc_days_first_and_last_action_are_the_rows(
        database: Database, zone: str) -> None:
    """Who acted on each day of a zone, counted from each learner's first and last action of
    every UTC day (one row a learner's day), is what counting every action says: just after
    and before the zone's midnight, over its changes of clocks, at a +05:45 offset."""
    from zoneinfo import ZoneInfo

    from storage.reports import Scope, midnight
    with database.unit() as unit:
        for name, times in AROUND_MIDNIGHT.items():
            learner, _ = unit.learners.enrol("console", name, datetime(2026, 1, 1, tzinfo=UTC))
            for index, text in enumerate(times):
                at = datetime.fromisoformat(text).replace(tzinfo=UTC)
                if index % 2:  # a read, and an answer
                    unit.progress.delivered(learner.id, f"l{index}", at - timedelta(hours=1))
                    unit.progress.read(learner.id, f"l{index}", at)
                else:
                    unit.answers.record(learner.id, "l", f"q{index}", (0,), True, at,
                                        f"{name}:{index}")
    local = ZoneInfo(zone)
    counted = 0
    for first, last in ((date(2026, 4, 3), date(2026, 4, 7)),
                        (date(2026, 9, 25), date(2026, 9, 29)),
                        (date(2026, 11, 21), date(2026, 12, 1)),
                        (date(2026, 11, 30), date(2026, 11, 30)),
                        (date(2026, 1, 1), date(2026, 12, 31))):
        for platform in (None, "console", "slack"):
            scope = Scope(midnight(first, local), midnight(last + timedelta(days=1), local),
                          platform, zone=local)
            with database.reports() as reports:
                active = reports.daily_active(scope)
                assert active == reports.daily_active_from_rows(scope), (first, platform)
            counted += sum(count for _, count in active)
    assert counted > 0
    if zone == "Pacific/Auckland":
        whole = Scope(midnight(date(2026, 11, 29), local), midnight(date(2026, 12, 1), local),
                      zone=local)
        with database.reports() as reports:
            # Ana on both days; Ben, Eru (three times), Fay and Gus on Monday.
            assert dict(reports.daily_active(whole)) == {date(2026, 11, 29): 2,
                                                         date(2026, 11, 30): 5}


def test_a_day_inside_one_utc_day_is_counted_from_the_rows() -> None:
    """A zone just behind UTC whose clocks go forward: its short day begins after a UTC
    midnight and ends before the next, so a UTC day's first and last action can both miss it."""
    from datetime import tzinfo

    from storage.reports import Scope, _day_within_a_utc_day, midnight

    change = datetime(2026, 3, 29, 1, tzinfo=UTC)

    class Behind(tzinfo):
        """-00:30 until the change, +00:30 after."""

        def utcoffset(self, moment: datetime | None) -> timedelta:
            return timedelta(minutes=30 if moment is not None and moment.replace(
                tzinfo=UTC) >= change else -30)

        def dst(self, moment: datetime | None) -> timedelta:
            return timedelta(0)

        def fromutc(self, moment: datetime) -> datetime:
            after = moment.replace(tzinfo=UTC) >= change
            return moment + timedelta(minutes=30 if after else -30)

    zone = Behind()
    day = Scope(midnight(date(2026, 3, 29), zone), midnight(date(2026, 3, 30), zone), zone=zone)
    assert _day_within_a_utc_day(day)
    assert not _day_within_a_utc_day(replace_zone(day, "Pacific/Auckland"))
    assert not _day_within_a_utc_day(replace_zone(day, "Europe/London"))


def replace_zone(scope: object, name: str) -> object:
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    from storage.reports import midnight
    zone = ZoneInfo(name)
    return replace(scope, since=midnight(date(2026, 3, 29), zone),  # type: ignore[type-var]
                   until=midnight(date(2026, 3, 30), zone), zone=zone)
