"""Raw records streamed out of the database for ``microlearn export`` (one row at a time).

Every query here runs with ``yield_per``: on PostgreSQL that is a server-side cursor, on SQLite
a cursor read in chunks, so a year of 10,000 learners' answers is never held in memory. The
rows are plain tuples of stored values; naming and formatting them (lesson titles, pseudonyms,
CSV or JSON Lines) is :mod:`bot.export`'s job.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import Select
from sqlmodel import Session

from storage.database import Database
from storage.errors import StorageError
from storage.reports import last_answer_of, tracks_completed_by_learner
from storage.tables import (
    AnswerRow,
    CardRow,
    FlagRow,
    LearnerRow,
    LookupMissRow,
    ProgressRow,
    RatingRow,
    ReflectionRow,
    StreakRow,
    TrackCheckRow,
)

CHUNK = 1000
"""Rows fetched from the database at a time."""

_LEARNER = LearnerRow.__table__  # type: ignore[attr-defined]
_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]
_CARD = CardRow.__table__  # type: ignore[attr-defined]
_FLAG = FlagRow.__table__  # type: ignore[attr-defined]
_PROGRESS = ProgressRow.__table__  # type: ignore[attr-defined]
_STREAK = StreakRow.__table__  # type: ignore[attr-defined]
_RATING = RatingRow.__table__  # type: ignore[attr-defined]
_CHECK = TrackCheckRow.__table__  # type: ignore[attr-defined]
_REFLECTION = ReflectionRow.__table__  # type: ignore[attr-defined]
_MISS = LookupMissRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AnswerOut:
    """One stored answer, with who gave it."""

    answered_at: datetime
    learner_id: int
    display_name: str
    platform: str
    lesson_id: str
    question_key: str
    choices: str
    """The picked choices' numbers (0-based), comma-separated."""
    correct: bool
    first: bool


@dataclass(frozen=True)
class ProgressOut:
    """One lesson of one learner: delivered, looked up, added, read."""

    learner_id: int
    display_name: str
    platform: str
    lesson_id: str
    via: str
    delivered_at: datetime
    read_at: datetime | None
    looked_up_at: datetime | None
    added_at: datetime | None


@dataclass(frozen=True)
class LearnerOut:
    """One learner with what the dashboard's learners list shows about them."""

    learner_id: int
    display_name: str
    platform: str
    enrolled_at: datetime
    last_action: datetime | None
    overdue: int
    streak: int
    longest: int
    points: int
    workdays: tuple[str, ...]
    time_zone: str
    away: bool
    freezes: int
    streak_day: date | None = None
    """The local day the stored streak was last kept (whether it still holds is a question of
    the workdays since)."""
    last_answer: datetime | None = None
    """When they last answered, within the last two weeks (the dashboard's)."""
    delivered: int = 0
    """Lessons that reached them (pushed, asked for or looked up)."""
    read: int = 0
    """Of those, the lessons they acted on."""
    tracks_completed: int | None = None
    """Tracks whose every lesson they read (None: no tracks were given to count)."""
    answered: int = 0
    """Answers they gave (a question answered again in a review counts again)."""
    right: int = 0
    """Of those, the answers that were right."""


@dataclass(frozen=True)
class FlagOut:
    """One question a learner flagged."""

    created_at: datetime
    learner_id: int
    display_name: str
    platform: str
    lesson_id: str
    question_key: str
    note: str


@dataclass(frozen=True)
class RatingOut:
    """A learner's verdict on a lesson (the latest counts), with their words."""

    rated_at: datetime
    learner_id: int
    display_name: str
    platform: str
    lesson_id: str
    useful: bool
    comment: str


@dataclass(frozen=True)
class ReflectionOut:
    """What a learner wrote to a reflection prompt."""

    written_at: datetime
    learner_id: int
    display_name: str
    platform: str
    lesson_id: str
    prompt: str
    answer: str


@dataclass(frozen=True)
class LookupOut:
    """Words a learner looked up that no lesson answered (or whose lesson they said was not
    what they asked)."""

    asked_at: datetime
    learner_id: int
    display_name: str
    platform: str
    words: str


