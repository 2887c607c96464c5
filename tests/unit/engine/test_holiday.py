"""A holiday with an end date ("pause until friday", "pause for a week"): kept with the
learner, ending by itself on the first learning day after it, as a `resume` would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.engine import calendar
from bot.engine.engine import Engine
from bot.messages import (
    BadgeBoard,
    Invalid,
    LessonMessage,
    Notice,
    NoticeCode,
    Paused,
    Profile,
    Resumed,
    SettingsSaved,
)
from bot.rendering.renderer import Renderer
from tests.unit.engine.conftest import Say, deliver, learner_of, read_lesson

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)
"""Monday 2 March 2026, 09:00 UTC."""
TUESDAY = date(2026, 3, 3)


@pytest.mark.parametrize(("words", "last"), [
    ("for a week", date(2026, 3, 9)), ("for 3 days", date(2026, 3, 5)),
    ("for 2 weeks", date(2026, 3, 16)), ("for a couple of days", date(2026, 3, 4)),
    ("until monday", date(2026, 3, 9)), ("until Friday", date(2026, 3, 6)),
    ("until next monday", date(2026, 3, 9)), ("until tomorrow", date(2026, 3, 4)),
    ("until 14 dec", date(2026, 12, 14)), ("until dec 14th", date(2026, 12, 14)),
    ("till the 20th", date(2026, 3, 20)), ("till the 2nd", date(2026, 4, 2)),
    ("until 2027-01-04", date(2027, 1, 4)), ("until 1 mar", date(2026, 3, 1)),
    ("till 12 Feb 2027", date(2027, 2, 12)),
])
def test_the_end_of_a_holiday_is_read_in_the_learners_days(words: str, last: date) -> None:
    assert calendar.parse_until(words, TUESDAY) == last


@pytest.mark.parametrize("words", ["until blah", "until 31 feb", "for ever", "for", "till",
                                   "until 2027-13-01", "for 3 bananas"])
def test_words_that_name_no_day_are_refused_with_examples(words: str) -> None:
    with pytest.raises(ValueError, match="pause until friday"):
        calendar.parse_until(words, TUESDAY)


def test_pause_until_a_day_keeps_it_and_says_when_lessons_come_again(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    [reply] = say("pause until friday", at=MON)
    assert reply == Paused("Fri 6 Mar", "Mon 9 Mar")
    learner = learner_of(engine)
    assert learner.paused and learner.paused_until == date(2026, 3, 6)
    # Due again on the first learning day after it (the scheduler finds them then).
    assert learner.next_lesson_at == datetime(2026, 3, 9, 9, tzinfo=UTC)
    assert learner.next_quiz_at == datetime(2026, 3, 9, 15, tzinfo=UTC)
    [profile] = say("me", at=MON)
    assert isinstance(profile, Profile) and profile.learner.paused_until == "Fri 6 Mar"
    text = Renderer().render(profile)
    assert "paused until Fri 6 Mar: lessons come again on Mon 9 Mar" in text
    [saved] = say("time 10:00", at=MON)
    assert isinstance(saved, SettingsSaved)
    assert "paused until Fri 6 Mar" in Renderer().render(saved)
    # Still planned after the holiday with the new time.
    assert learner_of(engine).next_lesson_at == datetime(2026, 3, 9, 10, tzinfo=UTC)


def test_a_day_passed_or_too_far_is_refused_and_nothing_pauses(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    [past] = say("pause until 1 mar", at=MON)
    assert isinstance(past, Invalid) and "has passed" in past.reason
    [far] = say("pause until 2027-01-04", at=MON)
    assert isinstance(far, Invalid) and "more than 90 days" in far.reason
    assert not learner_of(engine).paused


def test_on_holiday_a_date_sets_its_end_and_resume_still_ends_it_early(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    say("pause", at=MON)
    assert learner_of(engine).paused_until is None
    assert isinstance(say("pause for a week", at=MON)[0], Paused)
    assert learner_of(engine).paused_until == date(2026, 3, 8)
    [back] = say("resume", at=MON + timedelta(days=2))
    assert isinstance(back, Resumed) and back.days == 2 and not back.ended
    assert not learner_of(engine).paused and learner_of(engine).paused_until is None


def test_the_holiday_ends_by_itself_with_the_first_push_as_a_resume_would(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    read_lesson(say, MON)
    say("pause for 3 days", at=MON)  # Mon, Tue, Wed
    learner = learner_of(engine)
    # On holiday, a push composes nothing.
    assert deliver(engine, learner.id, "lesson", MON + timedelta(days=2)) == []
    out = deliver(engine, learner.id, "lesson", MON + timedelta(days=3))  # Thursday 09:00
    assert isinstance(out[0], Resumed) and out[0].ended == "Wed 4 Mar" and out[0].days == 3
    assert any(isinstance(message, LessonMessage) for message in out[1:])
    assert "Welcome back: your holiday ended on Wed 4 Mar." in Renderer().render(out[0])
    assert not learner_of(engine).paused and learner_of(engine).paused_until is None
    with engine.store.unit() as unit:
        streak = unit.streaks.get(learner.id)
    assert streak.current == 1 and streak.paused_since is None
    assert streak.last_active == date(2026, 3, 4)  # the days away neither count nor break it


def test_a_message_after_the_end_date_welcomes_back_first(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    say("pause until tuesday", at=MON)
    out = say("me", at=MON + timedelta(days=2))
    assert isinstance(out[0], Resumed) and out[0].ended == "Tue 3 Mar"
    assert isinstance(out[1], Profile) and not out[1].learner.paused
    # "resume" right after it ended is no "you are not on holiday".
    say("pause until tuesday", at=MON + timedelta(days=7))
    out = say("resume", at=MON + timedelta(days=9))
    assert [type(message) for message in out] == [Resumed]


def test_the_holiday_ends_in_the_learners_own_time_zone(say: Say, engine: Engine) -> None:
    say("hi", at=MON, zone="Asia/Tokyo")
    say("pause until monday", at=MON)  # 18:00 Monday in Tokyo: Monday the 9th
    learner = learner_of(engine)
    assert learner.paused_until == date(2026, 3, 9)
    # Tuesday 10 March 09:00 in Tokyo is 00:00 UTC.
    assert learner.next_lesson_at == datetime(2026, 3, 10, 0, tzinfo=UTC)
    late_monday_utc = datetime(2026, 3, 9, 14, 59, tzinfo=UTC)  # 23:59 in Tokyo
    assert deliver(engine, learner.id, "lesson", late_monday_utc) == []
    assert isinstance(deliver(engine, learner.id, "lesson",
                              datetime(2026, 3, 10, 0, tzinfo=UTC))[0], Resumed)


def test_the_due_scan_finds_a_learner_whose_holiday_ends(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    say("pause until wednesday", at=MON)
    say("hi", at=MON, user="bob")
    say("pause", at=MON, user="bob")
    with engine.store.unit() as unit:
        due = unit.learners.due("lesson", MON + timedelta(days=3), 10)
    assert due == [learner_of(engine).id]


@pytest.mark.parametrize("words", ["badges", "my badges", "how do I earn badges?",
                                   "what badges are there", "streak freeze", "freezes"])
def test_badges_show_what_is_earned_what_is_left_and_how_freezes_work(
        say: Say, words: str) -> None:
    say("hi", at=MON)
    read_lesson(say, MON)
    [board] = say(words, at=MON)
    assert isinstance(board, BadgeBoard), words
    assert board.earned == ("First lesson",)
    goals = {goal.name: (goal.have, goal.target) for goal in board.goals}
    assert goals["10 lessons"] == (1, 10) and goals["5-day streak"] == (1, 5)
    assert goals["Track complete: Basics"] == (1, 2)
    assert board.to_next_freeze == 4 and board.first_freeze
    text = Renderer().render(board)
    assert "- 5-day streak: learn on 5 learning days in a row (4 more days of streak)" in text
    assert "4 more days of streak to your first freeze" in text


def test_me_says_how_many_of_the_reviews_due_the_daily_quiz_brings(say: Say) -> None:
    say("hi", at=MON)
    [profile] = say("me", at=MON)
    assert isinstance(profile, Profile) and profile.daily_quiz == 5
    many = Renderer().render(profile.__class__(**{**profile.__dict__, "due_today": 33}))
    assert "Reviews: 33 due today (the daily quiz brings up to 5; \"quiz\" asks them all)" in many
    few = Renderer().render(profile.__class__(**{**profile.__dict__, "due_today": 3}))
    assert "Reviews: 3 due today (\"quiz\" asks them)" in few


def test_the_notice_of_an_undated_pause_is_unchanged(say: Say) -> None:
    say("hi", at=MON)
    assert say("pause", at=MON) == [Notice(NoticeCode.PAUSED)]


@pytest.mark.parametrize(("words", "last"), [
    ("I'm on holiday until friday", date(2026, 3, 6)),
    ("i am on vacation till 14 may", date(2026, 5, 14)),
    ("going on holiday for two weeks", date(2026, 3, 15)),
    ("on leave until monday", date(2026, 3, 9)),
    ("I\u2019m away until the 20th.", date(2026, 3, 20)),
    ("hi, I'll be on sick leave until 2026-03-10, thanks!", date(2026, 3, 10)),
])
def test_a_holiday_said_in_a_sentence_keeps_its_end_date_as_pause_does(
        say: Say, engine: Engine, words: str, last: date) -> None:
    say("hi", at=MON)
    [reply] = say(words, at=MON)
    assert isinstance(reply, Paused)
    assert learner_of(engine).paused_until == last


@pytest.mark.parametrize(("words", "same_as"), [
    ("I'm on holiday until 1 mar", "pause until 1 mar"),  # passed
    ("i am on vacation till 14 dec", "pause till 14 dec"),  # more than 90 days away
    ("going on holiday tomorrow", "pause tomorrow"),  # no end: refused with examples
])
def test_a_holiday_sentence_with_a_day_pause_refuses_is_refused_alike(
        say: Say, engine: Engine, words: str, same_as: str) -> None:
    say("hi", at=MON)
    [refused] = say(words, at=MON)
    assert isinstance(refused, Invalid) and [refused] == say(same_as, at=MON)
    assert not learner_of(engine).paused


@pytest.mark.parametrize("words", [
    "how many holiday days do I get until the end of the year?",
    "what is the leave policy until probation ends",
    "on leave until probation ends",
    "I'm away",  # alone, a status: only with its end is it a holiday
    "going on holiday next week with my family",
])
def test_questions_holding_holiday_words_and_dates_are_not_a_pause(
        say: Say, engine: Engine, words: str) -> None:
    say("hi", at=MON)
    assert not any(isinstance(reply, Paused | Invalid) or
                   (isinstance(reply, Notice) and reply.code is NoticeCode.PAUSED)
                   for reply in say(words, at=MON))
    assert not learner_of(engine).paused
