"""The words learners type (DESIGN §5): with or without a slash, in any case."""

from __future__ import annotations

import re
from dataclasses import dataclass

COMMANDS = frozenset({
    "start", "help", "lesson", "quiz", "learn", "me", "top", "time", "timezone", "days",
    "topics", "pause", "resume", "stop", "forget", "flag", "stats", "reload",
})
ALIASES = {"tz": "timezone", "next": "lesson", "review": "quiz", "profile": "me",
           "leaderboard": "top", "unpause": "resume", "settings": "start", "?": "help"}
_ANSWER = re.compile(r"^\s*([1-9]|10|[a-jA-J])[.)]?\s*$")


@dataclass(frozen=True)
class Command:
    """A parsed command: its name and the rest of the text; name '' means free text."""

    name: str
    args: str = ""
    slashed: bool = False


def parse(text: str) -> Command:
    """Split the first word off when it is a command; otherwise the whole text is free text."""
    stripped = text.strip()
    slashed = stripped.startswith("/")
    word, _, rest = stripped.lstrip("/").partition(" ")
    word = word.split("@", 1)[0].lower()  # Telegram groups send /quiz@botname
    word = ALIASES.get(word, word)
    if word in COMMANDS:
        return Command(word, rest.strip(), slashed)
    if slashed:
        return Command("unknown", word, True)
    return Command("", stripped)


def answer_choice(text: str) -> int | None:
    """The zero-based choice of a typed answer ('2', 'b', 'B)'), or None."""
    match = _ANSWER.match(text)
    if not match:
        return None
    token = match.group(1).lower()
    return int(token) - 1 if token.isdigit() else ord(token) - ord("a")
