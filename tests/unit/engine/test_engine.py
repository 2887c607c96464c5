"""The engine, driven with neutral events and a fixed clock."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.content.catalog import Catalog
from bot.engine.engine import Engine
from bot.engine.turn import EngineSettings
from bot.messages import (
    AllRead,
    Feedback,
    FlagFigure,
    FlagNoted,
    Inbound,
    Invalid,
    Kind,
    LessonMessage,
    LessonRead,
    Notice,
    NoticeCode,
    Outbound,
    Platform,
    Profile,
    Reloaded,
    Resumed,
    SettingsSaved,
    TopicsNow,
    Welcome,
)
from storage import Database
from storage.records import Accuracy, Delivery, DeliveryKind, DeliveryStatus
from storage.repositories import Answers, Cards, Learners, Points, Progress, Streaks
from tests.unit.engine.conftest import Say, deliver, kinds, more_lessons, read_lesson, write

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday


def resumed(replies: list[Outbound]) -> list[tuple[int, int]]:
    """(days the reviews moved, streak today keeps) of each "welcome back" among replies."""
    return [(reply.days, reply.keep_today) for reply in replies if isinstance(reply, Resumed)]


def points(engine: Engine, user: str = "ann") -> int:
    with engine.store.session() as session:
        learner = Learners(session).find("console", user)
        assert learner is not None
        return Points(session).total(learner.id)


def test_first_message_enrols_and_welcomes_in_the_platform_time_zone(
    say: Say, engine: Engine
) -> None:
    assert kinds(say("hello", zone="Europe/Berlin"))[0] == "welcome"
    assert kinds(say("hello again"))[0] != "welcome"
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
    assert learner is not None and learner.time_zone == "Europe/Berlin"


def test_a_learner_enrolled_while_the_platform_was_silent_gets_its_profile_later(
        engine: Engine) -> None:
    """Slack's users.info failed at the first message (no name, the default zone); the next
    message carries both: the learner gets them, and is told of the zone; a zone the learner
    chose is kept."""
    def slack(user: str, text: str, name: str = "", zone: str | None = None) -> list[Outbound]:
        return engine.handle(Inbound(Platform.SLACK, user, f"D{user}", text=text,
                                     display_name=name, time_zone=zone), MON)

    assert kinds(slack("UGUS", "hello"))[0] == "welcome"
    first = slack("UGUS", "me", "Gus", "America/Los_Angeles")
    assert kinds(first) == ["profile", "settings"]  # what was asked first
    slack("UDAN", "hello")
    slack("UDAN", "timezone Europe/Berlin")
    assert kinds(slack("UDAN", "me", "Dan", "Australia/Sydney")) == ["profile"]
    with engine.store.session() as session:
        gus = Learners(session).find("slack", "UGUS")
        dan = Learners(session).find("slack", "UDAN")
    assert gus is not None and (gus.display_name, gus.time_zone) == ("Gus",
                                                                     "America/Los_Angeles")
    assert gus.next_lesson_at == datetime(2026, 3, 2, 17, tzinfo=UTC)  # 09:00 in Los Angeles
    assert dan is not None and (dan.display_name, dan.time_zone) == ("Dan", "Europe/Berlin")


def test_start_again_after_a_lesson_greets_the_learner_back(say: Say) -> None:
    first = say("/start")[0]
    assert isinstance(first, Welcome) and first.read == 0
    say("lesson")
    say("done")
    [again] = say("/start")
    assert isinstance(again, Welcome) and again.read == 1
    assert again.topic_lessons is None  # no topics chosen: the library's count alone


def test_start_again_counts_the_lessons_of_the_learners_topics(say: Say) -> None:
    """With topics chosen, the greeting counts the lessons they get, as `me` does (it had
    said "1 of 28" of a library whose other topics they never get)."""
    say("/start")
    [read] = [m.lesson for m in say("lesson") if m.kind is Kind.LESSON]
    say("done")
    say(f"topics {read.topic}")
    [mine] = say("/start")
    assert isinstance(mine, Welcome)
    assert mine.topic_lessons is not None and 0 < mine.topic_lessons < mine.lessons
    assert (mine.read, mine.topic_read) == (1, 1)


def test_lessons_follow_the_track_and_never_repeat(say: Say) -> None:
    titles = []
    for _ in range(5):
        out = say("lesson")
        titles.append(next((m.lesson.title for m in out if m.kind is Kind.LESSON), None))
    # Every lesson delivered: the unread ones come again, the oldest first.
    assert titles == ["One", "Two", "Three", "One", "Two"]
    for title in ("Two", "One", "Three"):
        say("done")  # the lesson got last: Two, then One, then Three
        if title != "Three":
            assert say("lesson")[0].lesson.title == {"Two": "One", "One": "Three"}[title]
    assert "notice:all_read" in kinds(say("lesson"))  # said only when every one is read


def test_the_trainers_track_order_decides_which_track_comes_first(
        database: Database, lessons: Path) -> None:
    # Tracks came by name only: a reviewer's "clinic-safety" came before "front-desk", and
    # renaming it was the only way round.
    write(lessons, "desk/d1.md", "title: Desk one\ntrack: front-desk\norder: 1", "Desk.")
    write(lessons, "desk/d2.md", "title: Desk two\ntrack: front-desk\norder: 2", "Desk 2.")
    catalog = Catalog(lessons)
    catalog.load()
    engine = Engine(database, catalog, EngineSettings(
        track_order=("Front-Desk", "nowhere", "front-desk")))  # a slip of case, twice)
    monday = datetime(2026, 3, 2, 9, tzinfo=UTC)

    def say(words: str) -> list[Outbound]:
        return engine.handle(Inbound(Platform.CONSOLE, "ann", "ann", text=words), monday)

    say("hi")
    titles = []
    for _ in range(3):
        [lesson] = [m for m in say("lesson") if isinstance(m, LessonMessage)]
        titles.append(lesson.lesson.title)
        say("done")
    assert titles == ["Desk one", "Desk two", "One"]  # then the others, by name


def test_questions_never_come_on_their_lessons_day_and_first_on_the_next_workday(
        say: Say) -> None:
    friday = datetime(2026, 3, 6, 9, tzinfo=UTC)
    say("lesson", at=friday)
    nothing = say("quiz", at=friday + timedelta(hours=6))
    assert kinds(nothing) == ["notice:nothing_due"]
    assert nothing[0].next_due.date() == date(2026, 3, 9)  # the next workday: Monday
    saturday = say("quiz", at=friday + timedelta(days=1))  # its first review: next workday
    assert kinds(saturday) == ["notice:nothing_due"]
    monday = friday + timedelta(days=3)
    asked = say("quiz", at=monday)
    assert kinds(asked) == ["question"]
    assert [b.value for b in asked[0].buttons] == ["a:1:0", "a:1:1", "a:1:2"]


def test_answers_by_number_letter_or_button(say: Say, engine: Engine) -> None:
    say("lesson", at=MON)
    say("lesson", at=MON)
    tuesday = MON + timedelta(days=1)
    say("quiz", at=tuesday)
    right = say("2", at=tuesday)  # typed number: right
    assert isinstance(right[0], Feedback) and right[0].correct
    assert kinds(right)[1] == "read"  # answering one of its questions counts the lesson read
    nxt = right[-1]
    assert nxt.kind is Kind.QUESTION
    wrong = say("c", at=tuesday)  # typed letter: wrong
    assert isinstance(wrong[0], Feedback) and not wrong[0].correct
    assert kinds(wrong)[-1] == "notice:quiz_done"
    assert points(engine) == 5 + 5 + 10 + 2


def test_the_same_button_twice_counts_once_even_concurrently(say: Say, engine: Engine) -> None:
    say("lesson", at=MON)
    tuesday = MON + timedelta(days=1)
    button = say("quiz", at=tuesday)[0].buttons[1].value
    replies: list[list[str]] = []
    barrier = threading.Barrier(5)

    def press() -> None:
        barrier.wait(5)
        replies.append(kinds(say(answer=button, at=tuesday)))

    threads = [threading.Thread(target=press) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sum("feedback" in reply for reply in replies) == 1
    assert sum("notice:already_answered" in reply for reply in replies) == 4
    assert points(engine) == 5 + 10
    with engine.store.session() as session:
        assert Answers(session).accuracy(MON) == Accuracy(1, 1)


def test_answers_to_questions_never_asked_are_refused_politely(say: Say, engine: Engine) -> None:
    assert kinds(say("2")) [-1] == "notice:no_open_question"
    assert kinds(say(answer="a:999:0"))[-1] == "notice:bad_answer"
    assert kinds(say(answer="garbage"))[-1] == "notice:bad_answer"
    say("lesson", at=MON)
    button = say("quiz", at=MON + timedelta(days=1))[0].buttons[0].value
    assert kinds(say(answer=button, user="bob"))[-1] == "notice:not_yours"  # not bob's question
    assert kinds(say("7", at=MON + timedelta(days=1)))[-1] == "notice:choice_range"
    with engine.store.session() as session:
        assert Answers(session).accuracy(MON - timedelta(days=1)) == Accuracy(0, 0)


def test_odd_input_gets_a_polite_reply(say: Say) -> None:
    for text in ("", "   ", "x" * 10_000, "🎉🎉", "مرحبا كيف حالك", "<b>&amp;</b> *_`",
                 "/unknown-thing", "\x00\x01", "\ud800", "how do I spot \udfff phishing",
                 "lesson\ud83d"):  # lone surrogates: a JSON "\ud800" decodes to one
        out = say(text)
        assert out, repr(text)


def test_streak_survives_the_weekend_and_breaks_on_a_missed_workday(
    say: Say, engine: Engine
) -> None:
    friday = datetime(2026, 3, 6, 9, tzinfo=UTC)
    read_lesson(say, friday)
    read_lesson(say, friday + timedelta(days=3))  # Monday: the weekend is not a gap
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        assert Streaks(session).get(learner.id).current == 2
    read_lesson(say, friday + timedelta(days=5))  # Wednesday: Tuesday was missed
    with engine.store.session() as session:
        assert Streaks(session).get(learner.id).current == 1


def test_only_the_learners_own_action_keeps_the_day(say: Say, engine: Engine) -> None:
    friday = datetime(2026, 3, 6, 9, tzinfo=UTC)
    read_lesson(say, friday)
    monday = friday + timedelta(days=3)
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
    assert learner is not None
    assert kinds(deliver(engine, learner.id, "lesson", monday)) == ["lesson"]  # pushed...
    say("learn bananas", at=monday)  # ...and a lookup: neither is the learner reading
    with engine.store.session() as session:
        assert Streaks(session).get(learner.id).last_active == friday.date()
        assert Points(session).total(learner.id) == 5
    read = say("got it", at=monday)
    assert kinds(read) == ["read", "notice:badges", "rate", "reflect"]
    assert read[1].names == ("Track complete: Basics",)
    with engine.store.session() as session:
        assert Streaks(session).get(learner.id).current == 2


def test_practice_on_a_day_off_neither_adds_nor_breaks(say: Say, engine: Engine) -> None:
    friday = datetime(2026, 3, 6, 9, tzinfo=UTC)
    read_lesson(say, friday)
    read_lesson(say, friday + timedelta(days=1))  # Saturday
    read_lesson(say, friday + timedelta(days=3))  # Monday
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        assert Streaks(session).get(learner.id).current == 2


def test_a_freeze_earned_by_five_days_covers_a_missed_day(
        say: Say, engine: Engine, lessons: Path) -> None:
    more_lessons(engine, lessons)
    for day in range(5):  # Mon..Fri
        read_lesson(say, MON + timedelta(days=day))
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        streak = Streaks(session).get(learner.id)
    assert (streak.current, streak.freezes) == (5, 1)
    # On that Tuesday, before acting, `me` counts Monday's freeze as spent already.
    [profile] = say("me", at=MON + timedelta(days=8))
    assert isinstance(profile, Profile)
    assert (profile.streak.current, profile.streak.freezes) == (5, 0)
    read_lesson(say, MON + timedelta(days=8))  # next Tuesday: Monday missed
    with engine.store.session() as session:
        streak = Streaks(session).get(learner.id)
    assert (streak.current, streak.freezes) == (6, 0)


def test_pause_is_a_holiday_that_keeps_the_streak_and_moves_reviews(
    say: Say, engine: Engine
) -> None:
    read_lesson(say, MON)
    say("pause", at=MON)
    later = MON + timedelta(days=14)
    say("resume", at=later)
    assert "notice:nothing_due" in kinds(say("quiz", at=later))  # reviews moved by two weeks
    read_lesson(say, later)
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None and not learner.paused
        assert Streaks(session).get(learner.id).current == 2
    assert kinds(say("quiz", at=later + timedelta(days=1))) == ["question"]


def test_a_holiday_begun_before_the_day_counted_keeps_the_streak_and_the_day_back_comes_in_full(
        say: Say, engine: Engine, lessons: Path) -> None:
    more_lessons(engine, lessons)
    read_lesson(say, MON)
    say("pause", at=MON + timedelta(days=1, hours=-1))  # Tuesday 08:00, before its lesson
    thursday = MON + timedelta(days=3, hours=1)  # 10:00: the lesson time (09:00) has passed
    # Told that the day counts: "your streak waited", said late in the day, had been read
    # as "it is safe", and the streak was lost at midnight.
    assert resumed(say("resume", at=thursday)) == [(2, 1)]
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        # The day's lesson and quiz times have passed: the lesson comes now, the quiz at 15:00.
        assert learner.next_lesson_at == thursday
        assert learner.next_quiz_at == thursday.replace(hour=15)
    read_lesson(say, thursday)
    with engine.store.session() as session:
        assert Streaks(session).get(learner.id).current == 2  # Tuesday and Wednesday held
    # Back before the lesson time: it comes at its time, as on any day.
    say("pause", at=thursday)
    monday = MON + timedelta(days=7, hours=-2)
    assert resumed(say("resume", at=monday)) == [(4, 2)]
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None and learner.next_lesson_at == MON + timedelta(days=7)
    read_lesson(say, monday)
    with engine.store.session() as session:
        assert Streaks(session).get(learner.id).current == 3


def test_a_lesson_read_on_holiday_neither_adds_to_the_streak_nor_breaks_it(
        say: Say, engine: Engine, lessons: Path) -> None:
    """A lesson asked for and read on holiday is a reading, not a learning day: it had
    counted as one, and after a holiday day with nothing done it broke the streak (Monday
    and Tuesday read, Wednesday away, Thursday read on holiday: 1 day instead of 2 held)."""
    more_lessons(engine, lessons)
    read_lesson(say, MON)
    read_lesson(say, MON + timedelta(days=1))
    say("pause", at=MON + timedelta(days=2, hours=-1))  # Wednesday 08:00, before acting
    thursday = MON + timedelta(days=3)
    read = read_lesson(say, thursday)
    assert any(isinstance(reply, LessonRead) and reply.earned == 5 for reply in read)
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        streak = Streaks(session).get(learner.id)
    assert (streak.current, streak.last_active) == (2, date(2026, 3, 3))  # as it was
    [profile] = say("me", at=thursday)
    assert isinstance(profile, Profile) and profile.streak.current == 2
    friday = MON + timedelta(days=4, hours=1)
    assert resumed(say("resume", at=friday)) == [(2, 2)]  # the day back counts again
    read_lesson(say, friday)
    with engine.store.session() as session:
        assert Streaks(session).get(learner.id).current == 3


def test_a_lesson_asked_for_on_holiday_is_extra_and_the_day_back_brings_its_own(
        say: Say, engine: Engine, lessons: Path) -> None:
    """A lesson asked for on holiday had taken the place of the day's: back the same day,
    the lesson hour sent nothing, though the welcome back said to read today's lesson to
    keep the streak (and the one read on holiday adds no streak day)."""
    more_lessons(engine, lessons)
    read_lesson(say, MON)
    read_lesson(say, MON + timedelta(days=1))
    say("pause", at=MON + timedelta(days=2, hours=-1))  # Wednesday 08:00
    thursday = MON + timedelta(days=3, hours=-1)  # 08:00, still away
    [away, *_] = say("lesson", at=thursday)
    say("done", at=thursday)
    assert isinstance(away, LessonMessage)
    back = thursday + timedelta(hours=2)  # 10:00: the day's lesson time has passed
    replies = say("resume", at=back)
    assert resumed(replies) == [(1, 2)]  # "read today's lesson ... to keep your 2-day streak"
    [day] = [reply for reply in replies if isinstance(reply, LessonMessage)]
    assert day.lesson.id != away.lesson.id
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
    assert deliver(engine, learner.id, "lesson", back) == []  # it came: not twice
    say("done", at=back)
    with engine.store.session() as session:
        assert Streaks(session).get(learner.id).current == 3
    # Back before the lesson time: the day's lesson comes with the welcome back too (the
    # lesson hour cannot tell the one asked for on holiday from one asked for since).
    say("pause", at=back)
    monday = MON + timedelta(days=7, hours=-2)  # 07:00
    [away, *_] = say("lesson", at=monday)
    replies = say("resume", at=monday + timedelta(minutes=30))
    [day] = [reply for reply in replies if isinstance(reply, LessonMessage)]
    assert day.lesson.id != away.lesson.id
    assert deliver(engine, learner.id, "lesson", MON + timedelta(days=7)) == []


def test_a_lesson_asked_for_on_the_day_a_holiday_began_still_takes_the_days_place(
        say: Say, engine: Engine, lessons: Path) -> None:
    """Paused and back the same day: the pause's hour is not kept, so a lesson asked for
    that day may have come before it, and it stays the day's (as on any day)."""
    more_lessons(engine, lessons)
    say("hi", at=MON - timedelta(hours=2))
    say("lesson", at=MON - timedelta(hours=2))  # 07:00
    say("pause", at=MON - timedelta(hours=1))
    replies = say("resume", at=MON - timedelta(minutes=30))
    assert resumed(replies) == [(0, 0)]
    assert not any(isinstance(reply, LessonMessage) for reply in replies)


