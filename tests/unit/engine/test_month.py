"""A month for learners in three time zones, across a DST change and weekends, on a fake clock."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from bot.engine import calendar
from bot.engine.engine import Engine
from bot.messages import Inbound, LessonMessage, Platform, QuestionMessage
from storage import Database, upgrade
from storage.repositories import Cards, Learners, Progress, Streaks
from tests.conftest import SAMPLE
from tests.unit.engine.conftest import deliver

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo"]  # DST: Mar 29, Mar 8, none
START = date(2026, 3, 2)  # a Monday


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    folder = tmp_path_factory.mktemp("month")
    database = Database(f"sqlite:///{Path(folder) / 'month.db'}")
    upgrade(database)
    catalog = Catalog(SAMPLE)
    catalog.load()
    engine = Engine(database, catalog)
    log: dict[str, dict[str, object]] = {}
    for zone_name in ZONES:
        zone = calendar.zone(zone_name)
        first = calendar.at_local(START, "08:00", zone)
        engine.handle(Inbound(Platform.TELEGRAM, zone_name, zone_name, text="start",
                              time_zone=zone_name), first)
        with database.session() as session:
            learner = Learners(session).find("telegram", zone_name)
        assert learner is not None
        lessons: list[date] = []
        asked: list[date] = []
        lesson_hours: set[int] = set()
        for offset in range(31):
            day = START + timedelta(days=offset)
            if not calendar.is_workday(day, learner.workdays):
                continue  # the scheduler's part (issue #4): nothing is sent on a day off
            at_nine = calendar.at_local(day, learner.lesson_time, zone)
            lesson_hours.add(at_nine.astimezone(zone).hour)
            said = deliver(engine, learner.id, "lesson", at_nine)
            while (check := [m for m in said if isinstance(m, QuestionMessage)
                             and m.check == "pre"]):
                # A checked track's baseline comes first: answered, it brings the lesson.
                said = engine.handle(Inbound(Platform.TELEGRAM, zone_name, zone_name,
                                             answer=check[0].buttons[0].value), at_nine)
            pushed = [m for m in said if isinstance(m, LessonMessage)]
            if pushed:
                lessons.append(day)
                engine.handle(Inbound(Platform.TELEGRAM, zone_name, zone_name,
                                      answer=pushed[0].done), at_nine + timedelta(minutes=5))
            at_three = calendar.at_local(day, learner.quiz_time, zone)
            messages = [m for m in deliver(engine, learner.id, "quiz", at_three)
                        if isinstance(m, QuestionMessage)]
            while messages:
                asked.append(day)
                right = messages[0].question.correct_indexes[0]
                messages = [m for m in engine.handle(
                    Inbound(Platform.TELEGRAM, zone_name, zone_name,
                            answer=messages[0].buttons[right].value), at_three)
                    if isinstance(m, QuestionMessage)]
        with database.session() as session:
            first_asks = {card.lesson_id for card in Cards(session).all(learner.id)
                          if card.reviews == 0}
            log[zone_name] = {
                "never_asked": first_asks,
                "lessons": lessons, "asked": asked, "hours": lesson_hours,
                "streak": Streaks(session).get(learner.id),
                "read": {receipt.lesson_id for receipt in Progress(session).history(learner.id)
                         if receipt.read_at is not None},
                "due": [card.due_at for card in Cards(session).due(
                    learner.id, calendar.at_local(START + timedelta(days=400), "00:00", zone),
                    1000)],
            }
    database.dispose()
    return log


@pytest.mark.parametrize("zone_name", ZONES)
def test_lessons_come_every_workday_at_nine_local_across_dst(
    month: dict[str, dict[str, object]], zone_name: str
) -> None:
    lessons = month[zone_name]["lessons"]
    assert isinstance(lessons, list)
    workdays = [START + timedelta(days=n) for n in range(31)
                if (START + timedelta(days=n)).weekday() < 5]
    assert lessons == workdays  # one lesson each workday (23 of the 28 sample lessons)
    read = month[zone_name]["read"]
    assert isinstance(read, set) and len(read) == 23  # each read with "Got it"
    assert month[zone_name]["hours"] == {9}  # 09:00 local before and after the DST change


@pytest.mark.parametrize("zone_name", ZONES)
def test_reviews_only_on_workdays_and_never_the_day_of_the_lesson(
    month: dict[str, dict[str, object]], zone_name: str
) -> None:
    asked = month[zone_name]["asked"]
    assert isinstance(asked, list) and asked
    assert min(asked) == START + timedelta(days=1)  # never on the day of the first lesson
    per_day = {day: asked.count(day) for day in asked}
    assert max(per_day.values()) == 5  # the daily budget of five pushed questions holds


@pytest.mark.parametrize("zone_name", ZONES)
def test_streak_counts_every_workday_and_review_times_are_local_midnight(
    month: dict[str, dict[str, object]], zone_name: str
) -> None:
    streak = month[zone_name]["streak"]
    assert getattr(streak, "current", None) == 23  # every workday Mar 2 - Apr 1: weekends skip
    zone = calendar.zone(zone_name)
    due = month[zone_name]["due"]
    assert isinstance(due, list) and due
    local = [moment.astimezone(zone) for moment in due]
    assert {moment.hour for moment in local} == {0}  # from the start of the learner's day...
    assert all(moment.weekday() < 5 for moment in local)  # ...and only on workdays


@pytest.mark.parametrize("zone_name", ZONES)
def test_every_question_gets_a_first_ask_within_the_budget(
    month: dict[str, dict[str, object]], zone_name: str
) -> None:
    lessons = month[zone_name]["lessons"]
    never = month[zone_name]["never_asked"]
    assert isinstance(lessons, list) and isinstance(never, set)
    # New questions come before reviews: only the last days' lessons may still wait.
    assert len(never) <= 3
