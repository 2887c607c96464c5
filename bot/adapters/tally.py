"""A count of refused requests, said in the log at most once a minute: a scanner on a public
endpoint (or every request, when a secret is wrong) must not flood the log, nor go unsaid."""

from __future__ import annotations

import time
from collections.abc import Callable


class Tally:
    """Counts what :meth:`note` is told; says when to log it, with how many since the last
    time, at most once every ``every`` seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, every: float = 60.0) -> None:
        self.clock = clock
        self.every = every
        self.count = 0
        self.said_at: float | None = None

    def note(self) -> int | None:
        """Count one; the count to log now (and start again from 0), or None to stay quiet."""
        now = self.clock()
        self.count += 1
        if self.said_at is not None and now - self.said_at < self.every:
            return None
        count, self.count, self.said_at = self.count, 0, now
        return count
