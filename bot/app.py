"""The one place that wires everything together: storage, catalog, engine, adapters, clock."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import re
import signal
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.adapters.base import Adapter, Quiescing
from bot.adapters.inbound_limit import PAUSE, InboundLimit, Verdict
from bot.config import LookupSettings, Secrets, Settings
from bot.content.catalog import Catalog, CatalogChange, unknown_tracks
from bot.content.library import open_catalog
from bot.content.model import Problem
from bot.content.watcher import CatalogWatcher
from bot.dashboard.pages import Dashboard, DashboardSettings
from bot.dashboard.signin import SignIn
from bot.dashboard.web import DashboardWeb
from bot.engine import calendar
from bot.engine.engine import Engine
from bot.engine.turn import EngineSettings
from bot.errors import AdapterStartError, ConfigError, ContentError, DatabaseAway
from bot.messages import Inbound, Notice, NoticeCode, Outbound, Platform, Profile
from bot.metrics import FLOODS, INBOUND, LIMITED, REGISTRY, OutboxCollector, XapiCollector
from bot.web.server import WebServer
from bot.xapi.relay import XapiRelay, relay_from
from scheduler.clock import Clock, SimulatedClock, SystemClock
from scheduler.dispatch import Dispatcher, DispatchSettings, host_identity, process_alive
from scheduler.due import DueScan
from scheduler.service import Job, SchedulerService, Timing
from storage import Database, StorageError, upgrade
from storage.database import never_reached, remove_sqlite_file, sqlite_file
from storage.records import LearnerChange
from storage.runlock import RunLock, hold_sqlite

log = logging.getLogger(__name__)

START_WAITS = (5.0, 10.0, 20.0, 30.0, 60.0)
"""Seconds between tries of a platform that fails to start with a passing error (a server
error or a time-out): about two minutes in all, then `run` gives up with that error. A 429
that says how long to wait is waited out as asked instead, up to ``START_WAIT_MOST``."""
START_WAIT_MOST = 300.0
"""The longest a 429 at start makes `run` wait before its next try (a platform asking for
more is tried again after five minutes all the same, and the log says so)."""
INBOUND_RETRY = (0.5, 1.0, 2.0, 4.0, 8.0)
"""Seconds between tries of a learner's message while the database is away (about 15 s in
all, what a PostgreSQL failover takes)."""
HEALTH_TIMEOUT = 2.0
"""Seconds /healthz waits for the database or an adapter before it counts as down."""
MAX_SPEED = 1440.0
"""The fastest a simulated clock may run (`run --speed`): a day a real minute. The due scan
runs every [schedule] tick_seconds of simulated time, its real interval shrinking with the
speed, but at most every ``SCAN_FLOOR`` real seconds: at 1440 that is every 12 simulated
minutes, so lessons still go minutes after their time and none is recorded as missed (a
scan gap that crosses a learner's midnight would record the day's lesson so)."""
SCAN_FLOOR = 0.5
"""The shortest real interval of the due scan when a simulated clock shrinks it."""


def scan_interval(tick_seconds: float, speed: float) -> float:
    """The due scan's real interval: [schedule] tick_seconds of the clock's time (a simulated
    clock running ``speed`` times as fast scans that much more often), never below
    ``SCAN_FLOOR`` unless tick_seconds is."""
    return max(tick_seconds / speed, min(tick_seconds, SCAN_FLOOR))


def clock_speed(clock: Clock) -> float:
    """Clock seconds per real second: a simulated clock's speed, else 1."""
    return clock.speed if isinstance(clock, SimulatedClock) else 1.0


def engine_settings(settings: Settings) -> EngineSettings:
    """The engine's part of the configuration."""
    schedule = settings.schedule
    return EngineSettings(
        time_zone=schedule.time_zone, lesson_time=schedule.lesson_time,
        quiz_time=schedule.quiz_time, workdays=tuple(schedule.workdays.split(",")),
        quiz_questions=schedule.quiz_questions, trainers=tuple(settings.bot.trainers),
        waking_hours=calendar.parse_window(schedule.waking_hours),
        reminder_after=timedelta(hours=schedule.nudge_after_hours),
        dashboard_url=settings.dashboard_address() if settings.dashboard.enabled else None,
        dashboard_link_minutes=settings.dashboard.link_minutes,
        track_reflection=schedule.track_reflection.strip(), check_days=schedule.check_days,
        confidence=schedule.confidence, track_order=tuple(settings.lessons.track_order))


