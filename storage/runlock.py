"""One ``microlearn run`` per SQLite database file.

Two processes on one SQLite file would both poll the same Telegram bot (Telegram serves one
poller) and both send every due delivery's neighbours' work: replicas need PostgreSQL. The guard
is an exclusive ``flock`` on ``<database>.lock`` beside the file: the operating system drops it
when the process ends, however it ends, so a crashed run never blocks the next start (a lease
row in the database would, until its time-out). PostgreSQL takes no lock: replicas share it.
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
        """Let another run start (closing the file drops the lock). The file stays: removing
        it would let a process that opened it just before take a lock nobody else sees."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def hold_sqlite(url: str, now: datetime) -> RunLock | None:
    """Take the run lock of the SQLite database at ``url``; None for PostgreSQL, an in-memory
    database, a folder that does not exist (the database's own error says so) or a system
    without ``flock``. :class:`DatabaseInUse` when another process holds it."""
    database = sqlite_file(url)
    if database is None or not database.parent.is_dir() or sys.platform == "win32":
        return None
    path = lock_file(database)
    try:
        # "a+": opening must not empty the holder's note before the lock is ours.
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
    except OSError as exc:
        raise StorageError(f"cannot open the lock file {path}: {exc.strerror}; microlearn "
                           "needs to write beside its SQLite database") from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.seek(0)
        holder = handle.read().strip() or "pid unknown"
        handle.close()
        raise DatabaseInUse(
            f"another microlearn run ({holder}) uses this SQLite database ({database}); stop "
            "it, or use PostgreSQL for several replicas (docs/delivery.md#several-replicas)"
        ) from exc
    # Who holds it, for the message another start gives.
    handle.truncate(0)
    handle.write(f"pid {os.getpid()}, since {now.isoformat(sep=' ', timespec='seconds')}\n")
    handle.flush()
    return RunLock(path, handle)
