"""Read, parse, validate and analyse lesson files: one at a time, or in parallel for a big load.

Parsing Markdown is CPU-bound pure Python, so a large library (a first load, a whole folder copied
in) is spread over worker processes; small refreshes stay in the calling thread, where they cost
less than starting a worker. With a :class:`~bot.content.lesson_cache.LessonCache`, files whose
bytes were parsed before are read back from it instead (a restart parses only what changed).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bot.content.analysis import Analyzer
from bot.content.folder import LessonFile, decode_text, read_bytes
from bot.content.lesson_cache import LessonCache, Row, content_digest, encode, entry_key
from bot.content.model import Lesson, Problem, Severity
from bot.content.parser import images_found, links_hold, parse_lesson
from bot.content.search import Analysis, analyze_lesson

log = logging.getLogger(__name__)

PARALLEL_FROM = 400
"""Fewer files than this are parsed in the calling thread."""

_analyzer: Analyzer | None = None


@dataclass(frozen=True)
class Loaded:
    """One file's outcome: its lesson (None when it has errors), problems and index analysis."""

    rel: str
    lesson: Lesson | None
    problems: list[Problem]
    analysis: Analysis | None
    digest: str = ""
    """The hash of the bytes parsed ("" when the file could not be read)."""


def load_file(
    path: str, rel: str, root: str, max_bytes: int,
    numbers: dict[str, int] | None = None, vocab: list[str] | None = None,
) -> Loaded:
    """Read and parse one lesson file, and analyse it for the index when it is good.

    ``numbers`` and ``vocab`` are shared by a batch (see :class:`Analysis`).
    """
    try:
        return _load(path, rel, root, max_bytes, numbers, vocab)
    except Exception as exc:  # one odd file must never stop a load or a live reload
        log.exception("parsing %s failed", rel)
        return Loaded(rel, None, [Problem(
            rel, 1, Severity.ERROR,
            f"this file could not be read ({type(exc).__name__}: {exc}); please report it "
            "with the file attached")], None)


def _load(
    path: str, rel: str, root: str, max_bytes: int,
    numbers: dict[str, int] | None, vocab: list[str] | None,
) -> Loaded:
    global _analyzer
    raw, problems = read_bytes(Path(path), rel, max_bytes)
    if raw is None:
        return Loaded(rel, None, problems, None)
    digest = content_digest(raw)
    text, problems = decode_text(raw, rel, max_bytes)
    if text is None:
        return Loaded(rel, None, problems, None, digest)
    lesson, problems = parse_lesson(text, rel, Path(root))
    if lesson is None:
        return Loaded(rel, None, problems, None, digest)
    if _analyzer is None:
        _analyzer = Analyzer()
    return Loaded(rel, lesson, problems, analyze_lesson(lesson, _analyzer, numbers, vocab),
                  digest)


def _load_chunk(
    chunk: list[tuple[str, str]], root: str, max_bytes: int, keep_in: str | None = None,
) -> list[Loaded]:
    """Load a chunk of files; in a worker, keep the good ones in the lesson cache at
    ``keep_in`` from here (sending their rows back would cost more time, and 100 MB more memory
    in the loading process)."""
    numbers: dict[str, int] = {}
    vocab: list[str] = []
    loaded = [load_file(path, rel, root, max_bytes, numbers, vocab) for path, rel in chunk]
    if keep_in is not None:
        cache = _caches.get(keep_in)
        if cache is None:
            cache = _caches[keep_in] = LessonCache(Path(keep_in))
        cache.put_many(_rows(loaded), root)
    return loaded


_caches: dict[str, LessonCache] = {}
"""A worker's own connection to each lesson cache it writes to."""


def _rows(loaded: list[Loaded]) -> list[tuple[str, str, Row]]:
    """The cache rows of the good files among ``loaded``. Files with errors are not kept: they
    are parsed every time, their problems are news."""
    rows = []
    for item in loaded:
        row = _encode(item)
        if row is not None:
            rows.append((entry_key(item.rel, item.digest), item.rel, row))
    return rows


def _encode(loaded: Loaded) -> Row | None:
    """The cache's form of a good file's outcome (None for a file with errors)."""
    if loaded.lesson is None or loaded.analysis is None or not loaded.digest:
        return None
    try:
        return encode((loaded.lesson, loaded.problems, loaded.analysis))
    except (TypeError, ValueError) as exc:  # a field JSON cannot hold: the lesson is not kept
        log.warning("%s cannot be kept in the lesson cache (%s)", loaded.rel, exc)
        return None


def load_files(
    files: list[LessonFile], root: Path, max_bytes: int, cache: LessonCache | None = None,
) -> list[Loaded]:
    """Load ``files``: from ``cache`` when their bytes were parsed before, else by parsing them
    (in parallel when there are many and more than one CPU), keeping the good ones in it."""
    if cache is None or not cache.usable:
        return _parse_files(files, root, max_bytes)
    keys: dict[str, int] = {}
    for position, found in enumerate(files):
        raw, _ = read_bytes(found.abs, found.rel, max_bytes)
        if raw is not None and len(raw) <= max_bytes:
            keys[entry_key(found.rel, content_digest(raw))] = position
    entries = cache.get_many({key: files[position].rel for key, position in keys.items()})
    results: list[Loaded | None] = [None] * len(files)
    good: dict[str, str] = {}
    listed: dict[Path, set[str]] = {}  # folders' names, read once for every lesson's links
    for key, (lesson, problems, analysis) in entries.items():
        # Parsing checked that the lesson's images exist: they must still, or it parses again;
        # so must the files it links to be as they were (there or not, lessons or not).
        if images_found(lesson, root) and links_hold(lesson, root, listed):
            position = keys[key]
            results[position] = Loaded(files[position].rel, lesson, problems, analysis)
            good[files[position].rel] = key
    cache.remember_good(root, good)
    missed = [position for position, result in enumerate(results) if result is None]
    parsed = _parse_files([files[position] for position in missed], root, max_bytes, cache)
    for position, loaded in zip(missed, parsed, strict=True):
        results[position] = loaded
    return [loaded for loaded in results if loaded is not None]  # all are, by now


def _parse_files(
    files: list[LessonFile], root: Path, max_bytes: int, cache: LessonCache | None = None,
) -> list[Loaded]:
    """Parse ``files`` (in parallel when there are many and more than one CPU), keeping the good
    ones in ``cache``."""
    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                  else os.cpu_count() or 1, 8)
    jobs = [(str(f.abs), f.rel) for f in files]
    if len(jobs) < PARALLEL_FROM or workers < 2:
        loaded = _load_chunk(jobs, str(root), max_bytes)
        if cache is not None:
            cache.put_many(_rows(loaded), str(root))
        return loaded
    size = -(-len(jobs) // (workers * 4))
    chunks = [jobs[start:start + size] for start in range(0, len(jobs), size)]
    keep_in = str(cache.path) if cache is not None else None
    # forkserver: forking a process that runs threads (the watcher, the bot's loop) is unsafe.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bot.content.loader"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_load_chunk, chunk, str(root), max_bytes, keep_in)
                   for chunk in chunks]
        return [loaded for future in futures for loaded in future.result()]
