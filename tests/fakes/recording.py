"""An in-process sender that records what it is asked to send, on the test's clock, and can
be told to fail: the dispatcher's tests need no network."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.adapters.base import Route
from bot.adapters.pacing import Pacer, unlimited
from bot.errors import RateLimited
from bot.messages import Outbound, Platform, QuestionMessage
from bot.ports import Host, PollSent, Progress, Recipient, Sent


@dataclass(frozen=True)
class Delivered:
    """One send the sender accepted."""

    recipient: Recipient
    messages: tuple[Outbound, ...]
    at: datetime


class RecordingAdapter:
    """Accepts every send (or raises the queued failures first).

    Like a real adapter, it pauses its platform (``pacer``) before raising a queued
    :class:`~bot.errors.RateLimited`: back-off is the sender's business. Poll ids queued in
    ``polls`` make the next questions go as native quiz polls, one poll id per question, each
    reported in the :class:`~bot.ports.Sent` of its platform message (as Telegram does).
    """

    def __init__(self, now: Callable[[], datetime], platform: Platform = Platform.TELEGRAM,
                 pacer: Pacer | None = None) -> None:
        self.platform = platform
        self.pacer = pacer or unlimited()
        self.now = now
        self.delivered: list[Delivered] = []
        self.failures: deque[BaseException] = deque()
        self.polls: deque[str] = deque()
        self.hang = False
        self.hung = 0
        """Sends that began hanging (``hang``): a send is in flight once it is counted."""
        self.gate: asyncio.Event | None = None
        """When set, every send waits for it (as for its turn of the platform's pace)."""

    async def start(self, host: Host) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Nothing to close."""

    async def connected(self) -> bool:
        """Always: there is nothing to lose."""
        return True

    def routes(self) -> Sequence[Route]:
        return ()

    async def send(self, recipient: Recipient, messages: Sequence[Outbound],
                   skip: int = 0, progress: Progress | None = None) -> Sent:
        if self.hang:  # on the wire: its turn came, and the platform does not answer
            recipient.confirm(0)
            self.hung += 1
            await asyncio.sleep(3600)
        if self.gate is not None:  # a send waiting for its turn of the platform's pace
            await self.gate.wait()
        recipient.confirm(0)
        if self.failures:
            failure = self.failures.popleft()
            if isinstance(failure, RateLimited):
                self.pacer.pause(failure.retry_after)  # the whole platform waits
            raise failure
        self.delivered.append(Delivered(recipient, tuple(messages[skip:]), self.now()))
        number = len(self.delivered)
        unreported: tuple[PollSent, ...] = ()
        for part in range(skip, len(messages)):
            polls = self._poll(messages[part])
            if progress is not None and part + 1 < len(messages):
                # as a real adapter does, one platform message at a time
                await progress(part + 1, Sent(f"m{number}.{part}", polls=polls))
            else:
                unreported += polls
        return Sent(f"m{number}", polls=unreported)

    def _poll(self, message: Outbound) -> tuple[PollSent, ...]:
        """The native poll a question goes as, when a poll id is queued."""
        if isinstance(message, QuestionMessage) and self.polls:
            return (PollSent(self.polls.popleft(), message.ask_id),)
        return ()

    def kinds(self) -> list[str]:
        """The kind of each delivery's first message, in order."""
        return [d.messages[0].kind.value for d in self.delivered]


class RecordedWaits(list[float]):
    """A stand-in for ``asyncio.sleep`` that returns at once and records each wait asked for
    (a start's waits between tries, in seconds)."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
