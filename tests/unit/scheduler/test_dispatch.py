"""The outbox end to end on a fake clock: due rows written once, sent once, retried, missed,
given up, taken over from a dead worker, and given back at shutdown."""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.content.catalog import Catalog
from bot.errors import DeliveryError, RateLimited, RecipientUnreachable, TemporaryDeliveryError
from bot.messages import Feedback, Inbound, LessonMessage, Platform, QuestionMessage
from scheduler.dispatch import Dispatcher, DispatchResult
from storage import Database
from storage.records import DeliveryKind, PollRecord
from tests.conftest import SAMPLE
from tests.fakes.harness import make_bot
from tests.fakes.recording import RecordingAdapter
from tests.unit.scheduler.conftest import MONDAY, Bot

NINE = MONDAY.replace(hour=9)


async def test_lesson_goes_at_the_learners_hour_and_is_marked_sent(bot: Bot) -> None:
    ann = bot.enrol("ann")
    await bot.tick(NINE - timedelta(minutes=1))
    assert bot.adapter.delivered == []
    found, result = await bot.tick(NINE)
    assert (found.pending, result.sent) == (1, 1)
    [delivered] = bot.adapter.delivered
    assert delivered.recipient.learner_id == ann.id
    assert delivered.recipient.chat_id == "chat-ann"
    lesson = delivered.messages[0]
    assert isinstance(lesson, LessonMessage)
    with bot.database.unit() as unit:
        row = unit.deliveries.get(ann.id, "lesson", NINE.date())
    assert row is not None and row.status == "sent" and row.platform_message_id == "m1"
    assert row.lesson_id == lesson.lesson.id
    assert bot.learner("ann").next_lesson_at == NINE + timedelta(days=1)


async def test_a_sent_row_is_never_sent_again(bot: Bot) -> None:
    bot.enrol("ann")
    for minute in range(0, 60, 5):
        await bot.tick(NINE + timedelta(minutes=minute))
    assert bot.adapter.kinds() == ["lesson"]
    assert bot.rows() == {"sent": 1}


async def test_concurrent_scans_write_one_row(bot: Bot) -> None:
    bot.enrol("ann")
    bot.clock.set(NINE)
    results = await asyncio.gather(*[asyncio.to_thread(bot.scan.run, NINE) for _ in range(4)])
    assert sum(result.pending for result in results) == 1
    await bot.dispatcher.dispatch()
    assert bot.adapter.kinds() == ["lesson"]


async def test_nothing_on_a_day_off(bot: Bot) -> None:
    bot.enrol("ann")
    saturday = NINE + timedelta(days=5)
    bot.clock.set(saturday - timedelta(hours=1))
    bot.say("ann", "days mon-fri")  # plans from Saturday: next lesson on Monday
    await bot.tick(saturday + timedelta(hours=8))
    await bot.tick(saturday + timedelta(days=1, hours=8))
    assert bot.adapter.delivered == []
    await bot.tick(saturday + timedelta(days=2))
    assert bot.adapter.kinds() == ["lesson"]


async def test_a_late_row_still_goes_the_same_local_day(bot: Bot) -> None:
    bot.enrol("ann")
    _, result = await bot.tick(MONDAY.replace(hour=20))  # the bot was down all day
    assert result.sent == 1 and bot.adapter.kinds() == ["lesson"]


async def test_a_row_whose_local_day_ended_is_missed_not_sent(bot: Bot) -> None:
    ann = bot.enrol("ann", "America/New_York")  # 09:00 New York is 14:00 UTC
    tuesday_morning = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)  # 08:00 in New York
    found, result = await bot.tick(tuesday_morning)
    assert found.missed == 2 and found.pending == 0  # Monday's lesson and quiz
    assert bot.adapter.delivered == [] and result.sent == 0
    with bot.database.unit() as unit:
        monday = unit.deliveries.get(ann.id, "lesson", datetime(2026, 3, 2).date())
    assert monday is not None and monday.status == "missed"
    await bot.tick(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))
    assert bot.adapter.kinds() == ["lesson"]


async def test_a_pending_row_left_past_midnight_is_missed(bot: Bot) -> None:
    bot.enrol("ann")
    bot.clock.set(NINE)
    bot.scan.run(NINE)  # written, then the process stopped before sending
    bot.clock.set(NINE + timedelta(days=1, hours=-8))  # 01:00 the next day
    result = await bot.dispatcher.dispatch()
    assert (result.sent, result.missed) == (0, 1)


