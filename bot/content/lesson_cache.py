"""Parsed lessons kept on disk by content, so a restart parses only the files that changed.

Parsing and analysing 5,000 lessons costs seconds of CPU on every start; reading them back costs a
fraction of that. An entry's key is a hash of the file's path in the folder, its exact bytes and
the code that parses it (this package's content modules, the parsing libraries' versions, the
Python): a file that changed, moved or is parsed by other code simply misses and is parsed again,
so a stale lesson is never served. Only good lessons are kept (with their warnings); a file with
errors is parsed on every load, so its problems are reported afresh, a lesson with local
images is served from here only while every image is still there (what parsing checks), and one
that links to files only while each leads where it led (there or not, a lesson or not: part of
its warnings).

One SQLite file beside the embedding cache, like it safe for two processes to share, and pruned
like it (:meth:`LessonCache.prune`): a new release of the bot parses every file anew, and the
entries of the release before go when nobody has read them for ``RETENTION_DAYS``. A file that
cannot be opened, or an entry that does not read back whole, is logged and skipped: the lessons
are parsed, the bot runs on.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import logging
import os
import sqlite3
import sys
import threading
import unicodedata
import zlib
from array import array
from collections.abc import Callable, Iterable
from dataclasses import fields
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.content.cache_file import connect, is_cache_name
from bot.content.model import Choice, Lesson, Problem, Question, Severity
from bot.content.row_age import RETENTION_DAYS, RowAges, add_seen_column, today
from bot.content.search import FIELDS, Analysis

log = logging.getLogger(__name__)

SCHEMA = 1
"""The table's layout (``PRAGMA user_version``); another one is dropped and made anew."""
PARSERS = ("pyromark", "PyYAML", "PyStemmer")
"""Libraries whose version changes what a file parses to."""
Entry = tuple[Lesson, list[Problem], Analysis]
"""What a good file loads to: its lesson, its warnings, its analysis for the index."""
Row = tuple[str, str, bytes, int]
"""An entry as stored (see :func:`encode`)."""

_TUPLE_FIELDS = frozenset(f.name for f in fields(Lesson) if str(f.type).startswith("tuple"))


@functools.cache
def code_version() -> str:
    """A hash of everything that decides what a lesson file parses to, besides the file."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\x00" + source.read_bytes())
    for name in PARSERS:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=?".encode())
    digest.update(f"{sys.version}|{unicodedata.unidata_version}|{sys.byteorder}".encode())
    return digest.hexdigest()


def content_digest(raw: bytes) -> str:
    """The hash of a lesson file's bytes (computed where the file is read)."""
    return hashlib.sha256(raw).hexdigest()


def entry_key(rel: str, digest: str) -> str:
    """The cache key of the file at ``rel`` whose bytes hash to ``digest``."""
    return hashlib.sha256(f"{code_version()}\x00{rel}\x00{digest}".encode()).hexdigest()


def lesson_cache_path(vector_cache: Path) -> Path:
    """Where the parsed lessons are kept: beside the embedding cache file
    (``vectors.sqlite3`` -> ``vectors.lessons.sqlite3``)."""
    suffix = vector_cache.suffix if vector_cache.suffix and is_cache_name(vector_cache) \
        else ".sqlite3"  # "config.toml", a slip of the setting, gets config.lessons.sqlite3
    return vector_cache.with_name(f"{vector_cache.stem}.lessons{suffix}")


DAMAGED = (ValueError, TypeError, KeyError, IndexError, AttributeError)
"""What decoding an entry that another release wrote, or that was cut short, may raise."""


class CorruptEntry(ValueError):
    """An entry that does not read back as it was written."""


