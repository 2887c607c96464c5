"""Quizzes on a topic the learner names ("quiz me on passwords"): the questions of the lesson
that answers it, one after another, those not answered yet today."""

from __future__ import annotations

from collections.abc import Callable

from bot.content.model import Lesson, Question
from bot.engine import lessons
from bot.engine.asking import confident, question_message
from bot.engine.turn import Turn
from bot.messages import TopicQuiz
from storage.records import Ask, LearnerChange, LessonSource

THIS_LESSON = frozenset({
    "it", "this", "that", "this lesson", "that lesson", "the lesson", "the last lesson",
    "my last lesson", "this one", "that one", "the last one", "what i just read",
    "what i read", "the lesson i just read", "the lesson i read", "today's lesson",
    "todays lesson", "the lesson of today", "what i just learned", "what i just learnt",
    "what i learned", "what i learnt", "what i just looked up", "the last thing"})
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
    # "Not what I asked" is about the lesson lookup found for the topic, as after a question.
    turn.update_learner(LearnerChange(last_lookup=best.lesson.id, last_query=topic[:500],
                                      last_query_at=turn.now, suggested=None))
    begin(turn, best.lesson, corrections, due_now)


def begin(turn: Turn, lesson: Lesson, corrections: tuple[tuple[str, str], ...],
          due_now: DueNow) -> None:
    """The quiz on ``lesson`` begins (its questions join the reviews if they were not there).
    A question left open stays open behind it: `quiz` asks it again afterwards, unless this
    quiz asked it meanwhile (:func:`bot.engine.quiz.ask_next`)."""
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
    history = turn.history()
    if not history:
        return None
    # A lesson looked up again counts from then (its receipt keeps its first delivery); on a
    # tie (the same minute), the one looked up last, then the one delivered last.
    looked_up = turn.learner.last_lookup
    latest = max(history, key=lambda receipt: (
        max(receipt.at, receipt.looked_up_at or receipt.at), receipt.lesson_id == looked_up))
    return turn.catalog.get(latest.lesson_id)


def left_today(turn: Turn, lesson: Lesson) -> list[Question]:
    """The lesson's questions the learner has not answered on their local day, in the
    lesson's order."""
    answered = answered_today(turn)
    return [question for question in lesson.questions
            if (lesson.id, question.key) not in answered]


def answered_today(turn: Turn) -> set[tuple[str, str]]:
    """(lesson id, question key) of every question the learner answered on their local day
    (a right answer in practice leaves its card as it was, so the cards cannot tell)."""
    return turn.unit.answers.answered_since(turn.learner.id, turn.day_start())


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
