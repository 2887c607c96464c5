"""Lookup: rank lessons for a learner's question, tolerate typos, and know when nothing fits.

An in-memory BM25F index over four weighted fields (title, tags, lead, body), kept up to date one
lesson at a time so live reload stays cheap. Query words missing from the library are corrected
against its vocabulary with rapidfuzz. A result is returned only when it covers enough of what the
learner asked (weighted by how informative each word is); otherwise the caller gets "did you mean"
suggestions instead of a random lesson.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content.analysis import Analyzer
from bot.content.model import Lesson

FIELDS = ("title", "tags", "lead", "body", "words")
"""What the analysis of a lesson holds: four weighted fields of analysed terms (stemmed, stop
words dropped), then the plain words of its title, tags and opening (see
:data:`WORDS_WEIGHT`)."""
WEIGHTS = (4.0, 3.0, 1.5, 1.0)
LENGTH_NORM = (0.4, 0.2, 0.6, 0.75)
WEIGHTED = len(WEIGHTS)
"""The fields of the BM25F score; the last field (plain words) is scored apart."""
K1 = 1.2
WORDS_B = 0.75
"""Okapi BM25's length normalisation, for the plain words."""
WORDS_WEIGHT = 0.3
"""The plain-word score's weight in the lexical ranking score: the best lesson's plain score
counts this share of the best BM25F score. Plain words keep what analysis drops: a command
named with a stop word (`who`), the exact form of a word (`logged`, not every `log`),
`__main__`. Chosen on the tuning halves of ``bench/queries``: hit@3 by words alone rose on
every set (docs/lookup.md)."""
WORDS_LIMIT = 80
"""Plain words are read from the title, tags and topic and the opening of the text (its first
words): where a lesson names what it is about. (Chosen on the tuning halves with the cost in
mind: all the text ranked no better and built the index 0.4 s slower with 5,000 lessons.)"""
WORDS_MAX_SHARE = 0.2
"""Plain words found in more than this share of the lessons are not scored: they say little
(BM25 gives them little) and their postings are the longest to walk."""
RARE_DF = 1
RELATIVE_CUTOFF = 0.35
"""Hits scoring under this share of the best one are dropped (no loss on bench/queries)."""
UNKNOWN_WEIGHT = 1.0
"""How much a query word found nowhere in the library counts against an answer (1.0: like the
rarest possible word)."""
# A learner's question is a sentence or two; a pasted page must not cost a second of typo search.
MAX_QUERY_CHARS = 2000
MAX_QUERY_WORDS = 32
BIGRAM = "\x1f"
MIN_COVERAGE = 0.4
MIN_STRENGTH = 0.4
"""Thresholds a lesson must reach to count as an answer: the share of the query's information it
contains, and how strongly it matches (see :class:`LookupHit`). Chosen on the query sets in
``bench/queries`` (docs/lookup.md has the trade-off)."""


@dataclass(frozen=True)
class LookupHit:
    """One lesson that answers a query, with its relevance score (higher is better)."""

    lesson: Lesson
    score: float
    coverage: float
    """Share of the query's information (IDF-weighted words) that the lesson contains."""
    strength: float = 0.0
    """How strongly it matches: 1.0 is every word in a short title, near 0 a passing mention."""
    similarity: float | None = None
    """Cosine similarity of meaning, when semantic lookup is on."""
    confidence: float | None = None
    """Estimated probability that this lesson answers the query (calibrated on held-out query
    sets of several corpora; see docs/lookup.md)."""


WordEvidence = tuple[float, float, float]
"""How one lesson matches a question's words: score, coverage, strength (see
:class:`LookupHit`). A plain tuple: one is made for every lesson that shares a word with every
question (thousands in a large library), and a NamedTuple took 3.6 times as long to make."""


@dataclass(frozen=True)
class Matches:
    """The lessons that share a word with one question, by index slot, and the typo
    corrections made (:meth:`SearchIndex.match`)."""

    evidence: dict[int, WordEvidence]
    corrections: dict[str, str]
    asks: bool
    """Whether the question has a word to match (not only filler, emoji, punctuation or
    numbers: a learner answering "1" to a menu is not asking about anything)."""