class LessonCache:
    """Parsed lessons by key (see :func:`entry_key`) in a SQLite file. Thread-safe."""

    def __init__(self, path: Path, clock: Callable[[], int] = today,
                 timeout: float = 10.0) -> None:
        """``clock`` gives the current day (:func:`bot.content.row_age.today`); ``timeout`` is
        how long to wait for another process holding the file."""
        self.path = path
        self._lock = threading.Lock()
        self._ages = RowAges("lessons", "parsed lessons", clock)
        self._db: sqlite3.Connection | None = None
        try:
            self._db = connect(path, timeout)
            # Only a new or outdated file is written to here: opening a file that another
            # process is writing must not wait for it.
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA:
                self._db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # effective in a new file
                if version:  # another layout (a new file is 0, maybe made by another process)
                    self._db.execute("DROP TABLE IF EXISTS lessons")
                self._db.execute("CREATE TABLE IF NOT EXISTS lessons (key TEXT PRIMARY KEY, "
                                 "rel TEXT NOT NULL, lesson TEXT NOT NULL, vocab TEXT NOT NULL, "
                                 "numbers BLOB NOT NULL, crc INTEGER NOT NULL, seen INTEGER)")
                self._db.execute("CREATE INDEX IF NOT EXISTS lessons_rel ON lessons (rel)")
                self._db.execute(f"PRAGMA user_version = {SCHEMA}")
                self._db.commit()
            # The day of last use came after layout 1, as a column that layout's code ignores:
            # an older release sharing the file keeps working, and its rows are dated when
            # pruned.
            add_seen_column(self._db, "lessons")
            # Which entry is each folder's file's last good version: a file broken when the
            # bot starts is served as it was (a table of its own: an older release sharing
            # the file ignores it).
            self._db.execute("CREATE TABLE IF NOT EXISTS last_good (root TEXT NOT NULL, "
                             "rel TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (root, rel))")
            # Which file served an id two files claim: after a restart it keeps it.
            self._db.execute("CREATE TABLE IF NOT EXISTS id_holders (root TEXT NOT NULL, "
                             "id TEXT NOT NULL, rel TEXT NOT NULL, PRIMARY KEY (root, id))")
            # Files warned of as moved, with the id their learners' progress is under: the
            # warning stands after a restart, until the file takes the id.
            self._db.execute("CREATE TABLE IF NOT EXISTS moves (root TEXT NOT NULL, "
                             "rel TEXT NOT NULL, old_id TEXT NOT NULL, old_rel TEXT NOT NULL, "
                             "PRIMARY KEY (root, rel))")
            # Questions warned of as reworded, with the key their learners' reviews are
            # under: the warning stands after a restart, until the question takes that key.
            self._db.execute("CREATE TABLE IF NOT EXISTS rewordings (root TEXT NOT NULL, "
                             "lesson_id TEXT NOT NULL, key TEXT NOT NULL, old_key TEXT NOT "
                             "NULL, old_text TEXT NOT NULL, why TEXT NOT NULL, "
                             "PRIMARY KEY (root, lesson_id, key))")
            # Each lesson's questions when last served, so that one reworded while the bot
            # was stopped is warned of at the start.
            self._db.execute("CREATE TABLE IF NOT EXISTS asked (root TEXT NOT NULL, "
                             "lesson_id TEXT NOT NULL, questions TEXT NOT NULL, "
                             "PRIMARY KEY (root, lesson_id))")
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            log.warning("lesson cache %s is unusable, parsing every lesson without it: %s",
                        path, exc)
            self.close()

    @property
    def usable(self) -> bool:
        """False when the file could not be opened (every lesson is parsed)."""
        return self._db is not None

    def get_many(self, keys: dict[str, str]) -> dict[str, Entry]:
        """The entries found among ``keys`` (key -> the file's path in the folder)."""
        wanted = list(keys)
        found: dict[str, Entry] = {}
        broken: list[str] = []
        with self._lock:
            if self._db is None:
                return {}
            day = self._ages.clock()
            try:
                # A chunk at a time, decoded as it comes: the rows of a whole library at once
                # would leave tens of MB of freed memory behind.
                for start in range(0, len(wanted), 500):  # SQLite's variable limit
                    chunk = wanted[start:start + 500]
                    marks = ",".join("?" * len(chunk))
                    for key, lesson, vocab, numbers, crc, seen in self._db.execute(
                            f"SELECT key, lesson, vocab, numbers, crc, seen FROM lessons "
                            f"WHERE key IN ({marks})", chunk):
                        try:
                            found[key] = decode(keys[key], lesson, vocab, numbers, crc)
                        except DAMAGED:
                            broken.append(keys[key])
                        else:
                            self._ages.read(key, seen, day)
            except sqlite3.Error as exc:
                log.warning("lesson cache %s could not be read, parsing every lesson: %s",
                            self.path, exc)
                return {}
        if broken:
            log.warning("lesson cache %s: %d damaged entries (%s); those files are parsed",
                        self.path, len(broken), ", ".join(sorted(broken)[:5]))
        return found

    def put_many(self, rows: Iterable[tuple[str, str, Row]], root: str = "") -> None:
        """Keep ``rows`` (key, the file's path in the folder, :func:`encode`'s row), replacing
        older entries of the same files, and remember them as the files' last good versions in
        the lesson folder ``root``."""
        day = self._ages.clock()
        values = [(key, rel, *row, day) for key, rel, row in rows]
        folder = _folder(root) if root else ""
        with self._lock:
            if self._db is None or not values:
                return
            try:
                with self._db:
                    self._db.executemany("INSERT OR REPLACE INTO lessons (key, rel, lesson, "
                                         "vocab, numbers, crc, seen) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                         values)
                    if folder:
                        self._db.executemany(
                            "INSERT OR REPLACE INTO last_good (root, rel, key) VALUES (?, ?, ?)",
                            [(folder, value[1], value[0]) for value in values])
                    # An edited file's older versions will not be asked for again, unless one is
                    # the last good version of another folder's file of that name.
                    self._db.executemany("DELETE FROM lessons WHERE rel = ? AND key <> ? AND key "
                                         "NOT IN (SELECT key FROM last_good WHERE rel = ?)",
                                         [(value[1], value[0], value[1]) for value in values])
            except sqlite3.Error as exc:
                log.warning("lesson cache %s could not be written: %s", self.path, exc)

    def remember_good(self, root: Path, found: dict[str, str]) -> None:
        """Files of ``root`` read good from the cache (rel -> key) are their last good
        versions, as those just parsed are."""
        self._keep("last_good", ("rel", "key"), root, found)

    def holders(self, root: Path) -> dict[str, str]:
        """The file (rel) that owns each id two files of ``root`` claimed (the one that served
        it; see :class:`~bot.content.catalog.Catalog`), when last seen."""
        return dict(self._rows("SELECT id, rel FROM id_holders", root, "ids two files claim"))

    def remember_holders(self, root: Path, holders: dict[str, str]) -> None:
        """Keep the owner of each contested id of ``root`` (id -> rel), in place of those
        kept (an id no longer contested is forgotten)."""
        self._replace("id_holders", ("id", "rel"), root, sorted(holders.items()))

    def _keep(self, table: str, columns: tuple[str, str], root: Path,
              wanted: dict[str, str]) -> None:
        """Write ``wanted`` (first column -> second) for folder ``root`` into ``table``, only
        the records that change: on most starts none does, and a start then takes no write
        lock another process waits for."""
        with self._lock:
            if self._db is None or not wanted:
                return
            folder = _folder(str(root))
            name, value = columns
            try:
                known = dict(self._db.execute(
                    f"SELECT {name}, {value} FROM {table} WHERE root = ?",  # names of ours
                    (folder,)).fetchall())
                changed = [(folder, key, kept) for key, kept in wanted.items()
                           if known.get(key) != kept]
                if changed:
                    with self._db:
                        self._db.executemany(f"INSERT OR REPLACE INTO {table} (root, {name}, "
                                             f"{value}) VALUES (?, ?, ?)", changed)
            except sqlite3.Error as exc:
                log.warning("lesson cache %s could not be written: %s", self.path, exc)

    def forget_files(self, root: Path, rels: Iterable[str]) -> None:
        """Files of ``root`` gone from the folder: no longer among :meth:`known_files` (a file
        deleted long ago must not be taken for one just moved)."""
        gone = list(rels)
        with self._lock:
            if self._db is None or not gone:
                return
            try:
                with self._db:
                    self._db.executemany("DELETE FROM last_good WHERE root = ? AND rel = ?",
                                         [(_folder(str(root)), rel) for rel in gone])
            except sqlite3.Error as exc:
                log.warning("lesson cache %s could not be written: %s", self.path, exc)

    def moves(self, root: Path) -> dict[str, tuple[str, str]]:
        """The files of ``root`` warned of as moved: rel -> (old id, old rel)."""
        return {rel: (old_id, old_rel) for rel, old_id, old_rel in self._rows(
            "SELECT rel, old_id, old_rel FROM moves", root, "moved files")}

    def remember_moves(self, root: Path, moves: dict[str, tuple[str, str]]) -> None:
        """Keep the files of ``root`` warned of as moved (as :meth:`moves` gives them), in
        place of those kept."""
        self._replace("moves", ("rel", "old_id", "old_rel"), root,
                      [(rel, old_id, old_rel) for rel, (old_id, old_rel) in moves.items()])

    def rewordings(self, root: Path) -> dict[tuple[str, str], tuple[str, str, str]]:
        """The questions of ``root``'s lessons warned of as reworded: (lesson id, key) ->
        (old key, old words, why), as :class:`~bot.content.rewordings.Rewordings` keeps
        them."""
        return {(lesson_id, key): (old_key, old_text, why)
                for lesson_id, key, old_key, old_text, why in self._rows(
                    "SELECT lesson_id, key, old_key, old_text, why FROM rewordings", root,
                    "reworded questions")}

    def remember_rewordings(self, root: Path,
                            kept: dict[tuple[str, str], tuple[str, str, str]]) -> None:
        """Keep the questions of ``root``'s lessons warned of as reworded (as
        :meth:`rewordings` gives them), in place of those kept."""
        self._replace("rewordings", ("lesson_id", "key", "old_key", "old_text", "why"), root,
                      [(lesson_id, key, *entry) for (lesson_id, key), entry in kept.items()])

    def asked(self, root: Path) -> dict[str, str]:
        """Each lesson's questions of ``root`` when last served (lesson id -> what
        :func:`bot.content.rewordings.asked` made of them)."""
        return dict(self._rows("SELECT lesson_id, questions FROM asked", root,
                               "the questions served before"))

    def remember_asked(self, root: Path, asked: dict[str, str], gone: Iterable[str]) -> None:
        """Keep the questions of lessons of ``root`` served now (lesson id -> questions), and
        forget those of lessons ``gone``."""
        folder = _folder(str(root))
        dropped = list(gone)
        with self._lock:
            if self._db is None or not (asked or dropped):
                return
            try:
                with self._db:
                    self._db.executemany("DELETE FROM asked WHERE root = ? AND lesson_id = ?",
                                         [(folder, lesson_id) for lesson_id in dropped])
                    self._db.executemany(
                        "INSERT OR REPLACE INTO asked (root, lesson_id, questions) "
                        "VALUES (?, ?, ?)",
                        [(folder, lesson_id, kept) for lesson_id, kept in asked.items()])
            except sqlite3.Error as exc:
                log.warning("lesson cache %s could not be written: %s", self.path, exc)

    def known_files(self, root: Path) -> set[str]:
        """The files of the lesson folder ``root`` with a good version kept: those the bot
        served before (a file moved while it was stopped is found gone from among them)."""
        return {rel for (rel,) in self._rows("SELECT rel FROM last_good", root,
                                             "the files served before")}

    def _rows(self, select: str, root: Path, what: str) -> list[tuple[Any, ...]]:
        """The rows of ``select`` (a query of ours, without its WHERE) for folder ``root``;
        none when the cache cannot be read, which is logged naming ``what`` was looked for:
        the lessons are then read without it."""
        with self._lock:
            if self._db is None:
                return []
            try:
                return self._db.execute(f"{select} WHERE root = ?",
                                        (_folder(str(root)),)).fetchall()
            except sqlite3.Error as exc:
                log.warning("lesson cache %s could not be read for %s: %s", self.path, what,
                            exc)
                return []

    def _replace(self, table: str, columns: tuple[str, ...], root: Path,
                 rows: list[tuple[Any, ...]]) -> None:
        """Put ``rows`` (values of ``columns``) in place of ``table``'s rows of folder
        ``root``, in one transaction."""
        folder = _folder(str(root))
        with self._lock:
            if self._db is None:
                return
            try:
                with self._db:
                    self._db.execute(f"DELETE FROM {table} WHERE root = ?", (folder,))
                    self._db.executemany(
                        f"INSERT INTO {table} (root, {', '.join(columns)}) "  # names of ours
                        f"VALUES ({', '.join('?' * (len(columns) + 1))})",
                        [(folder, *row) for row in rows])
            except sqlite3.Error as exc:
                log.warning("lesson cache %s could not be written: %s", self.path, exc)

    def last_good(self, root: Path, rels: list[str], served: bool = False) -> dict[str, Entry]:
        """The last good version kept of each of ``rels`` in the lesson folder ``root`` (files
        found broken, or gone), where one is kept; ``served``: they are served again, which
        counts as a use (:meth:`prune`)."""
        found: dict[str, Entry] = {}
        with self._lock:
            if self._db is None or not rels:
                return {}
            day = self._ages.clock()
            try:
                for start in range(0, len(rels), 500):
                    chunk = rels[start:start + 500]
                    marks = ",".join("?" * len(chunk))
                    for rel, key, lesson, vocab, numbers, crc, seen in self._db.execute(
                            "SELECT g.rel, l.key, l.lesson, l.vocab, l.numbers, l.crc, l.seen "
                            "FROM last_good g JOIN lessons l ON l.key = g.key WHERE g.root = ? "
                            f"AND g.rel IN ({marks})", [_folder(str(root)), *chunk]):
                        with contextlib.suppress(*DAMAGED):  # none kept, as for no entry
                            found[rel] = decode(rel, lesson, vocab, numbers, crc)
                            if served:  # a file broken for months keeps its lesson past
                                # the prune; a gone file's entry may go
                                self._ages.read(key, seen, day)
            except sqlite3.Error as exc:
                log.warning("lesson cache %s could not be read for last good versions: %s",
                            self.path, exc)
        return found

    def prune(self, max_age_days: int = RETENTION_DAYS) -> int:
        """Mark the entries read so far as used today, then delete those no process read or
        wrote in ``max_age_days``; how many were deleted."""
        with self._lock:
            return 0 if self._db is None else self._ages.prune(self._db, self.path, max_age_days)

    def close(self) -> None:
        """Close the file; later calls find nothing and keep nothing."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def encode(entry: Entry) -> Row:
    """An entry as stored: the lesson and warnings as JSON, the analysis's own words (one a
    line) and its term numbers (uint32: each field's terms, each field's counts, the surface
    words), and a checksum of the three."""
    lesson, problems, analysis = entry
    values = dict(vars(lesson))
    values["questions"] = [{**vars(question), "choices": [vars(choice) for choice in question.choices]}
                           for question in lesson.questions]
    # Numbers into a batch's shared vocabulary become numbers into this lesson's own words.
    order = list(dict.fromkeys(itertools.chain(*analysis.terms, analysis.surface)))
    local = {number: position for position, number in enumerate(order)}.__getitem__
    numbers = array("I")
    for terms in analysis.terms:
        numbers.extend(map(local, terms))
    for counts in analysis.counts:
        numbers.extend(counts)
    numbers.extend(map(local, analysis.surface))
    vocab = "\n".join(map(analysis.vocab.__getitem__, order))
    if vocab.count("\n") != max(0, len(order) - 1):
        raise ValueError("a term holds a line break")
    text = json.dumps({
        "lesson": values,
        "problems": [[p.line, p.severity.value, p.message] for p in problems],
        "lengths": analysis.lengths, "sizes": [len(terms) for terms in analysis.terms],
    }, ensure_ascii=False, separators=(",", ":"))
    blob = numbers.tobytes()
    return text, vocab, blob, _checksum(text, vocab, blob)


def decode(rel: str, text: str, vocab: str, blob: bytes, crc: int) -> Entry:
    """An entry from what :func:`encode` made of it; :class:`CorruptEntry` when it is damaged."""
    if _checksum(text, vocab, blob) != crc:
        raise CorruptEntry("checksum mismatch")
    data: dict[str, Any] = json.loads(text)
    values: dict[str, Any] = data["lesson"]
    for name in _TUPLE_FIELDS:
        values[name] = tuple(values[name])
    values["questions"] = tuple(
        Question(**{**q, "choices": tuple(Choice(**c) for c in q["choices"])})
        for q in values["questions"])
    lesson = Lesson(**values)
    if lesson.path != rel:
        raise CorruptEntry(f"entry of '{lesson.path}' under '{rel}'")
    problems = [Problem(rel, line, Severity(severity), message)
                for line, severity, message in data["problems"]]
    # One string per distinct word for the whole library, as the index keeps them: 5,000 lessons
    # hold 1.4 million words but 37,000 distinct ones (150 MB more resident memory otherwise).
    words = list(map(sys.intern, vocab.split("\n"))) if vocab else []
    numbers = array("I")
    numbers.frombytes(blob)
    sizes: list[int] = data["sizes"]
    lengths = tuple(int(n) for n in data["lengths"])
    if len(sizes) != len(FIELDS) or len(lengths) != len(FIELDS) or 2 * sum(sizes) > len(numbers):
        raise CorruptEntry("the analysis does not fit the index's fields")
    terms, counts, at = [], [], 0
    for size in sizes:
        terms.append(numbers[at:at + size])
        at += size
    for size in sizes:
        counts.append(numbers[at:at + size])
        at += size
    surface = numbers[at:]
    if max((max(part, default=-1) for part in (*terms, surface)), default=-1) >= len(words):
        raise CorruptEntry("a term number is out of range")
    return lesson, problems, Analysis(words, lengths, tuple(terms), tuple(counts), surface)


def _checksum(text: str, vocab: str, blob: bytes) -> int:
    return zlib.crc32(blob, zlib.crc32(vocab.encode(), zlib.crc32(text.encode())))


def _folder(root: str) -> str:
    """A lesson folder as the cache names it: its absolute path as given (links are not
    resolved: a ``current`` link that points at each release in turn is one folder)."""
    return os.path.abspath(root)
