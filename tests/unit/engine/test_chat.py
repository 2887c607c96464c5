"""A chat that understands its learner: bare command words, settings as people type them,
answers in many forms, "skip", small talk, examples from the library in use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.engine.engine import Engine
from bot.messages import (
    Feedback,
    Invalid,
    LearnWhat,
    Setting,
    SettingNow,
    SettingsSaved,
    Welcome,
)
from storage.repositories import Points, Progress
from tests.unit.engine.conftest import Say, deliver, kinds

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)
TUE = MON + timedelta(days=1)


def read_count(engine: Engine) -> int:
    with engine.store.session() as session:
        return Progress(session).count()


def test_a_bare_setting_word_shows_the_setting_and_never_delivers_a_lesson(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    shown = say("time", at=MON)
    assert shown == [SettingNow(Setting.TIME, shown[0].learner)]  # type: ignore[union-attr]
    assert "09:00" in shown[0].learner.lesson_time  # type: ignore[union-attr]
    assert kinds(say("days", at=MON)) == ["setting_now"]
    assert kinds(say("time quiz", at=MON)) == ["setting_now"]
    assert kinds(say("timezone", at=MON)) == ["notice:zone_now"]
    assert kinds(say("nudges", at=MON)) == ["notice:nudges_on"]
    assert kinds(say("topics", at=MON)) == ["notice:topics"]
    assert kinds(say("top", at=MON)) == ["leaderboard"]
    assert read_count(engine) == 0


def test_times_are_understood_as_people_type_them_or_refused_with_an_example(
        say: Say) -> None:
    say("hi", at=MON)
    for typed, saved in (("time 8am", "08:00"), ("time 8:30pm", "20:30"), ("time 0830", "08:30"),
                         ("time 8.30", "08:30"), ("time 8h30", "08:30")):
        [reply] = say(typed, at=MON)
        assert isinstance(reply, SettingsSaved) and reply.learner.lesson_time == saved, typed
    [quiz] = say("time quiz 4:15 pm", at=MON)
    assert isinstance(quiz, SettingsSaved) and quiz.learner.quiz_time == "16:15"
    [refused] = say("time 25:00", at=MON)
    assert isinstance(refused, Invalid) and "like 08:30" in refused.reason
    assert kinds(say("time management tips", at=MON))[0] in ("lookup", "no_match")


def test_time_zones_by_city_offset_or_a_did_you_mean(say: Say) -> None:
    say("hi", at=MON)
    [berlin] = say("timezone berlin", at=MON)
    assert isinstance(berlin, SettingsSaved) and berlin.learner.time_zone == "Europe/Berlin"
    [york] = say("timezone new york", at=MON)
    assert isinstance(york, SettingsSaved) and york.learner.time_zone == "America/New_York"
    [offset] = say("timezone UTC+2", at=MON)
    assert isinstance(offset, SettingsSaved) and offset.learner.time_zone == "Etc/GMT-2"
    [cet] = say("timezone CET", at=MON)
    assert isinstance(cet, Invalid) and "did you mean Europe/Berlin" in cet.reason


def test_days_in_common_forms_and_a_typo_is_refused_not_looked_up(say: Say) -> None:
    say("hi", at=MON)
    [saved] = say("days monday to thursday", at=MON)
    assert isinstance(saved, SettingsSaved)
    assert saved.learner.workdays == ("mon", "tue", "wed", "thu")
    [refused] = say("days mon-fry", at=MON)
    assert isinstance(refused, Invalid) and "not a day" in refused.reason


def open_question(say: Say) -> None:
    say("lesson", at=MON)  # lesson one: its question "Question one?" (right: "right one")
    assert kinds(say("quiz", at=TUE)) == ["question"]


def test_an_open_question_takes_answers_in_many_forms(say: Say) -> None:
    for typed in ("(2)", "#2", "2!", "B)", "two", "Right one"):
        open_question(say)
        reply = say(typed, at=TUE)
        assert isinstance(reply[0], Feedback) and reply[0].correct, typed
        say("forget", at=TUE)
        say("forget confirm", at=TUE)
        say("start", at=TUE)


def test_several_numbers_on_a_one_answer_question_ask_again_instead_of_grading(
        say: Say, engine: Engine) -> None:
    open_question(say)
    assert kinds(say("1 3", at=TUE)) == ["notice:one_choice"]
    reply = say("2", at=TUE)
    assert isinstance(reply[0], Feedback) and reply[0].correct  # still open, then graded


def test_skip_shows_the_answer_without_points_and_a_question_mark_is_help_otherwise(
        say: Say, engine: Engine) -> None:
    assert kinds(say("?", at=MON))[-1] == "help"
    open_question(say)
    with engine.store.session() as session:
        before = Points(session).total(1)
    [shown, *_] = say("I don't know", at=TUE)
    assert isinstance(shown, Feedback) and shown.skipped and not shown.correct
    assert shown.points == before
    open_question_again = say("lesson", at=TUE)
    assert open_question_again  # the chat goes on


def test_other_words_while_a_question_is_open_are_looked_up_and_it_stays_open(
        say: Say) -> None:
    open_question(say)
    reply = kinds(say("how do I peel bananas", at=TUE))
    assert reply[0] in ("lookup", "no_match") and reply[-1] == "notice:question_open"
    assert kinds(say("2", at=TUE))[0] == "feedback"


def test_thanks_and_emoji_get_a_friendly_word_not_a_lookup(say: Say) -> None:
    say("hi", at=MON)
    assert kinds(say("thanks!", at=MON)) == ["notice:thanks"]
    assert kinds(say("👍", at=MON)) == ["notice:small_talk"]


def test_start_after_stop_starts_again(say: Say) -> None:
    say("hi", at=MON)
    say("stop", at=MON)
    assert kinds(say("start", at=MON)) == ["notice:resumed"]
    assert kinds(say("start", at=MON)) == ["welcome"]


def test_examples_come_from_the_library_in_use(say: Say) -> None:
    [welcome] = say("hello", at=MON)
    assert isinstance(welcome, Welcome)
    assert welcome.example == "one?" and "basics" in welcome.topics
    [learn] = say("learn", at=MON)
    assert isinstance(learn, LearnWhat) and learn.example in ("basics", "extra")


def test_forget_confirm_counts_only_right_after_forget_and_then_only_start_enrols(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    assert kinds(say("forget confirm", at=MON)) == ["notice:forget_confirm"]  # nothing asked
    assert kinds(say("forget", at=MON)) == ["notice:forget_confirm"]
    later = MON + timedelta(minutes=10)
    assert kinds(say("forget confirm", at=later)) == ["notice:forget_confirm"]  # too late
    assert kinds(say("forget confirm", at=later + timedelta(minutes=1))) == ["notice:forgotten"]
    for words in ("hello", "lesson", "2"):
        assert kinds(say(words, at=later)) == ["notice:stay_forgotten"]
    with engine.store.session() as session:
        assert Progress(session).count() == 0
    assert kinds(say("start", at=later))[0] == "welcome"


def test_when_every_lesson_is_read_a_push_says_so_once_and_the_reviews_go_on(
        say: Say, engine: Engine) -> None:
    for day in range(3):
        say("lesson", at=MON + timedelta(days=day))
    with engine.store.unit() as unit:
        learner = unit.learners.find("console", "ann")
    assert learner is not None
    thursday = MON + timedelta(days=3)
    assert kinds(deliver(engine, learner.id, "lesson", thursday)) == ["notice:all_read"]
    assert deliver(engine, learner.id, "lesson", thursday + timedelta(days=1)) == []
    assert kinds(say("lesson", at=thursday))[0] == "notice:all_read"  # asked for: always said
    assert kinds(deliver(engine, learner.id, "quiz", thursday))[0] == "question"
