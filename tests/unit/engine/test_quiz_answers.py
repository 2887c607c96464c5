"""Typed answers that are nearly a choice, answers corrected in the same message, and what a
lesson asked for says of what is still waiting: a lesson not marked read, a question open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.engine.engine import Engine
from bot.messages import (
    ChoiceRange,
    Feedback,
    LessonRead,
    Notice,
    NoticeCode,
    Outbound,
    Profile,
)
from bot.rendering.renderer import Renderer
from tests.unit.engine.conftest import Say, kinds, more_lessons, rewrite_one

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)
TUE = MON + timedelta(days=1)

BEHAVIOUR = ("### Which statement is the best example of describing behaviour?\n"
             "- [ ] You were really unprofessional in the meeting.\n"
             "- [ ] You don't seem to care about this project.\n"
             "- [x] You arrived 15 minutes after the meeting started.\n"
             "- [ ] You always let the team down.\n> A camera would record it.\n")
PRIVATE = ("### Where should you usually give critical feedback?\n"
           "- [x] In private, such as a short one-to-one chat or call\n"
           "- [ ] In the team channel, so everyone learns from it\n"
           "- [ ] In an email with the person's manager in copy\n> Privately.\n")


def open_question(say: Say, user: str) -> None:
    """Lesson one on the Monday, its question open on the Tuesday."""
    say("lesson", at=MON, user=user)
    assert kinds(say("quiz", at=TUE, user=user)) == ["question"]


def test_a_choice_typed_with_typos_is_that_choice(say: Say, engine: Engine,
                                                  lessons: Path) -> None:
    """"you arived 15 minuts late" and "in privat" had been looked up ("I have no lesson
    on ...", lessons on other things suggested) while the question waited."""
    for quiz, typed in ((BEHAVIOUR, "you arived 15 minuts late"), (PRIVATE, "in privat"),
                        (PRIVATE, "in privte chat")):
        rewrite_one(engine, lessons, quiz)
        open_question(say, typed)
        [feedback, *_] = say(typed, at=TUE, user=typed)
        assert isinstance(feedback, Feedback) and feedback.correct, typed


def test_words_alike_in_two_choices_or_a_question_are_not_taken_as_an_answer(
        say: Say, engine: Engine, lessons: Path) -> None:
    rewrite_one(engine, lessons, BEHAVIOUR)
    open_question(say, "ann")
    # Near the choices but naming none clearly: how to answer, not lessons it is not about.
    for typed in ("you were late", "the meeting"):
        [asked] = say(typed, at=TUE)
        assert asked == ChoiceRange(4, False, unmatched=True), typed
    assert Renderer().render(asked).startswith("That doesn't match a choice. Please answer")
    # A question is looked up, whatever words it shares with a choice.
    assert kinds(say("what is a meeting agenda?", at=TUE))[-1] == "notice:question_open"
    [feedback, *_] = say("3", at=TUE)
    assert isinstance(feedback, Feedback) and feedback.correct


def test_an_answer_corrected_in_the_same_message_is_the_last_one(say: Say) -> None:
    """"b, no wait c" had been looked up."""
    for typed, right in (("a, no wait b", True), ("b... actually c", False),
                         ("1 sorry 2", True), ("c no b", True)):
        open_question(say, typed)
        [feedback, *_] = say(typed, at=TUE, user=typed)
        assert isinstance(feedback, Feedback) and feedback.correct is right, typed
    open_question(say, "asker")
    assert kinds(say("no wait what is 2fa", at=TUE, user="asker"))[-1] == \
        "notice:question_open"


def test_lessons_asked_for_in_a_row_name_the_one_not_marked_and_done_counts_each(
        say: Say, engine: Engine, lessons: Path) -> None:
    """`lesson`, `done`, `lesson` x3, `done` had counted two lessons, and said nothing of
    the two in between."""
    more_lessons(engine, lessons)
    minutes = iter(range(100))

    def typed(text: str) -> list[Outbound]:  # a minute apart, as a learner types
        return say(text, at=MON + timedelta(minutes=next(minutes)))

    typed("lesson")
    typed("done")
    assert kinds(typed("lesson")) == ["lesson"]  # the one before is read
    [_, named] = typed("lesson")
    assert named == Notice(NoticeCode.LESSON_UNMARKED, title="Two")
    assert Renderer().render(named) == ('(You didn\'t mark "Two" as read: "done" counts '
                                        'this lesson, then "done" again counts that one.)')
    [_, named] = typed("lesson")
    assert named == Notice(NoticeCode.LESSON_UNMARKED, title="Three")
    replies = typed("done")
    assert isinstance(replies[0], LessonRead) and replies[0].title == "More 0"
    assert replies[-1] == Notice(NoticeCode.STILL_UNMARKED, title="Three")
    replies = typed("done")  # each named lesson, counted by a `done` of its own
    assert isinstance(replies[0], LessonRead) and replies[0].title == "Three"
    assert replies[-1] == Notice(NoticeCode.STILL_UNMARKED, title="Two")
    replies = typed("done")
    assert isinstance(replies[0], LessonRead) and replies[0].title == "Two"
    assert not any(isinstance(reply, Notice) for reply in replies)  # none left unmarked
    [again] = typed("done")
    assert again == LessonRead("More 0", 0, again.points, already=True)
    [profile] = typed("me")
    assert isinstance(profile, Profile) and profile.lessons_read == 4


def test_a_lesson_named_as_not_marked_is_not_counted_after_a_new_lesson(
        say: Say, engine: Engine, lessons: Path) -> None:
    more_lessons(engine, lessons)
    say("lesson", at=MON)
    say("lesson", at=MON + timedelta(minutes=1))
    say("done", at=MON + timedelta(minutes=2))  # "Two" counted, "One" named
    say("lesson", at=MON + timedelta(minutes=3))
    [read, *_] = say("done", at=MON + timedelta(minutes=4))  # the lesson just sent
    assert isinstance(read, LessonRead) and read.title == "Three"


def test_a_lesson_asked_for_with_a_question_open_says_it_still_waits(say: Say) -> None:
    open_question(say, "ann")
    replies = say("lesson", at=TUE)
    assert kinds(replies)[0] == "lesson"
    assert replies[-1] == Notice(NoticeCode.QUESTION_ABOVE)
    assert kinds(say("quiz", at=TUE)) == ["question"]  # shown again, as the line says
