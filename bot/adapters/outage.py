"""A platform connection's failing stretch, so that its end is logged once.

The failures are logged as they come (a WARNING each); /healthz turns back to connected on its
own. Without a line at the end, an operator reading the log could not tell whether the bot had
recovered, nor how long it had been away.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Outage:
    """Counts a connection's failed tries since it last worked; :meth:`answered` logs one INFO
    line, ``<platform>: connected again after N s (M attempts failed)``, when a try works
    after failures, and nothing when it was not failing."""

    def __init__(self, platform: str,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.platform = platform
        self._monotonic = monotonic
        self._since: float | None = None
        self.failures = 0

    @property
    def failing(self) -> bool:
        """Whether the last try failed."""
        return self._since is not None

    def failed(self) -> None:
        """A try failed (the first of a stretch starts its clock)."""
        if self._since is None:
            self._since = self._monotonic()
        self.failures += 1

    def answered(self) -> None:
        """A try worked: end the stretch, if there was one, with its line in the log."""
        if self._since is None:
            return
        lasted = self._monotonic() - self._since
        log.info("%s: connected again after %.0f s (%d attempt%s failed)", self.platform,
                 lasted, self.failures, "s" if self.failures != 1 else "",
                 extra={"platform": self.platform})
        self._since = None
        self.failures = 0
