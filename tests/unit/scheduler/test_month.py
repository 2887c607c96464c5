"""A month of scheduled deliveries on a fake clock, for learners in Berlin, New York and Tokyo,
across both DST changes of March 2026 and four weekends: every lesson at 09:00 local and every
review at 15:00 local, on workdays only, each sent once."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from bot.engine import calendar
from bot.messages import CheckIntro, Kind, QuestionMessage
from tests.unit.scheduler.conftest import MONDAY, Bot

ZONES = {"ber": "Europe/Berlin", "nyc": "America/New_York", "tyo": "Asia/Tokyo"}
START = MONDAY  # 2 March 2026; New York springs forward on 8 March, Berlin on 29 March,
END = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)  # Tokyo never
TICK = 60  # seconds, as in production


def next_tick(bot: Bot) -> datetime:
    """The first scheduler tick at or after the earliest due time (ticks are on the minute)."""
    with bot.database.unit() as unit:
        learners = [unit.learners.find("telegram", user) for user in ZONES]
    due = [moment for learner in learners if learner is not None
           for moment in (learner.next_lesson_at, learner.next_quiz_at, learner.next_nudge_at)
           if moment is not None]
    earliest = max(min(due), bot.clock.now() + timedelta(seconds=1))
    seconds = math.ceil(earliest.timestamp() / TICK) * TICK
    return datetime.fromtimestamp(seconds, UTC)


async def test_a_month_across_dst_in_three_time_zones(bot: Bot) -> None:
    for user, zone in ZONES.items():
        bot.enrol(user, zone)
    answered = 0
    while (moment := next_tick(bot)) < END:
        before = len(bot.adapter.delivered)
        await bot.tick(moment)
        for delivery in bot.adapter.delivered[before:]:
            for message in delivery.messages:  # learners answer at once, always right
                if isinstance(message, QuestionMessage):
                    replies = bot.say(delivery.recipient.user_id,
                                      answer=message.buttons[
                                          message.question.correct_indexes[0]].value)
                    answered += 1
                    while (follow := [m for m in replies if isinstance(m, QuestionMessage)]):
                        replies = bot.say(delivery.recipient.user_id, answer=follow[0].buttons[
                            follow[0].question.correct_indexes[0]].value)
                        answered += 1
    workdays = [day for day in (date(2026, 3, 2) + timedelta(days=n) for n in range(31))
                if day.weekday() < 5]
    for user, zone_name in ZONES.items():
        zone = calendar.zone(zone_name)
        mine = [d for d in bot.adapter.delivered if d.recipient.user_id == user]
        # A lesson push opens with a checked track's baseline before its first lesson, and a
        # quiz push with a track's endline days after its last.
        lessons = [d.at.astimezone(zone) for d in mine if d.messages[0].kind is Kind.LESSON
                   or (isinstance(d.messages[0], CheckIntro) and d.messages[0].phase == "pre")]
        quizzes = [d.at.astimezone(zone) for d in mine if d.messages[0].kind is Kind.QUESTION
                   or (isinstance(d.messages[0], CheckIntro) and d.messages[0].phase == "post")]
        assert [moment.date() for moment in lessons] == [
            day for day in workdays
            if START < calendar.at_local(day, "09:00", zone) < END], f"{user} lesson days"
        assert {(moment.hour, moment.minute) for moment in lessons} == {(9, 0)}, user
        assert quizzes, user
        assert {(moment.hour, moment.minute) for moment in quizzes} == {(15, 0)}, user
        assert all(moment.weekday() < 5 for moment in quizzes), user
        # reviews start the workday after the first lesson, then follow FSRS
        assert quizzes[0].date() > lessons[0].date()
        assert len(set(moment.date() for moment in quizzes)) == len(quizzes), "one quiz a day"
    assert answered > 30
    assert set(bot.rows()) <= {"sent", "skipped"}  # nothing missed, failed or left behind