def test_workdays_missed_before_a_holiday_still_count_after_it(
        say: Say, engine: Engine, lessons: Path) -> None:
    more_lessons(engine, lessons)
    read_lesson(say, MON)
    say("pause", at=MON + timedelta(days=2))  # Wednesday: Tuesday was missed
    # The streak is lost already: nothing is promised.
    assert resumed(say("resume", at=MON + timedelta(days=7))) == [(5, 0)]
    read_lesson(say, MON + timedelta(days=7))
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        assert Streaks(session).get(learner.id).current == 1  # no freeze covered Tuesday


def test_paused_learners_get_no_scheduled_messages(say: Say, engine: Engine) -> None:
    say("pause")
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
    assert learner is not None
    assert deliver(engine, learner.id, "lesson", MON) == []
    assert deliver(engine, learner.id, "quiz", MON + timedelta(days=1)) == []


def test_forget_needs_confirmation_and_then_deletes_everything(say: Say, engine: Engine) -> None:
    say("lesson")
    assert kinds(say("forget")) == ["notice:forget_confirm"]
    assert kinds(say("/forget confirm")) == ["notice:forgotten"]
    with engine.store.session() as session:
        assert Learners(session).find("console", "ann") is None
        assert Progress(session).count() == 0


def test_a_time_zone_suggested_is_taken_with_yes(say: Say, engine: Engine) -> None:
    say("hi")
    [asked] = say("timezone CET")
    assert isinstance(asked, Invalid) and asked.reason == (
        'did you mean Europe/Berlin? Write it like timezone Europe/Berlin, or reply "yes"')
    [saved] = say("yes")
    assert isinstance(saved, SettingsSaved) and saved.learner.time_zone == "Europe/Berlin"
    # Two suggestions: no "yes"; a "yes" later is small talk, not a setting.
    [two] = say("timezone portland")
    assert isinstance(two, Invalid) and " or " in two.reason and "yes" not in two.reason
    assert kinds(say("yes"))[0] != "settings"


