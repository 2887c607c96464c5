"""Quizzes on a topic the learner names ("quiz me on passwords"): the questions of the lesson
that answers it, one after another, those not answered yet today."""

from __future__ import annotations

from datetime import datetime

from bot.content.model import Lesson, Question
from bot.engine import calendar, lessons
from bot.engine.asking import confident, question_message
from bot.engine.turn import Turn
from bot.messages import TopicQuiz
from storage.records import Ask, Card, LessonSource


def start(turn: Turn, topic: str) -> None:
    """Ask the first question of the lesson that best answers ``topic`` (lookup decides, as
    for a question: no lesson, no quiz, and the lessons that come close are offered). A
    lesson not yet in the learner's reviews joins them: asking to be quizzed on it is asking
    to remember it."""
    result = turn.catalog.lookup(topic, 3)
    if not result.hits:
        lessons.no_answer(turn, " ".join(topic.split()), result)
        return
    # The first lesson that answers and has questions: lookup's runners-up are likely right
    # too (each is shown only when it is), and a quiz wants questions.
    lesson = next((hit.lesson for hit in result.hits if hit.lesson.questions), None)
    if lesson is None:
        turn.say(TopicQuiz(result.hits[0].lesson.title, "none"))
        return
    receipt = turn.receipt(lesson.id)
    if receipt is None or receipt.via not in lessons.REVIEWED:
        if receipt is None:
            turn.received(lesson.id, LessonSource.LOOKUP)
        lessons.add(turn, lesson)
    left = left_today(turn, lesson)
    if not left:
        turn.say(TopicQuiz(lesson.title, "answered", len(lesson.questions),
                           next_due=next_due(turn, lesson)))
        return
    turn.say(TopicQuiz(lesson.title, "start", len(lesson.questions), len(left)))
    ask_question(turn, lesson, left[0])


def go_on(turn: Turn, answered: Ask) -> bool:
    """After an answer in a quiz on a topic, its lesson's next question (True), or the word
    that the quiz is over (False: nothing asked)."""
    lesson = turn.catalog.get(answered.lesson_id)
    left = left_today(turn, lesson) if lesson is not None else []
    if lesson is None or not left:
        if lesson is not None:
            turn.say(TopicQuiz(lesson.title, "done", len(lesson.questions),
                               next_due=next_due(turn, lesson)))
        return False
    ask_question(turn, lesson, left[0])
    return True


def left_today(turn: Turn, lesson: Lesson) -> list[Question]:
    """The lesson's questions the learner has not answered on their local day, in the
    lesson's order."""
    cards = {card.question_key: card for card in
             turn.unit.cards.lesson_cards(turn.learner.id, lesson.id)}
    return [question for question in lesson.questions
            if not _answered_today(turn, cards.get(question.key))]


def next_due(turn: Turn, lesson: Lesson) -> datetime | None:
    """When the first of the lesson's questions comes back for review, in the learner's time
    zone (None: none of them is in the reviews)."""
    due = [card.due_at for card in turn.unit.cards.lesson_cards(turn.learner.id, lesson.id)
           if any(question.key == card.question_key for question in lesson.questions)]
    return min(due).astimezone(turn.tz) if due else None


def _answered_today(turn: Turn, card: Card | None) -> bool:
    return card is not None and card.reviewed_at is not None and \
        calendar.local_date(card.reviewed_at, turn.tz) >= turn.today


def is_practice(turn: Turn, ask: Ask) -> bool:
    """Whether an answer to ``ask`` is practice, which earns no points: asked in a quiz on a
    topic, of a question answered before whose review is not due yet (a quiz on the same
    lesson every day must not outscore steady reviews)."""
    if not ask.topic:
        return False
    card = turn.unit.cards.get(turn.learner.id, ask.lesson_id, ask.question_key)
    return card is not None and card.reviewed_at is not None and card.due_at > turn.now


def ask_question(turn: Turn, lesson: Lesson, question: Question) -> None:
    """Put one of the lesson's questions to the learner; an open ask of it is asked again
    rather than a second one made."""
    asks = turn.unit.asks
    open_ask = asks.latest_open(turn.learner.id)
    if open_ask is not None and open_ask.topic and open_ask.lesson_id == lesson.id and \
            open_ask.question_key == question.key:
        ask = open_ask
    else:
        ask = asks.create(turn.learner.id, lesson.id, question.key, turn.now, topic=True)
    turn.say(question_message(ask.id, lesson, question, confidence=confident(turn, lesson)))
