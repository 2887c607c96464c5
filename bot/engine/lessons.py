"""Lessons: which one comes next, giving it, looking one up, and taking back one that never
arrived."""

from __future__ import annotations

from collections import Counter

from bot.content.catalog import Catalog
from bot.content.model import Lesson
from bot.engine import calendar, progress, rules
from bot.engine.store import UnitOfWork
from bot.engine.turn import Turn
from bot.messages import AllRead, LessonMessage, LookupAnswer, NoMatch
from storage.records import Card, Delivery, DeliveryKind, LearnerChange, LessonSource

MAX_QUERY = 500
"""Free text longer than this is cut before lookup: a question is a sentence or two."""


def next_lesson(turn: Turn) -> Lesson | None:
    """The learner's next lesson: the next of the track followed most recently, then the first
    of another track or a lone lesson in their topics; never one already received."""
    read = turn.read()
    catalog = turn.catalog
    topics = turn.learner.topics
    lessons = [lesson for lesson in catalog.lessons()
               if lesson.id not in read and (not topics or lesson.topic in topics)]
    # The track followed most recently comes first (a lesson found by a question does not
    # switch tracks).
    started: dict[str, int] = {}
    followed = [receipt.lesson_id for receipt in turn.history()
                if receipt.via is LessonSource.LESSON]
    for position, lesson_id in enumerate(followed):
        lesson = catalog.get(lesson_id)
        if lesson is not None and lesson.track:
            started.setdefault(lesson.track, position)

    def rank(lesson: Lesson) -> tuple[int, str, float, str]:
        order = float(lesson.order) if lesson.order is not None else float("inf")
        return (started.get(lesson.track or "", 10**9), lesson.track or "~", order, lesson.id)

    return min(lessons, key=rank, default=None)


def popular_topics(catalog: Catalog, count: int) -> list[str]:
    """The library's most common topics (for examples that fit the library in use)."""
    counts = Counter(lesson.topic for lesson in catalog.lessons() if lesson.topic)
    return [topic for topic, _ in counts.most_common(count)]


def example_question(catalog: Catalog) -> str:
    """Something a newcomer could type, from the library in use: its first track's first
    lesson's title."""
    tracks = catalog.tracks()
    first = next((lessons[0] for _, lessons in sorted(tracks.items()) if lessons), None)
    lesson = first or min(catalog.lessons(), key=lambda item: item.id, default=None)
    if lesson is None:
        return "how do I spot a phishing email?"
    title = lesson.title.rstrip(".!")
    return f"{title[:1].lower()}{title[1:]}"


def send_lesson(turn: Turn, scheduled: bool, chosen: str | None = None) -> None:
    """Give the learner a lesson: ``chosen`` (kept on a delivery being composed again) if it
    is still in the library, else the next one. Asked for with none left, say so."""
    lesson = (turn.catalog.get(chosen) if chosen else None) or next_lesson(turn)
    if lesson is None:
        # Asked for, say so every time; pushed, once (the reviews keep coming).
        if not scheduled or not turn.learner.all_read_told:
            turn.say(AllRead(turn.learner.topics))
        if scheduled and not turn.learner.all_read_told:
            turn.update_learner(LearnerChange(all_read_told=True))
        return
    if turn.learner.all_read_told:  # a new lesson: when it is read too, say so again
        turn.update_learner(LearnerChange(all_read_told=False))
    received(turn, lesson, LessonSource.LESSON)
    turn.say(LessonMessage(lesson))
    progress.activity(turn)
    progress.check_badges(turn, lesson)


def received(turn: Turn, lesson: Lesson, via: LessonSource) -> None:
    """Record a lesson as the learner's; the first time, its points and first reviews."""
    if turn.received(lesson.id, via):
        progress.award(turn, rules.POINTS_LESSON, "lesson",
                       progress.lesson_key(turn.learner.id, lesson.id))
        schedule_first_reviews(turn, lesson)


def schedule_first_reviews(turn: Turn, lesson: Lesson) -> None:
    """A lesson's questions come first on the next workday: not today, while it is fresh."""
    first = calendar.next_workday(turn.today, turn.learner.workdays)
    due = calendar.at_local(first, "00:00", turn.tz)
    turn.unit.cards.add_new([Card(turn.learner.id, lesson.id, question.key, "", due)
                             for question in lesson.questions])


def lookup(turn: Turn, text: str) -> None:
    """The lesson that best answers the learner's words, or suggestions when none does."""
    query = " ".join(text.split())[:MAX_QUERY]
    result = turn.catalog.lookup(query, 3)
    if not result.hits:
        turn.say(NoMatch(query, tuple(result.suggestions)))
        return
    best = result.hits[0].lesson
    turn.say(LookupAnswer(query, best, tuple(hit.lesson for hit in result.hits[1:]),
                          tuple(result.corrections.items())))
    received(turn, best, LessonSource.LOOKUP)
    progress.activity(turn)
    progress.check_badges(turn, best)


def withdraw(unit: UnitOfWork, delivery: Delivery) -> None:
    """A lesson delivery that never reached the learner: take back what composing it recorded
    (the lesson read, its points, its first reviews, the badges of that moment), so the lesson
    comes again instead of being skipped for good."""
    if delivery.kind is not DeliveryKind.LESSON or not delivery.lesson_id:
        return
    learner_id, lesson_id = delivery.learner_id, delivery.lesson_id
    got = unit.progress.get(learner_id, lesson_id)
    if got is None or got.via is not LessonSource.LESSON:
        return  # found earlier by a question: the learner has it
    unit.progress.remove(learner_id, lesson_id)
    unit.points.revoke(progress.lesson_key(learner_id, lesson_id))
    unit.cards.delete_unreviewed(learner_id, lesson_id)
    unit.badges.revoke_at(learner_id, got.at)