async def test_429_waits_the_platforms_retry_after_then_sends_once(bot: Bot) -> None:
    bot.enrol("ann")
    bot.adapter.failures.append(RateLimited("Too Many Requests: retry after 7", 7))
    _, result = await bot.tick(NINE)
    assert (result.sent, result.retried) == (0, 1)
    # the sender paused the whole platform, not just this row
    assert bot.adapter.pacer.paused_for > 6
    bot.adapter.pacer._paused_until = 0  # the test does not sleep 7 real seconds
    _, result = await bot.tick(NINE + timedelta(seconds=6))
    assert result.sent == 0  # not before retry-after
    _, result = await bot.tick(NINE + timedelta(seconds=7))
    assert result.sent == 1 and bot.adapter.kinds() == ["lesson"]


async def test_5xx_and_time_outs_retry_with_growing_backoff_then_deliver(bot: Bot) -> None:
    ann = bot.enrol("ann")
    bot.adapter.failures.extend([TemporaryDeliveryError("500 Internal Server Error"),
                                 TemporaryDeliveryError("timed out")])
    await bot.tick(NINE)
    with bot.database.unit() as unit:
        first = unit.deliveries.get(ann.id, "lesson", NINE.date())
    assert first is not None and first.status == "pending" and first.attempts == 1
    assert NINE + timedelta(seconds=1) <= first.due_at <= NINE + timedelta(seconds=2)
    await bot.tick(first.due_at)
    with bot.database.unit() as unit:
        second = unit.deliveries.get(ann.id, "lesson", NINE.date())
    assert second is not None and second.attempts == 2
    assert timedelta(seconds=2) <= second.due_at - first.due_at <= timedelta(seconds=4)
    await bot.tick(second.due_at)
    assert bot.adapter.kinds() == ["lesson"]


