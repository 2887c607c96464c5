"""A plain lookup to compare ours with: Okapi BM25 over title and text, nothing else.

No stemming, no stop words, no field weights, no typo correction, and no way to say "nothing
fits": it returns whatever shares a word with the query. This is what a hand-rolled bot does.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from bot.content.model import Lesson

_WORD = re.compile(r"\w+")


class PlainBM25:
    """Okapi BM25 (k1 = 1.2, b = 0.75) over lower-cased words."""

    def __init__(self, lessons: Iterable[Lesson]) -> None:
        self.lessons = list(lessons)
        self.postings: dict[str, list[tuple[int, int]]] = {}
        self.lengths: list[int] = []
        for slot, lesson in enumerate(self.lessons):
            words = _WORD.findall(f"{lesson.title} {lesson.text}".lower())
            self.lengths.append(len(words))
            for word, count in Counter(words).items():
                self.postings.setdefault(word, []).append((slot, count))
        self.average = sum(self.lengths) / max(1, len(self.lengths))

    def search(self, query: str, limit: int = 5) -> list[Lesson]:
        """The ``limit`` best lessons sharing a word with ``query``."""
        scores: dict[int, float] = {}
        total = len(self.lessons)
        for word in set(_WORD.findall(query.lower())):
            postings = self.postings.get(word, [])
            idf = math.log(1 + (total - len(postings) + 0.5) / (len(postings) + 0.5))
            for slot, count in postings:
                norm = 1.2 * (0.25 + 0.75 * self.lengths[slot] / self.average)
                scores[slot] = scores.get(slot, 0.0) + idf * count * 2.2 / (count + norm)
        best = sorted(scores, key=lambda slot: -scores[slot])[:limit]
        return [self.lessons[slot] for slot in best]
