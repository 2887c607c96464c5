"""Mastery follows the answers: a wrong answer takes it back; its points come once. A question
missed again and again points back to its lesson."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.engine import calendar
from bot.engine.reviewer import Reviewer
from bot.messages import Feedback, QuestionMessage
from bot.rendering.renderer import Renderer
from storage.records import Card
from tests.unit.engine.conftest import Say

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


def test_a_question_missed_again_and_again_points_back_to_its_lesson(say: Say) -> None:
    """Missed every day, it had only been asked again: the lesson was never named."""
    say("lesson", at=MON)
    slipping = []
    day = MON
    for _ in range(4):
        day += timedelta(days=1)
        asked = [m for m in say("quiz", at=day) if isinstance(m, QuestionMessage)]
        if not asked:
            continue
        wrong = next(index for index in range(len(asked[0].question.choices))
                     if index not in asked[0].question.correct_indexes)
        [feedback, *_] = say(str(wrong + 1), at=day)
        assert isinstance(feedback, Feedback) and not feedback.correct
        slipping.append(feedback.slipping)
    assert slipping[:3] == [False, False, True]
    shown = Renderer().render(replace(feedback, slipping=True))
    assert f'read its lesson again ("learn {feedback.lesson.title}")' in shown
