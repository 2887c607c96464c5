"""The parsed-lesson cache: a restart reads back exactly what parsing gives, never a stale lesson,
reports bad files every time, and a cache that is unusable or damaged is logged and skipped."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from bot.content import lesson_cache as lesson_cache_module
from bot.content import loader as loader_module
from bot.content.catalog import Catalog
from bot.content.folder import MAX_LESSON_BYTES, scan
from bot.content.lesson_cache import LessonCache, lesson_cache_path
from bot.content.loader import Loaded, load_files
from bot.content.model import Lesson, Problem
from bot.content.search import FIELDS, Analysis
from tests.conftest import DATA, SAMPLE

LESSON = "---\ntitle: {title}\ntags: [mail]\n---\n{title} is explained here in one paragraph.\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """The sample library, the test data (good, bad and cross-file) and a lesson with a
    picture, in one folder."""
    root = tmp_path / "lessons"
    shutil.copytree(SAMPLE, root / "sample")
    for name in ("good", "bad", "cross"):
        shutil.copytree(DATA / name, root / name)
    write(root / "pictured.md", "---\nimage: pic.png\n---\n# Pictured\n\nA lesson with a picture.\n")
    (root / "pic.png").write_bytes(b"\x89PNG")
    return root


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files parsed (rather than read back from the cache), by path."""
    seen: list[str] = []
    real = loader_module.parse_lesson

    def counting(text: str, rel: str, root: Path | None = None) -> tuple[Lesson | None,
                                                                          list[Problem]]:
        seen.append(rel)
        return real(text, rel, root)

    monkeypatch.setattr(loader_module, "parse_lesson", counting)
    return seen


def load(root: Path, cache: LessonCache | None) -> list[Loaded]:
    files, _ = scan(root)
    return load_files(files, root, MAX_LESSON_BYTES, cache)


def terms(analysis: Analysis | None) -> tuple[list[Counter[str]], set[str], tuple[int, ...]]:
    """An analysis in words (its numbers depend on the batch it was made in)."""
    assert analysis is not None
    fields = [Counter({analysis.vocab[t]: c for t, c in zip(analysis.terms[i], analysis.counts[i],
                                                             strict=True)})
              for i in range(len(FIELDS))]
    return fields, {analysis.vocab[n] for n in analysis.surface}, analysis.lengths


def same(cached: list[Loaded], fresh: list[Loaded]) -> None:
    assert [item.rel for item in cached] == [item.rel for item in fresh]
    for got, want in zip(cached, fresh, strict=True):
        assert got.lesson == want.lesson, got.rel
        assert got.problems == want.problems, got.rel
        if want.lesson is not None:
            assert got.lesson is not None and got.lesson.lines == want.lesson.lines
            assert terms(got.analysis) == terms(want.analysis), got.rel


def test_a_restart_reads_every_good_lesson_back_exactly_as_parsing_gives_it(
    library: Path, tmp_path: Path, parses: list[str],
) -> None:
    fresh = load(library, None)
    cache = LessonCache(tmp_path / "lessons.sqlite3")
    same(load(library, cache), fresh)
    cache.close()
    parses.clear()
    again = LessonCache(tmp_path / "lessons.sqlite3")
    cached = load(library, again)
    same(cached, fresh)
    bad = sorted(item.rel for item in fresh if item.lesson is None)
    assert bad and any(item.lesson is not None and item.problems for item in fresh)  # warnings
    # Only the files with errors were parsed again, so their problems are reported afresh.
    assert sorted(parses) == sorted(rel for rel in bad if not rel.startswith(("bad/binary",
                                                                               "bad/empty",
                                                                               "bad/latin1")))