@dataclass(frozen=True)
class LookupResult:
    """What a learner asking ``query`` gets: ranked hits, or suggestions when nothing fits."""

    query: str
    hits: tuple[LookupHit, ...] = ()
    suggestions: tuple[str, ...] = ()
    corrections: dict[str, str] = field(default_factory=dict)
    """Query words that were not in the library, mapped to the word used instead."""
    read_as: str = ""
    """The question as lookup read it (greetings and filler gone; of a long pasted text, the
    reading it was surest of), "" where not known."""
    suggested: tuple[str, ...] = ()
    """The ids of the lessons ``suggestions`` names, in the same order (where known)."""
    refused: LookupHit | None = None
    """When no lesson is given: the best candidate, whose confidence fell under ``bar`` (None
    when no lesson came near, or where not known)."""
    bar: float = 0.0
    """The confidence the first lesson had to reach to be given."""
    bar_rule: str = ""
    """Which setting made ``bar``: "min_confidence" ([lookup] min_confidence), or
    "refuse_unrelated" (the library's floor, raised to refuse that share of unrelated
    questions); "" where not known."""


@dataclass(frozen=True)
class Analysis:
    """What indexing needs from one lesson, computed apart from the index (in a worker process
    when a large library loads) so that adding it to the index is cheap.

    Terms are numbers into ``vocab``, a list that the analyses of one batch share: sending a
    batch between processes then carries each distinct word once, not once per lesson.
    """

    vocab: list[str]
    lengths: tuple[int, ...]
    """Number of terms in each of :data:`FIELDS` (adjacent pairs not counted)."""
    terms: tuple[array[int], ...]
    """Per field: distinct term numbers (words, and adjacent pairs in the short fields; plain
    words in the last)."""
    counts: tuple[array[int], ...]
    """Per field: how often each of those terms occurs."""
    surface: array[int]
    """The lesson's distinct surface words, for typo correction."""


def analyze_lesson(
    lesson: Lesson, analyzer: Analyzer, numbers: dict[str, int] | None = None,
    vocab: list[str] | None = None,
) -> Analysis:
    """Analyse ``lesson`` for the index. Pass the same ``numbers``/``vocab`` for a batch."""
    numbers = {} if numbers is None else numbers
    vocab = [] if vocab is None else vocab

    def number(word: str) -> int:
        found = numbers.get(word)
        if found is None:
            found = numbers[word] = len(vocab)
            vocab.append(word)
        return found

    surface: set[str] = set()
    lengths: list[int] = []
    terms: list[array[int]] = []
    counts: list[array[int]] = []
    texts = (
        lesson.title,
        " ".join((*lesson.tags, lesson.topic, lesson.track or "")),
        "\n".join((lesson.objective, lesson.summary, *lesson.headings)),
        lesson.text,
    )
    for position, text in enumerate(texts):
        stems, words = analyzer.analyze(text, compounds=position < 3)
        surface.update(words)
        lengths.append(len(stems))
        tally = Counter(stems)
        if position < 3:  # adjacent pairs: "password manager" beats two scattered words
            for a, b in itertools.pairwise(stems):
                tally[f"{a}{BIGRAM}{b}"] = 1
        terms.append(array("I", map(number, tally)))
        counts.append(array("I", tally.values()))
    # The words that name a lesson: its title, tags and topic, then the opening of its text (only
    # the opening is read: tokenising a long page for its first words would waste time).
    names = " ".join((lesson.title, *lesson.tags, lesson.topic))
    plain = analyzer.plain_words(f"{names}\n{lesson.text[:WORDS_LIMIT * 20]}")[:WORDS_LIMIT]
    lengths.append(len(plain))
    tally = Counter(plain)
    terms.append(array("I", map(number, tally)))
    counts.append(array("I", tally.values()))
    return Analysis(vocab, tuple(lengths), tuple(terms), tuple(counts),
                    array("I", map(number, surface)))


_Match = tuple[int, float, float, float, float]
"""What one lesson's words say about one query: its slot, BM25F over the analysed terms (with
adjacent pairs), BM25 over the plain words, coverage, strength. (A tuple: thousands are made
for a question of common words, and a dataclass costs milliseconds more.)"""


@dataclass
class _QueryTerm:
    word: str
    alternatives: dict[str, float]  # stem -> weight (1.0 exact, lower for typo corrections)
    idf: float = 0.0


