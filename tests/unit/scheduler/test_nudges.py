"""Reminders: one a day, only when the day's pushed question still waits, only in waking
hours, never on holiday, and never to a learner who turned them off."""

from __future__ import annotations

from datetime import timedelta

from bot.messages import Kind, Notice, NoticeCode, QuestionMessage, Reminder, SettingsSaved
from tests.unit.scheduler.conftest import MONDAY, Bot

TUESDAY = MONDAY + timedelta(days=1)


async def monday_lesson_then_tuesday_quiz(bot: Bot, user: str = "ann") -> None:
    bot.enrol(user)
    await bot.tick(MONDAY.replace(hour=9))
    await bot.tick(TUESDAY.replace(hour=9))
    await bot.tick(TUESDAY.replace(hour=15))
    assert bot.adapter.kinds()[-1] == "question"


def codes(bot: Bot) -> list[str]:
    return [m.code.value if isinstance(m, Notice) else
            "nudge" if isinstance(m, Reminder) else m.kind.value
            for d in bot.adapter.delivered for m in d.messages
            if isinstance(m, Notice | QuestionMessage | Reminder)]


async def test_an_unanswered_quiz_gets_one_reminder_after_three_hours(bot: Bot) -> None:
    await monday_lesson_then_tuesday_quiz(bot)
    await bot.tick(TUESDAY.replace(hour=17, minute=59))
    assert bot.adapter.kinds()[-1] == "question"
    found, result = await bot.tick(TUESDAY.replace(hour=18))
    assert (found.pending, result.sent) == (1, 1)
    notice, question = bot.adapter.delivered[-1].messages
    assert [notice.kind, question.kind] == [Kind.REMINDER, Kind.QUESTION]
    assert notice == Reminder(3)  # the day's set: this one and two more
    # the same open question, with buttons that answer it
    asked = bot.adapter.delivered[-2].messages[0]
    assert isinstance(question, QuestionMessage) and isinstance(asked, QuestionMessage)
    assert question.ask_id == asked.ask_id
    sent = len(bot.adapter.delivered)
    for hour in (19, 20, 21):
        await bot.tick(TUESDAY.replace(hour=hour))
    assert len(bot.adapter.delivered) == sent  # one reminder a day


async def test_an_answered_quiz_gets_no_reminder(bot: Bot) -> None:
    await monday_lesson_then_tuesday_quiz(bot)
    question = bot.adapter.delivered[-1].messages[0]
    bot.say("ann", answer=question.buttons[0].value)
    replies = bot.say("ann", "2")  # and the next one, typed
    assert replies
    for follow_up in range(5):  # answer whatever else is open
        open_questions = [m for m in bot.say("ann", "quiz") if isinstance(m, QuestionMessage)]
        if not open_questions:
            break
        bot.say("ann", answer=open_questions[0].buttons[0].value)
        assert follow_up < 4
    found, _ = await bot.tick(TUESDAY.replace(hour=18))
    assert found.pending == 0 and "nudge" not in codes(bot)


async def test_no_reminder_for_a_learner_who_turned_them_off(bot: Bot) -> None:
    await monday_lesson_then_tuesday_quiz(bot)
    assert bot.say("ann", "nudges off")[0] == Notice(NoticeCode.NUDGES_OFF)
    await bot.tick(TUESDAY.replace(hour=18))
    assert "nudge" not in codes(bot)
    assert bot.say("ann", "nudges on")[0] == Notice(NoticeCode.NUDGES_ON)
    assert bot.learner("ann").nudges


async def test_no_reminder_on_holiday(bot: Bot) -> None:
    await monday_lesson_then_tuesday_quiz(bot)
    bot.clock.set(TUESDAY.replace(hour=16))
    bot.say("ann", "pause")
    await bot.tick(TUESDAY.replace(hour=18))
    assert "nudge" not in codes(bot)


async def test_no_reminder_outside_waking_hours(bot: Bot) -> None:
    bot.enrol("ann")
    bot.say("ann", "time quiz 18:30")  # 18:30 + 3 h is 21:30: past 20:00
    await bot.tick(MONDAY.replace(hour=9))
    await bot.tick(TUESDAY.replace(hour=18, minute=30))
    assert bot.adapter.kinds()[-1] == "question"
    await bot.tick(TUESDAY.replace(hour=21, minute=30))
    await bot.tick(TUESDAY.replace(hour=23))
    assert "nudge" not in codes(bot)
    assert bot.learner("ann").next_nudge_at is None


async def test_an_early_quiz_is_reminded_when_the_learner_wakes(bot: Bot) -> None:
    bot.enrol("ann")
    bot.say("ann", "time quiz 04:00")
    await bot.tick(MONDAY.replace(hour=9))
    await bot.tick(TUESDAY.replace(hour=4))
    assert bot.adapter.kinds()[-1] == "question"
    await bot.tick(TUESDAY.replace(hour=7))  # 3 h later, but not yet 08:00
    assert "nudge" not in codes(bot)
    await bot.tick(TUESDAY.replace(hour=8))
    assert codes(bot).count("nudge") == 1


async def test_a_late_quiz_is_reminded_of_before_the_waking_hours_close(bot: Bot) -> None:
    """A 17:00 quiz's reminder at 20:00 fell outside the waking hours (08:00-20:00) and never
    came, while `nudges` said reminders were on."""
    bot.enrol("ann")
    bot.say("ann", "time quiz 17:00")
    await bot.tick(MONDAY.replace(hour=9))
    await bot.tick(TUESDAY.replace(hour=9))
    await bot.tick(TUESDAY.replace(hour=17))
    assert bot.adapter.kinds()[-1] == "question"
    await bot.tick(TUESDAY.replace(hour=19, minute=29))
    assert "nudge" not in codes(bot)
    found, result = await bot.tick(TUESDAY.replace(hour=19, minute=30))
    assert (found.pending, result.sent) == (1, 1) and codes(bot).count("nudge") == 1


async def test_a_quiz_too_late_for_a_reminder_gets_none(bot: Bot) -> None:
    bot.enrol("ann")
    [saved] = bot.say("ann", "time quiz 19:00")
    assert isinstance(saved, SettingsSaved) and saved.reminders_close == "19:30"
    [fits] = bot.say("ann", "time quiz 18:30")
    assert isinstance(fits, SettingsSaved) and fits.reminders_close is None
    bot.say("ann", "time quiz 19:00")
    await bot.tick(MONDAY.replace(hour=9))
    await bot.tick(TUESDAY.replace(hour=9))
    await bot.tick(TUESDAY.replace(hour=19))
    assert bot.adapter.kinds()[-1] == "question"
    for hour, minute in ((19, 30), (19, 59), (22, 0)):
        await bot.tick(TUESDAY.replace(hour=hour, minute=minute))
    assert "nudge" not in codes(bot)
