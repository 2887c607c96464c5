"""Live reload: watch a lesson folder and refresh the catalog shortly after files change.

Events are gathered for a short quiet period (editors write a file in several steps, and a folder
rename is a burst of events) and then handed to :meth:`Catalog.refresh` in one go, so a change is in
service well within a second without parsing a file twice.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from types import TracebackType

from watchdog.events import (
    FileClosedNoWriteEvent,
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
        paths = [event.src_path, getattr(event, "dest_path", "")]
        self._watcher.notice(
            [Path(p if isinstance(p, str) else p.decode()) for p in paths if p],
            is_directory=event.is_directory,
        )


class CatalogWatcher:
    """Keeps a :class:`Catalog` in step with its folder until stopped. Use as a context manager."""

    def __init__(self, catalog: Catalog, *, polling: bool = False) -> None:
        self.catalog = catalog
        self._polling = polling
        self._pending: set[Path] = set()
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

    def notice(self, paths: list[Path], is_directory: bool = False) -> None:
        """Record changed paths (called from the observer thread)."""
        now = time.monotonic()
        with self._wake:
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
                if not self._pending and not self._stopping:
                    self._wake.wait(RESCAN_SECONDS)
                if self._stopping:
                    return
                if not self._pending:  # quiet for a while: look anyway (see RESCAN_SECONDS)
                    self._pending.add(self.catalog.root)
                    self._first_event = self._last_event = 0.0
                while True:
                    now = time.monotonic()
                    quiet_until = self._last_event + QUIET_SECONDS
                    deadline = self._first_event + MAX_DELAY_SECONDS
                    if now >= quiet_until or now >= deadline or self._stopping:
                        break
                    self._wake.wait(min(quiet_until, deadline) - now)
                paths = [p for p in self._pending if p != self.catalog.root]
                self._pending.clear()
            lessons = [p for p in paths if p.suffix.lower() in LESSON_SUFFIXES]
            try:
                self._rewatch_if_replaced()
                # Any other file (an image) may be what a broken lesson was missing.
                self.catalog.refresh(lessons, recheck_assets=len(lessons) < len(paths))
            except Exception:  # the watcher must outlive any surprise in one refresh
                log.exception("reloading lessons from %s failed", self.catalog.root)