def dashboard_web(settings: Settings, database: Database, catalog: Catalog,
                  clock: Clock) -> DashboardWeb:
    """The dashboard's routes, as the config asks."""
    config = settings.dashboard
    dashboard = Dashboard(database, catalog, DashboardSettings(
        pseudonymous=config.pseudonymous, idle_days=config.idle_days,
        overdue_reviews=config.overdue_reviews, timezone=config.timezone))
    return DashboardWeb(dashboard, SignIn(database, config.link_minutes,
                                          settings.bot.trainers), clock.now,
                        secure_cookie=settings.dashboard_address().startswith("https://"),
                        public_url=settings.dashboard_address())


START_WARNINGS_OF_A_KIND = 5
"""Warnings of one kind (the same words but for the names and numbers in them) logged one by
one at a start; the rest are counted in one line."""


def log_start_problems(problems: Iterable[Problem]) -> None:
    """Log a start's problems: every error, and of each kind of warning the first few, then
    how many more there are and where (200 files given the same warning, at every start, hid
    everything else). ``lessons check`` lists them all."""
    kinds: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.is_error:
            log.error("%s", problem)
            continue
        kind = kinds.setdefault(re.sub(r"'[^']*'|\d+", "", problem.message), [])
        kind.append(problem)
        if len(kind) <= START_WARNINGS_OF_A_KIND:
            log.warning("%s", problem)
    for kind in kinds.values():
        rest = kind[START_WARNINGS_OF_A_KIND:]
        if rest:
            log.warning("... and %d more warning%s like the one on %s, not logged one by one: "
                        "%s%s (`microlearn lessons check` lists a folder's problems)",
                        len(rest), "s" if len(rest) != 1 else "",
                        kind[START_WARNINGS_OF_A_KIND - 1].path,
                        ", ".join(problem.path for problem in rest[:3]),
                        ", ..." if len(rest) > 3 else "")


def open_engine(
    lessons: Path, url: str, settings: EngineSettings, lookup: LookupSettings | None = None
) -> tuple[Database, Engine]:
    """Migrate the database, load the lessons and build the engine on that database. A start
    that fails removes the SQLite file it made (a mistyped lesson folder must not leave a
    database that looks real behind: `demo`, `simulate`)."""
    file = sqlite_file(url)
    made = file if file is not None and not file.exists() else None
    database = Database(url)
    try:
        upgrade(database)
        catalog = open_catalog(lessons, lookup)
        loaded = catalog.load()
    except BaseException:
        database.dispose()  # no connection left open on a database the caller never sees
        if made is not None:
            remove_sqlite_file(made)
        raise
    # A trainer starting the bot (or the demo) learns at once which files are not served and
    # why, as after a bad save while it runs (`lessons check` prints the same lines).
    log_start_problems(loaded.problems)
    kept = catalog.kept_while_broken()
    if kept:
        log.warning("%d broken lesson file%s served as %s last good version until fixed: %s",
                    len(kept), "s are" if len(kept) != 1 else " is",
                    "their" if len(kept) != 1 else "its", ", ".join(kept[:10])
                    + (f" and {len(kept) - 10} more" if len(kept) > 10 else ""))
    broken = catalog.not_served()
    if broken:
        log.warning("%d lesson file%s not served until %s fixed: %s (the bot picks up a fixed "
                    "file at once)", len(broken), "s are" if len(broken) != 1 else " is",
                    "they are" if len(broken) != 1 else "it is", ", ".join(broken[:10])
                    + (f" and {len(broken) - 10} more" if len(broken) > 10 else ""))
    return database, Engine(database, catalog, settings)


# -- microlearn run ---------------------------------------------------------------------------

ADAPTER_MODULES = {Platform.TELEGRAM: "bot.adapters.telegram", Platform.SLACK: "bot.adapters.slack"}
"""Each platform's adapter package; it offers ``create(settings, secrets) -> Adapter``."""


