"""Lesson embeddings kept on disk by content hash, so a restart embeds nothing it has seen.

The key is a hash of the model's name and the exact text embedded: a lesson whose text did not
change is found again after a restart, a rename or a move, and a changed lesson (or another
model) simply misses. One SQLite file (the standard library's ``sqlite3``): safe when two
processes share it, cheap to read 5,000 rows, and one changed lesson writes one row.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from bot.content.embedding import Vectors

log = logging.getLogger(__name__)


def text_key(model: str, text: str) -> str:
    """The cache key of ``text`` embedded by ``model``."""
    return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()


class VectorCache:
    """Vectors by key, in memory and (when ``path`` is given) in a SQLite file. Thread-safe.

    A cache file that cannot be opened or written is logged and then ignored: embeddings are
    recomputed, lookup works on.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._memory: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
                self._db.execute("CREATE TABLE IF NOT EXISTS vectors "
                                 "(key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
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
                try:
                    for start in range(0, len(missing), 500):  # SQLite's variable limit
                        chunk = missing[start:start + 500]
                        marks = ",".join("?" * len(chunk))
                        for key, blob in self._db.execute(
                                f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk):
                            found[key] = self._memory[key] = blob
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
                try:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)
                    self._db.commit()
                except sqlite3.Error as exc:
                    log.warning("embedding cache write failed: %s", exc)

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
