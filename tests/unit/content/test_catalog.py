"""Catalog: loads nested folders, keeps tracks in order, serves the last good version."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.content import catalog as catalog_module
from bot.content import loader as loader_module
from bot.content.catalog import Catalog, CatalogChange
from bot.content.model import Problem
from bot.errors import ContentError, QueryError
from tests.conftest import DATA

GOOD = """---
title: {title}
track: {track}
order: {order}
---
{title} is explained here in one short paragraph.
"""


SOME_TIME = 1_700_000_000 * 10**9
"""A modification time in ns (November 2023), for files whose times a test sets."""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def lesson_text(title: str, track: str = "basics", order: int = 1) -> str:
    return GOOD.format(title=title, track=track, order=order)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "good", tmp_path / "lessons")
    return tmp_path / "lessons"


def test_load_nested_folders(folder: Path) -> None:
    catalog = Catalog(folder)
    change = catalog.load()
    ids = ["plain/meetings", "plain/no_title_here", "security/passwords", "security/phishing"]
    assert [lesson.id for lesson in catalog.lessons()] == ids
    assert change.added == tuple(ids)
    assert catalog.get("security/phishing") is not None
    assert catalog.get("plain/_draft") is None


def test_tracks_come_in_order_whatever_the_file_names(tmp_path: Path) -> None:
    write(tmp_path / "z/first.md", lesson_text("Zed", order=1))
    write(tmp_path / "a/third.md", lesson_text("Alpha", order=3))
    write(tmp_path / "m/second.md", lesson_text("Mid", order=2))
    write(tmp_path / "other.md", lesson_text("Other", track="advanced", order=1))
    catalog = Catalog(tmp_path)
    catalog.load()
    tracks = catalog.tracks()
    assert list(tracks) == ["advanced", "basics"]
    assert [lesson.title for lesson in tracks["basics"]] == ["Zed", "Mid", "Alpha"]


def test_cross_file_problems(data_dir: Path) -> None:
    catalog = Catalog(data_dir / "cross")
    catalog.load()
    assert [(p.path, p.line, p.is_error) for p in catalog.problems()] == [
        ("a.md", 5, True),  # the order clash is said on both files, each naming the other
        ("b.md", 3, True),
        ("c.md", 4, True),
    ]
    assert "also given to 'c.md'" in catalog.problems()[0].message
    # The first file (by path) keeps a duplicated id; a clash in a track still serves both.
    assert [lesson.path for lesson in catalog.lessons()] == ["c.md", "d.md", "a.md"]
    assert [lesson.path for lesson in catalog.tracks()["onboarding"]] == ["a.md", "c.md", "d.md"]


def test_an_id_that_takes_another_files_name_is_the_one_refused(tmp_path: Path) -> None:
    # A reviewer gave a.md "id: sharing" by mistake: the innocent sharing.md had been taken
    # out of service and blamed (a.md comes first by path).
    write(tmp_path / "a.md", "---\ntitle: Protecting data\nid: sharing\n---\nKeep it safe.\n")
    write(tmp_path / "sharing.md", "---\ntitle: Sharing records\n---\nWho may see what.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    [problem] = catalog.problems()
    assert (problem.path, problem.line, problem.is_error) == ("a.md", 3, True)
    assert "duplicate lesson id 'sharing' (also used by 'sharing.md')" in problem.message
    assert [lesson.title for lesson in catalog.lessons()] == ["Sharing records"]


def test_a_file_that_takes_a_running_lessons_id_is_refused_not_swapped_in(
        tmp_path: Path) -> None:
    # A reviewer gave screenshots.md the id of verify-identity.md while the bot ran: the id
    # had served the screenshots text from then on (it comes first by path), and the error
    # named the innocent file.
    write(tmp_path / "privacy" / "verify-identity.md",
          "---\ntitle: Verify the caller\nid: privacy/verify\n---\nTwo checks.\n")
    write(tmp_path / "privacy" / "screenshots.md",
          "---\ntitle: No screenshots\n---\nNever share them.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "privacy" / "screenshots.md",
          "---\ntitle: No screenshots\nid: privacy/verify\n---\nNever share them.\n")
    change = catalog.refresh()
    [problem] = catalog.problems()
    assert (problem.path, problem.line) == ("privacy/screenshots.md", 3)
    assert "also used by 'privacy/verify-identity.md'" in problem.message
    # Both stay served: the newcomer at its last good version (under its own id).
    assert change.changed == () and change.removed == ()
    assert catalog.get("privacy/screenshots") is not None
    lesson = catalog.get("privacy/verify")
    assert lesson is not None and lesson.title == "Verify the caller"
    # At a restart, the file changed last is the one refused.
    again = Catalog(tmp_path)
    again.load()
    [problem] = again.problems()
    assert problem.path == "privacy/screenshots.md"
    assert again.get("privacy/verify").title == "Verify the caller"  # type: ignore[union-attr]


def test_a_contested_id_stays_with_its_file_across_a_restart_and_edits(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A reviewer: zeta.md took alpha.md's id while the bot ran (refused, rightly); then alpha.md
    # was edited, and after a restart alpha.md (changed last) was the one refused.
    from bot.content.lesson_cache import LessonCache

    caplog.set_level(logging.INFO)

    folder, cache = tmp_path / "lessons", tmp_path / "cache.sqlite3"
    write(folder / "alpha.md", "---\ntitle: Alpha\nid: shared/alpha\n---\nAlpha text.\n")
    write(folder / "zeta.md", "---\ntitle: Zeta\nid: zeta-own\n---\nZeta text.\n")
    catalog = Catalog(folder, cache=LessonCache(cache))
    catalog.load()
    # zeta.md, in service, takes the id: it is refused and keeps its last good version.
    write(folder / "zeta.md", "---\ntitle: Zeta\nid: shared/alpha\n---\nZeta text.\n")
    change = catalog.refresh()
    assert change.removed == () and catalog.get("zeta-own") is not None
    assert catalog.get("shared/alpha").title == "Alpha"  # type: ignore[union-attr]
    assert any("zeta.md is broken (its new id is taken)" in r.getMessage()
               for r in caplog.records)
    write(folder / "alpha.md", "---\ntitle: Alpha, edited\nid: shared/alpha\n---\nText.\n")
    catalog.refresh()
    again = Catalog(folder, cache=LessonCache(cache))
    again.load()
    assert again.get("shared/alpha").title == "Alpha, edited"  # type: ignore[union-attr]
    [problem] = [p for p in again.problems() if "duplicate" in p.message]
    assert problem.path == "zeta.md"
    # Fixed: said so.
    write(folder / "zeta.md", "---\ntitle: Zeta\nid: zeta-own\n---\nZeta text.\n")
    again.refresh()
    assert again.get("zeta-own") is not None and not again.problems()
    assert any(r.getMessage() == "zeta.md is fixed; serving its new version"
               for r in caplog.records)


def test_a_track_named_like_a_larger_one_is_warned_of(tmp_path: Path) -> None:
    # A reviewer's "money-maters" and "Money-Matters" each started a track of their own,
    # silently.
    for n in (1, 2, 3):
        write(tmp_path / f"m{n}.md", lesson_text(f"Money {n}", "money-matters", n))
    write(tmp_path / "slip.md", lesson_text("Slip", "money-maters", 4))
    write(tmp_path / "case.md", lesson_text("Case", "Money-Matters", 5))
    write(tmp_path / "joined.md", lesson_text("Joined", "moneymatters", 6))
    for track in ("onboarding-uk", "onboarding-us", "level-1", "level-2", "git", "sales-north",
                  "sales-south"):
        write(tmp_path / f"{track}.md", lesson_text(track.title(), track, 1))
    catalog = Catalog(tmp_path)
    catalog.load()
    warned = [(p.path, p.message) for p in catalog.problems() if "named like" in p.message]
    assert [path for path, _ in warned] == ["case.md", "joined.md", "slip.md"]
    assert warned[:1] + warned[2:] == [
        ("case.md", "track 'Money-Matters' is named like track 'money-matters' (3 lessons): "
                    "each name is a track of its own; write 'track: money-matters' if this "
                    "lesson belongs there"),
        ("slip.md", "track 'money-maters' is named like track 'money-matters' (3 lessons): "
                    "each name is a track of its own; write 'track: money-matters' if this "
                    "lesson belongs there")]
    assert not any(p.is_error for p in catalog.problems())


def test_a_fixed_file_is_said_to_be_fixed(tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    # The log said a file was broken, and then nothing when the fix was saved. The fix is good
    # news, said at INFO (`run` shows it; the demo says it in its own words): as a WARNING, the
    # demo had shown it beside its own line about it.
    caplog.set_level(logging.INFO)
    write(tmp_path / "a.md", lesson_text("Alpha"))
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "a.md", "---\ntitle: Alpha\norder: first\n---\nText.\n")
    catalog.refresh()
    write(tmp_path / "a.md", lesson_text("Alpha again"))
    catalog.refresh()
    said = [(r.levelname, r.getMessage()) for r in caplog.records
            if r.name == "bot.content.catalog" and "a.md is" in r.getMessage()]
    assert said == [("WARNING", "a.md is broken; still serving its last good version"),
                    ("INFO", "a.md is fixed; serving its new version")]
    catalog.refresh()
    write(tmp_path / "a.md", lesson_text("Alpha, edited"))  # a good file edited: no "fixed"
    catalog.refresh()
    assert len([r for r in caplog.records if "is fixed" in r.getMessage()]) == 1


def test_a_file_deleted_while_it_had_errors_is_said_gone(tmp_path: Path) -> None:
    """Deleting a broken file had been no change at all: `lessons watch` said nothing while the
    errors it had reported went away."""
    write(tmp_path / "a.md", lesson_text("Alpha"))
    write(tmp_path / "b.md", lesson_text("Beta", order=2))
    write(tmp_path / "never.md", "---\ntitle: Never\norder: first\n---\nText.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "b.md", "---\ntitle: Beta\norder: second\n---\nText.\n")
    catalog.refresh()
    (tmp_path / "never.md").unlink()
    assert catalog.refresh() == CatalogChange(removed_broken=("never.md",))
    (tmp_path / "b.md").unlink()  # its last good version was served: that lesson goes too
    assert catalog.refresh() == CatalogChange(removed=("b",), removed_broken=("b.md",))
    write(tmp_path / "c.md", "---\ntitle: Gamma\nid: a\n---\nText.\n")  # a's id: refused
    catalog.refresh()
    (tmp_path / "c.md").unlink()  # its error is one between files
    assert catalog.refresh() == CatalogChange(removed_broken=("c.md",))
    (tmp_path / "a.md").unlink()  # a good file: only its lesson
    assert catalog.refresh() == CatalogChange(removed=("a",))


def test_a_broken_file_mended_by_taking_another_files_id_is_not_said_fixed(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # "b.md is fixed; serving its new version" came just before "duplicate id".
    caplog.set_level(logging.INFO)
    write(tmp_path / "a.md", lesson_text("Alpha"))
    write(tmp_path / "b.md", "---\ntitle: Beta\norder: first\n---\nText.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "b.md", "---\ntitle: Beta\nid: a\n---\nText.\n")
    catalog.refresh()
    assert any("duplicate" in p.message and p.path == "b.md" for p in catalog.problems())
    assert not [r for r in caplog.records if "is fixed" in r.getMessage()]
    write(tmp_path / "b.md", "---\ntitle: Beta\n---\nText.\n")
    assert catalog.refresh().fixed == ("b.md",)
    assert [r.getMessage() for r in caplog.records if "is fixed" in r.getMessage()] == [
        "b.md is fixed; serving its new version"]


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="does not exist"):
        Catalog(tmp_path / "nope").load()


def test_bad_file_never_stops_the_others(data_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(data_dir / "bad", tmp_path / "lessons")
    write(tmp_path / "lessons/fine.md", lesson_text("Fine"))
    catalog = Catalog(tmp_path / "lessons")
    catalog.load()
    assert "fine" in [lesson.id for lesson in catalog.lessons()]
    assert len({p.path for p in catalog.problems() if p.is_error}) == 15


def test_file_that_turns_bad_keeps_its_last_good_version(tmp_path: Path) -> None:
    write(tmp_path / "a.md", lesson_text("Version one"))
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "a.md", "---\ntitle: [broken\n---\nBody\n")
    change = catalog.refresh([tmp_path / "a.md"])
    lesson = catalog.get("a")
    assert lesson is not None and lesson.title == "Version one"
    assert [(p.path, p.line) for p in change.problems] == [("a.md", 2)]
    assert catalog.lookup("version one").hits[0].lesson.id == "a"
    write(tmp_path / "a.md", lesson_text("Version two"))
    change = catalog.refresh([tmp_path / "a.md"])
    assert change.changed == ("a",) and change.problems == ()
    assert catalog.problems() == []
    assert catalog.get("a").title == "Version two"  # type: ignore[union-attr]


def test_a_toml_escape_that_cannot_be_read_keeps_the_last_good_version(tmp_path: Path) -> None:
    """A bad escape is an error like any other: the bot keeps serving the version before it,
    and says which backslash to fix, at its line."""
    write(tmp_path / "a.md", '+++\ntitle = "Save files"\n+++\nWhere to save.\n')
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "a.md", '+++\ntitle = "Save to C:\\Users"\n+++\nWhere to save.\n')
    [problem] = catalog.refresh([tmp_path / "a.md"]).problems
    assert (problem.path, problem.line, problem.is_error) == ("a.md", 2, True)
    assert "'\\U' in \"Save to C:\\Users\" starts an escape" in problem.message
    lesson = catalog.get("a")
    assert lesson is not None and lesson.title == "Save files"
    assert catalog.kept_while_broken() == ["a.md"]
    write(tmp_path / "a.md", "+++\ntitle = 'Save to C:\\Users'\n+++\nWhere to save.\n")
    assert catalog.refresh([tmp_path / "a.md"]).changed == ("a",)
    assert catalog.get("a").title == "Save to C:\\Users"  # type: ignore[union-attr]


def test_file_that_was_never_good_is_not_served(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# Only\n\n## Quiz\n\n### Q?\n- [ ] a\n- [ ] b\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    assert catalog.lessons() == [] and catalog.problems()[0].line == 5


def test_refresh_picks_up_add_change_delete_and_rename(tmp_path: Path) -> None:
    write(tmp_path / "a.md", lesson_text("Apple"))
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "b.md", lesson_text("Banana", order=2))
    assert catalog.refresh() == CatalogChange(added=("b",))
    (tmp_path / "a.md").rename(tmp_path / "c.md")
    change = catalog.refresh()
    assert (change.added, change.removed) == (("c",), ("a",))
    assert catalog.lookup("apple").hits[0].lesson.id == "c"
    (tmp_path / "b.md").unlink()
    assert catalog.refresh().removed == ("b",)
    assert catalog.lookup("banana").hits == ()


def test_an_id_line_that_took_a_served_files_path_id_is_blamed_not_that_file(
        tmp_path: Path) -> None:
    """aprons.md's `id:` took gloves.md's path id while gloves.md was broken; once gloves.md
    was fixed the error was on it, advising to rename it: its lesson's id, and its learners'
    progress, would have gone. The mistake is aprons.md's `id:` line."""
    write(tmp_path / "hands" / "gloves.md", "---\norder: x\n---\n# Gloves\n\nText.\n")
    write(tmp_path / "ppe" / "aprons.md", "---\ntitle: Aprons\n---\nText.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "ppe" / "aprons.md", "---\ntitle: Aprons\nid: hands/gloves\n---\nText.\n")
    catalog.refresh()
    write(tmp_path / "hands" / "gloves.md", "# Gloves\n\nText.\n")
    change = catalog.refresh()
    [problem] = [p for p in change.problems if "duplicate" in p.message]
    assert (problem.path, problem.line) == ("ppe/aprons.md", 3)
    assert problem.message == (
        "duplicate lesson id 'hands/gloves': this 'id:' line takes the id that "
        "'hands/gloves.md' has from its path, so that file is not served while this one is; "
        "give this lesson another 'id:' (or remove the line: its path is then its id); "
        "renaming 'hands/gloves.md' instead would start its learners over")
    served = catalog.get("hands/gloves")
    assert served is not None and served.path == "ppe/aprons.md"  # which is served: as before
    assert change.fixed == ()


def test_the_file_not_served_for_a_taken_id_has_an_error_line_of_its_own(
        tmp_path: Path) -> None:
    """With the error on aprons.md's `id:` line alone, gloves.md (which learners no longer
    get) had no line: checked on its own it passed, and no list of files not served named it."""
    write(tmp_path / "hands" / "gloves.md", "---\norder: x\n---\n# Gloves\n\nText.\n")
    write(tmp_path / "ppe" / "aprons.md", "---\ntitle: Aprons\nid: hands/gloves\n---\nText.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "hands" / "gloves.md", "# Gloves\n\nText.\n")
    change = catalog.refresh()
    [own] = [p for p in change.problems if p.path == "hands/gloves.md"]
    assert (own.line, own.is_error) == (1, True)
    assert own.message == (
        "lesson id 'hands/gloves' (from this file's path) is also that of 'ppe/aprons.md' (its "
        "'id:' line 3); learners get that one, not this; change or remove that line (giving "
        "this file its own 'id:' instead would start its learners over)")
    assert catalog.not_served() == ["hands/gloves.md"]
    served = catalog.get("hands/gloves")
    assert served is not None and served.path == "ppe/aprons.md"
    # Fixed on the line that made the clash: both files are served, without a problem.
    write(tmp_path / "ppe" / "aprons.md", "---\ntitle: Aprons\n---\nText.\n")
    catalog.refresh()
    assert catalog.problems() == [] and catalog.not_served() == []


def test_a_toml_lesson_moved_while_running_is_told_the_toml_line_to_add(tmp_path: Path) -> None:
    """The advice had been YAML's 'id: ...', which pasted into a '+++' file is a TOML error."""
    toml = '+++\ntitle = "Alcohol rub"\n+++\nRub for 20 seconds.\n'
    write(tmp_path / "hands" / "alcohol-rub.md", toml)
    catalog = Catalog(tmp_path)
    catalog.load()
    (tmp_path / "hands" / "alcohol-rub.md").rename(tmp_path / "hands" / "hand-rub.md")
    [warning] = catalog.refresh().problems
    assert warning.path == "hands/hand-rub.md"
    assert warning.message.endswith("""add 'id = "hands/alcohol-rub"' to this file's front matter""")
    # Pasted as advised, the file keeps the old id and the warning goes.
    write(tmp_path / "hands" / "hand-rub.md",
          '+++\nid = "hands/alcohol-rub"\ntitle = "Alcohol rub"\n+++\nRub for 20 seconds.\n')
    catalog.refresh()
    assert catalog.problems() == [] and catalog.get("hands/alcohol-rub") is not None


def test_a_track_named_like_another_is_told_the_line_in_its_files_syntax(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write(tmp_path / f"{name}.md", f"---\ntrack: hand-hygiene\norder: {ord(name)}\n---\n"
              f"# {name}\n\nText.\n")
    write(tmp_path / "c.md", '+++\ntrack = "hand-hygeine"\norder = 1\n+++\n# C\n\nText.\n')
    catalog = Catalog(tmp_path)
    catalog.load()
    [warning] = [p for p in catalog.problems() if "named like" in p.message]
    assert warning.path == "c.md"
    assert """write 'track = "hand-hygiene"' if this lesson belongs there""" in warning.message


def test_a_lesson_moved_while_running_is_told_how_to_keep_its_progress(tmp_path: Path) -> None:
    write(tmp_path / "security" / "passwords.md", lesson_text("Strong passwords"))
    write(tmp_path / "security" / "phishing.md", lesson_text("Phishing", order=2))
    catalog = Catalog(tmp_path)
    catalog.load()
    # Moved in two steps (a copy, then the old file deleted), as some file managers do.
    write(tmp_path / "basics" / "passwords.md", lesson_text("Strong  passwords", order=3))
    assert not any("moved" in p.message for p in catalog.refresh().problems)
    # The copy edited before the original goes (its order clashed, say): still the same.
    write(tmp_path / "basics" / "passwords.md", lesson_text("Strong  passwords", order=4))
    assert catalog.refresh().changed == ("basics/passwords",)
    (tmp_path / "security" / "passwords.md").unlink()
    (tmp_path / "security" / "phishing.md").unlink()  # gone for good: nothing to say
    first = catalog.refresh()
    assert first.removed == ("security/passwords", "security/phishing")
    [warning] = first.problems
    assert not warning.is_error and warning.path == "basics/passwords.md"
    assert "'security/passwords.md' moved or renamed" in warning.message
    assert "add 'id: security/passwords'" in warning.message
    assert catalog.problems() == [warning]  # `reload` and the dashboard keep showing it
    # Renamed again before the advice was taken: the progress is still under the first id.
    (tmp_path / "basics" / "passwords.md").rename(tmp_path / "basics" / "strong.md")
    change = catalog.refresh()
    assert change.removed == ("basics/passwords",) and change.added == ("basics/strong",)
    [warning] = change.problems
    assert warning.path == "basics/strong.md"
    assert "'basics/passwords.md' moved" in warning.message
    assert "add 'id: security/passwords'" in warning.message
    assert catalog.problems() == [warning]
    # The trainer takes the advice: the warning goes, and no new one is made of the id change.
    write(tmp_path / "basics" / "strong.md", lesson_text("Strong passwords", order=3)
          .replace("---\n", "---\nid: security/passwords\n", 1))
    fixed = catalog.refresh()
    assert fixed.added == ("security/passwords",) and fixed.problems == ()
    assert catalog.problems() == []


def test_a_moved_file_gone_a_moment_is_warned_of_again(tmp_path: Path) -> None:
    """A branch switch takes the moved file away and brings it back: its learners' progress
    is still under the old id."""
    write(tmp_path / "security" / "passwords.md", lesson_text("Strong passwords"))
    catalog = Catalog(tmp_path)
    catalog.load()
    (tmp_path / "security" / "passwords.md").rename(tmp_path / "basics.md")
    [first] = catalog.refresh().problems
    assert "add 'id: security/passwords'" in first.message
    moved = (tmp_path / "basics.md").read_text(encoding="utf-8")
    (tmp_path / "basics.md").unlink()
    assert catalog.refresh().problems == () and catalog.problems() == []
    write(tmp_path / "basics.md", moved)
    [again] = catalog.refresh().problems
    assert again.path == "basics.md" and "add 'id: security/passwords'" in again.message
    # It names the file it was moved from, as the first warning did, not itself.
    assert again.message == first.message and "'security/passwords.md' moved" in again.message
    assert catalog.problems() == [again]


def test_a_lesson_moved_while_the_bot_was_stopped_is_warned_of_at_the_start(
        tmp_path: Path) -> None:
    """A `git pull` and a restart moved a lesson: its learners' progress was lost silently."""
    from bot.content.lesson_cache import LessonCache

    lessons, cache = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(lessons / "support" / "tone.md", lesson_text("Tone of voice"))
    write(lessons / "support" / "calls.md", lesson_text("Phone calls", order=2))
    write(lessons / "support" / "gone.md", lesson_text("Gone for good", order=3))
    Catalog(lessons, cache=LessonCache(cache)).load()
    (lessons / "support" / "tone.md").rename(lessons / "writing-tone.md")
    (lessons / "support" / "gone.md").unlink()
    write(lessons / "support" / "new.md", lesson_text("Something new", order=4))
    catalog = Catalog(lessons, cache=LessonCache(cache))
    [warning] = catalog.load().problems
    assert not warning.is_error and warning.path == "writing-tone.md"
    assert "this looks like 'support/tone.md' moved or renamed" in warning.message
    assert "add 'id: support/tone'" in warning.message
    assert catalog.problems() == [warning]  # `reload` and the dashboard show it too
    # Said at every start until the advice is taken; then the progress is back, and nothing.
    assert Catalog(lessons, cache=LessonCache(cache)).load().problems == (warning,)
    write(lessons / "writing-tone.md", lesson_text("Tone of voice")
          .replace("---\n", "---\nid: support/tone\n", 1))
    again = Catalog(lessons, cache=LessonCache(cache))
    assert again.load().problems == () and again.get("support/tone") is not None
    # Without the lesson cache (lessons check), nothing is known of before.
    (lessons / "support" / "calls.md").rename(lessons / "calls.md")
    assert Catalog(lessons).load().problems == ()
    assert [p.path for p in Catalog(lessons, cache=LessonCache(cache)).load().problems] == [
        "calls.md"]


def test_a_lesson_retired_long_ago_is_not_taken_for_one_moved(tmp_path: Path) -> None:
    """Every file ever served had counted as served before a start: a new lesson with the
    title of one retired a year ago was warned of as it moved, at every start."""
    from bot.content.lesson_cache import LessonCache

    lessons, cache = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(lessons / "2023" / "intro.md", lesson_text("Intro"))
    write(lessons / "other.md", lesson_text("Other", order=2))
    running = Catalog(lessons, cache=LessonCache(cache))
    running.load()
    (lessons / "2023" / "intro.md").unlink()  # retired while the bot runs
    assert running.refresh().problems == ()
    Catalog(lessons, cache=LessonCache(cache)).load()  # a restart
    write(lessons / "2024" / "intro.md", lesson_text("Intro"))  # added while stopped
    assert Catalog(lessons, cache=LessonCache(cache)).load().problems == ()


def test_a_move_warning_stands_after_a_restart_until_the_file_takes_the_id(
        tmp_path: Path) -> None:
    from bot.content.lesson_cache import LessonCache

    lessons, cache = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(lessons / "security" / "passwords.md", lesson_text("Strong passwords"))
    running = Catalog(lessons, cache=LessonCache(cache))
    running.load()
    (lessons / "security" / "passwords.md").rename(lessons / "basics.md")
    [warning] = running.refresh().problems
    restarted = Catalog(lessons, cache=LessonCache(cache))
    assert restarted.load().problems == (warning,) and restarted.problems() == [warning]
    write(lessons / "basics.md", lesson_text("Strong passwords")
          .replace("---\n", "---\nid: security/passwords\n", 1))
    assert restarted.refresh().problems == () and restarted.problems() == []
    assert Catalog(lessons, cache=LessonCache(cache)).load().problems == ()


def test_a_new_lesson_with_another_title_is_not_taken_for_a_move(tmp_path: Path) -> None:
    write(tmp_path / "a.md", lesson_text("Apple"))
    catalog = Catalog(tmp_path)
    catalog.load()
    (tmp_path / "a.md").unlink()
    write(tmp_path / "b.md", lesson_text("Banana"))
    change = catalog.refresh()
    assert (change.added, change.removed, change.problems) == (("b",), ("a",), ())
    # Moved back under its own id: nothing was lost, nothing to say.
    write(tmp_path / "a.md", lesson_text("Apple", order=2))
    assert catalog.refresh().problems == ()


def test_drafts_are_served_only_when_asked(tmp_path: Path) -> None:
    write(tmp_path / "d.md", "---\ndraft: true\n---\n# Draft\n\nNot ready.\n")
    hidden, shown = Catalog(tmp_path), Catalog(tmp_path, include_drafts=True)
    hidden.load()
    shown.load()
    assert hidden.lessons() == [] and [lesson.id for lesson in shown.lessons()] == ["d"]


def test_missing_image_that_arrives_later_is_picked_up(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "---\nimage: pic.png\n---\n# Pic\n\nText.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    assert catalog.lessons() == []
    (tmp_path / "pic.png").write_bytes(b"\x89PNG")
    change = catalog.refresh([tmp_path / "pic.png"], recheck_assets=True)
    assert change.added == ("a",) and catalog.problems() == []
    # Another file saved: the lesson with an image is read again, and is no change.
    write(tmp_path / "notes.txt", "a note\n")
    change = catalog.refresh([tmp_path / "notes.txt"], recheck_assets=True)
    assert (change.added, change.changed, change.removed) == ((), (), ())


def test_listeners_hear_changes_and_a_failing_listener_is_contained(tmp_path: Path) -> None:
    write(tmp_path / "a.md", lesson_text("Apple"))
    catalog = Catalog(tmp_path)
    heard: list[CatalogChange] = []

    def broken(change: CatalogChange) -> None:
        raise RuntimeError("listener bug")

    catalog.subscribe(broken)
    catalog.subscribe(heard.append)
    catalog.load()
    catalog.refresh()  # nothing changed: nobody is called
    assert [change.added for change in heard] == [("a",)]


def test_lookup_limit_must_be_positive(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.load()
    with pytest.raises(QueryError, match="at least 1"):
        catalog.lookup("x", 0)


def test_lesson_folder_that_vanishes_keeps_serving_and_recovers(tmp_path: Path) -> None:
    root = tmp_path / "lessons"
    write(root / "a.md", lesson_text("Apple"))
    catalog = Catalog(root)
    catalog.load()
    root.rename(tmp_path / "moved")
    change = catalog.refresh()
    assert [lesson.id for lesson in catalog.lessons()] == ["a"]
    assert "is gone" in change.problems[0].message
    assert catalog.refresh() == CatalogChange()  # reported once, not on every refresh
    (tmp_path / "moved").rename(root)
    catalog.refresh()
    assert catalog.problems() == [] and catalog.get("a") is not None


def test_a_new_link_loop_is_reported_by_the_refresh_that_finds_it(tmp_path: Path) -> None:
    write(tmp_path / "topic/a.md", lesson_text("Apple"))
    catalog = Catalog(tmp_path)
    catalog.load()
    (tmp_path / "topic/loop").symlink_to("..")
    change = catalog.refresh()
    assert [(p.path, "folder link loop" in p.message) for p in change.problems] == [
        ("topic/loop", True)]
    assert catalog.refresh().problems == ()  # once, not on every refresh


def test_lookups_go_on_while_a_slow_refresh_parses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a.md", lesson_text("Apple"))
    catalog = Catalog(tmp_path)
    catalog.load()
    parsing, release = threading.Event(), threading.Event()
    real = catalog_module.load_files

    def slow_load(*args: object, **kwargs: object) -> object:
        parsing.set()
        release.wait(10)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog_module, "load_files", slow_load)
    write(tmp_path / "b.md", lesson_text("Banana", order=2))
    worker = threading.Thread(target=catalog.refresh)
    worker.start()
    try:
        assert parsing.wait(10)
        assert catalog.lookup("apple").hits[0].lesson.id == "a"  # not blocked by the refresh
        assert catalog.get("b") is None
    finally:
        release.set()
        worker.join(10)
    assert catalog.get("b") is not None


def test_a_file_that_crashes_the_parser_is_reported_and_the_rest_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a.md", lesson_text("Apple"))
    write(tmp_path / "boom.md", lesson_text("Boom", order=2))
    real = loader_module.parse_lesson

    def fragile(text: str, rel: str, root: Path | None = None) -> object:
        if rel == "boom.md":
            raise RuntimeError("unexpected input")
        return real(text, rel, root)

    monkeypatch.setattr(loader_module, "parse_lesson", fragile)
    catalog = Catalog(tmp_path)
    catalog.load()
    assert [lesson.id for lesson in catalog.lessons()] == ["a"]
    [problem] = catalog.problems()
    assert (problem.path, problem.line) == ("boom.md", 1)
    assert "RuntimeError: unexpected input" in problem.message


def test_a_deleted_image_takes_its_lesson_back_to_the_last_good_version(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "---\nimage: pic.png\n---\n# Pic\n\nText.\n")
    (tmp_path / "pic.png").write_bytes(b"\x89PNG")
    catalog = Catalog(tmp_path)
    catalog.load()
    assert catalog.get("a") is not None and catalog.get("a").images == ("pic.png",)  # type: ignore[union-attr]
    (tmp_path / "pic.png").unlink()
    change = catalog.refresh([tmp_path / "pic.png"], recheck_assets=True)
    assert [(p.path, p.line, "does not exist" in p.message) for p in change.problems] == [
        ("a.md", 2, True)]


CHECKED = """---
title: {title}
track: {track}
order: {order}
{extra}---
{title} is explained here in one short paragraph.

## Quiz
{quiz}"""
QUESTION = """
### {q}?
- [ ] no
- [x] yes
"""


def checked(title: str, order: int, questions: int, extra: str = "",
            track: str = "safe") -> str:
    return CHECKED.format(title=title, track=track, order=order, extra=extra,
                          quiz="".join(QUESTION.format(q=f"{title} {n}")
                                       for n in range(questions)))


def test_a_check_is_validated_with_the_track_it_belongs_to(tmp_path: Path) -> None:
    folder = tmp_path / "lessons"
    write(folder / "safe/one.md", checked("One", 1, 1, "check: 4\n"))
    write(folder / "safe/two.md", checked("Two", 2, 2, "check: true\n"))
    write(folder / "tiny/one.md", checked("Tiny", 1, 2, "check: 3\n", track="tiny"))
    write(folder / "lone.md", "---\ntitle: Lone\ncheck: 3\n---\nLone text here.\n")
    write(folder / "bad.md", checked("Bad", 1, 3, "check: 7\n", track="bad"))
    catalog = Catalog(folder)
    catalog.load()
    problems = [str(problem) for problem in catalog.problems()]
    assert "safe/two.md:5: error: 'check' belongs on the first lesson of track 'safe' " \
        "('safe/one.md'); move it there" in problems
    assert "safe/one.md:5: warning: 'check: 4' but track 'safe' has only 3 questions: the " \
        "check asks 3" in problems
    assert "tiny/one.md:5: error: track 'tiny' has 2 quiz questions; a check needs at least " \
        "3: add questions or remove 'check'" in problems
    assert "lone.md:3: error: 'check' needs a track: add 'track: name' and make this lesson " \
        "its first, or remove 'check'" in problems
    assert any(problem.startswith("bad.md:5: error: 'check' must be true, false or a number "
                                  "of questions from 3 to 5") for problem in problems)
    assert catalog_module.check_size(catalog, "safe") == 3
    assert catalog_module.check_size(catalog, "tiny") == 0


@pytest.mark.parametrize(("written", "questions"), [
    ("true", 4), ("yes", 4), ("True", 4), ("on", 4), ("4", 4), ("3", 3), ("5", 5),
    ("false", 0), ("no", 0), ("Off", 0)])
def test_check_values_as_trainers_write_them(written: str, questions: int) -> None:
    from bot.content.frontmatter import parse

    front, problems = parse(f"---\ncheck: {written}\n---\nText.\n", "a.md")
    assert problems == [] and front.values["check"] == questions


def test_confidence_is_set_on_a_tracks_first_lesson(tmp_path: Path) -> None:
    folder = tmp_path / "lessons"
    write(folder / "safe/one.md", checked("One", 1, 1, "confidence: true\n"))
    write(folder / "safe/two.md", checked("Two", 2, 1, "confidence: true\n"))
    catalog = Catalog(folder)
    catalog.load()
    assert [str(problem) for problem in catalog.problems()] == [
        "safe/two.md:5: error: 'confidence' is set for a whole track, on its first lesson; "
        "move it there (or set [schedule] confidence for every question)"]
    two = catalog.get("safe/two")
    assert two is not None and catalog_module.asks_confidence(catalog, two)


def test_a_copy_of_a_tracks_first_lesson_reports_the_order_clash_not_confidence(
        tmp_path: Path) -> None:
    """'five-moments - Copy.md' sorts before 'five-moments.md' and takes the track's first
    place by name: the original, which is order 1 and sets 'confidence', had been told to move
    it to its first lesson. The shared order is what to fix."""
    folder = tmp_path / "lessons"
    page = checked("Five moments", 1, 4, "confidence: true\ncheck: 4\n")
    write(folder / "hands/five-moments.md", page)
    os.utime(folder / "hands/five-moments.md", ns=(SOME_TIME, SOME_TIME))
    write(folder / "hands/five-moments - Copy.md", page)
    write(folder / "hands/audit.md", checked("Audit", 2, 1))
    catalog = Catalog(folder)
    catalog.load()
    errors = [str(problem) for problem in catalog.problems() if problem.is_error]
    assert not any("confidence" in error or "move it there" in error for error in errors)
    # On the copy alone, the file to delete (see the next test).
    assert errors == ["hands/five-moments - Copy.md:4: error: order 1 in track 'safe' is already "
                      "taken by 'hands/five-moments.md', of which this file is a copy; delete "
                      "the copy"]


def test_copies_of_one_lesson_answer_once(tmp_path: Path) -> None:
    page = ("# Strong passwords\n\nUse a password manager and a long passphrase for every "
            "account; never reuse a password.\n")
    for name in ("passwords.md", "copy-of-passwords.md", "again/passwords.md"):
        write(tmp_path / name, page)
        os.utime(tmp_path / name, ns=(SOME_TIME, SOME_TIME))  # written at once: paths decide
    write(tmp_path / "phishing.md", "# Spot phishing\n\nCheck the sender before you click a "
          "link; a password request by mail is a scam.\n")
    catalog = Catalog(tmp_path, min_confidence=0.0)
    catalog.load()
    found = [hit.lesson.id for hit in catalog.lookup("password manager", 3).hits]
    copies = {"passwords", "copy-of-passwords", "again/passwords"}
    assert len(copies & set(found)) == 1  # one of the three, not three times the same page
    assert "phishing" in found  # the place freed goes to a different lesson
    warned = sorted((problem.path, problem.severity.value) for problem in catalog.problems()
                    if "same title and text as 'again/passwords.md'" in problem.message)
    assert warned == [("copy-of-passwords.md", "warning"), ("passwords.md", "warning")]
    # Copies are warned as copies, not once more as lessons with the same title.
    assert not any("also the title of" in problem.message for problem in catalog.problems())


def test_two_lessons_with_one_title_are_warned_on_the_later_path(tmp_path: Path) -> None:
    write(tmp_path / "basics/ppe.md", "# Wear the right PPE\n\nGoggles, gloves and a coat.\n")
    write(tmp_path / "bad/stub.md", "---\ntitle: wear the right  PPE\n---\nAnother take.\n")
    catalog = Catalog(tmp_path, min_confidence=0.0)
    catalog.load()
    warned = [(problem.path, problem.line, problem.severity.value)
              for problem in catalog.problems() if "also the title of" in problem.message]
    assert warned == [("basics/ppe.md", 1, "warning")]
    assert len(catalog.lessons()) == 2  # both are served


def test_a_new_lesson_taking_a_tracks_first_place_gets_the_order_clash_not_move_check(
        tmp_path: Path) -> None:
    """The clash had been said on the lesson in service only (it sorts later), with advice to
    move its knowledge check to the newcomer: the fix is to renumber one of them."""
    write(tmp_path / "safety" / "fire.md", "---\ntitle: Fire\ntrack: safety\norder: 1\n"
          "check: true\n---\nText.\n\n## Quiz\n\n" + "".join(
              f"### Q{n}?\n- [x] a\n- [ ] b\n\n" for n in range(4)))
    write(tmp_path / "safety" / "a-intro.md",
          "---\ntitle: Intro\ntrack: safety\norder: 1\n---\nWelcome.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    said = {(p.path, p.line): p.message for p in catalog.problems() if p.is_error}
    assert set(said) == {("safety/a-intro.md", 4), ("safety/fire.md", 4)}
    assert "also given to 'safety/fire.md'" in said[("safety/a-intro.md", 4)]
    assert not any("move it there" in message for message in said.values())


def test_a_file_saved_right_is_fixed_only_when_it_is_served_as_it_is_now(
        tmp_path: Path) -> None:
    write(tmp_path / "a.md", "---\ntitle: A\nid: x\n---\nText.\n")
    write(tmp_path / "b.md", "---\ntitle: B\norder: two\n---\nText.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "b.md", "---\ntitle: B\nid: x\n---\nOther text.\n")  # a's id: refused
    assert catalog.refresh([tmp_path / "b.md"]).fixed == ()
    write(tmp_path / "b.md", "---\ntitle: B\n---\nOther text.\n")
    assert catalog.refresh([tmp_path / "b.md"]).fixed == ("b.md",)


@pytest.mark.parametrize("copy", ["mileage (1).md", "mileage - Copy.md", "Copy of mileage.md",
                                  "mileage copy 2.md"])
def test_a_copy_made_by_a_file_manager_is_the_one_warned_about(tmp_path: Path,
                                                                copy: str) -> None:
    """Its name sorts before the original's: the warning had told the trainer to delete the
    original, the file learners' progress is on."""
    page = "# Mileage\n\nClaim 0.30 per km with the trip's purpose and the odometer readings.\n"
    write(tmp_path / "expenses/mileage.md", page)
    write(tmp_path / "expenses" / copy, page)
    catalog = Catalog(tmp_path, min_confidence=0.0)
    catalog.load()
    [warned] = [problem for problem in catalog.problems() if "same title" in problem.message]
    assert warned.path == f"expenses/{copy}"
    assert "same title and text as 'expenses/mileage.md'" in warned.message


GREETING = ("# Greet a guest\n\nSmile, say good morning and offer to take their coat before "
            "anything else.\n")


def copy_warnings(catalog: Catalog) -> list[tuple[str, str]]:
    return [(problem.path, problem.message) for problem in catalog.problems()
            if "same title and text" in problem.message]


def test_an_exact_copy_under_a_new_name_is_warned_not_its_original(tmp_path: Path) -> None:
    """After 'cp greeting.md extra.md' the warning to delete the copy landed on greeting.md,
    the later path: the file whose id learners' progress is on. The copy is the newer file."""
    write(tmp_path / "greeting.md", GREETING)
    write(tmp_path / "extra.md", GREETING)
    os.utime(tmp_path / "greeting.md", ns=(SOME_TIME, SOME_TIME))
    os.utime(tmp_path / "extra.md", ns=(SOME_TIME + 10**9, SOME_TIME + 10**9))
    catalog = Catalog(tmp_path, min_confidence=0.0)
    catalog.load()
    assert [path for path, _ in copy_warnings(catalog)] == ["extra.md"]
    assert "same title and text as 'greeting.md'" in copy_warnings(catalog)[0][1]
    assert "delete the copy" in copy_warnings(catalog)[0][1]
    # Of files with one time (a checkout), the later path, as before.
    os.utime(tmp_path / "extra.md", ns=(SOME_TIME, SOME_TIME))
    again = Catalog(tmp_path, min_confidence=0.0)
    again.load()
    assert [path for path, _ in copy_warnings(again)] == ["greeting.md"]


def test_the_file_a_running_bot_served_first_is_the_original(tmp_path: Path) -> None:
    """A copy with an older time ('cp -p', a file manager keeping times) that comes while the
    bot runs: the file it already served is the one learners' progress is on."""
    write(tmp_path / "greeting.md", GREETING)
    catalog = Catalog(tmp_path, min_confidence=0.0)
    catalog.load()
    write(tmp_path / "extra.md", GREETING)
    os.utime(tmp_path / "extra.md", ns=(SOME_TIME, SOME_TIME))  # older than greeting.md
    change = catalog.refresh([tmp_path / "extra.md"])
    assert [problem.path for problem in change.problems
            if "same title and text" in problem.message] == ["extra.md"]
    assert [path for path, _ in copy_warnings(catalog)] == ["extra.md"]
    # It stays there at the next look, both files served by then.
    write(tmp_path / "other.md", "# Say goodbye\n\nThank the guest and hold the door.\n")
    catalog.refresh([tmp_path / "other.md"])
    assert [path for path, _ in copy_warnings(catalog)] == ["extra.md"]
    # Even over a name that says copy: the bot knows which one it served first.
    write(tmp_path / "lobby (1).md", "# Lobby\n\nKeep the lobby tidy and the lights on.\n")
    catalog.refresh([tmp_path / "lobby (1).md"])
    write(tmp_path / "lobby.md", "# Lobby\n\nKeep the lobby tidy and the lights on.\n")
    catalog.refresh([tmp_path / "lobby.md"])
    assert sorted(path for path, _ in copy_warnings(catalog)) == ["extra.md", "lobby.md"]


def test_a_file_served_before_a_restart_is_the_original_after_it(tmp_path: Path) -> None:
    """A copy made while the bot was stopped: the lesson cache knows the files served before."""
    from bot.content.lesson_cache import LessonCache

    lessons, cache = tmp_path / "lessons", tmp_path / "cache.sqlite"
    write(lessons / "greeting.md", GREETING)
    Catalog(lessons, cache=LessonCache(cache)).load()
    write(lessons / "extra.md", GREETING)
    os.utime(lessons / "extra.md", ns=(SOME_TIME, SOME_TIME))  # older than greeting.md
    catalog = Catalog(lessons, min_confidence=0.0, cache=LessonCache(cache))
    catalog.load()
    assert [path for path, _ in copy_warnings(catalog)] == ["extra.md"]


SSH = """---
title: SSH
---
SSH listens on a port of its own.

## Quiz

### {q}
- [x] 22
- [ ] 80
- [ ] 443

### Which protocol does SSH encrypt?
- [x] All of its traffic
- [ ] Only the password
"""


def test_a_question_reworded_while_running_is_told_how_to_keep_its_reviews(
        tmp_path: Path) -> None:
    from bot.content.parser import question_key

    write(tmp_path / "ssh.md", SSH.format(q="Wich port does SSH use?"))
    catalog = Catalog(tmp_path)
    catalog.load()
    old = question_key("Wich port does SSH use?")
    write(tmp_path / "ssh.md", SSH.format(q="Which port does SSH use?"))
    change = catalog.refresh()
    assert change.changed == ("ssh",)
    [warning] = change.problems
    assert (warning.path, warning.line, warning.is_error) == ("ssh.md", 8, False)
    assert "'Which port does SSH use?' looks like 'Wich port does SSH use?' reworded" in \
        warning.message
    assert "start again" in warning.message and f"end its heading with '{{#{old}}}'" in \
        warning.message
    assert catalog.problems() == [warning]  # `reload` and the dashboard keep showing it
    # Edited again elsewhere (a line above it): said at the question's new line, still.
    write(tmp_path / "ssh.md", SSH.format(q="Which port does SSH use?").replace(
        "SSH listens", "SSH, the secure shell,\nlistens"))
    [moved] = catalog.refresh().problems
    assert moved.line == 9 and moved.message == warning.message
    # Reworded again before the advice was taken: still the key its reviews are under.
    write(tmp_path / "ssh.md", SSH.format(q="Which port does SSH use by default?"))
    [again] = catalog.refresh().problems
    assert f"'{{#{old}}}'" in again.message and "looks like 'Wich port does SSH use?'" in \
        again.message
    assert catalog.problems() == [again]
    # The trainer takes the advice: the warning goes, and the question has its old key.
    write(tmp_path / "ssh.md", SSH.format(q=f"Which port does SSH use by default? {{#{old}}}"))
    assert catalog.refresh().problems == () and catalog.problems() == []
    lesson = catalog.get("ssh")
    assert lesson is not None and lesson.questions[0].key == old


def test_a_question_with_its_choices_reworded_too_is_matched_by_its_words(
        tmp_path: Path) -> None:
    write(tmp_path / "ssh.md", SSH.format(q="Wich port does SSH use?"))
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "ssh.md", SSH.format(q="Which port does SSH use?").replace(
        "- [ ] 443", "- [ ] 8080"))
    [warning] = catalog.refresh().problems
    assert "reworded (close words)" in warning.message
    # Only its choices alike (in another order): still taken for it.
    write(tmp_path / "other" / "ssh.md", SSH.format(q="Wich port does SSH use?"))
    catalog = Catalog(tmp_path / "other")
    catalog.load()
    write(tmp_path / "other" / "ssh.md", SSH.format(
        q="On what TCP port does a secure shell listen?").replace("- [x] 22\n- [ ] 80",
                                                                  "- [ ] 80\n- [x] 22"))
    [warning] = catalog.refresh().problems
    assert "reworded (the same choices)" in warning.message
    assert "looks like 'Wich port does SSH use?'" in warning.message


def test_a_new_question_is_not_taken_for_one_reworded(tmp_path: Path) -> None:
    write(tmp_path / "ssh.md", SSH.format(q="Which port does SSH use?"))
    catalog = Catalog(tmp_path)
    catalog.load()
    # Another question, other choices: a new question, nothing to say.
    write(tmp_path / "ssh.md", SSH.format(q="Which key type is the default?").replace(
        "- [x] 22\n- [ ] 80\n- [ ] 443", "- [x] ed25519\n- [ ] rsa"))
    assert catalog.refresh().problems == ()
    # True-or-false questions all have the same choices: choices alone match none of them.
    tf = ("---\ntitle: TF\n---\nText.\n\n## Quiz\n\n### {a}\n- [x] True\n- [ ] False\n\n"
          "### {b}\n- [ ] True\n- [x] False\n")
    write(tmp_path / "tf.md", tf.format(a="Is the sky blue?", b="Is grass red?"))
    catalog.refresh()
    write(tmp_path / "tf.md", tf.format(a="Is the sea salty?", b="Is grass red?"))
    assert catalog.refresh().problems == ()
    # A key written changed for another written: the trainer works with keys on purpose.
    write(tmp_path / "ssh.md", SSH.format(q="Which key type is the default? {#key-type}"))
    catalog.refresh()
    write(tmp_path / "ssh.md", SSH.format(q="Which key type is the default? {#default-key}"))
    assert catalog.refresh().problems == ()


def test_a_reworded_question_given_a_key_of_its_own_is_a_new_question(tmp_path: Path) -> None:
    write(tmp_path / "ssh.md", SSH.format(q="Which port does SSH use?"))
    catalog = Catalog(tmp_path)
    catalog.load()
    # A key written on a question that has reviews is a new key: warned of, as a rewording.
    write(tmp_path / "ssh.md", SSH.format(q="Which port does SSH use? {#ssh-port}"))
    [warning] = catalog.refresh().problems
    assert "has the words of the one whose learners' reviews and answers are kept under the " \
        "key" in warning.message
    # The trainer means a new question ("HTTPS, not SSH"): a key of its own says so.
    write(tmp_path / "ssh.md", SSH.format(q="Which port does HTTPS use?"))
    [warning] = catalog.refresh().problems
    assert "looks like 'Which port does SSH use?'" in warning.message
    write(tmp_path / "ssh.md", SSH.format(q="Which port does HTTPS use? {#https-port}"))
    assert catalog.refresh().problems == () and catalog.problems() == []


def test_a_reworded_question_warning_stands_after_a_restart_until_the_key_is_taken(
        tmp_path: Path) -> None:
    from bot.content.lesson_cache import LessonCache
    from bot.content.parser import question_key

    lessons, cache = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(lessons / "ssh.md", SSH.format(q="Wich port does SSH use?"))
    running = Catalog(lessons, cache=LessonCache(cache))
    running.load()
    write(lessons / "ssh.md", SSH.format(q="Which port does SSH use?"))
    [warning] = running.refresh().problems
    restarted = Catalog(lessons, cache=LessonCache(cache))
    assert restarted.load().problems == (warning,) and restarted.problems() == [warning]
    old = question_key("Wich port does SSH use?")
    write(lessons / "ssh.md", SSH.format(q=f"Which port does SSH use? {{#{old}}}"))
    assert restarted.refresh().problems == () and restarted.problems() == []
    assert Catalog(lessons, cache=LessonCache(cache)).load().problems == ()
    # A question warned of and deleted while the bot was stopped: nothing stands.
    write(lessons / "ssh.md", SSH.format(q="Which port does SSH use?"))
    assert len(restarted.refresh().problems) == 1
    write(lessons / "ssh.md", SSH.format(q="Which port does SSH use?")
          .replace("### Which port does SSH use?\n- [x] 22\n- [ ] 80\n- [ ] 443\n", ""))
    assert Catalog(lessons, cache=LessonCache(cache)).load().problems == ()


def test_a_question_reworded_while_the_bot_was_stopped_is_warned_of_at_the_start(
        tmp_path: Path) -> None:
    """A `git pull` and a restart fixed a typo: its learners' reviews were lost silently."""
    from bot.content.lesson_cache import LessonCache
    from bot.content.parser import question_key

    lessons, cache = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(lessons / "ssh.md", SSH.format(q="Wich port does SSH use?"))
    write(lessons / "other.md", lesson_text("Other"))
    Catalog(lessons, cache=LessonCache(cache)).load()
    assert Catalog(lessons, cache=LessonCache(cache)).load().problems == ()  # nothing changed
    write(lessons / "ssh.md", SSH.format(q="Which port does SSH use?"))
    catalog = Catalog(lessons, cache=LessonCache(cache))
    [warning] = catalog.load().problems
    assert (warning.path, warning.line) == ("ssh.md", 8)
    old = question_key("Wich port does SSH use?")
    assert "looks like 'Wich port does SSH use?' reworded" in warning.message
    assert f"'{{#{old}}}'" in warning.message and catalog.problems() == [warning]
    # It stands at the next start, and goes once the key is written.
    assert Catalog(lessons, cache=LessonCache(cache)).load().problems == (warning,)
    write(lessons / "ssh.md", SSH.format(q=f"Which port does SSH use? {{#{old}}}"))
    assert catalog.refresh().problems == ()
    assert Catalog(lessons, cache=LessonCache(cache)).load().problems == ()
    # A question deleted while the bot was stopped is no rewording.
    write(lessons / "ssh.md", SSH.format(q=f"Which port does SSH use? {{#{old}}}").replace(
        "### Which protocol does SSH encrypt?\n- [x] All of its traffic\n- [ ] Only the "
        "password\n", ""))
    assert Catalog(lessons, cache=LessonCache(cache)).load().problems == ()


def _link_warnings(problems: Iterable[Problem], path: str) -> list[str]:
    return [p.message for p in problems if p.path == path and "leads to no file" in p.message]


def test_a_link_to_a_lesson_renamed_with_its_id_kept_names_the_new_file(tmp_path: Path) -> None:
    """A link to 'passwords.md', renamed 'credentials.md' (other words: no close name) with
    'id: security/passwords', was told only that the file is not there."""
    write(tmp_path / "security" / "credentials.md",
          "---\nid: security/passwords\ntitle: Strong passwords\n---\nLong ones.\n")
    write(tmp_path / "security" / "phishing.md",
          "# Phishing\n\nSee [it](passwords.md#managers),\n[again](passwords.md) and\n"
          "[from the top](/security/passwords.md); [other](passwrds.md).\n\nAnd "
          "[it](passwords.md).\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    said = sorted((p.line, p.message) for p in catalog.problems()
                  if p.path == "security/phishing.md")
    moved = ("' is not in the lesson folder; that lesson was moved or renamed to "
             "'security/credentials.md' (its id 'security/passwords' kept): link '")
    assert [(line, message.split(" leads to no file: 'security/")[0]) for line, message
            in said] == [(3, "the link 'passwords.md#managers'"), (4, "the link 'passwords.md'"),
                         (5, "the link '/security/passwords.md'"), (5, "the link 'passwrds.md'"),
                         (7, "the link 'passwords.md'")]
    assert said[0][1].endswith(moved + "credentials.md#managers'")
    assert said[1][1].endswith(moved + "credentials.md'") and said[4][1] == said[1][1]
    assert said[2][1].endswith(moved + "/security/credentials.md'")
    assert "moved or renamed" not in said[3][1]  # another file's name, mistyped


def test_a_link_to_a_lesson_moved_while_running_names_where_it_went(tmp_path: Path) -> None:
    """Moved without its id, the lesson is the file the move warning is on (the same title):
    the link's warning names it, where the closest name was no help."""
    write(tmp_path / "security" / "passwords.md", lesson_text("Strong passwords"))
    write(tmp_path / "security" / "phishing.md",
          "---\ntitle: Phishing\n---\nSee [it](passwords.md).\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    (tmp_path / "security" / "passwords.md").rename(tmp_path / "basics-credentials.md")
    change = catalog.refresh()
    [told] = _link_warnings(change.problems, "security/phishing.md")
    assert told.endswith("that lesson was moved or renamed to 'basics-credentials.md' (the same "
                         "title): link '../basics-credentials.md'"), told
    assert _link_warnings(catalog.problems(), "security/phishing.md") == [told]


LAUGHS = ("---\ntitle: Laughs\ntopic: t\na: &a [" + ",".join(['"x"'] * 10) + "]\n"
          + "".join(f"{name}: &{name} [{','.join([f'*{before}'] * 10)}]\n"
                    for before, name in zip("abcdefgh", "bcdefghi", strict=True))
          + "tags: *i\n---\nBody text here.\n")
"""A security review's: nine lines of aliases that stand for 10**9 tags."""


def test_yaml_aliases_are_refused_not_expanded_and_the_last_good_version_stays(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.content import frontmatter

    read = frontmatter._as_written
    calls = [0]

    def counted(node: object) -> object:
        calls[0] += 1
        assert calls[0] < 10_000, "aliases expanded"
        return read(node)  # type: ignore[arg-type]

    monkeypatch.setattr(frontmatter, "_as_written", counted)
    write(tmp_path / "a.md", lesson_text("Version one"))
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "a.md", LAUGHS)
    problems = catalog.refresh([tmp_path / "a.md"]).problems
    assert [(p.line, p.is_error) for p in problems] == [(line, True) for line in range(4, 14)]
    assert problems[0].message.startswith("the anchor '&a': YAML anchors and aliases")
    assert problems[-1].message.startswith("the alias '*i': YAML anchors and aliases")
    assert catalog.get("a").title == "Version one"  # type: ignore[union-attr]
    assert catalog.kept_while_broken() == ["a.md"]


def test_the_file_that_served_an_id_gets_it_back_after_a_moment_away(tmp_path: Path) -> None:
    """A stray file claiming a lesson's id (a copy started as a new lesson) took the lesson
    over while the real file was away for a moment (an editor's save that renames the old file
    away, a delete then `git checkout --`); when the real file came back, it was the one
    refused, and the lesson cache kept it so after a restart."""
    from bot.content.lesson_cache import LessonCache

    lessons, cache = tmp_path / "lessons", tmp_path / "cache.sqlite3"
    write(lessons / "security" / "phishing.md", "# Spot phishing\n\nThe real lesson.\n")
    write(lessons / "drafts" / "copy.md",
          "---\nid: security/phishing\ntitle: My new draft\n---\nA draft.\n")
    catalog = Catalog(lessons, cache=LessonCache(cache))
    catalog.load()
    assert catalog.not_served() == ["drafts/copy.md"]
    (lessons / "security" / "phishing.md").unlink()
    away = catalog.refresh()
    served = catalog.get("security/phishing")
    assert served is not None and served.path == "drafts/copy.md"  # meanwhile
    assert away.fixed == ()  # the copy did not change: it is not "fixed"
    [told] = [p for p in away.problems if p.path == "drafts/copy.md"]
    assert not told.is_error and "'security/phishing.md', which served" in told.message
    write(lessons / "security" / "phishing.md", "# Spot phishing\n\nThe real lesson, again.\n")
    back = catalog.refresh()
    served = catalog.get("security/phishing")
    assert served is not None and served.path == "security/phishing.md"
    assert back.changed == ("security/phishing",) and back.fixed == ()
    assert catalog.not_served() == ["drafts/copy.md"]
    [refused] = [p for p in catalog.problems() if p.is_error]
    assert refused.path == "drafts/copy.md" and "learners get that one" in refused.message
    # After a restart, with the same lesson cache: as before.
    again = Catalog(lessons, cache=LessonCache(cache))
    again.load()
    served = again.get("security/phishing")
    assert served is not None and served.path == "security/phishing.md"
    assert again.not_served() == ["drafts/copy.md"]


def test_a_restart_while_the_file_that_served_an_id_is_away_keeps_it_its_owner(
        tmp_path: Path) -> None:
    from bot.content.lesson_cache import LessonCache

    lessons, cache = tmp_path / "lessons", tmp_path / "cache.sqlite3"
    write(lessons / "give.md", "---\nid: feedback\n---\n# Give feedback\n\nThe real one.\n")
    first = Catalog(lessons, cache=LessonCache(cache))
    first.load()
    # A file that takes the id from its path comes while the bot runs: the file in service
    # keeps the id.
    write(lessons / "feedback.md", "# Feedback draft\n\nA newer file.\n")
    first.refresh()
    assert first.not_served() == ["feedback.md"]
    moved = lessons.parent / "give.md"
    (lessons / "give.md").rename(moved)
    first.refresh()
    again = Catalog(lessons, cache=LessonCache(cache))
    again.load()
    moved.rename(lessons / "give.md")
    again.refresh()
    served = again.get("feedback")
    assert served is not None and served.path == "give.md"


def test_a_file_held_while_it_is_away_for_a_moment_stays_in_service(tmp_path: Path) -> None:
    """The watcher holds a file that vanished for its grace (an editor's save by rename):
    the catalog had dropped it at once, and said "removed", then "added"."""
    write(tmp_path / "a.md", lesson_text("Apple"))
    write(tmp_path / "b.md", lesson_text("Banana", order=2))
    catalog = Catalog(tmp_path)
    catalog.load()
    (tmp_path / "a.md").rename(tmp_path / "a.md~")
    write(tmp_path / "b.md", lesson_text("Blueberry", order=2))  # another file's change
    assert catalog.refresh([tmp_path / "b.md"], hold=[tmp_path / "a.md"]) == \
        CatalogChange(changed=("b",))
    assert catalog.get("a") is not None
    assert catalog.refresh(hold=[tmp_path / "a.md"]) == CatalogChange()  # a rescan meanwhile
    (tmp_path / "a.md~").rename(tmp_path / "a.md")
    write(tmp_path / "a.md", lesson_text("Apricot"))
    assert catalog.refresh([tmp_path / "a.md"]) == CatalogChange(changed=("a",))
    (tmp_path / "a.md").unlink()
    assert catalog.refresh().removed == ("a",)  # once no longer held: gone


def test_a_save_beside_broken_files_says_only_the_saved_files_news(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """`sed -i` leaves a temporary file in the folder, so the watcher asks for a recheck of
    every file with errors (an image may have come): each broken file's errors were said again
    at every such save, though they are said once, when they arise."""
    write(tmp_path / "a.md", lesson_text("Alpha"))
    write(tmp_path / "empty.md", "")
    write(tmp_path / "kept.md", lesson_text("Kept", order=2))
    catalog = Catalog(tmp_path)
    catalog.load()
    write(tmp_path / "kept.md", "---\ntitle: Kept\norder: first\n---\nText.\n")
    assert {p.path for p in catalog.refresh([tmp_path / "kept.md"]).problems} == {"kept.md"}
    caplog.set_level(logging.WARNING)
    caplog.clear()
    write(tmp_path / "a.md", lesson_text("Alpha renamed"))
    change = catalog.refresh([tmp_path / "a.md", tmp_path / "sedAb12Cd"], recheck_assets=True)
    assert change.changed == ("a",) and change.problems == ()
    assert caplog.records == []  # nor "kept.md is broken; still serving ..." again
    # A broken file's own news is still said: changed at the same time, or mended.
    write(tmp_path / "empty.md", "---\ntitle: [x\n---\n")
    change = catalog.refresh([tmp_path / "a.md", tmp_path / "empty.md"], recheck_assets=True)
    assert {p.path for p in change.problems} == {"empty.md"}
    write(tmp_path / "kept.md", lesson_text("Kept", order=2))
    change = catalog.refresh([tmp_path / "kept.md"], recheck_assets=True)
    assert change.fixed == ("kept.md",) and change.problems == ()
    assert {p.path for p in catalog.problems()} == {"empty.md"}


def test_a_linked_lesson_whose_target_is_deleted_keeps_its_last_good_version(
        tmp_path: Path) -> None:
    """The link is still there: a lesson whose target went is a file that turned bad, not one
    deleted (it had been dropped as removed, and not served at the next start either)."""
    from bot.content.lesson_cache import LessonCache

    folder, outside = tmp_path / "lessons", tmp_path / "outside"
    cache = tmp_path / "cache.sqlite3"
    write(outside / "ext.md", lesson_text("External lesson"))
    folder.mkdir()
    (folder / "ext.md").symlink_to(outside / "ext.md")
    catalog = Catalog(folder, cache=LessonCache(cache))
    catalog.load()
    (outside / "ext.md").unlink()
    change = catalog.refresh()
    assert change.removed == () and catalog.get("ext") is not None
    [error] = change.problems
    assert error.path == "ext.md" and error.is_error and "broken link" in error.message
    assert catalog.kept_while_broken() == ["ext.md"] and catalog.not_served() == []
    # So too after a restart, as for any file broken while the bot was stopped.
    again = Catalog(folder, cache=LessonCache(cache))
    again.load()
    assert again.get("ext") is not None and again.kept_while_broken() == ["ext.md"]
    # The target back: served as it is now.
    write(outside / "ext.md", lesson_text("External lesson, new"))
    change = again.refresh()
    assert change.changed == ("ext",) and change.fixed == ("ext.md",)
    # The link itself deleted: removed.
    (folder / "ext.md").unlink()
    assert again.refresh().removed == ("ext",)


def test_an_exact_copy_is_told_to_go_not_how_to_stay(tmp_path: Path) -> None:
    """'use-mfa (1).md' (a file manager's copy) was told, besides 'delete the copy', to be
    renamed and given an 'id:' (advice for keeping it), and its original was blamed for the
    order clash the copy made."""
    page = lesson_text("Use MFA", track="security-basics", order=3)
    write(tmp_path / "security/use-mfa.md", page)
    write(tmp_path / "security/other.md", lesson_text("Other", track="security-basics",
                                                      order=1))
    catalog = Catalog(tmp_path, min_confidence=0.0)
    catalog.load()
    write(tmp_path / "security/use-mfa (1).md", page)
    change = catalog.refresh()
    for problems in (change.problems, tuple(catalog.problems())):
        assert all(p.path == "security/use-mfa (1).md" for p in problems)
        messages = [p.message for p in problems]
        assert not any("rename it" in message for message in messages)
        assert any(message.startswith("same title and text as 'security/use-mfa.md'")
                   for message in messages)
        [clash] = [p for p in problems if p.is_error]
        assert clash.message == ("order 3 in track 'security-basics' is already taken by "
                                 "'security/use-mfa.md', of which this file is a copy; "
                                 "delete the copy")
    # Made a lesson of its own, it is told how to name it, and the clash is on both.
    write(tmp_path / "security/use-mfa (1).md", lesson_text("Use MFA at home",
                                                           track="security-basics", order=3))
    problems = catalog.refresh().problems
    assert any(p.message.startswith("the file's path has a space") for p in problems)
    assert {p.path for p in catalog.problems() if p.is_error} == {
        "security/use-mfa.md", "security/use-mfa (1).md"}


def test_a_folder_renamed_whole_is_one_warning_while_running_and_at_a_start(
        tmp_path: Path) -> None:
    """`mv hr people` (200 lessons) gave 200 warnings, each advising an 'id:' line, and the
    same 200 at every start."""
    from bot.content.lesson_cache import LessonCache

    lessons, cache = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    for number in range(1, 5):
        write(lessons / "hr" / f"policy-{number:03}.md",
              lesson_text(f"Policy {number}", track="hr", order=number))
    write(lessons / "misc" / "one.md", lesson_text("One", track="misc"))
    write(lessons / "misc" / "two.md", lesson_text("Two", track="misc", order=2))
    running = Catalog(lessons, cache=LessonCache(cache))
    running.load()
    (lessons / "hr").rename(lessons / "people")
    # One lesson of a folder moved alone is still told file by file.
    (lessons / "misc" / "one.md").rename(lessons / "people" / "one.md")
    change = running.refresh()
    assert len(change.added) == 5 and len(change.removed) == 5
    summary = Problem(
        "people", 1, catalog_module.Severity.WARNING,
        "'hr/' looks renamed to 'people/' (4 lessons moved with their names and titles): "
        "learners who read them will get them again as new lessons and their questions' "
        "reviews start over; to keep their progress, rename the folder back to 'hr' (then "
        "move lessons one by one, each with its old 'id:'), or add to each of the 4 files the "
        "id it had, as 'id: hr/policy-001' in 'people/policy-001.md'")
    [single] = [p for p in change.problems if p.path == "people/one.md"]
    assert "'misc/one.md' moved or renamed" in single.message
    assert change.problems == (summary, single) and running.problems() == [summary, single]
    restarted = Catalog(lessons, cache=LessonCache(cache))
    assert restarted.load().problems == (summary, single)
    # One file takes its id: the other three are still told as one folder.
    write(lessons / "people" / "policy-002.md", lesson_text("Policy 2", track="hr", order=2)
          .replace("---\n", "---\nid: hr/policy-002\n", 1))
    restarted.refresh()
    assert [p.message[:60] for p in restarted.problems()] == [
        "'hr/' looks renamed to 'people/' (3 lessons moved with their", single.message[:60]]


def test_a_file_moved_while_its_old_path_is_held_is_no_copy(tmp_path: Path) -> None:
    """`mv hr people`: the watcher holds the vanished files a moment (an editor's save looks
    the same), so the new files came while the old were still served, and each was told it
    was a copy to delete (and clashed in its track's order) before the move was seen."""
    write(tmp_path / "hr/a.md", lesson_text("Alpha", track="hr"))
    write(tmp_path / "hr/b.md", lesson_text("Beta", track="hr", order=2))
    catalog = Catalog(tmp_path, min_confidence=0.0)
    catalog.load()
    (tmp_path / "hr").rename(tmp_path / "people")
    held = [tmp_path / "hr/a.md", tmp_path / "hr/b.md"]
    change = catalog.refresh(hold=held)
    assert len(change.added) == 2 and change.problems == () and catalog.problems() == []
    change = catalog.refresh()
    assert len(change.removed) == 2 and [p.path for p in change.problems] == ["people"]
