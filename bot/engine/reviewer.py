"""Spaced repetition: FSRS decides when a question comes back, on the learner's workdays."""

from __future__ import annotations

from dataclasses import dataclass, replace
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
        # The forgetting curve R(t) = (1 + factor * t / S) ** decay, as FSRS computes it.
        self.decay = -float(self.fsrs.parameters[20])
        self.factor = 0.9 ** (1 / self.decay) - 1

    def recall_after(self, stability: float, days: float) -> float:
        """The probability of recall ``days`` after the last review of a memory of
        ``stability`` days (FSRS's curve, with fractional days)."""
        return float((1 + self.factor * days / stability) ** self.decay)

    def first_exposure(self, day_start: datetime) -> FsrsCard:
        """A question's memory once its lesson is read on the day starting at ``day_start``: as
        if reviewed Good then (the lesson taught it; the first ask is a review, not a first
        sight)."""
        return self.fsrs.review_card(FsrsCard(card_id=1, due=day_start), Rating.Good,
                                     day_start)[0]

    def baseline(self, known: bool, day_start: datetime) -> FsrsCard:
        """A question's memory seeded by a knowledge check's baseline answer on the day
        starting at ``day_start``: its first review, Good when the learner knew it, Again when
        not (so what they did not know comes back sooner)."""
        return self.fsrs.review_card(FsrsCard(card_id=1, due=day_start),
                                     Rating.Good if known else Rating.Again, day_start)[0]

    def memory(self, card: Card, lesson_day_start: datetime) -> FsrsCard:
        """The card's FSRS memory; a card never asked holds none yet, and gets its first
        exposure on the day its lesson was read (``lesson_day_start``, local midnight)."""
        if card.state:
            return FsrsCard.from_json(card.state)
        return self.first_exposure(lesson_day_start)

    def review(self, card: Card, correct: bool, now: datetime, today: date,
               workdays: tuple[str, ...], tz: ZoneInfo,
               lesson_read_at: datetime | None = None, guessed: bool = False) -> Review:
        """Rate the card Good (right; Hard for a right guess, which never masters it) or Again
        (wrong) and plan its next review on a workday,
        from the start of the learner's local day (never today). A card never asked starts
        from its lesson (read at ``lesson_read_at``) as its first exposure.

        FSRS counts whole days; it is given the start of the learner's local days, so an answer
        at 04:00 and one at 23:00 of the same day count alike, and "the next day" is one day
        later whatever the hour."""
        day_start = calendar.at_local(today, "00:00", tz)
        read_day = (calendar.at_local(calendar.local_date(lesson_read_at, tz), "00:00", tz)
                    if lesson_read_at is not None else day_start)
        fsrs_card = self.memory(card, read_day)
        rating = (Rating.Again if not correct else Rating.Hard if guessed else Rating.Good)
        fsrs_card, _ = self.fsrs.review_card(fsrs_card, rating, day_start)
        day = max(calendar.local_date(fsrs_card.due, tz), calendar.next_workday(today, workdays))
        while not calendar.is_workday(day, workdays) and workdays:
            day += timedelta(days=1)
        due = calendar.at_local(day, "00:00", tz)
        mastered = correct and not guessed and due - now > timedelta(days=rules.MASTERED_DAYS)
        saved = remember(Card(card.learner_id, card.lesson_id, card.question_key, "", due,
                              card.reviews + 1, card.lapses + (not correct),
                              # A wrong answer shows it is not mastered now (its points and
                              # badge, once earned, are not earned again).
                              mastered or (card.mastered and correct)), fsrs_card)
        return Review(saved, mastered and not card.mastered)


def remember(card: Card, memory: FsrsCard) -> Card:
    """The card holding ``memory``: its FSRS state, with the stability and the last review
    copied out for reports."""
    return replace(card, state=memory.to_json(), stability=memory.stability,
                   reviewed_at=memory.last_review)
