"""Live reload with real file-system events: changes are visible to lookups within a second."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from bot.content.watcher import CatalogWatcher
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
    wait_for(lambda: watched.get("basics/kiwi") is None, timeout)


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
