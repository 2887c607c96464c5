"""One ranking from lexical and semantic evidence, and a calibrated "is it an answer?".

Each candidate lesson (the best of the lexical matches and the nearest in meaning) carries its
cosine similarity to the question, its lexical *coverage* (share of the question's information
it contains) and *strength* (how strongly it matches; see :mod:`bot.content.search`). The
fused score adds a share of the lexical evidence to the similarity, so a lesson that both
means and says what the learner asked ranks first.

Two logistic models over the same evidence, fitted by ``bench/calibrate.py`` on the *tuning*
halves of nine query sets over nine corpora, six of documentation and three small workplace
libraries (the other halves, and five sets written without sight of this code, are held out and
only measured): one gives each candidate the probability
that it is right, the other the probability that the first three hold a right lesson. Lookup
answers when the latter reaches ``min_confidence`` ([lookup] in the config); lower it for fewer
silences, raise it for fewer wrong answers. Without the model (lexical only) the same is done
with models fitted on lexical evidence alone.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.content.names import NAMED_CONFIDENCE

# Fitted by `python -m bench.calibrate` (docs/benchmarks.md has the run); do not edit by hand.
LEXICAL_WEIGHT = 0.2
"""Share of the lexical evidence (strength x coverage) added to the similarity."""
HYBRID_COEFFICIENTS = (-5.472, 4.972, -0.691, 1.216, 0.551, 1.176, 0.099, 1.095, 7.428, 3.849)
"""Is this candidate right? Bias, similarity, distinctness, coverage, strength, share of the
best fused score, nearest in meaning, best lexical match, margin over the best other candidate,
how far the nearest lesson stands above the second nearest."""
HYBRID_ANSWER_COEFFICIENTS = (-5.261, 5.34, 3.233, 1.2, -0.549, 0.0, 0.062, 0.061, 2.933, 0.37,
                              1.232, 1.889, 2.963)
"""Does the answer hold a right lesson? The first candidate's features, then the best coverage
and strength of the first three and their mean similarity."""
LEXICAL_COEFFICIENTS = (-2.577, 0.0, 0.0, -0.309, 3.772, -0.934, 0.0, 0.715, 0.247, 0.0)
"""The candidate model fitted on lexical evidence alone (the semantic features are then 0)."""
LEXICAL_ANSWER_COEFFICIENTS = (-2.568, 0.0, 0.0, -0.502, 2.626, 0.0, 0.0, 0.0, 0.229, 0.0, -0.021,
                               2.585, 0.0)
"""The answer model fitted on lexical evidence alone, its bias shifted so that the same bar
refuses the same share of unanswerable tuning questions as with the model."""
MIN_CONFIDENCE = 0.48
"""Default probability the answer needs to be given."""
MAX_STRENGTH = 1.5
ANSWER_DEPTH = 3
"""How many of the best candidates the answer model looks at (and lookup usually shows)."""
RUNNER_UP_FLOOR = 0.02
"""A lesson after the first is shown unless its own probability of being right is below this:
such a lesson is plainly unrelated. (A higher floor lost right answers on the tuning halves.)"""


@dataclass(frozen=True)
class Evidence:
    """What is known about one candidate lesson for one question."""

    lesson_id: str
    similarity: float = 0.0
    """Cosine similarity of meaning (0 when semantic lookup is off)."""
    distinct: float = 0.0
    """How far the similarity stands above the question's typical similarity to lessons."""
    coverage: float = 0.0
    strength: float = 0.0
    lexical: float = 0.0
    """The lexical ranking score (used to rank when semantic lookup is off)."""


@dataclass(frozen=True)
class Ranked:
    """A candidate with its fused score and the probability that it answers."""

    evidence: Evidence
    score: float
    confidence: float


def fused_score(evidence: Evidence, hybrid: bool) -> float:
    """The ranking score: similarity plus a share of the lexical evidence (hybrid), or the
    lexical score alone."""
    if not hybrid:
        return evidence.lexical
    return evidence.similarity + LEXICAL_WEIGHT * min(evidence.strength, MAX_STRENGTH) * \
        evidence.coverage


