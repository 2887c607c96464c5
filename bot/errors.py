"""The one exception tree of microlearn.

Every error a person can meet derives from :class:`MicrolearnError`, and its message says what to do.
"""

from __future__ import annotations

from pathlib import Path


class MicrolearnError(Exception):
    """Root of every error microlearn raises on purpose."""


class ContentError(MicrolearnError):
    """Something is wrong with the lesson library as a whole (for example, a missing folder)."""


class LessonError(ContentError):
    """One problem in one lesson file, located at a line so a trainer can fix it."""

    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        super().__init__(f"{self.path}:{line}: {reason}")


class QueryError(MicrolearnError):
    """A lookup request that cannot be answered as given (for example, a limit below one)."""


class ConfigError(MicrolearnError):
    """The configuration is wrong; the message names the file and the key."""
