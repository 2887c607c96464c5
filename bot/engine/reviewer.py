"""Spaced repetition: FSRS decides when a question comes back, on the learner's workdays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from bot.engine import calendar, rules
from storage.records import Card


@dataclass(frozen=True)
class Review:
    """A card after an answer, and whether this answer mastered it."""

    card: Card
    newly_mastered: bool


class Reviewer:
    """FSRS with one review a day: no same-day learning steps, no fuzzing (a chat bot reviews
    once a day, and a test must know the day)."""

    def __init__(self) -> None:
        self.fsrs = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)

    def recall(self, card: Card, now: datetime) -> float | None:
        """The probability the learner recalls the card now; None for a card never asked."""
        if not card.state:
            return None
        return float(self.fsrs.get_card_retrievability(FsrsCard.from_json(card.state), now))

    def review(self, card: Card, correct: bool, now: datetime, today: date,
               workdays: tuple[str, ...], tz: ZoneInfo) -> Review:
        """Rate the card Good (right) or Again (wrong) and plan its next review on a workday,
        from the start of the learner's local day (never today)."""
        fsrs_card = (FsrsCard.from_json(card.state) if card.state
                     else FsrsCard(card_id=1, due=now))
        fsrs_card, _ = self.fsrs.review_card(fsrs_card, Rating.Good if correct else Rating.Again,
                                             now)
        day = max(calendar.local_date(fsrs_card.due, tz), calendar.next_workday(today, workdays))
        while not calendar.is_workday(day, workdays) and workdays:
            day += timedelta(days=1)
        due = calendar.at_local(day, "00:00", tz)
        mastered = correct and due - now > timedelta(days=rules.MASTERED_DAYS)
        saved = Card(card.learner_id, card.lesson_id, card.question_key, fsrs_card.to_json(), due,
                     card.reviews + 1, card.lapses + (not correct), mastered or card.mastered)
        return Review(saved, mastered and not card.mastered)
