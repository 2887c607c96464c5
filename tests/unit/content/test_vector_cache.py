"""The embedding cache: keyed by model and text, kept on disk, harmless when unusable."""

from __future__ import annotations

from pathlib import Path

import numpy
import pytest

from bot.content.vector_cache import VectorCache, default_cache_path, text_key


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
