"""The adapter port: what every chat platform offers the running bot.

An adapter only translates. Inbound, it turns a platform event into a neutral
:class:`~bot.messages.Inbound`, hands it to the :class:`~bot.ports.Host` it was started with,
and renders the neutral replies. Outbound, it is a :class:`~bot.ports.Sender`: the scheduler's
dispatcher calls ``send`` with one delivery's messages; the adapter sends them under the
platform's limits and returns what the platform said, or raises one of the
:class:`~bot.errors.DeliveryError` branches so the dispatcher knows whether to wait, retry, or
stop trying (see docs/delivery.md). The scheduler sees only the :class:`~bot.ports.Sender`;
the rest of this protocol is for ``bot/app.py``, which starts and stops adapters.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aiohttp import web

from bot.adapters.pacing import Pacer
from bot.messages import Outbound, Platform
from bot.ports import Host, Sender

log = logging.getLogger(__name__)

RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    """An HTTP endpoint an adapter serves on the bot's one web server (Slack's HTTP mode, a
    Telegram webhook)."""

    method: str
    path: str
    handler: RouteHandler


class Adapter(Sender, Protocol):
    """One chat platform: a :class:`~bot.ports.Sender` that also receives events.

    ``send`` paces each platform message with ``async with self.pacer.slot(chat)`` (a delivery
    may be several platform messages), and on a 429 pauses :attr:`pacer` for the platform's
    retry-after before raising :class:`~bot.errors.RateLimited`.
    """

    pacer: Pacer
    """Paces every platform message: the dispatcher's pushes and the adapter's replies. The
    adapter pauses it itself when the platform answers 429."""

    async def start(self, host: Host) -> None:
        """Connect and begin receiving events (returns once running; never blocks the loop).
        Raises :class:`~bot.errors.AdapterStartError` for a missing or rejected token."""

    def routes(self) -> Sequence[Route]:
        """The HTTP endpoints this adapter needs (empty when it only connects outwards)."""

    async def stop(self) -> None:
        """Stop receiving and close connections."""

    async def connected(self) -> bool:
        """Whether the adapter can receive events now (polling or the websocket running, or
        ready for the web server's requests): what /healthz reports."""


@runtime_checkable
class Quiescing(Protocol):
    """An adapter that can stop taking events and wait (a bounded time) for the replies being
    written, before it is stopped: done beside the dispatcher's own wait at shutdown."""

    async def quiesce(self) -> None:
        """Take no more events; wait for the replies being written, up to a limit."""


async def reply_lost(host: Host, platform: Platform, user_id: str,
                     replies: Sequence[Outbound]) -> None:
    """Tell ``host`` that none of a reply reached the user; a failure to record it is logged,
    never raised (the adapter is already in its own error path)."""
    try:
        await host.reply_lost(platform, user_id, replies)
    except Exception:  # an error boundary: the reply's own error is the one to report
        log.exception("taking back a reply that was lost failed",
                      extra={"platform": platform.value})
