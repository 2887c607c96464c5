"""Read-only aggregates for the trainer dashboard, computed in SQL (never by loading rows).

Each query takes a :class:`Scope` (a time window, a platform, the lessons of a track) and
returns small typed rows; turning them into figures (facility, discrimination, funnels, risk)
is :mod:`bot.dashboard.figures`' job. A scope's days are its zone's: the daily totals (kept per
UTC day) answer a scope whose ends are UTC midnights; any other is counted from the rows
between its two instants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import astuple, dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session

from storage.records import SkippedBy
from storage.rollups import day_of
from storage.tables import (
    ActivityDayRow,
    AnswerRow,
    AskRow,
    CardRow,
    ChoiceDayRow,
    ConfidenceDayRow,
    DeliveryRow,
    FlagRow,
    LearnerRow,
    LookupMissRow,
    PlatformDayRow,
    ProgressRow,
    QuestionDayRow,
    RatingRow,
    RecallSnapshotRow,
    ReflectionRow,
    StreakRow,
    TrackCheckRow,
)

_T = TypeVar("_T")

_LEARNER = LearnerRow.__table__  # type: ignore[attr-defined]
_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]
_ASK = AskRow.__table__  # type: ignore[attr-defined]
_CARD = CardRow.__table__  # type: ignore[attr-defined]
_FLAG = FlagRow.__table__  # type: ignore[attr-defined]
_RATING = RatingRow.__table__  # type: ignore[attr-defined]
_REFLECTION = ReflectionRow.__table__  # type: ignore[attr-defined]
_PROGRESS = ProgressRow.__table__  # type: ignore[attr-defined]
_STREAK = StreakRow.__table__  # type: ignore[attr-defined]
_MISS = LookupMissRow.__table__  # type: ignore[attr-defined]
_SNAPSHOT = RecallSnapshotRow.__table__  # type: ignore[attr-defined]
_DAY = ActivityDayRow.__table__  # type: ignore[attr-defined]
_QDAY = QuestionDayRow.__table__  # type: ignore[attr-defined]
_PDAY = PlatformDayRow.__table__  # type: ignore[attr-defined]
_CDAY = ChoiceDayRow.__table__  # type: ignore[attr-defined]
_CHECK = TrackCheckRow.__table__  # type: ignore[attr-defined]
_CONF = ConfidenceDayRow.__table__  # type: ignore[attr-defined]

def last_answer_of(learner: Any, now: datetime) -> Any:
    """When the learner of ``learner`` (a learner id column of the outer query) last answered
    a question in the window before ``now`` (NULL: not in it), for the dashboard and the
    export. From the answers themselves, not the daily figures: those are UTC days, and a
    day's last action may be a read, so neither says on which day of the learner's own zone
    the last answer came. A scalar subquery, one seek per learner into the (learner, time)
    index, whatever the history: two weeks of everyone's answers grouped took the learners
    page of 3,000 learners from about 170 ms to 350-630 on SQLite."""
    return (select(_ANSWER.c.answered_at)
            .where(_ANSWER.c.learner_id == learner,
                   _ANSWER.c.answered_at >= now - ANSWERED_WINDOW)
            .order_by(_ANSWER.c.answered_at.desc()).limit(1)
            .scalar_subquery())


def read_per_track(lesson_track: dict[str, str], dialect: str,
                   *where: ColumnElement[bool]) -> Any:
    """Per learner and track of ``lesson_track`` (lesson id to track), the track's lessons
    read (``read``) and the first and last time one was (``first``, ``last``), of the lesson
    rows that meet ``where``: a subquery of (learner_id, track, read, first, last), for the
    tracks and gain pages and the export. ``lesson_track`` must not be empty."""
    track = _track_of(_PROGRESS.c.lesson_id, lesson_track, dialect).label("track")
    return (select(_PROGRESS.c.learner_id, track, func.count().label("read"),
                   func.min(_PROGRESS.c.read_at).label("first"),
                   func.max(_PROGRESS.c.read_at).label("last"))
            .where(_PROGRESS.c.lesson_id.in_(list(lesson_track)), *where)
            .group_by(_PROGRESS.c.learner_id, track).subquery())


def tracks_completed_by_learner(tracks: dict[str, tuple[str, ...]], dialect: str) -> Any:
    """Per learner, the tracks of ``tracks`` (name to lesson ids, not empty) whose every
    lesson they read, as the tracks page counts "completed" (an answer to a lesson's question
    marks it read): a subquery of (learner_id, completed), for the export."""
    lesson_track = {lesson: name for name, lessons in tracks.items() for lesson in lessons}
    per_track = read_per_track(lesson_track, dialect, _PROGRESS.c.read_at.is_not(None))
    total = case({name: len(lessons) for name, lessons in tracks.items()},
                 value=per_track.c.track)
    return (select(per_track.c.learner_id,
                   func.sum(case((per_track.c.read >= total, 1), else_=0)).label("completed"))
            .group_by(per_track.c.learner_id).subquery())


ANSWERED_WINDOW = timedelta(days=14)
"""How far back a learner's last answer is looked for (beyond: "none in two weeks")."""


GAIN_BUCKETS = ("below 0", "0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1", "undefined")
"""The bands of the normalised-gain distribution ('undefined': everything known before)."""


def _acted() -> ColumnElement[bool]:
    """A learner's day on which they did something (read or answered)."""
    return (_DAY.c.read + _DAY.c.answered) > 0  # type: ignore[no-any-return]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


SAMPLE_LEARNERS = 1000
"""How many learners the discrimination index is computed over, at most."""


@dataclass(frozen=True)
class Scope:
    """What a report looks at: actions in ``[since, until)``, of one platform's learners (None:
    all), about some lessons (None: all; a track's lessons when filtered by track), by the
    days of ``zone`` (the dashboard's: ``since`` and ``until`` are its midnights)."""

    since: datetime
    until: datetime
    platform: str | None = None
    lessons: tuple[str, ...] | None = None
    zone: tzinfo = UTC

    @property
    def utc_days(self) -> bool:
        """Whether its ends (its zone's midnights) are UTC midnights (UTC itself, or a zone
        at UTC+0 on those days): only then do the daily totals, kept per UTC day, count exactly its days."""
        return all(_offset(self.zone, end) == timedelta(0) for end in (self.since, self.until))

    def days_before(self, days: int) -> Scope:
        """The ``days`` days that end with this scope (by its zone's clock: across a change
        of clocks they are not a multiple of 24 hours)."""
        wall = self.until.astimezone(self.zone).replace(tzinfo=None) - timedelta(days=days)
        return replace(self, since=wall.replace(tzinfo=self.zone).astimezone(UTC))


def _pieces(scope: Scope) -> tuple[Scope | None, list[Scope]]:
    """A scope as the whole UTC days within it (None: not one) and the hours left at its two
    ends: in a zone other than UTC, the daily totals count the first and the rows the others
    (a few hours of rows, not the range's)."""
    first = midnight(day_of(scope.since), UTC)
    if first < scope.since:
        first += timedelta(days=1)
    last = midnight(day_of(scope.until), UTC)
    if first >= last:
        return None, [scope]
    return replace(scope, since=first, until=last, zone=UTC), [
        replace(scope, since=start, until=end, zone=UTC)
        for start, end in ((scope.since, first), (last, scope.until)) if start < end]


def _added(rows: Iterable[tuple[Any, ...]], keys: int) -> list[tuple[Any, ...]]:
    """Rows alike in their first ``keys`` fields as one, their other fields (counts) summed,
    in the order of those fields."""
    sums: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        total = sums.setdefault(tuple(row[:keys]), [0] * (len(row) - keys))
        for index, value in enumerate(row[keys:]):
            total[index] += value
    return [(*key, *values) for key, values in sorted(sums.items())]


def midnight(day: date, zone: tzinfo) -> datetime:
    """The start of ``day`` in ``zone``, in UTC."""
    return datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)


