"""The words of English, so that typo correction leaves a real word alone.

Lexical lookup corrects a question word that the library lacks to a library word a letter away.
For a typo ("pasword") that is right; for a real word the library never uses it is nonsense, and
shown to the learner: "how tall is mount everest" read as "talk", "wiki" as "wifi", "parse" as
"pause". The dictionary is pyspellchecker's English word list (160,000 words with their
inflections, from subtitles) together with the whole words of the embedding model's vocabulary
(technical words the list lacks); only its words are kept, as one frozen set.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from bot.content.embedding import bundled_vocabulary

log = logging.getLogger(__name__)


@functools.cache
def english_words() -> frozenset[str]:
    """Lower-case English words (read once per process; empty when no list can be read)."""
    words: set[str] = set()
    try:
        from spellchecker import SpellChecker

        words.update(SpellChecker(language="en").word_frequency.keys())
    except Exception as exc:  # a missing or broken list leaves correction without it
        log.warning("no English word list for typo correction (%s): real words the library "
                    "lacks may be read as library words", exc)
    vocabulary = bundled_vocabulary()
    if vocabulary is not None:
        words.update(vocabulary.whole_words())
    return frozenset(word.lower() for word in words)


def english() -> Callable[[str], bool] | None:
    """Whether a (lower-case) word is English, or None when no word list could be read."""
    words = english_words()
    return words.__contains__ if words else None