class SearchIndex:
    """Incremental BM25F index of lessons, keyed by lesson id. Not thread-safe: guard it."""

    def __init__(self, analyzer: Analyzer | None = None,
                 dictionary: Callable[[str], bool] | None = None) -> None:
        """``dictionary`` tells the real words of the learner's language: such a word that the
        library lacks is left as typed, not "corrected" into a library word a letter away
        ("tall" is not "talk", "shoes" not "shows")."""
        self._analyzer = analyzer or Analyzer()
        self._dictionary = dictionary
        # Slots are never reused, not even by a rebuild: a Matches made before a change must
        # not lend one lesson's evidence to another that took its slot.
        self._next_slot = 0
        self._reset()

    def _reset(self) -> None:
        self._slots: dict[str, int] = {}
        self._lessons: dict[int, Lesson] = {}
        self._doc_terms: dict[int, tuple[str, ...]] = {}
        self._doc_plain: dict[int, tuple[str, ...]] = {}
        self._doc_words: dict[int, tuple[str, ...]] = {}
        self._field_lengths: dict[int, tuple[int, ...]] = {}
        self._length_sums = [0] * len(FIELDS)
        self._postings: dict[str, tuple[array[int], array[float]]] = {}
        self._plain: dict[str, tuple[array[int], array[float]]] = {}
        self._words: Counter[str] = Counter()
        self._words_by_length: dict[int, list[str]] | None = None
        self._words_by_sound: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self._lessons)

    # -- indexing ---------------------------------------------------------------------------

    def rebuild(
        self, lessons: Iterable[Lesson], analyses: Mapping[str, Analysis] | None = None
    ) -> None:
        """Index ``lessons`` from scratch (average field lengths computed over all of them).

        ``analyses`` maps lesson paths to analyses made in advance; the others are made here.
        """
        self._reset()
        given = analyses or {}
        analyzed = [
            (lesson, given.get(lesson.path) or analyze_lesson(lesson, self._analyzer))
            for lesson in lessons
        ]
        sums = [0] * len(FIELDS)
        for _, analysis in analyzed:
            for position, length in enumerate(analysis.lengths):
                sums[position] += length
        count = max(1, len(analyzed))
        averages = [max(1.0, total / count) for total in sums]
        for lesson, analysis in analyzed:
            self._add(lesson, analysis, averages)

    def upsert(self, lesson: Lesson, analysis: Analysis | None = None) -> None:
        """Add a lesson, or replace the indexed version with the same id."""
        self.remove(lesson.id)
        self._add(lesson, analysis or analyze_lesson(lesson, self._analyzer), self._averages())

    def remove(self, lesson_id: str) -> None:
        """Drop a lesson from the index; unknown ids are ignored."""
        slot = self._slots.pop(lesson_id, None)
        if slot is None:
            return
        del self._lessons[slot]
        for postings, terms in ((self._postings, self._doc_terms.pop(slot)),
                                (self._plain, self._doc_plain.pop(slot))):
            for term in terms:
                docs, weights = postings[term]
                position = _find(docs, slot)
                if len(docs) == 1:
                    del postings[term]
                else:
                    del docs[position]
                    del weights[position]
        for position, length in enumerate(self._field_lengths.pop(slot)):
            self._length_sums[position] -= length
        words = self._words
        for word in self._doc_words.pop(slot):
            if words[word] <= 1:
                del words[word]
            else:
                words[word] -= 1
        self._words_by_length = None

    def _averages(self) -> list[float]:
        count = max(1, len(self._lessons))
        return [max(1.0, total / count) for total in self._length_sums]

    def _add(self, lesson: Lesson, analysis: Analysis, averages: list[float]) -> None:
        slot = self._next_slot
        self._next_slot += 1
        self._slots[lesson.id] = slot
        self._lessons[slot] = lesson
        vocab = analysis.vocab
        weighted: dict[str, float] = {}
        for position, length in enumerate(analysis.lengths):
            self._length_sums[position] += length
            if not length or position >= WEIGHTED:
                continue
            norm = 1 - LENGTH_NORM[position] + LENGTH_NORM[position] * length / averages[position]
            boost = WEIGHTS[position] / norm
            for term, count in zip(analysis.terms[position], analysis.counts[position],
                                   strict=True):
                word = vocab[term]
                weighted[word] = weighted.get(word, 0.0) + boost * count
        self._field_lengths[slot] = analysis.lengths
        postings = self._postings
        for word, tf in weighted.items():
            entry = postings.get(word)
            if entry is None:
                entry = postings[word] = (array("i"), array("d"))
            entry[0].append(slot)
            entry[1].append(tf / (K1 + tf) * (K1 + 1))
        self._doc_terms[slot] = tuple(weighted)
        plain_length = analysis.lengths[WEIGHTED]
        norm = K1 * (1 - WORDS_B + WORDS_B * plain_length / averages[WEIGHTED])
        plain = self._plain
        for term, count in zip(analysis.terms[WEIGHTED], analysis.counts[WEIGHTED], strict=True):
            word = vocab[term]
            entry = plain.get(word)
            if entry is None:
                entry = plain[word] = (array("i"), array("d"))
            entry[0].append(slot)
            entry[1].append(count * (K1 + 1) / (count + norm))
        self._doc_plain[slot] = tuple(vocab[term] for term in analysis.terms[WEIGHTED])
        surface = tuple(vocab[number] for number in analysis.surface)
        self._doc_words[slot] = surface
        self._words.update(surface)
        self._words_by_length = None

    # -- querying ---------------------------------------------------------------------------

    def _idf(self, df: int) -> float:
        count = len(self._lessons)
        return math.log(1 + (count - df + 0.5) / (df + 0.5))

    def _correct(self, word: str, sounds_only: bool = False) -> list[tuple[str, int]]:
        """Library words within a small edit distance of ``word``, or that sound like it,
        closest and commonest first (with ``sounds_only``, only those that sound like it)."""
        if len(word) < 3 or word.isdigit():
            return []
        if self._words_by_length is None:
            buckets: dict[int, list[str]] = {}
            sounds: dict[str, list[str]] = {}
            for known in self._words:
                buckets.setdefault(len(known), []).append(known)
                sounds.setdefault(_sound(known), []).append(known)
            self._words_by_length = buckets
            self._words_by_sound = sounds
        sound = self._words_by_sound.get(_sound(word), ())
        if sounds_only:
            # A real word is read as a library word only when they differ in spelling alone
            # ("fishing", "phishing"): the rough key also merges real words that differ in
            # sound ("son" and "soon", "rap" and "wrap"), and a word is no shorter ("egg").
            spelling = _spelling(word)
            return [(known, 1) for known in sorted(sound, key=lambda w: -self._words[w])
                    if known != word and len(known) >= len(word)
                    and _spelling(known) == spelling][:3]
        limit = 1 if len(word) < 9 else 2
        # A three-letter word only gains a letter ("pul" -> "pull", "wfi" -> "wifi"), never
        # changes one: too many short words are one letter apart.
        shortest = len(word) + 1 if len(word) == 3 else len(word) - limit
        candidates: list[str] = []
        for length in range(shortest, len(word) + limit + 1):
            candidates.extend(self._words_by_length.get(length, ()))
        found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=limit,
                                limit=None)
        # Two edits are allowed only when the first letter agrees: people rarely miss it, and
        # without that rule unrelated words ("weather" -> "rather") creep in.
        found = [item for item in found if item[1] <= 1 or item[0][0] == word[0]]
        if len(word) <= 5:
            # Short words are close to many others ("spam" -> "sam", "bake" -> "make"): keep
            # only candidates that start alike and are no shorter.
            found = [item for item in found
                     if item[0][0] == word[0] and len(item[0]) >= len(word)]
        # Words that sound the same count as one edit away ("fishing" -> "phishing").
        spelled = {item[0] for item in found}
        found.extend((known, 1, 0) for known in sound if known not in spelled and known != word)
        # Among words as close, a slip of the fingers beats a common word: "limt" is "limit"
        # (a letter left out), not "list" (an m typed for an s, far apart on the keyboard).
        found.sort(key=lambda item: (item[1], not _slip(word, item[0]), -self._words[item[0]]))
        return [(known, int(distance)) for known, distance, _ in found[:3]]

    def _query_terms(self, query: str) -> tuple[list[_QueryTerm], dict[str, str]]:
        terms: list[_QueryTerm] = []
        corrections: dict[str, str] = {}
        analyzer = self._analyzer
        query = query[:MAX_QUERY_CHARS]
        # A compound counts as its content words, each of which also matches the joined form
        # ("in-place" is "place" or "inplace"): counted as a word of its own, the joined form
        # would ask for more than the learner did and only match lessons that spell it so in a
        # title. A compound of filler alone ("to-do") is its joined form.
        words = analyzer.content_words(query)[:MAX_QUERY_WORDS]
        if not _meaningful(words):
            return terms, corrections
        compounds = analyzer.compounds(query)
        joined_forms: dict[str, list[str]] = {}
        for joined_word, parts in compounds.items():
            joined_stem = analyzer.stem(joined_word)
            if parts and joined_stem in self._postings:
                for part in parts:
                    joined_forms.setdefault(part, []).append(joined_stem)
        for word in words:
            if compounds.get(word):
                continue  # its parts speak for it
            stem = analyzer.stem(word)
            alternatives: dict[str, float] = {}
            if stem in self._postings:
                alternatives[stem] = 1.0
                for joined_stem in joined_forms.get(word, ()):
                    alternatives.setdefault(joined_stem, 1.0)
                if len(self._postings[stem][0]) <= RARE_DF:
                    # A real word that is rare here may be a typo of a common one: "fishing"
                    # in a library about phishing. Both count; each lesson takes the better.
                    for known, distance in self._correct(word):
                        known_stem = analyzer.stem(known)
                        entry = self._postings.get(known_stem)
                        if entry is not None and distance == 1 and \
                                len(entry[0]) >= 3 * len(self._postings[stem][0]):
                            alternatives.setdefault(known_stem, 0.8)
            elif word in joined_forms:  # "e-mail" in a library that only says "email"
                alternatives = dict.fromkeys(joined_forms[word], 1.0)
            else:
                # A real word the library lacks is no typo ("tall" is not "talk"), unless it
                # sounds like a library word ("fishing" in a library about phishing).
                real = self._dictionary is not None and self._dictionary(word)
                for known, distance in self._correct(word, sounds_only=real):
                    known_stem = analyzer.stem(known)
                    if known_stem in self._postings:
                        weight = 0.9 if distance == 1 else 0.7
                        alternatives.setdefault(known_stem, weight)
                        corrections.setdefault(word, known)
            if any(term.alternatives == alternatives and alternatives for term in terms):
                continue  # "email e-mail": the same meaning twice must not count twice
            terms.append(_QueryTerm(word, alternatives))
        for term in terms:
            dfs = [len(self._postings[stem][0]) for stem in term.alternatives]
            term.idf = self._idf(min(dfs)) if dfs else self._idf(0) * UNKNOWN_WEIGHT
        return terms, corrections

    def knows(self, word: str) -> bool:
        """Whether a lesson has ``word`` (as lookup reads it: lower-cased and stemmed)."""
        return self._analyzer.stem(word.lower()) in self._postings

    def search(self, query: str, limit: int = 5) -> LookupResult:
        """Rank lessons for ``query`` as lookup did before the calibrated models (the score
        weighted by coverage, a fixed coverage/strength rule); an empty ``hits`` means no
        lesson answers it. Kept as the benchmarks' "previous default"."""
        matches, corrections, _ = self._matches(query)
        ordered = sorted(((score * (0.25 + coverage), slot, coverage, strength)
                          for slot, score, _, coverage, strength in matches if score > 0),
                         key=lambda item: (-item[0], self._lessons[item[1]].id))
        ranked = [LookupHit(self._lessons[slot], round(value, 4), round(coverage, 3),
                            round(strength, 3)) for value, slot, coverage, strength in ordered]
        hits = tuple(
            item for item in ranked
            if item.coverage >= MIN_COVERAGE and item.strength >= MIN_STRENGTH)[:limit]
        if hits:  # far weaker runners-up are noise next to a clear answer
            hits = tuple(hit for hit in hits if hit.score >= RELATIVE_CUTOFF * hits[0].score)
        suggestions: tuple[str, ...] = ()
        if not hits:
            suggestions = tuple(item.lesson.title for item in ranked[:3])
        return LookupResult(query, hits, suggestions, corrections)

    def candidates(
        self, query: str, limit: int | None = 20
    ) -> tuple[list[LookupHit], dict[str, str]]:
        """Every lesson that matches ``query``, best first, with no "is it an answer" rule
        applied (the caller decides), and the typo corrections made.

        The score is the BM25F score of the analysed terms plus that of the plain words, scaled
        so that the best of the latter weighs :data:`WORDS_WEIGHT` of the best of the former."""
        matches = self.match(query)
        return self.best(matches, limit), matches.corrections

    def match(self, query: str) -> Matches:
        """Every lesson that matches ``query``, scored (see :meth:`candidates`), to be read
        with :meth:`best` and :meth:`hits` while the index holds the same lessons."""
        matches, corrections, asks = self._matches(query)
        # The plain-word score is brought to the scale of the BM25F one (the best of each
        # weighing 1 : WORDS_WEIGHT), which keeps the score's magnitude: how strong the best
        # match is still shows.
        best = max((m[1] for m in matches), default=0.0) or 1.0
        scale = WORDS_WEIGHT * best / (max((m[2] for m in matches), default=0.0) or 1.0)
        return Matches({slot: (score + plain * scale, coverage, strength)
                        for slot, score, plain, coverage, strength in matches}, corrections, asks)

    def best(self, matches: Matches, limit: int | None) -> list[LookupHit]:
        """The ``limit`` best of ``matches`` (all with None), best first."""
        ranked = list(matches.evidence.items())
        if limit is not None and len(ranked) > limit:
            ranked = heapq.nlargest(limit, ranked, key=lambda item: item[1][0])
        ranked.sort(key=lambda item: (-item[1][0], self._lessons[item[0]].id))
        return [self._hit(slot, evidence) for slot, evidence in ranked]

    def hits(self, matches: Matches, lesson_ids: Iterable[str]) -> dict[str, LookupHit]:
        """The evidence of those of ``lesson_ids`` that are among ``matches``, whatever their
        rank. A lesson changed or removed since the match is not: a changed lesson takes a new
        slot, and slots are never reused."""
        found = {}
        for lesson_id in lesson_ids:
            slot = self._slots.get(lesson_id)
            if slot is not None and slot in matches.evidence:
                found[lesson_id] = self._hit(slot, matches.evidence[slot])
        return found

    def _hit(self, slot: int, evidence: WordEvidence) -> LookupHit:
        score, coverage, strength = evidence
        return LookupHit(self._lessons[slot], round(score, 4), round(coverage, 3),
                         round(strength, 3))

    def _matches(self, query: str) -> tuple[list[_Match], dict[str, str], bool]:
        """The evidence of every lesson that shares a term or a plain word with ``query``
        (none when it has no content word), the typo corrections made, and whether it has a
        word to match (every content word of a question that asks something makes a term)."""
        terms, corrections = self._query_terms(query)
        if not terms or not self._lessons:
            return [], corrections, bool(terms)
        scores: dict[int, float] = {}
        matched: dict[int, float] = {}
        total_idf = sum(term.idf for term in terms)
        for term in terms:
            seen: dict[int, float] = {}
            for stem, weight in term.alternatives.items():
                docs, tfs = self._postings[stem]
                idf = self._idf(len(docs)) * weight
                for slot, tf in zip(docs, tfs, strict=True):
                    gain = idf * tf
                    if gain > seen.get(slot, 0.0):
                        seen[slot] = gain
            for slot, gain in seen.items():
                scores[slot] = scores.get(slot, 0.0) + gain
                matched[slot] = matched.get(slot, 0.0) + term.idf
        # Strength: the score as a share of what a lesson matching every word in its title
        # would get. A word mentioned once deep in a long page is matched, but weakly.
        ceiling = sum(term.idf for term in terms) * (K1 + 1)
        strengths = {slot: score / ceiling for slot, score in scores.items()}
        self._add_pair_scores(terms, scores)
        plain = self._plain_scores(query)
        share = 1.0 / total_idf if total_idf else 0.0
        return [(slot, scores.get(slot, 0.0), plain.get(slot, 0.0),
                 matched.get(slot, 0.0) * share, strengths.get(slot, 0.0))
                for slot in scores.keys() | plain.keys()], corrections, True

    def _plain_scores(self, query: str) -> dict[int, float]:
        """Okapi BM25 of the query's plain words over the words that name each lesson (its
        title, tags, topic and opening; see :data:`WORDS_LIMIT`)."""
        scores: dict[int, float] = {}
        most = max(WORDS_MAX_SHARE * len(self._lessons), 10)
        words = self._analyzer.plain_words(query[:MAX_QUERY_CHARS])[:2 * MAX_QUERY_WORDS]
        for word in dict.fromkeys(words):
            entry = self._plain.get(word)
            if entry is None or len(entry[0]) > most:
                continue
            docs, weights = entry
            idf = self._idf(len(docs))
            for slot, weight in zip(docs, weights, strict=True):
                scores[slot] = scores.get(slot, 0.0) + idf * weight
        return scores

    def _add_pair_scores(self, terms: list[_QueryTerm], scores: dict[int, float]) -> None:
        for left, right in itertools.pairwise(terms):
            for a in left.alternatives:
                for b in right.alternatives:
                    entry = self._postings.get(f"{a}{BIGRAM}{b}")
                    if entry is None:
                        continue
                    idf = self._idf(len(entry[0]))
                    for slot, tf in zip(entry[0], entry[1], strict=True):
                        if slot in scores:
                            scores[slot] += 0.5 * idf * tf


