"""One ranking from lexical and semantic evidence, and a calibrated "is it an answer?".

Each candidate lesson (the best of the lexical matches and the nearest in meaning) carries its
cosine similarity to the question, its lexical *coverage* (share of the question's information
it contains) and *strength* (how strongly it matches; see :mod:`bot.content.search`). The
fused score adds a share of the lexical evidence to the similarity, so a lesson that both
means and says what the learner asked ranks first.

Whether a candidate answers is a probability: a logistic model over the same evidence, fitted
by ``bench/calibrate.py`` on the *tuning* halves of five query sets over five corpora (the
other halves are held out and only measured). Lookup answers when the best candidate's
probability reaches ``min_confidence`` ([lookup] in the config); lower it for fewer silences,
raise it for fewer wrong answers. Without the model (lexical only) the same is done with a
model fitted on lexical evidence alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Fitted by `python -m bench.calibrate` (docs/benchmarks.md has the run); do not edit by hand.
LEXICAL_WEIGHT = 0.3
"""Share of the lexical evidence (strength x coverage) added to the similarity."""
HYBRID_COEFFICIENTS = (-7.436, 1.115, 7.895, 0.275, 1.642, 4.566, 0.205, 1.122)
"""Bias, similarity, distinctness, coverage, strength, share of the best fused score, nearest
in meaning, best lexical match."""
LEXICAL_COEFFICIENTS = (-4.037, 0.0, 0.0, -2.104, 5.814, 0.807, 0.0, 1.467)
"""The same, fitted on lexical evidence alone (the semantic features are then 0)."""
MIN_CONFIDENCE = 0.38
"""Default probability the best lesson needs to be given as an answer."""
RUNNER_UP_SHARE = 0.6
"""A lesson after the first is shown when its probability reaches this share of the bar."""
MAX_STRENGTH = 1.5


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
    evidence: Evidence, share: float, top_similarity: float, top_lexical: float
) -> tuple[float, ...]:
    """The logistic model's inputs for one candidate: ``share`` is its fused score over the
    best one's; whether it is the nearest in meaning and the best lexical match of all
    candidates counts too (two rankers agreeing is strong evidence)."""
    return (1.0, evidence.similarity, evidence.distinct, evidence.coverage,
            min(evidence.strength, MAX_STRENGTH), share,
            1.0 if evidence.similarity >= top_similarity > 0 else 0.0,
            1.0 if evidence.lexical >= top_lexical > 0 else 0.0)


def probability(values: Sequence[float], coefficients: Sequence[float]) -> float:
    """The logistic function of the weighted features."""
    z = sum(v * c for v, c in zip(values, coefficients, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def rank(
    candidates: Sequence[Evidence], hybrid: bool,
    coefficients: Sequence[float] | None = None,
) -> list[Ranked]:
    """Every candidate, best first, with its probability of answering the question."""
    if coefficients is None:
        coefficients = HYBRID_COEFFICIENTS if hybrid else LEXICAL_COEFFICIENTS
    scored = sorted(((fused_score(e, hybrid), e) for e in candidates),
                    key=lambda item: (-item[0], item[1].lesson_id))
    if not scored:
        return []
    best = scored[0][0] if scored[0][0] > 0 else 1.0
    top_similarity = max(e.similarity for e in candidates)
    top_lexical = max(e.lexical for e in candidates)
    return [Ranked(e, score, probability(features(e, score / best, top_similarity, top_lexical),
                                         coefficients))
            for score, e in scored]


def decide(
    ranked: Sequence[Ranked], limit: int, min_confidence: float = MIN_CONFIDENCE
) -> list[Ranked]:
    """The answers to give: nothing unless the best candidate is likely right; then those of
    the next few that are likely enough too."""
    if not ranked or ranked[0].confidence < min_confidence:
        return []
    runner_up = min_confidence * RUNNER_UP_SHARE
    return [ranked[0], *(r for r in ranked[1:limit] if r.confidence >= runner_up)][:limit]
