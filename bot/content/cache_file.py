"""Opening the caches' SQLite files: where they are, and what to do with a damaged one.

Both caches (lesson vectors, parsed lessons) only save work: a file that cannot be used costs
time, never lessons. So a file that is not a database (cut short, overwritten, another
program's) is moved aside, kept for whoever wants to look at it, and a new one is started: left
in place, it would cost the whole embedding again at every start, each time with the same
warning.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_NAME = "vectors.sqlite3"
DAMAGED_SUFFIX = ".damaged"


def default_cache_path() -> Path:
    """The embedding cache in the user's cache folder ($XDG_CACHE_HOME or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "microlearn" / DEFAULT_NAME


def cache_path(setting: str | Path) -> Path:
    """The embedding cache file a ``[lookup] cache`` setting (or ``--cache``) names: the
    default for "", ``~`` expanded, and a folder taken as the place for the file."""
    if not str(setting):
        return default_cache_path()
    path = Path(setting).expanduser()
    return path / DEFAULT_NAME if path.is_dir() else path


def connect(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection to the cache file ``path`` (made, with its folder, when missing).

    A file that is no SQLite database is renamed ``<name>.damaged`` (replacing an earlier one)
    and a new file is started, with a warning. Raises ``OSError`` or ``sqlite3.Error``, with
    what to check, when no file can be used there."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"cannot make the folder {path.parent} ({exc.strerror or exc}); "
                      "set [lookup] cache to a writable place") from exc
    try:
        return _open(path, timeout)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) or not _damaged(exc):
            raise
        aside = path.with_name(path.name + DAMAGED_SUFFIX)
        try:
            os.replace(path, aside)
        except OSError as move:
            raise sqlite3.DatabaseError(
                f"{exc}, and it cannot be moved aside ({move.strerror or move}): "
                f"delete {path}") from exc
        log.warning("cache file %s was damaged (%s): moved to %s, starting a new one",
                    path, exc, aside.name)
    return _open(path, timeout)


def _open(path: Path, timeout: float) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(str(path), check_same_thread=False, timeout=timeout)
    except sqlite3.OperationalError as exc:
        raise sqlite3.OperationalError(
            f"{exc}: check that {path.parent} is a writable folder, or set [lookup] cache "
            "to another file") from exc
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the header
    except sqlite3.Error:
        db.close()
        raise
    return db


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc)
    return "not a database" in text or "malformed" in text
