"""Chat that is not a lesson question: the bot itself, settings asked about in words,
"again", moving on, smileys, frustration, a stray number, "yes" to `forget`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.engine.commands import parse, small_talk
from bot.engine.engine import Engine
from bot.engine.sentences import topics_in_words
from bot.messages import (
    LessonMessage,
    NoMatch,
    Notice,
    NoticeCode,
    QuestionMessage,
    Setting,
    SettingNow,
    SettingsSaved,
    ZoneNow,
)
from tests.unit.engine.conftest import Say, kinds, learner_of, read_lesson

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)
TUE = MON + timedelta(days=1)


def test_questions_about_settings_and_moving_on_are_their_commands() -> None:
    expected = {"what time is my lesson": "time", "when is my quiz": "time",
                "change time zone": "timezone", "change my timezone": "timezone",
                "what's next": "lesson", "skip this lesson": "lesson", "too easy": "lesson",
                "I already know this": "lesson", "repeat the question": "again",
                "what was the question again": "again", "repeat that": "again",
                "again": "again", "back": "again", "settings": "settings",
                "my settings": "settings"}
    for typed, name in expected.items():
        assert parse(typed).name == name, typed
    assert parse("again and again").args  # words after it: not `again`, looked up


def test_small_talk_about_the_bot_smileys_and_frustration() -> None:
    for typed in ("lol", "haha", ":)", ":-)", ";)", ":D", "xD"):
        assert small_talk(typed) == "ack", typed
    for typed in ("who made you", "are you a bot?", "hi, who are you"):
        assert small_talk(typed) == "about", typed
    for typed in ("you are useless", "this is stupid!", "this is so stupid", "useless bot"):
        assert small_talk(typed) == "frustrated", typed
    assert small_talk("how do I rebase") is None


def test_the_bot_and_frustration_get_a_short_word(say: Say) -> None:
    say("hi", at=MON)
    assert say("who made you", at=MON) == [Notice(NoticeCode.ABOUT_BOT)]
    assert say("you are useless", at=MON) == [Notice(NoticeCode.FRUSTRATED)]
    assert say("lol", at=MON) == [Notice(NoticeCode.ACK)]
    assert say(":)", at=MON) == [Notice(NoticeCode.ACK)]
    assert say("?", at=MON) == [Notice(NoticeCode.SHORT_HELP)]  # not the whole help


def test_again_shows_the_open_question_else_the_last_lesson(say: Say) -> None:
    say("hi", at=MON)
    assert say("again", at=MON) == [Notice(NoticeCode.NOTHING_TO_REPEAT)]
    [lesson] = [m for m in say("lesson", at=MON) if isinstance(m, LessonMessage)]
    [again] = say("repeat that", at=MON)
    assert isinstance(again, LessonMessage) and again.lesson == lesson.lesson and again.done
    [asked] = say("quiz", at=TUE)
    assert isinstance(asked, QuestionMessage)
    [shown] = say("what was the question again", at=TUE)
    assert isinstance(shown, QuestionMessage) and shown.question == asked.question


def test_moving_on_and_skip_with_nothing_open(say: Say) -> None:
    say("hi", at=MON)
    say("lesson", at=MON)
    assert kinds(say("skip", at=MON)) == ["notice:nothing_to_skip"]
    [moving, lesson] = say("too easy", at=MON)
    assert moving == Notice(NoticeCode.MOVING_ON) and isinstance(lesson, LessonMessage)
    assert isinstance(say("skip this lesson", at=MON)[-1], LessonMessage)


def test_too_easy_before_any_lesson_gives_the_first_without_moving_on(say: Say) -> None:
    say("hi", at=MON)
    [first] = say("too easy", at=MON)  # nothing to move on from
    assert isinstance(first, LessonMessage) and first.lesson.title == "One"


def test_skip_this_lesson_before_any_lesson_gives_the_first(say: Say) -> None:
    say("hi", at=MON)
    [first] = say("skip this lesson", at=MON)
    assert isinstance(first, LessonMessage) and first.lesson.title == "One"


def test_too_easy_with_no_lesson_left_says_what_lesson_says(say: Say) -> None:
    say("hi", at=MON)
    for _ in range(3):
        read_lesson(say, MON)
    expected = say("lesson", at=MON)
    assert kinds(expected) == ["notice:all_read"]
    assert say("I already know this", at=MON) == expected
    assert say("skip this lesson", at=MON) == expected


def test_too_easy_with_no_lesson_in_the_library_says_what_lesson_says(
        say: Say, engine: Engine, lessons: Path) -> None:
    for path in lessons.rglob("*.md"):
        path.unlink()
    engine.catalog.refresh()
    say("hi", at=MON)
    expected = say("lesson", at=MON)
    assert kinds(expected) == ["notice:all_read"]
    assert say("too easy", at=MON) == expected


def test_settings_shows_every_setting_and_topics_in_a_sentence(say: Say) -> None:
    say("hi", at=MON)
    [shown] = say("settings", at=MON)
    assert isinstance(shown, SettingNow) and shown.setting is Setting.ALL and shown.nudges
    assert isinstance(say("change my timezone", at=MON)[0], ZoneNow)
    [saved] = say("only basics please", at=MON)
    assert isinstance(saved, SettingsSaved) and saved.learner.topics == ("basics",)
    assert topics_in_words("only on fridays", {"basics"}) is None
    assert topics_in_words("just a question", {"basics"}) is None


def test_a_number_long_after_the_lessons_offered_is_no_pick(say: Say) -> None:
    say("hi", at=MON)
    [offered] = say("bananas apples cherries grapes melons kiwis", at=MON)
    assert isinstance(offered, NoMatch)
    assert say("1", at=MON + timedelta(minutes=40)) == [Notice(NoticeCode.PICK_EXPIRED)]
    assert say("4", at=MON + timedelta(hours=5)) == [Notice(NoticeCode.NO_OPEN_QUESTION)]


def test_yes_right_after_forget_deletes_and_only_then(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    assert say("delete my data", at=MON) == [Notice(NoticeCode.FORGET_CONFIRM)]
    assert say("ok", at=MON) == [Notice(NoticeCode.FORGET_CONFIRM)]  # not a yes: asked again
    assert say("yes", at=MON) == [Notice(NoticeCode.FORGET_CONFIRM)]  # not right after it
    say("forget", at=MON)
    say("lesson", at=MON)
    assert say("yes", at=MON) != [Notice(NoticeCode.FORGOTTEN)]  # something came between
    say("forget", at=MON)
    assert say("yes delete", at=MON) == [Notice(NoticeCode.FORGOTTEN)]
    say("start", at=MON)
    assert learner_of(engine).display_name is not None
