"""The root of microlearn's one exception tree, and its storage branch.

The root lives here, in the lowest layer, because ``storage`` never imports ``bot``: every other
branch (``bot.errors``) derives from the same :class:`MicrolearnError`, so one ``except`` catches
every error microlearn raises on purpose.
"""

from __future__ import annotations


class MicrolearnError(Exception):
    """Root of every error microlearn raises on purpose; its message says what to do."""


class StorageError(MicrolearnError):
    """A database problem a person must fix (a bad URL, an unreachable server...)."""


class MigrationError(StorageError):
    """The schema could not be brought up to date."""
