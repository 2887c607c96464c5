"""One learner's events handled one at a time, in the order they came, within a process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ChatLocks:
    """One lock per chat (or person), kept only while someone holds or waits for it.

    asyncio's lock wakes its waiters first come, first served, so two messages a few
    milliseconds apart are handled in the order they arrived: `time 10:00` then `time 11:00`
    ends at 11:00, and a new learner's `hello` is not answered after what they typed next."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, chat: str) -> AsyncIterator[None]:
        """Hold ``chat``'s lock for the block (waiting behind those who came first)."""
        lock, users = self._locks.get(chat, (asyncio.Lock(), 0))
        self._locks[chat] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat]
            if users <= 1:
                del self._locks[chat]
            else:
                self._locks[chat] = (lock, users - 1)
