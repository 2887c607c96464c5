"""Who a Slack user is (name, time zone) and where their DM with the bot is, cached.

``users.info`` is asked once per user per hour at most, and ``conversations.open`` once per user
for the life of the process: both are rate-limited methods (tiers 4 and 3), and the answers
change rarely. A failing ``users.info`` never stops an event: the learner is then enrolled with
the configured default time zone and no name, and the engine completes both from a later
event's profile (or ``timezone Area/City`` fixes it).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.names import plain_name
from bot.adapters.slack.errors import CALL_ERRORS, delivery_error
from bot.errors import DeliveryError, RateLimited

log = logging.getLogger(__name__)
QUIET_AFTER_FAILURE = 30.0
"""Seconds users.info is not asked after it failed without a Retry-After."""
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Person:
    """A Slack user as the engine needs them."""

    display_name: str = ""
    time_zone: str | None = None
    is_bot: bool = False


def to_person(user: dict[str, Any]) -> Person:
    """``users.info``'s user object as a :class:`Person` (display name, else real name)."""
    profile = user.get("profile") or {}
    name = (profile.get("display_name") or profile.get("real_name") or user.get("real_name")
            or user.get("name") or "")
    zone = user.get("tz")
    return Person(plain_name(str(name)), str(zone) if zone else None,
                  bool(user.get("is_bot")) or user.get("id") == "USLACKBOT")


class _Lru(OrderedDict[str, tuple[float, Any]]):
    def put(self, key: str, value: Any, at: float) -> None:
        self[key] = (at, value)
        self.move_to_end(key)
        while len(self) > MAX_ENTRIES:
            self.popitem(last=False)


class Directory:
    """Cached ``users.info`` and ``conversations.open``."""

    def __init__(self, client: AsyncWebClient, ttl: float = 3600.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        """``monotonic``: seconds for the cache's age and the pause after a failure (tests
        pass their own clock)."""
        self.client = client
        self.ttl = ttl
        self.monotonic = monotonic
        self._people = _Lru()
        self._dms = _Lru()
        self._quiet_until = 0.0  # users.info is not asked before then (it failed)

    async def person(self, user_id: str) -> Person:
        """The user's name and time zone (an empty :class:`Person` when Slack will not say)."""
        cached = self._people.get(user_id)
        if cached is not None and self.monotonic() - cached[0] < self.ttl:
            return cached[1]  # type: ignore[no-any-return]
        if self.monotonic() < self._quiet_until:  # it failed a moment ago: not every message
            return cached[1] if cached is not None else Person()
        try:
            response = await self.client.users_info(user=user_id)
        except CALL_ERRORS as exc:
            error = delivery_error(exc, "users.info")
            # Slack's Retry-After when it gave one, else a pause as long (a passing failure).
            self._quiet_until = self.monotonic() + (
                error.retry_after if isinstance(error, RateLimited) else QUIET_AFTER_FAILURE)
            log.warning("users.info failed for a user: %s", error, extra={"platform": "slack"})
            return cached[1] if cached is not None else Person()
        person = to_person(response.get("user") or {})
        self._people.put(user_id, person, self.monotonic())
        return person

    def remember_dm(self, user_id: str, channel: str) -> None:
        """The user wrote to us in this DM."""
        self._dms.put(user_id, channel, self.monotonic())

    def known_dm(self, user_id: str) -> str | None:
        entry = self._dms.get(user_id)
        return str(entry[1]) if entry is not None else None

    async def dm(self, user_id: str) -> str:
        """The DM channel with the user, opened if needed; raises the delivery branches."""
        known = self.known_dm(user_id)
        if known is not None:
            return known
        try:
            response = await self.client.conversations_open(users=user_id)
        except CALL_ERRORS as exc:
            raise delivery_error(exc, "conversations.open") from exc
        channel = str((response.get("channel") or {}).get("id") or "")
        if not channel:
            raise DeliveryError("Slack conversations.open: no channel in the answer")
        self.remember_dm(user_id, channel)
        return channel