def test_workers_send_lessons_back_encoded_and_they_arrive_whole(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    fresh = load(library, None)
    monkeypatch.setattr(loader_module, "PARALLEL_FROM", 2)  # worker processes, even for a few
    same(load(library, None), fresh)
    same(load(library, LessonCache(tmp_path / "lessons.sqlite3")), fresh)  # and into the cache
    monkeypatch.setattr(loader_module, "PARALLEL_FROM", 10**6)
    same(load(library, LessonCache(tmp_path / "lessons.sqlite3")), fresh)  # read back whole


def test_a_catalog_on_a_warm_cache_serves_and_reports_what_a_fresh_one_does(
    library: Path, tmp_path: Path,
) -> None:
    fresh = Catalog(library)
    fresh_change = fresh.load()
    path = tmp_path / "lessons.sqlite3"
    Catalog(library, cache=LessonCache(path)).load()
    warm = Catalog(library, cache=LessonCache(path))
    change = warm.load()
    assert change == fresh_change
    assert warm.problems() == fresh.problems()
    assert any(problem.is_error for problem in warm.problems())
    assert warm.lessons() == fresh.lessons()
    for query in ("phishing email", "how do I give feedback", "pasword manger", "meetings"):
        assert warm.lookup(query) == fresh.lookup(query)


def test_a_changed_file_is_parsed_again_even_with_the_same_size_and_time(
    tmp_path: Path, parses: list[str],
) -> None:
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", LESSON.format(title="Apples"))
    before = os.stat(root / "a.md")
    Catalog(root, cache=LessonCache(path)).load()
    write(root / "a.md", LESSON.format(title="Melons"))
    os.utime(root / "a.md", ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(root / "a.md").st_size == before.st_size
    parses.clear()
    catalog = Catalog(root, cache=LessonCache(path))
    catalog.load()
    assert parses == ["a.md"]
    assert [lesson.title for lesson in catalog.lessons()] == ["Melons"]
    # The live refresh of an edit goes through the cache too, and is never stale.
    write(root / "a.md", LESSON.format(title="Apples"))
    catalog.refresh([root / "a.md"])
    assert [lesson.title for lesson in catalog.lessons()] == ["Apples"]
    with sqlite3.connect(path) as db:  # the edited file's older entries are gone
        assert db.execute("SELECT count(*) FROM lessons WHERE rel = 'a.md'").fetchone() == (1,)


def test_a_renamed_file_is_parsed_again_under_its_new_name(tmp_path: Path) -> None:
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", LESSON.format(title="Apples"))
    Catalog(root, cache=LessonCache(path)).load()
    (root / "a.md").rename(root / "b.md")
    catalog = Catalog(root, cache=LessonCache(path))
    catalog.load()
    assert [(lesson.id, lesson.path) for lesson in catalog.lessons()] == [("b", "b.md")]


def test_a_lesson_whose_image_is_gone_is_parsed_again_reported_and_served_without_it(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """As while running, a deleted image leaves the lesson at its last good version (sent
    without the picture); a restart had dropped it, and a track's first lesson with it."""
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", "---\nimage: pic.png\n---\n# Pic\n\nText.\n")
    (root / "pic.png").write_bytes(b"\x89PNG")
    Catalog(root, cache=LessonCache(path)).load()
    (root / "pic.png").unlink()
    catalog = Catalog(root, cache=LessonCache(path))
    change = catalog.load()
    assert [(p.path, p.line, "does not exist" in p.message) for p in change.problems] == [
        ("a.md", 2, True)]
    assert [lesson.title for lesson in catalog.lessons()] == ["Pic"]
    assert catalog.kept_while_broken() == ["a.md"]
    assert "without its picture, which is gone" in caplog.text


def test_lessons_that_link_to_files_are_read_back_until_a_linked_file_comes_or_goes(
        tmp_path: Path, parses: list[str]) -> None:
    """Every lesson with a link to a file had been parsed again at every start (whether each
    file is there is part of its warnings): a library whose lessons link to each other, as
    Node.js' documentation does, lost its warm start (1.5 s against 0.3 s)."""
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", "# A\n\nSee [b](b.md), [the form](form.pdf) and [c](c.md).\n")
    write(root / "b.md", "# B\n\nText.\n")
    (root / "form.pdf").write_bytes(b"%PDF")
    load(root, LessonCache(path))
    parses.clear()
    load(root, LessonCache(path))
    assert parses == []  # every link leads where it led: read back
    write(root / "c.md", "# C\n\nText.\n")  # a missing lesson arrives
    loaded = {item.rel: item for item in load(root, LessonCache(path))}
    assert sorted(parses) == ["a.md", "c.md"]
    assert not [p for p in loaded["a.md"].problems if "c.md" in p.message]
    parses.clear()
    (root / "form.pdf").unlink()  # a linked file goes
    loaded = {item.rel: item for item in load(root, LessonCache(path))}
    assert parses == ["a.md"]
    assert ["leads to no file" in p.message for p in loaded["a.md"].problems] == [True]


def test_entries_made_by_other_code_are_not_used(
    tmp_path: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", LESSON.format(title="Apples"))
    Catalog(root, cache=LessonCache(path)).load()
    monkeypatch.setattr(lesson_cache_module, "code_version", lambda: "the next release")
    parses.clear()
    Catalog(root, cache=LessonCache(path)).load()
    assert parses == ["a.md"]


def serves_apples(root: Path, cache: LessonCache) -> None:
    catalog = Catalog(root, cache=cache)
    catalog.load()
    assert [lesson.title for lesson in catalog.lessons()] == ["Apples"]


def test_an_unusable_cache_is_logged_and_every_file_parsed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, parses: list[str],
) -> None:
    write(tmp_path / "lessons" / "a.md", LESSON.format(title="Apples"))
    (tmp_path / "file").write_text("")
    nowhere = LessonCache(tmp_path / "file" / "lessons.sqlite3")  # a folder that cannot be made
    assert not nowhere.usable
    serves_apples(tmp_path / "lessons", nowhere)
    assert caplog.text.count("lesson cache") == 1 and "unusable" in caplog.text
    assert parses == ["a.md"]


def test_a_damaged_file_is_moved_aside_and_a_new_one_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, parses: list[str],
) -> None:
    write(tmp_path / "lessons" / "a.md", LESSON.format(title="Apples"))
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database, " * 100)
    for _ in range(2):
        serves_apples(tmp_path / "lessons", LessonCache(garbage))
    assert caplog.text.count("was damaged") == 1  # once: the new file serves the next start
    assert (tmp_path / "garbage.sqlite3.damaged").is_file()
    assert parses == ["a.md"]  # the second start read it back


def test_a_damaged_entry_is_logged_and_its_file_parsed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, parses: list[str],
) -> None:
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", LESSON.format(title="Apples"))
    write(root / "b.md", LESSON.format(title="Bananas"))
    Catalog(root, cache=LessonCache(path)).load()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE lessons SET lesson = replace(lesson, 'Apples', 'Pears') "
                   "WHERE rel = 'a.md'")
    parses.clear()
    catalog = Catalog(root, cache=LessonCache(path))
    catalog.load()
    assert [lesson.title for lesson in catalog.lessons()] == ["Apples", "Bananas"]
    assert parses == ["a.md"]
    assert "damaged" in caplog.text and "a.md" in caplog.text