def test_settings_are_validated(say: Say) -> None:
    say("hi")
    assert kinds(say("time 25:00")) == ["notice:invalid"]
    assert kinds(say("time 7.15"))[-1] == "settings"
    assert kinds(say("TIMEZONE Nowhere/Land")) == ["notice:invalid"]
    assert kinds(say("/days funday")) == ["notice:invalid"]
    [funday] = say("days funday")  # a slip, not a question to look up
    assert isinstance(funday, Invalid) and funday.reason.startswith(
        "'funday' is not a day (did you mean Sunday?); write days like mon-fri")
    assert kinds(say("/topics nonsense")) == ["notice:invalid"]
    [typo] = say("topics extra tasks extr")
    assert isinstance(typo, Invalid)
    assert typo.reason.startswith("no topic called 'tasks', 'extr' (did you mean 'extra'?); "
                                  "your topics are as they were. Topics are: ")
    assert kinds(say("stop phishing emails"))[0] in ("lookup", "no_match")  # a question
    assert kinds(say("forget me")) == ["notice:forget_confirm"]  # never without confirming
    out = say("topics extra")
    assert out[-1].learner.topics == ("extra",)
    assert say("lesson")[0].lesson.title == "Three"


def test_topics_are_added_and_removed_one_at_a_time(say: Say) -> None:
    """`topics extra` then `topics basics` had replaced the first choice: a learner adding a
    topic had to name every topic again."""
    say("hi")
    assert say("topics extra")[-1].learner.topics == ("extra",)
    assert say("topics add basics")[-1].learner.topics == ("extra", "basics")
    assert say("topics -extra")[-1].learner.topics == ("basics",)
    assert say("topics +extra")[-1].learner.topics == ("basics", "extra")
    assert say("topics remove basics")[-1].learner.topics == ("extra",)
    [last] = say("topics remove extra")  # nothing would be left: refused, choice kept
    assert isinstance(last, Invalid) and '"topics all"' in last.reason
    [unknown] = say("topics add extr")
    assert isinstance(unknown, Invalid) and "did you mean 'extra'" in unknown.reason
    [bare] = say("topics add")
    assert isinstance(bare, Invalid) and bare.reason.startswith("name the topic to add")
    assert say("topics all")[-1].learner.topics == ()
    # From every topic: removing one leaves the others; adding one changes nothing.
    assert say("topics without extra")[-1].learner.topics == ("basics",)
    say("topics all")
    [already] = say("topics add extra")
    assert isinstance(already, TopicsNow) and already.chosen == ()
    listed = say("topics basics")[-1]
    assert listed.learner.topics == ("basics",)