def features(
    evidence: Evidence, share: float, top_similarity: float, top_lexical: float,
    margin: float = 0.0, similarity_gap: float = 0.0,
) -> tuple[float, ...]:
    """The candidate model's inputs: ``share`` is its fused score over the best one's;
    whether it is the nearest in meaning and the best lexical match of all candidates counts
    too (two rankers agreeing is strong evidence); ``margin`` is its fused score minus the best
    other candidate's, ``similarity_gap`` how far the nearest lesson stands above the second."""
    return (1.0, evidence.similarity, evidence.distinct, evidence.coverage,
            min(evidence.strength, MAX_STRENGTH), share,
            1.0 if evidence.similarity >= top_similarity > 0 else 0.0,
            1.0 if evidence.lexical >= top_lexical > 0 else 0.0,
            margin, similarity_gap)


def answer_features(first: Sequence[float], top: Sequence[Evidence],
                    nearest: Sequence[float]) -> tuple[float, ...]:
    """The answer model's inputs: the first candidate's features, the best coverage and
    strength among the first few, and the mean of the highest similarities (``nearest``, best
    first). An answerable question often has several good lessons near the top; an
    unanswerable one has none."""
    best = nearest[:ANSWER_DEPTH]
    return (*first, max(e.coverage for e in top),
            max(min(e.strength, MAX_STRENGTH) for e in top),
            sum(best) / len(best) if best else 0.0)


def probability(values: Sequence[float], coefficients: Sequence[float]) -> float:
    """The logistic function of the weighted features."""
    z = sum(v * c for v, c in zip(values, coefficients, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class Scored:
    """Every candidate, best first, with its fused score and model inputs (what
    ``bench/calibrate.py`` fits on)."""

    order: list[tuple[float, Evidence]]
    rows: list[tuple[float, ...]]
    answer_row: tuple[float, ...]


def score(candidates: Sequence[Evidence], hybrid: bool) -> Scored:
    """Fused scores and the features of each candidate and of the answer."""
    order = sorted(((fused_score(e, hybrid), e) for e in candidates),
                   key=lambda item: (-item[0], item[1].lesson_id))
    if not order:
        return Scored([], [], ())
    best = order[0][0] if order[0][0] > 0 else 1.0
    second = order[1][0] if len(order) > 1 else 0.0
    similarities = sorted((e.similarity for e in candidates), reverse=True)
    top_similarity = similarities[0]
    gap = top_similarity - (similarities[1] if len(similarities) > 1 else 0.0)
    top_lexical = max(e.lexical for e in candidates)
    rows = [features(e, value / best, top_similarity, top_lexical,
                     value - (second if i == 0 else order[0][0]), gap)
            for i, (value, e) in enumerate(order)]
    answer_row = answer_features(rows[0], [e for _, e in order[:ANSWER_DEPTH]], similarities)
    return Scored(order, rows, answer_row)


def rank(
    candidates: Sequence[Evidence], hybrid: bool,
    coefficients: Sequence[float] | None = None,
    answer_coefficients: Sequence[float] | None = None,
    named: Collection[str] = (),
) -> list[Ranked]:
    """Every candidate, best first. The first one's confidence is the probability that the
    answer (the first few) holds a right lesson; the others' that each one is right.

    Lessons the question names (``named``: its ids, see :mod:`bot.content.names`) come first,
    and an answer that starts with one has at least :data:`NAMED_CONFIDENCE`."""
    if coefficients is None:
        coefficients = HYBRID_COEFFICIENTS if hybrid else LEXICAL_COEFFICIENTS
    if answer_coefficients is None:
        answer_coefficients = HYBRID_ANSWER_COEFFICIENTS if hybrid else \
            LEXICAL_ANSWER_COEFFICIENTS
    scored = score(candidates, hybrid)
    ranked = [Ranked(e, value, probability(row, coefficients))
              for (value, e), row in zip(scored.order, scored.rows, strict=True)]
    if not ranked:
        return ranked
    answer = probability(scored.answer_row, answer_coefficients)
    if named:
        ranked.sort(key=lambda item: item.evidence.lesson_id not in named)  # stable
        if ranked[0].evidence.lesson_id in named:
            answer = max(answer, NAMED_CONFIDENCE)
    ranked[0] = Ranked(ranked[0].evidence, ranked[0].score, answer)
    return ranked


def decide(
    ranked: Sequence[Ranked], limit: int, min_confidence: float = MIN_CONFIDENCE
) -> list[Ranked]:
    """The answers to give: nothing unless the answer is likely to hold a right lesson; then
    the best ``limit`` candidates but those plainly unrelated. (Pruning the runners-up by a
    share of the bar, as before, lost more right answers than it saved wrong ones.)"""
    if not ranked or ranked[0].confidence < min_confidence:
        return []
    return [ranked[0], *(r for r in ranked[1:limit] if r.confidence >= RUNNER_UP_FLOOR)]