def test_a_cache_file_that_breaks_while_in_use_is_logged_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", LESSON.format(title="Apples"))
    cache = LessonCache(path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE lessons")
    catalog = Catalog(root, cache=cache)
    catalog.load()
    assert [lesson.title for lesson in catalog.lessons()] == ["Apples"]
    assert "could not be read" in caplog.text and "could not be written" in caplog.text


def test_the_file_sits_beside_the_embedding_cache(tmp_path: Path) -> None:
    assert lesson_cache_path(tmp_path / "vectors.sqlite3") == tmp_path / "vectors.lessons.sqlite3"


def test_entries_nobody_read_for_months_are_pruned_after_a_load(
    tmp_path: Path, parses: list[str],
) -> None:
    root, other, path = tmp_path / "lessons", tmp_path / "other", tmp_path / "lessons.sqlite3"
    write(root / "a.md", LESSON.format(title="Apples"))
    write(root / "b.md", LESSON.format(title="Bananas"))
    write(other / "c.md", LESSON.format(title="Cherries"))
    Catalog(root, cache=LessonCache(path, lambda: 100)).load()
    Catalog(other, cache=LessonCache(path, lambda: 150)).load()  # another bot, same file
    (root / "b.md").unlink()
    parses.clear()
    # Day 200: a.md is read back (not parsed), and so marked as used; the deleted b.md's
    # entry goes, the other bot's stays (used 50 days ago).
    catalog = Catalog(root, cache=LessonCache(path, lambda: 200))
    catalog.load()
    assert parses == [] and [lesson.title for lesson in catalog.lessons()] == ["Apples"]
    with sqlite3.connect(path) as db:
        assert sorted(db.execute("SELECT rel, seen FROM lessons")) == [("a.md", 200),
                                                                        ("c.md", 150)]


def test_a_cache_file_of_the_release_before_keeps_its_entries(
    tmp_path: Path, parses: list[str],
) -> None:
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", LESSON.format(title="Apples"))
    Catalog(root, cache=LessonCache(path, lambda: 100)).load()
    with sqlite3.connect(path) as db:  # as the release before wrote it: no day of last use
        rows = db.execute("SELECT key, rel, lesson, vocab, numbers, crc FROM lessons").fetchall()
        db.execute("DROP TABLE lessons")
        db.execute("CREATE TABLE lessons (key TEXT PRIMARY KEY, rel TEXT NOT NULL, "
                   "lesson TEXT NOT NULL, vocab TEXT NOT NULL, numbers BLOB NOT NULL, "
                   "crc INTEGER NOT NULL)")
        db.executemany("INSERT INTO lessons VALUES (?, ?, ?, ?, ?, ?)", rows)
    parses.clear()
    Catalog(root, cache=LessonCache(path, lambda: 200)).load()
    assert parses == []  # read back, not parsed again
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT rel, seen FROM lessons").fetchall() == [("a.md", 200)]


def test_a_file_held_by_another_process_still_serves_its_entries(
    tmp_path: Path, parses: list[str], caplog: pytest.LogCaptureFixture,
) -> None:
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", LESSON.format(title="Apples"))
    Catalog(root, cache=LessonCache(path, lambda: 100)).load()
    parses.clear()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        catalog = Catalog(root, cache=LessonCache(path, lambda: 200, timeout=0.05))
        catalog.load()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert parses == [] and [lesson.title for lesson in catalog.lessons()] == ["Apples"]
    assert "could not be pruned" in caplog.text  # the day of use waits for the next load


def test_pruned_entries_give_their_space_back(tmp_path: Path) -> None:
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    for n in range(40):
        write(root / f"l{n}.md", LESSON.format(title=f"Lesson {n}") + "Long text. " * 400)
    Catalog(root, cache=LessonCache(path, lambda: 0)).load()
    full = path.stat().st_size
    shutil.rmtree(root)
    write(root / "other.md", LESSON.format(title="Other"))
    Catalog(root, cache=LessonCache(path, lambda: 100)).load()
    assert path.stat().st_size < full / 4


def test_a_file_broken_at_a_start_is_served_as_its_last_good_version(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """As while the bot runs: a deploy or a crash during a trainer's unfinished edit must not
    take a lesson (and its learners' reviews) away."""
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", LESSON.format(title="Apples"))
    Catalog(root, cache=LessonCache(path)).load()
    write(root / "a.md", "---\ntitle: 'Apples\n---\nBroken front matter.\n")
    catalog = Catalog(root, cache=LessonCache(path))
    change = catalog.load()
    assert [lesson.title for lesson in catalog.lessons()] == ["Apples"]
    assert any(p.path == "a.md" and p.is_error for p in change.problems)  # still reported
    assert catalog.kept_while_broken() == ["a.md"]
    assert "a.md is broken; serving its last good version" in caplog.text
    # Another folder with a file of that name, broken, gets nothing of this one.
    other = tmp_path / "other"
    write(other / "a.md", "---\ntitle: 'Pears\n---\nBroken too.\n")
    elsewhere = Catalog(other, cache=LessonCache(path))
    elsewhere.load()
    assert elsewhere.lessons() == [] and elsewhere.kept_while_broken() == []
    # Fixed, it is the new version that is served.
    write(root / "a.md", LESSON.format(title="Melons"))
    catalog.refresh([root / "a.md"])
    assert [lesson.title for lesson in catalog.lessons()] == ["Melons"]
    assert catalog.kept_while_broken() == []


def test_a_last_good_version_served_for_months_is_not_pruned(tmp_path: Path) -> None:
    """A file left broken across restarts (a trainer on leave) is served from its last good
    version; serving it is a use, or the prune after 90 days would take the lesson away."""
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", LESSON.format(title="Apples"))
    Catalog(root, cache=LessonCache(path, lambda: 100)).load()
    write(root / "a.md", "---\ntitle: 'Apples\n---\nBroken front matter.\n")
    for day in (130, 160, 195, 230):  # a restart a month, each load pruning
        catalog = Catalog(root, cache=LessonCache(path, lambda day=day: day))
        catalog.load()
        assert [lesson.title for lesson in catalog.lessons()] == ["Apples"], day
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT seen FROM lessons").fetchall() == [(230,)]


def test_a_last_good_version_is_kept_for_lessons_read_from_the_cache_and_by_folder(
        tmp_path: Path) -> None:
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", LESSON.format(title="Apples"))
    Catalog(root, cache=LessonCache(path)).load()
    with sqlite3.connect(path) as db:  # a cache from the release before: none recorded
        db.execute("DELETE FROM last_good")
    Catalog(root, cache=LessonCache(path)).load()  # read from the cache: recorded now
    # A working copy sharing the cache, with its own a.md, keeps ours.
    copy = tmp_path / "copy"
    write(copy / "a.md", LESSON.format(title="Pears"))
    Catalog(copy, cache=LessonCache(path)).load()
    write(root / "a.md", "---\ntitle: 'Apples\n---\nBroken.\n")
    catalog = Catalog(root, cache=LessonCache(path))
    catalog.load()
    assert [lesson.title for lesson in catalog.lessons()] == ["Apples"]

