"""A per-person limit on inbound events, so one person (or a script with their token) cannot
take the whole bot's CPU, fill the database with turns, or spend the platform's per-chat rate
on replies that delay everyone else's pushes.

Each person has a token bucket: ``burst`` events at once, refilled at ``per_minute``. An event
that finds the bucket empty starts a *flood*: the person is told once, and nothing more they
send is read for :data:`PAUSE` seconds (what the notice promises). After the pause the bucket
has refilled, and they are read as before. So a flood costs one notice and one log line, and a
script sending without end gets at most ``burst`` events read and one notice a minute or so.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum

PAUSE = 60.0
"""Seconds a person's events are not read once they went over the limit ("I'll read again in
a minute")."""
PEOPLE = 10_000
"""People remembered at most. Those whose bucket has refilled are forgotten first (they are
as good as new); past this many, the one seen longest ago goes even so."""


class Verdict(Enum):
    """What to do with one inbound event."""

    READ = "read"
    """Under the limit: hand it to the engine."""
    TELL = "tell"
    """The first event over the limit: not read; tell the person, once for this flood."""
    DROP = "drop"
    """Later in the same flood: not read, and nothing said (they were told)."""


@dataclass
class _Bucket:
    tokens: float
    at: float
    """When ``tokens`` was counted."""
    paused_until: float | None = None


class InboundLimit:
    """Token buckets keyed by person, on an injected clock (seconds, any origin), in bounded
    memory. ``per_minute`` 0 turns the limit off (every event is read)."""

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float],
                 people: int = PEOPLE) -> None:
        if per_minute < 0 or burst < 1 or people < 1:
            raise ValueError("per_minute must be 0 or more, burst and people 1 or more")
        self.per_minute = per_minute
        self.burst = burst
        self.clock = clock
        self.people = people
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()

    @property
    def on(self) -> bool:
        """Whether events are limited at all."""
        return self.per_minute > 0

    def check(self, person: Hashable) -> Verdict:
        """Count one event of ``person``'s now; what to do with it."""
        if not self.on:
            return Verdict.READ
        now = self.clock()
        self._forget_idle(now)
        bucket = self._buckets.get(person)
        if bucket is None:
            bucket = self._buckets[person] = _Bucket(float(self.burst), now)
        self._buckets.move_to_end(person)
        if bucket.paused_until is not None:
            if now < bucket.paused_until:
                return Verdict.DROP
            bucket.paused_until = None
        self._refill(bucket, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Verdict.READ
        bucket.paused_until = now + PAUSE
        return Verdict.TELL

    def __len__(self) -> int:
        """People remembered now (for tests of the bound)."""
        return len(self._buckets)

    def _refill(self, bucket: _Bucket, now: float) -> None:
        # max(): a wall clock set back must not take tokens away.
        elapsed = max(0.0, now - bucket.at)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_minute / 60)
        bucket.at = now

    def _forget_idle(self, now: float) -> None:
        """Forget people, seen longest ago first, whose bucket is full again and who are not
        paused: a new bucket for them is the same. Amortised O(1) per check."""
        full_after = self.burst * 60 / self.per_minute
        while self._buckets:
            person, bucket = next(iter(self._buckets.items()))
            idle = (bucket.paused_until is None or now >= bucket.paused_until) and (
                now - max(bucket.at, bucket.paused_until or bucket.at) >= full_after)
            if not idle and len(self._buckets) < self.people:
                return
            del self._buckets[person]
