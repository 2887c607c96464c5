"""Mastery follows the answers: a wrong answer takes it back; its points come once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.engine import calendar
from bot.engine.reviewer import Reviewer
from storage.records import Card

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)
UTC_ZONE = calendar.zone("UTC")
WORKDAYS = calendar.DAYS[:5]


def test_a_wrong_answer_to_a_mastered_question_takes_mastery_back() -> None:
    reviewer = Reviewer()
    card = Card(1, "l", "k", "", MON + timedelta(days=1))
    now = MON
    for _ in range(10):  # right at each review, until the next one is more than 30 days off
        now = max(card.due_at, now + timedelta(days=1)) + timedelta(hours=9)
        result = reviewer.review(card, True, now, now.date(), WORKDAYS, UTC_ZONE, MON)
        card = result.card
        if card.mastered:
            break
    assert card.mastered and result.newly_mastered
    later = card.due_at + timedelta(hours=9)
    wrong = reviewer.review(card, False, later, later.date(), WORKDAYS, UTC_ZONE, MON)
    assert not wrong.card.mastered and not wrong.newly_mastered
    right = reviewer.review(wrong.card, True, later + timedelta(days=2),
                            (later + timedelta(days=2)).date(), WORKDAYS, UTC_ZONE, MON)
    assert not right.card.mastered  # a short interval again: earned anew, later