def _offset(zone: tzinfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def _day_within_a_utc_day(scope: Scope) -> bool:
    """Whether a day of the scope's zone begins after a UTC midnight and ends before the next
    (one shortened by a change of clocks, in a zone a little behind UTC): the first and last
    action of that UTC day may both lie outside it while others lie in it."""
    day = scope.since.astimezone(scope.zone).date()
    start = midnight(day, scope.zone)
    while start < scope.until:
        end = midnight(day + timedelta(days=1), scope.zone)
        utc_start = midnight(day_of(start), UTC)
        if utc_start < start and end < utc_start + timedelta(days=1):
            return True
        day, start = day + timedelta(days=1), end
    return False


def _clock_changes(zone: tzinfo, since: datetime, until: datetime
                   ) -> list[tuple[datetime, timedelta]]:
    """The instants in ``[since, until)`` at which ``zone``'s offset changes, each with the
    offset from then (a zone's clocks change at most once a day: each day is bisected to the
    second when its two ends differ)."""
    changes = []
    at = since
    while at < until:
        step = min(at + timedelta(days=1), until)
        if _offset(zone, step) != _offset(zone, at):
            low, high = at, step
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if _offset(zone, middle) == _offset(zone, at) \
                    else (low, middle)
            changes.append((high, _offset(zone, high)))
        at = step
    return changes


@dataclass(frozen=True)
class TrackGainRow:
    """A track's knowledge checks: baselines begun in the range, of them those scored, those
    skipped by the learner, those set aside by a push, and those ended without a score
    before schema 0020 kept which of the two (``untold``; the rest still open); learners
    with both checks (the endline finished in the range), and of them the mean share known
    before and after, and the mean normalised gain (of those who did not know everything
    before: for them it is undefined)."""

    track: str
    began: int
    scored: int
    skipped: int
    set_aside: int
    untold: int
    both: int
    mean_pre: float | None
    mean_post: float | None
    mean_gain: float | None
    undefined: int


@dataclass(frozen=True)
class TrackFunnel:
    """A track's funnel as it stood at the end of a scope."""

    started: int
    """Learners who read one of its lessons (an answer to one of its questions reads it)."""
    halfway: int
    completed: int
    completions: list[tuple[date, int]]
    """Learners who completed it, per day of their last read."""
    outside: int = 0
    """Of those who started it, learners whose topics leave it out."""


def _summed(pairs: list[tuple[date, int]]) -> dict[date, int]:
    total: dict[date, int] = {}
    for day, count in pairs:
        total[day] = total.get(day, 0) + count
    return total


def applies(learner_topics: str, track_topics: frozenset[str]) -> bool:
    """A track applies to a learner whose stored topics (comma-separated; none: every lesson)
    hold one of its lessons' topics, as the engine picks lessons."""
    chosen = [topic for topic in learner_topics.split(",") if topic]
    return not chosen or any(topic in track_topics for topic in chosen)


@dataclass(frozen=True)
class LearnerCounts:
    enrolled: int
    active_7: int
    active_30: int


@dataclass(frozen=True)
class Activity:
    """What learners did in a scope."""

    delivered: int
    read: int
    asked: int
    answered: int
    right: int

    def __add__(self, other: Activity) -> Activity:
        return Activity(*(mine + theirs for mine, theirs in zip(
            astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class PlatformRow:
    platform: str
    enrolled: int
    active_30: int
    activity: Activity


@dataclass(frozen=True)
class QuestionRow:
    """One question's answers: first attempts (each learner's first answer), latest attempts
    (each learner's last), and all."""

    lesson_id: str
    question_key: str
    learners: int
    """Learners whose first answer falls in scope."""
    first_right: int
    latest: int
    """Learners whose latest answer falls in scope..."""
    latest_right: int
    """... and of those, the ones right."""
    answers: int


@dataclass(frozen=True)
class ItemTotals:
    """Sums for the corrected item-total correlation of one question: ``x`` is a learner's
    first attempt (1 right, 0 wrong), ``y`` their first-attempt score on the rest of the
    questions in scope."""

    lesson_id: str
    question_key: str
    n: int
    sx: float
    sy: float
    sxy: float
    sxx: float
    syy: float


@dataclass(frozen=True)
class LearnerRisk:
    """One learner's signs of slipping."""

    learner_id: int
    display_name: str
    platform: str
    last_action: datetime | None
    overdue: int
    streak: int
    longest: int
    points: int
    enrolled_at: datetime | None = None
    workdays: tuple[str, ...] = ()
    time_zone: str = "UTC"
    away: bool = False
    """On holiday, or daily messages stopped: not slipping."""
    freezes: int = 0
    streak_day: date | None = None
    """The learner's local day the stored streak was last kept (it is written only when they
    act: whether it still holds is a question of their workdays since)."""
    paused: bool = False
    """On holiday (``away`` also counts a learner who said `stop`)."""
    last_answer: datetime | None = None
    """When they last answered a question, within the last two weeks (None: not in them): a
    backlog is the learner's doing when they stopped answering, not when the daily budget asks
    fewer than fall due. Stored times are UTC (a database may give them back naive)."""


@dataclass(frozen=True)
class StreakKept:
    """A streak as stored for one learner, with what decides whether it still holds."""

    current: int
    day: date | None
    freezes: int
    workdays: tuple[str, ...]
    time_zone: str
    paused: bool
    """On holiday: the streak is held (a learner who said `stop` is not: as for the engine)."""


@dataclass(frozen=True)
class LessonReads:
    lesson_id: str
    delivered: int
    read: int
    looked_up: int
    hours_to_read: float | None
    """The mean time from delivery to read, for lessons read."""
    delivered_read: int = 0
    """Of those delivered in the range, how many were read by its end (``read`` counts every
    read in the range, also of lessons delivered before it)."""


def _day(column: Any, dialect: str) -> ColumnElement[Any]:
    """A timestamp's UTC day, as text 'YYYY-MM-DD' on every database."""
    if dialect == "sqlite":
        return func.date(column)
    return func.to_char(column, "YYYY-MM-DD")


def _shifted_day(column: Any, offset: timedelta, dialect: str) -> ColumnElement[Any]:
    """The day, as text 'YYYY-MM-DD', of a UTC timestamp moved by ``offset``."""
    if not offset:
        return _day(column, dialect)
    minutes = int(offset.total_seconds() // 60)
    if dialect == "sqlite":
        return func.date(column, f"{minutes:+d} minutes")
    return func.to_char(column + literal_column(f"interval '{minutes} minutes'"), "YYYY-MM-DD")


def _local_day(column: Any, scope: Scope, dialect: str) -> ColumnElement[Any]:
    """A timestamp's day in the scope's zone, as text 'YYYY-MM-DD': its UTC time moved by the
    zone's offset, which changes only at the scope's few changes of clocks (one CASE branch
    each, not a branch per day). A time before the scope takes the offset of its start: it
    may land a day off, but on a day before the scope's first, as it should."""
    start = scope.since - timedelta(days=1)
    offset = _offset(scope.zone, start)
    changes = _clock_changes(scope.zone, start, scope.until)
    if not changes:
        return _shifted_day(column, offset, dialect)
    offsets = [offset, *(after for _, after in changes)]
    return case(*((column < at, _shifted_day(column, before, dialect))
                  for (at, _), before in zip(changes, offsets, strict=False)),
                else_=_shifted_day(column, offsets[-1], dialect))


def _days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """Fractional days from ``earlier`` to ``later``."""
    if dialect == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - earlier) / 86400.0


def _track_of(lesson: Any, lesson_track: dict[str, str], dialect: str) -> ColumnElement[Any]:
    """The track of ``lesson`` (one of ``lesson_track``'s keys) in a few comparisons. Lesson
    ids sorted fall into runs of one track (a track is usually a folder), so a binary search
    over where the runs start is two or three comparisons a row, where a CASE over every id is
    up to one per lesson: on SQLite, the difference between the tracks page's 400 ms and
    about 250 ms with 10,000 learners. The comparisons must order as Python's ``sorted`` does
    (by code point): SQLite's default does; PostgreSQL's is told to ("C")."""
    if dialect == "postgresql":
        lesson = lesson.collate("C")
    runs: list[tuple[str, str]] = []
    for lesson_id in sorted(lesson_track):
        if not runs or runs[-1][1] != lesson_track[lesson_id]:
            runs.append((lesson_id, lesson_track[lesson_id]))

    def search(low: int, high: int) -> ColumnElement[Any]:
        if high - low == 1:
            return literal(runs[low][1])
        middle = (low + high) // 2
        return case((lesson < runs[middle][0], search(low, middle)),
                    else_=search(middle, high))
    return search(0, len(runs))


def _by_question(day: Any, dialect: str) -> ColumnElement[Any]:
    """A daily table's ``day`` that SQLite filters without its primary key (which leads with
    the day): the question-led covering index then serves the grouping in its own order. On a
    database never analysed, SQLite otherwise takes the day range and sorts a year of rows
    (150 ms against 15 with 10,000 learners). A unary + is SQLite's documented way to keep a
    term off the indexes; PostgreSQL plans from its statistics."""
    if dialect != "sqlite":
        return day  # type: ignore[no-any-return]
    return type_coerce(literal_column(f"+{day.table.name}.{day.name}"), day.type)


@lru_cache(maxsize=256)
def _workdays(value: Any) -> tuple[str, ...]:
    """A learner's stored workdays as a tuple (a few distinct values among thousands)."""
    return tuple(day for day in str(value or "").split(",") if day)


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


class Reports:
    """The dashboard's queries, in one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    # -- filters --------------------------------------------------------------------------------

    def _learners(self, scope: Scope) -> Select[Any]:
        """The ids of the learners a scope looks at."""
        query = select(_LEARNER.c.id)
        if scope.platform:
            query = query.where(_LEARNER.c.platform == scope.platform)
        return query

    def _of(self, column: Any, scope: Scope) -> ColumnElement[bool]:
        """``column`` (a learner id) is one of the scope's learners: no condition at all when
        the scope takes every platform (an IN over every learner costs a scan)."""
        if not scope.platform:
            return literal(True)
        if scope.until - scope.since <= timedelta(days=1):
            # A few hours (the ends of a range in another zone): SQLite would otherwise walk
            # every answer of the platform's learners by the learner index, not those hours by
            # time (1.9 s against milliseconds for 10,000 learners).
            column = _by_question(column, self.dialect)
        condition: ColumnElement[bool] = column.in_(self._learners(scope))
        return condition

    @staticmethod
    def _lessons(column: Any, scope: Scope) -> ColumnElement[bool]:
        if scope.lessons is None:
            return literal(True)
        return column.in_(scope.lessons) if scope.lessons else literal(False)

    def _scalar(self, query: Select[Any]) -> int:
        return int(self.session.execute(query).scalar() or 0)

    # -- overview -------------------------------------------------------------------------------

    def actions(self, scope: Scope) -> Any:
        """(learner_id, at) of every action in scope: an answer, or a lesson read."""
        answers = select(_ANSWER.c.learner_id, _ANSWER.c.answered_at.label("at")).where(
            _ANSWER.c.answered_at >= scope.since, _ANSWER.c.answered_at < scope.until,
            self._of(_ANSWER.c.learner_id, scope), self._lessons(_ANSWER.c.lesson_id, scope))
        reads = select(_PROGRESS.c.learner_id, _PROGRESS.c.read_at.label("at")).where(
            _PROGRESS.c.read_at >= scope.since, _PROGRESS.c.read_at < scope.until,
            self._of(_PROGRESS.c.learner_id, scope), self._lessons(_PROGRESS.c.lesson_id, scope))
        return union_all(answers, reads).subquery()

    def learner_counts(self, scope: Scope) -> LearnerCounts:
        """Learners enrolled by the end of the scope, and those who acted in the 7 and the 30
        days that end with it: over a shorter scope, the days before it count too (a range of
        two days would otherwise give the same number under both)."""
        enrolled = select(func.count()).select_from(_LEARNER).where(
            _LEARNER.c.created_at < scope.until)
        if scope.platform:
            enrolled = enrolled.where(_LEARNER.c.platform == scope.platform)

        def active(days: int) -> int:
            window = scope.days_before(days)
            if self._daily(window):  # the daily aggregates: no answer is scanned
                return self._scalar(select(func.count(distinct(_DAY.c.learner_id)))
                                    .where(*self._days(window), _acted()))
            inner, edges = _pieces(window)
            if window.lessons is None and inner is not None:
                # The whole UTC days' learners from the daily totals, the ends' from the rows.
                ids = union_all(select(_DAY.c.learner_id).where(*self._days(inner), _acted()),
                                *(select(ends.c.learner_id) for ends in map(self.actions, edges)))
                learners = ids.subquery()
                return self._scalar(select(func.count(distinct(learners.c.learner_id))))
            actions = self.actions(window)
            return self._scalar(select(func.count(distinct(actions.c.learner_id))))

        return LearnerCounts(self._scalar(enrolled), active(7), active(30))

    def daily_active(self, scope: Scope) -> list[tuple[date, int]]:
        """Learners who acted, per day of the scope's zone (days without anyone left out)."""
        if self._daily(scope):
            rows = self.session.execute(select(_PDAY.c.day, func.sum(_PDAY.c.active))
                                        .where(*self._days(scope, _PDAY))
                                        .group_by(_PDAY.c.day).order_by(_PDAY.c.day))
            return [(_as_date(day), int(count)) for day, count in rows if count]
        if scope.lessons is None and not _day_within_a_utc_day(scope):
            return self._active_per_local_day(self._first_and_last(scope), scope)
        return self.daily_active_from_rows(scope)

    def daily_active_from_rows(self, scope: Scope) -> list[tuple[date, int]]:
        """:meth:`daily_active` counted from every action in the scope."""
        return self._active_per_local_day(self.actions(scope), scope)

    def _active_per_local_day(self, actions: Any, scope: Scope) -> list[tuple[date, int]]:
        """Distinct learners of ``actions`` (learner_id, at) per day of the scope's zone."""
        day = _local_day(actions.c.at, scope, self.dialect).label("day")
        rows = self.session.execute(
            select(day, func.count(distinct(actions.c.learner_id))).group_by(day).order_by(day))
        return [(date.fromisoformat(str(when)), int(count)) for when, count in rows]

    def _first_and_last(self, scope: Scope) -> Any:
        """(learner_id, at) of each learner's first and last action of every UTC day the
        scope touches, those within it (the last only when on another day of the zone). A day
        in a zone other than UTC is the end of one UTC day and the start of the next (and any
        whole UTC day between): a learner acted on it exactly when the first's last action,
        the next's first or a whole day's first falls in it. One row of the daily totals per
        learner and UTC day, not every action (a year in Auckland: docs/benchmarks.md). Exact
        only when no day of the scope lies inside one UTC day (:func:`_day_within_a_utc_day`):
        that day's actions could all fall between the UTC day's first and last."""
        days = [_DAY.c.day >= day_of(scope.since), _DAY.c.day <= day_of(scope.until)]
        if scope.platform:
            days.append(_DAY.c.platform == scope.platform)
        first, last = _DAY.c.first_at, _DAY.c.last_at
        firsts, lasts = (select(_DAY.c.learner_id, column.label("at")).where(
            *days, column >= scope.since, column < scope.until) for column in (first, last))
        # Most learners' day is over by the zone's midnight: their last action adds nothing
        # to their first (a third of the time grouping a year in Auckland). On the same day as
        # the first, the last is in the scope exactly when the first is.
        lasts = lasts.where(_local_day(last, scope, self.dialect)
                            != _local_day(first, scope, self.dialect))
        return union_all(firsts, lasts).subquery()

    def _pieced(self, scope: Scope, daily: Callable[[Scope], _T],
                rows: Callable[[Scope], _T], add: Callable[[_T, _T], _T]) -> _T:
        """A figure summed over the scope's pieces (:func:`_pieces`): ``daily`` over its whole
        UTC days, ``rows`` over the hours at its ends, added with ``add``."""
        inner, edges = _pieces(scope)
        total = rows(edges[0]) if inner is None else daily(inner)
        for edge in edges[1:] if inner is None else edges:
            total = add(total, rows(edge))
        return total

    @staticmethod
    def _daily(scope: Scope) -> bool:
        """Whether the daily totals answer a scope: all its lessons, its ends UTC midnights
        (otherwise its figures are counted from the rows between its two instants)."""
        return scope.lessons is None and scope.utc_days

    def _days(self, scope: Scope, table: Any = None) -> list[ColumnElement[bool]]:
        """The daily aggregates' rows of a scope (its UTC days, its platform)."""
        table = _DAY if table is None else table
        where = [table.c.day >= day_of(scope.since), table.c.day < day_of(scope.until)]
        if scope.platform:
            where.append(table.c.platform == scope.platform)
        return where

    def activity(self, scope: Scope) -> Activity:
        """Lessons delivered and read, questions asked and answered, right answers (from the
        daily aggregates, or from the rows themselves when they cannot answer it: some lessons,
        or days of a zone other than UTC)."""
        if scope.lessons is None and not scope.utc_days:
            return self._pieced(scope, self.activity, self.activity_from_rows, Activity.__add__)
        if self._daily(scope):
            row = self.session.execute(select(*(
                func.coalesce(func.sum(_PDAY.c[name]), 0) for name in (
                    "delivered", "read", "asked", "answered", "right")))
                .where(*self._days(scope, _PDAY))).one()
            return Activity(*(int(value) for value in row))
        return self.activity_from_rows(scope)

    def activity_from_rows(self, scope: Scope) -> Activity:
        """:meth:`activity` counted from the recorded rows themselves."""
        progress = self._lessons(_PROGRESS.c.lesson_id, scope)
        delivered = self._scalar(select(func.count()).select_from(_PROGRESS).where(
            _PROGRESS.c.via == "lesson", _PROGRESS.c.delivered_at >= scope.since,
            _PROGRESS.c.delivered_at < scope.until, self._of(_PROGRESS.c.learner_id, scope),
            progress))
        read = self._scalar(select(func.count()).select_from(_PROGRESS).where(
            _PROGRESS.c.read_at >= scope.since, _PROGRESS.c.read_at < scope.until,
            self._of(_PROGRESS.c.learner_id, scope), progress))
        asked = self._scalar(select(func.count()).select_from(_ASK).where(
            _ASK.c.asked_at >= scope.since, _ASK.c.asked_at < scope.until,
            # A baseline check's questions count in no figure.
            or_(_ASK.c.check_phase.is_(None), _ASK.c.check_phase != "pre"),
            self._of(_ASK.c.learner_id, scope), self._lessons(_ASK.c.lesson_id, scope)))
        answered, right = self.session.execute(
            select(func.count(), func.coalesce(func.sum(cast(_ANSWER.c.correct, Integer)), 0))
            .where(_ANSWER.c.answered_at >= scope.since, _ANSWER.c.answered_at < scope.until,
                   self._of(_ANSWER.c.learner_id, scope),
                   self._lessons(_ANSWER.c.lesson_id, scope))).one()
        return Activity(delivered, read, asked, int(answered), int(right))

    def by_platform(self, scope: Scope) -> list[PlatformRow]:
        """The overview's figures for each platform with learners."""
        month = scope.days_before(30)
        if not (self._daily(scope) and self._daily(month)):  # from the rows, platform by platform
            platforms = [str(name) for name in self.session.execute(
                select(_LEARNER.c.platform).distinct().order_by(_LEARNER.c.platform)).scalars()]
            rows = []
            for platform in platforms:
                if scope.platform and platform != scope.platform:
                    continue
                one = replace(scope, platform=platform)
                counts = self.learner_counts(one)
                rows.append(PlatformRow(platform, counts.enrolled, counts.active_30,
                                        self.activity(one)))
            return rows
        enrolled = dict(self.session.execute(
            select(_LEARNER.c.platform, func.count()).where(_LEARNER.c.created_at < scope.until)
            .group_by(_LEARNER.c.platform)).all())
        active = dict(self.session.execute(
            select(_DAY.c.platform, func.count(distinct(_DAY.c.learner_id)))
            .where(*self._days(month), _acted()).group_by(_DAY.c.platform)).all())
        sums = {str(platform): Activity(*(int(value) for value in values))
                for platform, *values in self.session.execute(select(_PDAY.c.platform, *(
                    func.sum(_PDAY.c[name]) for name in (
                        "delivered", "read", "asked", "answered", "right")))
                    .where(*self._days(scope, _PDAY)).group_by(_PDAY.c.platform))}
        return [PlatformRow(str(platform), int(count), int(active.get(platform, 0)),
                            sums.get(str(platform), Activity(0, 0, 0, 0, 0)))
                for platform, count in sorted(enrolled.items())
                if not scope.platform or platform == scope.platform]

    def streaks(self, scope: Scope) -> list[StreakKept]:
        """Every streak stored above zero. Whether each still holds depends on the learner's
        own workdays since it was kept (the engine's rule), so it is decided per learner by
        the caller; only the learners with a streak are read."""
        query = (select(_STREAK.c.current, _STREAK.c.last_active, _STREAK.c.freezes,
                        _LEARNER.c.workdays, _LEARNER.c.time_zone, _LEARNER.c.paused)
                 .select_from(_STREAK.join(_LEARNER, _LEARNER.c.id == _STREAK.c.learner_id))
                 # The same learners as "enrolled": those who had joined by the range's end.
                 .where(_STREAK.c.current > 0, _LEARNER.c.created_at < scope.until,
                        self._of(_LEARNER.c.id, scope)))
        return [StreakKept(int(current), _as_date(day) if day is not None else None,
                           int(freezes), _workdays(workdays), str(zone or "UTC"), bool(paused))
                for current, day, freezes, workdays, zone, paused in self.session.execute(query)]

    # -- tracks ---------------------------------------------------------------------------------

    def tracks(self, scope: Scope, tracks: dict[str, tuple[str, ...]],
               topics: dict[str, frozenset[str]] | None = None) -> dict[str, TrackFunnel]:
        """Every track's funnel in one pass over the lessons read: learners who started it
        (read one of its lessons: an answer to one of its questions marks the lesson read; a
        lesson only delivered is not a start), read half of it, read all of it, and how many
        completed it on each day (by their last read). With ``topics`` (each track's lessons'
        topics), it also counts the learners who started a track their topics leave out
        (they looked its lessons up, or changed their topics since)."""
        lesson_track = {lesson: track for track, lessons in tracks.items() for lesson in lessons}
        if not lesson_track:
            return {}
        read = _PROGRESS.c.read_at < scope.until  # NULL (never read) is not true either
        # Only the rows read by the range's end: the few aggregates left are most of the cost
        # on SQLite, so "started" is just their count. As it stood at the end of the range:
        # what came later is not counted.
        per_learner = read_per_track(lesson_track, self.dialect,
                                     self._of(_PROGRESS.c.learner_id, scope), read)
        sizes = {name: len(lessons) for name, lessons in tracks.items()}
        total = case(sizes, value=per_learner.c.track)
        half = case({name: (size + 1) // 2 for name, size in sizes.items()},
                    value=per_learner.c.track)
        # One pass: by track, day of the last read (and the learner's topics), then summed by
        # track here (a few hundred rows), instead of reading the lessons twice.
        day = _local_day(per_learner.c.last, scope, self.dialect)
        chosen = (_LEARNER.c.topics if topics is not None else literal("")).label("topics")
        query = (select(per_learner.c.track, day, chosen, func.count(),
                        func.sum(case((per_learner.c.read >= half, 1), else_=0)),
                        func.sum(case((per_learner.c.read >= total, 1), else_=0)))
                 .group_by(per_learner.c.track, day, chosen))
        if topics is not None:
            query = query.select_from(per_learner.join(
                _LEARNER, _LEARNER.c.id == per_learner.c.learner_id))
        funnel: dict[str, TrackFunnel] = {}
        for name, when, mine, started, halfway, done in self.session.execute(query):
            was = funnel.get(str(name), TrackFunnel(0, 0, 0, []))
            days = was.completions + ([(_as_date(when), int(done))] if done and when else [])
            outside = topics is not None and not applies(str(mine or ""),
                                                         topics.get(str(name), frozenset()))
            funnel[str(name)] = TrackFunnel(
                was.started + int(started), was.halfway + int(halfway), was.completed + int(done),
                days, was.outside + (int(started) if outside else 0))
        # A day comes once per choice of topics: summed, so each day is listed once.
        return {name: replace(one, completions=sorted(_summed(one.completions).items()))
                for name, one in ((name, funnel.get(name, TrackFunnel(0, 0, 0, [])))
                                  for name in tracks)}

    def track_enrolled(self, scope: Scope, topics: dict[str, frozenset[str]]) -> dict[str, int]:
        """Per track, the learners enrolled by the end of the scope whom it applies to: those
        whose topics hold one of its lessons' topics, or who chose none (every lesson is
        theirs). Counted by the learners' topics (a few distinct choices), not learner by
        learner."""
        query = select(_LEARNER.c.topics, func.count()).where(
            _LEARNER.c.created_at < scope.until).group_by(_LEARNER.c.topics)
        if scope.platform:
            query = query.where(_LEARNER.c.platform == scope.platform)
        counts = [(str(mine or ""), int(count)) for mine, count in self.session.execute(query)]
        return {track: sum(count for mine, count in counts if applies(mine, of))
                for track, of in topics.items()}

    # -- questions ------------------------------------------------------------------------------

    def _answers(self, scope: Scope) -> list[ColumnElement[bool]]:
        return [_ANSWER.c.answered_at >= scope.since, _ANSWER.c.answered_at < scope.until,
                self._of(_ANSWER.c.learner_id, scope),
                self._lessons(_ANSWER.c.lesson_id, scope)]

    def _attempts(self, scope: Scope, first: bool, every: int = 1) -> Any:
        """Each learner's first answer to each question, when it falls in scope (or their
        latest, when that does): flags kept on the answers as they come. ``every``: only
        every k-th learner."""
        flag = _ANSWER.c.first if first else _ANSWER.c.latest
        # The sampled learners as a list of ids: a seek each into the first answers' index
        # (by learner), where "learner_id % k = 0" on the answers reads every learner's.
        sampled = literal(True) if every == 1 else _ANSWER.c.learner_id.in_(
            select(_LEARNER.c.id).where((_LEARNER.c.id % every) == 0))
        # "= true" (not "IS true"): the form the first answers' partial index is made with.
        return (select(_ANSWER.c.learner_id, _ANSWER.c.lesson_id, _ANSWER.c.question_key,
                       cast(_ANSWER.c.correct, Integer).label("x"))
                .where(flag == true(), sampled, *self._answers(scope)).subquery())

    def questions(self, scope: Scope) -> list[QuestionRow]:
        """Every answered question: learners, right first attempts, right latest attempts,
        answers (from the daily aggregates, or from the answers in a zone other than UTC)."""
        if not scope.utc_days:
            return self._pieced(scope, self.questions, self.questions_from_rows,
                                lambda one, other: [QuestionRow(*row) for row in _added(
                                    map(astuple, one + other), 2)])
        day = _by_question(_QDAY.c.day, self.dialect)
        where = [day >= day_of(scope.since), day < day_of(scope.until),
                 self._lessons(_QDAY.c.lesson_id, scope)]
        if scope.platform:
            where.append(_QDAY.c.platform == scope.platform)
        query = (select(_QDAY.c.lesson_id, _QDAY.c.question_key, *(
            func.sum(_QDAY.c[name]) for name in ("firsts", "first_right", "latest",
                                                  "latest_right", "answers")))
            .where(*where).group_by(_QDAY.c.lesson_id, _QDAY.c.question_key)
            .order_by(_QDAY.c.lesson_id, _QDAY.c.question_key))
        return [QuestionRow(str(lesson), str(key), *(int(value) for value in values))
                for lesson, key, *values in self.session.execute(query) if values[4]]

    def questions_from_rows(self, scope: Scope) -> list[QuestionRow]:
        """:meth:`questions` counted from the answers themselves (the aggregates' reference)."""
        first = self._attempts(scope, first=True)
        latest = self._attempts(scope, first=False)
        firsts = {(lesson, key): (int(n), int(right)) for lesson, key, n, right in
                  self.session.execute(select(first.c.lesson_id, first.c.question_key,
                                              func.count(), func.sum(first.c.x))
                                       .group_by(first.c.lesson_id, first.c.question_key))}
        latests = {(lesson, key): (int(n), int(right)) for lesson, key, n, right in
                   self.session.execute(select(latest.c.lesson_id, latest.c.question_key,
                                               func.count(), func.sum(latest.c.x))
                                        .group_by(latest.c.lesson_id, latest.c.question_key))}
        totals = {(lesson, key): int(n) for lesson, key, n in self.session.execute(
            select(_ANSWER.c.lesson_id, _ANSWER.c.question_key, func.count())
            .where(*self._answers(scope))
            .group_by(_ANSWER.c.lesson_id, _ANSWER.c.question_key))}
        return [QuestionRow(lesson, key, *firsts.get((lesson, key), (0, 0)),
                            *latests.get((lesson, key), (0, 0)), n)
                for (lesson, key), n in sorted(totals.items())]

    def choices(self, scope: Scope) -> list[tuple[str, str, str, int]]:
        """(lesson, question, choice, how often it was picked) over the answers in scope
        (a choice may be several, as '0,2': see :func:`bot.dashboard.figures.choice_counts`)."""
        if not scope.utc_days:
            return self._pieced(scope, self.choices, self.choices_from_rows,
                                lambda one, other: _added(one + other, 3))
        day = _by_question(_CDAY.c.day, self.dialect)
        where = [day >= day_of(scope.since), day < day_of(scope.until),
                 self._lessons(_CDAY.c.lesson_id, scope)]
        if scope.platform:
            where.append(_CDAY.c.platform == scope.platform)
        query = (select(_CDAY.c.lesson_id, _CDAY.c.question_key, _CDAY.c.choice,
                        func.sum(_CDAY.c.picked))
                 .where(*where)
                 .group_by(_CDAY.c.lesson_id, _CDAY.c.question_key, _CDAY.c.choice))
        return [(str(lesson), str(key), str(choice), int(n))
                for lesson, key, choice, n in self.session.execute(query)]

    def choices_from_rows(self, scope: Scope) -> list[tuple[str, str, str, int]]:
        """:meth:`choices` counted from the answers themselves, by the choices given."""
        query = (select(_ANSWER.c.lesson_id, _ANSWER.c.question_key, _ANSWER.c.choices,
                        func.count())
                 .where(*self._answers(scope))
                 .group_by(_ANSWER.c.lesson_id, _ANSWER.c.question_key, _ANSWER.c.choices))
        return [(str(lesson), str(key), str(given), int(n))
                for lesson, key, given, n in self.session.execute(query)]

    def item_totals(self, scope: Scope, sample: int = SAMPLE_LEARNERS) -> list[ItemTotals]:
        """Per question, the sums of the corrected item-total correlation over first attempts:
        does a learner who does well on the rest of the scope's questions get this one right?
        Learners with a single answered question say nothing and are left out. Beyond
        ``sample`` learners, every k-th learner (by id) stands for the rest: the correlation
        of 1,000 learners is within a few hundredths of everyone's (its standard error is about
        0.03), at a fraction of the cost."""
        learners = self._scalar(select(func.count()).select_from(_LEARNER).where(
            self._of(_LEARNER.c.id, scope)))
        every = max(1, -(-learners // sample))
        first = self._attempts(scope, first=True, every=every)
        # Each learner's totals beside each of their answers: a window, not a join (one pass).
        mine = (select(first.c.lesson_id, first.c.question_key, first.c.x,
                       func.sum(first.c.x).over(partition_by=first.c.learner_id).label("right"),
                       func.count().over(partition_by=first.c.learner_id).label("answered"))
                .subquery())
        rest = ((mine.c.right - mine.c.x) * 1.0 / (mine.c.answered - 1)).label("y")
        joined = (select(mine.c.lesson_id, mine.c.question_key,
                         cast(mine.c.x, Float).label("x"), rest)
                  .where(mine.c.answered > 1).subquery())
        query = (select(joined.c.lesson_id, joined.c.question_key, func.count(),
                        func.sum(joined.c.x), func.sum(joined.c.y),
                        func.sum(joined.c.x * joined.c.y), func.sum(joined.c.x * joined.c.x),
                        func.sum(joined.c.y * joined.c.y))
                 .group_by(joined.c.lesson_id, joined.c.question_key))
        return [ItemTotals(str(lesson), str(key), int(n), float(sx), float(sy), float(sxy),
                           float(sxx), float(syy))
                for lesson, key, n, sx, sy, sxy, sxx, syy in self.session.execute(query)]

    def flags(self, scope: Scope) -> list[tuple[str, str, int, list[str]]]:
        """(lesson, question, learners who flagged it, their latest notes) of questions
        flagged in scope."""
        where = [_FLAG.c.created_at >= scope.since, _FLAG.c.created_at < scope.until,
                 self._of(_FLAG.c.learner_id, scope),
                 self._lessons(_FLAG.c.lesson_id, scope)]
        counts = self.session.execute(
            select(_FLAG.c.lesson_id, _FLAG.c.question_key,
                   func.count(func.distinct(_FLAG.c.learner_id))).where(*where)
            .group_by(_FLAG.c.lesson_id, _FLAG.c.question_key)).all()
        result = []
        for lesson, key, count in counts:
            notes = [str(note) for note in self.session.execute(
                select(_FLAG.c.note).where(*where, _FLAG.c.lesson_id == lesson,
                                           _FLAG.c.question_key == key, _FLAG.c.note != "")
                .order_by(_FLAG.c.created_at.desc()).limit(5)).scalars()]
            result.append((str(lesson), str(key), int(count), notes))
        return result

    # -- retention ------------------------------------------------------------------------------

    def recall(self, scope: Scope, now: datetime, factor: float, decay: float,
               first_stability: float) -> list[tuple[str, float, int]]:
        """(lesson, mean predicted recall now, cards) over the learners' cards, by FSRS's
        forgetting curve R = (1 + factor * days / S) ** decay. A card never reviewed holds the
        memory its lesson's reading gave (stability ``first_stability`` from its delivery)."""
        stability = func.coalesce(_CARD.c.stability, first_stability)
        since = func.coalesce(_CARD.c.reviewed_at, _PROGRESS.c.delivered_at)
        days = _days_between(literal(now), since, self.dialect)
        elapsed = case((days > 0, days), else_=0.0)
        recall = func.power(1.0 + factor * elapsed / stability, decay)
        query = (select(_CARD.c.lesson_id, func.avg(recall), func.count())
                 .select_from(_CARD.join(_PROGRESS, and_(
                     _PROGRESS.c.learner_id == _CARD.c.learner_id,
                     _PROGRESS.c.lesson_id == _CARD.c.lesson_id)))
                 # A lesson only delivered gave no memory yet: its cards wait.
                 .where(or_(_PROGRESS.c.read_at.is_not(None), _PROGRESS.c.via == "added",
                            _CARD.c.reviewed_at.is_not(None)),
                        self._of(_CARD.c.learner_id, scope),
                        self._lessons(_CARD.c.lesson_id, scope))
                 .group_by(_CARD.c.lesson_id))
        return [(str(lesson), float(mean), int(n))
                for lesson, mean, n in self.session.execute(query)]

    def recall_on(self, day: date) -> list[tuple[str, str, float, int]]:
        """(kind, name, recall, cards) of every figure kept on a day."""
        query = (select(_SNAPSHOT.c.kind, _SNAPSHOT.c.name, _SNAPSHOT.c.recall,
                        _SNAPSHOT.c.cards).where(_SNAPSHOT.c.day == day))
        return [(str(kind), str(name), float(recall), int(cards))
                for kind, name, recall, cards in self.session.execute(query)]

    def recall_trend(self, kind: str, since: date, until: date | None = None,
                     name: str | None = None) -> list[tuple[date, str, float]]:
        """(day, name, recall) of the snapshots kept from ``since`` to ``until`` (inclusive),
        of one name if given."""
        query = (select(_SNAPSHOT.c.day, _SNAPSHOT.c.name, _SNAPSHOT.c.recall)
                 .where(_SNAPSHOT.c.kind == kind, _SNAPSHOT.c.day >= since)
                 .order_by(_SNAPSHOT.c.day, _SNAPSHOT.c.name))
        if until is not None:
            query = query.where(_SNAPSHOT.c.day <= until)
        if name is not None:
            query = query.where(_SNAPSHOT.c.name == name)
        return [(day if isinstance(day, date) else date.fromisoformat(str(day)), str(name),
                 float(value)) for day, name, value in self.session.execute(query)]

    # -- learners -------------------------------------------------------------------------------

    def learners(self, scope: Scope, now: datetime, overdue_after: timedelta,
                 learner_id: int | None = None) -> list[LearnerRisk]:
        """Every learner in scope (or one) with their last action (kept on the learner), the
        reviews overdue by more than ``overdue_after`` of lessons they read or added (a lesson
        only delivered is not theirs yet), their streak and points."""
        learning = and_(_PROGRESS.c.learner_id == _CARD.c.learner_id,
                        _PROGRESS.c.lesson_id == _CARD.c.lesson_id,
                        or_(_PROGRESS.c.read_at.is_not(None), _PROGRESS.c.via == "added"))
        late = _CARD.c.due_at < now - overdue_after
        joined: Any = _LEARNER.outerjoin(_STREAK, _STREAK.c.learner_id == _LEARNER.c.id)
        if self.dialect == "sqlite" or learner_id is not None:
            # SQLite: per learner, a seek into their due cards, not every card grouped.
            overdue: Any = (select(func.count()).select_from(_CARD.join(_PROGRESS, learning))
                            .where(_CARD.c.learner_id == _LEARNER.c.id, late)
                            .correlate(_LEARNER).scalar_subquery())
        else:
            # PostgreSQL runs a correlated count once per learner (a tenth of a millisecond
            # each); one grouped hash join over the late cards is several times faster.
            late_by = (select(_CARD.c.learner_id, func.count().label("overdue"))
                       .select_from(_CARD.join(_PROGRESS, learning)).where(late)
                       .group_by(_CARD.c.learner_id).subquery())
            joined = joined.outerjoin(late_by, late_by.c.learner_id == _LEARNER.c.id)
            overdue = func.coalesce(late_by.c.overdue, 0)
        query = (select(_LEARNER.c.id, _LEARNER.c.display_name, _LEARNER.c.platform,
                        _LEARNER.c.last_action_at, overdue,
                        func.coalesce(_STREAK.c.current, 0), func.coalesce(_STREAK.c.longest, 0),
                        _LEARNER.c.points, _LEARNER.c.created_at,
                        _LEARNER.c.workdays, _LEARNER.c.time_zone,
                        or_(_LEARNER.c.paused, _LEARNER.c.stopped),
                        func.coalesce(_STREAK.c.freezes, 0), _STREAK.c.last_active,
                        _LEARNER.c.paused, last_answer_of(_LEARNER.c.id, now))
                 .select_from(joined)
                 .where(self._of(_LEARNER.c.id, scope))
                 .order_by(_LEARNER.c.id))
        if learner_id is not None:
            query = query.where(_LEARNER.c.id == learner_id)
        return [LearnerRisk(int(row[0]), str(row[1]), str(row[2]), _as_datetime(row[3]),
                            int(row[4]), int(row[5]), int(row[6]), int(row[7]),
                            _as_datetime(row[8]),
                            _workdays(row[9]), str(row[10] or "UTC"), bool(row[11]),
                            int(row[12]), _as_date(row[13]) if row[13] is not None else None,
                            bool(row[14]),
                            _as_datetime(row[15]))
                for row in self.session.execute(query)]

    def learner_lessons(self, learner_id: int) -> list[tuple[str, str, datetime,
                                                              datetime | None]]:
        """(lesson, via, delivered, read) of one learner, latest first."""
        query = (select(_PROGRESS.c.lesson_id, _PROGRESS.c.via, _PROGRESS.c.delivered_at,
                        _PROGRESS.c.read_at)
                 .where(_PROGRESS.c.learner_id == learner_id)
                 .order_by(_PROGRESS.c.delivered_at.desc()))
        return [(str(lesson), str(via), _as_datetime(at) or datetime.min,
                 _as_datetime(read)) for lesson, via, at, read in self.session.execute(query)]

    def learner_answers(self, learner_id: int, limit: int) -> list[tuple[datetime, str, str,
                                                                         bool]]:
        """(when, lesson, question, right) of one learner's latest answers."""
        query = (select(_ANSWER.c.answered_at, _ANSWER.c.lesson_id, _ANSWER.c.question_key,
                        _ANSWER.c.correct)
                 .where(_ANSWER.c.learner_id == learner_id)
                 .order_by(_ANSWER.c.answered_at.desc(), _ANSWER.c.id.desc()).limit(limit))
        return [(_as_datetime(at) or datetime.min, str(lesson), str(key), bool(right))
                for at, lesson, key, right in self.session.execute(query)]

    # -- lessons --------------------------------------------------------------------------------

    def read_of_delivered(self, scope: Scope) -> tuple[int, int]:
        """(lessons delivered in the range, how many of them were read by its end): reads in
        the range also count lessons delivered before it, so over a short range they would
        pass 100%. One index-only pass (the deliveries' index carries via and read_at)."""
        query = (select(func.count(), func.sum(cast(_PROGRESS.c.read_at < scope.until,
                                                    Integer)))
                 .where(_PROGRESS.c.delivered_at >= scope.since,
                        _PROGRESS.c.delivered_at < scope.until, _PROGRESS.c.via == "lesson",
                        self._of(_PROGRESS.c.learner_id, scope),
                        self._lessons(_PROGRESS.c.lesson_id, scope)))
        delivered, read = self.session.execute(query).one()
        return int(delivered or 0), int(read or 0)

    def lessons_delivered(self, limit: int = 1000) -> list[str]:
        """Ids of lessons ever delivered (up to ``limit`` of them): whether the dashboard's
        lesson folder is the bot's."""
        query = select(_PROGRESS.c.lesson_id).distinct().limit(limit)
        return [str(lesson_id) for (lesson_id,) in self.session.execute(query).all()]

    def lesson_reads(self, scope: Scope) -> list[LessonReads]:
        """Per lesson: deliveries, reads, lookups, and the mean hours from delivery to read.
        Three passes, each over its own time's index, rather than one over every lesson had
        with three ranges tested on each row (a year of 10,000 learners: about 230 ms against
        360)."""
        hours = _days_between(_PROGRESS.c.read_at, _PROGRESS.c.delivered_at, self.dialect) * 24
        mine = [self._of(_PROGRESS.c.learner_id, scope),
                self._lessons(_PROGRESS.c.lesson_id, scope)]

        def per_lesson(column: Any, *sums: Any, **where: Any) -> dict[str, tuple[Any, ...]]:
            query = (select(_PROGRESS.c.lesson_id, func.count(), *sums)
                     .where(column >= scope.since, column < scope.until, *mine,
                            *where.values())
                     .group_by(_PROGRESS.c.lesson_id))
            return {str(lesson): tuple(rest) for lesson, *rest in self.session.execute(query)}
        delivered = per_lesson(
            _PROGRESS.c.delivered_at,
            func.sum(cast(_PROGRESS.c.read_at < scope.until, Integer)),
            func.avg(case((_PROGRESS.c.read_at.is_not(None), hours), else_=None)),
            lesson=_PROGRESS.c.via == "lesson")
        read = per_lesson(_PROGRESS.c.read_at)
        looked = per_lesson(_PROGRESS.c.looked_up_at)
        rows = []
        for lesson in sorted(set(delivered) | set(read) | set(looked)):
            count, both, mean = delivered.get(lesson, (0, 0, None))
            rows.append(LessonReads(lesson, int(count), int(read.get(lesson, (0,))[0]),
                                    int(looked.get(lesson, (0,))[0]),
                                    None if mean is None else float(mean), int(both or 0)))
        return rows

    def misses(self, scope: Scope, limit: int | None = None) -> list[tuple[str, int, datetime]]:
        """Lookups that found nothing, most asked first: (words, times, last asked); the
        first ``limit`` (None: all)."""
        words = func.lower(cast(_MISS.c.query, String))
        query = (select(words, func.count(), func.max(_MISS.c.asked_at))
                 .where(_MISS.c.asked_at >= scope.since, _MISS.c.asked_at < scope.until,
                        self._of(_MISS.c.learner_id, scope))
                 .group_by(words).order_by(func.count().desc(), words).limit(limit))
        return [(str(text), int(n), _as_datetime(last) or datetime.min)
                for text, n, last in self.session.execute(query)]


    # -- the learners' voice ------------------------------------------------------------------

    def ratings(self, scope: Scope) -> list[tuple[str, int, int, int]]:
        """Per lesson rated in scope: (lesson, useful, not useful, with words)."""
        query = (select(_RATING.c.lesson_id, func.sum(cast(_RATING.c.useful, Integer)),
                        func.sum(cast(~_RATING.c.useful, Integer)),
                        func.sum(cast(_RATING.c.comment != "", Integer)))
                 .where(_RATING.c.rated_at >= scope.since, _RATING.c.rated_at < scope.until,
                        self._of(_RATING.c.learner_id, scope),
                        self._lessons(_RATING.c.lesson_id, scope))
                 .group_by(_RATING.c.lesson_id).order_by(_RATING.c.lesson_id))
        return [(str(lesson), int(up or 0), int(down or 0), int(words or 0))
                for lesson, up, down, words in self.session.execute(query)]

    def comments(self, scope: Scope, limit: int
                 ) -> list[tuple[datetime, int, str, str, bool, str]]:
        """The latest ratings with words: (when, learner, their name, lesson, useful, words)."""
        query = (select(_RATING.c.rated_at, _LEARNER.c.id, _LEARNER.c.display_name,
                        _RATING.c.lesson_id, _RATING.c.useful, _RATING.c.comment)
                 .join(_LEARNER, _LEARNER.c.id == _RATING.c.learner_id)
                 .where(_RATING.c.rated_at >= scope.since, _RATING.c.rated_at < scope.until,
                        _RATING.c.comment != "", self._of(_RATING.c.learner_id, scope),
                        self._lessons(_RATING.c.lesson_id, scope))
                 .order_by(_RATING.c.rated_at.desc()).limit(limit))
        return [(_as_datetime(at) or datetime.min, int(learner), str(name or ""), str(lesson),
                 bool(useful), str(words)) for at, learner, name, lesson, useful, words
                in self.session.execute(query)]

    def reflection_count(self, scope: Scope) -> int:
        """How many reflections were written in scope."""
        return self._scalar(select(func.count()).select_from(_REFLECTION).where(
            _REFLECTION.c.written_at >= scope.since, _REFLECTION.c.written_at < scope.until,
            self._of(_REFLECTION.c.learner_id, scope),
            self._lessons(_REFLECTION.c.lesson_id, scope)))

    def reflections(self, scope: Scope, limit: int
                    ) -> list[tuple[datetime, int, str, str, str, str]]:
        """The latest reflections: (when, learner, their name, lesson, prompt, answer)."""
        query = (select(_REFLECTION.c.written_at, _LEARNER.c.id, _LEARNER.c.display_name,
                        _REFLECTION.c.lesson_id, _REFLECTION.c.prompt, _REFLECTION.c.answer)
                 .join(_LEARNER, _LEARNER.c.id == _REFLECTION.c.learner_id)
                 .where(_REFLECTION.c.written_at >= scope.since,
                        _REFLECTION.c.written_at < scope.until,
                        self._of(_REFLECTION.c.learner_id, scope),
                        self._lessons(_REFLECTION.c.lesson_id, scope))
                 .order_by(_REFLECTION.c.written_at.desc(), _REFLECTION.c.id.desc())
                 .limit(limit))
        return [(_as_datetime(at) or datetime.min, int(learner), str(name or ""), str(lesson),
                 str(prompt), str(answer)) for at, learner, name, lesson, prompt, answer
                in self.session.execute(query)]


    # -- knowledge checks ---------------------------------------------------------------------

    def _checks(self, scope: Scope, tracks: tuple[str, ...] | None) -> Any:
        """Each learner's scores in each track with both checks finished (not skipped), the
        endline in the range: a subquery of (learner_id, track, pre, post), each score the
        share of the check's questions answered right. One grouped pass over the checks (no
        self-join: its plan would hang on the planner's statistics)."""
        score = cast(_CHECK.c.right, Float) / _CHECK.c.answered
        per = (select(_CHECK.c.learner_id, _CHECK.c.track,
                      func.max(case((_CHECK.c.phase == "pre", score))).label("pre"),
                      func.max(case((_CHECK.c.phase == "post", score))).label("post"),
                      func.max(case((_CHECK.c.phase == "post", _CHECK.c.finished_at)))
                      .label("post_at"))
               .where(_CHECK.c.finished_at.is_not(None), ~_CHECK.c.skipped,
                      _CHECK.c.answered > 0, self._of(_CHECK.c.learner_id, scope),
                      _CHECK.c.track.in_(tracks) if tracks is not None else literal(True))
               .group_by(_CHECK.c.learner_id, _CHECK.c.track).subquery("per_learner"))
        return (select().select_from(per)
                .where(per.c.pre.is_not(None), per.c.post.is_not(None),
                       per.c.post_at >= scope.since, per.c.post_at < scope.until), per)

    def gains(self, scope: Scope, tracks: tuple[str, ...] | None = None) -> list[TrackGainRow]:
        """Per track with checks: baselines begun in the range (scored, skipped, set aside,
        either before it was kept which, open), learners with both checks (the endline
        finished in the range), their mean scores and mean normalised gain,
        (post - pre) / (1 - pre), which is undefined for a learner who knew everything before
        (counted apart). Two grouped queries, whatever the cohort's size."""
        query, per = self._checks(scope, tracks)
        knew_all = per.c.pre >= 1
        gain = case((knew_all, None), else_=(per.c.post - per.c.pre) / (1 - per.c.pre))
        rows = self.session.execute(query.add_columns(
            per.c.track, func.count(), func.avg(per.c.pre), func.avg(per.c.post),
            func.avg(gain), func.sum(case((knew_all, 1), else_=0))).group_by(per.c.track))
        both = {str(track): (int(count), _float(mean_pre), _float(mean_post), _float(mean_gain),
                             int(undefined or 0))
                for track, count, mean_pre, mean_post, mean_gain, undefined in rows}
        # Baselines by the day they began, so those skipped or set aside (a learner who did
        # not answer that day) are counted beside the scored: the gain is measured on the
        # learners who finished both, and a trainer must see how many that leaves out.
        finished = _CHECK.c.finished_at.is_not(None)
        unscored = and_(finished, _CHECK.c.skipped)
        by = _CHECK.c.skipped_by
        began = {str(track): tuple(int(value or 0) for value in counts)
                 for track, *counts in self.session.execute(
            select(_CHECK.c.track, func.count(),
                   func.sum(case((and_(finished, ~_CHECK.c.skipped), 1), else_=0)),
                   func.sum(case((and_(unscored, by == SkippedBy.LEARNER.value), 1), else_=0)),
                   func.sum(case((and_(unscored, by == SkippedBy.PUSH.value), 1), else_=0)),
                   # Ended before 0020 kept by whom: counted apart, not guessed.
                   func.sum(case((and_(unscored, by.is_(None)), 1), else_=0)))
            .where(_CHECK.c.phase == "pre",
                   _CHECK.c.started_at >= scope.since, _CHECK.c.started_at < scope.until,
                   self._of(_CHECK.c.learner_id, scope),
                   _CHECK.c.track.in_(tracks) if tracks is not None else literal(True))
            .group_by(_CHECK.c.track))}
        rows_out = []
        for track in sorted(set(both) | set(began)):
            count, scored, skipped, aside, untold = began.get(track, (0, 0, 0, 0, 0))
            pairs, mean_pre, mean_post, mean_gain, undefined = both.get(
                track, (0, None, None, None, 0))
            rows_out.append(TrackGainRow(track, count, scored, skipped, aside, untold, pairs,
                                         mean_pre, mean_post, mean_gain, undefined))
        return rows_out

    def read_without_baseline(self, scope: Scope,
                              tracks: dict[str, tuple[str, ...]]) -> dict[str, int]:
        """Per track of ``tracks`` (name to lesson ids: those that ask a knowledge check),
        the learners who first read one of its lessons in the scope and never began its
        baseline: the gain page cannot measure them (they added a looked-up lesson of it to
        their reviews, or began it before it asked a check), and a trainer must see how many
        that is."""
        lesson_track = {lesson: track for track, lessons in tracks.items() for lesson in lessons}
        if not lesson_track:
            return {}
        per = read_per_track(lesson_track, self.dialect, _PROGRESS.c.read_at.is_not(None),
                             self._of(_PROGRESS.c.learner_id, scope))
        baseline = (select(_CHECK.c.learner_id)
                    .where(_CHECK.c.learner_id == per.c.learner_id,
                           _CHECK.c.track == per.c.track, _CHECK.c.phase == "pre").exists())
        return {str(track): int(count) for track, count in self.session.execute(
            select(per.c.track, func.count())
            .where(per.c.first >= scope.since, per.c.first < scope.until, ~baseline)
            .group_by(per.c.track))}

    def confidence(self, scope: Scope) -> list[tuple[str, str, str, int, int]]:
        """Answers given with how sure the learner was, in scope: (lesson, question key, level
        's'/'t'/'g', right, answers), from the daily aggregates (from the answers in a zone
        other than UTC)."""
        if not scope.utc_days:
            return self._pieced(scope, self.confidence, self.confidence_from_rows,
                                lambda one, other: _added(one + other, 3))
        day = _by_question(_CONF.c.day, self.dialect)  # the question-led index, as choices
        where = [day >= day_of(scope.since), day < day_of(scope.until),
                 self._lessons(_CONF.c.lesson_id, scope)]
        if scope.platform:
            where.append(_CONF.c.platform == scope.platform)
        rows = self.session.execute(
            select(_CONF.c.lesson_id, _CONF.c.question_key, _CONF.c.confidence,
                   func.sum(_CONF.c.right), func.sum(_CONF.c.answers))
            .where(*where)
            .group_by(_CONF.c.lesson_id, _CONF.c.question_key, _CONF.c.confidence)
            .order_by(_CONF.c.lesson_id, _CONF.c.question_key))
        return [(str(lesson), str(key), str(level), int(right or 0), int(total or 0))
                for lesson, key, level, right, total in rows]

    def confidence_from_rows(self, scope: Scope) -> list[tuple[str, str, str, int, int]]:
        """:meth:`confidence` counted from the answers themselves."""
        rows = self.session.execute(
            select(_ANSWER.c.lesson_id, _ANSWER.c.question_key, _ANSWER.c.confidence,
                   func.sum(cast(_ANSWER.c.correct, Integer)), func.count())
            .where(_ANSWER.c.confidence.is_not(None), *self._answers(scope))
            .group_by(_ANSWER.c.lesson_id, _ANSWER.c.question_key, _ANSWER.c.confidence)
            .order_by(_ANSWER.c.lesson_id, _ANSWER.c.question_key))
        return [(str(lesson), str(key), str(level), int(right or 0), int(total))
                for lesson, key, level, right, total in rows]

    def learner_checks(self, learner_id: int) -> list[
            tuple[str, str, tuple[int, int] | None, bool, SkippedBy | None]]:
        """One learner's checks, begun or finished: (track, phase, (right, answered),
        finished, who ended it without a score). The score is None while the check is open,
        and for one that ended without a score: skipped by the learner, or a baseline set
        aside by a push (who is None for one ended so before schema 0020 kept it)."""
        rows = self.session.execute(
            select(_CHECK.c.track, _CHECK.c.phase, _CHECK.c.skipped, _CHECK.c.right,
                   _CHECK.c.answered, _CHECK.c.finished_at.is_not(None), _CHECK.c.skipped_by)
            .where(_CHECK.c.learner_id == learner_id)
            .order_by(_CHECK.c.track, _CHECK.c.phase.desc()))
        return [(str(track), str(phase),
                 None if skipped or not answered or not finished
                 else (int(right), int(answered)), bool(finished),
                 SkippedBy(by) if skipped and by else None)
                for track, phase, skipped, right, answered, finished, by in rows]

    def gain_distribution(self, scope: Scope, tracks: tuple[str, ...] | None = None
                          ) -> list[tuple[str, str, int]]:
        """(track, band of :data:`GAIN_BUCKETS`, learners) of the learners with both checks."""
        query, per = self._checks(scope, tracks)
        gain = (per.c.post - per.c.pre) / (1 - per.c.pre)
        band = case((per.c.pre >= 1, 6), (gain < 0, 0), (gain < 0.2, 1), (gain < 0.4, 2),
                    (gain < 0.6, 3), (gain < 0.8, 4), else_=5)
        rows = self.session.execute(query.add_columns(per.c.track, band, func.count())
                                    .group_by(per.c.track, band))
        return [(str(track), GAIN_BUCKETS[int(index)], int(count))
                for track, index, count in rows]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def outbox(session: Session, now: datetime) -> tuple[dict[str, int], int, int, float]:
    """The outbox for /metrics: rows by status, retries, deliveries due and not sent, and the
    seconds the oldest of those has waited."""
    table = DeliveryRow.__table__  # type: ignore[attr-defined]
    counts = {str(status): int(n) for status, n in session.execute(
        select(table.c.status, func.count()).group_by(table.c.status))}
    retries = int(session.execute(select(func.coalesce(func.sum(
        case((table.c.attempts > 1, table.c.attempts - 1), else_=0)), 0))).scalar() or 0)
    waiting = and_(table.c.status.in_(("pending", "claimed")), table.c.due_at <= now)
    backlog, oldest = session.execute(
        select(func.count(), func.min(table.c.due_at)).where(waiting)).one()
    first = _as_datetime(oldest)
    if first is not None and first.tzinfo is None:
        first = first.replace(tzinfo=now.tzinfo)
    return counts, retries, int(backlog), (now - first).total_seconds() if first else 0.0