@dataclass(frozen=True)
class CheckOut:
    """One learner's knowledge check of one track: the baseline ('pre') or the endline
    ('post'), as stored."""

    learner_id: int
    display_name: str
    platform: str
    track: str
    phase: str
    questions: int
    answered: int
    right: int
    started_at: datetime
    finished_at: datetime | None
    skipped: bool
    skipped_by: str | None


def _day(value: Any) -> date | None:
    """A stored day (SQLite may give it back as text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _moment(value: Any) -> datetime | None:
    """A stored time (SQLite may give an aggregate's back as text)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _with_learner(joined: Any, *per_learner: Any) -> Any:
    """``joined`` (from the learner table) outer-joined with each ``per_learner`` table or
    grouped subquery (None: left out) on its learner_id: a learner without rows there still
    comes."""
    for subquery in per_learner:
        if subquery is not None:
            joined = joined.outerjoin(subquery, subquery.c.learner_id == _LEARNER.c.id)
    return joined


def _from(query: Select[Any], column: Any, since: datetime | None) -> Select[Any]:
    """``query`` kept to the rows whose ``column`` is at or after ``since`` (None: all)."""
    return query if since is None else query.where(column >= since)


def _stream(session: Session, query: Select[Any]) -> Iterator[Any]:
    # yield_per turns on stream_results: a server-side cursor on PostgreSQL.
    yield from session.execute(query.execution_options(yield_per=CHUNK))


class Exports:
    """The export queries, in one read transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def answers(self, since: datetime | None = None) -> Iterator[AnswerOut]:
        """Every answer (given at or after ``since``), oldest first."""
        query = (select(_ANSWER.c.answered_at, _ANSWER.c.learner_id, _LEARNER.c.display_name,
                        _LEARNER.c.platform, _ANSWER.c.lesson_id, _ANSWER.c.question_key,
                        _ANSWER.c.choices, _ANSWER.c.correct, _ANSWER.c.first)
                 .join(_LEARNER, _LEARNER.c.id == _ANSWER.c.learner_id)
                 .order_by(_ANSWER.c.answered_at, _ANSWER.c.id))
        for row in _stream(self.session, _from(query, _ANSWER.c.answered_at, since)):
            yield AnswerOut(row[0], int(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]),
                            str(row[6]), bool(row[7]), bool(row[8]))


    def progress(self, since: datetime | None = None) -> Iterator[ProgressOut]:
        """Every learner's lessons (delivered, looked up, added or read at or after ``since``), by
        learner and delivery time."""
        query = (select(_PROGRESS.c.learner_id, _LEARNER.c.display_name, _LEARNER.c.platform,
                        _PROGRESS.c.lesson_id, _PROGRESS.c.via, _PROGRESS.c.delivered_at,
                        _PROGRESS.c.read_at, _PROGRESS.c.looked_up_at, _PROGRESS.c.added_at)
                 .join(_LEARNER, _LEARNER.c.id == _PROGRESS.c.learner_id)
                 .order_by(_PROGRESS.c.learner_id, _PROGRESS.c.delivered_at, _PROGRESS.c.lesson_id))
        if since is not None:
            query = query.where(or_(_PROGRESS.c.delivered_at >= since, _PROGRESS.c.read_at >= since,
                                    _PROGRESS.c.looked_up_at >= since,
                                    _PROGRESS.c.added_at >= since))
        for row in _stream(self.session, query):
            yield ProgressOut(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]),
                              row[5], row[6], row[7], row[8])


    def learners(self, now: datetime, overdue_after: timedelta,
                 since: datetime | None = None,
                 tracks: dict[str, tuple[str, ...]] | None = None) -> Iterator[LearnerOut]:
        """Every learner (enrolled or active at or after ``since``) with the figures of the
        dashboard's learners list: last action, reviews overdue by more than ``overdue_after`` of
        lessons they read or added, streak and points; then their totals: lessons delivered and
        read, ``tracks`` (name to lesson ids) completed, answers and answers right. By learner
        id. Every figure is a grouped subquery joined to the learner row, so the rows still
        stream whatever the number of learners."""
        learning = and_(_PROGRESS.c.learner_id == _CARD.c.learner_id,
                        _PROGRESS.c.lesson_id == _CARD.c.lesson_id,
                        or_(_PROGRESS.c.read_at.is_not(None), _PROGRESS.c.via == "added"))
        overdue = (select(_CARD.c.learner_id, func.count().label("overdue"))
                   .select_from(_CARD.join(_PROGRESS, learning))
                   .where(_CARD.c.due_at < now - overdue_after)
                   .group_by(_CARD.c.learner_id).subquery())
        lessons = (select(_PROGRESS.c.learner_id, func.count().label("delivered"),
                          func.count(_PROGRESS.c.read_at).label("read"))  # read: not NULL
                   .group_by(_PROGRESS.c.learner_id).subquery())
        answers = (select(_ANSWER.c.learner_id, func.count().label("answered"),
                          func.sum(case((_ANSWER.c.correct, 1), else_=0)).label("right"))
                   .group_by(_ANSWER.c.learner_id).subquery())
        dialect = self.session.get_bind().dialect.name
        completed = tracks_completed_by_learner(tracks, dialect) if tracks else None
        # Without tracks there is nothing to count: NULL, an empty cell, not a zero.
        tracks_done = func.coalesce(completed.c.completed, 0) if completed is not None \
            else literal(None)
        query = (select(_LEARNER.c.id, _LEARNER.c.display_name, _LEARNER.c.platform,
                        _LEARNER.c.created_at, _LEARNER.c.last_action_at,
                        func.coalesce(overdue.c.overdue, 0), func.coalesce(_STREAK.c.current, 0),
                        func.coalesce(_STREAK.c.longest, 0), _LEARNER.c.points,
                        _LEARNER.c.workdays, _LEARNER.c.time_zone,
                        or_(_LEARNER.c.paused, _LEARNER.c.stopped),
                        func.coalesce(_STREAK.c.freezes, 0), _STREAK.c.last_active,
                        last_answer_of(_LEARNER.c.id, now), func.coalesce(lessons.c.delivered, 0),
                        func.coalesce(lessons.c.read, 0), tracks_done,
                        func.coalesce(answers.c.answered, 0), func.coalesce(answers.c.right, 0))
                 .select_from(_with_learner(_LEARNER, overdue, _STREAK, lessons,
                                            answers, completed))
                 .order_by(_LEARNER.c.id))
        if since is not None:
            query = query.where(or_(_LEARNER.c.created_at >= since,
                                    _LEARNER.c.last_action_at >= since))
        for row in _stream(self.session, query):
            yield LearnerOut(int(row[0]), str(row[1]), str(row[2]), row[3], row[4], int(row[5]),
                             int(row[6]), int(row[7]), int(row[8]),
                             tuple(day for day in str(row[9] or "").split(",") if day),
                             str(row[10] or "UTC"), bool(row[11]), int(row[12]),
                             _day(row[13]), _moment(row[14]), int(row[15]), int(row[16]),
                             None if row[17] is None else int(row[17]), int(row[18]),
                             int(row[19]))


    def flags(self, since: datetime | None = None) -> Iterator[FlagOut]:
        """Every flagged question (flagged at or after ``since``), oldest first."""
        query = (select(_FLAG.c.created_at, _FLAG.c.learner_id, _LEARNER.c.display_name,
                        _LEARNER.c.platform, _FLAG.c.lesson_id, _FLAG.c.question_key, _FLAG.c.note)
                 .join(_LEARNER, _LEARNER.c.id == _FLAG.c.learner_id)
                 .order_by(_FLAG.c.created_at, _FLAG.c.id))
        for row in _stream(self.session, _from(query, _FLAG.c.created_at, since)):
            yield FlagOut(row[0], int(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]),
                          str(row[6] or ""))


    def ratings(self, since: datetime | None = None) -> Iterator[RatingOut]:
        """Every lesson rating (given at or after ``since``), oldest first."""
        query = (select(_RATING.c.rated_at, _RATING.c.learner_id, _LEARNER.c.display_name,
                        _LEARNER.c.platform, _RATING.c.lesson_id, _RATING.c.useful,
                        _RATING.c.comment)
                 .join(_LEARNER, _LEARNER.c.id == _RATING.c.learner_id)
                 .order_by(_RATING.c.rated_at, _RATING.c.learner_id, _RATING.c.lesson_id))
        for row in _stream(self.session, _from(query, _RATING.c.rated_at, since)):
            yield RatingOut(row[0], int(row[1]), str(row[2]), str(row[3]), str(row[4]),
                            bool(row[5]), str(row[6] or ""))

    def reflections(self, since: datetime | None = None) -> Iterator[ReflectionOut]:
        """Every reflection (written at or after ``since``), oldest first."""
        query = (select(_REFLECTION.c.written_at, _REFLECTION.c.learner_id,
                        _LEARNER.c.display_name, _LEARNER.c.platform, _REFLECTION.c.lesson_id,
                        _REFLECTION.c.prompt, _REFLECTION.c.answer)
                 .join(_LEARNER, _LEARNER.c.id == _REFLECTION.c.learner_id)
                 .order_by(_REFLECTION.c.written_at, _REFLECTION.c.id))
        for row in _stream(self.session, _from(query, _REFLECTION.c.written_at, since)):
            yield ReflectionOut(row[0], int(row[1]), str(row[2]), str(row[3]), str(row[4]),
                                str(row[5] or ""), str(row[6] or ""))

    def lookups(self, since: datetime | None = None) -> Iterator[LookupOut]:
        """Every lookup no lesson answered (asked at or after ``since``), oldest first."""
        query = (select(_MISS.c.asked_at, _MISS.c.learner_id, _LEARNER.c.display_name,
                        _LEARNER.c.platform, _MISS.c.query)
                 .join(_LEARNER, _LEARNER.c.id == _MISS.c.learner_id)
                 .order_by(_MISS.c.asked_at, _MISS.c.id))
        for row in _stream(self.session, _from(query, _MISS.c.asked_at, since)):
            yield LookupOut(row[0], int(row[1]), str(row[2]), str(row[3]), str(row[4]))

    def checks(self) -> Iterator[CheckOut]:
        """Every knowledge check, by learner, then track, the baseline before the endline (a
        caller pairs them; the table holds two rows per learner and track at most)."""
        phase = case((_CHECK.c.phase == "pre", 0), else_=1)
        query = (select(_CHECK.c.learner_id, _LEARNER.c.display_name, _LEARNER.c.platform,
                        _CHECK.c.track, _CHECK.c.phase, _CHECK.c.questions, _CHECK.c.answered,
                        _CHECK.c.right, _CHECK.c.started_at, _CHECK.c.finished_at,
                        _CHECK.c.skipped, _CHECK.c.skipped_by)
                 .join(_LEARNER, _LEARNER.c.id == _CHECK.c.learner_id)
                 .order_by(_CHECK.c.learner_id, _CHECK.c.track, phase))
        for row in _stream(self.session, query):
            # One "lesson_id<TAB>question_key" a line (storage.tables.TrackCheckRow).
            asked = len([line for line in str(row[5] or "").splitlines() if line.strip()])
            yield CheckOut(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]),
                           asked, int(row[6]), int(row[7]), row[8], row[9], bool(row[10]),
                           None if row[11] is None else str(row[11]))


@contextmanager
def open_exports(database: Database) -> Iterator[Exports]:
    """The export queries of ``database`` in one transaction, for as long as the caller reads."""
    try:
        with database.session() as session:
            yield Exports(session)
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise StorageError(
            f"cannot read the database at '{database.safe_url}': {reason}; is it a microlearn "
            "database? Check the URL, and bring an older one up to date with 'microlearn db "
            "upgrade'") from exc
