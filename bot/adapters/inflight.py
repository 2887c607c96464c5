"""The inbound work an adapter is doing (a message being answered), waited for at shutdown.

A platform was told each event arrived (Slack's ack, Telegram's 200) and will not send it
again: a shutdown waits for the replies being written, but only so long, so that the process
is done within an orchestrator's stop grace period.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)


class InFlight:
    """The tasks answering events; :meth:`drain` waits for them at shutdown, up to a limit.
    ``what`` names them in the log ("Slack requests", "telegram: updates")."""

    def __init__(self, what: str, platform: str) -> None:
        prefix, _, self.what = what.rpartition(": ")
        self.prefix = f"{prefix}: " if prefix else ""
        self.platform = platform
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    @contextmanager
    def tracked(self) -> Iterator[None]:
        """Count the running task among the work until the block ends."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def drain(self, timeout: float) -> None:
        """Wait for the work under way, at most ``timeout`` seconds; what is still running
        then is cancelled and counted in the log (those learners get no reply)."""
        current = asyncio.current_task()
        pending = [task for task in self._tasks if task is not current]
        if not pending:
            return
        extra = {"platform": self.platform}
        log.info("%swaiting for %d %s being answered", self.prefix, len(pending), self.what,
                 extra=extra)
        _, left = await asyncio.wait(pending, timeout=timeout)
        if left:
            log.warning("%s%d %s were still being answered %.0f s after shutdown began and are "
                        "dropped: those learners get no reply (give the process a longer stop "
                        "grace period, or fewer learners per replica)", self.prefix, len(left),
                        self.what, timeout, extra=extra)
            for task in left:
                task.cancel()
            await asyncio.wait(left, timeout=1.0)
