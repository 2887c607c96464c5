"""The one place that wires everything together: storage, catalog, engine, adapters, clock."""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from bot.adapters.base import Adapter
from bot.adapters.console import USER, to_inbound
from bot.config import Secrets, Settings
from bot.content.catalog import Catalog
from bot.content.watcher import CatalogWatcher
from bot.engine import calendar
from bot.engine.engine import Engine, EngineSettings
from bot.engine.messages import Inbound, Outbound, Platform
from bot.errors import AdapterStartError, ConfigError, ContentError
from bot.rendering.renderer import Renderer
from bot.web.server import WebServer
from scheduler.clock import Clock, ManualClock, SystemClock
from scheduler.dispatch import Dispatcher, DispatchSettings
from scheduler.due import DueScan
from scheduler.service import SchedulerService, Timing
from storage import Database, StorageError, upgrade
from storage.repositories import Learners

log = logging.getLogger(__name__)


def engine_settings(settings: Settings) -> EngineSettings:
    """The engine's part of the configuration."""
    schedule = settings.schedule
    return EngineSettings(
        time_zone=schedule.time_zone, lesson_time=schedule.lesson_time,
        quiz_time=schedule.quiz_time, workdays=tuple(schedule.workdays.split(",")),
        quiz_questions=schedule.quiz_questions, trainers=tuple(settings.bot.trainers),
        waking_hours=calendar.parse_window(schedule.waking_hours))


def open_engine(lessons: Path, url: str, settings: EngineSettings) -> Engine:
    """Migrate the database, load the lessons and build the engine."""
    database = Database(url)
    upgrade(database)
    catalog = Catalog(lessons)
    catalog.load()
    return Engine(database, catalog, settings)


class Demo:
    """The console demo: the engine, a renderer and a clock the learner can move on.

    'tomorrow' jumps to the next day's lesson time and delivers what the scheduler would: the
    day's lesson, then the reviews that are due, so a newcomer sees spacing and streaks at once.
    """

    def __init__(self, engine: Engine, clock: ManualClock) -> None:
        self.engine = engine
        self.clock = clock
        self.renderer = Renderer()

    def respond(self, text: str) -> list[str]:
        """The replies to one typed line."""
        if text.lower() in ("tomorrow", "/tomorrow"):
            return self.tomorrow()
        if text.lower() in ("now", "/now") and self.learner_zone():
            return [f"[demo clock: {self.local_time()}]"]
        replies = self.render(self.engine.handle(to_inbound(text), self.clock.now()))
        if text == "start":
            replies.append(f"[demo clock: {self.local_time()}. Type 'tomorrow' to jump to the "
                           "next day, '/quit' to leave.]")
        return replies

    def render(self, messages: list[Outbound]) -> list[str]:
        return [self.renderer.render(message) for message in messages]

    def learner_zone(self) -> str | None:
        with self.engine.database.session() as session:
            learner = Learners(session).find(Platform.CONSOLE.value, USER)
        return learner.time_zone if learner else None

    def local_time(self) -> str:
        zone = calendar.zone(self.learner_zone() or "UTC")
        return self.clock.now().astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")

    def tomorrow(self) -> list[str]:
        with self.engine.database.session() as session:
            learner = Learners(session).find(Platform.CONSOLE.value, USER)
        if learner is None:
            return ["Say hello first."]
        zone = calendar.zone(learner.time_zone)
        today = calendar.local_date(self.clock.now(), zone)
        # The next learning day: a weekend would only show "no lesson today" twice.
        day = calendar.next_workday(today, learner.workdays)
        self.clock.set(max(self.clock.now(), calendar.at_local(day, learner.lesson_time, zone)))
        skipped = (day - today).days - 1
        replies = [f"--- {self.local_time()} ---" + (
            f" (skipped {skipped} day{'s' if skipped > 1 else ''} off)" if skipped else "")]
        if learner.paused:
            return [*replies, "(you are on pause: nothing is sent)"]
        replies += self.render(self.engine.deliver_lesson(learner.id, self.clock.now()))
        quiz_at = calendar.at_local(day, learner.quiz_time, zone)
        self.clock.set(max(self.clock.now(), quiz_at))
        replies.append(f"--- {self.local_time()}: review time ---")
        due = self.render(self.engine.deliver_quiz(learner.id, self.clock.now()))
        return replies + (due or ["(no questions due today)"])


def demo_clock(start: datetime | None, settings: EngineSettings) -> ManualClock:
    """The demo starts at today's lesson time (or ``start``)."""
    if start is not None:
        return ManualClock(start)
    zone = calendar.zone(settings.time_zone)
    today = calendar.local_date(datetime.now(zone), zone)
    return ManualClock(calendar.at_local(today, settings.lesson_time, zone))


# -- microlearn run ---------------------------------------------------------------------------

ADAPTER_MODULES = {Platform.TELEGRAM: "bot.adapters.telegram", Platform.SLACK: "bot.adapters.slack"}
"""Each platform's adapter package; it offers ``create(settings, secrets) -> Adapter``."""


