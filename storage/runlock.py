"""One ``microlearn run`` per SQLite database file.

Two processes on one SQLite file would both poll the same Telegram bot (Telegram serves one
poller) and both send every due delivery's neighbours' work: replicas need PostgreSQL. The guard
is an exclusive ``flock`` on ``<database>.lock`` beside the file: the operating system drops it
when the process ends, however it ends, so a crashed run never blocks the next start (a lease
row in the database would, until its time-out); a clean stop removes the file, and a crash
leaves a harmless one. PostgreSQL takes no lock: replicas share it.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import IO

from storage.database import sqlite_file
from storage.errors import StorageError

if sys.platform != "win32":
    import fcntl


class DatabaseInUse(StorageError):
    """Another live ``microlearn run`` holds this SQLite database."""


def lock_file(database: Path) -> Path:
    """The lock file that goes with an SQLite database file."""
    return Path(f"{database}.lock")


class RunLock:
    """An exclusive hold on one SQLite database for this process, until :meth:`release`."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self._handle: IO[str] | None = handle

    def release(self) -> None:
        """Let another run start: the file goes (removed while still locked: a start that
        opened it meanwhile finds it gone, see :func:`hold_sqlite`), then the lock."""
        if self._handle is not None:
            self.path.unlink(missing_ok=True)
            self._handle.close()
            self._handle = None


def _still_there(handle: IO[str], path: Path) -> bool:
    """Whether ``path`` still names the file ``handle`` locked (not removed by a holder that
    released it while this process was opening it)."""
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _open(path: Path) -> IO[str]:
    """The lock file, made if missing; "a+": opening must not empty the holder's note."""
    try:
        return open(path, "a+", encoding="utf-8")  # held until RunLock.release()
    except OSError as exc:
        raise StorageError(f"cannot open the lock file {path}: {exc.strerror}; microlearn "
                           "needs to write beside its SQLite database") from exc


def hold_sqlite(url: str, now: datetime) -> RunLock | None:
    """Take the run lock of the SQLite database at ``url``; None for PostgreSQL, an in-memory
    database, a folder that does not exist (the database's own error says so) or a system
    without ``flock``. :class:`DatabaseInUse` when another process holds it."""
    database = sqlite_file(url)
    if database is None or not database.parent.is_dir() or sys.platform == "win32":
        return None
    path = lock_file(database)
    while True:
        handle = _open(path)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "pid unknown"
            handle.close()
            raise DatabaseInUse(
                f"another microlearn run ({holder}) uses this SQLite database ({database}); "
                "stop it, or use PostgreSQL for several replicas "
                "(docs/delivery.md#several-replicas)") from exc
        if _still_there(handle, path):
            break
        handle.close()  # locked a file already released and removed: lock the new one
    # Who holds it, for the message another start gives.
    handle.truncate(0)
    handle.write(f"pid {os.getpid()}, since {now.isoformat(sep=' ', timespec='seconds')}\n")
    handle.flush()
    return RunLock(path, handle)
