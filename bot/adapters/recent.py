"""The ids of the last requests a platform sent, to handle one it sends again only once.

Slack retries an event it got no quick answer for, and Telegram redelivers a webhook update
until it gets a 2xx: an answer is idempotent, a command ("lesson", "/start") is not.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")

SEEN = 10_000
"""Ids remembered (hours of traffic for one workspace or bot)."""


class RecentIds:
    """The last ``size`` ids seen; :meth:`first` is True only the first time."""

    def __init__(self, size: int = SEEN) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first(self, key: str) -> bool:
        """True the first time ``key`` is seen (among the last ``size``)."""
        if key in self._ids:
            self._ids.move_to_end(key)
            return False
        self._ids[key] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True

    def forget(self, key: str) -> None:
        """``key`` was not handled after all: the next time it comes is a first."""
        self._ids.pop(key, None)


class ShownQuestions(Generic[T]):
    """Where the last ``size`` questions sent were shown (ask id -> the platform's message):
    a typed answer takes their buttons off, as a press does. Kept in memory: after a restart,
    or on another replica, the buttons stay, and a press then says the question is answered."""

    def __init__(self, size: int = SEEN) -> None:
        self.size = size
        self._shown: OrderedDict[int, list[T]] = OrderedDict()

    def remember(self, ask_id: int, where: T) -> None:
        """One more message showing the ask's question (the reminder shows it again)."""
        self._shown.setdefault(ask_id, []).append(where)
        self._shown.move_to_end(ask_id)
        if len(self._shown) > self.size:
            self._shown.popitem(last=False)

    def take(self, ask_id: int) -> list[T]:
        """Every message showing the ask's question, forgotten from now (it is answered)."""
        return self._shown.pop(ask_id, [])