async def test_a_platform_outage_is_tried_until_the_learners_day_ends(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """Eight tries, 2 s to 4 min apart, had given the day's lesson up a few minutes into a
    platform's outage: every learner lost it, and nothing went once the platform was back."""
    caplog.set_level(logging.INFO, "scheduler.dispatch")
    bot.enrol("ann")
    bot.adapter.failures.extend(TemporaryDeliveryError("502") for _ in range(6))
    moment = NINE
    for _ in range(6):  # three hours of outage, more tries than max_attempts (4 here)
        await bot.tick(moment)
        moment += timedelta(minutes=30)
    assert bot.rows() == {"pending": 1} and not bot.adapter.failures
    assert [r.levelname for r in caplog.records if "send failed for now" in r.getMessage()] \
        == ["WARNING"] + ["INFO"] * 5  # said once, not a line per try
    await bot.tick(moment)  # the platform is back: the lesson goes
    assert bot.adapter.kinds() == ["lesson"] and bot.rows() == {"sent": 1}


async def test_an_outage_past_the_learners_day_misses_that_days_lesson(bot: Bot) -> None:
    bot.enrol("ann")
    bot.adapter.failures.extend(TemporaryDeliveryError("502") for _ in range(100))
    moment = NINE
    while moment < NINE + timedelta(days=1):
        await bot.tick(moment)
        moment += timedelta(hours=2)
    with bot.database.unit() as unit:
        lesson = unit.deliveries.get(bot.learner("ann").id, "lesson", NINE.date())
    assert lesson is not None and lesson.status == "missed"


async def test_rate_limits_are_not_tries(bot: Bot) -> None:
    bot.enrol("ann")
    bot.adapter.failures.extend(RateLimited("Too Many Requests: retry after 1", 1) for _ in range(10))
    moment = NINE
    for _ in range(10):
        await bot.tick(moment)
        moment += timedelta(seconds=2)
    await bot.tick(moment)
    assert bot.adapter.kinds() == ["lesson"]
    with bot.database.unit() as unit:
        lesson = unit.deliveries.get(bot.learner("ann").id, "lesson", NINE.date())
    assert lesson is not None and lesson.attempts == 1  # the try that went; the 429s none


async def test_a_delivery_whose_sending_keeps_crashing_is_given_up(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    bot.enrol("ann")
    bot.adapter.failures.extend(RuntimeError("adapter bug") for _ in range(10))
    moment = NINE
    for _ in range(6):
        await bot.tick(moment)
        moment += timedelta(minutes=30)
    assert bot.rows() == {"failed": 1}  # max_attempts = 4 in these tests
    assert bot.adapter.delivered == []
    assert len(bot.adapter.failures) == 6
    [given_up] = [record for record in caplog.records if record.levelname == "ERROR"
                  and record.getMessage().startswith("gave up")]
    assert given_up.getMessage().startswith("gave up on delivery 1 (lesson of 2026-")
    assert "after 4 tries: RuntimeError('adapter bug')" in given_up.getMessage()


async def test_a_blocked_learner_is_paused_until_they_write_again(bot: Bot) -> None:
    bot.enrol("ann")
    bot.enrol("bob")
    bot.adapter.failures.append(RecipientUnreachable("Forbidden: bot was blocked by the user"))
    _, result = await bot.tick(NINE)
    assert result.failed == 1 and result.sent == 1  # the other learner still got a lesson
    [reached] = [d.recipient.user_id for d in bot.adapter.delivered]
    stuck = "bob" if reached == "ann" else "ann"
    assert "blocked" in (bot.learner(stuck).unreachable or "")
    await bot.tick(NINE + timedelta(days=1))
    assert [d.recipient.user_id for d in bot.adapter.delivered] == [reached, reached]
    bot.say(stuck, "hello again")
    assert bot.learner(stuck).unreachable is None
    await bot.tick(NINE + timedelta(days=2))
    assert bot.adapter.delivered[-1].recipient.user_id in (stuck, reached)
    assert stuck in [d.recipient.user_id for d in bot.adapter.delivered]


async def test_a_permanent_refusal_fails_the_row_without_pausing(bot: Bot) -> None:
    bot.enrol("ann")
    bot.adapter.failures.append(DeliveryError("Bad Request: message is too long"))
    _, result = await bot.tick(NINE)
    assert result.failed == 1 and bot.learner("ann").unreachable is None


async def test_one_learners_failure_never_stops_the_others(bot: Bot,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ann = bot.enrol("ann")
    for name in ("bob", "cid"):
        bot.enrol(name)
    compose = bot.engine.compose

    def broken(unit, delivery, now, learner=None):  # type: ignore[no-untyped-def]
        if delivery.learner_id == ann.id:
            raise RuntimeError("a bug for one learner")
        return compose(unit, delivery, now, learner)

    monkeypatch.setattr(bot.engine, "compose", broken)
    _, result = await bot.tick(NINE)
    assert result.sent == 2 and result.retried == 1
    assert sorted(d.recipient.user_id for d in bot.adapter.delivered) == ["bob", "cid"]


async def test_rows_of_a_crashed_worker_are_taken_over_and_carry_the_same_lesson(
        bot: Bot) -> None:
    ann = bot.enrol("ann")
    bot.clock.set(NINE)
    bot.scan.run(NINE)
    dead = Dispatcher(bot.database, bot.engine, {Platform.TELEGRAM: bot.adapter}, bot.clock,
                      bot.dispatcher.settings)
    with bot.database.unit() as unit:  # a process on another machine: no pid check
        unit.workers.register(dead.worker_id, "elsewhere", 1, NINE)
    claimed, jobs = dead._claim(DispatchResult(), 10)  # claimed and composed, never sent
    assert claimed == 1
    chosen = lesson_id(jobs[0].messages[0])
    assert (await bot.dispatcher.dispatch()).sent == 0  # still claimed by the dead worker
    bot.clock.set(NINE + timedelta(seconds=59))
    bot.dispatcher.heartbeat()
    assert bot.dispatcher.reap() == 0  # not silent for long enough
    bot.clock.set(NINE + timedelta(seconds=61))
    bot.dispatcher.heartbeat()
    assert bot.dispatcher.reap() == 1
    assert (await bot.dispatcher.dispatch()).sent == 1
    assert lesson_id(bot.adapter.delivered[0].messages[0]) == chosen
    # It may have gone out before the worker died: a retry (Slack looks in the DM first).
    assert bot.adapter.delivered[0].recipient.retry
    with bot.database.unit() as unit:
        assert unit.deliveries.get(ann.id, "lesson", NINE.date()).lesson_id == chosen  # type: ignore[union-attr]


async def test_after_an_outage_no_worker_is_judged_dead_before_it_could_beat(
        bot: Bot) -> None:
    """The database was down for all: another worker's silence over the outage is no death
    until this one has reached the database for half a time-out (its heartbeat comes)."""
    bot.enrol("ann")
    bot.clock.set(NINE)
    bot.scan.run(NINE)
    other = Dispatcher(bot.database, bot.engine, {Platform.TELEGRAM: bot.adapter}, bot.clock,
                       bot.dispatcher.settings)
    with bot.database.unit() as unit:
        unit.workers.register(other.worker_id, "elsewhere", 1, NINE)
    other._claim(DispatchResult(), 10)

    class Down:
        def unit(self) -> None:
            raise OSError("the database is down")

    database = bot.dispatcher.database
    bot.dispatcher.database = Down()  # type: ignore[assignment]
    with pytest.raises(OSError):
        bot.dispatcher.heartbeat()
    bot.dispatcher.database = database
    bot.clock.set(NINE + timedelta(seconds=61))  # back: the other is silent for 61 s
    bot.dispatcher.heartbeat()
    assert bot.dispatcher.reap() == 0  # it may beat any moment now
    bot.clock.set(NINE + timedelta(seconds=91))  # half a time-out later, still silent: dead
    bot.dispatcher.heartbeat()
    assert bot.dispatcher.reap() == 1


async def _waiting_send(bot: Bot) -> asyncio.Task[DispatchResult]:
    """A dispatch whose one send waits for its turn of the platform's pace."""
    bot.adapter.gate = asyncio.Event()
    task = asyncio.create_task(bot.dispatcher.dispatch())
    for _ in range(200):
        await asyncio.sleep(0.005)
        if bot.dispatcher._in_flight:
            return task
    raise AssertionError("the send never started")


async def test_a_send_waiting_its_turn_stops_once_its_row_went_to_another_worker(
        bot: Bot) -> None:
    """Taken for dead (a silence longer than the time-out) while a delivery waits for its
    turn: it is not posted, and the worker that took the row over sends it once."""
    bot.enrol("ann")
    bot.clock.set(NINE)
    bot.scan.run(NINE)
    task = await _waiting_send(bot)
    with bot.database.unit() as unit:  # another replica judged this one dead
        assert unit.workers.reap(NINE + timedelta(minutes=5), timedelta(seconds=60)) == 1
    bot.clock.set(NINE + timedelta(minutes=5))
    bot.dispatcher.heartbeat()  # learns it, at its next heartbeat
    assert bot.adapter.gate is not None
    bot.adapter.gate.set()
    bot.adapter.gate = None
    result = await task
    # The waiting send was not posted; the row, back to pending, was claimed again (here by
    # the same worker, registered anew) and went once.
    assert (result.sent, result.lost_claims) == (1, 1)
    assert len(bot.adapter.delivered) == 1 and bot.rows() == {"sent": 1}
    assert bot.adapter.delivered[0].recipient.retry  # a try of unknown outcome


async def test_a_worker_cut_off_from_the_database_stops_posting_after_half_a_timeout(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """Others may take a silent worker for dead after the time-out (60 s): from half of it
    on, a worker whose heartbeat fails posts nothing more, and once the database answers,
    the rows it stopped go out once. The log says the database held them back: nobody took
    them over (it had said "another worker took this delivery over", on two replicas whose
    database was away for 25 s)."""
    bot.enrol("ann")
    bot.enrol("bob")
    bot.clock.set(NINE)
    bot.dispatcher.heartbeat()
    bot.scan.run(NINE)

    class Down:
        def unit(self) -> None:
            raise OSError("the database is down")

    database = bot.dispatcher.database
    bot.dispatcher.database = Down()  # type: ignore[assignment]
    bot.clock.set(NINE + timedelta(seconds=10))
    with pytest.raises(OSError):
        bot.dispatcher.heartbeat()
    bot.dispatcher.database = database
    # A short outage: still this worker's (nobody may take it for dead before 60 s).
    assert all(bot.dispatcher.still_mine(row) for row in (1, 2))
    task = await _waiting_send(bot)
    bot.clock.set(NINE + timedelta(seconds=31))  # no heartbeat for more than 30 s
    assert bot.adapter.gate is not None
    bot.adapter.gate.set()
    caplog.set_level(logging.INFO, logger="scheduler.dispatch")
    result = await task
    assert (result.sent, result.lost_claims, result.held_back) == (0, 0, 2)
    assert str(result) == "2 held back while the database is away"
    assert bot.adapter.delivered == []
    said = [record.getMessage() for record in caplog.records]
    assert not any("another worker" in line for line in said), said
    assert sum("the database is unreachable; it goes once the database answers" in line
               for line in said) == 2, said
    bot.adapter.gate = None
    assert (await bot.dispatcher.dispatch()).sent == 0  # still cut off: claims nothing
    assert bot.rows() == {"claimed": 2}
    bot.clock.set(NINE + timedelta(seconds=40))
    bot.dispatcher.heartbeat()  # back: still alive, and the rows it stopped are given back
    assert bot.rows() == {"pending": 2}
    assert "gave back 2 rows held back while the database was away" in caplog.text
    assert (await bot.dispatcher.dispatch()).sent == 2
    assert sorted(d.recipient.learner_id for d in bot.adapter.delivered) == sorted(
        [bot.learner("ann").id, bot.learner("bob").id])


async def test_a_heartbeat_held_up_by_a_hanging_database_stops_posting_too(
        bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database that hangs rather than refuses holds the heartbeat up on the database
    thread: past half the time-out this worker may be taken for dead, and posts nothing."""
    import threading

    bot.clock.set(NINE)
    bot.dispatcher.heartbeat()
    release = threading.Event()
    beat = bot.dispatcher.heartbeat

    def hanging() -> None:
        release.wait(10)
        beat()

    monkeypatch.setattr(bot.dispatcher, "heartbeat", hanging)
    upkeep = asyncio.create_task(bot.dispatcher.upkeep())
    await asyncio.sleep(0.05)
    bot.clock.set(NINE + timedelta(seconds=20))
    assert bot.dispatcher.still_mine(1)  # a slow heartbeat is no sign yet
    bot.clock.set(NINE + timedelta(seconds=31))
    assert not bot.dispatcher.still_mine(1)
    release.set()
    await upkeep
    assert bot.dispatcher.still_mine(1)  # taken, alive: its rows are its own


async def test_nothing_more_is_posted_while_outcomes_wait_for_the_database(
        bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """A replica cut off alone had gone on posting its claimed rows for half the time-out,
    which the others then took over and sent again."""
    from sqlalchemy.exc import OperationalError

    bot.enrol("ann")
    record = bot.dispatcher._record
    calls: list[int] = []
    seen: list[bool] = []

    def away_once(batch: list[object], result: object) -> None:
        calls.append(len(batch))
        if len(calls) <= 2:  # together, then alone: the database is away
            raise OperationalError("UPDATE", {}, Exception("connection refused"))
        record(batch, result)  # type: ignore[arg-type]

    async def sleep(_: float) -> None:  # the recorder's wait: the outage, seen from a send
        seen.append(bot.dispatcher.still_mine(2))

    monkeypatch.setattr(bot.dispatcher, "_record", away_once)
    monkeypatch.setattr(bot.dispatcher, "_sleep", sleep)
    _, result = await bot.tick(NINE)
    assert result.sent == 1 and seen == [False]  # while it was away, no row was to be sent
    assert bot.dispatcher.still_mine(2)  # back: sending goes on


async def test_a_dead_process_on_this_host_is_taken_over_at_once(bot: Bot) -> None:
    bot.enrol("ann")
    bot.clock.set(NINE)
    bot.scan.run(NINE)
    with bot.database.unit() as unit:
        unit.workers.register("gone", bot.dispatcher.host, 2**22 + 12345, NINE)
    gone = Dispatcher(bot.database, bot.engine, {Platform.TELEGRAM: bot.adapter}, bot.clock)
    gone.worker_id = "gone"
    gone._claim(DispatchResult(), 10)
    assert bot.dispatcher.reap() == 1  # no pid 4206649 here: no need to wait
    assert (await bot.dispatcher.dispatch()).sent == 1
    assert bot.adapter.delivered[0].recipient.retry


async def test_shutdown_gives_back_what_was_not_sent(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    bot.enrol("ann")
    bot.adapter.hang = True
    bot.clock.set(NINE)
    bot.scan.run(NINE)
    task = asyncio.create_task(bot.dispatcher.dispatch())
    for _ in range(1000):  # until the send is under way (slow on a busy machine)
        await asyncio.sleep(0.005)
        if bot.adapter.hung:
            break
    assert bot.rows() == {"claimed": 1} and bot.adapter.hung == 1
    await bot.dispatcher.close(timeout=0.05)
    await task
    assert bot.rows() == {"pending": 1}
    assert "gave back 1 rows at shutdown; 1 sends were cut short and may have" in caplog.text
    with bot.database.unit() as unit:
        assert bot.dispatcher.worker_id not in [w.id for w in unit.workers.all()]
    bot.adapter.hang = False
    successor = bot.dispatcher_for(bot.adapter)
    assert (await successor.dispatch()).sent == 1
    # The send cut short may have gone out: a retry (Slack looks in the DM first).
    assert bot.adapter.delivered[-1].recipient.retry


async def test_shutdown_starts_no_new_send_and_gives_back_those_waiting_untouched(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """Sends still waiting for their turn of the pacer had gone on being posted for the
    whole wait, and every row given back was counted a try "cut short" (a retry each)."""
    caplog.set_level(logging.INFO)
    bot.enrol("ann")
    bot.enrol("bob")
    bot.adapter.gate = asyncio.Event()  # both wait for their turn of the platform's pace
    bot.clock.set(NINE)
    bot.scan.run(NINE)
    task = asyncio.create_task(bot.dispatcher.dispatch())
    for _ in range(1000):
        await asyncio.sleep(0.005)
        if bot.rows() == {"claimed": 2}:
            break
    closing = asyncio.create_task(bot.dispatcher.close(timeout=5))
    await asyncio.sleep(0.01)
    bot.adapter.gate.set()  # their turn comes during the shutdown: neither is started
    await closing
    await task
    assert bot.adapter.delivered == []
    assert bot.rows() == {"pending": 2}
    with bot.database.session() as session:
        assert session.execute(text("SELECT max(attempts) FROM delivery")).scalar() == 0
    assert "cut short" not in caplog.text and "gave back 2 unsent rows" in caplog.text


async def test_a_worker_declared_dead_re_registers(bot: Bot) -> None:
    with bot.database.unit() as unit:
        unit.workers.reap(NINE + timedelta(hours=1), timedelta(seconds=1))
        assert unit.workers.all() == []
    bot.dispatcher.heartbeat()
    with bot.database.unit() as unit:
        assert [w.id for w in unit.workers.all()] == [bot.dispatcher.worker_id]


async def test_only_platforms_this_worker_serves_are_claimed(bot: Bot) -> None:
    bot.enrol("ann")
    slack_only = RecordingAdapter(bot.clock.now, Platform.SLACK)
    other = bot.dispatcher_for(slack_only)
    await bot.tick(NINE)
    assert (await other.dispatch()).sent == 0 and slack_only.delivered == []
    assert bot.adapter.kinds() == ["lesson"]


async def test_a_scheduled_quizs_native_poll_is_recorded_so_its_answer_is_graded(
        bot: Bot) -> None:
    ann = bot.enrol("ann")
    await bot.tick(NINE)                                   # Monday's lesson
    await bot.tick(NINE + timedelta(days=1))               # Tuesday's lesson
    bot.adapter.polls.append("p1")  # the next question goes as a native quiz poll
    _, result = await bot.tick(MONDAY.replace(hour=15) + timedelta(days=1))  # Tuesday's quiz
    assert result.sent == 1
    [question] = bot.adapter.delivered[-1].messages
    assert isinstance(question, QuestionMessage)
    assert not bot.adapter.polls  # sent as Sent("m3", polls=(PollSent("p1", ask_id),))
    with bot.database.unit() as unit:
        assert unit.polls.find("telegram", "p1") == PollRecord(ann.id, question.ask_id)
    right = question.question.correct_indexes[0]
    replies = bot.engine.handle(Inbound(Platform.TELEGRAM, "ann", poll_id="p1",
                                        choices=(right,)), bot.clock.now())
    feedback = [m for m in replies if isinstance(m, Feedback)]
    assert len(feedback) == 1, replies
    assert feedback[0].correct and feedback[0].choices == (right,)
    assert feedback[0].question.key == question.question.key


async def test_a_poll_that_went_out_is_recorded_even_when_its_row_was_taken_over(
        bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    ann = bot.enrol("ann")
    await bot.tick(NINE)
    await bot.tick(NINE + timedelta(days=1))
    bot.adapter.polls.append("p1")
    send = bot.adapter.send
    taken: list[bool] = []

    async def taken_over(*args: object, **kwargs: object) -> object:
        sent = await send(*args, **kwargs)  # type: ignore[arg-type]
        if not taken:  # meanwhile this worker was declared dead, and another took the row
            taken.append(True)
            with bot.database.unit() as unit:
                unit.deliveries.release(bot.dispatcher.worker_id)
        return sent

    monkeypatch.setattr(bot.adapter, "send", taken_over)
    _, result = await bot.tick(MONDAY.replace(hour=15) + timedelta(days=1))
    assert result.lost_claims == 1
    [question] = bot.adapter.delivered[-2].messages  # the poll (then the row went again)
    assert isinstance(question, QuestionMessage)
    with bot.database.unit() as unit:  # the learner has the poll: its answer must count
        assert unit.polls.find("telegram", "p1") == PollRecord(ann.id, question.ask_id)


def lesson_id(message: object) -> str:
    """The id of the lesson a lesson message carries."""
    assert isinstance(message, LessonMessage), message
    return message.lesson.id



async def test_after_an_outage_todays_delivery_still_goes_and_the_first_is_missed(
        bot: Bot) -> None:
    ann = bot.enrol("ann")
    wednesday = NINE + timedelta(days=2, hours=1)  # down from Monday 08:00 to Wednesday 10:00
    found, result = await bot.tick(wednesday)
    # missed: the planned Monday lesson and quiz, and Tuesday's quiz (the latest one due)
    assert (found.pending, found.missed) == (1, 3)
    assert result.sent == 1 and bot.adapter.kinds() == ["lesson"]
    assert bot.learner("ann").next_lesson_at == NINE + timedelta(days=3)
    with bot.database.unit() as unit:
        tuesday = unit.deliveries.get(ann.id, "lesson", (NINE + timedelta(days=1)).date())
    assert tuesday is None


async def test_a_scan_leaves_learners_of_platforms_it_does_not_serve(bot: Bot) -> None:
    from scheduler.due import DueScan

    bot.enrol("ann")
    slack_only = DueScan(bot.database, platforms=["slack"])
    assert slack_only.run(NINE).pending == 0
    assert bot.learner("ann").next_lesson_at == NINE  # still due, for a process serving it
    assert bot.scan.run(NINE).pending == 1


async def test_a_lesson_that_never_arrived_is_not_counted_and_comes_again(bot: Bot) -> None:
    ann = bot.enrol("ann")
    bot.adapter.failures.append(RecipientUnreachable("Forbidden: bot was blocked by the user"))
    await bot.tick(NINE)
    with bot.database.unit() as unit:
        chosen = unit.deliveries.get(ann.id, "lesson", NINE.date()).lesson_id  # type: ignore[union-attr]
        assert chosen is not None
        assert unit.progress.history(ann.id) == []  # not delivered
        assert unit.points.total(ann.id) == 0
        assert unit.cards.all(ann.id) == []  # nothing to review
        assert unit.badges.codes(ann.id) == []
    bot.say("ann", "hello again")  # back: pushes resume
    await bot.tick(NINE + timedelta(days=1))
    assert lesson_id(bot.adapter.delivered[0].messages[0]) == chosen


async def test_a_lesson_given_up_after_retries_comes_again(bot: Bot) -> None:
    ann = bot.enrol("ann")
    bot.adapter.failures.extend(RuntimeError("adapter bug") for _ in range(4))
    moment = NINE
    for _ in range(5):
        await bot.tick(moment)
        moment += timedelta(minutes=30)
    with bot.database.unit() as unit:
        assert unit.deliveries.get(ann.id, "lesson", NINE.date()).status == "failed"  # type: ignore[union-attr]
        assert unit.progress.history(ann.id) == []


async def test_moving_the_time_earlier_than_now_still_brings_todays_lesson(bot: Bot) -> None:
    bot.enrol("ann")  # lesson at 09:00; it is 08:00
    bot.clock.set(MONDAY.replace(hour=8, minute=30))
    bot.say("ann", "time 08:00")  # 08:00 has passed: today's lesson goes now, not tomorrow
    _, result = await bot.tick(MONDAY.replace(hour=8, minute=31))
    assert result.sent == 1 and bot.adapter.kinds() == ["lesson"]
    assert bot.learner("ann").next_lesson_at == MONDAY.replace(hour=8) + timedelta(days=1)


async def test_a_zone_where_the_lesson_hour_has_passed_still_brings_todays_lesson(
        bot: Bot) -> None:
    """At 08:30 UTC, Berlin's 09:00 has passed: today's lesson goes now, not tomorrow."""
    bot.enrol("ann")
    bot.clock.set(MONDAY.replace(hour=8, minute=30))
    bot.say("ann", "timezone Europe/Berlin")
    _, result = await bot.tick(MONDAY.replace(hour=8, minute=31))
    assert result.sent == 1 and bot.adapter.kinds() == ["lesson"]
    assert bot.learner("ann").next_lesson_at == MONDAY + timedelta(days=1)  # 09:00 Berlin


async def test_a_new_zone_after_todays_lesson_brings_no_second_one(bot: Bot) -> None:
    bot.enrol("ann")
    await bot.tick(NINE)
    bot.clock.set(NINE + timedelta(minutes=30))
    bot.say("ann", "timezone Asia/Tokyo")  # 18:30 there, lesson and quiz hours passed
    await bot.tick(NINE + timedelta(minutes=31))
    assert bot.adapter.kinds() == ["lesson"]  # today's came, in the old zone
    assert bot.learner("ann").next_lesson_at == MONDAY.replace(hour=0) + timedelta(days=1)


async def test_flying_west_over_two_served_days_brings_no_third_lesson(bot: Bot) -> None:
    """Berlin's Tuesday and Wednesday lessons both refile a day earlier in Honolulu: the
    oldest moves first, so Wednesday's is not left on its day (which looked unserved then)."""
    bot.enrol("ann", "Europe/Berlin")
    tuesday = MONDAY + timedelta(days=1)  # 08:00 UTC: 09:00 in Berlin
    await bot.tick(tuesday)
    await bot.tick(tuesday + timedelta(days=1))
    assert bot.adapter.kinds() == ["lesson", "lesson"]
    bot.clock.set(tuesday + timedelta(days=1, minutes=30))
    bot.say("ann", "timezone Pacific/Honolulu")  # Tuesday 22:30 there
    await bot.tick(tuesday + timedelta(days=1, minutes=31))
    assert bot.adapter.kinds() == ["lesson", "lesson"]


async def test_moving_the_time_after_todays_lesson_brings_no_second_one(bot: Bot) -> None:
    bot.enrol("ann")
    await bot.tick(NINE)
    bot.clock.set(NINE + timedelta(minutes=30))
    bot.say("ann", "time 09:15")  # today's lesson came already: tomorrow at 09:15
    _, result = await bot.tick(NINE + timedelta(minutes=31))
    assert result.sent == 0 and bot.adapter.kinds() == ["lesson"]
    assert bot.learner("ann").next_lesson_at == NINE.replace(minute=15) + timedelta(days=1)


def test_a_dispatch_result_reads_as_words_in_the_log() -> None:
    assert str(DispatchResult(sent=3, retried=1)) == "3 sent, 1 to try again"
    assert str(DispatchResult(missed=2, lost_claims=1)) == \
        "2 missed (the day ended), 1 taken over by another worker"
    assert str(DispatchResult()) == "nothing"


async def test_a_lesson_deleted_while_its_row_waits_to_retry_is_not_left_as_delivered(
        database: Database, tmp_path: Path) -> None:
    """The row is composed afresh with another lesson: the deleted one had never reached the
    learner, so it is not kept as theirs (it comes again if its file comes back)."""
    shutil.copytree(SAMPLE, tmp_path / "lessons")
    catalog = Catalog(tmp_path / "lessons")
    catalog.load()
    bot = make_bot(database, catalog)
    ann = bot.enrol("ann")
    bot.adapter.failures.append(TemporaryDeliveryError("500 Internal Server Error"))
    await bot.tick(NINE)
    with bot.database.unit() as unit:
        row = unit.deliveries.get(ann.id, "lesson", NINE.date())
    assert row is not None and row.status == "pending" and row.lesson_id is not None
    gone = catalog.get(row.lesson_id)
    assert gone is not None
    (catalog.root / gone.path).unlink()
    catalog.refresh()
    await bot.tick(row.due_at)
    [sent] = bot.adapter.delivered
    assert lesson_id(sent.messages[0]) != row.lesson_id
    with bot.database.unit() as unit:
        assert [got.lesson_id for got in unit.progress.history(ann.id)] == [
            lesson_id(sent.messages[0])]


async def test_a_learner_who_stops_while_their_row_waits_to_retry_gets_nothing(
        bot: Bot) -> None:
    """The row kept what it says on its first try; `stop` before the retry is obeyed: the row
    is skipped, and its lesson, which never reached the learner, comes after `resume`."""
    ann = bot.enrol("ann")
    bot.adapter.failures.append(TemporaryDeliveryError("500 Internal Server Error"))
    await bot.tick(NINE)
    with bot.database.unit() as unit:
        row = unit.deliveries.get(ann.id, DeliveryKind.LESSON, NINE.date())
    assert row is not None and row.status == "pending" and row.payload
    bot.clock.set(NINE + timedelta(minutes=1))
    bot.say("ann", "stop")
    _, result = await bot.tick(row.due_at + timedelta(minutes=1))
    assert bot.adapter.delivered == [] and result.skipped == 1
    with bot.database.unit() as unit:
        assert unit.deliveries.get(ann.id, DeliveryKind.LESSON, NINE.date()).status == "skipped"  # type: ignore[union-attr]
        assert unit.progress.history(ann.id) == []  # never the learner's
    bot.say("ann", "resume")
    await bot.tick(NINE + timedelta(days=1))
    assert lesson_id(bot.adapter.delivered[0].messages[0]) == row.lesson_id


async def test_a_crashed_workers_row_is_not_pushed_to_a_learner_who_stopped_since(
        bot: Bot) -> None:
    """Another replica takes over a dead worker's composed row: `stop`, said meanwhile to any
    replica, is obeyed (seen with two `microlearn run` on one PostgreSQL, one killed)."""
    ann = bot.enrol("ann")
    bot.clock.set(NINE)
    bot.scan.run(NINE)
    dead = Dispatcher(bot.database, bot.engine, {Platform.TELEGRAM: bot.adapter}, bot.clock,
                      bot.dispatcher.settings)
    with bot.database.unit() as unit:
        unit.workers.register(dead.worker_id, "elsewhere", 1, NINE)
    claimed, _ = dead._claim(DispatchResult(), 10)  # claimed and composed, never sent
    assert claimed == 1
    bot.say("ann", "stop")
    bot.clock.set(NINE + timedelta(seconds=61))
    bot.dispatcher.heartbeat()
    assert bot.dispatcher.reap() == 1
    result = await bot.dispatcher.dispatch()
    assert bot.adapter.delivered == [] and result.skipped == 1
    with bot.database.unit() as unit:
        assert unit.deliveries.get(ann.id, DeliveryKind.LESSON, NINE.date()).status == "skipped"  # type: ignore[union-attr]
        assert unit.progress.history(ann.id) == []
