"""An in-process adapter that records what it is asked to send, on the test's clock, and can
be told to fail: the dispatcher's tests need no network."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.adapters.base import Host, Progress, Recipient, Route, Sent
from bot.adapters.pacing import Pacer, unlimited
from bot.engine.messages import Outbound, Platform


@dataclass(frozen=True)
class Delivered:
    """One send the adapter accepted."""

    recipient: Recipient
    messages: tuple[Outbound, ...]
    at: datetime


class RecordingAdapter:
    """Accepts every send (or raises the queued failures first)."""

    def __init__(self, now: Callable[[], datetime], platform: Platform = Platform.TELEGRAM,
                 pacer: Pacer | None = None) -> None:
        self.platform = platform
        self.pacer = pacer or unlimited()
        self.now = now
        self.delivered: list[Delivered] = []
        self.failures: deque[BaseException] = deque()
        self.hang = False

    async def start(self, host: Host) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Nothing to close."""

    def routes(self) -> Sequence[Route]:
        return ()

    async def send(self, recipient: Recipient, messages: Sequence[Outbound],
                   skip: int = 0, progress: Progress | None = None) -> Sent:
        if self.hang:
            await asyncio.sleep(3600)
        if self.failures:
            raise self.failures.popleft()
        self.delivered.append(Delivered(recipient, tuple(messages[skip:]), self.now()))
        if progress is not None:  # as a real adapter does, one platform message at a time
            for part in range(skip, len(messages) - 1):
                await progress(part + 1, f"m{len(self.delivered)}.{part}")
        return Sent(f"m{len(self.delivered)}")

    def kinds(self) -> list[str]:
        """The kind of each delivery's first message, in order."""
        return [d.messages[0].kind.value for d in self.delivered]
