"""The scheduler's few periodic jobs on APScheduler's ``AsyncIOScheduler``: not one job per
learner, but a due scan, a dispatch run, a heartbeat and a daily clean-up.

The jobs live in memory (APScheduler forbids sharing a job store between processes); every
durable fact is in our own tables, so replicas can run the same jobs side by side. Each job is
its own error boundary: a failure is logged and the next tick runs as usual.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.clock import Clock
from scheduler.dispatch import Dispatcher
from scheduler.due import DueScan
from storage import Database
from storage.database import unavailable

log = logging.getLogger(__name__)

EVENTS_KEPT = timedelta(days=2)
"""How long a handled platform event's id is kept: Slack sends an event again within minutes,
Telegram keeps an update for a day."""


@dataclass(frozen=True)
class Job:
    """One more periodic job the runtime adds (the xAPI relay): its id, its interval in
    seconds, and its work (run inside the same per-job error boundary)."""

    id: str
    every: float
    work: Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Timing:
    """How often each job runs, in seconds."""

    scan: float = 30.0
    dispatch: float = 2.0
    heartbeat: float = 10.0
    keep_days: int = 90
    """Finished outbox rows older than this are deleted by the daily clean-up."""
    speed: float = 1.0
    """Clock seconds per real second: above 1 on a simulated clock (`run --speed`), whose
    time between two ticks is this many times their real interval."""


class SchedulerService:
    """Runs the due scan, the dispatcher and their upkeep until stopped."""

    def __init__(self, database: Database, scan: DueScan, dispatcher: Dispatcher, clock: Clock,
                 timing: Timing | None = None, jobs: Sequence[Job] = ()) -> None:
        self.jobs = tuple(jobs)
        self.database = database
        self.scan = scan
        self.dispatcher = dispatcher
        self.clock = clock
        self.timing = timing or Timing()
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.last_run: dict[str, datetime] = {}
        """When each job last started, on the service's clock (what /healthz reads)."""
        self._database_away = False
        """A job failed for the database being away, and none has run since."""

    async def start(self) -> None:
        """Register this worker and start the jobs (the first scan runs at once)."""
        await asyncio.to_thread(self.dispatcher.register)
        timing, now = self.timing, datetime.now(UTC)
        jobs: list[tuple[str, Callable[[], Awaitable[None]], IntervalTrigger | CronTrigger]] = [
            ("due-scan", self.run_scan, IntervalTrigger(seconds=timing.scan)),
            ("dispatch", self.run_dispatch, IntervalTrigger(seconds=timing.dispatch)),
            ("heartbeat", self.run_heartbeat, IntervalTrigger(seconds=timing.heartbeat)),
            ("clean-up", self.run_cleanup, CronTrigger(hour=3, minute=17, timezone=UTC)),
            *((job.id, self._guarded(job), IntervalTrigger(seconds=job.every))
              for job in self.jobs),
        ]
        for job_id, function, trigger in jobs:
            self.scheduler.add_job(
                function, trigger, id=job_id, name=job_id, max_instances=1, coalesce=True,
                # A tick that comes late still runs: the scan catches up on what is due.
                misfire_grace_time=None,
                next_run_time=now if job_id != "clean-up" else None)
        self.scheduler.start()

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop the jobs, finish or give back what is being sent, and sign off."""
        # The dispatcher first: it stops claiming and lets its sends finish, where shutting the
        # scheduler down first would cancel a dispatch run in the middle.
        await self.dispatcher.close(timeout)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def ticking(self) -> bool:
        """Whether the due scan and the heartbeat ran lately (within three of their intervals,
        and at least 30 s): a stuck event loop or a stopped scheduler says False. The dispatch
        job is left out: one long fan-out rightly keeps it busy for minutes."""
        if not self.scheduler.running:
            return False
        now = self.clock.now()
        for job, every in (("due-scan", self.timing.scan), ("heartbeat", self.timing.heartbeat)):
            last = self.last_run.get(job)
            # The intervals are real seconds, the clock's may run faster (`run --speed`).
            limit = timedelta(seconds=max(3 * every, 30.0) * self.timing.speed)
            if last is None or now - last > limit:
                return False
        return True

    async def _guard(self, job: str, work: Callable[[], Awaitable[object]]) -> None:
        self.last_run[job] = self.clock.now()
        try:
            await work()
        except asyncio.CancelledError:
            # Only shutdown cancels a job: say so quietly (the scheduler would log an error).
            log.info("scheduler job %s stopped by shutdown", job, extra={"job": job})
        except Exception as exc:  # the per-job boundary: one of the two catch-all places (STYLE)
            if unavailable(exc):
                # An outage fails every job at every tick: said once, not with a traceback
                # each time (the scan and the heartbeat run again when it is back).
                if not self._database_away:
                    self._database_away = True
                    log.warning("scheduler jobs wait for the database (%s: %s); they run "
                                "again at their next tick", job, type(exc).__name__,
                                extra={"job": job})
                return
            log.exception("scheduler job %s failed; it runs again at its next tick", job,
                          extra={"job": job})
        else:
            # Only a job that always reads the database says it is back: a dispatch or an xAPI
            # run may have had nothing to do without it (a worker cut off claims nothing).
            if self._database_away and job in ("heartbeat", "due-scan"):
                self._database_away = False
                log.warning("scheduler jobs run again: the database is back",
                            extra={"job": job})

    def _guarded(self, job: Job) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self._guard(job.id, job.work)
        return run

    async def run_scan(self) -> None:
        """Write the outbox rows of everyone due, then send them straight away."""
        async def work() -> None:
            result = await asyncio.to_thread(self.scan.run, self.clock.now())
            if result.pending or result.missed:
                log.info("due scan: %d to send, %d missed", result.pending, result.missed,
                         extra={"job": "due-scan"})
            if result.pending:
                self.wake_dispatch()
        await self._guard("due-scan", work)

    def wake_dispatch(self) -> None:
        """Run the dispatcher now rather than at its next tick."""
        if self.scheduler.running:
            self.scheduler.modify_job("dispatch", next_run_time=datetime.now(UTC))

    async def run_dispatch(self) -> None:
        """Send what is due."""
        async def work() -> None:
            result = await self.dispatcher.dispatch()
            if result.sent or result.failed or result.missed:
                log.info("dispatch: %s", result, extra={"job": "dispatch"})
        await self._guard("dispatch", work)

    async def run_heartbeat(self) -> None:
        """Keep this worker's claims, and take over those of dead workers."""
        async def work() -> None:
            await self.dispatcher.upkeep()
        await self._guard("heartbeat", work)

    async def run_cleanup(self) -> None:
        """Delete finished outbox rows past their keeping time."""
        def prune() -> tuple[int, int]:
            now = self.clock.now()
            with self.database.unit() as unit:
                return (unit.deliveries.prune(now - timedelta(days=self.timing.keep_days)),
                        unit.events.prune(now - EVENTS_KEPT))

        async def work() -> None:
            removed, events = await asyncio.to_thread(prune)
            log.info("clean-up: %d old outbox rows and %d handled event ids deleted", removed,
                     events, extra={"job": "clean-up"})
        await self._guard("clean-up", work)
