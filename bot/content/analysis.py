"""Text analysis shared by indexing and querying: normalise, tokenise, drop stop words, stem.

Indexing and querying must analyse text identically, so both go through :class:`Analyzer`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

# Function words plus the filler of how learners ask ("how do I ...", "tell me about ...").
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can cannot could did do does doing done down during each else etc ever
every few for from further get gets getting got had has have having he her here hers herself him
himself his how i if in into is it its itself just let lets like may me might mine more most must
my myself nor not now of off on once one only or other ought our ours ourselves out over own
please really same shall she should so some such than that the their theirs them themselves then
there these they this those through thus to too under until up upon us very via want wanted wants
was way ways we were what whats when where whether which while who whom whose why will with would
you your yours yourself yourselves im ive id youre dont doesnt didnt cant wont isnt arent s t ll ve
re d m tell explain show know need needs learn learning anything something someone thing things
hi hello hey thanks thank ok okay best good quick quickly exactly rather quite
""".split())

_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*")  # noqa: RUF001 - typographic apostrophe
_PARTS = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower-case and strip accents so 'Résumé' and 'resume' meet."""
    word = word.casefold()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class Analyzer:
    """Turns text into index terms: folded, stop words removed, Snowball-stemmed (English)."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._stem_cache: dict[str, str] = {}

    def stem(self, word: str) -> str:
        """Stem one folded word (cached: the vocabulary of a library is small)."""
        stem = self._stem_cache.get(word)
        if stem is None:
            stem = self._stemmer.stemWord(word)
            if len(self._stem_cache) < 500_000:
                self._stem_cache[word] = stem
        return stem

    @staticmethod
    def words(text: str) -> list[str]:
        """Folded surface words of ``text``, stop words included.

        Hyphenated and dotted compounds yield their parts and the joined form, so "e-mail"
        matches "email" and "mail", and "log-in" matches "login".
        """
        out: list[str] = []
        for match in _TOKEN.finditer(text):
            raw = fold(match.group())
            parts = _PARTS.findall(raw)
            out.extend(parts)
            if len(parts) > 1:
                joined = "".join(parts)
                if len(joined) <= 24:
                    out.append(joined)
        return out

    def terms(self, text: str) -> list[str]:
        """Index terms of ``text`` in order: stop words and 1-letter words dropped, stemmed."""
        return [
            self.stem(word) for word in self.words(text)
            if word not in STOP_WORDS and (len(word) > 1 or word.isdigit())
        ]

    @staticmethod
    def joined_words(text: str) -> set[str]:
        """The joined forms that :meth:`words` adds for compounds ("e-mail" -> "email")."""
        joined = set()
        for match in _TOKEN.finditer(text):
            parts = _PARTS.findall(fold(match.group()))
            if len(parts) > 1:
                joined.add("".join(parts))
        return joined

    def content_words(self, text: str) -> list[str]:
        """Surface words that carry meaning (no stop words), in order, without duplicates."""
        seen: dict[str, None] = {}
        for word in self.words(text):
            if word not in STOP_WORDS and (len(word) > 1 or word.isdigit()):
                seen.setdefault(word, None)
        return list(seen)