def _log_library(catalog: Catalog, folder: str, track_order: tuple[str, ...] = ()) -> None:
    lessons = catalog.lessons()
    problems = catalog.problems()
    log.info("lessons: %d lessons in %d tracks, %d questions, loaded from %s%s", len(lessons),
             len(catalog.tracks()), sum(len(lesson.questions) for lesson in lessons), folder,
             f" ({len(problems)} problems reported above)" if problems else "")
    if not lessons:
        # A wrong mount or a volume not yet synced looks like this: the bot runs, and learners
        # get nothing to learn.
        log.warning("the lesson folder %s holds no lesson%s: learners get nothing to learn "
                    "until one is added; check [lessons] dir (a volume not mounted?)", folder,
                    " that can be served (see the problems above)" if problems else "")
    unknown = unknown_tracks(catalog, track_order)
    if unknown:
        log.warning("%s (learners get the tracks named rightly first, then the others)",
                    unknown)


def _log_change(catalog: Catalog, change: CatalogChange) -> None:
    """Each lesson file the watcher picked up (its problems the catalog logs itself)."""
    for verb, ids in (("added", change.added), ("changed", change.changed)):
        for lesson_id in ids:
            lesson = catalog.get(lesson_id)
            log.info("lesson %s: %s (%s)", verb, lesson_id,
                     lesson.path if lesson is not None else "gone again")
    for lesson_id in change.removed:
        log.info("lesson removed: %s", lesson_id)
    for path in change.removed_broken:
        log.info("lesson file removed: %s (it had errors)", path)


def start_wait(planned: float, asked: float | None) -> tuple[float, str]:
    """The seconds to wait before the next try at starting an adapter, and what the log adds
    to say why: ``planned`` (from ``START_WAITS``), or longer when a 429 asked for longer,
    up to ``START_WAIT_MOST``."""
    if asked is None or not asked > planned:  # NaN too
        return planned, ""
    if asked > START_WAIT_MOST:
        return max(planned, START_WAIT_MOST), (f" (the platform asked for {asked:g} s; run "
                                               f"waits {START_WAIT_MOST:g} s at most)")
    return asked, " (as the platform asked)"


