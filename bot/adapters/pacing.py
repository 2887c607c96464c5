"""Pacing sends under a platform's limits: one bot-wide rate, one rate per chat, and a pause when
the platform answers 429.

The bot-wide limiter is aiolimiter's leaky bucket with room for about one message, so sends are
spread evenly instead of bursting: a platform that counts messages in any one-second window never
sees more than its limit. The bot-wide rate runs a little under the platform's figure for the same
reason. Each adapter paces every platform message it sends, scheduled pushes and replies alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter

from bot.metrics import RATE_LIMITED

HEADROOM = 0.97
"""Share of the platform's limits we use: messages 3% further apart than the limit allows
never trip a strict counter, whatever the network's jitter adds or takes."""
BUCKET = 1.1
"""The bot-wide bucket's size, in messages at full speed."""
SLOWEST = 0.91
"""After 429s the bot-wide rate backs off to this share at most (BUCKET x SLOWEST >= 1)."""
BACK_OFF = 0.95
"""Each 429 multiplies the bot-wide rate by this..."""
RECOVER = 0.0001
"""... and each message sent without one gives back this share (full speed again after about
a thousand messages)."""
MAX_CHATS = 10_000
"""Chats whose last send time is kept; the least recently used go first (after a second, an
idle chat needs no spacing)."""


@dataclass
class _Chat:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: float = -math.inf
    """When the last message to this chat went out (the event loop's clock)."""


class Pacer:
    """Waits until a message may go: to this chat, on this platform, now.

    The bot-wide rate is aiolimiter's. A chat's rate is kept by spacing each message from the
    moment the platform answered the previous one to that chat (not from when that one was
    allowed to go: one that then waited, or travelled slowly, would leave the next too close).
    Messages to one chat go one at a time, in order.
    """

    def __init__(self, per_second: float, per_chat_per_second: float) -> None:
        self.per_second = per_second
        self.per_chat_per_second = per_chat_per_second
        # Room for 1.1 messages: a turn taken a few milliseconds late (the event loop is
        # never exact) is made up on the next one instead of lost, while any one second
        # still holds at most 1.1 + 0.97 x limit messages, which is below limit + 1. Each
        # message takes 1 / speed of the bucket: after a 429 the speed drops (the platform
        # counts differently from us: a stall on its side bunches our evenly spaced
        # messages), then creeps back, so 429s do not recur every few seconds.
        self._global = (AsyncLimiter(BUCKET, BUCKET / (per_second * HEADROOM))
                        if math.isfinite(per_second) else None)
        self.speed = 1.0
        """The share of the bot-wide rate in use (SLOWEST to 1)."""
        self._gap = (1 / (per_chat_per_second * HEADROOM)
                     if math.isfinite(per_chat_per_second) else 0.0)
        self._chats: OrderedDict[str, _Chat] = OrderedDict()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """The platform said 429: hold every send for ``seconds`` (its retry-after), and go
        slower for a while."""
        RATE_LIMITED.inc()
        loop = asyncio.get_running_loop()
        if self._paused_until <= loop.time():  # one back-off per pause, however many 429s
            self.speed = max(SLOWEST, self.speed * BACK_OFF)
        self._paused_until = max(self._paused_until, loop.time() + max(0.0, seconds))

    @property
    def paused_for(self) -> float:
        """Seconds left of a 429 pause (0 when sending may go on)."""
        return max(0.0, self._paused_until - asyncio.get_running_loop().time())

    def _chat(self, chat_id: str) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat()
            if len(self._chats) > MAX_CHATS:
                self._evict()
        else:
            self._chats.move_to_end(chat_id)
        return chat

    def _evict(self) -> None:
        """Forget the least recently used chats down to MAX_CHATS, skipping any still
        sending (its spacing is still needed)."""
        excess = len(self._chats) - MAX_CHATS
        victims: list[str] = []
        for chat_id, state in self._chats.items():  # oldest first; usually stops at once
            if len(victims) >= excess:
                break
            if not state.lock.locked():
                victims.append(chat_id)
        for chat_id in victims:
            del self._chats[chat_id]

    @asynccontextmanager
    async def slot(self, chat_id: str) -> AsyncIterator[None]:
        """Wait out any 429 pause, this chat's spacing and the bot-wide turn; then send."""
        loop = asyncio.get_running_loop()
        chat = self._chat(chat_id) if self._gap else None
        async with chat.lock if chat is not None else contextlib.nullcontext():
            while True:
                while (wait := self.paused_for) > 0:
                    await asyncio.sleep(wait)
                if chat is not None and (wait := chat.last + self._gap - loop.time()) > 0:
                    await asyncio.sleep(wait)
                if self._global is not None:
                    await self._global.acquire(1 / self.speed)
                # A turn that came during a pause is given up: the senders who waited through
                # it would otherwise all go at once when it ends, and trip the limit again.
                if self.paused_for == 0:
                    break
            self.speed = min(1.0, self.speed + RECOVER)
            try:
                yield
            finally:
                # Spaced from when the platform answered the previous message, which it
                # received before that: however long a request took to get there, the next one
                # cannot reach the platform within the gap.
                if chat is not None:
                    chat.last = loop.time()


def unlimited() -> Pacer:
    """A pacer that never waits (the console, benchmarks)."""
    return Pacer(math.inf, math.inf)
