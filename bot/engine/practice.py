"""Quizzes on a topic the learner names ("quiz me on passwords"): the questions of the lesson
that answers it, one after another, those not answered yet today."""

from __future__ import annotations

from collections.abc import Callable

from bot.content.model import Lesson, Question
from bot.engine import calendar, lessons
from bot.engine.asking import confident, question_message
from bot.engine.turn import Turn
from bot.messages import TopicQuiz
from storage.records import Ask, Card, LessonSource

THIS_LESSON = frozenset({
    "it", "this", "that", "this lesson", "that lesson", "the lesson", "the last lesson",
    "my last lesson", "this one", "that one", "the last one", "what i just read",
    "what i read", "the lesson i just read", "the lesson i read", "today's lesson",
    "todays lesson", "the lesson of today"})
"""Topics that name the lesson the learner got last ("quiz me on it")."""

DueNow = Callable[[], int]
"""How many review questions can be asked now (counted only when a quiz on a topic ends)."""


def start(turn: Turn, topic: str, due_now: DueNow) -> None:
    """Ask the first question of the lesson that answers ``topic`` (lookup decides, as for a
    question: no lesson, no quiz, and the lessons that come close are offered; a lesson it is
    not sure of is named, not quizzed on). A lesson not yet in the learner's reviews joins
    them: asking to be quizzed on it is asking to remember it."""
    named = " ".join(topic.lower().replace("\u2019", "'").split())
    if named in THIS_LESSON:
        lesson = last_lesson(turn)
        if lesson is None:
            turn.say(TopicQuiz("", "no_last"))
            return
        if not lesson.questions:
            turn.say(TopicQuiz(lesson.title, "none"))
            return
        begin(turn, lesson, (), due_now)
        return
    result = turn.catalog.lookup(topic, 3)
    if not result.hits:
        lessons.no_answer(turn, " ".join(topic.split()), result)
        return
    best = result.hits[0]
    corrections = tuple(result.corrections.items())
    if not best.lesson.questions:
        # Its runners-up are named, never quizzed on unasked: the learner asked about this one.
        other = next((hit.lesson.title for hit in result.hits[1:] if hit.lesson.questions), "")
        turn.say(TopicQuiz(best.lesson.title, "none", other=other, corrections=corrections))
        return
    if (best.confidence or 0.0) < lessons.SURE:
        # Not sure enough to put a lesson's questions into the reviews for good: its title,
        # typed back, is a sure answer.
        turn.say(TopicQuiz(best.lesson.title, "unsure", topic=" ".join(topic.split()),
                           corrections=corrections))
        return
    begin(turn, best.lesson, corrections, due_now)


def begin(turn: Turn, lesson: Lesson, corrections: tuple[tuple[str, str], ...],
          due_now: DueNow) -> None:
    """The quiz on ``lesson`` begins (its questions join the reviews if they were not there);
    a question left open is set aside: its card keeps its due date, so `quiz` asks it again
    unless this quiz did (a knowledge check's question stays open: the check goes on)."""
    open_ask = turn.unit.asks.latest_open(turn.learner.id)
    if open_ask is not None and open_ask.check_phase is None:
        turn.unit.asks.close(open_ask.id, turn.now)
    receipt = turn.receipt(lesson.id)
    added = receipt is None or receipt.via not in lessons.REVIEWED
    if added:
        if receipt is None:
            turn.received(lesson.id, LessonSource.LOOKUP)
        turn.mark_added(lesson.id)
        lessons.schedule_first_reviews(turn, lesson)
    left = left_today(turn, lesson)
    if not left:
        turn.say(TopicQuiz(lesson.title, "answered", len(lesson.questions), due=due_now()))
        return
    turn.say(TopicQuiz(lesson.title, "start", len(lesson.questions), len(left), added=added,
                       corrections=corrections))
    ask_question(turn, lesson, left)


def go_on(turn: Turn, answered: Ask, due_now: DueNow) -> None:
    """After an answer in a quiz on a topic, its lesson's next question, or the word that the
    quiz is over (with how many reviews wait)."""
    lesson = turn.catalog.get(answered.lesson_id)
    if lesson is None:  # a trainer removed it meanwhile
        turn.say(TopicQuiz("", "done", due=due_now()))
        return
    left = left_today(turn, lesson)
    if not left:
        turn.say(TopicQuiz(lesson.title, "done", len(lesson.questions), due=due_now()))
        return
    ask_question(turn, lesson, left)


def last_lesson(turn: Turn) -> Lesson | None:
    """The lesson the learner got last (sent, or found by a question), while it is in the
    library."""
    latest = turn.history()[0] if turn.history() else None
    return turn.catalog.get(latest.lesson_id) if latest is not None else None


def left_today(turn: Turn, lesson: Lesson) -> list[Question]:
    """The lesson's questions the learner has not answered on their local day, in the
    lesson's order."""
    cards = {card.question_key: card for card in
             turn.unit.cards.lesson_cards(turn.learner.id, lesson.id)}
    return [question for question in lesson.questions
            if not _answered_today(turn, cards.get(question.key))]


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


def ask_question(turn: Turn, lesson: Lesson, left: list[Question]) -> None:
    """Put the first of ``left``, the lesson's questions still to answer today, to the learner
    ("Question 2 of 3": its place among the lesson's questions); an open ask of it is asked
    again rather than a second one made."""
    question = left[0]
    asks = turn.unit.asks
    open_ask = asks.latest_open(turn.learner.id)
    if open_ask is not None and open_ask.topic and open_ask.lesson_id == lesson.id and \
            open_ask.question_key == question.key:
        ask = open_ask
    else:
        ask = asks.create(turn.learner.id, lesson.id, question.key, turn.now, topic=True)
    total = len(lesson.questions)
    turn.say(question_message(ask.id, lesson, question, number=total - len(left) + 1, of=total,
                              confidence=confident(turn, lesson)))
