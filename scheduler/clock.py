"""Clocks: time is injected everywhere, so tests and the demo can move it."""

from __future__ import annotations

import time
from collections.abc import Callable
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


class SimulatedClock:
    """A clock that starts at a chosen instant and then runs ``speed`` times as fast as real
    time (`microlearn run --start/--speed`): a person trying schedules sees a working week
    pass in an afternoon, on the real runtime. Elapsed real time is read from a monotonic
    source, so a change of the machine's wall clock (NTP, a manual set) never moves it back."""

    def __init__(self, start: datetime, speed: float = 1.0,
                 real: Callable[[], float] = time.monotonic) -> None:
        """``real``: seconds from a monotonic source (injected in tests, never slept on)."""
        if start.tzinfo is None:
            raise ValueError("a clock needs a timezone-aware start time")
        if not speed > 0:  # NaN too
            raise ValueError(f"a simulated clock's speed must be above 0, not {speed:g}")
        self.start = start.astimezone(UTC)
        self.speed = speed
        self._real = real
        self._began = real()

    def now(self) -> datetime:
        """The start, plus the real time elapsed since the clock was made times ``speed``."""
        elapsed = max(self._real() - self._began, 0.0)  # monotonic: a guard, not a case
        return self.start + timedelta(seconds=elapsed * self.speed)
