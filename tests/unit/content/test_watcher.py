"""Live reload with real file-system events: changes are visible to lookups within a second."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from bot.content.watcher import GONE_SECONDS, CatalogWatcher, Settling
from tests.conftest import wait_for

VISIBLE_WITHIN = 1.0  # seconds: the promise made to trainers


def write(path: Path, title: str, extra: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(f"# {title}\n\nA lesson about {title.lower()}.\n{extra}", encoding="utf-8")
    os.replace(tmp, path)  # how editors save: write aside, then rename over


def top(catalog: Catalog, query: str) -> str | None:
    hits = catalog.lookup(query).hits
    return hits[0].lesson.id if hits else None


@pytest.fixture(params=[False, True], ids=["native", "polling"])
def watched(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    write(tmp_path / "basics/apple.md", "Apple orchards")
    catalog = Catalog(tmp_path)
    catalog.load()
    with CatalogWatcher(catalog, polling=request.param):
        yield catalog


def test_added_changed_deleted_file_is_visible_within_a_second(tmp_path: Path) -> None:
    watched = Catalog(tmp_path)
    watched.load()
    root = watched.root
    timeout = VISIBLE_WITHIN
    with CatalogWatcher(watched):
        _add_change_delete(watched, root, timeout)


def test_polling_fallback_sees_the_same_changes(tmp_path: Path) -> None:
    watched = Catalog(tmp_path)
    watched.load()
    with CatalogWatcher(watched, polling=True):
        _add_change_delete(watched, tmp_path, 3.0)  # polls every 0.5 s


def _add_change_delete(watched: Catalog, root: Path, timeout: float) -> None:
    write(root / "basics/kiwi.md", "Kiwi harvest")
    wait_for(lambda: top(watched, "kiwi harvest") == "basics/kiwi", timeout)
    write(root / "basics/kiwi.md", "Mango season")
    wait_for(lambda: top(watched, "mango season") == "basics/kiwi", timeout)
    assert top(watched, "kiwi harvest") is None
    (root / "basics/kiwi.md").unlink()
    assert watched.get("basics/kiwi") is not None  # held a moment: a save may write it again
    wait_for(lambda: watched.get("basics/kiwi") is None, timeout + GONE_SECONDS)


def test_renamed_file_and_folder_follow(watched: Catalog) -> None:
    root = watched.root
    (root / "basics/apple.md").rename(root / "basics/pear.md")
    wait_for(lambda: top(watched, "apple orchards") == "basics/pear", 3.0)
    assert watched.get("basics/apple") is None
    (root / "basics").rename(root / "fruit")
    wait_for(lambda: top(watched, "apple orchards") == "fruit/pear", 3.0)
    assert [lesson.id for lesson in watched.lessons()] == ["fruit/pear"]


def test_file_turning_bad_keeps_serving_and_reports(watched: Catalog) -> None:
    root = watched.root
    write(root / "basics/apple.md", "Apple pie", "\n## Quiz\n\n### Q?\n- [ ] a\n- [ ] b\n")
    wait_for(lambda: any(p.path == "basics/apple.md" for p in watched.problems()), 3.0)
    assert top(watched, "apple orchards") == "basics/apple"  # the last good version
    [problem] = watched.problems()
    assert (problem.line, "no correct choice" in problem.message) == (7, True)
    write(root / "basics/apple.md", "Apple pie")
    wait_for(lambda: top(watched, "apple pie") == "basics/apple", 3.0)
    assert watched.problems() == []


def test_a_burst_of_new_files_all_arrive(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.load()
    with CatalogWatcher(catalog):
        for number in range(50):
            write(tmp_path / f"bulk/lesson{number:02d}.md", f"Topic number {number}")
        wait_for(lambda: len(catalog.lessons()) == 50, 5.0)


def test_stop_is_prompt_and_can_be_repeated(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.load()
    watcher = CatalogWatcher(catalog).start()
    started = time.monotonic()
    watcher.stop()
    watcher.stop()
    assert time.monotonic() - started < 2.0
    assert not watcher.running


def test_replaced_folder_is_watched_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.content.watcher.RESCAN_SECONDS", 0.2)
    root = tmp_path / "lessons"
    write(root / "a.md", "Apple orchards")
    catalog = Catalog(root)
    catalog.load()
    with CatalogWatcher(catalog):
        root.rename(tmp_path / "old")
        wait_for(lambda: any("is gone" in p.message for p in catalog.problems()), 3.0)
        assert catalog.get("a") is not None  # still served while the folder is away
        write(tmp_path / "new/b.md", "Banana bread")
        (tmp_path / "new").rename(root)  # a deploy swaps the folder in
        wait_for(lambda: top(catalog, "banana bread") == "b", 3.0)
        write(root / "c.md", "Cherry jam")  # and edits to the new folder are seen
        wait_for(lambda: top(catalog, "cherry jam") == "c", 3.0)
        assert catalog.get("a") is None


def write_slowly(path: Path, text: str, chunks: int = 4, pause: float = 0.15) -> None:
    """Write ``text`` in place through one handle, a chunk at a time (scp, a network drive's
    sync or an editor's non-atomic save): each half-written state is on disk for a while."""
    step = -(-len(text) // chunks)
    with path.open("w", encoding="utf-8") as handle:
        for start in range(0, len(text), step):
            handle.write(text[start:start + step])
            handle.flush()
            os.fsync(handle.fileno())
            time.sleep(pause)


SLOW_LESSON = ("---\ntitle: Pear harvest\ntopic: fruit\n---\nPick pears before they ripen.\n\n"
               "## Quiz\n\n### When are pears picked?\n- [x] Before they ripen\n- [ ] Ripe\n")


def test_a_file_written_slowly_is_read_once_whole(watched: Catalog) -> None:
    """Each half of a slow copy had been read: an error for its unclosed front matter was
    reported (and a half that parsed would have been served) before the real result."""
    reported: list[str] = []
    watched.subscribe(lambda change: reported.extend(str(p) for p in change.problems))
    write_slowly(watched.root / "basics/pear.md", SLOW_LESSON)
    wait_for(lambda: top(watched, "pear harvest") == "basics/pear", 3.0)
    assert reported == [] and watched.problems() == []
    lesson = watched.get("basics/pear")
    assert lesson is not None and len(lesson.questions) == 1


def test_a_good_file_rewritten_slowly_is_served_as_it_was_meanwhile(watched: Catalog) -> None:
    reported: list[str] = []
    watched.subscribe(lambda change: reported.extend(str(p) for p in change.problems))
    path = watched.root / "basics/apple.md"
    before = watched.get("basics/apple")
    step = -(-len(SLOW_LESSON) // 4)
    with path.open("w", encoding="utf-8") as handle:
        for start in range(0, len(SLOW_LESSON), step):
            handle.write(SLOW_LESSON[start:start + step])
            handle.flush()
            time.sleep(0.15)
            assert watched.get("basics/apple") == before  # the last good version, whole
    wait_for(lambda: top(watched, "pear harvest") == "basics/apple", 3.0)
    assert reported == [] and watched.problems() == []


def test_a_file_copied_with_a_close_after_each_chunk_is_read_once_whole(
        watched: Catalog) -> None:
    """A copy that opens the file again for each chunk closes it in between: it is read once
    it has stayed the same a while, not at each close."""
    reported: list[str] = []
    watched.subscribe(lambda change: reported.extend(str(p) for p in change.problems))
    path = watched.root / "basics/pear.md"
    step = -(-len(SLOW_LESSON) // 4)
    for start in range(0, len(SLOW_LESSON), step):
        with path.open("a" if start else "w", encoding="utf-8") as handle:
            handle.write(SLOW_LESSON[start:start + step])
        time.sleep(0.1)
    wait_for(lambda: top(watched, "pear harvest") == "basics/pear", 3.0)
    assert reported == [] and watched.problems() == []


class FakeDisk:
    """Files' signatures (size, time stamp) by path, and a clock, both moved on by hand."""

    def __init__(self) -> None:
        self.now = 100.0
        self.files: dict[Path, tuple[int, int]] = {}

    def write(self, path: Path, size: int) -> None:
        self.files[path] = (size, int(self.now * 1e9))

    def settling(self, closes_reported: bool) -> Settling:
        # (Times in quarters of a second: exact in floating point.)
        return Settling(closes_reported=closes_reported, clock=lambda: self.now,
                        stat=self.files.get, settle=0.25, open_for=10.0)


@pytest.mark.parametrize("closes_reported", [False, True], ids=["no-closes", "closes"])
def test_a_changed_file_is_read_once_it_stays_the_same_a_while(closes_reported: bool) -> None:
    disk = FakeDisk()
    settling = disk.settling(closes_reported)
    lesson, renamed, gone = Path("a.md"), Path("b.md"), Path("c.md")
    disk.write(lesson, 100)
    settling.written(lesson)
    settling.closed(lesson)
    disk.write(renamed, 50)
    settling.whole(renamed)  # renamed into place: written whole before
    settling.changed(gone)  # and deleted before it was looked at: held a moment
    assert settling.look([lesson, renamed, gone]) == ([renamed], [lesson, gone], 100.25)
    for _ in range(5):  # a chunk every 0.125 s, each opened and closed: never still a while
        disk.now += 0.125
        disk.write(lesson, disk.files[lesson][0] + 100)
        settling.written(lesson)
        settling.closed(lesson)
        assert settling.look([lesson])[:2] == ([], [lesson])
    disk.now += 0.125
    assert settling.look([lesson]) == ([], [lesson], disk.now + 0.125)
    disk.now += 0.125
    assert settling.look([lesson]) == ([lesson], [], None)
    assert settling.look([lesson]) == ([lesson], [], None)  # whole until it changes again


def test_a_file_still_open_is_held_until_closed_where_closes_are_reported() -> None:
    disk = FakeDisk()
    settling, unaware = disk.settling(True), disk.settling(False)
    lesson = Path("a.md")
    disk.write(lesson, 100)
    for each in (settling, unaware):
        each.written(lesson)
        assert each.look([lesson])[:2] == ([], [lesson])
    disk.now += 1.0  # a long pause between two chunks: still open
    assert settling.look([lesson]) == ([], [lesson], 110.0)
    assert unaware.look([lesson]) == ([lesson], [], None)  # nothing says it is open
    settling.closed(lesson)
    assert settling.look([lesson]) == ([lesson], [], None)  # unchanged for 1 s, and closed
    settling.written(lesson)  # open, and left so: read in the end all the same
    assert settling.look([lesson]) == ([], [lesson], 111.0)
    disk.now += 10.0
    assert settling.look([lesson]) == ([lesson], [], None)


def test_a_file_made_empty_is_being_written_one_made_with_text_is_not() -> None:
    """A copy makes the file, then writes it; a folder moved in is said to make its files,
    whole, and no writer closes them."""
    disk = FakeDisk()
    settling = disk.settling(True)
    empty, found = Path("new.md"), Path("moved-in/found.md")
    disk.write(empty, 0)
    disk.write(found, 300)
    settling.made(empty)
    settling.made(found)
    assert settling.look([empty, found])[:2] == ([], [empty, found])
    disk.now += 0.25
    assert settling.look([empty, found])[:2] == ([found], [empty])


def test_a_file_gone_for_a_moment_is_a_change_gone_for_longer_a_removal() -> None:
    """An editor's save that renames the old file away, then writes the new one, leaves no
    file for half a second: it had been taken for a removal, and the lesson left service
    until the file was "added" again."""
    disk = FakeDisk()
    settling = Settling(closes_reported=True, clock=lambda: disk.now, stat=disk.files.get,
                        settle=0.25, open_for=10.0, gone_for=1.0)
    lesson = Path("a.md")
    disk.write(lesson, 100)
    del disk.files[lesson]
    settling.whole(lesson)  # renamed away
    assert settling.look([lesson]) == ([], [lesson], 101.0)
    disk.now += 0.5
    assert settling.look([lesson]) == ([], [lesson], 101.0)
    disk.write(lesson, 120)
    settling.whole(lesson)  # the new version renamed into place
    assert settling.look([lesson]) == ([lesson], [], None)
    del disk.files[lesson]  # deleted, for good this time
    settling.whole(lesson)
    assert settling.look([lesson]) == ([], [lesson], disk.now + 1.0)
    disk.now += 0.75
    disk.write(lesson, 10)  # a writer makes it again, and takes its time
    settling.made(lesson)
    assert settling.look([lesson])[:2] == ([], [lesson])
    del disk.files[lesson]  # and gives up: gone since now
    disk.now += 0.75
    assert settling.look([lesson]) == ([], [lesson], disk.now + 1.0)
    disk.now += 1.0
    assert settling.look([lesson]) == ([lesson], [], None)