_SOUNDS = [(re.compile(r"ph"), "f"), (re.compile(r"ck|q"), "k"), (re.compile(r"(\w)\1+"), r"\1"),
           (re.compile(r"^(?:kn|gn)"), "n"), (re.compile(r"^wr"), "r")]


_SPELLINGS = [(re.compile(r"ph"), "f"), (re.compile(r"ck"), "k"),
              (re.compile(r"([b-df-hj-np-tv-z])\1+"), r"\1")]


def _rewrite(word: str, rules: list[tuple[re.Pattern[str], str]]) -> str:
    for pattern, replacement in rules:
        word = pattern.sub(replacement, word)
    return word


def _spelling(word: str) -> str:
    """A strict sound-alike key: only letters that spell one sound two ways ('ph' is 'f', a
    doubled consonant is one), not doubled vowels ("soon" is not "son")."""
    return _rewrite(word, _SPELLINGS)


def _sound(word: str) -> str:
    """A rough sound-alike key: 'ph' is 'f', 'ck' is 'k', doubled letters are single, and a
    silent first letter is dropped ("knife" sounds like "nife", "write" like "rite"): the
    one letter a typo leaves out where the first-letter rule of spelling would not look."""
    return _rewrite(word, _SOUNDS)


_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    key: {other for r, line in enumerate(_KEYBOARD) for c, other in enumerate(line)
          if abs(r - row) <= 1 and abs(c - column) <= 1 and other != key}
    for row, keys in enumerate(_KEYBOARD) for column, key in enumerate(keys)}
