"""Lesson embeddings kept on disk by content hash, so a restart embeds nothing it has seen.

The key is a hash of the model's name and the exact text embedded: a lesson whose text did not
change is found again after a restart, a rename or a move, and a changed lesson (or another
model) simply misses. One SQLite file (the standard library's ``sqlite3``): safe when two
processes share it, cheap to read 5,000 rows, and one changed lesson writes one row.

Every row remembers the day it was last read or written, and :meth:`VectorCache.prune` (run
when the bot opens its library) deletes the rows no process has asked for in
``RETENTION_DAYS``: an edited lesson's old text, a lesson deleted, another model's vectors. The
file stops growing with every edit, and a lesson still in use is never pruned unless no bot
started for that long.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

from bot.content.embedding import Vectors

log = logging.getLogger(__name__)

RETENTION_DAYS = 90
"""Days a cached row is kept after it was last read or written."""


def today() -> int:
    """The current day, counted from 1970-01-01 (UTC): a row's age in the caches."""
    return int(time.time() // 86400)


def add_seen_column(db: sqlite3.Connection, table: str, day: int) -> None:
    """Give an older cache file's ``table`` its last-used day (today for the rows it holds)."""
    columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    if "seen" not in columns:
        db.execute(f"ALTER TABLE {table} ADD COLUMN seen INTEGER NOT NULL DEFAULT {day}")


def prune_table(db: sqlite3.Connection, table: str, day: int, max_age_days: int) -> int:
    """Delete the rows of ``table`` last used more than ``max_age_days`` before ``day``, and
    give their pages back to the file system where the file allows it; the number deleted."""
    with db:
        deleted = db.execute(f"DELETE FROM {table} WHERE seen < ?",
                             (day - max_age_days,)).rowcount
    if deleted:
        # As a script: execute() steps it once, which frees one page. A no-op in a file made
        # before auto_vacuum was set (its free pages are reused by later rows instead).
        db.executescript("PRAGMA incremental_vacuum;")
    return max(0, deleted)


def touch(db: sqlite3.Connection, table: str, keys: list[str], day: int) -> None:
    """Mark the rows of ``keys`` as used on ``day``."""
    if keys:
        with db:
            for start in range(0, len(keys), 500):  # SQLite's variable limit
                chunk = keys[start:start + 500]
                db.execute(f"UPDATE {table} SET seen = ? WHERE key IN "
                           f"({','.join('?' * len(chunk))})", (day, *chunk))


def text_key(model: str, text: str) -> str:
    """The cache key of ``text`` embedded by ``model``."""
    return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()


class VectorCache:
    """Vectors by key, in memory and (when ``path`` is given) in a SQLite file. Thread-safe.

    A cache file that cannot be opened or written is logged and then ignored: embeddings are
    recomputed, lookup works on.
    """

    def __init__(self, path: Path | None = None, clock: Callable[[], int] = today) -> None:
        """``clock`` gives the current day (:func:`today`; tests pass their own)."""
        self._memory: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._clock = clock
        # Rows read since the last prune that were last used on an earlier day: marked used
        # when pruning (15,000 such writes take a fifth of a second, and the first lookup by
        # meaning after a restart should not wait for them).
        self._used: list[str] = []
        self._db: sqlite3.Connection | None = None
        self.path = path
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
                # Takes effect in a new file only: pruned pages then go back to the disk.
                self._db.execute("PRAGMA auto_vacuum = INCREMENTAL")
                self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, "
                                 "vector BLOB NOT NULL, seen INTEGER NOT NULL DEFAULT 0)")
                add_seen_column(self._db, "vectors", clock())
                self._db.commit()
            except (OSError, sqlite3.Error) as exc:
                log.warning("embedding cache %s is unusable, embedding without it: %s",
                            path, exc)
                self._db = None

    def get_many(self, keys: Iterable[str]) -> dict[str, Vectors]:
        """The cached vectors among ``keys``."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, bytes] = {}
        with self._lock:
            missing = []
            for key in wanted:
                blob = self._memory.get(key)
                if blob is None:
                    missing.append(key)
                else:
                    found[key] = blob
            if missing and self._db is not None:
                day = self._clock()
                try:
                    for start in range(0, len(missing), 500):  # SQLite's variable limit
                        chunk = missing[start:start + 500]
                        marks = ",".join("?" * len(chunk))
                        for key, blob, seen in self._db.execute(
                                f"SELECT key, vector, seen FROM vectors WHERE key IN ({marks})",
                                chunk):
                            found[key] = self._memory[key] = blob
                            if seen < day:
                                self._used.append(key)
                except sqlite3.Error as exc:
                    log.warning("embedding cache read failed: %s", exc)
        # The model's name is part of every key, so all vectors found have its width.
        return {key: np.frombuffer(blob, dtype=np.float32) for key, blob in found.items()
                if blob and len(blob) % 4 == 0}

    def put_many(self, vectors: Mapping[str, Vectors]) -> None:
        """Store ``vectors`` (float32 rows) under their keys."""
        rows = [(key, np.asarray(vector, dtype=np.float32).tobytes())
                for key, vector in vectors.items()]
        with self._lock:
            self._memory.update(rows)
            if self._db is not None and rows:
                day = self._clock()
                try:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO vectors (key, vector, seen) VALUES (?, ?, ?)",
                        [(key, blob, day) for key, blob in rows])
                    self._db.commit()
                except sqlite3.Error as exc:
                    log.warning("embedding cache write failed: %s", exc)

    def prune(self, max_age_days: int = RETENTION_DAYS) -> int:
        """Mark the vectors read so far as used today, then delete those no process read or
        wrote in ``max_age_days``; how many were deleted."""
        with self._lock:
            used, self._used = self._used, []
            if self._db is None:
                return 0
            try:
                day = self._clock()
                touch(self._db, "vectors", used, day)
                deleted = prune_table(self._db, "vectors", day, max_age_days)
            except sqlite3.Error as exc:
                log.warning("embedding cache %s could not be pruned: %s", self.path, exc)
                return 0
        if deleted:
            log.info("embedding cache %s: %d vectors unused for %d days deleted", self.path,
                     deleted, max_age_days)
        return deleted

    def close(self) -> None:
        """Close the file (the in-memory copy stays usable)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def default_cache_path() -> Path:
    """The embedding cache in the user's cache folder ($XDG_CACHE_HOME or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "microlearn" / "vectors.sqlite3"
