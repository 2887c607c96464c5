"""Persistence: SQLModel tables, repositories (the only code that queries) and migrations.

``storage`` never imports ``bot``: repositories take and return plain values and the frozen
records of :mod:`storage.records`, so no database session leaks into the engine.

The database layer loads on first use of :class:`Database` or :func:`upgrade`: the records and
errors are the domain's vocabulary, imported by the neutral message model and every adapter,
which must not pull SQLAlchemy in with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storage.errors import MigrationError, StorageError

if TYPE_CHECKING:
    from storage.database import Database, upgrade

__all__ = ["Database", "MigrationError", "StorageError", "upgrade"]


def __getattr__(name: str) -> Any:
    if name in ("Database", "upgrade"):
        from storage import database

        return getattr(database, name)
    raise AttributeError(f"module 'storage' has no attribute {name!r}")
