"""``microlearn dashboard``: the dashboard alone, against a database that `run` writes (or a
copy of one), with a sign-in link printed for whoever started it."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.config import Settings, listening_url
from bot.content.catalog import Catalog
from bot.dashboard.pages import Dashboard, DashboardSettings
from bot.dashboard.signin import CLI, SignIn
from bot.dashboard.web import PREFIX, DashboardWeb
from bot.metrics import REGISTRY, OutboxCollector
from bot.web.server import WebServer
from scheduler.clock import SystemClock
from storage import Database, upgrade

log = logging.getLogger(__name__)


class DashboardServer:
    """The dashboard's web server, its database and its lessons."""

    def __init__(self, settings: Settings, url: str, lessons: Path, host: str, port: int,
                 public_url: str | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        self.now = now or SystemClock().now
        self.database = Database(url)
        upgrade(self.database)
        catalog = Catalog(lessons)
        catalog.load()
        _check_folder(self.database, catalog, lessons)
        config = settings.dashboard
        self.signin = SignIn(self.database, config.link_minutes, settings.bot.trainers)
        self._public_url = public_url.rstrip("/") if public_url else None
        dashboard = Dashboard(self.database, catalog, DashboardSettings(
            pseudonymous=config.pseudonymous, idle_days=config.idle_days,
            overdue_reviews=config.overdue_reviews, timezone=config.timezone))
        self.web = DashboardWeb(dashboard, self.signin, self.now,
                                secure_cookie=bool(public_url and public_url.startswith("https")),
                                public_url=public_url)
        self.server = WebServer(host, port, self.web.routes(), self.health, busy_hint=(
            "give the dashboard a free one: microlearn dashboard --port N (and --host; a bot "
            "running with [dashboard] enabled = true serves it on its own port already)"))

    async def health(self) -> dict[str, object]:
        def ping() -> bool:
            with self.database.unit() as unit:
                return unit.learners.count() >= 0
        try:
            return {"ok": await asyncio.to_thread(ping)}
        except Exception:  # health reports, never raises
            return {"ok": False}

    @property
    def public_url(self) -> str:
        """Where browsers reach the dashboard: the config's, or the address it listens on (the
        port the system chose, when asked for port 0)."""
        return self._public_url or listening_url(self.server.host, self.server.port)

    def sign_in_url(self) -> str:
        """A fresh one-time link for whoever runs the command."""
        return f"{self.public_url}{PREFIX}/signin?token={self.signin.link(CLI, self.now())}"

    async def serve(self, started: Callable[[str], None]) -> None:
        """Listen until SIGINT or SIGTERM; ``started`` gets the sign-in link."""
        loop = asyncio.get_running_loop()
        stopped = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopped.set)
        collector = OutboxCollector(self.database.outbox_figures, self.now)
        REGISTRY.register(collector)
        await self.server.start()
        try:
            started(self.sign_in_url())
            await stopped.wait()
        finally:
            await self.server.stop()
            REGISTRY.unregister(collector)
            self.database.dispose()


def _check_folder(database: Database, catalog: Catalog, folder: Path) -> None:
    """Warn when most lessons learners got are not in ``folder``: the dashboard started with
    the wrong one (no --lessons) shows every question as removed and every lesson unread."""
    with database.reports() as reports:
        delivered = reports.lessons_delivered()
    missing = [lesson_id for lesson_id in delivered if catalog.get(lesson_id) is None]
    if delivered and len(missing) * 2 > len(delivered):
        log.warning("%d of the %d lessons learners got are not in the lesson folder %s "
                    "(for one, '%s'): the dashboard shows their questions as removed. Give "
                    "the bot's lesson folder with --lessons (or [lessons] dir in --config)",
                    len(missing), len(delivered), folder, missing[0])
