"""Persistence: SQLModel tables, repositories (the only code that queries) and migrations.

``storage`` never imports ``bot``: repositories take and return plain values and the frozen
records of :mod:`storage.records`, so no database session leaks into the engine.
"""

from storage.database import Database, upgrade
from storage.errors import MigrationError, StorageError

__all__ = ["Database", "MigrationError", "StorageError", "upgrade"]
