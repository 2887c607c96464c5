"""``microlearn export``: stored records out as CSV or JSON Lines, streamed row by row.

Eight kinds of record (answers, progress, learners, flags, ratings, checks, reflections,
lookups), each with the
columns of the dashboard's table of the same records first (same names, same formatting) where
there is one, then the ids a script needs to join them.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from bot.content.catalog import Catalog
from bot.content.model import track_title
from bot.dashboard import figures
from bot.dashboard.pages import Dashboard, DashboardSettings, check_outcome
from bot.engine.checks import CHECK_NAMES, normalised_gain
from bot.errors import MicrolearnError
from storage import Database
from storage.export import CheckOut, Exports, LearnerOut, open_exports
from storage.records import SkippedBy
from storage.reports import LearnerRisk

KINDS = ("answers", "progress", "learners", "flags", "ratings", "checks", "reflections",
         "lookups")
FORMATS = ("csv", "jsonl")


class ExportError(MicrolearnError):
    """An export that cannot be made as asked (the message says what to do instead)."""


ANSWERS = ("when", "question", "right", "learner", "learner id", "platform", "lesson id",
           "question key", "choices", "first attempt")
"""The learner page's "Recent answers" (when, question, right), then who and which."""
PROGRESS = ("lesson", "how", "delivered", "read", "learner", "learner id", "platform",
            "lesson id", "looked up", "added")
"""The learner page's "Lessons" (lesson, how, delivered, read), then who and which."""
LEARNERS = ("learner", "platform", "last action", "reviews overdue", "streak", "longest streak",
            "points", "at risk because", "learner id", "enrolled", "lessons delivered",
            "lessons read", "tracks completed", "questions answered", "answered right",
            "accuracy")
"""The learners page's table, then the id and when they enrolled, then their totals (added
at the end: a spreadsheet that reads the columns by position keeps working)."""
FLAGS = ("when", "question", "note", "learner", "learner id", "platform", "lesson id",
         "question key")
"""One row per flag (the questions page counts them; this lists each)."""

RATINGS = ("when", "learner", "lesson", "rated", "words", "learner id", "platform",
           "lesson id")
"""The voice page's "Their words on lessons" (when, learner, lesson, rated, words), for every
rating (with words or not), then who and which."""

CHECKS = ("learner", "track", "check", "ended as", "right", "questions", "score", "began",
          "ended", "normalised gain", "learner id", "platform", "track id")
"""One row per learner, track and knowledge check (baseline, endline): the learner page's
"Knowledge checks" one check at a time, with its counts, its dates and how it ended, then who
and which."""

REFLECTIONS = ("when", "learner", "lesson", "question", "answer", "learner id", "platform",
               "lesson id")
"""The voice page's "Reflections" (when, learner, lesson, question, answer: the prompt and the
learner's own words), for every reflection, then who and which."""

LOOKUPS = ("when", "words", "learner", "learner id", "platform")
"""One row per question no lesson answered (the lessons page counts them by their words; this
lists each, with who asked)."""

COLUMNS: dict[str, tuple[str, ...]] = {"answers": ANSWERS, "progress": PROGRESS,
                                       "learners": LEARNERS, "flags": FLAGS,
                                       "ratings": RATINGS, "checks": CHECKS,
                                       "reflections": REFLECTIONS, "lookups": LOOKUPS}


def stamp(moment: datetime | None) -> datetime | None:
    """A stored time, in UTC (a database may give it back naive: it was stored as UTC);
    :func:`write` says it as its format reads times."""
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def said(cell: Any, form: str) -> Any:
    """A cell as ``form`` writes it: a time as 'YYYY-MM-DD HH:MM:SS' in CSV (what
    spreadsheets read as a date and time; the columns are UTC, docs/export.md) and as ISO
    8601 with its zone in JSON Lines ('2026-03-02T09:30:00Z', what a warehouse reads)."""
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M:%S") if form == "csv" \
            else cell.strftime("%Y-%m-%dT%H:%M:%SZ")
    return cell