class BotHost:
    """What adapters call: the engine, run off the event loop, on the runtime's clock."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    async def handle(self, inbound: Inbound) -> Sequence[Outbound]:
        """The replies to one inbound event."""
        return await asyncio.to_thread(self.engine.handle, inbound, self.clock.now())

    async def poll_sent(self, platform: Platform, poll_id: str, ask_id: int) -> None:
        """Remember which ask a native quiz poll stands for."""
        await asyncio.to_thread(self.engine.poll_sent, platform.value, poll_id, ask_id,
                                self.clock.now())

    async def learner_unreachable(self, learner_id: int, reason: str) -> None:
        """Stop pushing to a learner the platform says cannot be reached."""
        await asyncio.to_thread(self.engine.unreachable, learner_id, reason)

    async def standing(self, platform: Platform, user_id: str) -> Outbound | None:
        """An enrolled learner's PROFILE message, or None (never enrols)."""
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


def dispatch_settings(settings: Settings) -> DispatchSettings:
    """The dispatcher's part of the configuration."""
    schedule = settings.schedule
    return DispatchSettings(
        max_attempts=schedule.max_attempts,
        nudge_after=timedelta(hours=schedule.nudge_after_hours),
        worker_timeout=timedelta(seconds=schedule.worker_timeout_seconds))


class Runtime:
    """``microlearn run``: storage, lessons (watched), engine, adapters, web server, scheduler."""

    def __init__(self, settings: Settings, secrets: Secrets, clock: Clock | None = None,
                 adapters: dict[Platform, Adapter] | None = None) -> None:
        self.settings = settings
        self.secrets = secrets
        self.clock: Clock = clock or SystemClock()
        self.adapters = adapters
        self.watcher: CatalogWatcher | None = None
        self.web: WebServer | None = None
        self.service: SchedulerService | None = None
        self.started: list[Adapter] = []

    async def start(self) -> None:
        """Bring everything up; a failure stops what was started and raises."""
        settings = self.settings
        try:
            adapters = self.adapters if self.adapters is not None else build_adapters(
                settings, self.secrets)
            if not adapters:
                raise AdapterStartError(
                    "no platform is enabled: set enabled = true under [slack] or [telegram] in "
                    "the config (or try the bot in a terminal with 'microlearn demo')")
            engine = await asyncio.to_thread(self._open_engine)
            self.engine = engine
            self.watcher = CatalogWatcher(engine.catalog).start()
            host = BotHost(engine, self.clock)
            # The web server first: a webhook registered at an adapter's start must find it
            # listening (requests before the adapter is up are answered 503, and retried).
            routes = [route for adapter in adapters.values() for route in adapter.routes()]
            if routes:
                self.web = WebServer(settings.server.host, settings.server.port, routes,
                                     self.health)
                await self.web.start()
            for adapter in adapters.values():
                await adapter.start(host)
                self.started.append(adapter)
            dispatcher = Dispatcher(engine.database, engine, adapters, self.clock,
                                    dispatch_settings(settings))
            scan = DueScan(engine.database, engine.settings.waking_hours,
                           [platform.value for platform in adapters])
            self.service = SchedulerService(engine.database, scan, dispatcher, self.clock,
                                            Timing(scan=settings.schedule.tick_seconds))
            await self.service.start()
        except BaseException:
            await self.stop()
            raise
        log.info("microlearn is running: %s", ", ".join(a.platform.value for a in adapters.values()))

    def _open_engine(self) -> Engine:
        """Storage and lessons, with errors that name the setting to fix."""
        settings = self.settings
        try:
            return open_engine(Path(settings.lessons.dir), settings.storage.url,
                               engine_settings(settings))
        except StorageError as exc:
            raise ConfigError(f"[storage] url: {exc}") from exc
        except ContentError as exc:
            raise ConfigError(f"[lessons] dir: {exc}") from exc

    async def health(self) -> dict[str, object]:
        """What /healthz reports: the database answers, and which adapters run."""
        def database_ok() -> bool:
            with self.engine.database.session() as session:
                return Learners(session).count() >= 0
        try:
            ok = await asyncio.to_thread(database_ok)
        except Exception:  # health reports, never raises
            ok = False
        return {"ok": ok, "adapters": [adapter.platform.value for adapter in self.started],
                "lessons": len(self.engine.catalog.lessons())}

    async def stop(self) -> None:
        """Stop in reverse order: no new ticks, in-flight sends finished or given back,
        adapters disconnected, the web server closed, the watcher stopped."""
        if self.service is not None:
            await self.service.stop()
            self.service = None
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
        engine = getattr(self, "engine", None)
        if engine is not None:
            engine.database.dispose()


async def serve(runtime: Runtime) -> None:
    """Run until SIGINT or SIGTERM, then shut down cleanly."""
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    await runtime.start()
    try:
        await stopped.wait()
        log.info("shutting down")
    finally:
        await runtime.stop()
