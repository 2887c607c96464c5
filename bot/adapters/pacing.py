"""Pacing sends under a platform's limits: one bot-wide rate, one rate per chat, and a pause when
the platform answers 429.

The limiters are aiolimiter's leaky buckets with room for a single message, so sends are spread
evenly instead of bursting: a platform that counts messages in any one-second window never sees
more than its limit. The bot-wide rate runs a little under the platform's figure for the same
reason. Each adapter paces every platform message it sends, scheduled pushes and replies alike.
"""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiolimiter import AsyncLimiter

HEADROOM = 0.98
"""Share of the platform's global limit we use: a smooth 98% never trips a strict counter."""
MAX_CHATS = 10_000
"""Per-chat limiters kept; the least recently used go first (an idle chat needs none)."""


class Pacer:
    """Waits until a message may go: to this chat, on this platform, now."""

    def __init__(self, per_second: float, per_chat_per_second: float) -> None:
        self.per_second = per_second
        self.per_chat_per_second = per_chat_per_second
        self._global = (AsyncLimiter(1, 1 / (per_second * HEADROOM))
                        if math.isfinite(per_second) else None)
        self._chats: OrderedDict[str, AsyncLimiter] = OrderedDict()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """The platform said 429: hold every send for ``seconds`` (its retry-after)."""
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + max(0.0, seconds))

    @property
    def paused_for(self) -> float:
        """Seconds left of a 429 pause (0 when sending may go on)."""
        return max(0.0, self._paused_until - asyncio.get_running_loop().time())

    def _chat(self, chat_id: str) -> AsyncLimiter | None:
        if not math.isfinite(self.per_chat_per_second):
            return None
        limiter = self._chats.get(chat_id)
        if limiter is None:
            limiter = AsyncLimiter(1, 1 / self.per_chat_per_second)
            self._chats[chat_id] = limiter
            if len(self._chats) > MAX_CHATS:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        return limiter

    @asynccontextmanager
    async def slot(self, chat_id: str) -> AsyncIterator[None]:
        """Wait for this chat's turn, then the bot-wide turn, then any 429 pause."""
        chat = self._chat(chat_id)
        if chat is not None:
            await chat.acquire()
        if self._global is not None:
            await self._global.acquire()
        while (wait := self.paused_for) > 0:
            await asyncio.sleep(wait)
        yield


def unlimited() -> Pacer:
    """A pacer that never waits (the console, benchmarks)."""
    return Pacer(math.inf, math.inf)
