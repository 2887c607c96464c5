"""Which review questions to ask today: the ones whose asking adds the most recall.

Each candidate card is scored by the expected gain in recall, integrated over a horizon (about
a year), from asking it today rather than not: with the probability ``R`` that the learner
recalls it now, an answer is right and the card's stability becomes ``S_good``, otherwise it
becomes ``S_again``, so

    gain = R * I(S_good, from 0) + (1 - R) * I(S_again, from 0) - I(S, from the days elapsed)

where ``I(S, from a)`` is the area under FSRS's forgetting curve ``(1 + F t / S) ** D`` over the
horizon, starting ``a`` days after the last review (in closed form). Reading a lesson is its
questions' first exposure (each card holds FSRS state as if reviewed Good at the lesson), so a
question never asked competes on the same scale as the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fsrs import Card as FsrsCard
from fsrs import Rating

from bot.engine.reviewer import Reviewer

HORIZON_DAYS = 365.0
"""How far ahead recall counts: about a year, the life of what a course teaches."""


@dataclass(frozen=True)
class Candidate:
    """A card that may be asked today: its memory state and its place in a stable order."""

    memory: FsrsCard
    """The card's FSRS state (never asked: as if reviewed Good when its lesson was read)."""
    order: tuple[float, int, str, str]
    """When its lesson was read (a POSIX time), its place among the lesson's questions, then
    the ids: ties in gain go in the order the learner met the questions."""
    lesson_id: str
    question_key: str


def recall_area(reviewer: Reviewer, stability: float, start: float, length: float) -> float:
    """The area under the forgetting curve of a memory of ``stability`` days, from ``start``
    days after its last review, over ``length`` days (in recall-days)."""
    factor, decay = reviewer.factor, reviewer.decay
    power = decay + 1.0  # FSRS's decay is above -1, so the area is finite for any horizon

    def antiderivative(t: float) -> float:
        return float(stability / (factor * power) * (1.0 + factor * t / stability) ** power)

    return antiderivative(start + length) - antiderivative(start)


def expected_gain(reviewer: Reviewer, memory: FsrsCard, now: datetime,
                  horizon: float = HORIZON_DAYS) -> float:
    """How much recall over ``horizon`` days asking this card now adds, in recall-days."""
    if memory.last_review is None or memory.stability is None:
        return float("inf")  # no memory at all: anything is a gain
    elapsed = max(0.0, (now - memory.last_review).total_seconds() / 86400)
    recall = reviewer.recall_after(memory.stability, elapsed)
    good = reviewer.fsrs.review_card(memory, Rating.Good, now)[0]
    again = reviewer.fsrs.review_card(memory, Rating.Again, now)[0]
    assert good.stability is not None and again.stability is not None
    asked = (recall * recall_area(reviewer, good.stability, 0.0, horizon)
             + (1.0 - recall) * recall_area(reviewer, again.stability, 0.0, horizon))
    return asked - recall_area(reviewer, memory.stability, elapsed, horizon)


def choose(reviewer: Reviewer, candidates: Sequence[Candidate], now: datetime,
           limit: int | None = None) -> list[Candidate]:
    """The candidates worth asking, highest expected gain first (ties in the trainer's order);
    never one whose gain is not positive; at most ``limit`` when given."""
    scored = [(gain, candidate) for candidate in candidates
              if (gain := expected_gain(reviewer, candidate.memory, now)) > 0]
    scored.sort(key=lambda item: (-item[0], item[1].order))
    chosen = [candidate for _, candidate in scored]
    return chosen if limit is None else chosen[:limit]
