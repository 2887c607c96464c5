"""The engine's pure parts, without a database: spaced repetition, the command words, waking
hours."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from bot.engine import calendar
from bot.engine.commands import accepts, answer_choices, parse, slip_in_words
from bot.engine.lessons import example_question
from bot.engine.reviewer import Reviewer
from storage.records import Card

BERLIN = calendar.zone("Europe/Berlin")
WEEK = calendar.DAYS[:5]
FRIDAY = datetime(2026, 3, 6, 14, tzinfo=UTC)


def test_a_card_never_asked_starts_from_its_lesson_as_if_reviewed_good_that_day() -> None:
    reviewer = Reviewer()
    lesson_day = datetime(2026, 3, 2, 23, tzinfo=UTC)  # Tuesday 00:00 in Berlin
    memory = reviewer.memory(Card(1, "a", "q", "", FRIDAY), lesson_day)
    assert memory.last_review == lesson_day and memory.stability is not None
    assert reviewer.recall_after(memory.stability, 0) == 1.0
    assert 0.0 < reviewer.recall_after(memory.stability, 3) < 0.95


def test_a_review_lands_at_local_midnight_of_a_later_workday_never_today() -> None:
    reviewer = Reviewer()
    wrong = reviewer.review(Card(1, "a", "q", "", FRIDAY), False, FRIDAY, date(2026, 3, 6),
                            WEEK, BERLIN)
    # Again would be due within the day; the weekend is skipped: Monday 00:00 in Berlin.
    assert wrong.card.due_at == datetime(2026, 3, 8, 23, tzinfo=UTC)
    assert (wrong.card.reviews, wrong.card.lapses, wrong.newly_mastered) == (1, 1, False)


def test_a_question_is_mastered_once_when_its_next_review_is_a_month_away() -> None:
    reviewer = Reviewer()
    card, now, mastered_at = Card(1, "a", "q", "", FRIDAY), FRIDAY, []
    for answer in range(12):
        result = reviewer.review(card, True, now, calendar.local_date(now, BERLIN), WEEK, BERLIN)
        if result.newly_mastered:
            mastered_at.append(answer)
        card, now = result.card, result.card.due_at + timedelta(hours=10)
    assert len(mastered_at) == 1 and card.mastered


def test_bare_command_words_and_questions_that_start_with_one() -> None:
    assert parse("/quiz@microlearn_bot").name == "quiz"
    assert parse("Lesson").name == "lesson"
    command = parse("stop phishing emails")
    assert command.name == "stop" and not accepts(command.name, command.args)
    assert accepts("time", "quiz 15:00") and not accepts("time", "is money")
    assert answer_choices("a, c") == (0, 2) and answer_choices("what") is None


def test_what_people_type_for_a_command_word_they_do_not_know() -> None:
    # From a reviewer's session: each of these had been looked up as a question.
    for words, name in (("lesson please", "lesson"), ("Next lesson!", "lesson"),
                        ("give me a lesson", "lesson"), ("Today\u2019s lesson", "lesson"),
                        ("quiz me", "quiz"), ("test me", "quiz"), ("my points", "me"),
                        ("How am I doing?", "me"), ("what can you do?", "help"),
                        ("lesson pls", "lesson"), ("quiz me please", "quiz"),
                        ("status", "me"), ("how does this work?", "help")):
        assert (parse(words).name, parse(words).args) == (name, ""), words
    command = parse("lesson on passwords")  # still a question
    assert command.name == "lesson" and not accepts(command.name, command.args)
    assert parse("my points expired").name == ""


def test_more_ways_of_asking_for_a_command_in_words() -> None:
    # Tried in the demo: "show me my stats" and "leaderboard please" had got "I have no
    # lesson on ...", "change my lesson time" a git lesson, "unsubscribe" a lesson on email
    # and "mute" one on chat messages.
    for words, name in (("show me my stats", "me"), ("what's my score?", "me"),
                        ("leaderboard please", "top"), ("Show me the leaderboard", "top"),
                        ("who's winning?", "top"), ("change my lesson time", "time"),
                        ("when do my lessons come?", "time"), ("more please", "lesson"),
                        ("another one", "lesson"), ("one more", "lesson"),
                        ("unsubscribe", "stop"), ("stop sending me lessons", "stop"),
                        ("no more lessons please", "stop"), ("mute", "stop"),
                        # "list lessons" had got a lesson on notes, "delete my account" one
                        # on reporting a security incident, "can I change the days" one on
                        # planning the week.
                        ("what topics are there?", "topics"), ("list lessons", "topics"),
                        ("What lessons do you have?", "topics"), ("can I change the days?", "days"),
                        ("delete my account", "forget"), ("what do you know about me?", "mydata"),
                        ("download my data", "mydata"), ("what did I learn?", "me")):
        assert (parse(words).name, parse(words).args) == (name, ""), words
    for question in ("stop sending phishing emails", "change my password", "more on git"):
        command = parse(question)  # still questions
        assert command.name == "" or not accepts(command.name, command.args), question


def test_days_followed_by_words_that_name_no_day_is_a_question() -> None:
    for question in ("days off policy", "days of the week we are open", "days off",
                     "days holiday", "days payday", "days today"):
        command = parse(question)
        assert command.name == "days" and not accepts(command.name, command.args), question
    # A setting, kept or refused with an example, even misspelt.
    for setting in ("days M-F", "days mon-fry and sat", "days weekdyas", "days none",
                    "days every day", "days tuesdays", "days mo-fr", "days funday",
                    "days wendsdays"):
        command = parse(setting)
        assert accepts(command.name, command.args), setting


def test_waking_hours_are_one_rule_in_the_learners_own_zone() -> None:
    window = ("08:00", "20:00")
    opens, closes = calendar.waking(date(2026, 3, 2), window, BERLIN)
    assert (opens, closes) == (datetime(2026, 3, 2, 7, tzinfo=UTC),
                               datetime(2026, 3, 2, 19, tzinfo=UTC))
    assert calendar.is_awake(opens, window, BERLIN)
    assert not calendar.is_awake(closes, window, BERLIN)
    assert not calendar.is_awake(opens - timedelta(minutes=1), window, BERLIN)


def test_waking_hours_may_cross_midnight_for_those_who_work_at_night() -> None:
    berlin = calendar.zone("Europe/Berlin")
    night = calendar.parse_window("20:00-08:00")
    day = calendar.parse_window("08:00-20:00")

    def at(hour: int, minute: int = 0) -> datetime:
        return calendar.at_local(date(2026, 3, 3), f"{hour:02d}:{minute:02d}", berlin)

    assert [calendar.is_awake(at(h), night, berlin) for h in (3, 7, 8, 12, 19, 20, 23)] == [
        True, True, False, False, False, True, True]
    assert calendar.next_awake(at(12), night, berlin) == at(20)  # wait for their evening
    assert calendar.next_awake(at(3), night, berlin) == at(3)  # still awake from last night
    assert calendar.next_awake(at(21), day, berlin) is None  # too late today
    assert calendar.next_awake(at(6), day, berlin) == at(8)
    opens, closes = calendar.waking(date(2026, 3, 3), night, berlin)
    assert (opens, closes - opens) == (at(20), timedelta(hours=12))
    try:
        calendar.parse_window("08:00-08:00")
    except ValueError as exc:
        assert "empty" in str(exc)
    else:
        raise AssertionError("an empty window is refused")


def test_typed_text_loses_control_and_bidirectional_characters() -> None:
    from bot.engine.commands import clean

    assert clean("Eve\u202eevil\u2066 & co\x00") == "Eve evil & co"
    assert clean("Eve\ud800 co") == "Eve co"  # a lone surrogate cannot be stored


def test_workdays_between_counts_as_a_day_by_day_walk_would() -> None:
    def walked(first: date, last: date, workdays: tuple[str, ...]) -> int:
        return sum(calendar.is_workday(first + timedelta(days=n), workdays)
                   for n in range(1, (last - first).days))

    start = date(2026, 3, 2)
    for workdays in (calendar.DAYS[:5], ("mon",), ("sat", "sun"), calendar.DAYS, ()):
        for first_offset in range(7):
            first = start + timedelta(days=first_offset)
            for length in (0, 1, 2, 6, 7, 8, 13, 30, 365):
                last = first + timedelta(days=length)
                assert calendar.workdays_between(first, last, workdays) == walked(
                    first, last, workdays), (workdays, first, length)


def test_a_reminder_fits_when_it_comes_the_same_day_before_the_waking_hours_close() -> None:
    day, monday, three = ("08:00", "20:00"), date(2026, 3, 2), timedelta(hours=3)

    def fits(quiz: str, window: tuple[str, str] = day, after: timedelta = three) -> bool:
        return calendar.reminder_fits(quiz, window, after, BERLIN, monday)

    assert fits("15:00") and fits("16:45") and fits("18:30")  # 18:00, 19:45, 19:30
    assert not fits("18:31") and not fits("19:59")
    assert fits("07:00")  # before the window: reminded at 10:00
    assert not fits("21:00")  # after it: none that day
    assert fits("18:45", after=timedelta(hours=1))  # 19:45, before the close
    assert fits("19:15", after=timedelta(minutes=30)) and not fits("19:31", after=timedelta(
        minutes=30))
    assert fits("19:59", after=timedelta(0))  # no reminders at all: nothing to warn of
    night = ("20:00", "08:00")  # a night shift's window, across midnight
    assert fits("20:30", night)  # 23:30
    assert not fits("23:00", night)  # 02:00 is the next day: that day's question only
    assert fits("12:00", night)  # reminded at 20:00
    assert fits("06:30", night) and not fits("07:00", night)  # 07:30 / none


def test_a_reminder_past_the_close_comes_before_it_or_not_at_all() -> None:
    closes = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    three = timedelta(hours=3)
    assert calendar.reminder_at(closes - timedelta(hours=4), three, closes) == closes - timedelta(
        hours=1)
    assert calendar.reminder_at(closes - timedelta(hours=3, minutes=15), three, closes) == \
        closes - timedelta(minutes=15)  # due before the close: as ever
    assert calendar.reminder_at(closes - timedelta(hours=3), three, closes) == \
        closes - timedelta(minutes=30)
    assert calendar.reminder_at(closes - timedelta(hours=1), three, closes) is None
    one = timedelta(hours=1)
    assert calendar.reminder_at(closes - timedelta(minutes=75), one, closes) == \
        closes - timedelta(minutes=15)  # a short delay is not brought forward


def test_the_latest_reminder_is_before_the_close_and_before_midnight() -> None:
    monday = date(2026, 3, 2)
    assert calendar.latest_reminder(monday, ("08:00", "20:00"), BERLIN) == \
        calendar.at_local(monday, "19:30", BERLIN)
    assert calendar.latest_reminder(monday, ("20:00", "08:00"), BERLIN) == \
        calendar.at_local(monday + timedelta(days=1), "00:00", BERLIN)


def test_a_slip_of_a_command_is_found_among_filler_words_only() -> None:
    assert slip_in_words("lesosn") == ("lesosn", "lesson")
    assert slip_in_words("Lesosn pls!") == ("lesosn", "lesson")
    assert slip_in_words("quizz now") == ("quizz", "quiz")
    assert slip_in_words("next lesosn please") == ("lesosn", "lesson")
    for said in ("I will test this lesson on my team", "lesosn learned", "quiz now",
                 "lesosn quizz", "please please please please lesosn", "patience now"):
        assert slip_in_words(said) is None, said


def test_a_stored_time_without_its_zone_is_utc_whatever_the_machines_zone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLite gives stored UTC times back naive; Python reads a naive time in the machine's own
    # zone, so on a server set to Auckland 23:30 UTC on Sunday became Sunday in Auckland too.
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    try:
        stored = datetime(2026, 3, 1, 23, 30)  # Sunday 23:30 UTC: Monday 12:30 in Auckland
        assert calendar.local_date(stored, calendar.zone("Pacific/Auckland")) == date(2026, 3, 2)
        assert calendar.local_date(stored, calendar.zone("UTC")) == date(2026, 3, 1)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.parametrize(("title", "example"), [
    ("Spot a phishing email", "spot a phishing email"),
    ("VPN at home.", "VPN at home"),
    ("iPhone set-up", "iPhone set-up"),
    ("I forgot my badge", "I forgot my badge"),
])
def test_the_welcomes_example_keeps_a_title_whose_first_word_is_not_plainly_capitalised(
        tmp_path: Path, title: str, example: str) -> None:
    (tmp_path / "only.md").write_text(f"---\ntitle: {title}\n---\n\nSome text to read.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    assert example_question(catalog) == example
