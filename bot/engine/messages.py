"""The neutral message model: what adapters turn platform events into, and what they render."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Platform(StrEnum):
    """Where a learner talks to the bot."""

    CONSOLE = "console"
    SLACK = "slack"
    TELEGRAM = "telegram"


class Kind(StrEnum):
    """What an outbound message is; each kind has its own template."""

    WELCOME = "welcome"
    HELP = "help"
    LESSON = "lesson"
    QUESTION = "question"
    FEEDBACK = "feedback"
    LOOKUP = "lookup"
    NO_MATCH = "no_match"
    PROFILE = "profile"
    LEADERBOARD = "leaderboard"
    SETTINGS = "settings"
    NOTICE = "notice"
    STATS = "stats"


@dataclass(frozen=True)
class Button:
    """An answer button; ``value`` is short (Telegram allows 64 bytes) and names the answer."""

    label: str
    value: str


@dataclass(frozen=True)
class Inbound:
    """One thing a learner did: typed ``text`` or pressed the button whose value is ``answer``."""

    platform: Platform
    user_id: str
    chat_id: str | None = None
    text: str | None = None
    answer: str | None = None
    display_name: str = ""
    time_zone: str | None = None
    """The platform's idea of the learner's time zone (Slack has one), used at enrolment."""
    poll_id: str | None = None
    """An answer to a native quiz poll: the poll's id (see ``Host.poll_sent``) ..."""
    choices: tuple[int, ...] = ()
    """... and the zero-based options chosen (empty: the vote was taken back)."""


@dataclass(frozen=True)
class Outbound:
    """One message to send: its kind, what its template needs, and any answer buttons."""

    kind: Kind
    data: Mapping[str, Any] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()
