"""The dispatcher: claims due outbox rows, asks the engine what they say, sends them through the
learner's adapter under the platform's limits, and records what happened.

The guarantee (docs/delivery.md has it in full): a row is sent at least once and, except in one
window, at most once. A row is claimed by one worker at a time (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), and marked sent, with the platform's message id, in its own transaction right after
the platform accepts it. Only a crash between the platform's success and that commit (about a
millisecond per message) leaves a sent message looking unsent; it is then sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.engine import calendar
from bot.engine import outbox as outbox_text
from bot.engine.engine import Engine
from bot.engine.settings import holiday_over
from bot.errors import (
    ClaimLost,
    DeliveryError,
    RateLimited,
    RecipientUnreachable,
    TemporaryDeliveryError,
)
from bot.messages import LessonMessage, Outbound, Platform, QuestionMessage
from bot.ports import Recipient, Sender, Sent
from scheduler.clock import Clock
from scheduler.due import nudge_time
from storage import Database, StorageError
from storage.database import unavailable
from storage.records import Delivery, DeliveryKind, DeliveryStatus, Learner, LearnerChange
from storage.unit import Unit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchSettings:
    """How the dispatcher works; the defaults suit one process sending to real platforms."""

    batch: int = 200
    """Most rows claimed per transaction."""
    concurrency: int = 64
    """Deliveries in flight at once (the pacer keeps their messages within the platform's
    limits; a delivery waiting for its chat's turn holds one place)."""
    max_attempts: int = 8
    """Tries before a row that keeps failing (5xx, time-outs) is given up as failed."""
    retry_base: float = 2.0
    """Seconds before the first retry; each retry waits about twice as long, with jitter."""
    retry_cap: float = 600.0
    """The longest wait between two tries, in seconds."""
    nudge_after: timedelta = timedelta(hours=3)
    """How long a day's quiz may wait unanswered before its reminder (0: no reminders)."""
    worker_timeout: timedelta = timedelta(seconds=60)
    """A worker silent this long is dead, and others take over its claimed rows."""


@dataclass
class DispatchResult:
    """What one dispatch run did, by outcome."""

    sent: int = 0
    skipped: int = 0
    missed: int = 0
    failed: int = 0
    retried: int = 0
    lost_claims: int = 0
    """Rows another worker had taken over before this one could record them."""
    held_back: int = 0
    """Rows not posted because this worker could not reach the database (the heartbeat gives
    them back once it answers, and they go then)."""

    def add(self, other: DispatchResult) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        """The counts that are not zero, for the log ("3 sent, 1 to try again"; "nothing")."""
        words = {"sent": "sent", "skipped": "skipped", "missed": "missed (the day ended)",
                 "failed": "failed", "retried": "to try again",
                 "lost_claims": "taken over by another worker",
                 "held_back": "held back while the database is away"}
        said = [f"{getattr(self, name)} {word}" for name, word in words.items()
                if getattr(self, name)]
        return ", ".join(said) or "nothing"


@dataclass
class _Job:
    delivery: Delivery
    recipient: Recipient
    messages: list[Outbound] = field(default_factory=list)
    time_zone: str = "UTC"
    """The learner's, as composed (when a quiz's reminder may come)."""


@dataclass
class _Outcome:
    """What happened to one job's send, waiting to be recorded."""

    job: _Job
    status: str
    """'progress' (one more platform message out), 'sent', 'retry', 'unreachable', 'failed'
    'lost' (the row is no longer this worker's), 'held' (this worker is cut off from the
    database: not posted, given back by the heartbeat once it answers) or 'stopped' (shutdown
    came before its first message: given back unsent)."""
    error: str = ""
    wait: float | None = None
    parts: int = 0
    """Platform messages of the delivery out by now (with a failure: before it)."""
    passing: str = ""
    """For a retry, the platform's passing trouble: 'rate' (a 429: not a try) or 'outage'
    (a 5xx, a time-out, the network: tried until the learner's day ends, not given up)."""
    sent: Sent | None = None
    """What the platform said of the message just sent ('progress') or of the last ('sent')."""
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())

    async def recorded_by(self, queue: asyncio.Queue[_Outcome | None]) -> None:
        """Hand this outcome to the recorder and wait until it is committed
        (:class:`RecordingFailed` when it could not be)."""
        queue.put_nowait(self)
        await self.done


