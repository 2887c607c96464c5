"""Settings said in a sentence are saved, not looked up; questions that share their words stay
questions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.engine import commands, sentences
from bot.engine.commands import clean, parse, quiz_topic
from bot.engine.engine import Engine
from bot.engine.sentences import setting_in_words
from bot.messages import Feedback, Invalid, LookupAnswer, NoMatch, SettingNow, SettingsSaved
from tests.unit.engine.conftest import Say, rewrite_one

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize(("said", "name", "args"), [
    ("lessons at 10", "time", "10"),
    ("I'd like my lessons at 10am please", "time", "10am"),
    ("can you send me the lesson at 8 instead", "time", "8"),
    ("hey, could you please move my lessons to 9:30?", "time", "9:30"),
    ("lesson time 10:00", "time", "10:00"),
    ("change my time to 8am", "time", "8am"),
    ("move my quiz to 4pm", "time", "quiz 4pm"),
    ("reviews at 5", "time", "quiz 5"),
    ("quiz 4pm", "time", "quiz 4pm"),
    ("i want my quiz at half past four", "time", "quiz half past four"),
    ("my time zone is Europe/Paris", "timezone", "Europe/Paris"),
    ("set timezone to new york", "timezone", "new york"),
    ("I'm in Berlin now", "timezone", "Berlin"),
    ("I moved to Tokyo", "timezone", "Tokyo"),
    ("no lessons on fridays", "days", "without fridays"),
    ("not on weekends", "days", "without weekends"),
    ("lessons only on tuesdays and thursdays", "days", "tuesdays and thursdays"),
    ("my lesson is at 10", "time", "10"),
    ("my quiz is at 4pm", "time", "quiz 4pm"),
    ("review questions at 5", "time", "quiz 5"),
    ("could you move my quiz to 4pm?", "time", "quiz 4pm"),
    ("my time zone is CET", "timezone", "CET"),  # refused with a "did you mean"
    ("send lessons on weekdays", "days", "weekdays"),
    ("my days are mon-thu", "days", "mon-thu"),
    # The commands as the help writes them read as before.
    ("time quiz 16:00", "time", "quiz 16:00"),
    ("time zone tokyo", "timezone", "tokyo"),
    ("days mon-fri", "days", "mon-fri"),
])
def test_a_setting_in_a_sentence_is_the_setting(said: str, name: str, args: str) -> None:
    command = parse(said)
    assert (command.name, command.args) == (name, args)


@pytest.mark.parametrize("said", [
    "questions about 2fa", "lessons learned at work", "lessons in the morning",
    "I'm in a meeting", "tzdata", "on monday", "every day", "what time is the lesson at 10",
    "no idea", "not sure", "password at least 12 characters", "lesson time",
    # A reviewer's: each had changed the schedule without asking.
    "lessons on friday?", "lesson friday", "lesson on monday", "lessons on weekends?",
    "lesson days?", "no lessons on friday?", "lesson 2", "lessons 3", "my lesson 2", "quiz 2",
    "review 1", "questions 3", "lessons 2024", "lesson 911", "set timezone in docker",
    "change timezone on mac", "my timezone is wrong", "I work at Macquarie",
    "I'm in General", "no daily", "not every day", "not all"])
def test_a_question_sharing_their_words_is_no_setting(said: str) -> None:
    assert parse(said).name not in ("time", "timezone", "days")


def test_a_bare_zone_word_with_a_question_mark_shows_the_zone() -> None:
    assert (parse("timezone?").name, parse("timezone?").args) == ("timezone", "")


def test_a_choice_an_open_question_has_is_its_answer_not_a_setting(
        say: Say, engine: Engine, lessons: Path) -> None:
    rewrite_one(engine, lessons,
                "### When do we deploy?\n- [ ] only on fridays\n- [x] not on fridays\n")
    say("lesson", at=MON)
    say("quiz", at=MON + timedelta(days=1))
    [feedback, *_] = say("not on fridays", at=MON + timedelta(days=1))
    assert isinstance(feedback, Feedback) and feedback.correct
    [shown] = say("days", at=MON + timedelta(days=1))
    assert isinstance(shown, SettingNow) and "fri" in shown.learner.workdays


def test_sentences_change_the_settings_and_say_so(say: Say) -> None:
    say("hi", at=MON)
    [saved] = say("I'd like my lessons at 10 please", at=MON)
    assert isinstance(saved, SettingsSaved) and saved.learner.lesson_time == "10:00"
    [saved] = say("could you move my quiz to 4pm?", at=MON)
    assert isinstance(saved, SettingsSaved) and saved.learner.quiz_time == "16:00"
    [saved] = say("my time zone is Europe/Paris", at=MON)
    assert isinstance(saved, SettingsSaved) and saved.learner.time_zone == "Europe/Paris"
    [saved] = say("no lessons on fridays", at=MON)
    assert isinstance(saved, SettingsSaved)
    assert saved.learner.workdays == ("mon", "tue", "wed", "thu")
    [saved] = say("skip mondays and wednesdays", at=MON)
    assert saved.learner.workdays == ("tue", "thu")  # taken from the days chosen, not reset


def test_a_sentence_that_would_leave_no_day_or_names_no_time_is_refused(say: Say) -> None:
    say("hi", at=MON)
    say("days mon", at=MON)
    [refused] = say("no lessons on mondays", at=MON)
    assert isinstance(refused, Invalid) and "pause" in refused.reason
    [refused] = say("lessons at 25:00", at=MON)  # meant as a time: refused with an example
    assert isinstance(refused, Invalid) and "08:30" in refused.reason
    [answer] = say("I'm in a meeting", at=MON)  # no place the bot knows: a question
    assert isinstance(answer, LookupAnswer | NoMatch)


PATHOLOGICAL = [  # a security review's: each cost seconds of CPU before, up to 6 s
    "lessons on" + "," * 3990, "," * 4000, "a" + ", " * 1999, "lessons at 10" + " please" * 569,
    "lessons at " + ".!?" * 1329 + "x", "no lessons on" + ", " * 1993 + "x",
    "my time zone is" + " ," * 1992 + "x", "I'm in " + "." * 3992 + "x"]


@pytest.mark.parametrize("said", PATHOLOGICAL)
def test_a_long_message_is_never_matched_as_a_setting(
        said: str, monkeypatch: pytest.MonkeyPatch) -> None:
    class Unused:
        def match(self, text: str) -> None:
            raise AssertionError(f"a sentence pattern ran on {len(text)} characters")

    for name in ("_TIME", "_PLAIN_TIME", "_ZONE", "_PLACE", "_NO_DAYS", "_DAYS"):
        monkeypatch.setattr(sentences, name, Unused())
    assert len(clean(said)) > sentences.MAX_SENTENCE
    assert setting_in_words(clean(said)) is None


@pytest.mark.parametrize("pattern", [
    sentences._TIME, sentences._PLAIN_TIME, sentences._ZONE, sentences._PLACE,
    sentences._NO_DAYS, sentences._DAYS])
def test_no_sentence_pattern_repeats_a_group_after_its_lazy_part(
        pattern: re.Pattern[str]) -> None:
    # A repeated group or class after `.+?` ("(?:[\s,]+please)*[\s.!?]*$") tries every split
    # of a run of commas: quadratic. The polite end is cut off first, in one pass.
    after = pattern.pattern.rsplit(".+?)", 1)[1]
    assert after.endswith("$") and not re.search(r"[)\]][*+]", after), after


@pytest.mark.parametrize(("text", "cut"), [
    ("10, now please!", "10"), ("10 please.", "10"), ("10. please", "10."),
    ("10 nowhere", "10 nowhere"), ("10 snow", "10 snow"), ("please", "please"),
    (", please", ""), ("10 thank  you!?", "10"), ("10,", "10,"),
    ("a" + "," * 3999, "a" + "," * 3999), ("a" + " please" * 570 + "!", "a"),
    ("a" + ".!?" * 1333, "a")])
def test_the_polite_end_is_cut_from_the_right(text: str, cut: str) -> None:
    assert sentences.without_end(text, sentences._TAIL) == cut


def test_a_quiz_topic_loses_its_polite_end_in_one_anchored_match(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    class Spy:  # only an anchored match: a search or sub tries every start, quadratic
        def match(self, text: str) -> re.Match[str] | None:
            seen.append(text)
            return polite.match(text)

    polite = commands._POLITE_END
    monkeypatch.setattr(commands, "_POLITE_END", Spy())
    said = "me on a" + "," * 3985 + "x" + ", please" * 2 + "!"
    assert quiz_topic(said) == "a" + "," * 3985 + "x"
    assert seen == [("a" + "," * 3985 + "x" + ", please" * 2 + "!")[::-1]]
    assert quiz_topic("on passwords, thank you!") == "passwords"
