"""When each learner's next lesson and quiz are due: local hours, workdays, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.engine import calendar
from bot.engine.engine import Engine
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
