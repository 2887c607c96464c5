"""One aiohttp server: ``/healthz`` and Prometheus' ``/metrics`` in every mode, the endpoints
adapters need (Slack's HTTP mode, Telegram's webhook), and the trainer dashboard.

``GET /healthz`` is readiness: 200 when the database answers, every adapter is connected and
the scheduler ticks, else 503, with the report as JSON either way (for a load balancer). ``GET
/healthz/live`` is liveness: 200 whenever the process answers at all (for a supervisor that
restarts a hung process; a database outage is no reason to restart).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.adapters.base import Route
from bot.errors import AdapterStartError
from bot.metrics import REGISTRY

log = logging.getLogger(__name__)
Health = Callable[[], Awaitable[dict[str, object]]]


AWAY_PAGE = ("The database cannot be reached right now, so this page cannot be made. It "
             "comes back by itself once the database answers: try again in a minute.\n")


@web.middleware
async def _database_away(request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                         ) -> web.StreamResponse:
    """A page that needs the database while it is away (an outage, a failover) is a 503 that
    says so, logged in one line: not a bare 500 with a traceback for each request."""
    from storage.database import unavailable  # the database layer only when a page fails

    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:
        if not unavailable(exc):
            raise
        log.warning("%s %s: the database cannot be reached (%s); answered 503",
                    request.method, request.path, type(exc).__name__)
        return web.Response(status=503, text=AWAY_PAGE, headers={"Retry-After": "30"})


BUSY_HINT = ("set [server] host and port to a free address (or [server] enabled = false when "
             "no adapter needs it)")
"""What to do when the port is taken (the bot's own server)."""


class WebServer:
    """Serves adapters' routes and a health check on one host and port."""

    def __init__(self, host: str, port: int, routes: Sequence[Route], health: Health,
                 busy_hint: str = BUSY_HINT) -> None:
        self.host = host
        self.port = port
        self.busy_hint = busy_hint
        self.app = web.Application(client_max_size=1024 * 1024, middlewares=[_database_away])
        self.health = health
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/healthz/live", self._live)
        self.app.router.add_get("/metrics", self._metrics)
        for route in routes:
            if route.method == "GET":  # HEAD too, as a link checker or a monitor asks
                self.app.router.add_get(route.path, route.handler)
            else:
                self.app.router.add_route(route.method, route.path, route.handler)
        self._runner: web.AppRunner | None = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        report = await self.health()
        return web.json_response(report, status=200 if report.get("ok") else 503)

    async def _live(self, _request: web.Request) -> web.Response:
        return web.json_response({"live": True})

    async def _metrics(self, _request: web.Request) -> web.Response:
        """Prometheus' text format (the outbox is read from the database: off the loop)."""
        body = await asyncio.to_thread(generate_latest, REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self) -> None:
        """Listen; :class:`AdapterStartError` when the port is taken."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise AdapterStartError(
                f"cannot listen on {self.host}:{self.port} ({exc.strerror}); "
                f"{self.busy_hint}") from exc
        if self.port == 0:  # the system chose one (tests): say which
            self.port = int(self._runner.addresses[0][1])
        log.info("listening on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
