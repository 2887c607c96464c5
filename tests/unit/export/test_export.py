"""``microlearn export``: the dashboard's columns, streamed, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from bot.content.catalog import Catalog
from bot.dashboard.pages import Dashboard, DashboardSettings, Filters
from bot.engine.engine import Engine
from bot.engine.turn import EngineSettings
from bot.export import (
    ANSWERS,
    CHECKS,
    FLAGS,
    LEARNERS,
    PROGRESS,
    RATINGS,
    Exporter,
    ExportError,
    write,
)
from bot.messages import CheckIntro, Inbound, LessonMessage, Outbound, Platform
from bot.simulate import Simulation
from storage import Database, StorageError
from storage.records import SkippedBy
from storage.tables import AnswerRow, LearnerRow, TrackCheckRow
from tests.conftest import POSTGRES_URL, SAMPLE
from tests.fakes.scratch import scratch_database

START = date(2026, 3, 2)
NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


@pytest.fixture
def cohort(database: Database, sample_catalog: Catalog) -> Database:
    """Six simulated learners over two weeks of the sample library, made by the real engine."""
    Simulation(Engine(database, sample_catalog, EngineSettings(quiz_questions=3)), seed=3) \
        .run(6, 14, START)
    return database


def exported(exporter: Exporter, kind: str, since: date | None = None) -> list[dict[str, str]]:
    out = io.StringIO()
    exporter.write(out, kind, since, "csv")
    text = out.getvalue()
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_learners_export_has_the_dashboard_learners_columns_and_values(
        cohort: Database, sample_catalog: Catalog) -> None:
    exporter = Exporter(cohort, sample_catalog, now=lambda: NOW)
    page = Dashboard(cohort, sample_catalog).build(
        "learners", Filters(START, NOW.date()), NOW)
    table = page.tables[0]
    assert LEARNERS[:len(table.columns)] == table.columns
    rows = exported(exporter, "learners")
    assert len(rows) == 6
    shown = {row[0]: row for row in table.rows}
    for row in rows:
        same = dict(zip(table.columns, shown[row["learner"]], strict=True))
        for column in table.columns:
            if column == "last action":  # the export adds the seconds
                assert row[column].startswith(str(same[column]))
            else:
                assert row[column] == str(same[column]), column


def test_answers_and_progress_start_with_the_learner_page_columns(
        cohort: Database, sample_catalog: Catalog) -> None:
    page = Dashboard(cohort, sample_catalog).build("learner", Filters(START, NOW.date()), NOW, 1)
    tables = {table.key: table.columns for table in page.tables}
    assert ANSWERS[:3] == tables["answers"]
    assert PROGRESS[:4] == tables["lessons"]
    exporter = Exporter(cohort, sample_catalog)
    answers = exported(exporter, "answers")
    with cohort.session() as session:
        stored = session.execute(select(func.count()).select_from(AnswerRow)).scalar()
    assert len(answers) == stored > 0
    first = answers[0]
    lesson = sample_catalog.get(first["lesson id"])
    assert lesson is not None
    assert first["question"].startswith(lesson.title + ": ")
    assert first["right"] in ("yes", "no") and first["choices"][0] in "12345"
    progress = exported(exporter, "progress")
    assert {row["how"] for row in progress} <= {"lesson", "lookup", "added"}
    assert all(row["delivered"] for row in progress)


def test_choices_are_numbered_as_learners_and_the_dashboard_number_them(
        database: Database, sample_catalog: Catalog) -> None:
    """Chat shows "1) ... 2) ... 3) ..." and the dashboard's choices picked say "2) ...": the
    export says 2 for the second choice (it said B), in CSV and JSON Lines alike."""
    lesson = sample_catalog.lessons()[0]
    key = lesson.questions[0].key
    with database.unit() as unit:
        learner, _ = unit.learners.enrol("slack", "U1", NOW - timedelta(days=1))
        unit.answers.record(learner.id, lesson.id, key, [1, 3], False,
                            NOW - timedelta(hours=2), "a:1")
        unit.answers.record(learner.id, lesson.id, key, [0], True, NOW - timedelta(hours=1),
                            "a:2")
    exporter = Exporter(database, sample_catalog)
    assert [row["choices"] for row in exported(exporter, "answers")] == ["2, 4", "1"]
    out = io.StringIO()
    exporter.write(out, "answers", None, "jsonl")
    assert [json.loads(line)["choices"] for line in out.getvalue().splitlines()] == [
        "2, 4", "1"]


def test_without_the_library_questions_are_not_said_to_be_gone(
        cohort: Database, tmp_path: Path) -> None:
    # Exported from another folder, every row said "(no longer in the library)".
    nothing = Catalog(tmp_path)
    nothing.load()
    [first, *_] = exported(Exporter(cohort, nothing), "answers")
    assert first["question"].endswith("(no library read)")
    assert "no longer in the library" not in first["question"]


def test_since_keeps_only_later_records(cohort: Database, sample_catalog: Catalog) -> None:
    exporter = Exporter(cohort, sample_catalog)
    every = exported(exporter, "answers")
    later = exported(exporter, "answers", START + timedelta(days=7))
    assert 0 < len(later) < len(every)
    assert all(row["when"] >= "2026-03-09" for row in later)
    assert exported(exporter, "flags", date(2027, 1, 1)) == []


def test_jsonl_is_one_object_per_row_keyed_by_column(cohort: Database,
                                                       sample_catalog: Catalog) -> None:
    out = io.StringIO()
    count = Exporter(cohort, sample_catalog).write(out, "flags", None, "jsonl")
    lines = out.getvalue().splitlines()
    assert len(lines) == count
    for line in lines:
        assert tuple(json.loads(line)) == FLAGS


def test_pseudonymous_export_shows_no_names(cohort: Database, sample_catalog: Catalog) -> None:
    exporter = Exporter(cohort, sample_catalog, DashboardSettings(pseudonymous=True))
    rows = exported(exporter, "learners")
    assert all(row["learner"] == f"learner #{row['learner id']}" for row in rows)


def test_ratings_export_each_verdict_with_its_words(database: Database,
                                                    sample_catalog: Catalog) -> None:
    engine = Engine(database, sample_catalog, EngineSettings())
    for user, verdict in (("ann", "rate not useful: too long"), ("bob", "rate up")):
        for text in ("lesson", "done", verdict):
            engine.handle(Inbound(Platform.CONSOLE, user, user, text=text, display_name=user),
                          NOW)
    rows = exported(Exporter(database, sample_catalog), "ratings")
    assert [(row["learner"], row["rated"], row["words"]) for row in rows] == [
        ("ann", "not useful", "too long"), ("bob", "useful", "")]
    lesson = sample_catalog.get(rows[0]["lesson id"])
    assert lesson is not None and rows[0]["lesson"] == lesson.title
    assert tuple(rows[0]) == RATINGS
    page = Dashboard(database, sample_catalog).build("voice", Filters(NOW.date(), NOW.date()),
                                                     NOW)
    comments = next(table for table in page.tables if table.key == "comments")
    assert RATINGS[:len(comments.columns)] == comments.columns
    with pytest.raises(ExportError, match="no export called 'grades'"):
        Exporter(database, sample_catalog).columns("grades")


def test_formulas_are_quoted_for_spreadsheets() -> None:
    out = io.StringIO()
    write(out, ("a", "b"), iter([("=HYPERLINK(1)", None)]), "csv")
    assert out.getvalue().splitlines()[1] == "'=HYPERLINK(1),"


def _many_answers(database: Database, count: int) -> None:
    with database.session() as session:
        learner = LearnerRow(platform="console", platform_user_id="many", display_name="Many",
                             created_at=NOW)
        session.add(learner)
        session.flush()
        moment = NOW - timedelta(days=365)
        rows = [{"learner_id": learner.id, "lesson_id": "security/phishing-basics",
                 "question_key": f"q{n % 40}", "choices": "1", "correct": n % 3 == 0,
                 "answered_at": moment + timedelta(minutes=n), "idempotency_key": f"k{n}",
                 "first": False, "latest": False} for n in range(count)]
        for start in range(0, count, 5000):
            session.execute(insert(AnswerRow), rows[start:start + 5000])


def _peak(exporter: Exporter) -> tuple[int, int]:
    sink = _Sink()
    tracemalloc.start()
    try:
        rows = exporter.write(sink, "answers", None, "csv")
        return rows, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class _Sink(io.StringIO):
    """Counts what is written and keeps nothing."""

    def write(self, text: str) -> int:
        return len(text)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_export_streams_a_large_table_in_flat_memory(kind: str, sample_catalog: Catalog) -> None:
    if kind == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need MICROLEARN_TEST_POSTGRES_URL (.ci/run sets it)")
    url = POSTGRES_URL if kind == "postgresql" else None
    with scratch_database(url) as small, scratch_database(url) as large:
        _many_answers(small, 2_000)
        _many_answers(large, 40_000)
        small_rows, small_peak = _peak(Exporter(small, sample_catalog))
        large_rows, large_peak = _peak(Exporter(large, sample_catalog))
    assert (small_rows, large_rows) == (2_000, 40_000)
    # Twenty times the rows, about the same memory: rows are never gathered in a list.
    assert large_peak < 2 * small_peak + 1_000_000, (small_peak, large_peak)


def test_cli_writes_the_file_whole_or_not_at_all(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    with scratch_database() as db:
        Simulation(Engine(db, _catalog(), EngineSettings(quiz_questions=3)), seed=5) \
            .run(2, 5, START)
        url = db.given_url
        runner = CliRunner()
        out = tmp_path / "answers.jsonl"
        result = runner.invoke(main, ["export", "answers", "--db", url, "--lessons", str(SAMPLE),
                                      "--format", "jsonl", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8").count("\n") > 0
        assert not (tmp_path / "answers.jsonl.partial").exists()
        failed = runner.invoke(main, ["export", "answers", "--db", url, "--out",
                                      str(tmp_path / "no-such-folder" / "r.csv")])
        assert failed.exit_code == 1
        assert "cannot write" in failed.output and "choose another --out" in failed.output


def _catalog() -> Catalog:
    catalog = Catalog(SAMPLE)
    catalog.load()
    return catalog


def test_a_missing_database_is_named_and_not_made(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    missing = tmp_path / "nope.db"
    result = CliRunner().invoke(main, ["export", "answers", "--db", f"sqlite:///{missing}"])
    assert result.exit_code == 1 and f"no database at {missing}" in result.output
    assert not missing.exists()
    # A lesson folder named and not there is a typo, not a reason to write ids for titles.
    result = CliRunner().invoke(main, ["export", "answers", "--lessons", str(tmp_path / "x")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_an_unreadable_database_writes_nothing(tmp_path: Path, sample_catalog: Catalog) -> None:
    empty = Database(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables: not upgraded
    out = io.StringIO()
    with pytest.raises(StorageError, match="is it a microlearn database"):
        Exporter(empty, sample_catalog).write(out, "answers", None, "csv")
    assert out.getvalue() == ""
    empty.dispose()


def test_a_pipe_is_written_to_and_never_replaced(tmp_path: Path, sample_catalog: Catalog) -> None:
    import os
    import stat
    import threading

    from bot.export import open_output

    fifo = tmp_path / "rows"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    with open_output(str(fifo)) as out:
        write(out, ("a",), iter([("x",)]), "jsonl")
    reader.join(5)
    assert got == ['{"a": "x"}\n']
    assert stat.S_ISFIFO(fifo.stat().st_mode) and not (tmp_path / "rows.partial").exists()


def test_a_file_written_over_keeps_its_mode_and_a_link_its_link(tmp_path: Path) -> None:
    """A file of learners' names made private stays private; a link keeps pointing where
    it did, at the new rows; a read-only file is refused, not replaced."""
    import pytest

    from bot.export import ExportError, open_output

    private = tmp_path / "private.csv"
    private.write_text("old\n", encoding="utf-8")
    private.chmod(0o600)
    with open_output(str(private)) as out:
        out.write("new\n")
    assert private.read_text(encoding="utf-8") == "new\n"
    assert private.stat().st_mode & 0o777 == 0o600

    target = tmp_path / "data" / "answers.csv"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    with open_output(str(link)) as out:
        out.write("new\n")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new\n"

    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    with pytest.raises(ExportError, match="leads nowhere"), open_output(str(loop)) as out:
        out.write("new\n")

    frozen = tmp_path / "frozen.csv"
    frozen.write_text("keep\n", encoding="utf-8")
    frozen.chmod(0o444)
    with pytest.raises(ExportError, match="read-only"), open_output(str(frozen)) as out:
        out.write("new\n")
    assert frozen.read_text(encoding="utf-8") == "keep\n"


def test_times_are_utc_as_each_format_reads_them() -> None:
    """CSV: what a spreadsheet reads as a date and time (the columns are UTC); JSON Lines:
    ISO 8601 with its zone, so a warehouse does not take them for local times."""
    from datetime import timezone

    from bot.export import stamp, write

    berlin = timezone(timedelta(hours=1))
    rows = [(stamp(datetime(2026, 3, 2, 10, 30, tzinfo=berlin)), stamp(None)),
            (stamp(datetime(2026, 3, 2, 9, 30)), "x")]  # naive: stored as UTC
    as_csv, as_jsonl = io.StringIO(), io.StringIO()
    write(as_csv, ("when", "other"), iter(rows), "csv")
    write(as_jsonl, ("when", "other"), iter(rows), "jsonl")
    assert as_csv.getvalue().lstrip("\ufeff").splitlines() == [
        "when,other", "2026-03-02 09:30:00,", "2026-03-02 09:30:00,x"]
    assert [json.loads(line) for line in as_jsonl.getvalue().splitlines()] == [
        {"when": "2026-03-02T09:30:00Z", "other": None},
        {"when": "2026-03-02T09:30:00Z", "other": "x"}]


def test_checks_export_one_row_per_learner_track_and_check_with_how_it_ended(
        database: Database, sample_catalog: Catalog) -> None:
    engine = Engine(database, sample_catalog, EngineSettings())
    users = ("ann", "bob", "cat", "dan", "eve")
    for user in users:
        engine.handle(Inbound(Platform.CONSOLE, user, user, text="hi", display_name=user), NOW)
    questions = [("security/spot-phishing", "a"), ("security/use-mfa", "b"),
                 ("security/phone-chat-scams", "c"), ("security/updates-and-data", "d")]
    later = NOW + timedelta(days=10)
    with database.unit() as unit:
        ids = {user: unit.learners.find("console", user).id for user in users}  # type: ignore[union-attr]
        for user in users:
            unit.checks.start(ids[user], "security-basics", "pre", questions, NOW)
        for correct in (True, False, False, False):  # ann: 1 of 4 before, 3 of 4 after
            unit.checks.answer(ids["ann"], "security-basics", "pre", correct)
        unit.checks.finish(ids["ann"], "security-basics", "pre", NOW)
        unit.checks.start(ids["ann"], "security-basics", "post", questions, later)
        for correct in (True, True, True, False):
            unit.checks.answer(ids["ann"], "security-basics", "post", correct)
        unit.checks.finish(ids["ann"], "security-basics", "post", later)
        unit.checks.finish(ids["bob"], "security-basics", "pre", NOW, SkippedBy.LEARNER)
        unit.checks.finish(ids["cat"], "security-basics", "pre", later, SkippedBy.PUSH)
        unit.checks.answer(ids["dan"], "security-basics", "pre", True)  # dan: still open
        unit.checks.finish(ids["eve"], "security-basics", "pre", NOW, SkippedBy.LEARNER)
    with database.session() as session:  # eve's ended before schema 0020 kept who ended it
        session.execute(update(TrackCheckRow).where(TrackCheckRow.learner_id == ids["eve"])
                        .values(skipped_by=None))
        session.commit()
    exporter = Exporter(database, sample_catalog)
    rows = exported(exporter, "checks")
    assert tuple(rows[0]) == CHECKS
    assert [(row["learner"], row["check"], row["ended as"], row["right"], row["questions"],
             row["score"], row["normalised gain"]) for row in rows] == [
        ("ann", "baseline", "scored", "1", "4", "0.25", ""),
        ("ann", "endline", "scored", "3", "4", "0.75", "0.6667"),
        ("bob", "baseline", "skipped", "0", "4", "", ""),
        ("cat", "baseline", "set aside", "0", "4", "", ""),
        ("dan", "baseline", "open", "1", "4", "", ""),
        ("eve", "baseline", "skipped or set aside", "0", "4", "", "")]
    assert {row["track"] for row in rows} == {"Security basics"}
    assert {row["track id"] for row in rows} == {"security-basics"}
    assert rows[0]["began"] == rows[0]["ended"] == "2026-03-20 12:00:00"
    assert rows[4]["ended"] == ""
    # --since: checks begun or ended from that day; an endline keeps its baseline's gain.
    since = exported(exporter, "checks", (NOW + timedelta(days=1)).date())
    assert [(row["learner"], row["check"], row["normalised gain"]) for row in since] == [
        ("ann", "endline", "0.6667"), ("cat", "baseline", "")]
    out = io.StringIO()
    Exporter(database, sample_catalog, DashboardSettings(pseudonymous=True)).write(
        out, "checks", None, "jsonl")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["learner"] for line in lines] == [
        f"learner #{ids[user]}" for user in ("ann", "ann", "bob", "cat", "dan", "eve")]
    assert (lines[1]["score"], lines[1]["normalised gain"], lines[1]["ended"]) == (
        0.75, 0.6667, "2026-03-30T12:00:00Z")
    assert (lines[4]["score"], lines[4]["ended"]) == (None, None)


def test_checks_export_has_the_baseline_the_engine_began_and_how_the_learner_ended_it(
        database: Database, sample_catalog: Catalog) -> None:
    engine = Engine(database, sample_catalog, EngineSettings())

    def say(user: str, text: str) -> list[Outbound]:
        return engine.handle(Inbound(Platform.CONSOLE, user, user, text=text,
                                     display_name=user), NOW)

    for user in ("ann", "bob"):
        say(user, "topics security")
        assert isinstance(say(user, "lesson")[0], CheckIntro)
    assert isinstance(say("bob", "skip check")[-1], LessonMessage)
    rows = exported(Exporter(database, sample_catalog), "checks")
    assert [(row["learner"], row["track"], row["check"], row["ended as"], row["right"],
             row["questions"], row["ended"]) for row in rows] == [
        ("ann", "Security basics", "baseline", "open", "0", "4", ""),
        ("bob", "Security basics", "baseline", "skipped", "0", "4", "2026-03-20 12:00:00")]


def _named_cohort(tmp_path: Path) -> str:
    """A SQLite file of two simulated learners (with names), and its URL."""
    url = f"sqlite:///{tmp_path / 'cohort.db'}"
    database = Database(url)
    from storage import upgrade
    upgrade(database)
    Simulation(Engine(database, _catalog(), EngineSettings(quiz_questions=3)), seed=5) \
        .run(2, 3, START)
    database.dispose()
    return url


def test_db_given_beside_a_pseudonymous_config_keeps_names_hidden(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # --db had made the command skip ./config.toml, and real names came out without a word.
    from click.testing import CliRunner

    from bot.cli import main

    url = _named_cohort(tmp_path)
    here = tmp_path / "here"
    here.mkdir()
    (here / "config.toml").write_text(
        f'[lessons]\ndir = "{SAMPLE}"\n[storage]\nurl = "sqlite:///{tmp_path}/other.db"\n'
        "[dashboard]\npseudonymous = true\n", encoding="utf-8")
    monkeypatch.chdir(here)
    runner = CliRunner()
    result = runner.invoke(main, ["export", "learners", "--db", url])
    assert result.exit_code == 0, result.output
    learners = [row["learner"] for row in csv.DictReader(io.StringIO(result.stdout[1:]))]
    assert len(learners) == 2 and all(name.startswith("learner #") for name in learners)
    assert "reading config.toml" in result.stderr
    assert "showing learners' names" not in result.stderr
    # --config and --db together: the config's settings, --db's database.
    monkeypatch.chdir(tmp_path)
    both = runner.invoke(main, ["export", "answers", "--db", url,
                                "--config", str(here / "config.toml")])
    assert both.exit_code == 0, both.output
    rows = list(csv.DictReader(io.StringIO(both.stdout[1:])))
    assert rows and all(row["learner"].startswith("learner #") for row in rows)


def test_names_shown_without_a_config_are_said_once_and_pseudonymous_hides_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    url = _named_cohort(tmp_path)
    monkeypatch.chdir(tmp_path)  # no config.toml here
    runner = CliRunner()
    named = runner.invoke(main, ["export", "learners", "--db", url, "--lessons", str(SAMPLE)])
    assert named.exit_code == 0, named.output
    learners = [row["learner"] for row in csv.DictReader(io.StringIO(named.stdout[1:]))]
    assert not any(name.startswith("learner #") for name in learners)
    assert named.stderr.count("showing learners' names: no config with pseudonymous found; "
                              "pass --config or --pseudonymous") == 1
    hidden = runner.invoke(main, ["export", "learners", "--db", url, "--lessons", str(SAMPLE),
                                  "--pseudonymous"])
    assert hidden.exit_code == 0, hidden.output
    learners = [row["learner"] for row in csv.DictReader(io.StringIO(hidden.stdout[1:]))]
    assert all(name.startswith("learner #") for name in learners)
    assert "showing learners' names" not in hidden.stderr


def test_a_new_export_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """Learners' names and words had been written with the umask's mode (0644): readable by
    anyone on the machine, where `mydata` writes 0600."""
    import os

    from bot.export import open_output

    before = os.umask(0o022)
    try:
        made = tmp_path / "answers.csv"
        with open_output(str(made)) as out:
            out.write("new\n")
            [partial] = tmp_path.glob("answers.csv.*.partial")
            assert partial.stat().st_mode & 0o777 == 0o600
        assert made.stat().st_mode & 0o777 == 0o600
        stale = tmp_path / "again.csv.partial"  # left by a killed export, world-readable
        stale.write_text("old\n", encoding="utf-8")
        stale.chmod(0o644)
        with open_output(str(tmp_path / "again.csv")) as out:
            out.write("new\n")
        assert (tmp_path / "again.csv").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(before)


def test_a_link_planted_at_the_partial_name_is_never_followed(tmp_path: Path) -> None:
    """In a folder others may write to, a link at "FILE.partial" had the export overwrite
    (and chmod) the file it pointed to (a security review's). The file written under way
    has a name of its own, made new; a link given as --out itself is still followed."""
    from bot.export import open_output

    victim = tmp_path / "victim.txt"
    victim.write_text("IMPORTANT\n", encoding="utf-8")
    victim.chmod(0o644)
    (tmp_path / "out.csv.partial").symlink_to(victim)
    with open_output(str(tmp_path / "out.csv")) as out:
        out.write("rows\n")
    assert victim.read_text(encoding="utf-8") == "IMPORTANT\n"
    assert victim.stat().st_mode & 0o777 == 0o644
    out_file = tmp_path / "out.csv"
    assert not out_file.is_symlink() and out_file.read_text(encoding="utf-8") == "rows\n"
    assert (tmp_path / "out.csv.partial").is_symlink()  # not ours: left as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.csv.partial",
                                                          "victim.txt"]
    with pytest.raises(RuntimeError), open_output(str(tmp_path / "failed.csv")) as out:
        out.write("half\n")
        raise RuntimeError("the database went away")
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # nothing half-written is left
        "out.csv", "out.csv.partial", "victim.txt"]
