"""When each learner's next lesson and quiz are due: local hours, workdays, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.engine import calendar
from bot.engine.engine import Engine
from storage import Database
from storage.repositories import Learners
from tests.unit.engine.conftest import Say

WEEK = calendar.DAYS[:5]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Berlin, the clocks go forward on Sunday 29 March 2026: 09:00 stays 09:00 local.
        (datetime(2026, 3, 27, 7, 59, tzinfo=UTC), datetime(2026, 3, 27, 8, 0, tzinfo=UTC)),
        (datetime(2026, 3, 27, 8, 0, tzinfo=UTC), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
        # Back again on Sunday 25 October.
        (datetime(2026, 10, 23, 8, 0, tzinfo=UTC), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
    ],
)
def test_next_lesson_keeps_local_hours_across_dst_and_skips_weekends(
    after: datetime, expected: datetime
) -> None:
    assert calendar.next_at(after, "09:00", WEEK, calendar.zone("Europe/Berlin")) == expected


def test_a_time_that_does_not_exist_on_the_day_the_clocks_change_still_comes() -> None:
    zone = calendar.zone("Europe/Berlin")
    saturday = datetime(2026, 3, 28, 12, tzinfo=UTC)
    moment = calendar.next_at(saturday, "02:30", calendar.DAYS, zone)
    assert moment.astimezone(zone).date().isoformat() == "2026-03-29"


def test_no_workday_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        calendar.next_at(datetime(2026, 3, 2, tzinfo=UTC), "09:00", ("xyz",),
                         calendar.zone("UTC"))


def test_enrolment_and_setting_changes_plan_the_next_deliveries(
    say: Say, engine: Engine
) -> None:
    monday = datetime(2026, 3, 2, 10, tzinfo=UTC)
    say("hi", at=monday)
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
    assert learner is not None
    assert learner.next_lesson_at == datetime(2026, 3, 3, 9, tzinfo=UTC)  # 09:00 passed today
    assert learner.next_quiz_at == datetime(2026, 3, 2, 15, tzinfo=UTC)
    say("timezone America/New_York", at=monday)
    say("time 07:45", at=monday)
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        assert learner.next_lesson_at == datetime(2026, 3, 2, 12, 45, tzinfo=UTC)
        due = Learners(session).due("lesson", monday + timedelta(hours=3), 10)
        assert due == [learner.id]
        assert Learners(session).due("lesson", monday, 10) == []


def test_paused_and_stopped_learners_are_never_due(say: Say, engine: Engine) -> None:
    monday = datetime(2026, 3, 2, 10, tzinfo=UTC)
    say("hi", at=monday, user="ann")
    say("hi", at=monday, user="bob")
    say("pause", at=monday, user="ann")
    later = monday + timedelta(days=2)
    with engine.store.session() as session:
        bob = Learners(session).find("console", "bob")
        assert bob is not None
        assert Learners(session).due("lesson", later, 10) == [bob.id]
    say("stop", at=monday, user="bob")
    with engine.store.session() as session:
        assert Learners(session).due("lesson", later, 10) == []


def test_me_says_what_quiz_does_after_a_holiday_across_a_clock_change(
        database: Database) -> None:
    """A reviewer's learner in New York went away on Thursday and came back on the Monday
    after the clock change: `me` said 9 reviews due today, `quiz` that none was due (their
    day had come, but asked 23 hours after the holiday's shifted last review, none was worth
    asking yet). `me` now counts what `quiz` would ask, and the rest as coming next."""
    from bot.content.catalog import Catalog
    from bot.engine.turn import EngineSettings
    from bot.messages import Inbound, NothingDue, Platform, Profile, QuestionMessage
    from tests.conftest import SAMPLE

    catalog = Catalog(SAMPLE)
    catalog.load()
    engine = Engine(database, catalog, EngineSettings())

    def say(text: str, at: datetime) -> list[object]:
        return list(engine.handle(Inbound(Platform.CONSOLE, "ann", "ann", text=text,
                                          time_zone="America/New_York"), at))
    monday = datetime(2026, 3, 2, 14, tzinfo=UTC)
    say("hi", monday)
    for day in range(3):
        at = monday + timedelta(days=day)
        say("lesson", at)
        say("done", at)
        out = say("quiz", at + timedelta(hours=5))
        while any(isinstance(m, QuestionMessage) for m in out):
            out = say("2", at + timedelta(hours=5))
    say("I'm going on vacation", monday + timedelta(days=3))
    back = monday + timedelta(days=7, hours=1)
    say("I'm back", back)
    [me] = [m for m in say("me", back) if isinstance(m, Profile)]
    asked = say("quiz", back)
    assert [type(m) for m in asked] == [NothingDue]  # FSRS: too early to ask any
    with engine.store.unit() as unit:
        learner = unit.learners.find("console", "ann")
        assert learner is not None
        cards = unit.cards.all(learner.id)
    assert all(card.due_at <= back for card in cards)  # ... though their day has come
    assert (me.due_today, me.due_tomorrow) == (0, len(cards))


def test_a_push_does_not_show_again_a_question_asked_a_moment_ago(
        say: Say, engine: Engine) -> None:
    """After `stop`, answering the open question asked the next; `start` then caught up with
    the day's quiz, which showed that same question again, a second earlier on the screen.
    The push takes it into today's set without showing it twice; later, it shows it."""
    from bot.messages import QuestionMessage
    from tests.unit.engine.conftest import deliver, learner_of, read_lesson

    monday = datetime(2026, 3, 2, 9, tzinfo=UTC)
    read_lesson(say, monday)
    tuesday = monday + timedelta(days=1)
    assert any(isinstance(m, QuestionMessage) for m in say("quiz", at=tuesday))
    learner_id = learner_of(engine).id
    soon = deliver(engine, learner_id, "quiz", tuesday + timedelta(minutes=1))
    assert not any(isinstance(m, QuestionMessage) for m in soon)
    with engine.store.unit() as unit:
        ask = unit.asks.latest_open(learner_id)
        assert ask is not None and ask.pushed  # counted in today's set, and reminded of
    wednesday = tuesday + timedelta(days=1)
    later = deliver(engine, learner_id, "quiz", wednesday)
    assert [m.ask_id for m in later if isinstance(m, QuestionMessage)] == [ask.id]
