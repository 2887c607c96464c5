"""The ports between the bot's rooms: how the scheduler hands deliveries to a platform, and how
a platform hands learners' events to the bot.

The scheduler sends through a :class:`Sender` (every chat adapter is one, and so is the console);
adapters call the :class:`Host` (``bot/app.py`` implements it). Both sides see only these
protocols and the neutral model of :mod:`bot.messages`, so the scheduler never imports an
adapter and an adapter never imports the scheduler or storage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.errors import ClaimLost
from bot.messages import Inbound, Outbound, Platform, Profile


@dataclass(frozen=True)
class Recipient:
    """Who a scheduled delivery goes to, in the platform's own terms."""

    learner_id: int
    platform: Platform
    user_id: str
    chat_id: str | None
    """Where to post (a Telegram chat id, a Slack DM channel); None when the sender must open
    one from ``user_id`` first."""
    delivery: str | None = None
    """A stable id of the delivery (the same on every try, and after a restart): a platform
    that can mark its messages marks each one with it and its part number."""
    retry: bool = False
    """An earlier try may have left the platform with messages microlearn never heard back
    about (a time-out, a dropped connection): a sender that can look for its marked messages
    does so before sending them again."""
    name: str = ""
    """The learner's display name (a group's push names whose it is)."""
    still_mine: Callable[[], bool] | None = field(default=None, compare=False, repr=False)
    """Whether the delivery is still this worker's to send (the dispatcher's answer, with no
    database call): asked through :meth:`confirm` just before each platform message."""

    def confirm(self, sent: int) -> None:
        """Raise :class:`~bot.errors.ClaimLost` (with ``sent``: the platform messages this
        call sent so far) when another worker took the delivery over. A sender calls it in its
        turn of the pacer, right before each platform message: a delivery may wait there for
        minutes behind a platform's rate limit, long enough for this worker to be taken for
        dead and its rows to go to another."""
        if self.still_mine is not None and not self.still_mine():
            error = ClaimLost("another worker took this delivery over; it sends the rest")
            error.sent = sent
            raise error


@dataclass(frozen=True)
class PollSent:
    """A native quiz poll went out for an ask: its answers will carry only the poll's id."""

    poll_id: str
    ask_id: int


@dataclass(frozen=True)
class Sent:
    """What the platform said about a successful send; the dispatcher records all of it in the
    transaction that marks the platform message sent."""

    message_id: str | None
    """The platform's id of the (first) message, kept on the outbox row."""
    chat_id: str | None = None
    """The chat it went to, when the sender learnt or changed it (a Slack DM just opened, a
    Telegram group that migrated): the dispatcher stores it on the learner."""
    polls: tuple[PollSent, ...] = ()
    """Native quiz polls among the messages sent."""


Progress = Callable[[int, Sent], Awaitable[None]]
"""Called after each platform message of a delivery but the last went out: how many of the
delivery's platform messages are out now (counting those skipped), and what that message was."""


class Sender(Protocol):
    """Sends one delivery's messages to one platform (what the scheduler's dispatcher needs)."""

    platform: Platform

    async def send(self, recipient: Recipient, messages: Sequence[Outbound],
                   skip: int = 0, progress: Progress | None = None) -> Sent:
        """Send one delivery's messages, in order, under the platform's limits.

        ``skip`` platform messages went out on an earlier try: do not send them again (the
        messages are the same, so they render the same). After each platform message the
        platform accepted, except the last, await ``progress`` (if given) before sending the
        next: the dispatcher records it, so a crash part-way resends only what did not go (the
        last is recorded when ``send`` returns). An error raised part-way sets its ``sent`` to
        how many platform messages this call did send.

        Back-off is the sender's own business: on a 429 it pauses its platform for the
        retry-after before raising :class:`~bot.errors.RateLimited`.

        Raises :class:`~bot.errors.RateLimited` (try this row again after ``retry_after``
        seconds), :class:`~bot.errors.TemporaryDeliveryError` (5xx, time-out, network: retry
        later), :class:`~bot.errors.RecipientUnreachable` (blocked, deactivated: stop sending to
        this learner) or :class:`~bot.errors.DeliveryError` (anything else permanent).
        """


Handler = Callable[[Inbound], Awaitable[Sequence[Outbound]]]
"""What an adapter calls with each inbound event; it returns the replies to render."""


class Host(Protocol):
    """What the running bot offers an adapter (``bot/app.py`` implements it).

    Every call runs the engine off the event loop, in its own transaction.
    """

    async def handle(self, inbound: Inbound) -> Sequence[Outbound]:
        """The replies to one inbound event."""

    async def poll_sent(self, platform: Platform, poll_id: str, ask_id: int) -> None:
        """A native quiz poll went out in a reply (``QuestionMessage.ask_id``); its answers
        will carry only ``poll_id``. Scheduled deliveries report their polls in
        :attr:`Sent.polls` instead."""

    async def learner_unreachable(self, learner_id: int, reason: str) -> None:
        """The platform refused a reply for good (blocked, deactivated)."""

    async def reply_lost(self, platform: Platform, user_id: str,
                         replies: Sequence[Outbound]) -> None:
        """None of ``replies`` reached the user (the platform failed past the retries, or
        refused them): what they recorded as delivered is taken back."""

    async def learner_blocked(self, platform: Platform, user_id: str,
                              reason: str | None) -> None:
        """The platform says a user blocked the bot (``reason``: push nothing more to them) or
        unblocked it (None: push again). Never enrols anyone."""

    async def standing(self, platform: Platform, user_id: str) -> Profile | None:
        """The profile of an enrolled learner, or None: never enrols anyone (for views a
        person merely opens, like Slack's App Home)."""
