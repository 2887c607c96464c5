"""``microlearn simulate`` produces knowledge checks (baselines answered knowing less than the
endlines that come days after the track) and answers that say how sure."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text

from bot.app import open_engine
from bot.cli import main
from bot.dashboard.pages import Dashboard, Filters
from bot.engine.turn import EngineSettings
from bot.simulate import Simulation
from tests.unit.engine.conftest import write
from tests.unit.engine.test_checks import quiz


def test_a_simulated_cohort_answers_baselines_and_endlines(tmp_path: Path) -> None:
    folder = tmp_path / "lessons"
    write(folder, "safe/one.md", "title: One\ntrack: safe\norder: 1\ntopic: safe\ncheck: 3",
          "Lesson one about apples." + quiz("Apple one", "Apple two"))
    write(folder, "safe/two.md", "title: Two\ntrack: safe\norder: 2\ntopic: safe",
          "Lesson two about bananas." + quiz("Banana one", "Banana two"))
    write(folder, "safe/three.md", "title: Three\ntrack: safe\norder: 3\ntopic: safe",
          "Lesson three about cherries." + quiz("Cherry one", "Cherry two"))
    database, engine = open_engine(folder, f"sqlite:///{tmp_path / 'cohort.db'}",
                                   EngineSettings(quiz_questions=3, confidence=True))
    Simulation(engine, seed=3).run(12, 28, date(2026, 3, 2))
    dashboard = Dashboard(database, engine.catalog)
    cohort = Filters(date(2026, 3, 1), date(2026, 4, 30))
    page = dashboard.build("gain", cohort, datetime(2026, 5, 1, tzinfo=UTC))
    sure = dashboard.build("questions", cohort, datetime(2026, 5, 1, tzinfo=UTC)).all_tables()[
        "confidence"]
    database.dispose()
    assert len(sure.rows) == 6  # every question of the track
    totals = [sum(int(row[n] or 0) for row in sure.rows) for n in range(1, 7)]
    sure_right, sure_wrong, _, _, _, guess_wrong = totals
    assert sure_right > sure_wrong > 0 and guess_wrong > 0
    [row] = page.tables[0].rows
    track, began, scored, skipped, aside, untold, both, size, before, after, gain, _, \
        unmeasured = row
    assert unmeasured == 0  # every reader of the track began it with its baseline
    assert track == "Safe" and isinstance(scored, int) and isinstance(both, int)
    assert isinstance(began, int) and isinstance(skipped, int) and isinstance(aside, int)
    assert began >= scored + skipped + aside
    assert untold == 0  # the engine keeps who ended each baseline without a score
    assert scored >= 6 and both >= 4 and size == 3
    assert isinstance(before, float) and isinstance(after, float) and after > before
    assert isinstance(gain, float) and gain > 0


def test_a_select_all_question_is_answered_with_its_choices_and_often_right(
        tmp_path: Path) -> None:
    folder = tmp_path / "lessons"
    write(folder, "fruit.md", "title: Fruit\ntopic: food",
          "Apples and pears are fruit; a stone is not.\n\n## Quiz\n\n### Which are fruit?\n"
          "- [x] Apple\n- [ ] Stone\n- [x] Pear\n- [ ] Brick\n> Both grow on trees.\n")
    database, engine = open_engine(folder, f"sqlite:///{tmp_path / 'cohort.db'}",
                                   EngineSettings())
    Simulation(engine, seed=5).run(10, 14, date(2026, 3, 2))
    with database.engine.connect() as connection:
        answers = connection.execute(text("SELECT choices, correct FROM answer")).all()
    database.dispose()
    assert len(answers) >= 10
    assert {choices for choices, _ in answers} <= {"0,2", "0", "0,1,2", "0,2,3"}
    assert 0.1 < sum(bool(correct) for _, correct in answers) / len(answers) < 1  # was 0


def test_simulate_says_the_lessons_read_that_the_dashboard_counts(tmp_path: Path) -> None:
    """'Got it' and answering a lesson's question both read it: the summary line counts both,
    as the dashboard and the database do."""
    url = f"sqlite:///{tmp_path / 'cohort.db'}"
    result = CliRunner().invoke(main, ["simulate", "--db", url, "--learners", "3", "--days", "8",
                                       "--start", "2026-03-02"])
    assert result.exit_code == 0, result.output
    said = int(re.search(r"(\d+) lessons read", result.output).group(1))  # type: ignore[union-attr]
    with sqlite3.connect(tmp_path / "cohort.db") as connection:
        [(stored,)] = connection.execute(
            "select count(*) from lesson_progress where read_at is not null")
    assert said == stored > 0


def test_a_second_run_adds_a_cohort_and_the_default_ends_today(tmp_path: Path) -> None:
    """A second run had taken the first run's learners on again (the help says it adds a
    cohort); and the default cohort ended yesterday, so the dashboard's default range (the
    last 30 days with today) lost its first day."""
    url = f"sqlite:///{tmp_path / 'cohort.db'}"
    for _ in range(2):
        result = CliRunner().invoke(main, ["simulate", "--db", url, "--learners", "3",
                                           "--days", "2"])
        assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "cohort.db") as connection:
        users = sorted(user for (user,) in connection.execute("select platform_user_id from learner"))
        # New York's 08:30 is the same day in UTC (Tokyo's is the day before).
        [(first,)] = connection.execute("select max(date(created_at)) from learner")
    assert users == [f"sim-{n:04d}" for n in range(1, 7)]
    assert date.fromisoformat(first) == datetime.now(UTC).date() - timedelta(days=1)


def test_the_answers_simulate_reports_are_the_answers_stored(tmp_path: Path) -> None:
    """A learner's "skip" to a reflection prompt, with yesterday's question still open, was
    recorded as skipping that question: the database held answers the summary had not
    counted (789 said, 792 stored)."""
    folder = tmp_path / "lessons"
    for name in ("one", "two", "three", "four"):
        write(folder, f"{name}.md", f"title: Fruit {name}\ntopic: food\n"
              "reflect: What will you eat first?",
              f"Lesson {name} about fruit." + quiz(f"Fruit {name} a", f"Fruit {name} b"))
    database, engine = open_engine(folder, f"sqlite:///{tmp_path / 'cohort.db'}",
                                   EngineSettings(quiz_questions=3))
    result = Simulation(engine, seed=1).run(12, 15, date(2026, 3, 2))
    with database.engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM answer")).scalar_one()
    database.dispose()
    assert result.answers == stored > 0


def test_simulate_asks_how_sure_only_where_the_library_does_and_reflects_on_the_lesson(
        tmp_path: Path) -> None:
    """Every simulated question had asked how sure whatever the lessons said, and every
    reflection was one of five lines about passwords and phishing, whatever the lesson."""
    folder = tmp_path / "lessons"
    write(folder, "sure/one.md", "title: Sure one\ntrack: sure\norder: 1\ntopic: food\n"
          "confidence: true\nobjective: Peel an orange in one go",
          "Oranges peel in one go." + quiz("Orange a", "Orange b"))
    write(folder, "plain.md", "title: Plain apples\ntopic: food\n"
          "reflect: What will you eat first?\nobjective: Pick a ripe apple by its smell",
          "Apples smell when ripe." + quiz("Apple a", "Apple b"))
    write(folder, "bare.md", "title: Bare kiwis\ntopic: food\nreflect: And kiwis?",
          "Kiwis are furry." + quiz("Kiwi a"))
    url = f"sqlite:///{tmp_path / 'cohort.db'}"
    result = CliRunner().invoke(main, ["simulate", "--db", url, "--learners", "8", "--days",
                                       "10", "--start", "2026-03-02", "--lessons", str(folder)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "cohort.db") as connection:
        sure = dict(connection.execute(
            "SELECT lesson_id, count(confidence) FROM answer GROUP BY lesson_id").fetchall())
        notes = connection.execute("SELECT lesson_id, answer FROM reflection").fetchall()
    assert sure["sure/one"] > 0 and sure["plain"] == 0 and sure["bare"] == 0
    assert notes
    # The track's end asks one too ("What will you do differently tomorrow?").
    about = {"plain": "pick a ripe apple by its smell", "bare": '"bare kiwis"',
             "sure/one": "peel an orange in one go"}
    assert {lesson_id for lesson_id, _ in notes} == set(about)
    for lesson_id, words in notes:
        assert about[lesson_id] in words.lower(), words
