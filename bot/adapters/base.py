"""The adapter port: what every chat platform offers the rest of the bot.

An adapter only translates. Inbound, it turns a platform event into a neutral
:class:`~bot.engine.messages.Inbound`, hands it to the ``Handler`` it was started with, and
renders the neutral replies. Outbound, the scheduler's dispatcher calls :meth:`Adapter.send` with
one delivery's messages; the adapter sends them and returns the platform's message id, or raises
one of the :class:`~bot.errors.DeliveryError` branches so the dispatcher knows whether to wait,
retry, or stop trying (see docs/delivery.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from bot.adapters.pacing import Pacer
from bot.engine.messages import Inbound, Outbound, Platform


@dataclass(frozen=True)
class Recipient:
    """Who a scheduled delivery goes to, in the platform's own terms."""

    learner_id: int
    platform: Platform
    user_id: str
    chat_id: str | None
    """Where to post (a Telegram chat id, a Slack DM channel); None when the adapter must open
    one from ``user_id`` first."""


@dataclass(frozen=True)
class Sent:
    """What the platform said about a successful send."""

    message_id: str | None
    """The platform's id of the (first) message, kept on the outbox row."""
    chat_id: str | None = None
    """The chat it went to, when the adapter learnt or changed it (a Slack DM just opened, a
    Telegram group that migrated): the dispatcher stores it on the learner."""


Progress = Callable[[int, str | None], Awaitable[None]]
"""Called after each platform message of a delivery but the last went out: how many of the
delivery's platform messages are out now (counting those skipped), and that message's id."""

Handler = Callable[[Inbound], Awaitable[Sequence[Outbound]]]
"""What an adapter calls with each inbound event; it returns the replies to render."""


class Host(Protocol):
    """What the running bot offers an adapter (``bot/app.py`` implements it).

    Every call runs the engine off the event loop, in its own transaction.
    """

    async def handle(self, inbound: Inbound) -> Sequence[Outbound]:
        """The replies to one inbound event."""

    async def poll_sent(self, platform: Platform, poll_id: str, ask_id: int) -> None:
        """A native quiz poll went out for an ask (``Outbound.data['ask_id']`` of a question);
        its answers will carry only ``poll_id``."""

    async def learner_unreachable(self, learner_id: int, reason: str) -> None:
        """The platform refused a reply for good (blocked, deactivated)."""

    async def standing(self, platform: Platform, user_id: str) -> Outbound | None:
        """The PROFILE message of an enrolled learner, or None: never enrols anyone (for views
        a person merely opens, like Slack's App Home)."""


RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    """An HTTP endpoint an adapter serves on the bot's one web server (Slack's HTTP mode, a
    Telegram webhook)."""

    method: str
    path: str
    handler: RouteHandler


class Adapter(Protocol):
    """One chat platform."""

    platform: Platform
    pacer: Pacer
    """Paces every platform message: the dispatcher's pushes and the adapter's replies (the
    dispatcher also pauses it when the platform answers 429)."""

    async def start(self, host: Host) -> None:
        """Connect and begin receiving events (returns once running; never blocks the loop).
        Raises :class:`~bot.errors.AdapterStartError` for a missing or rejected token."""

    def routes(self) -> Sequence[Route]:
        """The HTTP endpoints this adapter needs (empty when it only connects outwards)."""

    async def stop(self) -> None:
        """Stop receiving and close connections."""

    async def send(self, recipient: Recipient, messages: Sequence[Outbound],
                   skip: int = 0, progress: Progress | None = None) -> Sent:
        """Send one delivery's messages, in order, each platform message paced by
        ``async with self.pacer.slot(chat)`` (a delivery may be several platform messages).

        ``skip`` platform messages went out on an earlier try: do not send them again (the
        messages are the same, so they render the same). After each platform message the
        platform accepted, except the last, await ``progress`` (if given) before sending the
        next: the dispatcher records it, so a crash part-way resends only what did not go (the
        last is recorded when ``send`` returns). An error
        raised part-way sets its ``sent`` to how many platform messages this call did send.

        Raises :class:`~bot.errors.RateLimited` (wait ``retry_after`` seconds),
        :class:`~bot.errors.TemporaryDeliveryError` (5xx, time-out, network: retry later),
        :class:`~bot.errors.RecipientUnreachable` (blocked, deactivated: stop sending to this
        learner) or :class:`~bot.errors.DeliveryError` (anything else permanent).
        """
