"""The words of English, so that typo correction leaves a real word alone.

Lexical lookup corrects a question word that the library lacks to a library word a letter away.
For a typo ("pasword") that is right; for a real word the library never uses it is nonsense, and
shown to the learner: "how tall is mount everest" read as "talk", "wiki" as "wifi", "parse" as
"pause". The dictionary is pyspellchecker's English word list (160,000 words with their
inflections, from subtitles). The embedding model's whole words stand in when that list cannot
be read; they are not added to it, as they hold many abbreviations and names ("nba",
"masovian") that a typo of a library's word can look like.

It is read at the first question that needs it, not at start-up (0.15 s that a restart would
otherwise wait for), and kept as the sorted hashes of its words: 1.3 MB where the words as a
set of strings took 20 MB (reading it still leaves the process about 17 MB larger). The
hashes are Python's own, valid in the process that made them only: a word set is never sent
to another process.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

import numpy as np

from bot.content.embedding import bundled_vocabulary

log = logging.getLogger(__name__)


class WordSet:
    """A set of words that only answers "is it in?", in 8 bytes a word."""

    def __init__(self, words: Iterable[str]) -> None:
        self._hashes = np.unique(np.fromiter((hash(word) for word in words), dtype=np.int64))

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, word: object) -> bool:
        # A string's hash is the same for the life of the process, which is all this needs;
        # two words sharing 64 bits of hash is a chance in billions for 160,000 words.
        key = hash(word)
        at = int(np.searchsorted(self._hashes, key))
        return at < len(self._hashes) and int(self._hashes[at]) == key


@functools.cache
def english_words() -> WordSet:
    """Lower-case English words (read once per process; empty when no list can be read)."""
    try:
        from spellchecker import SpellChecker

        return WordSet(word.lower() for word in SpellChecker(language="en").word_frequency)
    except Exception as exc:  # a missing or broken list must leave lookup working
        log.warning("no English word list for typo correction (%s): the model's words stand in, "
                    "and real words the library lacks may be read as library words", exc)
    vocabulary = bundled_vocabulary()
    return WordSet(vocabulary.whole_words() if vocabulary is not None else ())


def english(word: str) -> bool:
    """Whether a (lower-case) word is English; with no list at all, no word is, and every
    word the library lacks may be a typo."""
    return word in english_words()
