"""Quizzes on a topic the learner names ("quiz me on passwords"): the questions of the lesson
that answers it, one after another, those not answered yet today."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.content.model import Lesson, Question, track_title
from bot.engine import lessons
from bot.engine.asking import confident, question_message
from bot.engine.turn import Turn
from bot.messages import TopicQuiz
from storage.records import Ask, LearnerChange

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
    words = " ".join(topic.split())
    named = words.lower().replace("\u2019", "'")
    if named in THIS_LESSON:
        lesson = last_lesson(turn)
        if lesson is None:
            turn.say(TopicQuiz("", "no_last"))
            return
        if not lesson.questions:
            turn.say(TopicQuiz(lesson.title, "none"))
            return
        # No lookup chose it: "not what I asked" is about no earlier question now.
        turn.update_learner(LearnerChange(last_query=None, last_query_at=None))
        begin(turn, lesson, (), due_now)
        return
    subject = subject_lessons(turn, named)
    if subject is not None:
        name, members = subject
        chosen = next_of_subject(turn, members)
        if chosen is None:
            turn.say(ended(turn, name, "subject_done", 0, due_now))
        else:
            _asked_for(turn, chosen, words)
            begin(turn, chosen, (), due_now, subject=name)
        return
    result = turn.catalog.lookup(topic, 3)
    if not result.hits:
        lessons.no_answer(turn, words, result, quiz=True)
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
        # typed back, is a sure answer; so is "yes" (or its number), as for a "did you mean".
        lessons.offer(turn, words, [best.lesson.id], quiz=True)
        turn.say(TopicQuiz(best.lesson.title, "unsure", topic=words, corrections=corrections,
                           pick=turn.unit.asks.latest_open(turn.learner.id) is None))
        return
    _asked_for(turn, best.lesson, words)
    begin(turn, best.lesson, corrections, due_now)


def _asked_for(turn: Turn, lesson: Lesson, words: str) -> None:
    """The quiz on ``lesson`` answers the learner's ``words``: "not what I asked" is about it,
    as about a lesson lookup gave for a question."""
    turn.update_learner(LearnerChange(last_lookup=lesson.id, last_query=words[:500],
                                      last_query_at=turn.now, suggested=None))


def subject_lessons(turn: Turn, named: str) -> tuple[str, list[Lesson]] | None:
    """The lessons with questions of the track or topic of the library that ``named`` names
    ("git", "Security basics", "git-basics"), in track order, with the name learners read;
    None when it names none, or also names a lesson (its title) or has no questions."""
    wanted = _subject_form(named)
    if not wanted or any(_subject_form(lesson.title) == wanted
                         for lesson in turn.catalog.lessons()):
        return None
    for track, members in turn.catalog.tracks().items():
        if wanted == _subject_form(track):
            asking = [lesson for lesson in members if lesson.questions]
            return (track_title(track), asking) if asking else None
    of_topic = sorted((lesson for lesson in turn.catalog.lessons()
                      if _subject_form(lesson.topic) == wanted and lesson.questions),
                     key=lambda lesson: (lesson.track or "", lesson.order or 0, lesson.id))
    return (of_topic[0].topic, of_topic) if of_topic else None


def _subject_form(name: str) -> str:
    """A track's or topic's name as compared: case, '-', '_' and a final 's' aside."""
    words = name.lower().replace("-", " ").replace("_", " ").split()
    return " ".join(words).removesuffix("s")


def next_of_subject(turn: Turn, members: list[Lesson]) -> Lesson | None:
    """Which lesson of a track or topic to quiz on: one of the learner's reviews with a
    question due (the most overdue first), then the first not yet in the reviews (in track
    order), then one of theirs not due (practice); only lessons with a question not answered
    today. None when every question of them was answered today."""
    answered = answered_today(turn)
    due_at: dict[str, datetime] = {}
    for card in turn.unit.cards.all(turn.learner.id):
        if (card.lesson_id, card.question_key) not in answered:
            due_at[card.lesson_id] = min(card.due_at, due_at.get(card.lesson_id, card.due_at))
    reviewed = {receipt.lesson_id for receipt in turn.history()
                if receipt.via in lessons.REVIEWED}
    open_ones = [lesson for lesson in members
                 if any((lesson.id, question.key) not in answered
                        for question in lesson.questions)]
    due = sorted((lesson for lesson in open_ones if lesson.id in reviewed
                  and lesson.id in due_at and due_at[lesson.id] <= turn.now),
                 key=lambda lesson: due_at[lesson.id])
    practice = [lesson for lesson in open_ones if lesson.id in reviewed]
    new = [lesson for lesson in open_ones if lesson.id not in reviewed]
    return next(iter(due + new + practice), None)


def begin(turn: Turn, lesson: Lesson, corrections: tuple[tuple[str, str], ...],
          due_now: DueNow, subject: str = "") -> None:
    """The quiz on ``lesson`` begins (its questions join the reviews if they were not there).
    A question left open stays open behind it: `quiz` asks it again afterwards, unless this
    quiz asked it meanwhile (:func:`bot.engine.quiz.ask_next`)."""
    added = lessons.into_reviews(turn, lesson)
    left = left_today(turn, lesson)
    if not left:
        turn.say(ended(turn, lesson.title, "answered", len(lesson.questions), due_now))
        return
    turn.say(TopicQuiz(lesson.title, "start", len(lesson.questions), len(left), added=added,
                       corrections=corrections, subject=subject))
    ask_question(turn, lesson, left, added=added)


def go_on(turn: Turn, answered: Ask, due_now: DueNow) -> None:
    """After an answer in a quiz on a topic, its lesson's next question, or the word that the
    quiz is over (with how many reviews wait)."""
    lesson = turn.catalog.get(answered.lesson_id)
    if lesson is None:  # a trainer removed it meanwhile
        turn.say(ended(turn, "", "done", 0, due_now))
        return
    left = left_today(turn, lesson)
    if not left:
        turn.say(ended(turn, lesson.title, "done", len(lesson.questions), due_now))
        return
    ask_question(turn, lesson, left)


def ended(turn: Turn, title: str, state: str, questions: int, due_now: DueNow) -> TopicQuiz:
    """The word that a quiz on a topic has nothing more to ask (``state``), with what waits
    after it: the reviews due, or first a knowledge check it interrupted."""
    return TopicQuiz(title, state, questions, due=due_now(), check=check_waiting(turn))


def check_waiting(turn: Turn) -> str:
    """The title of the track whose knowledge check has a question open (a quiz on a topic
    asked in the middle of it; `quiz` goes on with it), or ''."""
    open_ask = turn.unit.asks.latest_open(turn.learner.id, topic=False)
    if open_ask is None or not open_ask.check_track or not open_ask.check_phase:
        return ""
    return track_title(open_ask.check_track)


def place(turn: Turn, ask: Ask) -> tuple[int, int]:
    """Where a question of a quiz on a topic stands among its lesson's ("2 of 3"), to ask it
    again with its number; (0, 0) when its lesson or question is gone."""
    lesson = turn.catalog.get(ask.lesson_id)
    if lesson is None:
        return 0, 0
    left = left_today(turn, lesson)
    if not any(question.key == ask.question_key for question in left):
        return 0, 0
    return len(lesson.questions) - len(left) + 1, len(lesson.questions)


def ask_again(turn: Turn, ask: Ask) -> bool:
    """Put an open question of a quiz on a topic to the learner again, with its number; False
    (and the question let go) when a trainer removed it meanwhile."""
    shown = turn.reshow(ask)
    if shown is None:
        turn.unit.asks.close(ask.id, turn.now)
        return False
    ask, lesson, question = shown
    turn.say(question_message(ask.id, lesson, question, *place(turn, ask),
                              confidence=confident(turn, lesson)))
    return True


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


def ask_question(turn: Turn, lesson: Lesson, left: list[Question], added: bool = False) -> None:
    """Put the first of ``left``, the lesson's questions still to answer today, to the learner
    ("Question 2 of 3": its place among the lesson's questions); an open ask of it is asked
    again rather than a second one made. ``added``: this quiz put the lesson's questions
    into the reviews (kept on the ask, for "not what I asked" to take them back)."""
    question = left[0]
    asks = turn.unit.asks
    open_ask = asks.latest_open(turn.learner.id)
    if open_ask is not None and open_ask.topic and open_ask.lesson_id == lesson.id and \
            open_ask.question_key == question.key:
        ask = open_ask
    else:
        asks.close_topics(turn.learner.id, turn.now)  # one quiz on a topic at a time
        ask = asks.create(turn.learner.id, lesson.id, question.key, turn.now, topic=True,
                          added=added)
    total = len(lesson.questions)
    turn.say(question_message(ask.id, lesson, question, number=total - len(left) + 1, of=total,
                              confidence=confident(turn, lesson)))
