"""The webhook endpoint on the bot's own aiohttp server (no tornado, no second port).

Telegram sends every update as a JSON POST with the header ``X-Telegram-Bot-Api-Secret-Token``
set to the secret given in ``setWebhook``; a request without it, or with another value, is
refused with 403 before its body is read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.adapters.base import Route
from bot.adapters.recent import RecentIds
from bot.adapters.tally import Tally
from bot.errors import AdapterStartError

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

Deliver = Callable[[dict[str, Any]], Awaitable[bool]]
"""Takes one update's JSON; False when the bot is not running (answered 503: Telegram retries)."""


def webhook_secret(configured: str | None, token: str) -> str:
    """The secret Telegram must send: TELEGRAM_WEBHOOK_SECRET, else one derived from the token
    (the same on every replica, and worthless without the token)."""
    if configured is not None:
        if not _SECRET.match(configured):
            raise AdapterStartError(
                "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters from A-Z, a-z, 0-9, _ and -")
        return configured
    return hmac.new(token.encode(), b"microlearn telegram webhook", hashlib.sha256).hexdigest()


def webhook_route(path: str, secret: str, deliver: Deliver) -> Route:
    """The POST route Telegram calls."""
    expected = secret.encode()
    seen = RecentIds()
    refused = Tally()

    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            count = refused.note()
            if count is not None:
                log.warning("refused %d webhook call(s) without the right secret token since the "
                            "last such line; if Telegram's own are refused, "
                            "TELEGRAM_WEBHOOK_SECRET differs between replicas", count,
                            extra={"platform": "telegram", "remote": request.remote})
            return web.Response(status=403, text="forbidden")
        # From here on the request is Telegram's own. Telegram redelivers an update until it
        # gets a 2xx, and holds back the updates after it meanwhile: one that cannot be read is
        # acknowledged, logged once (without its content: learners' text stays out of the
        # log) and dropped, so the rest go on.
        try:
            data = await request.json(loads=json.loads)
        except (ValueError, UnicodeDecodeError):
            log.warning("dropped a malformed webhook update: the body is not JSON",
                        extra={"platform": "telegram"})
            return web.Response(status=200, text="dropped: not JSON")
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int):
            log.warning("dropped a malformed webhook update: no update_id",
                        extra={"platform": "telegram"})
            return web.Response(status=200, text="dropped: not a Telegram update")
        if not seen.first(str(update_id)):
            # Redelivered (our answer was slow or lost): handled once, as "lesson" twice
            # would send two lessons.
            log.info("telegram: update %d came again; handled once", update_id,
                     extra={"platform": "telegram"})
            return web.Response(status=200, text="already handled")
        try:
            accepted = await deliver(data)
        except Exception as exc:  # the inbound boundary: any shape PTB cannot read
            log.warning("dropped malformed webhook update %d: %s: %s", update_id,
                        type(exc).__name__, exc, extra={"platform": "telegram"})
            return web.Response(status=200, text="dropped: not a Telegram update")
        if not accepted:
            seen.forget(str(update_id))  # not taken (503): Telegram's retry is to be handled
        return web.Response(status=200 if accepted else 503)

    return Route("POST", path, handle)