def test_a_topic_named_like_an_edit_word_is_still_chosen(
        database: Database, lessons: Path) -> None:
    write(lessons, "add/x.md", "title: Adding\ntopic: add", "Adding numbers.")
    catalog = Catalog(lessons)
    catalog.load()
    engine = Engine(database, catalog, EngineSettings())
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    engine.handle(Inbound(Platform.CONSOLE, "bo", "bo", text="hi"), at)
    out = engine.handle(Inbound(Platform.CONSOLE, "bo", "bo", text="topics add"), at)
    assert out[-1].learner.topics == ("add",)


def test_a_night_shifts_quiz_too_late_for_a_reminder_names_midnight(
        database: Database, lessons: Path) -> None:
    """The warning had named the window's close the next morning (07:30), while the reason is
    that a reminder is that day's only."""
    catalog = Catalog(lessons)
    catalog.load()
    night = Engine(database, catalog, EngineSettings(waking_hours=("20:00", "08:00")))

    def say(text: str) -> list[Outbound]:
        return night.handle(Inbound(Platform.SLACK, "nina", "Dnina", text=text),
                            datetime(2026, 3, 2, 12, tzinfo=UTC))

    say("hi")
    [late] = say("time quiz 23:00")
    assert isinstance(late, SettingsSaved) and late.reminders_close == "midnight"
    [fits] = say("time quiz 20:30")
    assert isinstance(fits, SettingsSaved) and fits.reminders_close is None


