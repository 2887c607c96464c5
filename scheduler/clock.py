"""Clocks: time is injected everywhere, so tests and the demo can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current time (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current instant."""


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current instant, from the system."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told: tests run a month in milliseconds, the demo jumps days."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The clock's current instant."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` (never backwards: stored times would stop making sense)."""
        moment = moment.astimezone(UTC)
        if moment < self._now:
            raise ValueError("the clock cannot go back in time")
        self._now = moment

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``."""
        self.set(self._now + delta)
