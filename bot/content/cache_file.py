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
CACHE_SUFFIXES = (".sqlite3", ".sqlite", ".db")
"""Names of files a damaged cache may be moved aside from (any other is a slip of the
setting, and is left alone)."""


def is_cache_name(path: Path) -> bool:
    """Whether ``path`` is named as a cache file may be (``.sqlite3``, ``.sqlite``, ``.db``, or
    no suffix at all), not as another file a setting may name by mistake."""
    return not path.suffix or path.suffix.lower() in CACHE_SUFFIXES


def default_cache_path() -> Path:
    """The embedding cache in the user's cache folder ($XDG_CACHE_HOME or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "microlearn" / DEFAULT_NAME


def cache_path(setting: str | Path) -> Path:
    """The embedding cache file a ``[lookup] cache`` setting (or ``--cache``) names: the
    default for "", ``~`` expanded, and a folder (one that exists, or any name ending in
    ``/``) taken as the place for the file."""
    if not str(setting):
        return default_cache_path()
    path = Path(setting).expanduser()
    folder = str(setting).endswith(("/", os.sep)) or path.is_dir()  # "new/dir/" is a folder
    return path / DEFAULT_NAME if folder else path


def connect(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection to the cache file ``path`` (made, with its folder, when missing).

    A file named as a cache (:func:`is_cache_name`) that is no SQLite database is renamed
    ``<name>.damaged`` (or ``.damaged-2`` and on: an earlier one is kept) and a new file is
    started, with a warning.
    A file of another name is left alone (``cache = "config.toml"`` is a slip, and moving
    the config aside would stop the bot). Raises ``OSError`` or ``sqlite3.Error``, with what to
    check, when no file can be used there."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"cannot make the folder {path.parent} ({exc.strerror or exc}); "
                      "set [lookup] cache to a writable place") from exc
    before = _identity(path)
    try:
        return _open(path, timeout)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) or not _damaged(exc):
            raise
        if not is_cache_name(path):
            raise sqlite3.DatabaseError(
                f"{exc}: {path.name} is not a cache file; set [lookup] cache to another "
                "file (like vectors.sqlite3) or a folder") from exc
        if _identity(path) == before:  # not replaced meanwhile by another process
            _move_aside(path, exc)
    return _open(path, timeout)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _move_aside(path: Path, exc: sqlite3.DatabaseError) -> None:
    """Rename a damaged cache file to a free ``.damaged`` name. Another process starting at
    the same moment may have moved it already: then there is nothing left to do."""
    for number in range(1, 100):
        aside = path.with_name(path.name + DAMAGED_SUFFIX + (f"-{number}" if number > 1 else ""))
        if aside.exists():
            continue
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return  # moved by another process
        except OSError as move:
            raise sqlite3.DatabaseError(
                f"{exc}, and it cannot be moved aside ({move.strerror or move}): "
                f"delete {path}") from exc
        log.warning("cache file %s was damaged (%s): moved to %s, starting a new one",
                    path, exc, aside.name)
        return
    raise sqlite3.DatabaseError(f"{exc}; many damaged copies are beside it: delete {path} "
                                "and its .damaged copies")


def _open(path: Path, timeout: float) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(str(path), check_same_thread=False, timeout=timeout)
    except sqlite3.OperationalError as exc:
        raise sqlite3.OperationalError(
            f"{exc}: check that {path.parent} is a writable folder, or set [lookup] cache "
            "to another file") from exc
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the header
        # The bot's own database beside the config is a likely slip: a cache's pruning and
        # vacuuming must never run on the learners' data.
        ours = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name IN "
                          "('alembic_version', 'learner')").fetchone()
    except sqlite3.Error:
        db.close()
        raise
    if ours:
        db.close()
        raise sqlite3.DatabaseError(
            f"{path} is microlearn's own database (the learners' data), not a cache; set "
            "[lookup] cache to another file (like vectors.sqlite3) or a folder")
    return db


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc)
    return "not a database" in text or "malformed" in text
