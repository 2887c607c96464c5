"""The English word list that keeps typo correction off real words."""

from __future__ import annotations

import builtins
from typing import Any

import pytest

from bot.content import dictionary


def test_real_words_and_their_inflections_are_english_typos_are_not() -> None:
    words = dictionary.english_words()
    for word in ("tall", "shoes", "headers", "previews", "spills", "wiki", "parse", "phishing"):
        assert word in words, word
    for typo in ("pasword", "managr", "comit", "feedbak", "colleage", "conflcit", "wfi"):
        assert typo not in words, typo
    assert dictionary.english("tall") and not dictionary.english("pasword")
    assert 150_000 < len(words) < 250_000


def test_a_word_set_answers_membership_only() -> None:
    words = dictionary.WordSet(["merge", "conflict", "merge"])
    assert len(words) == 2 and "merge" in words and "conflict" in words
    assert "marge" not in words and "" not in words and 3 not in words


def test_without_the_word_list_the_models_words_still_count(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    real_import = builtins.__import__

    def no_spellchecker(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "spellchecker":
            raise ImportError("no module named 'spellchecker'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_spellchecker)
    dictionary.english_words.cache_clear()
    try:
        words = dictionary.english_words()
        assert "no English word list" in caplog.text
        assert "tall" in words and "headers" not in words  # the model knows "tall" only
        assert "nba" in words  # and abbreviations and names: why they only stand in
    finally:
        dictionary.english_words.cache_clear()
