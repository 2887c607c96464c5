"""How old a cached row is: the day it was last used, and the pruning of rows long unused.

Both caches (embedding vectors, parsed lessons) are SQLite files that several processes may
share: bots on other libraries, a ``microlearn lookup`` run, an older release still running
during an upgrade. Each row carries ``seen``, the day it was last read or written (NULL when an
older release wrote it: a prune dates such a row from that day), and rows unused for
``RETENTION_DAYS`` are deleted.
"""

from __future__ import annotations

import logging
import sqlite3
import time

log = logging.getLogger(__name__)

RETENTION_DAYS = 90
"""Days a cached row is kept after it was last read or written."""


def today() -> int:
    """The current day, counted from 1970-01-01 (UTC): a row's age in the caches."""
    return int(time.time() // 86400)


def add_seen_column(db: sqlite3.Connection, table: str) -> None:
    """Give a file made by an older release its ``seen`` column (only reads when it has one:
    opening a file another process is writing must not wait for it). Of two processes
    upgrading one file at once, one adds the column and the other is told it exists, which
    is as good."""
    if any(row[1] == "seen" for row in db.execute(f"PRAGMA table_info({table})")):
        return
    try:
        db.execute(f"ALTER TABLE {table} ADD COLUMN seen INTEGER")
    except sqlite3.OperationalError as exc:
        if "duplicate column" not in str(exc):
            raise


def mark_used(db: sqlite3.Connection, table: str, keys: list[str], day: int) -> None:
    """Mark the rows of ``keys`` as used on ``day``."""
    if keys:
        with db:
            for start in range(0, len(keys), 500):  # SQLite's variable limit
                chunk = keys[start:start + 500]
                db.execute(f"UPDATE {table} SET seen = ? WHERE key IN "
                           f"({','.join('?' * len(chunk))})", (day, *chunk))


def prune_rows(db: sqlite3.Connection, table: str, day: int, max_age_days: int) -> int:
    """Delete the rows of ``table`` last used more than ``max_age_days`` before ``day`` (rows
    of an older release are dated ``day`` first), and give their pages back to the file
    system where the file allows it; the number deleted."""
    with db:
        db.execute(f"UPDATE {table} SET seen = ? WHERE seen IS NULL", (day,))
        deleted = max(0, db.execute(f"DELETE FROM {table} WHERE seen < ?",
                                    (day - max_age_days,)).rowcount)
    if deleted:
        try:
            # As a script: execute() steps it once, which frees one page. A no-op in a file
            # made before auto_vacuum was set (its free pages are reused by later rows).
            db.executescript("PRAGMA incremental_vacuum;")
        except sqlite3.Error as exc:  # the rows are gone all the same; their space is reused
            log.info("cache pages not given back yet (%s)", exc)
    return deleted