def test_topics_a_trainer_emptied_are_not_taken_for_every_lesson_read(
        say: Say, engine: Engine, lessons: Path) -> None:
    say("hi")
    say("topics extra")
    (lessons / "extra" / "three.md").unlink()  # the trainer retires the topic's one lesson
    engine.catalog.refresh()
    [told] = say("lesson")
    assert isinstance(told, AllRead) and told.none_in_topics and told.topics == ("extra",)
    standing = engine.standing(Platform.CONSOLE, "ann", datetime(2026, 3, 2, 10, tzinfo=UTC))
    assert standing is not None and standing.none_in_topics and not standing.lessons_left
    say("topics all")
    assert say("lesson")[0].kind is Kind.LESSON


def test_free_text_is_a_lookup_that_earns_nothing_and_adds_its_questions_on_request(
        say: Say, engine: Engine) -> None:
    say("hi")
    out = say("tell me about passwords")[0]
    assert out.kind is Kind.LOOKUP and out.lesson.title == "Three"
    assert out.add == ""  # Three has no questions: nothing to add
    assert kinds(say("zzzz qqqq")) == ["no_match"]
    for _ in range(9):  # asking nine questions in a minute earns nothing
        bananas = say("learn bananas")[0]
    assert points(engine) == 0
    assert bananas.kind is Kind.LOOKUP and bananas.add.startswith("add:")
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        assert Cards(session).all(learner.id) == []  # looked up: not in the reviews
    [added] = say(None, answer=bananas.add)
    assert added.kind is Kind.ADDED and added.questions == 1
    assert added.first_due is not None and added.first_due.date() == date(2026, 3, 3)
    assert kinds(say("add")) == ["added"] and say("add")[0].already
    assert points(engine) == 0
    with engine.store.session() as session:
        assert [card.lesson_id for card in Cards(session).all(learner.id)] == ["basics/two"]
    again = say("learn bananas")[0]
    assert again.add == ""  # already in the reviews
    assert kinds(say("lesson"))[0] == "lesson"  # a lookup does not take a lesson's turn
    assert say("lesson")[0].lesson.title == "Two"


