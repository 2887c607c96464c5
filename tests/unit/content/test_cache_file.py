"""Where the caches live, and what happens to a damaged cache file: it is moved aside and a new
one started, so that one bad file does not cost the whole embedding at every start."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from bot.content.cache_file import cache_path, connect, default_cache_path
from bot.content.vector_cache import VectorCache


def test_a_setting_names_a_file_a_folder_or_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_path("") == default_cache_path() == tmp_path / ".cache/microlearn/vectors.sqlite3"
    assert cache_path("~/cache/v.sqlite3") == tmp_path / "cache" / "v.sqlite3"  # not "./~/..."
    (tmp_path / "shared").mkdir()
    assert cache_path(tmp_path / "shared") == tmp_path / "shared" / "vectors.sqlite3"
    assert cache_path("~/shared") == tmp_path / "shared" / "vectors.sqlite3"
    assert cache_path("~/new/dir/") == tmp_path / "new" / "dir" / "vectors.sqlite3"


def test_a_file_that_is_no_database_is_moved_aside_once_and_a_new_one_used(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "vectors.sqlite3"
    garbage = os.urandom(100_000)
    path.write_bytes(garbage)
    with caplog.at_level(logging.WARNING):
        cache = VectorCache(path)
    assert "was damaged" in caplog.text and "vectors.sqlite3.damaged" in caplog.text
    assert (tmp_path / "vectors.sqlite3.damaged").read_bytes() == garbage  # kept to look at
    cache.put_many({"k": np.ones(3, dtype=np.float32)})
    cache.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = VectorCache(path)
    assert caplog.text == ""  # repaired: no warning, and what was stored is there
    assert list(again.get_many(["k"])) == ["k"]
    again.close()


def test_an_unusable_place_says_what_to_check(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(OSError, match="set \\[lookup\\] cache to a writable place"):
        connect(blocker / "sub" / "v.sqlite3", 1.0)
    folder = tmp_path / "folder.sqlite3"
    folder.mkdir()
    with pytest.raises(sqlite3.OperationalError, match="writable folder"):
        connect(folder, 1.0)  # a folder where the file should be
    cache = VectorCache(blocker / "v.sqlite3")  # logged, and lookup goes on without it
    cache.put_many({"k": np.ones(3, dtype=np.float32)})
    assert list(cache.get_many(["k"])) == ["k"]


def test_an_earlier_damaged_copy_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite3"
    for content in (b"first garbage" * 100, b"second garbage" * 100):
        path.write_bytes(content)
        VectorCache(path).close()
    assert (tmp_path / "vectors.sqlite3.damaged").read_bytes() == b"first garbage" * 100
    assert (tmp_path / "vectors.sqlite3.damaged-2").read_bytes() == b"second garbage" * 100


def test_the_bots_own_database_is_never_used_as_a_cache(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """`--cache microlearn.db` had added a vectors table to the learners' database."""
    from storage import Database, upgrade

    url = f"sqlite:///{tmp_path / 'microlearn.db'}"
    database = Database(url)
    upgrade(database)
    database.dispose()
    with caplog.at_level(logging.WARNING):
        cache = VectorCache(tmp_path / "microlearn.db")
    assert "is microlearn's own database (the learners' data), not a cache" in caplog.text
    assert not cache.persistent
    with sqlite3.connect(tmp_path / "microlearn.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "learner" in tables and "vectors" not in tables


def test_a_file_that_is_not_a_cache_file_is_never_moved(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[lookup]\nsemantic = true\n" * 50)
    with caplog.at_level(logging.WARNING):
        cache = VectorCache(config)  # a slip in [lookup] cache
    assert config.read_text().startswith("[lookup]")  # untouched
    assert not (tmp_path / "config.toml.damaged").exists()
    assert "config.toml is not a cache file" in caplog.text and not cache.persistent
    cache.put_many({"k": np.ones(3, dtype=np.float32)})  # works on, in memory
    assert list(cache.get_many(["k"])) == ["k"]


def test_a_file_replaced_meanwhile_is_not_moved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two bots starting at once on a damaged file: one moves it aside and starts a new one;
    the other, which read the damaged file first, must not move the new one aside."""
    import bot.content.cache_file as cache_file

    path = tmp_path / "vectors.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    real_open = cache_file._open
    calls = []

    def racing_open(where: Path, timeout: float) -> sqlite3.Connection:
        calls.append(where)
        if len(calls) == 1:
            try:
                return real_open(where, timeout)
            finally:  # meanwhile another process moved the file aside and made a new one
                os.rename(where, tmp_path / "other.damaged")
                real_open(where, timeout).close()
        return real_open(where, timeout)

    monkeypatch.setattr(cache_file, "_open", racing_open)
    db = connect(path, 1.0)
    db.close()
    assert not (tmp_path / "vectors.sqlite3.damaged").exists()  # the new file stayed
    assert len(calls) == 2


def test_a_cache_file_without_a_suffix_is_repaired_and_its_lessons_go_beside_it(
        tmp_path: Path) -> None:
    from bot.content.lesson_cache import lesson_cache_path

    path = tmp_path / "vectors"
    path.write_bytes(b"garbage" * 1000)
    cache = VectorCache(path)
    assert cache.persistent and (tmp_path / "vectors.damaged").is_file()
    cache.close()
    assert lesson_cache_path(path) == tmp_path / "vectors.lessons.sqlite3"
    assert lesson_cache_path(tmp_path / "config.toml") == tmp_path / "config.lessons.sqlite3"
    assert lesson_cache_path(tmp_path / "v.db") == tmp_path / "v.lessons.db"
