"""The command line as a trainer and a script use it (DESIGN §3), run in a real subprocess."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import DATA, SAMPLE


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, cwd=cwd, timeout=60, check=False)


def test_check_good_folder_exits_0_with_summary_last() -> None:
    result = run("lessons", "check", str(SAMPLE))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1  # no problem lines, only the summary
    assert lines[-1].startswith("28 files, 28 lessons, 84 questions, 4 tracks: 0 errors, 0 warnings")


def test_check_names_the_files_it_leaves_out(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE / "security", tmp_path / "security")
    page = "# _exit - terminate the calling process\n\nEnds the process at once.\n"
    (tmp_path / "_exit.2.md").write_text(page, encoding="utf-8")
    (tmp_path / "_drafts").mkdir()
    (tmp_path / "_drafts" / "idea.md").write_text(page, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.md").write_text(page, encoding="utf-8")
    result = run("lessons", "check", str(tmp_path))
    assert result.returncode == 0, result.stdout
    lines = result.stdout.strip().splitlines()
    assert lines[-2] == ("note: 2 files left out, as names starting with '_' (or in such a "
                         "folder) are not lessons: _drafts/idea.md, _exit.2.md; rename to "
                         "serve them")
    single = run("lessons", "check", str(tmp_path / "_exit.2.md"))
    assert single.returncode == 0 and "is not served from a lesson folder" in single.stdout


def test_check_bad_folder_exits_1_and_prints_path_line_message() -> None:
    result = run("lessons", "check", str(DATA / "bad"))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert f"{DATA / 'bad' / 'no-correct-choice.md'}:7: error: question 'Which one is right?'" \
        in "\n".join(lines)
    assert lines[-1] == "16 files, 1 lesson, 0 questions, 0 tracks: 15 errors, 1 warning"
    problem_lines = lines[:-1]
    assert all(line.split(":")[1].isdigit() for line in problem_lines)


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    shutil.copy(DATA / "bad" / "unknown-key.md", tmp_path)
    result = run("lessons", "check", str(tmp_path))
    assert result.returncode == 0
    assert "unknown-key.md:3: warning:" in result.stdout


def test_check_defaults_to_the_lessons_folder(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE / "git", tmp_path / "lessons" / "git")
    result = run("lessons", "check", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("7 files, 7 lessons")


def test_check_and_watch_take_the_lesson_folder_the_config_names(tmp_path: Path) -> None:
    """A trainer whose config.toml sets [lessons] dir had ./lessons checked (or nothing)."""
    shutil.copytree(SAMPLE / "git", tmp_path / "content" / "git")
    (tmp_path / "config.toml").write_text('[lessons]\ndir = "content"\n', encoding="utf-8")
    here = run("lessons", "check", cwd=tmp_path)
    assert here.returncode == 0, here.stdout + here.stderr
    assert here.stdout.splitlines() == [
        "note: checked the lesson folder content ([lessons] dir in config.toml); give a FOLDER "
        "or --lessons DIR to choose another",
        "7 files, 7 lessons, 21 questions, 1 track: 0 errors, 0 warnings"]
    one = run("lessons", "check", "content/git/branches.md", cwd=tmp_path)
    assert "note: checked with the lesson folder content ([lessons] dir in config.toml) " \
        "(7 files)" in one.stdout, one.stdout + one.stderr
    # --config names another file; --lessons (or a FOLDER) given wins over any config.
    (tmp_path / "other.toml").write_text('[lessons]\ndir = "nope"\n', encoding="utf-8")
    other = run("lessons", "check", "--config", "other.toml", cwd=tmp_path)
    assert other.returncode == 1 and "lesson folder 'nope' ([lessons] dir in other.toml) " \
        "does not exist" in other.stderr
    watched = run("lessons", "watch", "--config", "other.toml", cwd=tmp_path)
    assert watched.returncode == 1 and "[lessons] dir in other.toml" in watched.stderr
    given = run("lessons", "check", "--config", "other.toml", "--lessons", "content",
                cwd=tmp_path)
    assert given.returncode == 0 and given.stdout.startswith("7 files"), given.stderr


def test_show_lookup_and_simulate_take_the_lesson_folder_the_config_names(
        tmp_path: Path) -> None:
    """They still read ./lessons while check and watch read the config's [lessons] dir."""
    shutil.copytree(SAMPLE / "git", tmp_path / "content" / "git")
    (tmp_path / "config.toml").write_text('[lessons]\ndir = "content"\n', encoding="utf-8")
    shown = run("lessons", "show", "git/branches", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "note: read the lesson folder content ([lessons] dir in config.toml)" in shown.stderr
    found = run("lookup", "--lexical", "--json", "--cache", str(tmp_path / "cache"),
                "git branch", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["results"][0]["path"].startswith("git/")  # no note in it
    made = run("simulate", "--db", f"sqlite:///{tmp_path / 'c.db'}", "--learners", "1",
               "--days", "1", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "note: lessons from content ([lessons] dir in config.toml)" in made.stderr
    # A dir that is not there is refused with the setting named; --lessons given wins.
    (tmp_path / "other.toml").write_text('[lessons]\ndir = "nope"\n', encoding="utf-8")
    for command in (["lessons", "show", "git/branches"], ["lookup", "--lexical", "git"],
                    ["simulate", "--db", "sqlite://"]):
        refused = run(*command, "--config", "other.toml", cwd=tmp_path)
        assert refused.returncode == 1 and "lesson folder 'nope' ([lessons] dir in " \
            "other.toml) does not exist" in refused.stderr, (command, refused.stderr)
    given = run("lessons", "show", "--config", "other.toml", "--lessons", "content",
                "git/branches", cwd=tmp_path)
    assert given.returncode == 0 and "note:" not in given.stderr, given.stderr


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = run("lessons", "check", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_lookup_json_one_object_per_query_from_stdin() -> None:
    queries = "how do I spot a fake login mail\n\nweather in paris tomorrow\npasword\n"
    result = run("lookup", "--lessons", str(SAMPLE), "--json", "--limit", "2", "-", stdin=queries)
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["q"] for o in objects] == [
        "how do I spot a fake login mail", "weather in paris tomorrow", "pasword"]
    first = objects[0]
    assert first["results"][0] == {
        "id": "security/spot-phishing", "path": "security/spot-phishing.md",
        "title": "Spot a phishing email in ten seconds", "score": first["results"][0]["score"],
        "confidence": first["results"][0]["confidence"],
    }
    assert 0.0 < first["results"][0]["confidence"] <= 1.0
    assert isinstance(first["ms"], float) and first["ms"] >= 0
    assert all(len(o["results"]) <= 2 for o in objects)
    assert objects[1]["results"] == []
    assert objects[2]["corrections"] == {"pasword": "password"}
    # How the bot replies: sure, with a hedge under 0.8, or with no lesson.
    assert [o["reply"] for o in objects] == [
        ("hedged" if o["results"][0]["confidence"] < 0.8 else "sure") if o["results"]
        else "none" for o in objects]
    assert objects[0]["reply"] == "sure" and objects[1]["reply"] == "none"


def test_lookup_says_which_answers_the_bot_hedges_and_refuses_empty_words() -> None:
    hedged = run("lookup", "--lessons", str(SAMPLE), "--json", "pishing")
    assert hedged.returncode == 0, hedged.stderr
    found = json.loads(hedged.stdout)
    assert found["reply"] == "hedged" and found["results"][0]["confidence"] < 0.8
    text = run("lookup", "--lessons", str(SAMPLE), "pishing")
    assert "the bot answers with a hedge" in text.stdout
    empty = run("lookup", "--lessons", str(SAMPLE), "--json", " ")
    assert empty.returncode == 2 and "give the words a learner would ask" in empty.stderr


def test_lookup_lexical_and_a_bar_of_one_stays_silent() -> None:
    result = run("lookup", "--lessons", str(SAMPLE), "--json", "--lexical",
                 "--min-confidence", "1", "how do I spot a fake login mail")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"] == []
    bad = run("lookup", "--lessons", str(SAMPLE), "--min-confidence", "2", "x")
    assert bad.returncode == 2 and "min-confidence" in bad.stderr


def test_lookup_takes_the_trainers_lookup_settings_from_a_config(tmp_path: Path) -> None:
    strict = tmp_path / "config.toml"
    strict.write_text("[lookup]\nsemantic = false\nmin_confidence = 1.0\n", encoding="utf-8")
    query = "how do I spot a fake login mail"
    silent = run("lookup", "--lessons", str(SAMPLE), "--json", "--config", str(strict), query)
    assert silent.returncode == 0, silent.stderr
    assert json.loads(silent.stdout)["results"] == []  # the config's bar, words only
    answered = run("lookup", "--lessons", str(SAMPLE), "--json", "--config", str(strict),
                   "--min-confidence", "0", query)
    assert json.loads(answered.stdout)["results"][0]["id"] == "security/spot-phishing"
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("[lookup]\nmin_confidence = 2\n", encoding="utf-8")
    bad = run("lookup", "--lessons", str(SAMPLE), "--config", str(wrong), query)
    assert bad.returncode == 1 and "lookup.min_confidence" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_lookup_takes_its_settings_from_the_config_toml_it_takes_its_folder_from(
        tmp_path: Path) -> None:
    """Without --config, ./config.toml gave lookup its lesson folder but not its [lookup]
    settings: a trainer's bar, set there, was not the one tried."""
    (tmp_path / "config.toml").write_text(
        f'[lessons]\ndir = "{SAMPLE.as_posix()}"\n[lookup]\nsemantic = false\n'
        'min_confidence = 1.0\n', encoding="utf-8")
    query = "how do I spot a fake login mail"
    silent = run("lookup", "--json", query, cwd=tmp_path)
    assert silent.returncode == 0, silent.stderr
    assert json.loads(silent.stdout)["results"] == []  # the config's bar, words only
    answered = run("lookup", "--json", "--min-confidence", "0", query, cwd=tmp_path)
    assert json.loads(answered.stdout)["results"][0]["id"] == "security/spot-phishing"


def test_lookup_cache_setting_expands_home_and_takes_a_folder(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    config = work / "config.toml"
    config.write_text('[lookup]\nsemantic = false\ncache = "~/caches/v.sqlite3"\n',
                      encoding="utf-8")
    env = {**os.environ, "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "lookup", "--lessons", str(SAMPLE), "--config",
         str(config), "phishing"], text=True, capture_output=True, cwd=work, env=env,
        timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "caches" / "v.lessons.sqlite3").is_file()
    assert not (work / "~").exists()  # was a folder literally named "~"
    folder = tmp_path / "in-here"
    folder.mkdir()
    result = run("lookup", "--lessons", str(SAMPLE), "--lexical", "--cache", str(folder),
                 "phishing")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["vectors.lessons.sqlite3"]
    assert not (tmp_path / "in-here.lessons.sqlite3").exists()


def test_a_first_lookup_shows_the_embedding_progress_without_verbose(tmp_path: Path) -> None:
    cold = run("lookup", "--lessons", str(SAMPLE), "--cache", str(tmp_path), "phishing")
    assert cold.returncode == 0, cold.stderr
    assert "embedding 84 lesson texts for lookup by meaning" in cold.stderr
    assert "embedded 84 lesson texts in" in cold.stderr
    warm = run("lookup", "--lessons", str(SAMPLE), "--cache", str(tmp_path), "phishing")
    assert "embedding" not in warm.stderr and warm.stdout == cold.stdout


def test_lookup_refuses_nan_for_a_bar() -> None:
    result = run("lookup", "--lessons", str(SAMPLE), "--min-confidence", "nan", "x")
    assert result.returncode == 2 and "nan is not a number" in result.stderr


def test_lookup_raises_its_bar_to_refuse_unrelated_questions_unless_told_not_to(
        tmp_path: Path) -> None:
    # The sample library, with meaning: refusing 97% of the built-in unrelated questions puts
    # the bar at about 0.72, over this (right) answer's confidence of about 0.52; 0 leaves the
    # calibrated bar.
    query = "my inbox is overflowing, what do I do"
    common = ("lookup", "--lessons", str(SAMPLE), "--json", "--cache", str(tmp_path))
    strict = run(*common, "--refuse-unrelated", "0.97", query)
    assert strict.returncode == 0, strict.stderr
    plain = run(*common, "--refuse-unrelated", "0", query)
    [answer] = json.loads(plain.stdout)["results"][:1]
    assert answer["id"] == "productivity/inbox-triage" and answer["confidence"] < 0.7
    assert json.loads(strict.stdout)["results"] == []
    bad = run("lookup", "--lessons", str(SAMPLE), "--refuse-unrelated", "nan", "x")
    assert bad.returncode == 2 and "nan is not a number" in bad.stderr


def test_lookup_text_output_offers_did_you_mean() -> None:
    result = run("lookup", "--lessons", str(SAMPLE), "password rotation schedule for printers")
    assert result.returncode == 0
    assert "No lesson answers that: " in result.stdout and "Did you mean:" in result.stdout


def test_a_lookup_refusal_names_the_best_lessons_confidence_and_the_bar_it_fell_under(
        tmp_path: Path) -> None:
    """"No lesson answers that." had not said which setting to change to get an answer."""
    import re

    query = "how do I spot a fake login mail"
    calibrated = run("lookup", "--lessons", str(SAMPLE), "--lexical", "--min-confidence", "1",
                     query)
    assert calibrated.returncode == 0, calibrated.stderr
    assert re.search(r"the best, Spot a phishing email in ten seconds \[security/spot-phishing\]"
                     r", has confidence \d+%, under the bar of 100% \(\[lookup\] min_confidence, "
                     r"or --min-confidence: lower it", calibrated.stdout), calibrated.stdout
    floor = run("lookup", "--lessons", str(SAMPLE), "--cache", str(tmp_path),
                "--refuse-unrelated", "0.97", "my inbox is overflowing, what do I do")
    assert re.search(r"\[productivity/inbox-triage\], has confidence \d+%, under the bar of \d+%, "
                     r"this library's floor, which refuses 97% of built-in questions no library "
                     r"answers \(\[lookup\] refuse_unrelated", floor.stdout), floor.stdout
    nothing = run("lookup", "--lessons", str(SAMPLE), "--lexical", "zzqx blorf")
    assert "none shares a word with it or comes close in meaning" in nothing.stdout


def test_lookup_takes_its_words_unquoted_and_names_a_folder_given_in_their_place() -> None:
    result = run("lookup", "--lexical", "--lessons", str(SAMPLE), "spot", "a", "phishing",
                 "email")
    assert result.returncode == 0 and "Spot a phishing email" in result.stdout
    # With --lessons given, a first word that names a folder here is a word of the question.
    result = run("lookup", "--lexical", "--lessons", ".", "git", "merge", "conflict",
                 cwd=SAMPLE)
    assert result.returncode == 0 and "Merging and fixing a merge conflict" in result.stdout
    result = run("lookup", str(SAMPLE), "no-show fee")  # a reviewer's first try
    assert result.returncode == 2
    assert f"'{SAMPLE}' is a folder: give the lesson folder with --lessons, like microlearn " \
        f"lookup --lessons {SAMPLE} \"no-show fee\"" in " ".join(result.stderr.split())


def test_lookup_rejects_a_bad_limit() -> None:
    result = run("lookup", "--lessons", str(SAMPLE), "--limit", "0", "x")
    assert result.returncode == 2 and "--limit" in result.stderr


def test_show_names_the_errors_that_keep_a_lesson_out_of_service(tmp_path: Path) -> None:
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "bad.md").write_text("---\ntitle: Bad\nminutes: 90\n---\nBody\n")
    result = run("lessons", "show", "--lessons", str(tmp_path), "desk/bad")
    assert result.returncode == 1
    assert "'desk/bad.md' has 1 error and is not served; the first: desk/bad.md:3: 'minutes' " \
        "must be between 1 and 60, not 90" in " ".join(result.stderr.split())


def test_show_prints_the_lesson_with_the_right_answers_marked() -> None:
    result = run("lessons", "show", "--lessons", str(SAMPLE), "git/branches")
    assert result.returncode == 0
    assert "track: git-basics #3" in result.stdout and "  * " in result.stdout


def test_show_says_a_tracks_questions_ask_how_sure(tmp_path: Path) -> None:
    """`confidence: true` had been left out of what `show` says, while `check` was shown."""
    from click.testing import CliRunner

    from bot.cli import main
    (tmp_path / "first.md").write_text(
        "---\ntitle: First\ntrack: basics\norder: 1\nconfidence: true\n---\nText.\n\n"
        "## Quiz\n\n### Which?\n- [x] This\n- [ ] That\n", encoding="utf-8")
    (tmp_path / "plain.md").write_text("# Plain\n\nText.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["lessons", "show", "--lessons", str(tmp_path), "first"])
    assert result.exit_code == 0, result.output
    assert "Asks how sure: the track's one-answer review questions ask sure / think so / " \
        "guessing with the answer" in result.output.splitlines()
    plain = CliRunner().invoke(main, ["lessons", "show", "--lessons", str(tmp_path), "plain"])
    assert plain.exit_code == 0 and "how sure" not in plain.output


def test_show_says_which_question_keys_are_written_and_which_come_from_words(
        tmp_path: Path) -> None:
    """docs/lesson-format.md says: before rewording a question, write the key `show` prints on
    its heading. Written so, it had still been shown as "(from its words)", with the advice to
    write it: the trainer could not see the first step taken."""
    from click.testing import CliRunner

    from bot.cli import main
    from bot.content.parser import question_key
    typo = "Wich port does SSH use?"
    page = ("---\ntitle: SSH\n---\nText.\n\n## Quiz\n\n### {q}\n- [x] 22\n- [ ] 80\n\n"
            "### Which key type is the default? {{#key-type}}\n- [x] ed25519\n- [ ] rsa\n")
    (tmp_path / "ssh.md").write_text(page.format(q=typo), encoding="utf-8")
    before = CliRunner().invoke(main, ["lessons", "show", "--lessons", str(tmp_path), "ssh"])
    assert before.exit_code == 0, before.output
    lines = before.output.splitlines()
    assert f"  key: {question_key(typo)} (from its words)" in lines
    assert "  key: key-type" in lines and "kept by its key" in before.output
    # The first step taken: its key written as show printed it.
    (tmp_path / "ssh.md").write_text(page.format(q=f"{typo} {{#{question_key(typo)}}}"),
                                     encoding="utf-8")
    after = CliRunner().invoke(main, ["lessons", "show", "--lessons", str(tmp_path), "ssh"])
    assert after.exit_code == 0, after.output
    assert f"  key: {question_key(typo)}" in after.output.splitlines()
    assert "from its words" not in after.output and "kept by its key" not in after.output


def test_show_unknown_id_suggests_close_ids() -> None:
    result = run("lessons", "show", "--lessons", str(SAMPLE), "git/branchs")
    assert result.returncode == 1 and "did you mean: git/branches" in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_watch_reports_changes_as_you_save_and_stops_on_ctrl_c(
    tmp_path: Path, signum: signal.Signals
) -> None:
    (tmp_path / "a.md").write_text("# Apple\n\nAbout apples.\n", encoding="utf-8")
    # Started with SIGINT ignored, as a shell starts a background job: Ctrl-C must still stop it.
    process = subprocess.Popen([sys.executable, "-m", "bot", "lessons", "watch", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()],
                     daemon=True).start()
    try:
        assert lines.get(timeout=20).startswith("1 file, 1 lesson,")
        assert lines.get(timeout=20).startswith("watching")
        (tmp_path / "b.md").write_text("# Bad\n\n## Quiz\n\n### Q?\n- [ ] a\n- [ ] b\n",
                                       encoding="utf-8")
        assert lines.get(timeout=20).startswith(f"{tmp_path / 'b.md'}:5: error: question 'Q?'")
        assert lines.get(timeout=20).startswith("2 files, 1 lesson,")
        # Broken, then put back as it was: the lesson served never changed, but the fix is
        # news (the screen had said "1 error" until another file changed).
        (tmp_path / "a.md").write_text("---\norder: two\n---\n# Apple\n\nAbout apples.\n",
                                       encoding="utf-8")
        assert lines.get(timeout=20).startswith(f"{tmp_path / 'a.md'}:2: error:")
        lines.get(timeout=20)  # the summary
        (tmp_path / "a.md").write_text("# Apple\n\nAbout apples.\n", encoding="utf-8")
        assert lines.get(timeout=20) == f"fixed: {tmp_path / 'a.md'} (served as it is now)\n"
        assert "0 errors" not in lines.get(timeout=20)  # b.md is still broken
        # A broken file deleted: its errors are gone, which had been said by nothing at all.
        (tmp_path / "b.md").unlink()
        assert lines.get(timeout=20) == f"removed: {tmp_path / 'b.md'} (it had errors)\n"
        assert lines.get(timeout=20).startswith("1 file, 1 lesson, 0 questions, 0 tracks: 0 errors")
    finally:
        process.send_signal(signum)
        process.wait(timeout=10)
    assert process.returncode == 0


def test_check_one_file() -> None:
    result = run("lessons", "check", str(DATA / "bad" / "no-correct-choice.md"))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{DATA / 'bad' / 'no-correct-choice.md'}:7: error: question 'Which one is right?' has "
        "no correct choice; mark the right answer as '- [x] ...'",
        f"note: checked with the lesson folder {DATA / 'bad'} (16 files); give --lessons DIR "
        "to choose another",
        "1 file, 0 lessons, 0 questions: 1 error, 0 warnings",
    ]


def test_show_takes_a_lesson_files_path_in_the_folder_or_anywhere(tmp_path: Path) -> None:
    inside = run("lessons", "show", "--lessons", str(SAMPLE), str(SAMPLE / "git" / "branches.md"))
    assert inside.returncode == 0 and "id: git/branches" in inside.stdout
    (tmp_path / "draft.md").write_text("# Draft\n\nSome text.\n", encoding="utf-8")
    alone = run("lessons", "show", str(tmp_path / "draft.md"))  # no lessons/ folder needed
    assert alone.returncode == 0 and alone.stdout.startswith("Draft\n")
    # Its id and topic are those of a file at a folder's top: said, with how to see the others.
    assert "id: draft | topic: general" in alone.stdout
    assert "give the folder: microlearn lessons show --lessons FOLDER" in alone.stderr
    assert "Read on its own" not in inside.stderr
    bad = run("lessons", "show", str(DATA / "bad" / "no-correct-choice.md"))
    assert bad.returncode == 1 and "has 1 error and is not served" in bad.stderr
    assert "no-correct-choice.md:7:" in bad.stderr


def test_one_file_checked_alone_gets_the_errors_between_it_and_the_others(
        tmp_path: Path) -> None:
    """Its folder is read with it: an id taken twice is on the file that is not served, as in
    the whole folder's check (it had been compared with nothing, and passed)."""
    (tmp_path / "a.md").write_text("---\nid: same\n---\n# A\n\nText.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("---\nid: same\n---\n# B\n\nText.\n", encoding="utf-8")
    os.utime(tmp_path / "a.md", (1_700_000_000, 1_700_000_000))  # a.md is the older
    folder = run("lessons", "check", str(tmp_path))
    alone = run("lessons", "check", str(tmp_path / "b.md"))
    assert folder.returncode == alone.returncode == 1
    [line] = [line for line in folder.stdout.splitlines() if "duplicate lesson id" in line]
    assert line.startswith(f"{tmp_path / 'b.md'}:2: error:")
    assert "(also used by 'a.md'): learners get that one, not this; give this lesson " \
        "another 'id:'" in line
    note = (f"note: checked with the lesson folder {tmp_path} (2 files); give --lessons DIR to "
            "choose another")
    assert alone.stdout.splitlines() == [
        line, note, "1 file, 0 lessons, 0 questions: 1 error, 0 warnings"]
    other = run("lessons", "check", str(tmp_path / "a.md"))
    assert other.returncode == 0 and other.stdout.splitlines() == [
        note, "1 file, 1 lesson, 0 questions: 0 errors, 0 warnings"]


def test_one_file_checked_alone_has_its_links_looked_up_in_its_lesson_folder(
        tmp_path: Path) -> None:
    """A link to a draft, or to a file with errors, had been warned of only when the whole
    folder was checked. The lesson folder is ./lessons when the file is in it, else the file's
    own folder."""
    page = ("# Apple\n\nSee [the draft](b.md), [broken](c.md), [gone](nothere.md) and "
            "[pears](../fruit/pears.md).\n")
    lessons = tmp_path / "lessons"
    (lessons / "sec").mkdir(parents=True)
    (lessons / "fruit").mkdir()
    (lessons / "sec" / "a.md").write_text(page, encoding="utf-8")
    (lessons / "sec" / "b.md").write_text("---\ndraft: true\n---\n# Bee\n\nBees.\n",
                                          encoding="utf-8")
    (lessons / "sec" / "c.md").write_text("---\norder: x\n---\n# C\n\nCees.\n",
                                          encoding="utf-8")
    (lessons / "fruit" / "pears.md").write_text("---\ndraft: true\n---\n# Pears\n\nPears.\n",
                                                encoding="utf-8")
    folder = run("lessons", "check", cwd=tmp_path)
    on_a = [line for line in folder.stdout.splitlines() if line.startswith("lessons/sec/a.md:")]
    assert len(on_a) == 4, folder.stdout  # two drafts, a file with errors, a file not there
    alone = run("lessons", "check", "lessons/sec/a.md", cwd=tmp_path)
    assert alone.returncode == 0, alone.stdout
    assert alone.stdout.splitlines() == [
        *on_a, "note: checked with the lesson folder lessons (4 files); give --lessons DIR to "
        "choose another", "1 file, 1 lesson, 0 questions: 0 errors, 4 warnings"]
    # Elsewhere than ./lessons, its own folder is the lesson folder.
    shutil.move(lessons / "sec", tmp_path / "sec")
    apart = run("lessons", "check", str(tmp_path / "sec" / "a.md"), cwd=tmp_path)
    said = apart.stdout
    assert "'sec/b.md' is a draft" not in said and "'b.md' is a draft" in said
    assert "'c.md' has errors and is not served" in said
    assert "c.md:2:" not in said  # the other file's own errors are its check's


def test_one_file_checked_from_inside_its_folder_is_read_with_that_folder(
        tmp_path: Path) -> None:
    """Run inside a lesson folder not named 'lessons', the file's own subfolder had been taken
    for the lesson folder: an id taken from a file in another subfolder passed (exit 0) and a
    good link to a lesson there was warned of. The folder read is said."""
    mine = tmp_path / "mylessons"
    (mine / "ppe").mkdir(parents=True)
    (mine / "hands").mkdir()
    (mine / "hands" / "gloves.md").write_text(
        "# Gloves\n\nSee [masks](../ppe/masks.md).\n", encoding="utf-8")
    (mine / "ppe" / "masks.md").write_text("# Masks\n\nText.\n", encoding="utf-8")
    (mine / "ppe" / "aprons.md").write_text(
        "---\nid: hands/gloves\n---\n# Aprons\n\nText.\n", encoding="utf-8")
    os.utime(mine / "hands" / "gloves.md", (1_700_000_000, 1_700_000_000))  # the older
    aprons = run("lessons", "check", "ppe/aprons.md", cwd=mine)
    assert aprons.returncode == 1, aprons.stdout
    assert aprons.stdout.startswith("ppe/aprons.md:2: error: duplicate lesson id 'hands/gloves'")
    assert "note: checked with the lesson folder . (3 files); give --lessons DIR" in aprons.stdout
    gloves = run("lessons", "check", "hands/gloves.md", cwd=mine)
    assert gloves.returncode == 0 and "warning:" not in gloves.stdout, gloves.stdout
    # From elsewhere, --lessons names the folder; a file outside it is refused.
    given = run("lessons", "check", "--lessons", str(mine), str(mine / "ppe" / "aprons.md"),
                cwd=tmp_path)
    assert given.returncode == 1 and f"checked with the lesson folder {mine} " in given.stdout
    outside = run("lessons", "check", "--lessons", str(mine / "ppe"),
                  str(mine / "hands" / "gloves.md"))
    assert outside.returncode == 2 and "is not in the lesson folder" in outside.stderr
    whole = run("lessons", "check", "--lessons", str(mine))
    assert whole.returncode == 1 and whole.stdout.endswith("1 error, 0 warnings\n")


def test_lookup_stdin_with_windows_line_ends_and_bad_bytes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "lookup", "--lessons", str(SAMPLE), "--json", "-"],
        input=b"phishing\r\ncaf\xe9 \xff\r\n", capture_output=True, timeout=60, check=False)
    assert result.returncode == 0
    objects = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [o["q"] for o in objects] == ["phishing", "caf\ufffd \ufffd"]


def test_drafts_are_checked_and_shown(tmp_path: Path) -> None:
    (tmp_path / "d.md").write_text("---\ndraft: true\n---\n# Draft\n\nNot ready.\n")
    check = run("lessons", "check", str(tmp_path))
    assert check.returncode == 0 and check.stdout.startswith("1 file, 1 lesson (1 draft)")
    show = run("lessons", "show", "--lessons", str(tmp_path), "d.md")
    assert show.returncode == 0 and show.stdout.startswith("Draft")
    assert "DRAFT: not served to learners" in show.stdout


def test_show_prints_what_learners_see_of_a_question_and_after_the_lesson(
        tmp_path: Path) -> None:
    (tmp_path / "lab.md").write_text(
        "---\nreflect: What will you change tomorrow?\n---\n# Lab coats\n\nButton it.\n\n"
        "## Quiz\n\n### Which protect you?\n\nYou are at the bench.\n\n- [x] A buttoned coat"
        "\n- [x] Goggles\n- [ ] A scarf\n", encoding="utf-8")
    show = run("lessons", "show", "--lessons", str(tmp_path), "lab")
    assert show.returncode == 0, show.stderr
    assert "Q1. Which protect you? (select all that apply)\n  You are at the bench.\n" in show.stdout
    assert "After the lesson, it asks: What will you change tomorrow?" in show.stdout


def test_db_upgrade_creates_and_is_repeatable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    for _ in range(2):
        result = run("db", "upgrade", "--db", url)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == f"database {url} is up to date"


def test_database_commands_read_the_config_beside_them(tmp_path: Path) -> None:
    # An operator ran `db upgrade` beside the bot's config (PostgreSQL): it made and "upgraded"
    # a new SQLite file, and `export` and `dashboard` then read that empty file.
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    (tmp_path / "config.toml").write_text(f'[storage]\nurl = "{url}"\n', encoding="utf-8")
    upgraded = run("db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "reading config.toml" in upgraded.stderr
    assert upgraded.stdout.splitlines()[-1] == f"database {url} is up to date"
    assert not (tmp_path / "microlearn.db").exists()
    exported = run("export", "learners", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.lstrip("\ufeff").startswith("learner,")
    # --db still chooses, config or not.
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert run("db", "upgrade", "--db", other, cwd=tmp_path).returncode == 0
    assert (tmp_path / "other.db").exists()


def test_db_upgrade_explains_a_bad_url_and_hides_passwords() -> None:
    bad = run("db", "upgrade", "--db", "nonsense")
    assert bad.returncode == 1 and "is not a database URL" in bad.stderr
    down = run("db", "upgrade", "--db", "postgresql://me:s3cret@127.0.0.1:1/x")
    assert down.returncode == 1 and "cannot reach the database" in down.stderr
    assert "s3cret" not in down.stderr and "Traceback" not in down.stderr


def test_db_upgrade_explains_an_unknown_schema_version(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'future.db'}"
    assert run("db", "upgrade", "--db", url).returncode == 0
    with sqlite3.connect(tmp_path / "future.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    result = run("db", "upgrade", "--db", url)
    assert result.returncode == 1 and "newer microlearn" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_without_a_config_file_says_how_to_make_one(tmp_path: Path) -> None:
    result = run("run", "--config", str(tmp_path / "config.toml"))
    assert result.returncode == 1
    assert "no such config file; copy config.example.toml" in result.stderr


def test_run_with_no_platform_enabled_says_what_to_enable(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[lessons]\ndir = "{SAMPLE}"\n[storage]\nurl = "sqlite:///{tmp_path}/x.db"\n',
                      encoding="utf-8")
    result = run("run", "--config", str(config))
    assert result.returncode == 1
    assert "no platform is enabled: set enabled = true under [slack] or [telegram]" in \
        result.stderr


def test_run_refuses_a_dashboard_without_its_server_and_dashboard_takes_the_config(
        tmp_path: Path) -> None:
    # `run` had started the server anyway, without a word.
    config = tmp_path / "config.toml"
    config.write_text(f'[lessons]\ndir = "{SAMPLE}"\n[storage]\nurl = "sqlite:///{tmp_path}/x.db"'
                      '\n[server]\nenabled = false\n[dashboard]\nenabled = true\n'
                      '[telegram]\nenabled = true\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            text=True, capture_output=True, timeout=60, check=False,
                            env={**os.environ, "TELEGRAM_BOT_TOKEN": "123:abc"})
    assert result.returncode == 1
    assert "[dashboard] enabled = true needs the HTTP server" in result.stderr
    # The same config is fine for the tools that read it (export, db upgrade, dashboard).
    upgraded = run("db", "upgrade", "--config", str(config))
    assert upgraded.returncode == 0, upgraded.stderr
    exported = run("export", "learners", "--config", str(config))
    assert exported.returncode == 0, exported.stderr


def test_run_names_the_setting_when_storage_or_lessons_are_wrong(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    base = '[telegram]\nenabled = true\napi_base_url = "http://127.0.0.1:9/bot"\n'
    config.write_text(f'[storage]\nurl = "mysql://x@y/z"\n{base}', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "TELEGRAM_BOT_TOKEN": "123:abc"})
    assert result.returncode == 1 and "[storage] url:" in result.stderr
    assert "runs on SQLite" in result.stderr
    config.write_text(f'[lessons]\ndir = "{tmp_path}/none"\n[storage]\n'
                      f'url = "sqlite:///{tmp_path}/x.db"\n{base}', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "TELEGRAM_BOT_TOKEN": "123:abc"})
    assert result.returncode == 1 and "[lessons] dir: lesson folder" in result.stderr


def test_xapi_replay_refuses_an_end_before_its_start() -> None:
    from click.testing import CliRunner

    from bot.cli import main
    result = CliRunner().invoke(main, ["xapi", "replay", "--since", "2026-03-05",
                                       "--until", "2026-03-01"])
    assert result.exit_code == 2 and "--until must come after --since" in result.output


def every_command() -> list[list[str]]:
    import click

    from bot.cli import main

    def walk(group: click.Group, path: list[str]) -> list[list[str]]:
        found = []
        for name, command in group.commands.items():
            found.append([*path, name])
            if isinstance(command, click.Group):
                found.extend(walk(command, [*path, name]))
        return found
    return walk(main, [])


def test_every_command_shows_its_help() -> None:
    from click.testing import CliRunner

    from bot.cli import main
    commands = every_command()
    assert ["export"] in commands and ["xapi", "replay"] in commands
    for command in commands:
        result = CliRunner().invoke(main, [*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, (command, result.output)


@pytest.mark.parametrize(("command", "shown"), [
    (["demo", "--start", "2026-13-01"], "'2026-13-01' is not a real date and time: write it "
                                        "like 2026-03-02T09:00"),
    (["simulate", "--db", "sqlite://", "--start", "March 2"],
     "'March 2' is not a real date: write it like 2026-03-02"),
    (["xapi", "replay", "--since", "2026-02-30"], "'2026-02-30' is not a real date"),
])
def test_a_bad_date_is_refused_with_an_example(command: list[str], shown: str) -> None:
    """It had shown Click's pattern: "does not match the format '%Y-%m-%dT%H:%M'"."""
    from click.testing import CliRunner

    from bot.cli import main
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 2 and shown in result.output and "%" not in result.output


def test_the_demo_tells_a_trainer_whether_a_broken_file_is_still_served(tmp_path: Path) -> None:
    """A broken file had shown only as raw log lines, and a new one broken from the start
    never said it was not served."""
    from bot.cli import change_lines
    from bot.content.catalog import Catalog

    (tmp_path / "old.md").write_text("# Old\n\nText.\n", encoding="utf-8")
    catalog = Catalog(tmp_path)
    catalog.load()
    (tmp_path / "old.md").write_text("---\ntitle: [Old\n---\nText.\n", encoding="utf-8")
    (tmp_path / "new.md").write_text("---\ntitle: [New\n---\nText.\n", encoding="utf-8")
    lines = change_lines(catalog.refresh(), catalog)
    assert [line.split(";")[0] for line in lines] == [
        "(lessons: new.md has 1 error, it is not served",
        "(lessons: old.md has 1 error, its last good version is still served"]
    assert all("the first: " in line and ":2: error: " in line for line in lines)
    (tmp_path / "old.md").unlink()
    (tmp_path / "new.md").unlink()
    assert change_lines(catalog.refresh(), catalog) == [
        "(lessons: removed old)", "(lessons: new.md removed; it had errors)",
        "(lessons: old.md removed; it had errors)"]


def test_the_demo_says_a_file_broken_while_it_runs_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A file broken during the demo had each error printed twice: the catalog's log line
    ("ERROR bot.content.catalog: x.md:7: error: ...") and the demo's own line."""
    import logging

    from bot.cli import ChangesSaid, change_lines
    from bot.content.catalog import Catalog

    (tmp_path / "old.md").write_text("# Old\n\nText.\n", encoding="utf-8")
    catalog = Catalog(tmp_path)
    catalog.load()
    said: list[str] = []
    catalog.subscribe(lambda change: said.extend(change_lines(change, catalog)))
    catalog_log = logging.getLogger("bot.content.catalog")
    catalog_log.addFilter(ChangesSaid())  # as the demo does
    (tmp_path / "old.md").write_text(
        "---\norder: x\nmood: calm\n---\n# Old\n\n## Quiz\n\n### Q?\n- [ ] a\n- [ ] b\n",
        encoding="utf-8")
    try:
        with caplog.at_level(logging.INFO):
            catalog.refresh()
    finally:
        catalog_log.filters.clear()
    problems = sorted({str(problem) for problem in catalog.problems()})
    assert len(problems) == 3  # two errors and a warning: each said by the demo, once
    printed = "\n".join([*said, *(record.getMessage() for record in caplog.records)])
    assert all(printed.count(problem) == 1 for problem in problems), printed
    assert "still served" in said[0] and "still serving" not in printed


def test_the_demo_says_a_fixed_files_change_once(tmp_path: Path) -> None:
    """A broken file saved right had been said three times: "(lessons: changed old from
    old.md)", "(lessons: old.md is fixed)" and a WARNING from the catalog's log."""
    from bot.cli import change_lines
    from bot.content.catalog import Catalog

    (tmp_path / "old.md").write_text("# Old\n\nText.\n", encoding="utf-8")
    (tmp_path / "same.md").write_text("# Same\n\nText.\n", encoding="utf-8")
    (tmp_path / "new.md").write_text("---\norder: x\n---\n# New\n\nText.\n", encoding="utf-8")
    catalog = Catalog(tmp_path)
    catalog.load()
    (tmp_path / "old.md").write_text("---\norder: x\n---\n# Old\n\nText.\n", encoding="utf-8")
    (tmp_path / "same.md").write_text("---\norder: x\n---\n# Same\n\nText.\n",
                                      encoding="utf-8")
    catalog.refresh()
    (tmp_path / "old.md").write_text("# Old\n\nNew text.\n", encoding="utf-8")
    (tmp_path / "same.md").write_text("# Same\n\nText.\n", encoding="utf-8")  # as it was
    (tmp_path / "new.md").write_text("# New\n\nText.\n", encoding="utf-8")
    (tmp_path / "other.md").write_text("# Other\n\nText.\n", encoding="utf-8")
    assert change_lines(catalog.refresh(), catalog) == [
        "(lessons: added other from other.md)",
        "(lessons: new.md is fixed; added new)",
        "(lessons: old.md is fixed; changed old)",
        "(lessons: same.md is fixed)"]


def test_dashboard_on_a_busy_port_says_how_to_choose_another(tmp_path: Path) -> None:
    """It had given the bot's advice ("[server] enabled = false"), which does not help here."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        made = run("db", "upgrade", "--db", f"sqlite:///{tmp_path / 'd.db'}")
        assert made.returncode == 0, made.stderr
        result = run("dashboard", "--db", f"sqlite:///{tmp_path / 'd.db'}", "--lessons",
                     str(SAMPLE), "--host", "127.0.0.1", "--port", str(port))
    assert result.returncode == 1
    assert "give the dashboard a free one: microlearn dashboard --port N" in result.stderr
    assert "[server] enabled = false" not in result.stderr


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_dashboard_refuses_a_port_out_of_range_without_a_traceback(port: str) -> None:
    result = run("dashboard", "--lessons", str(SAMPLE), "--port", port)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is not in the range 0<=x<=65535" in result.stderr


def test_dashboard_of_a_database_that_is_not_there_says_so(tmp_path: Path) -> None:
    """A mistyped cohort path had made an empty database and served empty figures."""
    result = run("dashboard", "--db", f"sqlite:///{tmp_path / 'cohrot.db'}", "--lessons",
                 str(SAMPLE))
    assert result.returncode == 1 and "no database at" in result.stderr
    assert not (tmp_path / "cohrot.db").exists()


@pytest.mark.parametrize("command", [["demo"], ["simulate", "--days", "1", "--learners", "1"]])
def test_a_failed_start_leaves_no_database_behind(command: list[str], tmp_path: Path) -> None:
    result = run(*command, "--db", f"sqlite:///{tmp_path / 'new.db'}", "--lessons",
                 str(tmp_path / "no-such-folder"))
    assert result.returncode == 1 and "does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_lessons_show_of_a_file_that_is_not_there_says_so(tmp_path: Path) -> None:
    """It had been looked up as an id, with unrelated lessons offered."""
    for given in ("lessons/security/nosuch.md", str(tmp_path / "nosuch.md"),
                  "./security/nosuch"):
        result = run("lessons", "show", given, "--lessons", str(SAMPLE))
        assert result.returncode == 1 and f"no such file: {given}" in result.stderr
        assert "did you mean" not in result.stderr
    elsewhere = run("lessons", "show", "nosuch.md", "--lessons", str(tmp_path / "none"))
    assert "no such file: nosuch.md" in elsewhere.stderr


def test_a_subcommand_typed_without_its_group_is_named_with_it() -> None:
    from click.testing import CliRunner

    from bot.cli import main
    result = CliRunner().invoke(main, ["check", "lessons"])
    assert result.exit_code == 2
    assert "No such command 'check'. Did you mean 'microlearn lessons check'?" in result.output
    assert "Did you mean" not in CliRunner().invoke(main, ["nosuch"]).output


def test_show_prints_a_link_to_a_lesson_as_learners_see_it_and_lists_links_as_written(
        tmp_path: Path) -> None:
    """`show` printed '[see](passwords.md)' as written, where learners read 'see (type "learn
    Strong passwords")': it shows what they see, in the text and the quiz, and lists each link
    as written apart, marked as such."""
    from click.testing import CliRunner

    from bot.cli import main
    (tmp_path / "security").mkdir()
    (tmp_path / "security" / "passwords.md").write_text("# Strong passwords\n\nLong ones.\n",
                                                        encoding="utf-8")
    (tmp_path / "security" / "phishing.md").write_text(
        "# Phishing\n\nSee [the guide](passwords.md#managers) and [old](gone.md).\n\n"
        "## Quiz\n\n### Which?\n- [x] [this one](passwords.md)\n- [ ] none\n"
        "> Read [it](passwords.md) again.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["lessons", "show", "--lessons", str(tmp_path),
                                       "security/phishing"])
    assert result.exit_code == 0, result.output
    hint = '(type "learn Strong passwords")'
    lines = result.output.splitlines()
    assert f"See the guide {hint} and [old](gone.md)." in lines
    assert f"  * A) this one {hint}" in lines and f"  > Read it {hint} again." in lines
    written = lines[lines.index("(Links as written in the file, and what learners get:") + 1:]
    assert written[:3] == [
        f"  passwords.md#managers -> 'Strong passwords': its words, then {hint}",
        "  gone.md -> no lesson in service: Slack and Telegram show its words alone, the "
        "console its path ('lessons check' says why)",
        f"  passwords.md -> 'Strong passwords': its words, then {hint}"]


def test_dashboard_given_db_beside_a_pseudonymous_config_shows_no_names(tmp_path: Path) -> None:
    # --db had made `dashboard` skip ./config.toml: its learners page listed real names.
    import http.cookiejar
    import urllib.request

    root = Path(__file__).resolve().parents[2]
    url = f"sqlite:///{tmp_path / 'cohort.db'}"
    made = run("simulate", "--db", url, "--learners", "2", "--days", "3", "--start",
               "2026-03-02", "--lessons", str(SAMPLE))
    assert made.returncode == 0, made.stderr
    here = tmp_path / "here"
    here.mkdir()
    (here / "config.toml").write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path}/other.db"\n[dashboard]\npseudonymous = true\n',
        encoding="utf-8")
    for folder, names_shown in ((here, False), (tmp_path, True)):
        served = subprocess.Popen(
            [sys.executable, "-m", "bot", "dashboard", "--db", url, "--port", "0",
             "--lessons", str(SAMPLE)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=folder, env={**os.environ, "PYTHONPATH": str(root)})
        try:
            assert served.stdout is not None and served.stderr is not None
            link = [served.stdout.readline() for _ in range(3)][2].strip()
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            base = link.split("/dashboard/")[0]
            opener.open(urllib.request.Request(
                link.split("?")[0], data=link.split("?")[1].encode(),
                headers={"Origin": base}), timeout=10).read()
            with opener.open(f"{base}/dashboard/learners.json?from=2026-03-01&to=2026-03-06",
                             timeout=10) as page:
                text = page.read().decode()
            assert ("learner #" in text) is not names_shown, text[:300]
        finally:
            served.send_signal(signal.SIGTERM)
            assert served.wait(20) == 0
        said = served.stderr.read()
        assert ("reading config.toml" in said) is not names_shown
        assert said.count("showing learners' names: no config with pseudonymous found") == \
            (1 if names_shown else 0)


def _first_link(*args: str, cwd: Path) -> tuple[str, str]:
    """The sign-in link `microlearn dashboard ARGS` prints, and what it said on stderr."""
    root = Path(__file__).resolve().parents[2]
    served = subprocess.Popen([sys.executable, "-m", "bot", "dashboard", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=cwd, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        assert served.stdout is not None and served.stderr is not None
        lines = [served.stdout.readline() for _ in range(3)]
    finally:
        served.send_signal(signal.SIGTERM)
        served.wait(20)
    return lines[2].strip(), served.stderr.read()


@pytest.mark.parametrize("public_url", [None, "http://127.0.0.1:8080", "http://localhost:8080"])
def test_dashboard_on_another_port_links_to_where_it_listens(tmp_path: Path,
                                                            public_url: str | None) -> None:
    """A config copied from config.example.toml (or naming this machine at 8080) had made
    `dashboard --port N` print a link to 8080: nowhere, or a `run` there."""
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    text = example.read_text(encoding="utf-8")
    if public_url is not None:  # the line uncommented, or written anew
        text = re.sub(r"(?m)^#? ?public_url = .*$", f'public_url = "{public_url}"', text)
        assert f'public_url = "{public_url}"' in text
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert run("db", "upgrade", "--db", url).returncode == 0
    link, said = _first_link("--db", url, "--lessons", str(SAMPLE), "--port", "0", cwd=tmp_path)
    assert link.startswith("http://127.0.0.1:") and ":8080/" not in link, link
    assert "public_url" not in said


def test_dashboard_behind_a_proxy_keeps_its_link_and_says_where_it_listens(
        tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[dashboard]\npublic_url = "https://learn.example.com"\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert run("db", "upgrade", "--db", url).returncode == 0
    link, said = _first_link("--db", url, "--lessons", str(SAMPLE), "--host", "127.0.0.1",
                             "--port", "0", cwd=tmp_path)
    assert link.startswith("https://learn.example.com/dashboard/signin?token="), link
    assert ("the sign-in link uses [dashboard] public_url (https://learn.example.com); this "
            "process listens on 127.0.0.1 (a free port)") in said


def test_run_takes_host_and_port_checked_as_the_config_checks_them(tmp_path: Path) -> None:
    """Two replicas on one machine had needed two config files."""
    from click.testing import CliRunner

    from bot.cli import main
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    shown = CliRunner().invoke(main, ["run", "--help"]).output
    assert "--host TEXT" in shown and "--port INTEGER" in shown
    for port, words in (("99999", "--port: 99999 is too large; write at most 65535"),
                        ("0", "--port: 0 is too small; write at least 1")):
        result = run("run", "--config", str(config), "--port", port)
        assert result.returncode == 1 and words in result.stderr, result.stderr


def test_run_listens_where_host_and_port_say_and_links_there(tmp_path: Path) -> None:
    from bot.cli import _served_here
    from bot.config import Settings

    settings = Settings.model_validate({"dashboard": {"enabled": True}})
    moved = _served_here(settings, "127.0.0.2", 8091)
    assert (moved.server.host, moved.server.port) == ("127.0.0.2", 8091)
    assert moved.dashboard_address() == "http://127.0.0.2:8091"
    proxied = Settings.model_validate({"dashboard": {"enabled": True,
                                                     "public_url": "https://learn.example.com"}})
    assert _served_here(proxied, None, 8091).dashboard_address() == "https://learn.example.com"
    # A public_url on this machine at another port is dropped: links go where it listens.
    local = Settings.model_validate({"dashboard": {"enabled": True,
                                                   "public_url": "http://127.0.0.1:8080"}})
    assert _served_here(local, None, 8091).dashboard_address() == "http://127.0.0.1:8091"
    assert _served_here(settings, None, None) == settings


def test_check_refuses_the_file_the_running_bot_refuses_for_a_shared_id(tmp_path: Path) -> None:
    """The bot keeps an id with the file that served it (recorded in its lesson cache); check,
    which prefers the file with the id from its path, had blamed the file the bot serves."""
    from bot.content.catalog import Catalog
    from bot.content.lesson_cache import LessonCache, lesson_cache_path

    lessons, vectors = tmp_path / "lessons", tmp_path / "cache" / "vectors.sqlite3"
    lessons.mkdir()
    vectors.parent.mkdir()
    (lessons / "give.md").write_text("---\nid: feedback\n---\n# Give feedback\n\nReal.\n",
                                     encoding="utf-8")
    cache = LessonCache(lesson_cache_path(vectors))
    bot = Catalog(lessons, cache=cache)
    bot.load()
    (lessons / "feedback.md").write_text("# Feedback draft\n\nNewer.\n", encoding="utf-8")
    bot.refresh()  # the file in service keeps its id
    assert bot.not_served() == ["feedback.md"]
    said = [f"{lessons / p.path}:{p.line}: {p.severity.value}: {p.message}"
            for p in bot.problems()]
    assert any("feedback.md:1: error: lesson id 'feedback' (from this file's path) is also "
               "that of 'give.md'" in line for line in said)
    cache.close()
    (tmp_path / "config.toml").write_text(
        f'[lessons]\ndir = "{lessons}"\n\n[lookup]\ncache = "{vectors}"\nsemantic = false\n',
        encoding="utf-8")
    checked = run("lessons", "check", cwd=tmp_path)
    assert [line for line in checked.stdout.splitlines() if ": error:" in line] == said, \
        checked.stdout
    alone = run("lessons", "check", str(lessons / "feedback.md"), cwd=tmp_path)
    assert alone.stdout.splitlines()[0] == said[0]