def test_a_lesson_counts_once_by_got_it_done_or_an_answer(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    [lesson] = say("lesson", at=MON)
    assert lesson.kind is Kind.LESSON and lesson.done.startswith("read:")
    assert points(engine) == 0  # delivered, not read
    replies = say(None, at=MON, answer=lesson.done)
    assert kinds(replies) == ["read", "notice:badges", "rate"]  # the first read: its badge
    assert replies[0].earned == 5 and points(engine) == 5
    again = say(None, at=MON, answer=lesson.done)
    assert kinds(again) == ["read"] and again[0].already and points(engine) == 5
    assert kinds(say("done", at=MON)) == ["read"]  # the lesson got last: counted already
    assert say("done", at=MON)[0].already
    assert kinds(say(None, at=MON, answer="read:ffffffffffff")) == ["notice:lesson_gone"]
    say("lesson", at=MON)  # Two: read by answering its question the next day
    tuesday = MON + timedelta(days=1)
    say("quiz", at=tuesday)
    first = say("2", at=tuesday)
    assert kinds(first)[:1] == ["feedback"]
    second = say("2", at=tuesday)
    read = [m for m in first + second if m.kind is Kind.READ]
    assert [m.title for m in read] == ["Two"] and read[0].by_answer  # One was read already
    assert points(engine) == 5 + 10 + 5 + 10


def test_only_trainers_see_stats_and_flags_reach_them(say: Say) -> None:
    say("lesson")
    say("quiz", at=MON + timedelta(days=1))
    assert say("flag the right answer is wrong", at=MON + timedelta(days=1)) == [
        FlagNoted("Question one?")]
    assert kinds(say("stats")) == ["notice:trainers_only"]
    stats = say("stats", user="boss")[-1]
    assert stats.kind is Kind.STATS
    assert stats.flags == (FlagFigure("basics/one: Question one?", 1,
                                         ("the right answer is wrong",)),)
    say("flag still wrong", at=MON + timedelta(days=1))  # the same learner again: one flag
    stats = say("stats", user="boss")[-1]
    assert stats.flags == (FlagFigure("basics/one: Question one?", 1,
                                         ("the right answer is wrong", "still wrong")),)
    assert (stats.missed, stats.most_missed) == (0, ())
    # What learners asked that no lesson answers: how often, the most asked first.
    for words in ("zzqx vvbn", "Wifi code zzqx", "wifi code zzqx?", "zzqx vvbn", "WIFI CODE ZZQX"):
        assert kinds(say(words, at=MON + timedelta(days=2)))[:1] == ["no_match"]
    stats = say("stats", user="boss", at=MON + timedelta(days=2))[-1]
    assert (stats.missed, stats.different) == (5, 2)
    assert [(m.query, m.count) for m in stats.most_missed] == [  # as asked last
        ("WIFI CODE ZZQX", 3), ("zzqx vvbn", 2)]
    later = say("stats", user="boss", at=MON + timedelta(days=33))[-1]
    assert (later.missed, later.most_missed) == (0, ())  # the last 30 days


def test_reviews_space_out_and_a_question_is_mastered(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    found = say("learn bananas", at=MON)[0]  # lesson two: one question, added to the reviews
    say(None, at=MON, answer=found.add)
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
    assert learner is not None
    review_days = []
    mastered = False
    for _ in range(10):
        with engine.store.session() as session:
            due = Cards(session).next_due(learner.id)
        assert due is not None
        asked = say("quiz", at=due + timedelta(hours=9))
        assert kinds(asked) == ["question"]
        review_days.append(due.date())
        mastered = say("2", at=due + timedelta(hours=9))[0].mastered
        if mastered:
            break
    gaps = [(b - a).days for a, b in itertools.pairwise(review_days)]
    # Reading the lesson was the first exposure, so two right answers on growing intervals
    # can master a question (as Qstream retires one after two right in a row).
    assert mastered and len(gaps) >= 1 and gaps == sorted(gaps)  # intervals grow...
    with engine.store.session() as session:
        rest = Cards(session).next_due(learner.id)
    assert rest is not None and rest - due > timedelta(days=30)  # ...then it rests a month+
    assert review_days[0] == date(2026, 3, 3)  # first review: the next workday
    assert all(day.weekday() < 5 for day in review_days)  # reviews land on workdays


def test_a_new_time_zone_keeps_each_review_on_its_local_day(say: Say, engine: Engine) -> None:
    say("start", zone="Europe/Berlin")
    say("lesson")  # its questions come back on Tuesday, from 00:00 in Berlin
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        before = {card.due_at for card in Cards(session).all(learner.id)}
    assert before == {datetime(2026, 3, 2, 23, 0, tzinfo=UTC)}
    say("timezone America/New_York")
    with engine.store.session() as session:
        after = {card.due_at for card in Cards(session).all(learner.id)}
    assert after == {datetime(2026, 3, 3, 5, 0, tzinfo=UTC)}  # Tuesday 00:00 in New York


def test_a_delivery_taken_back_keeps_a_lesson_the_learner_has_read(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
    assert learner is not None
    [pushed] = deliver(engine, learner.id, "lesson", MON)
    row = Delivery(0, learner.id, DeliveryKind.LESSON, MON.date(), pushed.lesson.id, "",
                   DeliveryStatus.FAILED, 1, MON, None, None)
    say("done", at=MON)  # read, though the platform never confirmed it
    with engine.store.unit() as unit:
        engine.withdraw(unit, row)
    with engine.store.unit() as unit:
        [receipt] = unit.progress.history(learner.id)
        assert receipt.read_at is not None and unit.cards.all(learner.id)
    [again] = deliver(engine, learner.id, "lesson", MON + timedelta(days=1))
    assert again.lesson.id != pushed.lesson.id


def test_a_lesson_taken_back_is_no_longer_the_last_lesson(say: Say, engine: Engine) -> None:
    """A reply the platform did not take: the lesson in it never reached the learner, so
    `again`, `done` and the next `lesson` go by the lesson they got before it."""
    say("hi", at=MON)
    say("lesson", at=MON)  # One, not marked read
    lost = say("lesson", at=MON)  # Two, with One named as unmarked: the platform took none
    assert kinds(lost) == ["lesson", "notice:lesson_unmarked"]
    engine.reply_lost("console", "ann", lost)
    [again] = say("again", at=MON)
    assert isinstance(again, LessonMessage) and again.lesson.title == "One" and again.done
    resent, unmarked = say("lesson", at=MON)
    assert isinstance(resent, LessonMessage) and resent.lesson.title == "Two"
    assert isinstance(unmarked, Notice) and unmarked.code is NoticeCode.LESSON_UNMARKED
    assert unmarked.title == "One"


def test_done_after_a_lesson_taken_back_counts_the_one_before(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    say("lesson", at=MON)  # One
    engine.reply_lost("console", "ann", say("lesson", at=MON))  # Two never arrived
    [read, *_] = say("done", at=MON)
    assert isinstance(read, LessonRead) and read.title == "One"


def test_the_only_lesson_taken_back_leaves_no_last_lesson(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    engine.reply_lost("console", "ann", say("lesson", at=MON))
    assert say("again", at=MON) == [Notice(NoticeCode.NOTHING_TO_REPEAT)]
    assert say("done", at=MON) == [Notice(NoticeCode.NOTHING_TO_MARK)]


def test_reload_says_which_broken_files_are_still_served_and_which_are_not(
        say: Say, lessons: Path) -> None:
    """On Slack or Telegram the chat is a trainer's only window: the errors had come without
    whether learners still got the lesson."""
    say("hi")
    assert kinds(say("reload")) == ["notice:trainers_only"]
    say("hi", user="boss")
    (lessons / "basics/two.md").write_text("---\ntitle: [Two\n---\nBody.\n", encoding="utf-8")
    (lessons / "new.md").write_text("# New\n\n## Quiz\n\n### Which?\n- [ ] a\n- [ ] b\n",
                                    encoding="utf-8")
    [reloaded] = say("reload", user="boss")
    assert isinstance(reloaded, Reloaded)
    assert reloaded.kept == ("basics/two.md",) and reloaded.unserved == ("new.md",)
    assert [problem.split(":")[0] for problem in reloaded.problems] == ["basics/two.md",
                                                                        "new.md"]
    # An error between files (two lessons with one order) leaves both served as they are.
    (lessons / "new.md").unlink()
    (lessons / "basics/two.md").write_text("---\ntitle: Two\ntrack: basics\norder: 1\n---\n"
                                          "Body.\n", encoding="utf-8")
    [reloaded] = say("reload", user="boss")
    assert isinstance(reloaded, Reloaded) and reloaded.problems
    assert reloaded.kept == () and reloaded.unserved == ()
