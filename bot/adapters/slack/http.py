"""HTTP mode: Slack's Request URL served on the bot's one aiohttp server.

DESIGN mentions an ASGI app; the bot's web server is aiohttp (bot/web/server.py), so the route
hands the raw request to bolt through its aiohttp adapter instead of mounting a second server.
bolt checks every request before any listener sees it: ``X-Slack-Signature`` must be
``v0=HMAC-SHA256(signing secret, "v0:{X-Slack-Request-Timestamp}:{raw body}")`` and the
timestamp within five minutes of now, else the answer is 401 and nothing is handled.

A valid signature proves Slack signed the request, not that Slack is the one sending it now:
whoever saw a request (a proxy's log, a debugging tool) could send it again within those five
minutes. :class:`ReplayGuard` remembers every signature accepted until its timestamp leaves the
window, and refuses the same one again. Slack's own retries are signed anew (a later
timestamp, so another signature), and events it retries are handled once by their event id.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.adapters.base import Route
from bot.adapters.tally import Tally

log = logging.getLogger(__name__)
WINDOW = 300
"""Seconds a signed request stays valid either side of now (Slack's and bolt's tolerance)."""
MAX_REMEMBERED = 200_000
"""Signatures kept at most (about 660 requests a second for five minutes); beyond, the oldest
go first."""


class ReplayGuard:
    """Accepts each validly signed request once while its timestamp is within the window."""

    def __init__(self, signing_secret: str, now: Callable[[], float] = time.time) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self.now = now
        self._seen: OrderedDict[str, float] = OrderedDict()
        """Signature -> when it may be forgotten, oldest first (timestamps mostly grow)."""

    def replayed(self, body: bytes, timestamp: str, signature: str) -> bool:
        """True when this signed request was accepted before; a request whose signature is
        not valid is left to bolt (401) and never remembered, so forgeries cannot crowd the
        memory or block a real request."""
        if not self._verifier.is_valid(body, timestamp, signature):
            return False
        now = self.now()
        while self._seen and (next(iter(self._seen.values())) < now
                              or len(self._seen) >= MAX_REMEMBERED):
            self._seen.popitem(last=False)
        if signature in self._seen:
            return True
        # Valid until WINDOW after its own timestamp (it cannot be replayed after that).
        self._seen[signature] = int(timestamp) + WINDOW + 1
        return False


def events_route(app: AsyncApp, path: str, guard: ReplayGuard) -> Route:
    """``POST path``: events, interactivity (buttons) and the slash command alike."""
    refused = _Refusals(guard)

    async def slack_events(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not timestamp.isdigit() or not signature.startswith("v0="):
            # Not signed at all: refused as bolt refuses a wrong signature, without a trace
            # in the error log for anyone who posts here.
            return web.json_response({"error": "invalid request"}, status=401)
        if guard.replayed(body, timestamp, signature):
            log.warning("refused a replayed Slack request (a signature already used)",
                        extra={"platform": "slack", "remote": request.remote})
            return web.json_response({"error": "replayed request"}, status=401)
        try:
            response = await app.async_dispatch(await to_bolt_request(request))
        except ValueError as exc:  # a body bolt cannot read (broken JSON or form data)
            log.warning("refused a Slack request whose body cannot be read (%s)",
                        type(exc).__name__, extra={"platform": "slack",
                                                    "remote": request.remote})
            return web.json_response({"error": "malformed body"}, status=400)
        if response.status == 401:
            refused.note(int(timestamp), request.remote)
        return await to_aiohttp_response(response)
    return Route("POST", path, slack_events)


class _Refusals:
    """Says, at most once a minute, that signed requests are refused: when every one is (a
    wrong SLACK_SIGNING_SECRET, a clock off by minutes), nothing else would tell."""

    def __init__(self, guard: ReplayGuard) -> None:
        self.guard = guard
        self.tally = Tally(guard.now)

    def note(self, timestamp: int, remote: str | None) -> None:
        count = self.tally.note()
        if count is None:
            return
        off = self.guard.now() - timestamp
        why = (f"its timestamp is {abs(off):.0f} s {'old' if off > 0 else 'ahead'}: keep this "
               "machine's clock synchronised" if abs(off) > WINDOW else
               "its signature does not match: if Slack's own requests are refused, check "
               "SLACK_SIGNING_SECRET (the app's Basic Information page)")
        log.warning("refused %d Slack request(s) in the last minute; the latest because %s",
                    count, why, extra={"platform": "slack", "remote": remote})
