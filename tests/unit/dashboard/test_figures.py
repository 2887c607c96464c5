"""Every dashboard figure against a hand-built cohort whose answers are known."""

from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.content.catalog import Catalog
from bot.dashboard import figures
from bot.dashboard.pages import Dashboard, DashboardSettings, Figure, Filters
from bot.engine import calendar
from storage import Database
from storage.records import Card, LearnerChange, LessonSource, SkippedBy
from storage.reports import ItemTotals, Scope, TrackFunnel

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
MONDAY = datetime(2026, 3, 16, 9, tzinfo=UTC)
QUIZ = "\n## Quiz\n\n### {q}?\n- [x] right\n- [ ] wrong\n- [ ] other\n"

# First attempts at (a1, a2, b1) of four learners: 1 right, 0 wrong.
FIRST = {"ann": (1, 1, 1), "bob": (1, 1, 0), "cy": (1, 0, 0), "dee": (0, 0, 1)}


def questions(catalog: Catalog) -> list[tuple[str, str]]:
    """(lesson, key) of a1, a2 and b1 (keys are made from the questions' text)."""
    return [(lesson.id, question.key) for lesson in sorted(catalog.lessons(),
                                                           key=lambda item: item.id)
            for question in lesson.questions]


def lesson(folder: Path, name: str, front: str, body: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    folder = tmp_path / "lessons"
    lesson(folder, "t/a.md", "title: A\ntrack: t\norder: 1\ntopic: alpha",
           "Lesson a." + QUIZ.format(q="Question a1") + "\n### Question a2?\n- [x] yes\n"
           "- [ ] no\n")
    lesson(folder, "t/b.md", "title: B\ntrack: t\norder: 2\ntopic: beta",
           "Lesson b." + QUIZ.format(q="Question b1"))
    catalog = Catalog(folder)
    catalog.load()
    assert not catalog.problems()
    return catalog


@pytest.fixture
def cohort(database: Database, catalog: Catalog) -> dict[str, int]:
    """Four learners: ann read both lessons, bob read a, cy got a but never read it, dee got
    nothing; their first attempts are FIRST, and dee then got a1 right."""
    (_, a1), (_, a2), _ = asked = questions(catalog)
    ids = {}
    with database.unit() as unit:
        for name in FIRST:
            learner, _ = unit.learners.enrol("telegram" if name == "dee" else "console", name,
                                             MONDAY, LearnerChange(display_name=name.title()))
            ids[name] = learner.id
        for name in ("ann", "bob", "cy"):
            unit.progress.delivered(ids[name], "t/a", MONDAY)
        unit.progress.delivered(ids["ann"], "t/b", MONDAY + timedelta(days=1))
        unit.progress.read(ids["ann"], "t/a", MONDAY + timedelta(hours=2))
        unit.progress.read(ids["ann"], "t/b", MONDAY + timedelta(days=1, hours=4))
        unit.progress.read(ids["bob"], "t/a", MONDAY + timedelta(hours=6))
        unit.progress.delivered(ids["dee"], "t/b", MONDAY, LessonSource.LOOKUP)
        at = MONDAY + timedelta(days=2)
        for name, results in FIRST.items():
            for (lesson_id, key), right in zip(asked, results, strict=True):
                given = (0,) if right else (1,)
                unit.answers.record(ids[name], lesson_id, key, given, bool(right), at,
                                    f"{name}:{key}:1")
        unit.answers.record(ids["dee"], "t/a", a1, (0,), True, at + timedelta(days=1),
                            "dee:a1:2")
        unit.answers.record(ids["cy"], "t/a", a2, (0, 1), False, at + timedelta(days=1),
                            "cy:a2:2")
        unit.flags.add(ids["bob"], *asked[2], "<script>alert(1)</script> key is wrong", at)
        unit.lookups.miss(ids["cy"], "Kerberos tickets", at)
        unit.lookups.miss(ids["dee"], "kerberos tickets", at)
        # ann's a1: stability 10 days, reviewed 10 days before NOW: recall exactly 0.9.
        unit.cards.save(Card(ids["ann"], "t/a", a1, "{}", NOW, 1, 0, False, 10.0,
                             NOW - timedelta(days=10)))
        # bob's a1: never reviewed, its lesson delivered MONDAY.
        unit.cards.save(Card(ids["bob"], "t/a", a1, "", NOW))
    return ids


def test_activity_counts_reads_not_deliveries(database: Database, catalog: Catalog,
                                              cohort: dict[str, int]) -> None:
    scope = Scope(MONDAY - timedelta(days=1), NOW)
    with database.reports() as reports:
        activity = reports.activity(scope)
        counts = reports.learner_counts(scope)
        daily = reports.daily_active(scope)
    assert (activity.delivered, activity.read) == (4, 3)  # the lookup is not a delivery
    assert (activity.answered, activity.right) == (14, 8)
    assert (counts.enrolled, counts.active_7, counts.active_30) == (4, 4, 4)
    assert daily == [(date(2026, 3, 16), 2), (date(2026, 3, 17), 1), (date(2026, 3, 18), 4),
                     (date(2026, 3, 19), 2)]
    with database.reports() as reports:  # a range of two days: the 7 and 30 days ending it
        short = reports.learner_counts(Scope(datetime(2026, 3, 19, tzinfo=UTC), NOW))
        track = reports.learner_counts(Scope(datetime(2026, 3, 19, tzinfo=UTC), NOW,
                                             lessons=("t/a", "t/b")))
    assert (short.active_7, short.active_30) == (4, 4)  # two acted on the 19th, four that week
    assert (track.active_7, track.active_30) == (4, 4)  # the same, counted from the rows
    page = Dashboard(database, catalog).build(
        "overview", Filters(date(2026, 3, 19), date(2026, 3, 20)), NOW)
    cards = {figure.label: figure.number for figure in page.figures}
    assert cards["active, the 7 days to the range's end"] == 4


def test_facility_latest_accuracy_and_choices(database: Database, catalog: Catalog,
                                              cohort: dict[str, int]) -> None:
    with database.reports() as reports:
        rows = {(r.lesson_id, r.question_key): r for r in reports.questions(
            Scope(MONDAY, NOW))}
        given = reports.choices(Scope(MONDAY, NOW))
    a1, a2, b1 = (rows[q] for q in questions(catalog))
    assert (a1.learners, a1.first_right, a1.latest, a1.latest_right, a1.answers) == (
        4, 3, 4, 4, 5)
    assert (a2.first_right, a2.latest_right) == (2, 2)
    assert figures.ratio(b1.first_right, b1.learners) == 0.5
    a2_given = [(text, n) for lesson, key, text, n in given if key == a2.question_key]
    assert figures.choice_counts(a2_given, 2) == [3, 3]  # '0,1' counts for both


def test_discrimination_is_the_corrected_item_total_correlation(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    with database.reports() as reports:
        sums = {(r.lesson_id, r.question_key): r for r in reports.item_totals(Scope(MONDAY,
                                                                                    NOW))}
    for index, question in enumerate(questions(catalog)):
        x = [float(results[index]) for results in FIRST.values()]
        y = [(sum(results) - results[index]) / 2 for results in FIRST.values()]
        expected = statistics.correlation(x, y)
        found = figures.discrimination(sums[question])
        assert found is not None and found == pytest.approx(expected), question
    same = ItemTotals("l", "q", 4, 4, 2, 2, 4, 1.5)  # everybody right: undefined
    assert figures.discrimination(same) is None


def test_a_broken_question_is_judged_so() -> None:
    assert figures.judge(10, 0.2, 0.3, 0).reasons == ("low facility",)
    assert figures.judge(25, 0.8, -0.5, 1).reasons == ("negative discrimination", "flagged")
    assert figures.judge(25, 0.8, -0.2, 0).reasons == ()  # within chance for 25 learners
    assert figures.judge(400, 0.8, -0.2, 0).reasons == ("negative discrimination",)
    assert not figures.judge(3, 0.1, -0.5, 0).broken  # too few learners to say


def test_a_question_is_judged_on_every_first_attempt_by_the_ranges_end(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    """In a recent range, the first attempts at an older question are the latecomers': five
    who got a1 wrong on the 19th do not make it broken beside the four of the 18th."""
    (lesson_id, a1), _, _ = questions(catalog)
    late = datetime(2026, 3, 19, 10, tzinfo=UTC)
    with database.unit() as unit:
        for n in range(5):
            learner, _ = unit.learners.enrol("console", f"late{n}", MONDAY, LearnerChange())
            unit.answers.record(learner.id, lesson_id, a1, (1,), False, late, f"late{n}:a1")
    dashboard = Dashboard(database, catalog)
    page = dashboard.build("questions", Filters(date(2026, 3, 19), NOW.date()), NOW)
    table, _ = page.tables
    row = next(r for r, marked in zip(table.rows, table.marked, strict=True)
               if str(r[0]).startswith("A: Question a1"))
    assert row[1:3] == (9, 0.33)  # 3 right of 9 first attempts by the 20th
    assert row[9] == ""  # not "low facility", which the 19th's five alone would say
    assert row[5] == 6  # the range's answers are still the range's (dee's second, too)
    earlier = dashboard.build("questions", Filters(date(2026, 3, 1), date(2026, 3, 18)), NOW)
    row = next(r for r in earlier.tables[0].rows if str(r[0]).startswith("A: Question a1"))
    assert row[1:3] == (4, 0.75)  # by the 18th's end: the four of the 18th


def test_track_funnel_counts_reads(database: Database, cohort: dict[str, int]) -> None:
    track = {"t": ("t/a", "t/b")}
    with database.reports() as reports:
        everyone = reports.tracks(Scope(MONDAY, NOW), track)
        telegram = reports.tracks(Scope(MONDAY, NOW, "telegram"), track)
    # ann and bob started (cy only got a: a lesson sent is no start); both read half; ann
    # all, with her last read on the 17th.
    assert everyone == {"t": TrackFunnel(2, 2, 1, [(date(2026, 3, 17), 1)])}
    assert telegram == {"t": TrackFunnel(0, 0, 0, [])}  # dee only looked b up


def test_a_track_is_started_by_reading_and_enrols_only_the_learners_it_applies_to(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    """Enrolled: learners whose topics hold one of the track's (alpha, beta) or who chose
    none, and one who read its lesson though her topics now leave it out; started: a lesson
    read, never one only sent (cy's)."""
    with database.unit() as unit:
        unit.learners.enrol("console", "gil", MONDAY, LearnerChange(topics=("gamma",)))
        unit.learners.enrol("console", "hal", MONDAY, LearnerChange(topics=("alpha", "x")))
        ida, _ = unit.learners.enrol("console", "ida", MONDAY, LearnerChange(topics=("gamma",)))
        unit.progress.delivered(ida.id, "t/b", MONDAY)  # before she chose gamma
        unit.progress.read(ida.id, "t/b", MONDAY + timedelta(hours=1))
    page = Dashboard(database, catalog).build("tracks", Filters(date(2026, 3, 1),
                                                                 NOW.date()), NOW)
    [table] = page.tables
    assert table.columns[2:6] == ("enrolled", "started", "half-way", "completed")
    # ann, bob, cy, dee (no topics), hal (alpha) and ida (started it); not gil.
    assert table.rows[0][2:6] == (6, 3, 3, 1)
    assert table.rows[0][6] == pytest.approx(0.33)
    funnel = next(chart for chart in page.charts if chart.key == "funnel")
    assert [series.values for series in funnel.series] == [(3,), (3,), (1,)]


def test_track_funnels_of_interleaved_tracks(database: Database) -> None:
    """Lesson ids whose order differs by collation (punctuation, case, accents) and tracks
    whose lessons interleave when sorted: each lesson still counts for its own track."""
    tracks = {"x": ("git/b", "Zeta/1", "a/2"), "y": ("git-x/a", "git/a", "\u00e9t\u00e9/1"),
              "z": ("gitz/a",)}
    with database.unit() as unit:
        one = unit.learners.enrol("console", "one", MONDAY, LearnerChange())[0].id
        two = unit.learners.enrol("console", "two", MONDAY, LearnerChange())[0].id
        for lesson_id in ("git/b", "Zeta/1", "a/2", "git-x/a", "gitz/a", "gone/1"):
            unit.progress.delivered(one, lesson_id, MONDAY)
            unit.progress.read(one, lesson_id, MONDAY + timedelta(hours=1))
        for lesson_id in ("git/a", "\u00e9t\u00e9/1", "git-x/a"):
            unit.progress.delivered(two, lesson_id, MONDAY)
            unit.progress.read(two, lesson_id, MONDAY + timedelta(days=1))
    with database.reports() as reports:
        funnels = reports.tracks(Scope(MONDAY, NOW), tracks)
    assert funnels == {"x": TrackFunnel(1, 1, 1, [(date(2026, 3, 16), 1)]),
                       "y": TrackFunnel(2, 1, 1, [(date(2026, 3, 17), 1)]),
                       "z": TrackFunnel(1, 1, 1, [(date(2026, 3, 16), 1)])}


def test_predicted_recall_follows_fsrs(database: Database, catalog: Catalog,
                                       cohort: dict[str, int]) -> None:
    dashboard = Dashboard(database, catalog)
    with database.reports() as reports:
        [(lesson_id, mean, cards)] = dashboard.recall_now(reports, Scope(MONDAY, NOW), NOW)
    first = dashboard.reviewer.first_exposure(NOW).stability
    assert first is not None
    bobs = dashboard.reviewer.recall_after(first, (NOW - MONDAY).total_seconds() / 86400)
    assert (lesson_id, cards) == ("t/a", 2)
    assert mean == pytest.approx((0.9 + bobs) / 2)
    assert figures.weighted_recall([("t/a", 0.8, 3), ("t/b", 0.4, 1)],
                                   {"t/a": "T", "t/b": "T"}) == {"T": (pytest.approx(0.7), 4)}


def test_learners_at_risk_and_pseudonyms(database: Database, catalog: Catalog,
                                         cohort: dict[str, int]) -> None:
    dashboard = Dashboard(database, catalog, DashboardSettings(pseudonymous=True, idle_days=1))
    page = dashboard.build("learners", Filters(date(2026, 3, 1), NOW.date()), NOW)
    [table] = page.tables
    names = [row[0] for row in table.rows]
    # ann and bob last acted on Wednesday the 18th (Thursday missed), cy and dee on the 19th.
    assert names[:2] == [f"learner #{cohort['ann']}", f"learner #{cohort['bob']}"]
    assert all(str(name).startswith("learner #") for name in names)
    assert table.marked == (True, True, False, False)
    overview = dashboard.build("overview", Filters(date(2026, 3, 1), NOW.date(), "telegram"),
                               NOW)
    assert [f.value for f in overview.figures][:1] == ["1"]  # one telegram learner


def test_a_backlog_is_a_risk_only_when_the_learner_stopped_answering(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    """On Monday the 23rd, ann, bob and cy all have a backlog (the daily budget asks fewer
    than fall due). ann answered on Friday; cy last on Thursday (Friday off); bob last on
    Wednesday, and nothing since for two workdays: bob slips, ann and cy do not. (An ignored
    question is asked again under the same ask, so open asks cannot tell.)"""
    (lesson, key), *_ = questions(catalog)
    monday = datetime(2026, 3, 23, 12, tzinfo=UTC)
    with database.unit() as unit:
        unit.progress.read(cohort["cy"], lesson, MONDAY + timedelta(hours=3))  # cards his
        for name in ("ann", "bob", "cy"):
            unit.cards.add_new([Card(cohort[name], lesson, f"{key}-{n}", "", NOW - timedelta(
                days=5)) for n in range(3)])
        unit.answers.record(cohort["ann"], lesson, key, (0,), True, NOW, "ann:friday")
    with database.reports() as reports:
        rows = {row.learner_id: row for row in reports.learners(
            Scope(MONDAY, monday), monday, timedelta(days=2))}
    ann, bob, cy = rows[cohort["ann"]], rows[cohort["bob"]], rows[cohort["cy"]]
    assert [row.last_answer and row.last_answer.replace(tzinfo=UTC) for row in (ann, bob, cy)
            ] == [NOW, MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)]
    assert ann.overdue >= 3 and bob.overdue >= 3 and cy.overdue >= 3
    risks = {risk.learner.learner_id: risk.reasons
             for risk in figures.at_risk([ann, bob, cy], monday, 30, 3)}
    assert risks == {cohort["bob"]: (f"{bob.overdue} reviews overdue, no answer for 2 "
                                     "workdays",)}
    # Nothing answered in two weeks is said so.
    quiet = replace(bob, last_answer=None)
    assert figures.at_risk([quiet], monday, 30, 3)[0].reasons == (
        f"{bob.overdue} reviews overdue, no answer in two weeks",)


def test_every_page_builds_and_filters_change_the_numbers(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    dashboard = Dashboard(database, catalog)
    everything = Filters(date(2026, 3, 1), NOW.date())
    for key in ("overview", "tracks", "questions", "retention", "learners", "lessons", "gain"):
        page = dashboard.build(key, everything, NOW)
        assert page.tables or page.charts, key
    questions = dashboard.build("questions", everything, NOW)
    table, _ = questions.tables
    assert table.rows[0][0] == "B: Question b1?" and table.marked[0]  # flagged: first
    assert "<script>" in str(table.rows[0][8])  # kept as text here; pages escape it
    # What was picked, by its words: "1) 27%" had meant nothing without the file open.
    spread = {row[0]: row[6] for row in table.rows}["B: Question b1?"]
    assert spread.startswith("1) right: ") and "(right) · 2) wrong: " in spread
    assert spread.endswith("3) other: 0%")
    # A question flagged and never answered is listed, and not counted as answered.
    answered = questions.figures[0]
    with database.unit() as unit:
        unit.flags.add(cohort["dee"], "t/a", "an-old-key", "never answered", MONDAY)
    again = dashboard.build("questions", everything, NOW)
    assert len(again.tables[0].rows) == len(table.rows) + 1
    assert again.figures[0] == answered == Figure.count("questions answered", len(table.rows))
    lessons = dashboard.build("lessons", everything, NOW)
    assert lessons.tables[1].rows == (("kerberos tickets", 2, "2026-03-18 09:00"),)
    track = dashboard.build("lessons", Filters(date(2026, 3, 1), NOW.date(), track="t"), NOW)
    assert (track.figures[0].label, track.figures[0].value) == (
        "lessons in the track", str(len(track.tables[0].rows)))
    later = dashboard.build("overview", Filters(date(2026, 3, 19), NOW.date()), NOW)
    assert later.figures[3].value != dashboard.build("overview", everything, NOW).figures[3].value
    learner = dashboard.build("learner", everything, NOW, cohort["ann"])
    assert learner.title == "Ann" and learner.tables[0].rows == (("T", 2, 2),)


def test_streaks_are_shown_as_they_stand_now(database: Database, catalog: Catalog,
                                             cohort: dict[str, int]) -> None:
    """A streak is stored only when its learner acts: one kept a fortnight ago is broken by
    now, one kept yesterday holds, and one of a learner on holiday holds too."""
    from storage.records import Streak
    with database.unit() as unit:
        yesterday = NOW.date() - timedelta(days=1)  # Thursday the 19th
        unit.streaks.save(Streak(cohort["ann"], 12, 12, yesterday, 0))
        unit.streaks.save(Streak(cohort["bob"], 8, 8, yesterday - timedelta(days=14), 1))
        unit.streaks.save(Streak(cohort["cy"], 4, 6, yesterday - timedelta(days=14), 0))
        unit.learners.update(cohort["cy"], LearnerChange(paused=True))
        # dee said "stop": unlike a holiday, that holds no streak (as the engine's `me`).
        unit.streaks.save(Streak(cohort["dee"], 6, 6, yesterday - timedelta(days=14), 0))
        unit.learners.update(cohort["dee"], LearnerChange(stopped=True))
    dashboard = Dashboard(database, catalog)
    everything = Filters(date(2026, 3, 1), NOW.date())
    overview = dashboard.build("overview", everything, NOW)
    [chart] = [chart for chart in overview.charts if chart.key == "streaks"]
    assert chart.labels == ("0", "1-4", "5-9", "10-19", "20+")
    assert chart.series[0].values == (2, 1, 0, 1, 0)  # bob (broken) and dee; cy; ann
    [table] = dashboard.build("learners", everything, NOW).tables
    streak = {row[0]: row[4] for row in table.rows}
    assert streak == {"Ann": 12, "Bob": 0, "Cy": 4, "Dee": 0}
    assert any("streak of 8 lost" in str(row[-1]) for row in table.rows if row[0] == "Bob")


def test_reads_are_of_the_ranges_own_deliveries_and_every_lesson_is_listed(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    """eve got a on Monday and read it on Wednesday: Wednesday alone has a read and no
    delivery, which is not "100% read"; b, which nobody got on Wednesday, is still listed."""
    wednesday = MONDAY + timedelta(days=2)
    with database.unit() as unit:
        eve = unit.learners.enrol("console", "eve", MONDAY, LearnerChange())[0].id
        unit.progress.delivered(eve, "t/a", MONDAY)
        unit.progress.read(eve, "t/a", wednesday + timedelta(hours=3))
    dashboard = Dashboard(database, catalog)
    only = Filters(wednesday.date(), wednesday.date())
    overview = dashboard.build("overview", only, NOW)
    assert overview.figures[3].value == "-"
    [console] = [row for row in overview.tables[0].rows if row[0] == "console"]
    assert console[3:5] == (0, 0)  # per platform too: no "1 read of 0 delivered"
    lessons = dashboard.build("lessons", only, NOW)
    assert lessons.tables[0].rows == (("A", 0, 1, 0, None, 0, None, "t/a.md"),
                                      ("B", 0, 0, 0, None, 0, None, "t/b.md"))
    assert lessons.figures[1].value == "1"  # b
    week = dashboard.build("overview", Filters(MONDAY.date(), NOW.date()), NOW)
    assert week.figures[3].value == "80% (4 of 5)"  # a to ann, bob, cy, eve; b to ann
    per_platform = {row[0]: row[3:5] for row in week.tables[0].rows}
    assert per_platform["console"] == (5, 4)  # all of them: cy never read his


def test_the_learners_voice_page(database: Database, catalog: Catalog,
                                 cohort: dict[str, int]) -> None:
    """Ratings per lesson (the latest verdict of each learner), their words, reflections;
    names hidden when pseudonymous; the platform filter applies."""
    with database.unit() as unit:
        voices = unit.voices
        voices.rate(cohort["ann"], "t/a", True, MONDAY)
        voices.rate(cohort["bob"], "t/a", False, MONDAY)
        voices.comment(cohort["bob"], "t/a", "<b>too</b> long", MONDAY)
        voices.rate(cohort["ann"], "t/b", False, MONDAY)
        voices.rate(cohort["ann"], "t/b", True, MONDAY + timedelta(hours=1))  # changed
        voices.rate(cohort["dee"], "t/b", False, MONDAY)
        voices.reflect(cohort["ann"], "t/b", "What now?", "Lock my screen", MONDAY)
    dashboard = Dashboard(database, catalog)
    everything = Filters(date(2026, 3, 1), NOW.date())
    page = dashboard.build("voice", everything, NOW)
    ratings, comments, reflections = page.tables
    assert ratings.rows == (("A", 1, 1, 0.5, 1, "t/a.md"), ("B", 1, 1, 0.5, 0, "t/b.md"))
    assert comments.rows == (("2026-03-16 09:00", "Bob", "A", "not useful", "<b>too</b> long"),)
    assert reflections.rows == (("2026-03-16 09:00", "Ann", "B", "What now?",
                                 "Lock my screen"),)
    assert [figure.value for figure in page.figures] == ["4", "50% (2 of 4)", "1", "1"]
    telegram = dashboard.build("voice", Filters(date(2026, 3, 1), NOW.date(), "telegram"), NOW)
    assert telegram.tables[0].rows == (("B", 0, 1, 0.0, 0, "t/b.md"),)  # dee's only
    hidden = Dashboard(database, catalog, DashboardSettings(pseudonymous=True))
    assert hidden.build("voice", everything, NOW).tables[2].rows[0][1] == (
        f"learner #{cohort['ann']}")


def test_a_question_asked_again_counts_on_the_day_it_was_last_asked(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    """An open question pushed again the next day: the daily figures count it there, as its
    row does, so a day's answers are not set against the day before's asks."""
    (lesson_id, key), *_ = questions(catalog)
    monday = Scope(MONDAY.replace(hour=0), MONDAY.replace(hour=0) + timedelta(days=1))
    tuesday = Scope(monday.until, monday.until + timedelta(days=1))
    with database.unit() as unit:
        ask = unit.asks.create(cohort["cy"], lesson_id, key, MONDAY)
    with database.reports() as reports:
        before = [reports.activity(day).asked for day in (monday, tuesday)]
    with database.unit() as unit:
        unit.asks.renew(ask.id, MONDAY + timedelta(days=1))
    with database.reports() as reports:
        assert [reports.activity(day).asked for day in (monday, tuesday)] == [
            before[0] - 1, before[1] + 1]
        for day in (monday, tuesday):
            assert reports.activity(day) == reports.activity_from_rows(day)


def test_a_question_asked_again_after_push_leaves_the_old_platforms_day_right(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    """Asked on Monday on one platform; the learner's pushes moved to another (`push`)
    before it was asked again: Monday's count comes off the platform it was counted for."""
    from sqlalchemy import text as sql
    (lesson_id, key), *_ = questions(catalog)
    with database.unit() as unit:
        ask = unit.asks.create(cohort["cy"], lesson_id, key, MONDAY)
    with database.session() as session:
        before = dict(session.execute(sql(
            "SELECT platform, asked FROM platform_day WHERE day = :day"),
            {"day": MONDAY.date()}).all())
        session.execute(sql("UPDATE learner SET platform = 'zulip' WHERE id = :id"),
                        {"id": cohort["cy"]})
    with database.unit() as unit:
        unit.asks.renew(ask.id, MONDAY + timedelta(days=1))
    with database.session() as session:
        after = dict(session.execute(sql(
            "SELECT platform, asked FROM platform_day WHERE day = :day"),
            {"day": MONDAY.date()}).all())
    platform = next(name for name in before if after.get(name) == before[name] - 1)
    assert "zulip" not in after and all(
        after[name] == before[name] for name in before if name != platform)


@pytest.mark.parametrize("forgotten", [None, "ann", "dee"])
def test_the_daily_aggregates_agree_with_the_rows(database: Database, catalog: Catalog,
                                                  cohort: dict[str, int],
                                                  forgotten: str | None) -> None:
    """Also once a learner was forgotten: the totals count no one who asked to be."""
    if forgotten is not None:
        with database.reports() as reports:
            before = reports.by_platform(Scope(MONDAY - timedelta(days=1), NOW))
        with database.unit() as unit:
            unit.learners.forget(cohort[forgotten])
        with database.reports() as reports:
            assert reports.by_platform(Scope(MONDAY - timedelta(days=1), NOW)) != before
    every = tuple(lesson.id for lesson in catalog.lessons())
    for platform in (None, "console", "telegram"):
        for since in (MONDAY - timedelta(days=1), MONDAY + timedelta(days=2)):
            kept = Scope(since, NOW, platform)
            counted = Scope(since, NOW, platform, every)  # some lessons: counted from rows
            with database.reports() as reports:
                assert reports.activity(kept) == reports.activity_from_rows(kept)
                assert reports.activity(kept) == reports.activity(counted)
                assert reports.daily_active(kept) == reports.daily_active(counted)
                assert reports.learner_counts(kept) == reports.learner_counts(counted)
                assert reports.by_platform(kept) == reports.by_platform(counted)
                assert reports.questions(kept) == reports.questions_from_rows(kept)


def test_retention_keeps_the_days_point_and_says_what_holds_now(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    dashboard = Dashboard(database, catalog)
    everyone = dashboard.build("retention", Filters(date(2026, 3, 1), NOW.date()), NOW)
    with database.reports() as reports:
        assert {kind for kind, *_ in reports.recall_on(NOW.date())} == {"all", "track", "topic"}
        live = dashboard.recall_now(reports, Scope(MONDAY, NOW), NOW)
    [(_, recall, cards)] = live
    assert everyone.figures[0].value == f"{recall * 100:.0f}%" and everyone.figures[1].value \
        == str(cards)
    console = dashboard.build("retention", Filters(date(2026, 3, 1), NOW.date(), "console"),
                              NOW)
    assert console.figures[1].value == "2"  # ann's and bob's cards, computed live
    # Later the same day cy reads her lesson: "now" counts her card, the day's point stays.
    with database.unit() as unit:
        unit.progress.read(cohort["cy"], "t/a", NOW + timedelta(hours=1))
        unit.cards.save(Card(cohort["cy"], "t/a", questions(catalog)[0][1], "", NOW))
    later = dashboard.build("retention", Filters(date(2026, 3, 1), NOW.date()),
                            NOW + timedelta(hours=2))
    assert later.figures[1].value == str(cards + 1)
    assert later.figures[0].label == "predicted recall now"  # scripts look figures up by it
    assert any("as of 14:00 UTC" in note for note in later.notes)
    # Read again within five minutes: the same figures, said as of when they were made.
    with database.unit() as unit:
        unit.cards.save(Card(cohort["cy"], "t/a", questions(catalog)[1][1], "", NOW))
    soon = dashboard.build("retention", Filters(date(2026, 3, 1), NOW.date()),
                           NOW + timedelta(hours=2, minutes=4))
    assert soon.figures == later.figures
    with database.reports() as reports:
        assert [row[3] for row in reports.recall_on(NOW.date()) if row[0] == "all"] == [cards]


def test_risk_counts_the_learners_own_workdays_and_spares_those_away() -> None:
    from storage.reports import LearnerRisk

    friday = datetime(2026, 3, 20, 17, tzinfo=UTC)
    monday = friday + timedelta(days=3, hours=1)

    def learner(number: int, **fields: object) -> LearnerRisk:
        values: dict[str, object] = {
            "learner_id": number, "display_name": f"L{number}", "platform": "slack",
            "last_action": friday, "overdue": 0, "streak": 8, "longest": 8, "points": 0,
            "enrolled_at": friday - timedelta(days=30), "workdays": ("mon", "tue", "wed",
                                                                      "thu", "fri")}
        return LearnerRisk(**(values | fields))  # type: ignore[arg-type]

    weekend = figures.at_risk([learner(1)], monday, 2, 10)
    assert weekend == []  # a weekend misses no workday: nothing lost
    wednesday = monday + timedelta(days=2)
    [risk] = figures.at_risk([learner(1), learner(2, away=True)], wednesday, 2, 10)
    assert risk.reasons == ("no action for 2 workdays", "streak of 8 lost")
    never = learner(3, last_action=None, streak=0)
    assert figures.at_risk([never], wednesday, 5, 10)[0].reasons == (
        "never acted for 24 workdays",)  # 19 February to 24 March
    assert calendar.workdays_between(date(2025, 3, 2), date(2026, 3, 2), ("mon",)) == 52


def test_what_came_after_the_range_or_was_never_read_is_not_counted(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    monday_only = Scope(MONDAY - timedelta(days=1), MONDAY + timedelta(hours=1))
    with database.reports() as reports:
        # ann, bob and cy had t/a from Monday 09:00; ann's t/b came on Tuesday.
        # Nothing was read by Monday 10:00 (ann read at 11:00): nobody had started yet.
        assert reports.tracks(monday_only, {"t": ("t/a", "t/b")}) == {
            "t": TrackFunnel(0, 0, 0, [])}
        lessons = {row.lesson_id: row for row in reports.lesson_reads(Scope(MONDAY, NOW))}
        assert (lessons["t/b"].delivered, lessons["t/b"].looked_up) == (1, 1)  # dee's lookup
    with database.unit() as unit:  # cy's t/a was never read: its card gives no recall
        unit.cards.save(Card(cohort["cy"], "t/a", questions(catalog)[0][1], "", NOW))
    dashboard = Dashboard(database, catalog)
    with database.reports() as reports:
        [(_, _, cards)] = dashboard.recall_now(reports, Scope(MONDAY, NOW), NOW)
    assert cards == 2  # ann's and bob's, not cy's


# Baseline and endline right answers (of the track's 3 check questions) of each learner.
CHECKS = {"ann": (1, 3), "bob": (0, 1), "cy": (3, 2), "dee": (2, 1)}


def test_knowledge_gain_per_track_with_its_distribution(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    """Mean before and after, mean normalised gain over the learners for whom it is defined
    (cy knew everything before), the distribution, the platform and date filters; a skipped
    baseline and an unfinished endline count nowhere. Baselines without a score are counted
    by who ended them: skipped, set aside, or (ended before that was kept) either."""
    asked = questions(catalog)
    with database.unit() as unit:
        checks = unit.checks
        for name, results in CHECKS.items():
            for phase, right, at in (("pre", results[0], MONDAY),
                                     ("post", results[1], NOW - timedelta(days=1))):
                checks.start(cohort[name], "t", phase, asked, at)
                for number in range(3):
                    checks.answer(cohort[name], "t", phase, number < right)
                checks.finish(cohort[name], "t", phase, at)
        other, _ = unit.learners.enrol("console", "eve", MONDAY)
        checks.start(other.id, "t", "pre", asked, MONDAY)
        checks.finish(other.id, "t", "pre", MONDAY, skipped_by=SkippedBy.LEARNER)
        for user, by in (("gil", SkippedBy.PUSH), ("hal", SkippedBy.PUSH),
                         ("ida", SkippedBy.LEARNER)):
            unscored, _ = unit.learners.enrol("console", user, MONDAY)
            checks.start(unscored.id, "t", "pre", asked, MONDAY)
            checks.finish(unscored.id, "t", "pre", MONDAY, skipped_by=by)
        late, _ = unit.learners.enrol("console", "fay", MONDAY)
        checks.start(late.id, "t", "pre", asked, MONDAY)
        for _ in range(3):
            checks.answer(late.id, "t", "pre", False)
        checks.finish(late.id, "t", "pre", MONDAY)
        checks.start(late.id, "t", "post", asked, MONDAY + timedelta(days=3))
    with database.session() as session:  # ida's, as one ended before 0020 is kept
        session.execute(text("UPDATE track_check SET skipped_by = NULL "
                             "WHERE learner_id = :learner"), {"learner": unscored.id})
    dashboard = Dashboard(database, catalog)
    page = dashboard.build("gain", Filters(date(2026, 3, 1), NOW.date()), NOW)
    [table] = page.tables
    # Nine baselines began: five scored (fay's endline is still open), eve's skipped, gil's
    # and hal's set aside, ida's one or the other.
    assert table.rows == (("T", 9, 5, 1, 2, 1, 4, None, 0.5, 0.58, 0.11, 1, None),)
    assert table.marked == (False,)
    # This library's track asks no check (its checks were taken before it was dropped).
    assert page.notes[0].startswith("Only 3 learners with a gain in this view")  # cy knew all
    assert "T asks no knowledge check, so there is no gain to show: add 'check: true'" in \
        page.notes[1]
    assert [(figure.label, figure.value) for figure in page.figures] == [
        ("learners with both checks", "4"), ("mean before", "50%"), ("mean after", "58%"),
        ("mean normalised gain", "11%")]
    [chart] = page.charts
    assert chart.labels == ("below 0", "0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1",
                            "undefined")
    assert chart.series[0].name == "T" and chart.series[0].values == (1, 0, 1, 0, 0, 1, 1)
    assert "gain-distribution" in page.all_tables()  # like every chart: a table, so CSV
    telegram = dashboard.build("gain", Filters(date(2026, 3, 1), NOW.date(), "telegram"), NOW)
    assert telegram.tables[0].rows == (("T", 1, 1, 0, 0, 0, 1, None, 0.67, 0.33, -1.0, 0, None),)
    # One learner lost ground: noise, not a track to fix, and the page says so.
    assert telegram.tables[0].marked == (False,)
    assert telegram.notes[0].startswith("Only 1 learner with a gain in this view: the figures "
                                        "describe one person, not the track")
    before = dashboard.build("gain", Filters(date(2026, 3, 1), date(2026, 3, 18)), NOW)
    assert before.tables[0].rows == (("T", 9, 5, 1, 2, 1, 0, None, None, None, None, 0, None),)
    # Baselines count by the day they began: none began in a range after them, while the
    # endlines answered in it pair with baselines of before.
    after = dashboard.build("gain", Filters(date(2026, 3, 19), NOW.date()), NOW)
    assert after.tables[0].rows[0][1:7] == (0, 0, 0, 0, 0, 4)
    assert dashboard.build("gain", Filters(date(2026, 3, 1), NOW.date(), track="other"),
                           NOW).tables[0].rows == ()
    # Each learner's own checks on their page (a skipped one is empty).
    everything = Filters(date(2026, 3, 1), NOW.date())
    ann = dashboard.build("learner", everything, NOW, cohort["ann"]).all_tables()["checks"]
    assert ann.rows == (("T", 0.33, 1.0, 1.0),)
    cy = dashboard.build("learner", everything, NOW, cohort["cy"]).all_tables()["checks"]
    assert cy.rows == (("T", 1.0, 0.67, None),)  # knew everything before: undefined


def test_the_gain_page_counts_readers_of_a_checked_track_who_never_began_its_baseline(
        database: Database, tmp_path: Path) -> None:
    """They had been left out without a word: no baseline, so in no column, and the page's
    figures looked as if every reader were measured."""
    folder = tmp_path / "checked"
    lesson(folder, "c/a.md", "title: A\ntrack: c\norder: 1\ncheck: true",
           "Lesson a." + QUIZ.format(q="Question a1") + "\n### Question a2?\n- [x] yes\n"
           "- [ ] no\n\n### Question a3?\n- [x] yes\n- [ ] no\n")
    lesson(folder, "c/b.md", "title: B\ntrack: c\norder: 2", "Lesson b." +
           QUIZ.format(q="Question b1"))
    catalog = Catalog(folder)
    catalog.load()
    assert not catalog.problems()
    asked = questions(catalog)
    with database.unit() as unit:
        people = {name: unit.learners.enrol("console", name, MONDAY)[0].id
                  for name in ("looked", "measured", "earlier", "unread")}
        for name, at in (("looked", MONDAY), ("measured", MONDAY),
                         ("earlier", MONDAY - timedelta(days=20))):
            # Pushed before the track asked a check (or before the bug that skipped a
            # baseline was fixed): read, and no baseline.
            unit.progress.delivered(people[name], "c/b", at)
            unit.progress.read(people[name], "c/b", at + timedelta(hours=1))
        unit.progress.delivered(people["unread"], "c/a", MONDAY)
        unit.checks.start(people["measured"], "c", "pre", asked, MONDAY + timedelta(hours=2))
    dashboard = Dashboard(database, catalog)
    page = dashboard.build("gain", Filters(date(2026, 3, 1), NOW.date()), NOW)
    [table] = page.tables
    assert table.columns[-1] == "began reading without a baseline"
    # measured began one (still open); looked read a lesson and never began it; earlier did
    # so before the range; unread only got a lesson.
    assert [(row[0], row[1], row[-1]) for row in table.rows] == [("C", 1, 1)]
    assert any(note.startswith("1 learner first read a lesson of a track that asks a check")
               for note in page.notes), page.notes
    wider = dashboard.build("gain", Filters(date(2026, 2, 1), NOW.date()), NOW)
    assert [row[-1] for row in wider.tables[0].rows] == [2]
    # A range whose every reader came without one still shows the track.
    early = dashboard.build("gain", Filters(date(2026, 2, 1), date(2026, 3, 1)), NOW)
    assert [(row[0], row[1], row[-1]) for row in early.tables[0].rows] == [("C", 0, 1)]
    assert dashboard.build("gain", Filters(date(2026, 3, 1), NOW.date(), track="other"),
                           NOW).tables[0].rows == ()


def test_the_confidence_accuracy_matrix_lists_the_sure_and_wrong_first(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    """Hand-built answers that say how sure: per question, right and wrong at each level; the
    question answered sure and wrong most often comes first, marked; answers without a level
    (the cohort's own) count nowhere here; the platform filter applies."""
    (a, a1), (_, a2), (b, b1) = questions(catalog)
    given = [("ann", a, a1, "s", False), ("bob", a, a1, "s", False), ("cy", a, a1, "s", False),
             ("dee", a, a1, "s", True), ("ann", a, a2, "s", True), ("bob", a, a2, "g", True),
             ("cy", a, a2, "t", False), ("dee", b, b1, "g", False)]
    with database.unit() as unit:
        for number, (name, lesson_id, key, level, right) in enumerate(given):
            unit.answers.record(cohort[name], lesson_id, key, (0,), right,
                                NOW - timedelta(hours=number + 1), f"sure:{number}",
                                confidence=level)
    dashboard = Dashboard(database, catalog)
    table = dashboard.build("questions", Filters(date(2026, 3, 1), NOW.date()),
                            NOW).all_tables()["confidence"]
    assert table.rows == (
        ("A: Question a1?", 1, 3, 0, 0, 0, 0, 0.75, "t/a.md:10"),
        ("A: Question a2?", 1, 0, 0, 1, 1, 0, 0.0, "t/a.md:15"),
        ("B: Question b1?", 0, 0, 0, 0, 0, 1, None, "t/b.md:10"))
    assert table.marked == (True, False, False)
    telegram = dashboard.build("questions", Filters(date(2026, 3, 1), NOW.date(), "telegram"),
                               NOW).all_tables()["confidence"]
    assert telegram.rows == (("A: Question a1?", 1, 0, 0, 0, 0, 0, 0.0, "t/a.md:10"),
                             ("B: Question b1?", 0, 0, 0, 0, 0, 1, None, "t/b.md:10"))


def test_an_empty_database_says_where_figures_come_from(
        database: Database, catalog: Catalog) -> None:
    dashboard = Dashboard(database, catalog)
    empty = dashboard.build("overview", Filters(date(2026, 3, 1), NOW.date()), NOW)
    assert any("No learner yet" in note for note in empty.notes)


def test_a_view_without_learners_does_not_say_there_are_none(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    """A platform with nobody, or a range before anyone came: the database has learners."""
    dashboard = Dashboard(database, catalog)
    for view in (Filters(date(2026, 3, 1), NOW.date(), "slack"),
                 Filters(date(2026, 1, 1), date(2026, 1, 31))):
        page = dashboard.build("overview", view, NOW)
        assert not any("No learner yet" in note for note in page.notes)


def test_track_completions_are_counted_in_the_week_they_happened(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    """Ann completed the track on Tuesday 17 March: that week shows one, the weeks before
    and after none (it had been a running total, a flat line of old completions)."""
    dashboard = Dashboard(database, catalog)
    page = dashboard.build("tracks", Filters(date(2026, 3, 2), date(2026, 3, 29)), NOW)
    chart = next(chart for chart in page.charts if chart.key == "completions")
    assert chart.labels == ("2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23")
    [series] = chart.series
    assert series.values == (0, 0, 1, 0)
    later = dashboard.build("tracks", Filters(date(2026, 3, 23), date(2026, 3, 29)), NOW)
    assert next(chart for chart in later.charts if chart.key == "completions").series[0] \
        .values == (0,)


def test_in_another_zone_the_daily_totals_and_the_ends_rows_add_up_to_the_rows(
        database: Database, catalog: Catalog, cohort: dict[str, int]) -> None:
    """A range in Auckland: its whole UTC days from the daily totals, the hours at its ends
    from the rows, summed, are what the rows alone count (the cohort acts on several days,
    inside the range's UTC days and in the hours at its ends)."""
    from zoneinfo import ZoneInfo

    from storage.reports import midnight
    zone = ZoneInfo("Pacific/Auckland")
    for first, last in ((date(2026, 3, 16), date(2026, 3, 19)),
                        (date(2026, 3, 17), date(2026, 3, 18)),
                        (date(2026, 3, 18), date(2026, 3, 18))):
        for platform in (None, "console"):
            scope = Scope(midnight(first, zone), midnight(last + timedelta(days=1), zone),
                          platform, zone=zone)
            with database.reports() as reports:
                assert reports.activity(scope) == reports.activity_from_rows(scope)
                assert reports.questions(scope) == reports.questions_from_rows(scope)
                assert reports.confidence(scope) == reports.confidence_from_rows(scope)
                counts = reports.learner_counts(scope)
                assert counts == reports.learner_counts(replace(scope, lessons=tuple(
                    lesson.id for lesson in catalog.lessons())))


# Answers around midnight far from UTC, where the learner's day and the UTC day differ.
# December 2026: Monday the 30th of November, Thursday the 3rd, Tuesday the 8th.
KIRI = ("Pacific/Auckland", datetime(2026, 11, 29, 11, 5, tzinfo=UTC), None,
        datetime(2026, 12, 1, 20, tzinfo=UTC), None)
"""Answered at 00:05 on Monday in Auckland (Sunday in UTC); Wednesday 09:00 there, one
workday (Tuesday) since: not slipping (by UTC days: Monday and Tuesday, two)."""
AROHA = ("Pacific/Auckland", datetime(2026, 11, 29, 10, 30, tzinfo=UTC),
         datetime(2026, 11, 29, 11, 30, tzinfo=UTC), datetime(2026, 12, 1, 20, tzinfo=UTC),
         "no answer for 2 workdays")
"""Answered at 23:30 on Sunday in Auckland and read a lesson at 00:30 on Monday, the same UTC
day: the day's last action is Monday's read, but the last answer is Sunday's; Wednesday 09:00,
Monday and Tuesday missed."""
SAM = ("America/Los_Angeles", datetime(2026, 12, 4, 1, tzinfo=UTC), None,
       datetime(2026, 12, 8, 17, tzinfo=UTC), "no answer for 2 workdays")
"""Answered at 17:00 on Thursday in Los Angeles (Friday in UTC); Tuesday 09:00 there, Friday
and Monday missed over the weekend (by UTC days: Monday alone, one)."""
LEE = ("America/Los_Angeles", datetime(2026, 12, 5, 0, 30, tzinfo=UTC),
       datetime(2026, 12, 5, 7, tzinfo=UTC), datetime(2026, 12, 8, 17, tzinfo=UTC), None)
"""Answered at 16:30 on Friday in Los Angeles (Saturday in UTC), read at 23:00; Tuesday 09:00,
Monday missed: a day off."""


@pytest.mark.parametrize(("zone", "answered", "read", "now", "reason"),
                         [KIRI, AROHA, SAM, LEE], ids=["kiri", "aroha", "sam", "lee"])
def test_no_answer_counts_the_learners_own_days(
        database: Database, catalog: Catalog, zone: str, answered: datetime,
        read: datetime | None, now: datetime, reason: str | None) -> None:
    """"No answer for N workdays" counts the workdays since the day of the learner's last
    answer in their own zone (as "no action" does), not since its UTC day, nor since the day
    of their last action (a read after it), and whatever the dashboard's zone."""
    (lesson_id, key), *_ = questions(catalog)
    with database.unit() as unit:
        learner, _ = unit.learners.enrol("console", zone, answered - timedelta(days=30),
                                         LearnerChange(display_name="Someone", time_zone=zone,
                                                       workdays=("mon", "tue", "wed", "thu", "fri")))
        unit.progress.delivered(learner.id, lesson_id, answered - timedelta(days=20))
        unit.progress.read(learner.id, lesson_id, answered - timedelta(days=20))
        unit.cards.add_new([Card(learner.id, lesson_id, f"{key}-{n}", "",
                                 answered - timedelta(days=10)) for n in range(3)])
        unit.answers.record(learner.id, lesson_id, key, (0,), True, answered, "last")
        if read is not None:
            unit.progress.delivered(learner.id, "t/b", read - timedelta(hours=1))
            unit.progress.read(learner.id, "t/b", read)
    with database.reports() as reports:
        [row] = reports.learners(Scope(now - timedelta(days=30), now), now, timedelta(days=2))
    assert row.last_answer is not None and row.last_answer.replace(tzinfo=UTC) == answered
    risks = figures.at_risk([row], now, 30, 3)
    assert [risk.reasons for risk in risks] == (
        [] if reason is None else [(f"{row.overdue} reviews overdue, {reason}",)])
    # The page says the same in the trainer's zone or in UTC: the days are the learner's.
    for trainer in ("UTC", "Pacific/Auckland", "America/Los_Angeles"):
        dashboard = Dashboard(database, catalog, DashboardSettings(
            idle_days=30, overdue_reviews=3, timezone=trainer))
        [table] = dashboard.build("learners", Filters(date(2026, 11, 1), now.date()),
                                  now).tables
        assert table.rows[0][7] == ("" if reason is None else
                                    f"{row.overdue} reviews overdue, {reason}"), trainer