class BotHost:
    """What adapters call: the engine, run off the event loop, on the runtime's clock.

    ``limit``: each person's events past it are not read (see
    :mod:`bot.adapters.inbound_limit`); None reads everything (the demo's console, whose one
    person is the one running it, and whose transcripts are piped in at full speed)."""

    def __init__(self, engine: Engine, clock: Clock, limit: InboundLimit | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.limit = limit

    async def handle(self, inbound: Inbound) -> Sequence[Outbound]:
        """The replies to one inbound event. While the database is away (a failover, a
        restart) the event is held and tried again for about 15 s: the platform was told it
        arrived and will not send it again, so answering "sorry" would lose it.

        An event of a person over the limit is not read: the first of a flood is answered
        with a notice, the rest with nothing."""
        if self.limit is not None:
            verdict = self.limit.check((inbound.platform, inbound.user_id))
            if verdict is not Verdict.READ:
                return self._limited(inbound, verdict, self.limit)
        for number, delay in enumerate((*INBOUND_RETRY, None)):
            try:
                with INBOUND.labels(inbound.platform.value).time():
                    return await asyncio.to_thread(self.engine.handle, inbound,
                                                   self.clock.now())
            except Exception as exc:  # only an outage is waited for; the rest goes up
                if not never_reached(exc):
                    raise
                if delay is None:
                    raise DatabaseAway(
                        f"the database stayed away for {sum(INBOUND_RETRY):.0f} s; a "
                        f"{inbound.platform.value} message was not handled (the learner is "
                        "told sorry)") from exc
                # One line per message held, not one per try (an outage had put five
                # warnings and a traceback in the log for every message).
                log.log(logging.WARNING if number == 0 else logging.DEBUG,
                        "the database is away (%s); holding a %s message, trying again for "
                        "up to %.0f s", type(exc).__name__, inbound.platform.value,
                        sum(INBOUND_RETRY))
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last try raises or returns")

    @staticmethod
    def _limited(inbound: Inbound, verdict: Verdict, limit: InboundLimit) -> list[Outbound]:
        platform = inbound.platform.value
        LIMITED.labels(platform).inc()
        if verdict is Verdict.DROP:
            return []
        FLOODS.labels(platform).inc()
        # One line per flood, with who (for the operator), never what they sent.
        log.warning("%s:%s sends faster than [inbound] allows (%d at once, %d a minute): told "
                    "once, nothing they send is read for %.0f s", platform, inbound.user_id,
                    limit.burst, limit.per_minute, PAUSE,
                    extra={"platform": platform, "chat": inbound.chat_id})
        return [Notice(NoticeCode.TOO_FAST)]

    async def poll_sent(self, platform: Platform, poll_id: str, ask_id: int) -> None:
        """Remember which ask a native quiz poll stands for."""
        await asyncio.to_thread(self.engine.poll_sent, platform.value, poll_id, ask_id,
                                self.clock.now())

    async def learner_unreachable(self, learner_id: int, reason: str) -> None:
        """Stop pushing to a learner the platform says cannot be reached."""
        await asyncio.to_thread(self.engine.unreachable, learner_id, reason)

    async def reply_lost(self, platform: Platform, user_id: str,
                         replies: Sequence[Outbound]) -> None:
        """Take back what a reply that reached no one recorded as delivered (a lesson)."""
        await asyncio.to_thread(self.engine.reply_lost, platform.value, user_id, replies)

    async def learner_blocked(self, platform: Platform, user_id: str,
                              reason: str | None) -> None:
        """Pause (a reason) or resume (None) an enrolled learner's pushes, as the platform
        reports a block or an unblock; anyone else is left alone."""
        def mark() -> None:
            with self.engine.store.unit() as unit:
                learner = unit.learners.find(platform.value, user_id)
                if learner is None or (learner.unreachable is None and reason is None):
                    return
                # An unblock leaves the due times as they were: the next scan catches up on
                # today's delivery, as after an outage, and one refused meanwhile goes again.
                unit.learners.update(learner.id, LearnerChange(
                    unreachable=reason[:200] if reason is not None else None))
                if reason is None:
                    self.engine.reopen_refused(unit, learner, self.clock.now())
        await asyncio.to_thread(mark)

    async def standing(self, platform: Platform, user_id: str) -> Profile | None:
        """An enrolled learner's profile, or None (never enrols)."""
        return await asyncio.to_thread(self.engine.standing, platform, user_id,
                                       self.clock.now())


def build_adapters(settings: Settings, secrets: Secrets) -> dict[Platform, Adapter]:
    """An adapter for every platform enabled in the config."""
    enabled = {Platform.TELEGRAM: settings.telegram.enabled, Platform.SLACK: settings.slack.enabled}
    adapters: dict[Platform, Adapter] = {}
    for platform, on in enabled.items():
        if not on:
            continue
        try:
            module = importlib.import_module(ADAPTER_MODULES[platform])
        except ModuleNotFoundError as exc:
            raise AdapterStartError(
                f"[{platform.value}] enabled = true, but this version of microlearn has no "
                f"{platform.value} adapter ({exc}); set enabled = false") from exc
        adapters[platform] = module.create(settings, secrets)
    return adapters


def inbound_limit(settings: Settings, clock: Clock) -> InboundLimit | None:
    """The per-person limit [inbound] asks for, on ``clock`` (None when it is off)."""
    config = settings.inbound
    if config.per_minute == 0:
        return None
    return InboundLimit(config.per_minute, config.burst, lambda: clock.now().timestamp())


def dispatch_settings(settings: Settings, speed: float = 1.0) -> DispatchSettings:
    """The dispatcher's part of the configuration. ``speed``: a simulated clock's, on which
    the worker time-out (real seconds between heartbeats) is that many times as long."""
    schedule = settings.schedule
    return DispatchSettings(
        max_attempts=schedule.max_attempts, concurrency=schedule.concurrency,
        nudge_after=timedelta(hours=schedule.nudge_after_hours),
        worker_timeout=timedelta(seconds=schedule.worker_timeout_seconds * speed))


class Runtime:
    """``microlearn run``: storage, lessons (watched), engine, adapters, web server, scheduler."""

    def __init__(self, settings: Settings, secrets: Secrets, clock: Clock | None = None,
                 adapters: dict[Platform, Adapter] | None = None,
                 start_waits: Sequence[float] = START_WAITS,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.settings = settings
        self.start_waits = tuple(start_waits)
        self._sleep = sleep
        """How a start waits between tries of a platform (tests record the waits)."""
        self.secrets = secrets
        self.clock: Clock = clock or SystemClock()
        self.adapters = adapters
        self.database: Database | None = None
        self._run_lock: RunLock | None = None
        self.engine: Engine | None = None
        self.watcher: CatalogWatcher | None = None
        self.web: WebServer | None = None
        self.service: SchedulerService | None = None
        self.started: list[Adapter] = []
        self._collector: OutboxCollector | None = None
        self.xapi: XapiRelay | None = None
        self._xapi_collector: XapiCollector | None = None

    async def start(self) -> None:
        """Bring everything up; a failure stops what was started and raises."""
        settings = self.settings
        # A start that fails must not leave a database file it made behind (a typo in the
        # URL would otherwise leave a stray empty database next to the config).
        file = sqlite_file(settings.storage.url)
        made = file if file is not None and not file.exists() else None
        try:
            if self.adapters is None and not (settings.telegram.enabled
                                              or settings.slack.enabled):
                raise AdapterStartError(
                    "no platform is enabled: set enabled = true under [slack] or [telegram] in "
                    "the config (or try the bot in a terminal with 'microlearn demo')")
            if settings.dashboard.enabled and not settings.server.enabled:
                # It had started the server anyway, without a word. (`microlearn dashboard`
                # runs one of its own, and takes such a config.)
                raise AdapterStartError(
                    "[dashboard] enabled = true needs the HTTP server: set [server] enabled = "
                    "true, or [dashboard] enabled = false and run 'microlearn dashboard' apart")
            # Before the database is touched: a second run on one SQLite file would poll the
            # same Telegram bot and migrate under the first one's feet.
            self._run_lock = hold_sqlite(settings.storage.url, self.clock.now())
            # Storage and lessons before the platforms: their errors come first, and no
            # platform connection is opened for a bot that cannot run.
            database, engine = await asyncio.to_thread(self._open_engine)
            self.database, self.engine = database, engine
            await asyncio.to_thread(self._check_clock, database)
            self._watch_outbox(database)
            _log_library(engine.catalog, settings.lessons.dir, engine.settings.track_order)
            catalog = engine.catalog
            catalog.subscribe(lambda change: _log_change(catalog, change))
            adapters = self.adapters if self.adapters is not None else build_adapters(
                settings, self.secrets)
            self.watcher = CatalogWatcher(engine.catalog).start()
            host = BotHost(engine, self.clock, inbound_limit(settings, self.clock))
            # The web server first: a webhook registered at an adapter's start must find it
            # listening (requests before the adapter is up are answered 503, and retried).
            routes = [route for adapter in adapters.values() for route in adapter.routes()]
            if settings.dashboard.enabled:
                web = await asyncio.to_thread(dashboard_web, settings, database, engine.catalog,
                                              self.clock)
                routes += web.routes()
            if routes or settings.server.enabled:  # /healthz and /metrics in every mode
                self.web = WebServer(settings.server.host, settings.server.port, routes,
                                     self.health)
                await self.web.start()
            for platform, adapter in adapters.items():
                await self._start_adapter(platform, adapter, host)
                self.started.append(adapter)
            speed = clock_speed(self.clock)
            dispatcher = Dispatcher(database, engine, adapters, self.clock,
                                    dispatch_settings(settings, speed))
            scan = DueScan(database, engine.settings.waking_hours,
                           [platform.value for platform in adapters])
            jobs = []
            if settings.xapi.enabled:  # learning records to the LRS, a job of their own
                self.xapi = relay_from(settings.xapi, self.secrets, database, engine.catalog,
                                       self.clock.now)
                self._xapi_collector = XapiCollector(self.xapi.backlog, self.clock.now)
                REGISTRY.register(self._xapi_collector)
                jobs.append(Job("xapi", settings.xapi.every_seconds, self.xapi.run))
            timing = Timing(scan=scan_interval(settings.schedule.tick_seconds, speed),
                            speed=speed)
            self.service = SchedulerService(database, scan, dispatcher, self.clock, timing,
                                            jobs)
            await self.service.start()
        except BaseException:
            await self.stop()
            if made is not None:
                remove_sqlite_file(made)
            raise
        # The database named: a replica whose config lost its [storage] runs on a file of its
        # own, and only this line shows it.
        log.info("microlearn is running: %s, on %s",
                 ", ".join(a.platform.value for a in adapters.values()), database.safe_url)

    async def _start_adapter(self, platform: Platform, adapter: Adapter, host: BotHost) -> None:
        """Start ``adapter``, trying again after a passing platform error (a 502 or a
        time-out while the platform restarts): one had stopped the whole bot, the other
        platform and the scheduler with it, until someone restarted it by hand."""
        waits = iter(self.start_waits)
        while True:
            try:
                await adapter.start(host)
                return
            except AdapterStartError as exc:
                wait = next(waits, None)
                if not exc.passing or wait is None:
                    raise
                wait, why = start_wait(wait, exc.retry_after)
                log.warning("%s did not start: %s; trying again in %g s%s", platform.value, exc,
                            wait, why, extra={"platform": platform.value})
                await self._sleep(wait)

    def _watch_outbox(self, database: Database) -> None:
        """Report this database's outbox at /metrics (one collector at a time)."""
        if self._collector is not None:
            REGISTRY.unregister(self._collector)
        self._collector = OutboxCollector(database.outbox_figures, self.clock.now)
        REGISTRY.register(self._collector)

    def _check_clock(self, database: Database) -> None:
        """Warn when this machine's clock and the database server's differ by a quarter of
        the worker time-out or more (before two replicas' clocks are half of it apart, where
        docs/delivery.md says they take each other for dead and send each other's rows). A
        simulated clock is checked apart (:meth:`_check_simulated`); the system clock is
        warned of when the database's records are later than it (a simulated run's)."""
        if isinstance(self.clock, SimulatedClock):
            self._check_simulated(database, self.clock)
            return
        if isinstance(self.clock, SystemClock):
            self._check_records(database)
        server = database.server_time()
        if server is None:
            return
        skew = (self.clock.now() - server).total_seconds()
        limit = self.settings.schedule.worker_timeout_seconds / 4
        if abs(skew) >= limit:
            log.warning("this machine's clock is %.0f s %s the database server's: replicas "
                        "whose clocks differ by half of [schedule] worker_timeout_seconds (%g "
                        "s) or more take each other for dead and send their rows again; keep "
                        "every machine's clock in step (NTP, docs/delivery.md)", abs(skew),
                        "ahead of" if skew > 0 else "behind",
                        self.settings.schedule.worker_timeout_seconds)

    def _check_records(self, database: Database) -> None:
        """Warn when the database holds records later than the clock by more than the worker
        time-out: a simulated run (`run --start`) used it, and its learners' stored times
        are in the future (their lessons wait until then, streaks may look broken)."""
        with database.unit() as unit:
            latest = unit.learners.last_seen(None)
        now = self.clock.now()
        ahead = timedelta(seconds=self.settings.schedule.worker_timeout_seconds)
        if latest is not None and latest - now > ahead:
            log.warning("this database holds records up to %s, later than this clock (%s): a "
                        "run on a simulated clock (--start) used it? Its learners' times are "
                        "in the future; use a database of its own for trying schedules "
                        "(docs/operations.md)", self._local(latest), self._local(now))

    def _check_simulated(self, database: Database, clock: SimulatedClock) -> None:
        """Refuse a simulated clock behind the database's latest record (time would go back
        for its learners), or beside another live replica (replicas compare each other's
        heartbeats by their clocks: docs/delivery.md); else say loudly what runs."""
        with database.unit() as unit:
            latest = unit.learners.last_seen(None)
            # Real time on the server where there is one: the others' heartbeats are on it.
            real = database.server_time() or datetime.now(UTC)
            timeout = timedelta(seconds=self.settings.schedule.worker_timeout_seconds)
            here = host_identity()
            others = [worker for worker in unit.workers.beating(real - timeout, real + timeout)
                      if worker.host != here or process_alive(worker.pid)]
        start = clock.start
        if latest is not None and latest > start:
            after = (latest.astimezone(self._zone()) + timedelta(minutes=1)).strftime(
                "%Y-%m-%dT%H:%M")
            raise ConfigError(
                f"--start {self._local(start)} is before this database's latest record "
                f"({self._local(latest)}): a simulated clock never goes back, or its learners' "
                f"stored times stop making sense; give --start {after} or later to go on, or "
                "point [storage] url at a fresh database to start over")
        if others:
            raise ConfigError(
                f"another microlearn run uses this database ({len(others)} worker"
                f"{'s' if len(others) != 1 else ''} with a heartbeat in the last "
                f"{timeout.total_seconds():g} s, on host {others[0].host.split('|')[0]}): a "
                "simulated clock is for one replica alone (replicas take each other for dead "
                "by their clocks, docs/delivery.md); stop the others, or give this run a "
                "database of its own in [storage] url")
        log.warning("running on a simulated clock from %s at %g x real time: for trying "
                    "schedules, not for production (one replica only; everything stored, the "
                    "dashboard's sign-in links and xAPI statements follow this clock)",
                    self._local(start), clock.speed)

    def _zone(self) -> ZoneInfo:
        """The config's time zone ([schedule] time_zone), in which times are told."""
        return calendar.zone(self.settings.schedule.time_zone)

    def _local(self, moment: datetime) -> str:
        """``moment`` as a person reads it, in the config's time zone."""
        return moment.astimezone(self._zone()).strftime("%Y-%m-%d %H:%M %Z")

    def _open_engine(self) -> tuple[Database, Engine]:
        """Storage and lessons, with errors that name the setting to fix."""
        settings = self.settings
        try:
            return open_engine(Path(settings.lessons.dir), settings.storage.url,
                               engine_settings(settings), settings.lookup)
        except StorageError as exc:
            raise ConfigError(f"[storage] url: {exc}") from exc
        except ContentError as exc:
            raise ConfigError(f"[lessons] dir: {exc}") from exc

    async def health(self) -> dict[str, object]:
        """What /healthz reports: the database answers, each adapter is connected, the
        scheduler ticks; ``ok`` when all three hold."""
        database, engine, service = self.database, self.engine, self.service

        def database_ok() -> bool:
            if database is None:
                return False
            with database.unit() as unit:
                return unit.learners.count() >= 0
        try:
            reachable = await asyncio.wait_for(asyncio.to_thread(database_ok), HEALTH_TIMEOUT)
        except Exception:  # health reports, never raises
            reachable = False
        connected: dict[str, bool] = {}
        for adapter in self.started:
            try:
                connected[adapter.platform.value] = await asyncio.wait_for(
                    adapter.connected(), HEALTH_TIMEOUT)
            except Exception:
                connected[adapter.platform.value] = False
        ticking = service is not None and service.ticking()
        return {"ok": reachable and bool(connected) and all(connected.values()) and ticking,
                "database": reachable, "adapters": list(connected), "connected": connected,
                "scheduler": {"ticking": ticking},
                "lessons": len(engine.catalog.lessons()) if engine is not None else 0}

    async def stop(self) -> None:
        """Stop in reverse order: no new ticks, in-flight sends finished or given back,
        adapters disconnected, the web server closed, the watcher stopped."""
        # The dispatcher's in-flight sends and the adapters' replies are waited for side by
        # side, not one after the other (10 s, then 25 s, had outlasted a 30 s stop grace).
        waits: list[Awaitable[None]] = [adapter.quiesce() for adapter in self.started
                                        if isinstance(adapter, Quiescing)]
        if self.service is not None:
            waits.insert(0, self.service.stop())
            self.service = None
        for failed in await asyncio.gather(*waits, return_exceptions=True):
            if isinstance(failed, Exception):
                log.error("shutting down: %s", failed, exc_info=failed)
        for adapter in reversed(self.started):
            try:
                await adapter.stop()
            except Exception:  # shutting down: log and go on with the rest
                log.exception("stopping the %s adapter failed", adapter.platform.value)
        self.started.clear()
        if self.web is not None:
            await self.web.stop()
            self.web = None
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        if self._collector is not None:
            REGISTRY.unregister(self._collector)
            self._collector = None
        if self._xapi_collector is not None:
            REGISTRY.unregister(self._xapi_collector)
            self._xapi_collector = None
        if self.xapi is not None:
            await self.xapi.close()
            self.xapi = None
        if self.database is not None:
            self.database.dispose()
        if self._run_lock is not None:  # last: another run may start now
            self._run_lock.release()
            self._run_lock = None


async def serve(runtime: Runtime) -> None:
    """Run until SIGINT or SIGTERM, then shut down cleanly."""
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    # A start may wait minutes for a platform that is down (START_WAITS): a signal then ends
    # it at once, as an orchestrator's grace period expects.
    starting = asyncio.create_task(runtime.start())
    signalled = asyncio.create_task(stopped.wait())
    await asyncio.wait({starting, signalled}, return_when=asyncio.FIRST_COMPLETED)
    signalled.cancel()
    if not starting.done():
        starting.cancel()  # runtime.start() stops what it started
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        log.info("stopped while starting")
        return
    starting.result()  # a start error, as raised
    try:
        await stopped.wait()
        log.info("shutting down")
    finally:
        await runtime.stop()
