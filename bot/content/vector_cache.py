"""Lesson embeddings kept on disk by content hash, so a restart embeds nothing it has seen.

The key is a hash of the model's name and the exact text embedded: a lesson whose text did not
change is found again after a restart, a rename or a move, and a changed lesson (or another
model) simply misses. One SQLite file (the standard library's ``sqlite3``): safe when two
processes share it, cheap to read 5,000 rows, and one changed lesson writes one row.

Every row remembers the day it was last used (:mod:`bot.content.row_age`), and
:meth:`VectorCache.prune` deletes the rows no process has asked for in ``RETENTION_DAYS``: an
edited lesson's old text, a lesson deleted, another model's vectors. The semantic index prunes
once the library is embedded and every few hours after, each time after marking the vectors
it serves as used (:meth:`VectorCache.keep`), so those are never pruned.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

from bot.content.cache_file import connect
from bot.content.embedding import Vectors
from bot.content.row_age import RETENTION_DAYS, RowAges, add_seen_column, today

log = logging.getLogger(__name__)


def text_key(model: str, text: str) -> str:
    """The cache key of ``text`` embedded by ``model``."""
    return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()


class VectorCache:
    """Vectors by key, in memory and (when ``path`` is given) in a SQLite file. Thread-safe.

    A cache file that cannot be opened or written is logged and then ignored: embeddings are
    recomputed, lookup works on.
    """

    def __init__(self, path: Path | None = None, clock: Callable[[], int] = today,
                 timeout: float = 10.0) -> None:
        """``clock`` gives the current day (:func:`bot.content.row_age.today`; tests pass their
        own); ``timeout`` is how long to wait for another process holding the file."""
        self._memory: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._ages = RowAges("vectors", "vectors", clock)
        self._db: sqlite3.Connection | None = None
        self.path = path
        if path is not None:
            try:
                self._db = connect(path, timeout)
                # Only a new file is written to here: opening a file that another process is
                # writing must not wait for it.
                if not self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                        "AND name = 'vectors'").fetchone():
                    # Takes effect in a new file only: pruned pages then go back to the disk.
                    self._db.execute("PRAGMA auto_vacuum = INCREMENTAL")
                    self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, "
                                     "vector BLOB NOT NULL, seen INTEGER)")
                    self._db.commit()
                add_seen_column(self._db, "vectors")
            except (OSError, sqlite3.Error) as exc:
                log.warning("embedding cache %s is unusable, embedding without it: %s",
                            path, exc)
                self._db = None

    @property
    def persistent(self) -> bool:
        """Whether vectors are kept in a file (for the next start), not in memory only."""
        return self._db is not None

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
                day = self._ages.clock()
                try:
                    for start in range(0, len(missing), 500):  # SQLite's variable limit
                        chunk = missing[start:start + 500]
                        marks = ",".join("?" * len(chunk))
                        for key, blob, seen in self._db.execute(
                                f"SELECT key, vector, seen FROM vectors WHERE key IN ({marks})",
                                chunk):
                            found[key] = self._memory[key] = blob
                            self._ages.read(key, seen, day)
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
                day = self._ages.clock()
                try:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO vectors (key, vector, seen) VALUES (?, ?, ?)",
                        [(key, blob, day) for key, blob in rows])
                    self._db.commit()
                except sqlite3.Error as exc:
                    log.warning("embedding cache write failed: %s", exc)

    def keep(self, keys: Iterable[str]) -> None:
        """Note that ``keys`` are in use (written down by the next :meth:`prune`, at most once
        a day for each)."""
        with self._lock:
            self._ages.keep(keys)

    def prune(self, max_age_days: int = RETENTION_DAYS) -> int:
        """Mark the vectors read so far as used today, then delete those no process read or
        wrote in ``max_age_days``; how many were deleted."""
        with self._lock:
            return 0 if self._db is None else self._ages.prune(self._db, self.path, max_age_days)

    def close(self) -> None:
        """Close the file (the in-memory copy stays usable)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
