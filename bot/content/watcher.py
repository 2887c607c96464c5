"""Live reload: watch a lesson folder and refresh the catalog shortly after files change.

Events are gathered for a short quiet period (editors write a file in several steps, and a folder
rename is a burst of events) and then handed to :meth:`Catalog.refresh` in one go, so a change is in
service well within a second without parsing a file twice. A lesson file still being written (a
slow copy: ``scp``, a network drive's sync, an editor's save in place) is read only once it is
whole (see :class:`Settling`); until then its lesson stays as it was.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal

from watchdog.events import (
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from bot.content.catalog import Catalog
from bot.content.folder import LESSON_SUFFIXES

log = logging.getLogger(__name__)

QUIET_SECONDS = 0.05
MAX_DELAY_SECONDS = 0.3
"""A steady stream of events (a big copy) still refreshes at least this often."""
RESCAN_SECONDS = 30.0
"""With no events, the folder is still rescanned this often (a cheap listing and stat): events
can be lost (an overflowing event queue, network file systems) and a replaced folder needs a new
watch."""
SETTLE_SECONDS = 0.3
"""A lesson file changed is read once its size and time stamp have stayed the same this long
(a copy may close the file and open it again for its next chunk)."""
GONE_SECONDS = 1.0
"""A lesson file that vanished counts as removed once it has been missing this long; back
within it, it is a change. Editors that save by renaming the old file away and then writing
the new one (Emacs, JetBrains' safe write) leave no file for about half a second on a busy
machine; a removal seen at once took the lesson out of service in between (and a file that
claims its id took it over). Longer would delay a real deletion for nothing."""
OPEN_SECONDS = 10.0
"""Where the system says when a writer closes a file (Linux), one written to is read once its
writer has closed it too, or once it has not changed for this long while open (a writer that
keeps it open, a close not seen)."""

Signature = tuple[int, int]
"""A file's size and modification time in nanoseconds."""
Change = Literal["made", "written", "closed", "whole", ""]
"""What an event did to a file, as :class:`Settling` needs to know (see ``CatalogWatcher.notice``)."""


def _signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


@dataclass
class _Seen:
    signature: Signature | None
    since: float
    """When the file was first seen with this signature (``Settling``'s clock)."""


class Settling:
    """Which changed lesson files are whole: a file is written in steps (a slow copy writes a
    chunk at a time for a second or two), and reading it in between reports errors it will not
    have (front matter never closed) or serves half a lesson.

    A file renamed into place (as editors save, and most copies and syncs) is whole at once; one
    deleted or renamed away is held while it is missing for less than ``gone_for`` seconds (an
    editor's save may write the new file only then). Any other change is read once the file's
    size and time stamp have stayed the same for ``settle`` seconds and, where
    ``closes_reported`` (Linux), once a writer that wrote to it has closed it (or left it
    unchanged for ``open_for`` seconds). Not thread-safe: the watcher calls it under its lock.
    """

    def __init__(
        self, *, closes_reported: bool, clock: Callable[[], float] = time.monotonic,
        stat: Callable[[Path], Signature | None] = _signature,
        settle: float = SETTLE_SECONDS, open_for: float = OPEN_SECONDS,
        gone_for: float = GONE_SECONDS,
    ) -> None:
        self.closes_reported = closes_reported
        self._clock = clock
        self._stat = stat
        self._settle = settle
        self._open_for = open_for
        self._gone_for = gone_for
        self._gone: dict[Path, float] = {}
        """Files found missing and held: since when (the clock's time)."""
        self._changed: dict[Path, _Seen | None] = {}
        """Files changed and not read since: how they were when last looked at (None: not
        looked at yet)."""
        self._open: set[Path] = set()
        """Those written to and not closed since."""

    def changed(self, path: Path) -> None:
        """``path`` changed (its time stamp set, say)."""
        self._changed.setdefault(path, None)

    def closed(self, path: Path) -> None:
        """A writer closed ``path``."""
        self._changed.setdefault(path, None)
        self._open.discard(path)

    def written(self, path: Path) -> None:
        """``path`` was written to (and is open)."""
        self._changed.setdefault(path, None)
        self._open.add(path)

    def made(self, path: Path) -> None:
        """``path`` was made. Empty, it is being written (a copy made it and has not written
        yet); with text in it, it may be a file found in a folder just made or moved in
        (watchdog says it was made too), which no writer will close."""
        signature = self._stat(path)
        if signature is not None and signature[0] == 0:
            self.written(path)
        else:
            self.changed(path)

    def whole(self, path: Path) -> None:
        """``path`` was renamed into place, or deleted: nothing is being written to it (one
        missing is held by :meth:`look` for a moment all the same)."""
        self._changed.pop(path, None)
        self._open.discard(path)

    def look(self, paths: Iterable[Path]) -> tuple[list[Path], list[Path], float | None]:
        """``paths`` split into those whole now and those still being written, and the clock
        time at which to look at the latter again (None: none is)."""
        now = self._clock()
        whole: list[Path] = []
        held: list[Path] = []
        again = math.inf
        for path in paths:
            signature = self._stat(path)
            if signature is None:
                since = self._gone.setdefault(path, now)
                if now - since < self._gone_for:
                    held.append(path)  # perhaps written again in a moment
                    again = min(again, since + self._gone_for)
                    continue
                del self._gone[path]
                self.whole(path)  # gone for good: a removal
                whole.append(path)
                continue
            self._gone.pop(path, None)
            if path not in self._changed:
                whole.append(path)
                continue
            seen = self._changed[path]
            if seen is None or seen.signature != signature:
                seen = self._changed[path] = _Seen(signature, now)
            wait = self._open_for if self.closes_reported and path in self._open \
                else self._settle
            if now - seen.since >= wait:
                self.whole(path)  # left as it is for long enough
                whole.append(path)
                continue
            held.append(path)
            again = min(again, seen.since + wait)
        return whole, held, again if held else None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: CatalogWatcher) -> None:
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, (FileOpenedEvent, FileClosedNoWriteEvent)):
            return
        paths = [Path(p if isinstance(p, str) else p.decode())
                 for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        kind: Change = ""  # times set (a copy keeping them), a folder's event
        if isinstance(event, (FileMovedEvent, FileDeletedEvent)):
            kind = "whole"  # renamed into place (written whole before), or gone
        elif isinstance(event, FileModifiedEvent):
            kind = "written"
        elif isinstance(event, FileCreatedEvent):
            kind = "made"
        elif isinstance(event, FileClosedEvent):
            kind = "closed"
        self._watcher.notice(paths, is_directory=event.is_directory, kind=kind)


class CatalogWatcher:
    """Keeps a :class:`Catalog` in step with its folder until stopped. Use as a context manager."""

    def __init__(self, catalog: Catalog, *, polling: bool = False) -> None:
        self.catalog = catalog
        self._polling = polling
        self._settling = Settling(closes_reported=False)
        self._pending: set[Path] = set()
        self._held: set[Path] = set()
        """Lesson files still being written (see :class:`Settling`): looked at again at
        ``_look_again``."""
        self._look_again = 0.0
        self._first_event = 0.0
        self._last_event = 0.0
        self._wake = threading.Condition()
        self._stopping = False
        self._observer: Observer | PollingObserver | None = None  # type: ignore[valid-type]
        self._root_id: tuple[int, int] | None = None
        self._thread = threading.Thread(target=self._run, name="lesson-reload", daemon=True)

    def start(self) -> CatalogWatcher:
        """Start watching. Falls back to polling when the OS cannot watch more folders."""
        self._observer = self._observe()
        self._thread.start()
        return self

    def _observe(self) -> Observer | PollingObserver:  # type: ignore[valid-type]
        root = self.catalog.root
        self._root_id = _identity(root)
        observer = PollingObserver(timeout=0.5) if self._polling else Observer()
        observer.schedule(_Handler(self), str(root), recursive=True)
        try:
            observer.start()
        except OSError as exc:  # e.g. the inotify watch limit is reached
            log.warning("cannot watch %s natively (%s); polling every 0.5 s instead", root, exc)
            self._polling = True
            observer = PollingObserver(timeout=0.5)
            observer.schedule(_Handler(self), str(root), recursive=True)
            observer.start()
        # Linux's inotify says when a writer closes a file; polling and other systems do not.
        self._settling.closes_reported = type(observer).__module__.endswith(".inotify")
        return observer

    def _rewatch_if_replaced(self) -> None:
        """A folder deleted and made again (or swapped by a deploy) needs a new watch."""
        current = _identity(self.catalog.root)
        if current is None or current == self._root_id:
            return
        log.info("lesson folder %s was replaced; watching the new one", self.catalog.root)
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        self._observer = self._observe()

    def stop(self) -> None:
        """Stop watching and wait for a refresh in progress to finish."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        # The reload thread may swap the observer (a replaced folder): let it end first.
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._thread.is_alive()

    def __enter__(self) -> CatalogWatcher:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def notice(self, paths: list[Path], is_directory: bool = False, kind: Change = "") -> None:
        """Record changed paths (called from the observer thread); ``kind`` says more of what
        was done to a file, for :class:`Settling`."""
        now = time.monotonic()
        with self._wake:
            for path in paths if not is_directory else ():
                if path.suffix.lower() not in LESSON_SUFFIXES:
                    continue
                if kind == "whole":
                    self._settling.whole(path)
                elif kind == "written":
                    self._settling.written(path)
                elif kind == "made":
                    self._settling.made(path)
                elif kind == "closed":
                    self._settling.closed(path)
                else:
                    self._settling.changed(path)
            if not self._pending:
                self._first_event = now
            self._pending.update(p for p in paths if not is_directory)
            if is_directory or not paths:
                self._pending.add(self.catalog.root)  # a marker: rescan the listing
            self._last_event = now
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                rescan_at = time.monotonic() + RESCAN_SECONDS
                while not self._stopping:
                    now = time.monotonic()
                    if self._pending:  # quiet for a moment, or waited long enough
                        due = min(self._last_event + QUIET_SECONDS,
                                  self._first_event + MAX_DELAY_SECONDS)
                    else:  # files still being written, or nothing (see RESCAN_SECONDS)
                        due = min(self._look_again, rescan_at) if self._held else rescan_at
                    if now >= due:
                        break
                    self._wake.wait(due - now)
                if self._stopping:
                    return
                if not self._pending and not self._held:
                    self._pending.add(self.catalog.root)  # quiet for a while: look anyway
                paths = [p for p in self._pending | self._held if p != self.catalog.root]
                self._pending.clear()
                lessons = [p for p in paths if p.suffix.lower() in LESSON_SUFFIXES]
                whole, held, again = self._settling.look(lessons)
                self._held = set(held)
                self._look_again = again if again is not None else 0.0
                if held and len(held) == len(paths) and again is not None \
                        and again - time.monotonic() <= SETTLE_SECONDS:
                    # Only files about to be whole (and the folder's events of them): one
                    # refresh once they are, rather than a useless one now too.
                    continue
            try:
                self._rewatch_if_replaced()
                # Any other file (an image) may be what a broken lesson was missing.
                self.catalog.refresh(whole, recheck_assets=len(lessons) < len(paths), hold=held)
            except Exception:  # the watcher must outlive any surprise in one refresh
                log.exception("reloading lessons from %s failed", self.catalog.root)
