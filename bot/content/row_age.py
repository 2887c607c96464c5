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
from collections.abc import Callable, Iterable
from pathlib import Path

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


class RowAges:
    """One cache table's days of last use: the rows a process read are noted, and written
    down at :meth:`prune`, just before the rows long unused are deleted. Not thread-safe: the
    cache calls it under its own lock."""

    def __init__(self, table: str, rows: str, clock: Callable[[], int] = today) -> None:
        """``rows`` names what the table holds, for the log ("vectors"); ``clock`` gives the
        current day (:func:`today`; tests pass their own)."""
        self.table = table
        self._rows = rows
        self.clock = clock
        # Read, and last used on an earlier day: written down when pruning, so that a read is
        # never lost to a failed write (another process holding the file).
        self._used: list[str] = []
        self._kept_on: int | None = None  # the day keep() last noted the keys in service

    def read(self, key: str, seen: int | None, day: int) -> None:
        """Note that the row ``key``, last used on ``seen``, was read on ``day``."""
        if seen is None or seen < day:
            self._used.append(key)

    def keep(self, keys: Iterable[str]) -> None:
        """Note that ``keys`` are in service (at most once a day)."""
        day = self.clock()
        if self._kept_on != day:
            self._kept_on = day
            self._used.extend(keys)

    def prune(self, db: sqlite3.Connection, path: Path | None, max_age_days: int) -> int:
        """Write down the rows read as used today, then delete those no process used in
        ``max_age_days``; how many were deleted (0, logged, when the file would not take it:
        the notes are kept for the next prune)."""
        try:
            day = self.clock()
            # Marked before the delete: rows read today after months unused must stay.
            mark_used(db, self.table, self._used, day)
            self._used = []
            deleted = prune_rows(db, self.table, day, max_age_days)
        except sqlite3.Error as exc:
            log.warning("cache %s could not be pruned: %s", path, exc)
            return 0
        if deleted:
            log.info("cache %s: %d %s unused for %d days deleted", path, deleted, self._rows,
                     max_age_days)
        return deleted
