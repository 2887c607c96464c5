"""The embedding cache: keyed by model and text, kept on disk, harmless when unusable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy
import pytest

from bot.content.cache_file import default_cache_path
from bot.content.vector_cache import VectorCache, text_key


def test_vectors_survive_a_new_cache_on_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "vectors.sqlite3"
    cache = VectorCache(path)
    cache.put_many({"a": numpy.array([1.0, 2.0], dtype=numpy.float32)})
    cache.close()
    again = VectorCache(path)
    found = again.get_many(["a", "b"])
    assert list(found) == ["a"]
    assert numpy.array_equal(found["a"], [1.0, 2.0])


def test_the_key_changes_with_the_text_and_the_model() -> None:
    assert text_key("m", "hello") == text_key("m", "hello")
    assert text_key("m", "hello") != text_key("m", "hello!")
    assert text_key("m", "hello") != text_key("n", "hello")


def test_an_unusable_file_leaves_a_working_memory_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = VectorCache(blocker / "vectors.sqlite3")  # a folder that cannot be made
    assert "unusable" in caplog.text
    cache.put_many({"k": numpy.ones(3, dtype=numpy.float32)})
    assert list(cache.get_many(["k"])) == ["k"]


def test_the_default_file_is_in_the_users_cache_folder(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path() == tmp_path / "microlearn" / "vectors.sqlite3"


class Days:
    """The caches' clock: a day number the test moves by hand."""

    def __init__(self, day: int) -> None:
        self.day = day

    def __call__(self) -> int:
        return self.day


def test_vectors_nobody_used_for_months_are_pruned_and_used_ones_kept(tmp_path: Path) -> None:
    path, days = tmp_path / "vectors.sqlite3", Days(100)
    row = numpy.ones(384, dtype=numpy.float32)
    cache = VectorCache(path, days)
    cache.put_many({"kept": row, "edited away": row})
    days.day = 150
    reader = VectorCache(path, days)  # another process, which reads "kept"
    assert list(reader.get_many(["kept"])) == ["kept"]
    assert reader.prune(90) == 0  # and marks it used: a read is written down when pruning
    days.day = 200
    assert cache.prune(90) == 1
    again = VectorCache(path, days)
    assert list(again.get_many(["kept", "edited away"])) == ["kept"]
    assert again.prune(90) == 0
    days.day = 291  # "kept" was last read on day 200, by ``again``
    assert again.prune(90) == 1 and VectorCache(path, days).get_many(["kept"]) == {}


def test_a_cache_file_of_an_earlier_release_is_kept_and_aged_from_today(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite3"
    with sqlite3.connect(path) as db:  # the layout before rows remembered their last use
        db.execute("CREATE TABLE vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        db.execute("INSERT INTO vectors VALUES ('old', ?)",
                   (numpy.ones(4, dtype=numpy.float32).tobytes(),))
    days = Days(500)
    cache = VectorCache(path, days)
    assert cache.prune(90) == 0 and list(cache.get_many(["old"])) == ["old"]
    days.day = 591
    assert VectorCache(path, days).prune(90) == 1


def test_pruning_gives_the_space_back(tmp_path: Path) -> None:
    path, days = tmp_path / "vectors.sqlite3", Days(0)
    cache = VectorCache(path, days)
    cache.put_many({str(n): numpy.full(384, n, dtype=numpy.float32) for n in range(3000)})
    full = path.stat().st_size
    days.day = 91
    assert cache.prune(90) == 3000
    assert path.stat().st_size < full / 4


def test_pruning_a_broken_file_is_logged_and_harmless(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "vectors.sqlite3"
    cache = VectorCache(path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE vectors")
    assert cache.prune() == 0 and "could not be pruned" in caplog.text
    assert VectorCache().prune() == 0  # memory only: nothing to prune


def test_vectors_read_after_months_unused_are_marked_before_the_prune(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite3"
    VectorCache(path, lambda: 0).put_many({"library": numpy.ones(4, dtype=numpy.float32)})
    restarted = VectorCache(path, lambda: 200)  # a bot back after 200 days
    assert list(restarted.get_many(["library"])) == ["library"]
    assert restarted.prune(90) == 0
    assert list(VectorCache(path, lambda: 200).get_many(["library"])) == ["library"]


def test_rows_an_older_release_writes_are_dated_by_the_next_prune(tmp_path: Path) -> None:
    path, days = tmp_path / "vectors.sqlite3", Days(300)
    cache = VectorCache(path, days)
    with sqlite3.connect(path) as db:  # an older release, sharing the file, writes a row
        db.execute("INSERT INTO vectors (key, vector) VALUES ('old release', ?)",
                   (numpy.ones(4, dtype=numpy.float32).tobytes(),))
    assert cache.prune(90) == 0  # dated today, not deleted as if written in 1970
    days.day = 391
    assert cache.prune(90) == 1


def test_two_processes_upgrading_one_file_both_keep_their_cache(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
    first, second = VectorCache(path), VectorCache(path)  # the second finds the column added
    first.put_many({"a": numpy.ones(4, dtype=numpy.float32)})
    assert list(second.get_many(["a"])) == ["a"]
    assert second.prune(90) == 0 and first.prune(90) == 0
