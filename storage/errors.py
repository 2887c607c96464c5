"""The storage branch of errors: what went wrong with the database, and what to do about it."""

from __future__ import annotations


class StorageError(Exception):
    """A database problem a person must fix (a bad URL, an unreachable server...)."""


class MigrationError(StorageError):
    """The schema could not be brought up to date."""