def numbered(choices: str) -> str:
    """Stored zero-based choice numbers ('0,2') as chat and the dashboard number the choices
    ('1, 3': learners see "1) ... 2) ... 3) ...")."""
    return ", ".join(str(int(part) + 1) for part in choices.split(",") if part.strip().isdigit())


class Exporter:
    """Turns the stored records into the export's rows, with the library's titles."""

    def __init__(self, database: Database, catalog: Catalog,
                 settings: DashboardSettings | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.database = database
        self.dashboard = Dashboard(database, catalog, settings)
        self.now = now

    def columns(self, kind: str) -> tuple[str, ...]:
        """The column names of ``kind``; an :class:`ExportError` for one that cannot be
        exported."""
        if kind not in COLUMNS:
            raise ExportError(f"no export called {kind!r}: use one of {', '.join(KINDS)}")
        return COLUMNS[kind]

    def rows(self, kind: str, since: date | None = None) -> Iterator[tuple[Any, ...]]:
        """The rows of ``kind`` (recorded on or after the UTC day ``since``), one at a time;
        nothing is read before it is asked for."""
        self.columns(kind)
        start = None if since is None else datetime.combine(since, datetime.min.time(), UTC)
        with open_exports(self.database) as exports:
            yield from getattr(self, f"_{kind}")(exports, start)

    def write(self, out: IO[str], kind: str, since: date | None, form: str) -> int:
        """Write the rows of ``kind`` since the UTC day ``since`` to ``out`` as ``form`` (csv
        or jsonl); the number of rows."""
        return write(out, self.columns(kind), self.rows(kind, since), form)

    def _question(self, lesson_id: str, key: str) -> str:
        title, text, _ = self.dashboard.question_text(lesson_id, key)
        return f"{title}: {text}"

    def _answers(self, exports: Exports, since: datetime | None) -> Iterator[tuple[Any, ...]]:
        name = self.dashboard.name
        for row in exports.answers(since):
            yield (stamp(row.answered_at), self._question(row.lesson_id, row.question_key),
                   "yes" if row.correct else "no", name(row.learner_id, row.display_name),
                   row.learner_id, row.platform, row.lesson_id, row.question_key,
                   numbered(row.choices), "yes" if row.first else "no")

    def _progress(self, exports: Exports, since: datetime | None) -> Iterator[tuple[Any, ...]]:
        name = self.dashboard.name
        for row in exports.progress(since):
            lesson = self.dashboard.catalog.get(row.lesson_id)
            yield (lesson.title if lesson else row.lesson_id, row.via, stamp(row.delivered_at),
                   stamp(row.read_at), name(row.learner_id, row.display_name), row.learner_id,
                   row.platform, row.lesson_id, stamp(row.looked_up_at), stamp(row.added_at))

    def _learners(self, exports: Exports, since: datetime | None) -> Iterator[tuple[Any, ...]]:
        name = self.dashboard.name
        settings = self.dashboard.settings
        now = self.now()
        tracks = {name: tuple(lesson.id for lesson in lessons)
                  for name, lessons in self.dashboard.catalog.tracks().items()}
        for row in exports.learners(now, timedelta(days=2), since, tracks):
            # One learner at a time through the dashboard's own rule: the same reasons.
            risks = figures.at_risk([_risk(row)], now, settings.idle_days,
                                    settings.overdue_reviews)
            # The streak as it stands now, as the dashboard shows it (0 once broken).
            yield (name(row.learner_id, row.display_name), row.platform,
                   stamp(row.last_action), row.overdue, figures.learner_streak(_risk(row), now),
                   row.longest, row.points,
                   ", ".join(risks[0].reasons) if risks else "", row.learner_id,
                   stamp(row.enrolled_at), row.delivered, row.read, row.tracks_completed,
                   row.answered, row.right, _share(row.right, row.answered))

    def _ratings(self, exports: Exports, since: datetime | None) -> Iterator[tuple[Any, ...]]:
        name = self.dashboard.name
        for row in exports.ratings(since):
            yield (stamp(row.rated_at), name(row.learner_id, row.display_name),
                   _title(self, row.lesson_id), "useful" if row.useful else "not useful",
                   row.comment, row.learner_id, row.platform, row.lesson_id)

    def _flags(self, exports: Exports, since: datetime | None) -> Iterator[tuple[Any, ...]]:
        name = self.dashboard.name
        for row in exports.flags(since):
            yield (stamp(row.created_at), self._question(row.lesson_id, row.question_key),
                   row.note, name(row.learner_id, row.display_name), row.learner_id,
                   row.platform, row.lesson_id, row.question_key)

    def _reflections(self, exports: Exports,
                     since: datetime | None) -> Iterator[tuple[Any, ...]]:
        name = self.dashboard.name
        for row in exports.reflections(since):
            yield (stamp(row.written_at), name(row.learner_id, row.display_name),
                   _title(self, row.lesson_id), row.prompt, row.answer, row.learner_id,
                   row.platform, row.lesson_id)

    def _lookups(self, exports: Exports, since: datetime | None) -> Iterator[tuple[Any, ...]]:
        name = self.dashboard.name
        for row in exports.lookups(since):
            yield (stamp(row.asked_at), row.words, name(row.learner_id, row.display_name),
                   row.learner_id, row.platform)

    def _checks(self, exports: Exports, since: datetime | None) -> Iterator[tuple[Any, ...]]:
        # The endline follows its baseline (the query's order): its gain is the pair's, so a
        # baseline begun before --since still gives the gain of an endline after it.
        name = self.dashboard.name
        baseline: CheckOut | None = None
        for row in exports.checks():
            if row.phase == "pre":
                baseline = row
            score = _check_score(row)
            gain = None
            if row.phase == "post" and baseline is not None and score is not None and \
                    (baseline.learner_id, baseline.track) == (row.learner_id, row.track) and \
                    (before := _check_score(baseline)) is not None:
                gain = normalised_gain(before, score)
            began, ended = stamp(row.started_at), stamp(row.finished_at)
            if since is not None and began is not None and began < since and \
                    (ended is None or ended < since):
                continue
            yield (name(row.learner_id, row.display_name), track_title(row.track),
                   CHECK_NAMES.get(row.phase, row.phase), _ended_as(row), row.right,
                   row.questions, None if score is None else round(score, 4), began, ended,
                   None if gain is None else round(gain, 4), row.learner_id, row.platform,
                   row.track)


def _share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` from 0 to 1, to 4 decimals as the checks' scores; None (an empty
    cell) when there is no whole: no answers is no accuracy, not an accuracy of 0."""
    return round(part / whole, 4) if whole else None


def _check_score(row: CheckOut) -> float | None:
    """The share of a check's answers that were right, as the dashboard scores it; None until
    it ends with a score."""
    if row.finished_at is None or row.skipped or not row.answered:
        return None
    return row.right / row.answered


def _ended_as(row: CheckOut) -> str:
    """How a check ended, in the learner page's words: scored, or what
    :func:`~bot.dashboard.pages.check_outcome` says (open, skipped, set aside, ...)."""
    if row.finished_at is not None and not row.skipped:
        return "scored"
    by = row.skipped_by if row.skipped_by in {by.value for by in SkippedBy} else None
    return check_outcome(row.phase, row.finished_at is not None,
                         SkippedBy(by) if row.skipped and by else None)


def _title(exporter: Exporter, lesson_id: str) -> str:
    lesson = exporter.dashboard.catalog.get(lesson_id)
    return lesson.title if lesson else lesson_id


def _risk(row: LearnerOut) -> LearnerRisk:
    return LearnerRisk(row.learner_id, row.display_name, row.platform, row.last_action,
                       row.overdue, row.streak, row.longest, row.points, row.enrolled_at,
                       row.workdays, row.time_zone, row.away, row.freezes, row.streak_day,
                       last_answer=row.last_answer)


@contextmanager
def open_output(path: str) -> Iterator[IO[str]]:
    """Where the rows go: standard output for '-' (UTF-8 whatever the terminal says), else
    the file ``path``, written under a '.partial' name and renamed when complete, so a failed
    export never leaves a file that looks whole. Something that is not a regular file (a
    pipe, /dev/null) is written to as it is: renaming over it would replace it."""
    if path == "-":
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            yield out
        finally:
            out.flush()
            out.detach()  # standard output stays open for whatever is printed next
        return
    target = Path(path)
    if target.is_symlink():  # the file it points to is the one to write, not the link
        try:
            target = target.resolve(strict=False)
        except (RuntimeError, OSError) as exc:  # a loop of links
            raise ExportError(f"cannot write {path}: the link leads nowhere ({exc}); choose "
                              "another --out") from exc
    if target.is_file() and (not os.access(target, os.W_OK)
                             or not target.stat().st_mode & 0o222):  # root may write anyway
        raise ExportError(f"cannot write {path}: the file is read-only; make it writable, or "
                          "choose another --out")
    if target.exists() and not target.is_file():
        try:
            with target.open("w", encoding="utf-8", newline="") as out:
                yield out
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}; choose another "
                              "--out") from exc
        return
    partial: Path | None = None
    try:
        # A new file of a random name, made here (O_EXCL, 0600): a fixed "FILE.partial" was
        # opened through whatever another user of a shared folder had put there, a link to a
        # file of theirs choosing that the export then overwrote.
        handle, name = tempfile.mkstemp(prefix=f"{target.name}.", suffix=".partial",
                                        dir=target.parent)
        partial = Path(name)
        with open(handle, "w", encoding="utf-8", newline="") as out:
            _keep_access(target, handle)
            yield out
        os.replace(partial, target)
    except OSError as exc:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}; choose another --out")\
            from exc
    except BaseException:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise


def _keep_access(target: Path, handle: int) -> None:
    """The file written (open as ``handle``) replaces ``target`` with its mode (and owner,
    where allowed): a file of learners' names made private stays private. A new file is
    0600, as `mydata`'s, whatever the umask. Set through the open file, never by name."""
    try:
        kept = target.stat()
    except FileNotFoundError:
        os.fchmod(handle, 0o600)
        return
    os.fchmod(handle, stat.S_IMODE(kept.st_mode))
    with contextlib.suppress(OSError, AttributeError):  # root only; no chown on Windows
        os.fchown(handle, kept.st_uid, kept.st_gid)


def spreadsheet_safe(cell: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (as the dashboard's
    CSV does); None is an empty cell."""
    if isinstance(cell, str) and cell.lstrip(" \n")[:1] in ("=", "+", "-", "@", "\t", "\r",
                                                           ";"):
        return "'" + cell
    return "" if cell is None else cell


def write(out: IO[str], columns: Sequence[str], rows: Iterator[tuple[Any, ...]],
          form: str) -> int:
    """Write ``rows`` to ``out`` as CSV (a BOM, a header, then a line per row) or JSON Lines
    (one object per row, keyed by column); the number of rows written."""
    if form not in FORMATS:
        raise ExportError(f"no format {form!r}: use csv or jsonl")
    # The first row is read before anything is written: a database that cannot be read
    # fails with nothing on the output.
    first = next(rows, None)
    rows = itertools.chain([first], rows) if first is not None else iter(())
    count = 0
    if form == "csv":
        out.write("\ufeff")  # spreadsheets then read the names as UTF-8
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([spreadsheet_safe(said(cell, form)) for cell in row])
            count += 1
    else:
        for row in rows:
            out.write(json.dumps({column: said(cell, form)
                                  for column, cell in zip(columns, row, strict=True)},
                                 ensure_ascii=False))
            out.write("\n")
            count += 1
    return count