"""Each letter's neighbours on a QWERTY keyboard (the rows taken as aligned: near enough)."""


def _slip(typed: str, known: str) -> bool:
    """Whether ``typed`` is ``known`` with one slip of the fingers: a letter left out or
    doubled in, two letters swapped, or a key hit beside the right one."""
    if abs(len(typed) - len(known)) == 1:
        longer, shorter = (typed, known) if len(typed) > len(known) else (known, typed)
        return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))
    if len(typed) != len(known):
        return False
    differ = [i for i, (a, b) in enumerate(zip(typed, known, strict=True)) if a != b]
    if len(differ) == 1:
        i = differ[0]
        return known[i] in _NEIGHBOURS.get(typed[i], set())
    return len(differ) == 2 and differ[1] == differ[0] + 1 and \
        typed[differ[0]] == known[differ[1]] and typed[differ[1]] == known[differ[0]]


def _meaningful(words: list[str]) -> bool:
    """Whether content words hold more than numbers ("2 factors" does, "1" does not)."""
    return any(not word.isdigit() for word in words)


def _find(docs: array[int], slot: int) -> int:
    """Position of ``slot`` in a postings list (slots are appended in increasing order)."""
    low, high = 0, len(docs)
    while low < high:
        middle = (low + high) // 2
        if docs[middle] < slot:
            low = middle + 1
        else:
            high = middle
    return low
