"""The words learners type (DESIGN §5): with or without a slash, in any case."""

from __future__ import annotations

import re
from dataclasses import dataclass

COMMANDS = frozenset({
    "start", "help", "lesson", "quiz", "learn", "me", "top", "time", "timezone", "days",
    "topics", "pause", "resume", "stop", "forget", "flag", "stats", "reload", "nudges",
})
ALIASES = {"tz": "timezone", "next": "lesson", "review": "quiz", "profile": "me",
           "leaderboard": "top", "unpause": "resume", "settings": "start", "?": "help",
           "reminders": "nudges", "nudge": "nudges"}
_TOKEN = r"(?:10|[1-9]|[a-jA-J])"
_ANSWERS = re.compile(rf"^\s*{_TOKEN}[.)]?(?:\s*(?:,|and|&|\s)\s*{_TOKEN}[.)]?)*\s*$")
_ANSWERISH = re.compile(r"^[\s\w.,)&-]{1,12}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
SMALL_TALK = frozenset({"hi", "hello", "hey", "thanks", "thank you", "ok", "okay", "yes", "no",
                        "bye", "cool", "great", "nice"})
MAX_INPUT = 4000
"""Longer messages are cut: nothing a learner types needs more."""


@dataclass(frozen=True)
class Command:
    """A parsed command: its name and the rest of the text; name '' means free text."""

    name: str
    args: str = ""
    slashed: bool = False
    text: str = ""
    """The whole message, for when the words turn out not to be a command."""


def clean(text: str) -> str:
    """The message without control characters (a NUL breaks PostgreSQL), trimmed and cut."""
    return " ".join(_CONTROL.sub(" ", text[:MAX_INPUT]).split())


def parse(text: str) -> Command:
    """Split the first word off when it is a command; otherwise the whole text is free text."""
    stripped = text.strip()
    slashed = stripped.startswith("/")
    word, _, rest = stripped.lstrip("/").partition(" ")
    word = word.split("@", 1)[0].lower()  # Telegram groups send /quiz@botname
    word = ALIASES.get(word, word)
    if word in COMMANDS:
        return Command(word, rest.strip(), slashed, stripped)
    if slashed:
        return Command("unknown", word, True, stripped)
    return Command("", stripped, False, stripped)


NO_ARGS = frozenset({"start", "help", "lesson", "quiz", "me", "pause", "resume", "stop",
                     "stats", "reload"})
_TIME_ARGS = re.compile(r"^(?:(?:quiz|lesson)\s+)?\d{1,2}[:.h]\d{2}$", re.IGNORECASE)


def accepts(name: str, args: str) -> bool:
    """Whether unslashed words really are this command ("stop phishing emails" is not)."""
    words = args.lower().split()
    if name in NO_ARGS:
        return not words
    if name == "time":
        return bool(_TIME_ARGS.match(args.strip()))
    if name == "nudges":
        return words in ([], ["on"], ["off"])
    if name == "top":
        return words in ([], ["join"], ["leave"], ["on"], ["off"], ["in"], ["out"])
    if name == "forget":  # "forget me" asks for confirmation; only "confirm" deletes
        return words in ([], ["confirm"], ["yes"], ["me"], ["my", "data"], ["everything"])
    if name == "days":
        from bot.engine.calendar import parse_days

        try:
            parse_days(args)
        except ValueError:
            return False
        return True
    if name == "timezone":
        return len(words) <= 1
    if name == "topics":
        return len(words) <= 6
    return True  # learn, flag: their words are theirs


def answer_choices(text: str) -> tuple[int, ...] | None:
    """Zero-based choices of a typed answer ('2', 'b', 'B)', '1 3', 'a, c'), or None."""
    if not _ANSWERS.match(text):
        return None
    tokens = re.findall(r"10|[1-9]|[a-jA-J]", text.replace("and", " "))
    return tuple(dict.fromkeys(
        int(token) - 1 if token.isdigit() else ord(token.lower()) - ord("a") for token in tokens))


def looks_like_answer(text: str) -> bool:
    """Short digits-and-letters input ('0', '11', 'x') that was probably meant as an answer."""
    stripped = text.strip()
    return bool(_ANSWERISH.match(stripped)) and (any(c.isdigit() for c in stripped)
                                                  or len(stripped) <= 2)
