"""The webhook endpoint on the bot's own aiohttp server (no tornado, no second port).

Telegram sends every update as a JSON POST with the header ``X-Telegram-Bot-Api-Secret-Token``
set to the secret given in ``setWebhook``; a request without it, or with another value, is
refused with 403 before its body is read. An update is answered 200 only once it is handled (its
effects committed to the database): a 200 tells Telegram to forget it, and a process killed
after a 200 given earlier had lost the update.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from aiohttp import web

from bot.adapters.base import Route
from bot.adapters.recent import RecentIds
from bot.adapters.tally import Tally
from bot.errors import AdapterStartError

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

TRIES = 3
"""Times an update whose handling fails is left unacknowledged (500: Telegram sends it again,
the database or the bug may be gone by then); at the last, the learner is told sorry and the
update is acknowledged, so one update that always fails does not come back for ever."""
FAILED_KEPT = 1_000
"""Updates whose failed tries are counted (a replica counts its own)."""


class Outcome(Enum):
    """What became of an update given to the bot, and the HTTP status Telegram gets for it."""

    HANDLED = 200
    """Handled, or ignored for good: its effects are committed (the replies may still be on
    their way), or it was a redelivery of one handled already."""
    STOPPING = 503
    """Not taken: the bot is stopping. Telegram sends it again, to a replica that is not."""
    FAILED = 500
    """Its handling failed and nothing of it was committed: Telegram sends it again."""


Deliver = Callable[[dict[str, Any], bool], Awaitable[Outcome]]
"""Handles one update's JSON (the flag: this is its last try, see :data:`TRIES`) and says what
became of it once its effects are committed, not before: a 200 tells Telegram to forget it."""


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
    running: dict[int, asyncio.Future[Outcome]] = {}
    failed: OrderedDict[int, int] = OrderedDict()
    """Failed tries of updates not yet acknowledged."""

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
        if update_id in running:
            # Sent again while it is being handled (Telegram's time-out is shorter than a
            # slow handling): this answer is the first one's, which may yet fail.
            return await answer(update_id, running[update_id])
        if not seen.first(str(update_id)):
            # Redelivered (our answer was slow or lost): handled once, as "lesson" twice
            # would send two lessons.
            log.info("telegram: update %d came again; handled once", update_id,
                     extra={"platform": "telegram"})
            return web.Response(status=200, text="already handled")
        tries = failed.get(update_id, 0) + 1
        # Handled in a task of its own: a request Telegram gives up on (its connection closed)
        # does not cancel the handling, and the redelivery waits for the same outcome.
        task = asyncio.ensure_future(deliver(data, tries >= TRIES))
        running[update_id] = task
        task.add_done_callback(lambda done: settled(update_id, tries, done))
        return await answer(update_id, task)

    async def answer(update_id: int, task: asyncio.Future[Outcome]) -> web.Response:
        """The answer to Telegram once the update's handling says what became of it."""
        try:
            outcome = await asyncio.shield(task)
        except Exception as exc:  # the inbound boundary: any shape PTB cannot read
            log.warning("dropped malformed webhook update %d: %s: %s", update_id,
                        type(exc).__name__, exc, extra={"platform": "telegram"})
            return web.Response(status=200, text="dropped: not a Telegram update")
        return web.Response(status=outcome.value)

    def settled(update_id: int, tries: int, task: asyncio.Future[Outcome]) -> None:
        """Bookkeeping once an update's handling ended, whoever waited for it."""
        running.pop(update_id, None)
        if task.cancelled():
            seen.forget(str(update_id))
            return
        if task.exception() is not None:
            return  # malformed: dropped, and its redelivery with it
        outcome = task.result()
        if outcome is Outcome.HANDLED:
            failed.pop(update_id, None)
            return
        seen.forget(str(update_id))  # not taken: Telegram's retry is to be handled
        if outcome is Outcome.FAILED:
            failed[update_id] = tries
            failed.move_to_end(update_id)
            if len(failed) > FAILED_KEPT:
                failed.popitem(last=False)

    return Route("POST", path, handle)