def _lesson_of(messages: list[Outbound]) -> str | None:
    """The id of the lesson a delivery carries, if it carries one."""
    return next((m.lesson.id for m in messages if isinstance(m, LessonMessage)), None)


def host_identity() -> str:
    """This machine's boot and process namespace: two workers with the same identity can check
    each other's process ids. The host name alone is not enough (two machines may share one),
    nor is the namespace (every machine's first namespace has the same number)."""
    parts = [socket.gethostname()]
    for source in ("/proc/sys/kernel/random/boot_id", "/proc/self/ns/pid"):
        try:
            parts.append(os.readlink(source) if source.endswith("pid") else
                         Path(source).read_text(encoding="ascii").strip())
        except OSError:
            parts.append("")
    return "|".join(parts)[:200]


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` on this host runs (someone else's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


RECORD_RETRIES = (0.2, 1.0, 5.0)
"""Seconds between tries at recording outcomes the database refused (for a reason other than
being away)."""
RECORD_WAIT_CAP = 5.0
"""The longest wait between two tries at recording while the database is away."""


class RecordingFailed(StorageError):
    """An outcome could not be recorded; ``parts`` platform messages of it went out."""

    def __init__(self, message: str, parts: int = 0) -> None:
        super().__init__(message)
        self.parts = parts


class Dispatcher:
    """Sends the outbox. One per process; several processes share the work safely."""

    def __init__(self, database: Database, engine: Engine, senders: Mapping[Platform, Sender],
                 clock: Clock, settings: DispatchSettings | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.database = database
        self.engine = engine
        self.senders = dict(senders)
        self.clock = clock
        self.settings = settings or DispatchSettings()
        self._sleep = sleep
        """How the dispatcher waits between tries at recording (tests move a fake clock)."""
        self.worker_id = uuid.uuid4().hex
        self.host = host_identity()
        self._stopping = False
        self._in_flight: set[asyncio.Task[None]] = set()
        self._posting: set[int] = set()
        """Rows whose first platform message this worker has begun to post (at shutdown, only
        these may have reached the platform; the others are given back untouched)."""
        self._held: set[int] = set()
        """Rows this worker claimed and is still working on; a row it claimed but no longer
        holds (its outcome could not be recorded) is given back by the heartbeat."""
        self._reachable_since: datetime | None = None
        """Since when this worker's heartbeats have reached the database without a failure:
        after an outage, another worker's silence is its outage too, not its death."""
        self._alive_at: datetime | None = None
        """When a heartbeat last found this worker alive (registered, or its beat taken)."""
        self._beat_failed = False
        """Whether the last heartbeat could not reach the database."""
        self._beat_waiting = False
        """Whether a heartbeat is due and has not finished (a database that hangs, rather
        than refuses, holds it up on the database thread)."""
        self._records_away = False
        """Whether outcomes are waiting for an unreachable database: nothing more is posted
        until it is back (what is posted meanwhile another worker may take over and send
        again, if only this worker is cut off)."""
        self._lost: set[int] = set()
        """Rows still being sent that this worker was found to have lost to others."""
        self._learners: dict[int, asyncio.Lock] = {}
        """One delivery at a time per learner: a quiz never lands between a lesson's parts."""
        self._lock = asyncio.Lock()
        self._random = random.Random()
        # All of the dispatcher's database work runs on one thread: SQLite has one writer at a
        # time, and threads queueing on its lock back off by sleeping, which costs far more.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch-db")

    # -- the worker's life -------------------------------------------------------------------

    def register(self) -> None:
        """Announce this worker, and take over rows of workers on this host that died."""
        now = self.clock.now()
        with self.database.unit() as unit:
            unit.workers.register(self.worker_id, self.host, os.getpid(), now)
        self._reachable_since = self._alive_at = now
        self.reap()

    def heartbeat(self) -> None:
        """Tell the others this worker lives; re-register if it was declared dead."""
        now = self.clock.now()
        try:
            with self.database.unit() as unit:
                alive = unit.workers.beat(self.worker_id, now)
        except Exception:
            self._reachable_since = None  # the scheduler logs it and beats again next time
            self._beat_failed = True
            raise
        self._beat_failed = False
        if self._reachable_since is None:
            self._reachable_since = now
        if not alive:
            # Its rows went to others: the sends still waiting for their turn stop before
            # their next platform message (Recipient.confirm), and what the new holders may
            # send twice is only what was being posted at that moment.
            lost = set(self._held)
            self._lost |= lost
            self._held -= lost
            self._posting -= lost
            log.warning("this worker was declared dead (its heartbeat was silent longer than "
                        "another worker's worker_timeout_seconds, or their clocks differ by as "
                        "much); the rows it had claimed went to others, and it stops sending "
                        "the %d of them it still held", len(lost), extra={"job": "heartbeat"})
            with self.database.unit() as unit:
                unit.workers.register(self.worker_id, self.host, os.getpid(), now)
        self._alive_at = now
        with self.database.unit() as unit:
            orphans = unit.deliveries.release_orphans(self.worker_id, self._held)
        if orphans:
            log.warning("gave back %d rows held back while the database was away, or whose "
                        "outcome could not be recorded; they go again", orphans,
                        extra={"job": "heartbeat"})

    def still_mine(self, row_id: int) -> bool:
        """Whether this worker may still post row ``row_id``: it was not found to have lost
        it, and it is not cut off from the database for so long that others may have taken
        it for dead (half the time-out since its heartbeat was last taken; an outage for all
        costs a heartbeat's wait at most, a replica cut off alone sends nothing twice)."""
        return row_id not in self._lost and not self._cut_off()

    def _may_post(self, row_id: int) -> bool:
        """Asked right before each platform message of row ``row_id``: still this worker's
        (:meth:`still_mine`), and, once shutdown began, only a delivery already begun goes on
        (one still waiting for its turn is given back unsent rather than started)."""
        if not self.still_mine(row_id):
            return False
        if self._stopping and row_id not in self._posting:
            return False
        self._posting.add(row_id)
        return True

    def _cut_off(self) -> bool:
        """Whether outcomes cannot be recorded now, or the heartbeat has failed, or waited,
        for so long that others may take this worker for dead (half the time-out since it was
        last taken)."""
        return self._records_away or (
            (self._beat_failed or self._beat_waiting) and self._alive_at is not None
            and self.clock.now() - self._alive_at >= self.settings.worker_timeout / 2)

    async def upkeep(self) -> None:
        """Heartbeat, then take over dead workers' rows: on the dispatcher's database thread,
        so it never waits behind inbound work, nor runs in the middle of a claim."""
        loop = asyncio.get_running_loop()
        self._beat_waiting = True
        try:
            await loop.run_in_executor(self._db, self.heartbeat)
        finally:
            self._beat_waiting = False
        await loop.run_in_executor(self._db, self.reap)

    def reap(self) -> int:
        """Release the claimed rows of dead workers: silent ones, and ones on this host whose
        process is gone (a restart after a crash need not wait for the time-out)."""
        now = self.clock.now()
        released = 0
        # Silence is death only once this worker has itself reached the database for half a
        # time-out: after an outage, the others need a heartbeat to say they lived through it.
        judge = (self._reachable_since is not None
                 and now - self._reachable_since >= self.settings.worker_timeout / 2)
        with self.database.unit() as unit:
            workers = unit.workers
            for worker in workers.all():
                if (worker.id != self.worker_id and worker.host == self.host
                        and not process_alive(worker.pid)):
                    released += workers.remove(worker.id, dead=True)
            if judge:
                released += workers.reap(now, self.settings.worker_timeout)
        if released:
            log.warning("took back %d rows claimed by workers that stopped or went silent: any "
                        "of them being sent then may go twice on Telegram (Slack's are looked "
                        "for in the DM first)", released, extra={"job": "reap"})
        return released

    async def close(self, timeout: float = 10.0) -> None:
        """Stop claiming, let sends in flight finish (up to ``timeout`` seconds), give back
        every row not sent, and sign off."""
        self._stopping = True
        cut: set[int] = set()  # rows whose sends were cut short while posting
        if self._in_flight:
            _, pending = await asyncio.wait(set(self._in_flight), timeout=timeout)
            # Only a delivery that had begun posting may have reached the platform; one still
            # waiting for its turn of the pacer had sent nothing.
            cut = set(self._posting & self._held)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)

        def sign_off() -> int:
            with self.database.unit() as unit:
                # A send cut short may have gone out: its row is a try of unknown outcome
                # (Slack then looks in the DM first); the rows never begun go back as they
                # were, costing no try.
                released = unit.deliveries.release(self.worker_id, ids=cut, unknown=True) \
                    if cut else 0
                released += unit.deliveries.release(self.worker_id)
                unit.workers.remove(self.worker_id)
            return released

        # On the database thread: after any claim still running there (a claim cut short by
        # cancellation still commits, and its rows must be given back too).
        released = await asyncio.get_running_loop().run_in_executor(self._db, sign_off)
        self._held.clear()
        self._posting.clear()
        self._db.shutdown(wait=False)
        if released:
            if cut:
                # The platform may have taken a send that was cut short: say so, as the
                # takeover of a dead worker's rows does.
                log.warning("gave back %d rows at shutdown; %d sends were cut short and may "
                            "have reached the platform (on Telegram those may go twice)",
                            released, len(cut), extra={"job": "dispatch"})
            else:
                log.info("gave back %d unsent rows at shutdown", released,
                         extra={"job": "dispatch"})

    # -- dispatching -------------------------------------------------------------------------

    async def dispatch(self) -> DispatchResult:
        """Send every due row until none is left (or shutdown).

        Sends run concurrently (up to ``concurrency``) and rows are claimed as room frees up,
        so a slow platform never waits on a whole batch finishing before the next is claimed.
        """
        total = DispatchResult()
        async with self._lock:
            loop = asyncio.get_running_loop()
            outcomes: asyncio.Queue[_Outcome | None] = asyncio.Queue()
            recorder = asyncio.create_task(self._recorder(outcomes, total))
            running: set[asyncio.Task[None]] = set()
            limit = self.settings.concurrency
            try:
                # Cut off, it claims nothing: it could not post it (still_mine).
                while not self._stopping and not self._cut_off():
                    if len(running) > limit // 2:
                        await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                        continue
                    room = min(self.settings.batch, limit - len(running))
                    claimed, jobs = await loop.run_in_executor(self._db, self._claim, total,
                                                               room)
                    for job in jobs:
                        task = asyncio.create_task(self._one(job, outcomes))
                        running.add(task)
                        self._in_flight.add(task)
                        task.add_done_callback(running.discard)
                        task.add_done_callback(self._in_flight.discard)
                    if not claimed:
                        if not running:
                            break
                        await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            finally:
                await asyncio.gather(*running, return_exceptions=True)
                outcomes.put_nowait(None)
                await recorder
        return total

    async def _one(self, job: _Job, outcomes: asyncio.Queue[_Outcome | None]) -> None:
        learner = job.recipient.learner_id
        lock = self._learners.setdefault(learner, asyncio.Lock())
        try:
            async with lock:
                if self._stopping:
                    return  # released at shutdown
                outcome = await self._send(job, outcomes)
                await outcome.recorded_by(outcomes)
        except RecordingFailed:
            pass  # logged by the recorder; the heartbeat gives the row back
        finally:
            self._lost.discard(job.delivery.id)
            if not lock.locked() and self._learners.get(learner) is lock:
                del self._learners[learner]

    def _claim(self, result: DispatchResult, room: int) -> tuple[int, list[_Job]]:
        """Claim a batch and compose each row, in one transaction; (rows claimed, to send).

        Rows are composed together, which is cheap; if composing one of them fails, the batch
        is rolled back and composed again row by row, each in a savepoint of its own, so one
        learner's failure is recorded and the others go out.
        """
        now = self.clock.now()
        platforms = [platform.value for platform in self.senders]
        with self.database.unit() as unit:
            rows = unit.deliveries.claim(self.worker_id, now, room, platforms)
            learners = unit.learners.get_many([row.learner_id for row in rows])
            try:
                with unit.savepoint():
                    trial = DispatchResult()
                    jobs = [job for row in rows if (job := self._compose(
                        unit, row, learners.get(row.learner_id), now, trial, False))]
                result.add(trial)
            except Exception:
                jobs = [job for row in rows if (job := self._compose(
                    unit, row, learners.get(row.learner_id), now, result, True))]
            self._held.update(job.delivery.id for job in jobs)
        return len(rows), jobs

    def _compose(self, unit: Unit, row: Delivery, learner: Learner | None, now: datetime,
                 result: DispatchResult, isolated: bool) -> _Job | None:
        outbox = unit.deliveries
        if learner is None:
            outbox.mark(row.id, DeliveryStatus.SKIPPED, now, "learner gone", self.worker_id)
            result.skipped += 1
            return None
        if calendar.local_date(now, calendar.zone(learner.time_zone)) > row.local_date:
            outbox.mark(row.id, DeliveryStatus.MISSED, now,
                        "its local day ended before it could be sent", self.worker_id)
            self._undo(unit, row, 0)
            result.missed += 1
            return None
        if learner.stopped or learner.unreachable or (
                learner.paused and not holiday_over(learner, now)):
            # Said since the row was composed (it waited for a retry, or its worker died and
            # another replica took it over): what the row kept is not pushed, and a lesson in
            # it that never reached the learner is taken back, to come after `resume`.
            outbox.mark(row.id, DeliveryStatus.SKIPPED, now,
                        "the learner stopped, paused or cannot be reached", self.worker_id)
            self._undo(unit, row, 0)
            result.skipped += 1
            return None
        if not isolated:
            messages = self._messages(unit, row, learner, now)
        else:
            try:
                with unit.savepoint():
                    messages = self._messages(unit, row, learner, now)
            except Exception as exc:  # one learner's failure never stops the batch
                log.exception("composing delivery %s failed", row.id,
                              extra={"job": "dispatch", "learner": row.learner_id})
                self._retry_or_fail(unit, row, now, f"compose: {exc!r}", result)
                return None
        if not messages:
            outbox.mark(row.id, DeliveryStatus.SKIPPED, now, "nothing to send", self.worker_id)
            result.skipped += 1
            return None
        recipient = Recipient(learner.id, learner.platform, learner.platform_user_id,
                              learner.chat_id, delivery=str(row.id), retry=row.attempts > 0,
                              name=learner.display_name or "",
                              still_mine=functools.partial(self._may_post, row.id))
        # The job carries the lesson chosen, for taking it back if the row ends unsent.
        return _Job(replace(row, lesson_id=_lesson_of(messages) or row.lesson_id), recipient,
                    messages, learner.time_zone)

    def _messages(self, unit: Unit, row: Delivery, learner: Learner,
                  now: datetime) -> list[Outbound]:
        """What the row says: as composed on its first try, or composed now (and kept)."""
        if row.payload:
            kept = outbox_text.decode(row.payload, self.engine.catalog.get)
            if kept is not None:
                kept = self._as_shown(unit, kept)
            if kept is not None:
                # Links between lessons are looked up when sent, not kept: renamed since?
                return self.engine.relinked(kept)
            if (row.parts_sent == 0 and row.lesson_id
                    and self.engine.catalog.get(row.lesson_id) is None):
                # Its lesson was deleted before any of it went: composed afresh with another,
                # the deleted one never reached the learner and is not kept as theirs.
                self.engine.withdraw(unit, row)
        messages = self.engine.compose(unit, row, now, learner)
        if messages:
            unit.deliveries.set_content(row.id, _lesson_of(messages),
                                        outbox_text.encode(messages))
        return messages

    @staticmethod
    def _as_shown(unit: Unit, kept: list[Outbound]) -> list[Outbound] | None:
        """Kept messages with their questions' choices in the order composed (their buttons,
        kept too, and the ask's numbers follow it, whatever order the file has now); None when
        a question's choices changed otherwise since (the row is composed afresh)."""
        result: list[Outbound] = []
        for message in kept:
            if isinstance(message, QuestionMessage):
                ask = unit.asks.get(message.ask_id)
                view = message.question.as_shown(ask.shown if ask is not None else None)
                if view is None:
                    return None
                message = replace(message, question=view[0])
            result.append(message)
        return result

    async def _send(self, job: _Job, outcomes: asyncio.Queue[_Outcome | None]) -> _Outcome:
        sender = self.senders[job.recipient.platform]
        context = {"platform": job.recipient.platform.value, "learner": job.recipient.learner_id,
                   "delivery": job.delivery.id, "job": "dispatch"}
        skip = job.delivery.parts_sent

        async def progress(parts: int, sent: Sent) -> None:
            # Each platform message is recorded before the next goes: a crash part-way
            # resends only the rest.
            try:
                await _Outcome(job, "progress", parts=parts, sent=sent).recorded_by(outcomes)
            except RecordingFailed as exc:
                raise RecordingFailed(str(exc), parts) from exc

        try:
            # The sender paces each platform message (a long lesson may take several), and
            # pauses its platform itself on a 429.
            sent = await sender.send(job.recipient, job.messages, skip, progress)
        except ClaimLost as exc:
            if self._stopping and exc.sent == 0 and job.delivery.id not in self._posting:
                # Shutting down before its first message: given back at sign-off, unsent.
                return _Outcome(job, "stopped", parts=skip)
            if job.delivery.id not in self._lost:
                # Nobody took it: this worker cannot reach the database, and posts nothing
                # it could not record (or that others may take it for dead and send).
                log.info("holding delivery %s back: the database is unreachable; it goes "
                         "once the database answers", job.delivery.id, extra=context)
                return _Outcome(job, "held", str(exc), parts=skip + exc.sent)
            log.info("stopped sending delivery %s: %s", job.delivery.id, exc, extra=context)
            return _Outcome(job, "lost", str(exc), parts=skip + exc.sent)
        except RateLimited as exc:
            log.info("rate limited: waiting %.1f s", exc.retry_after, extra=context)
            # At least a second: a 429 is not a try, so a "retry after 0" must not spin.
            return _Outcome(job, "retry", str(exc), wait=max(1.0, exc.retry_after),
                            parts=skip + exc.sent, passing="rate")
        except TemporaryDeliveryError as exc:
            # Said once per row: an outage of a platform is otherwise a line per row per try.
            log.log(logging.WARNING if job.delivery.attempts == 0 else logging.INFO,
                    "send failed for now: %s", exc, extra=context)
            return _Outcome(job, "retry", str(exc), parts=skip + exc.sent, passing="outage")
        except RecipientUnreachable as exc:
            log.info("learner unreachable, pausing their pushes: %s", exc, extra=context)
            return _Outcome(job, "unreachable", str(exc), parts=skip + exc.sent)
        except DeliveryError as exc:
            log.error("the platform refused a delivery: %s", exc, extra=context)
            return _Outcome(job, "failed", str(exc), parts=skip + exc.sent)
        except RecordingFailed as exc:  # the parts that went out are known; stop here
            return _Outcome(job, "retry", str(exc), parts=exc.parts)
        except asyncio.CancelledError:
            raise  # shutdown: the row is released
        except Exception as exc:  # an adapter bug must not stop the others
            log.exception("sending failed unexpectedly", extra=context)
            return _Outcome(job, "retry", repr(exc))
        return _Outcome(job, "sent", sent=sent)

    # -- recording outcomes ------------------------------------------------------------------

    async def _recorder(self, outcomes: asyncio.Queue[_Outcome | None],
                        result: DispatchResult) -> None:
        """Commit outcomes as they come, together when several wait (a group commit): a sent
        message is recorded within one commit of the platform's answer, and a fast platform
        does not cost one transaction per message."""
        loop = asyncio.get_running_loop()
        done = False
        while not done:
            first = await outcomes.get()
            batch = [first] if first is not None else []
            done = first is None
            while not done and not outcomes.empty() and len(batch) < 500:
                item = outcomes.get_nowait()
                if item is None:
                    done = True
                else:
                    batch.append(item)
            # A row this worker no longer holds has nothing to record here: another worker
            # holds it, or, if it was still this one's after all, the next heartbeat gives it
            # back (release_orphans).
            for outcome in batch:
                if outcome.status in ("lost", "held", "stopped"):
                    result.lost_claims += outcome.status == "lost"
                    result.held_back += outcome.status == "held"
                    self._settle(outcome)
            batch = [outcome for outcome in batch
                     if outcome.status not in ("lost", "held", "stopped")]
            if not batch:
                continue
            try:
                await loop.run_in_executor(self._db, self._record, batch, result)
            except Exception as exc:
                # One line: a database outage had put a long chained traceback here.
                log.warning("recording %d outcomes together failed (%s); recording them one "
                            "by one", len(batch), repr(exc)[:300], extra={"job": "dispatch"})
                log.debug("recording together failed", exc_info=True, extra={"job": "dispatch"})
                await self._record_apart(batch, result)
            else:
                for outcome in batch:
                    self._settle(outcome)

    async def _record_apart(self, batch: list[_Outcome], result: DispatchResult) -> None:
        """Record each outcome in its own transaction, retrying a database that fails for a
        while.

        While the database is away (refused or dropped connections: :func:`unavailable`), the
        outcomes are kept and tried again until it answers, however long that takes: this
        worker still holds their rows, so no other worker sends them, and a send the platform
        accepted is recorded, never sent again. Only an outcome the database refuses for
        another reason (a bug, a row changed under us) is given up after a few tries: its row
        goes back to pending at the next heartbeat, and may then be sent again.
        """
        loop = asyncio.get_running_loop()
        waiting = list(batch)
        tries, waited, warned = 0, 0.0, False
        while True:
            failed: list[tuple[_Outcome, Exception]] = []
            for index, outcome in enumerate(waiting):
                try:
                    await loop.run_in_executor(self._db, self._record, [outcome], result)
                except Exception as error:
                    failed.append((outcome, error))
                    if unavailable(error):  # the rest would meet the same refusal now
                        failed.extend((rest, error) for rest in waiting[index + 1:])
                        break
                else:
                    self._settle(outcome)
            self._records_away = any(unavailable(error) for _, error in failed)
            if not failed:
                if warned:
                    log.warning("the database is back: recorded the outcomes kept for %.0f s",
                                waited, extra={"job": "dispatch"})
                return
            away = [(outcome, error) for outcome, error in failed if unavailable(error)]
            given_up = [(outcome, error) for outcome, error in failed
                        if not unavailable(error) and tries >= len(RECORD_RETRIES)]
            for outcome, problem in given_up:
                self._give_up(outcome, problem)
            waiting = [outcome for outcome, _ in failed
                       if all(outcome is not gone for gone, _ in given_up)]
            if not waiting:
                return
            if self._stopping:  # shutdown: what is left is given back by sign-off
                for outcome, problem in failed:
                    if not outcome.done.done():
                        self._give_up(outcome, problem)
                return
            if away and not warned:
                warned = True
                log.warning("the database is unreachable (%s); keeping %d outcomes to record "
                            "when it is back, and posting nothing more until then",
                            away[0][1].__class__.__name__, len(waiting),
                            extra={"job": "dispatch"})
            delay = (RECORD_RETRIES[min(tries, len(RECORD_RETRIES) - 1)] if not away
                     else min(RECORD_WAIT_CAP, RECORD_RETRIES[0] * 2 ** tries))
            tries += 1
            waited += delay
            await self._sleep(delay)

    def _give_up(self, outcome: _Outcome, problem: Exception) -> None:
        log.error("could not record the outcome of delivery %s: %r", outcome.job.delivery.id,
                  problem, extra={"job": "dispatch", "learner": outcome.job.delivery.learner_id})
        self._held.discard(outcome.job.delivery.id)
        self._posting.discard(outcome.job.delivery.id)
        if not outcome.done.done():
            outcome.done.set_exception(RecordingFailed(repr(problem), outcome.parts))

    def _settle(self, outcome: _Outcome) -> None:
        if outcome.status != "progress":
            self._held.discard(outcome.job.delivery.id)
            self._posting.discard(outcome.job.delivery.id)
        if not outcome.done.done():
            outcome.done.set_result(None)

    def _record(self, batch: list[_Outcome], result: DispatchResult) -> None:
        now = self.clock.now()
        counts = DispatchResult()
        with self.database.unit() as unit:
            outbox, learners = unit.deliveries, unit.learners
            for outcome in batch:
                row = outcome.job.delivery
                if outcome.status == "progress":
                    assert outcome.sent is not None
                    outbox.progress(row.id, self.worker_id, outcome.parts,
                                    outcome.sent.message_id)
                    self._record_polls(unit, outcome.job, outcome.sent, now)
                elif outcome.status == "sent":
                    assert outcome.sent is not None
                    self._record_sent(unit, outcome.job, outcome.sent, now, counts)
                elif outcome.status == "retry":
                    self._retry_or_fail(unit, row, now, outcome.error, counts, outcome.wait,
                                        outcome.parts, outcome.passing)
                elif outcome.status == "unreachable":
                    if outbox.mark(row.id, DeliveryStatus.FAILED, now,
                                   f"unreachable: {outcome.error}", self.worker_id) \
                            and learners.get(row.learner_id):
                        learners.update(row.learner_id,
                                        LearnerChange(unreachable=outcome.error[:200]))
                        self._undo(unit, row, outcome.parts)
                    counts.failed += 1
                else:
                    if outbox.mark(row.id, DeliveryStatus.FAILED, now, outcome.error,
                                   self.worker_id):
                        self._undo(unit, row, outcome.parts)
                    counts.failed += 1
        result.add(counts)  # only what was committed counts

    def _record_polls(self, unit: Unit, job: _Job, sent: Sent, now: datetime) -> None:
        """The native quiz polls a send reported: their answers carry only the poll's id."""
        for poll in sent.polls:
            self.engine.record_poll(unit, job.recipient.platform.value, poll.poll_id,
                                    poll.ask_id, now)

    def _record_sent(self, unit: Unit, job: _Job, sent: Sent, now: datetime,
                     result: DispatchResult) -> None:
        row = job.delivery
        outbox, learners = unit.deliveries, unit.learners
        # A poll that went out is the learner's to answer, whoever holds the row now.
        self._record_polls(unit, job, sent, now)
        if not outbox.mark_sent(row.id, sent.message_id, now, self.worker_id):
            result.lost_claims += 1
            log.warning("delivery %s was sent after this worker lost its claim", row.id,
                        extra={"job": "dispatch", "learner": row.learner_id})
            return
        result.sent += 1
        if sent.chat_id and sent.chat_id != job.recipient.chat_id:
            learners.update(row.learner_id, LearnerChange(chat_id=sent.chat_id))
        if row.kind is DeliveryKind.QUIZ:
            closes = calendar.awake_until(now, self.engine.settings.waking_hours,
                                          calendar.zone(job.time_zone))
            learners.set_due(DeliveryKind.NUDGE, {
                row.learner_id: nudge_time(now, self.settings.nudge_after, closes)})

    def _undo(self, unit: Unit, row: Delivery, parts: int) -> None:
        """A row that ends without reaching the learner at all: its lesson is not theirs."""
        if row.parts_sent == 0 and parts == 0:
            self.engine.withdraw(unit, row)

    def _retry_or_fail(self, unit: Unit, row: Delivery, now: datetime, error: str,
                       result: DispatchResult, wait: float | None = None,
                       parts: int = 0, passing: str = "") -> None:
        """Try the row again later, or give it up after ``max_attempts`` tries. The platform's
        passing trouble (``passing``) is never given up: a 429 is not a try, and an outage
        is tried, at most ``retry_cap`` apart, until the learner's day ends (the row is then
        missed): a morning outage of a few minutes had cost every learner the day's lesson."""
        outbox = unit.deliveries
        attempts = row.attempts + (0 if passing == "rate" else 1)
        if attempts >= self.settings.max_attempts and not passing:
            if outbox.mark(row.id, DeliveryStatus.FAILED, now,
                           f"gave up after {attempts} tries: {error}", self.worker_id):
                self._undo(unit, row, parts)
                # The one line that says a learner will not get this message: the tries
                # before it were warnings of passing trouble.
                log.error("gave up on delivery %s (%s of %s, learner %s) after %d tries: %s",
                          row.id, row.kind.value, row.local_date, row.learner_id, attempts,
                          error, extra={"job": "dispatch", "learner": row.learner_id,
                                        "delivery": row.id})
            result.failed += 1
            return
        if wait is None:  # exponential backoff with jitter (half to all of it), capped
            ceiling = min(self.settings.retry_cap,
                          self.settings.retry_base * 2 ** min(row.attempts, 30))
            wait = self._random.uniform(ceiling / 2, ceiling)
        outbox.retry(row.id, now + timedelta(seconds=wait), error, self.worker_id,
                     count=passing != "rate", parts_sent=parts)
        result.retried += 1
