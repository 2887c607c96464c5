"""Repositories: the only code that queries. Each takes a session (one transaction) and hands
out records. Inserts that must happen once (points, answers, outbox rows, badges) use the
database's own "insert unless it exists", so two concurrent requests cannot both count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, case, delete, func, literal_column, or_, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from storage import rollups
from storage.dialects import insert_for, insert_of
from storage.identity import Accounts
from storage.records import (
    FINISHED,
    KEEP,
    Accuracy,
    Ask,
    Awaited,
    Card,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Due,
    FlagCount,
    Learner,
    LearnerChange,
    LessonSource,
    Platform,
    PollRecord,
    QuestionScore,
    Receipt,
    Reflection,
    SkippedBy,
    Standing,
    Streak,
    TrackCheck,
    WorkerRecord,
)
from storage.tables import (
    ActivityDayRow,
    AnswerRow,
    AskRow,
    AwaitedRow,
    BadgeRow,
    CardRow,
    DashboardLinkRow,
    DashboardSessionRow,
    DeliveryRow,
    FlagRow,
    ForgottenRow,
    InboundEventRow,
    LearnerRow,
    LookupMissRow,
    PointsRow,
    PollRow,
    ProgressRow,
    RatingRow,
    RecallSnapshotRow,
    ReflectionRow,
    SecretRow,
    StreakRow,
    TrackCheckRow,
    WorkerRow,
)


def _digest(platform_user_id: str) -> str:
    """A one-way digest of an account id: enough to recognise it, not to contact it."""
    return hashlib.sha256(platform_user_id.encode("utf-8")).hexdigest()


@lru_cache(maxsize=64)
def _insert_once_statement(dialect: str, table: Table, returning: tuple[str, ...]) -> Any:
    insert = insert_for(dialect)
    columns: list[Any] = [table.c[name] for name in returning] or [literal_column("1")]
    return insert(table).on_conflict_do_nothing().returning(*columns)


@lru_cache(maxsize=16)
def _plain_insert_once(dialect: str, table: Table) -> Any:
    insert = insert_for(dialect)
    return insert(table).on_conflict_do_nothing()


def _insert_once(session: Session, table: type[SQLModel], values: dict[str, Any]) -> bool:
    """Insert a row unless one with the same unique key exists; True when it was inserted."""
    dialect = session.get_bind().dialect.name
    statement = _insert_once_statement(dialect, table.__table__, ())  # type: ignore[attr-defined]
    # RETURNING says what happened on every driver (rowcount is -1 on some). The statement is
    # built once per table: building it per call cost more than running it.
    return session.execute(statement, values).first() is not None


def _insert_many_once(session: Session, table: type[SQLModel], rows: list[dict[str, Any]],
                      returning: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Insert many rows, skipping those whose unique key exists; the ``returning`` columns of
    the rows inserted."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    statement = _insert_once_statement(dialect, table.__table__,  # type: ignore[attr-defined]
                                       returning)
    # One cached statement run for many parameter sets: SQLAlchemy batches it into multi-row
    # INSERT ... RETURNING ("insertmanyvalues") without compiling a statement per batch.
    return [tuple(row) for row in session.execute(statement, rows).all()]


@lru_cache(maxsize=32)
def _upsert_statement(dialect: str, table: Table, keys: tuple[str, ...],
                      names: tuple[str, ...]) -> Any:
    insert = insert_for(dialect)
    statement: Any = insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: statement.excluded[name] for name in names if name not in keys})


def _upsert(session: Session, table: type[SQLModel], keys: tuple[str, ...],
            values: dict[str, Any]) -> None:
    """Insert a row, or update the one with the same ``keys`` (one cached statement)."""
    dialect = session.get_bind().dialect.name
    statement = _upsert_statement(dialect, table.__table__,  # type: ignore[attr-defined]
                                  keys, tuple(values))
    session.execute(statement, values)


_LEARNER = LearnerRow.__table__  # type: ignore[attr-defined]
_STREAK = StreakRow.__table__  # type: ignore[attr-defined]
_CARD = CardRow.__table__  # type: ignore[attr-defined]
_DELIVERY = DeliveryRow.__table__  # type: ignore[attr-defined]
_PROGRESS = ProgressRow.__table__  # type: ignore[attr-defined]
"""Core tables: the hot paths read and write rows without building ORM objects (several times
cheaper per statement, which the fan-out of thousands of deliveries a second needs)."""

# Statements built once, with parameters: building a statement costs more than running it.
_GET_LEARNER = sa_select(_LEARNER).where(_LEARNER.c.id == bindparam("learner"))
_GET_STREAK = sa_select(_STREAK).where(_STREAK.c.learner_id == bindparam("learner"))
_HISTORY = (sa_select(_PROGRESS.c.lesson_id, _PROGRESS.c.delivered_at, _PROGRESS.c.via,
                       _PROGRESS.c.read_at, _PROGRESS.c.looked_up_at, _PROGRESS.c.added_at)
            .where(_PROGRESS.c.learner_id == bindparam("learner"))
            .order_by(_PROGRESS.c.delivered_at.desc()))
_MARK_SENT = (update(_DELIVERY)
              .where(_DELIVERY.c.id == bindparam("delivery"),
                     _DELIVERY.c.worker_id == bindparam("worker"),
                     _DELIVERY.c.status == "claimed")
              .values(status="sent", sent_at=bindparam("now"), worker_id=None, error=None,
                      platform_message_id=bindparam("message"),
                      attempts=_DELIVERY.c.attempts + 1)
              .returning(_DELIVERY.c.id))
_PROGRESS_STATEMENT = (
    update(_DELIVERY)
    .where(_DELIVERY.c.id == bindparam("delivery"), _DELIVERY.c.worker_id == bindparam("worker"),
           _DELIVERY.c.status == "claimed")
    .values(parts_sent=bindparam("parts"),
            platform_message_id=func.coalesce(_DELIVERY.c.platform_message_id,
                                              bindparam("message")))
    .returning(_DELIVERY.c.id))
_PG_ENQUEUE = text("""
    INSERT INTO delivery (learner_id, kind, local_date, due_at, platform, status, payload,
                          attempts, parts_sent)
    SELECT learner_id, kind, local_date, due_at, platform, status, '', 0, 0
    FROM unnest(CAST(:learner_id AS integer[]), CAST(:kind AS varchar[]),
                CAST(:local_date AS date[]), CAST(:due_at AS timestamptz[]),
                CAST(:platform AS varchar[]), CAST(:status AS varchar[]))
         AS given(learner_id, kind, local_date, due_at, platform, status)
    ON CONFLICT DO NOTHING
    RETURNING learner_id, kind, local_date""")
_BADGES = (sa_select(BadgeRow.__table__.c.code)  # type: ignore[attr-defined]
           .where(BadgeRow.__table__.c.learner_id == bindparam("learner"))  # type: ignore[attr-defined]
           .order_by(BadgeRow.__table__.c.awarded_at,  # type: ignore[attr-defined]
                     BadgeRow.__table__.c.code))  # type: ignore[attr-defined]
_SET_CONTENT = (update(_DELIVERY).where(_DELIVERY.c.id == bindparam("delivery"))
                .values(payload=bindparam("text"), lesson_id=bindparam("lesson")))


def _learner(row: Any) -> Learner:
    assert row.id is not None
    return Learner(
        id=row.id,
        platform=Platform(row.platform),
        platform_user_id=row.platform_user_id,
        chat_id=row.chat_id,
        display_name=row.display_name,
        time_zone=row.time_zone,
        lesson_time=row.lesson_time,
        quiz_time=row.quiz_time,
        workdays=tuple(day for day in row.workdays.split(",") if day),
        paused=row.paused,
        stopped=row.stopped,
        topics=tuple(topic for topic in row.topics.split(",") if topic),
        leaderboard_opt_in=row.leaderboard_opt_in,
        is_trainer=row.is_trainer,
        created_at=row.created_at,
        next_lesson_at=row.next_lesson_at,
        next_quiz_at=row.next_quiz_at,
        nudges=row.nudges,
        next_nudge_at=row.next_nudge_at,
        unreachable=row.unreachable,
        forget_asked_at=row.forget_asked_at,
        all_read_told=row.all_read_told,
        last_lesson=row.last_lesson,
        last_lookup=row.last_lookup,
        last_query=row.last_query,
        last_query_at=row.last_query_at,
        suggested=row.suggested,
        paused_until=row.paused_until,
    )


class Learners:
    """Learners and their settings."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, learner_id: int) -> Learner | None:
        """The learner with this id, if any."""
        row = self.session.execute(_GET_LEARNER, {"learner": learner_id}).first()
        return _learner(row) if row else None

    def get_many(self, learner_ids: list[int]) -> dict[int, Learner]:
        """The learners with these ids, by id (one query)."""
        if not learner_ids:
            return {}
        rows = self.session.execute(sa_select(_LEARNER).where(
            _LEARNER.c.id.in_(set(learner_ids))))
        return {int(row.id): _learner(row) for row in rows}

    def find(self, platform: str, platform_user_id: str) -> Learner | None:
        """The learner for a platform account, if enrolled (an account linked to a learner on
        another platform finds that learner)."""
        row = self.session.execute(sa_select(_LEARNER).where(
            _LEARNER.c.platform == platform, _LEARNER.c.platform_user_id == platform_user_id,
        )).first()
        if row is None:
            owner = Accounts(self.session).owner(platform, platform_user_id)
            return self.get(owner) if owner is not None else None
        return _learner(row)

    def enrol(self, platform: str, platform_user_id: str, now: datetime,
              settings: LearnerChange | None = None) -> tuple[Learner, bool]:
        """The learner for this account, created with ``settings`` if new; (learner, created)."""
        known = self.find(platform, platform_user_id)
        if known is not None:  # the common case: no write at all
            return known, False
        values = {"platform": platform, "platform_user_id": platform_user_id,
                  "created_at": now, **_columns(settings or LearnerChange())}
        created = _insert_once(self.session, LearnerRow, values)
        learner = self.find(platform, platform_user_id)
        assert learner is not None
        return learner, created

    def update(self, learner_id: int, change: LearnerChange) -> Learner:
        """Write the settings ``change`` gives (and only those); the updated learner."""
        values = _columns(change)
        if not values:
            learner = self.get(learner_id)
            if learner is None:
                raise KeyError(f"no learner {learner_id}")
            return learner
        row = self.session.execute(update(_LEARNER).where(_LEARNER.c.id == learner_id)
                                   .values(**values).returning(*_LEARNER.c)).first()
        if row is None:
            raise KeyError(f"no learner {learner_id}")
        return _learner(row)

    def due(self, kind: DeliveryKind, now: datetime, limit: int) -> list[int]:
        """Learners whose next lesson (``kind`` 'lesson'), quiz ('quiz') or reminder ('nudge')
        is due by ``now``, earliest first; an indexed range scan, so its cost follows the due
        learners only."""
        return [due.learner_id for due in self.due_learners(kind, now, limit)]

    def due_learners(self, kind: DeliveryKind, now: datetime, limit: int,
                     platforms: Iterable[str] | None = None) -> list[Due]:
        """Like :meth:`due`, with what the scheduler needs of each, locked for this
        transaction on PostgreSQL (other replicas skip them rather than wait); only learners
        on ``platforms`` when given (a process scans for the platforms it serves)."""
        column = col(getattr(LearnerRow, _DUE_COLUMNS[kind]))
        hour = col(LearnerRow.quiz_time if kind == "quiz" else LearnerRow.lesson_time)
        query = (
            sa_select(col(LearnerRow.id), col(LearnerRow.platform), col(LearnerRow.time_zone),
                      hour, col(LearnerRow.workdays), column, col(LearnerRow.nudges))
            .where(column <= now, col(LearnerRow.stopped).is_(False),
                   col(LearnerRow.unreachable).is_(None)))
        # A holiday with an end date is planned to end: its learner's lesson and quiz are due
        # on the first learning day after it, and composing them ends it (a reminder is only
        # planned by a quiz sent, so never falls in a holiday).
        paused = col(LearnerRow.paused).is_(False)
        query = query.where(paused if kind is DeliveryKind.NUDGE else
                            or_(paused, col(LearnerRow.paused_until).is_not(None)))
        if platforms is not None:
            query = query.where(col(LearnerRow.platform).in_(list(platforms)))
        rows = self.session.execute(
            query.order_by(column).limit(limit).with_for_update(skip_locked=True)).all()
        return [Due(int(learner_id), Platform(platform), zone, hhmm,
                    tuple(day for day in workdays.split(",") if day), due_at, nudges)
                for learner_id, platform, zone, hhmm, workdays, due_at, nudges in rows]

    def set_due(self, kind: DeliveryKind, times: dict[int, datetime | None],
                seen: dict[int, datetime] | None = None) -> None:
        """Set many learners' next due time of ``kind`` at once. With ``seen`` (what the
        caller read), a learner whose due time changed meanwhile (a new lesson time saved by
        another transaction) is left as it is: the newer plan wins."""
        if not times:
            return
        column = _LEARNER.c[_DUE_COLUMNS[kind]]
        statement = update(_LEARNER).where(_LEARNER.c.id == bindparam("learner"))
        if seen is not None:
            statement = statement.where(column == bindparam("seen"))
        statement = statement.values({column.key: bindparam("moment")})
        self.session.execute(statement, [
            {"learner": learner_id, "moment": moment,
             **({"seen": seen[learner_id]} if seen is not None else {})}
            for learner_id, moment in times.items()])

    def forget(self, learner_id: int, now: datetime | None = None) -> None:
        """Delete the learner and every row about them (the tables cascade); with ``now``,
        remember the account as forgotten (a digest of its id), so nothing but `start`
        enrols it again."""
        learner = self.get(learner_id)
        if learner is not None and now is not None:
            for account in Accounts(self.session).accounts(learner_id):  # linked ones too
                _insert_once(self.session, ForgottenRow, {
                    "platform": account.platform,
                    "digest": _digest(account.platform_user_id), "forgotten_at": now})
        rollups.forget(self.session, learner_id)
        for table in (AnswerRow, AskRow, PointsRow, BadgeRow, FlagRow, CardRow, ProgressRow,
                      DeliveryRow, StreakRow, PollRow, LookupMissRow, ActivityDayRow,
                      RatingRow, ReflectionRow, AwaitedRow, TrackCheckRow):
            self.session.execute(delete(table).where(table.learner_id == learner_id))  # type: ignore[arg-type]
        self.session.execute(delete(LearnerRow).where(col(LearnerRow.id) == learner_id))

    def last_seen(self, learner_id: int | None) -> datetime | None:
        """The latest moment anything of the learner's was recorded (a lesson, a question
        asked, a delivery sent): where a demo on a kept database picks up its clock. None for
        ``learner_id``: anyone's (where a simulated `run` may start, docs/operations.md)."""
        progress = select(func.max(ProgressRow.delivered_at))
        asks = select(func.max(AskRow.asked_at))
        sent = select(func.max(DeliveryRow.sent_at))
        if learner_id is not None:
            progress = progress.where(ProgressRow.learner_id == learner_id)
            asks = asks.where(AskRow.learner_id == learner_id)
            sent = sent.where(DeliveryRow.learner_id == learner_id)
        moments = [self.session.exec(progress).one(), self.session.exec(asks).one(),
                   self.session.exec(sent).one()]
        found = [moment for moment in moments if moment is not None]
        return max(found) if found else None

    def forgotten(self, platform: str, platform_user_id: str) -> bool:
        """Whether this account's learner asked to be forgotten (and has not started again)."""
        return self.session.get(ForgottenRow, (platform, _digest(platform_user_id))) is not None

    def welcome_back(self, platform: str, platform_user_id: str) -> None:
        """Forget that an account was forgotten: its person said `start`."""
        self.session.execute(delete(ForgottenRow).where(
            col(ForgottenRow.platform) == platform,
            col(ForgottenRow.digest) == _digest(platform_user_id)))

    def count(self) -> int:
        """How many learners are enrolled."""
        return int(self.session.exec(select(func.count()).select_from(LearnerRow)).one())


_DUE_COLUMNS = {DeliveryKind.LESSON: "next_lesson_at", DeliveryKind.QUIZ: "next_quiz_at",
                DeliveryKind.NUDGE: "next_nudge_at"}
"""Each kind of push and the indexed column holding when it is next due."""


def _columns(change: LearnerChange) -> dict[str, Any]:
    """The columns a change writes (day and topic lists are stored comma-separated)."""
    values: dict[str, Any] = {}
    for name in LearnerChange.__dataclass_fields__:
        value = getattr(change, name)
        if value is KEEP:
            continue
        values[name] = ",".join(value) if isinstance(value, tuple) else value
    return values


class Deliveries:
    """The outbox: one row per (learner, kind, local day), written before anything is sent.

    Workers claim pending rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas never
    claim the same row; SQLite runs one writer at a time), send them, and record the outcome.
    Every change of a claimed row is conditional on the claiming worker still holding it.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, learner_id: int, kind: DeliveryKind, local_date: date, due_at: datetime,
                lesson_id: str | None = None, payload: str = "", platform: str = "",
                status: DeliveryStatus = DeliveryStatus.PENDING) -> bool:
        """Write the outbox row for (learner, kind, local day) unless it exists; True if new."""
        return _insert_once(self.session, DeliveryRow, {
            "learner_id": learner_id, "kind": kind, "local_date": local_date, "due_at": due_at,
            "lesson_id": lesson_id, "payload": payload, "status": status, "attempts": 0,
            "platform": platform,
        })

    def get(self, learner_id: int, kind: DeliveryKind, local_date: date) -> Delivery | None:
        """The outbox row for (learner, kind, local day), if any."""
        row = self.session.exec(select(DeliveryRow).where(
            DeliveryRow.learner_id == learner_id, DeliveryRow.kind == kind,
            DeliveryRow.local_date == local_date,
        )).first()
        return _delivery(row) if row else None

    def enqueue_many(self, rows: list[dict[str, Any]]) -> set[tuple[int, str, date]]:
        """Write many outbox rows (each a dict of ``learner_id``, ``kind``, ``local_date``,
        ``due_at``, ``platform``, ``status``), skipping any that exist; the keys written."""
        if not rows:
            return set()
        if self.session.get_bind().dialect.name == "postgresql":
            # One statement over arrays: PostgreSQL parses ten parameters, not ten thousand.
            columns = ("learner_id", "kind", "local_date", "due_at", "platform", "status")
            result = self.session.execute(_PG_ENQUEUE, {
                name: [row[name] for row in rows] for name in columns})
            return {(int(learner), str(kind), day) for learner, kind, day in result}
        full = [{"lesson_id": None, "payload": "", "attempts": 0, **row} for row in rows]
        return {(int(learner), str(kind), day) for learner, kind, day in _insert_many_once(
            self.session, DeliveryRow, full, ("learner_id", "kind", "local_date"))}

    def by_id(self, delivery_id: int) -> Delivery | None:
        """One row by id."""
        row = self.session.get(DeliveryRow, delivery_id)
        return _delivery(row) if row else None

    def claim(self, worker_id: str, now: datetime, limit: int,
              platforms: Iterable[str]) -> list[Delivery]:
        """Take up to ``limit`` pending rows due by ``now`` for these platforms, earliest
        first, and mark them claimed by ``worker_id``.

        A row waits while an earlier row of its learner (written before it) is unfinished,
        pending a retry or claimed by any worker: one learner's deliveries go one after
        another, so a quiz never lands between the parts of a lesson whose second part is
        waiting for its retry.
        """
        earlier = _DELIVERY.alias("earlier")
        unfinished_before = (sa_select(literal_column("1")).select_from(earlier)
                             .where(earlier.c.learner_id == _DELIVERY.c.learner_id,
                                    earlier.c.id < _DELIVERY.c.id,
                                    earlier.c.status.in_(("pending", "claimed")))
                             .exists())
        chosen = (select(DeliveryRow.id)
                  .where(DeliveryRow.status == "pending", col(DeliveryRow.due_at) <= now,
                         col(DeliveryRow.platform).in_(list(platforms)),
                         ~unfinished_before)
                  .order_by(col(DeliveryRow.due_at), col(DeliveryRow.id)).limit(limit)
                  .with_for_update(skip_locked=True))
        ids = [int(i) for i in self.session.exec(chosen).all() if i is not None]
        if not ids:
            return []
        self.session.execute(update(DeliveryRow).where(col(DeliveryRow.id).in_(ids),
                                                       col(DeliveryRow.status) == "pending")
                             .values(status="claimed", worker_id=worker_id, claimed_at=now))
        rows = self.session.exec(select(DeliveryRow).where(
            col(DeliveryRow.id).in_(ids), DeliveryRow.worker_id == worker_id,
            DeliveryRow.status == "claimed").order_by(col(DeliveryRow.due_at),
                                                       col(DeliveryRow.id))).all()
        return [_delivery(row) for row in rows]

    def _finish(self, delivery_id: int, holder: str | None, **values: Any) -> bool:
        statement = update(_DELIVERY).where(_DELIVERY.c.id == delivery_id)
        if holder is not None:
            statement = statement.where(_DELIVERY.c.worker_id == holder,
                                        _DELIVERY.c.status == "claimed")
        result = self.session.execute(statement.values(**values).returning(_DELIVERY.c.id))
        return result.first() is not None

    def progress(self, delivery_id: int, worker_id: str, parts_sent: int,
                 message_id: str | None) -> bool:
        """Note that ``parts_sent`` of the delivery's platform messages are out (the first
        one's id is kept); False when the worker no longer holds the row."""
        return self.session.execute(_PROGRESS_STATEMENT, {
            "delivery": delivery_id, "worker": worker_id, "parts": parts_sent,
            "message": message_id}).first() is not None

    def set_content(self, delivery_id: int, lesson_id: str | None, payload: str) -> None:
        """Keep what a delivery says (and the lesson it carries), so a retry sends the very
        same messages."""
        self.session.execute(_SET_CONTENT, {"delivery": delivery_id, "text": payload,
                                            "lesson": lesson_id})

    def mark_sent(self, delivery_id: int, message_id: str | None, now: datetime,
                  worker_id: str | None = None) -> bool:
        """Record the platform's message id; a sent row is never sent again. False when the
        worker no longer held the row."""
        if worker_id is not None:  # the hot path: one cached statement
            return self.session.execute(_MARK_SENT, {
                "delivery": delivery_id, "worker": worker_id, "now": now,
                "message": message_id}).first() is not None
        return self._finish(delivery_id, worker_id, status="sent", sent_at=now,
                            platform_message_id=message_id, worker_id=None, error=None,
                            attempts=_DELIVERY.c.attempts + 1)

    def mark(self, delivery_id: int, status: DeliveryStatus, now: datetime, error: str | None = None,
             worker_id: str | None = None) -> bool:
        """End a row without sending it: 'skipped', 'missed' or 'failed' (with the reason)."""
        return self._finish(delivery_id, worker_id, status=status, sent_at=None,
                            error=error and error[:1000], worker_id=None, claimed_at=now)

    def reopen(self, delivery_id: int, now: datetime) -> bool:
        """Send a row that failed because the learner could not be reached (they blocked the
        bot, their account was off) after all, from ``now``: they are back the same day. Only
        a row none of whose messages went out (one partly sent counts as delivered)."""
        statement = update(_DELIVERY).where(
            _DELIVERY.c.id == delivery_id, _DELIVERY.c.status == DeliveryStatus.FAILED.value,
            _DELIVERY.c.error.like("unreachable:%"), _DELIVERY.c.parts_sent == 0)
        # Composed afresh: the refusal took its lesson back, and what the learner got since
        # (a lesson they asked for) decides what comes now.
        return self.session.execute(statement.values(
            status="pending", due_at=now, error=None, worker_id=None, claimed_at=None,
            payload="", lesson_id=None).returning(_DELIVERY.c.id)).first() is not None

    def retry(self, delivery_id: int, at: datetime, error: str, worker_id: str,
              count: bool = True, parts_sent: int = 0) -> bool:
        """Put a claimed row back to wait until ``at`` (a failure worth another try), with at
        least ``parts_sent`` of its platform messages out."""
        return self._finish(delivery_id, worker_id, status="pending", due_at=at,
                            error=error[:1000], worker_id=None, claimed_at=None,
                            attempts=_DELIVERY.c.attempts + (1 if count else 0),
                            # progress may have been recorded part by part already
                            parts_sent=case((_DELIVERY.c.parts_sent < parts_sent, parts_sent),
                                            else_=_DELIVERY.c.parts_sent))

    def release(self, worker_id: str, ids: Iterable[int] | None = None,
                unknown: bool = False) -> int:
        """Give back claimed rows (all of the worker's, or just ``ids``); how many. Rows of a
        worker that died are ``unknown``: they may have gone out, so they count as a try, and
        the next one looks first where the platform allows (Slack's delivery marks)."""
        statement = update(DeliveryRow).where(col(DeliveryRow.worker_id) == worker_id,
                                              col(DeliveryRow.status) == "claimed")
        if ids is not None:
            statement = statement.where(col(DeliveryRow.id).in_(list(ids)))
        result = self.session.execute(statement.values(
            status="pending", worker_id=None, claimed_at=None,
            attempts=_DELIVERY.c.attempts + (1 if unknown else 0))
            .returning(col(DeliveryRow.id)))
        return len(result.all())

    def recent(self, learner_id: int, since: datetime) -> list[Delivery]:
        """The learner's rows due since a time."""
        rows = self.session.exec(select(DeliveryRow).where(
            DeliveryRow.learner_id == learner_id, col(DeliveryRow.due_at) >= since)).all()
        return [_delivery(row) for row in rows]

    def move_day(self, delivery: Delivery, local_date: date) -> bool:
        """File a row under another local day (its learner changed time zone), unless that
        day already has one of its kind; True when moved."""
        if self.get(delivery.learner_id, delivery.kind, local_date) is not None:
            return False
        self.session.execute(update(_DELIVERY).where(_DELIVERY.c.id == delivery.id)
                             .values(local_date=local_date))
        return True

    def release_orphans(self, worker_id: str, held: set[int]) -> int:
        """Give back rows claimed by ``worker_id`` that it no longer works on (not in
        ``held``); how many."""
        statement = update(_DELIVERY).where(_DELIVERY.c.worker_id == worker_id,
                                            _DELIVERY.c.status == "claimed")
        if held:
            statement = statement.where(_DELIVERY.c.id.not_in(list(held)))
        result = self.session.execute(statement.values(status="pending", worker_id=None,
                                                       claimed_at=None)
                                      .returning(_DELIVERY.c.id))
        return len(result.all())

    def counts(self) -> dict[str, int]:
        """How many rows there are in each status."""
        rows = self.session.exec(select(DeliveryRow.status, func.count())
                                 .group_by(col(DeliveryRow.status))).all()
        return {status: int(count) for status, count in rows}

    def prune(self, before: datetime) -> int:
        """Delete finished rows due before ``before``; how many."""
        result = self.session.execute(
            delete(DeliveryRow).where(col(DeliveryRow.status).in_(FINISHED),
                                      col(DeliveryRow.due_at) < before)
            .returning(col(DeliveryRow.id)))
        return len(result.all())


class Workers:
    """Running dispatchers and their heartbeats."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def register(self, worker_id: str, host: str, pid: int, now: datetime) -> None:
        """Announce a new worker."""
        self.session.add(WorkerRow(id=worker_id, host=host[:200], pid=pid, started_at=now,
                                   heartbeat_at=now))

    def beat(self, worker_id: str, now: datetime) -> bool:
        """Say the worker is alive; False when others already declared it dead."""
        result = self.session.execute(update(WorkerRow).where(col(WorkerRow.id) == worker_id)
                                      .values(heartbeat_at=now).returning(col(WorkerRow.id)))
        return result.first() is not None

    def remove(self, worker_id: str, dead: bool = False) -> int:
        """Sign a worker off, giving back its claimed rows (as tried, when it ``dead``); how
        many rows it held."""
        released = Deliveries(self.session).release(worker_id, unknown=dead)
        self.session.execute(delete(WorkerRow).where(col(WorkerRow.id) == worker_id))
        return released

    def reap(self, now: datetime, timeout: timedelta) -> int:
        """Declare workers silent for ``timeout`` dead and hand their claimed rows back (also
        rows of workers that vanished without a trace); how many rows were released."""
        dead = list(self.session.exec(select(WorkerRow.id).where(
            col(WorkerRow.heartbeat_at) < now - timeout)).all())
        if dead:
            self.session.execute(delete(WorkerRow).where(col(WorkerRow.id).in_(dead)))
        living = select(WorkerRow.id)
        result = self.session.execute(
            update(DeliveryRow)
            .where(col(DeliveryRow.status) == "claimed",
                   col(DeliveryRow.worker_id).is_(None) | col(DeliveryRow.worker_id).not_in(living))
            # A dead worker's row may have gone out: a try of unknown outcome.
            .values(status="pending", worker_id=None, claimed_at=None,
                    attempts=_DELIVERY.c.attempts + 1)
            .returning(col(DeliveryRow.id)))
        return len(result.all())

    def beating(self, since: datetime, until: datetime) -> list[WorkerRecord]:
        """The workers whose last heartbeat is between ``since`` and ``until``."""
        rows = self.session.exec(select(WorkerRow.id, WorkerRow.host, WorkerRow.pid).where(
            col(WorkerRow.heartbeat_at) >= since, col(WorkerRow.heartbeat_at) <= until)
            .order_by(col(WorkerRow.id))).all()
        return [WorkerRecord(worker_id, host, int(pid)) for worker_id, host, pid in rows]

    def all(self) -> list[WorkerRecord]:
        """(id, host, process id) of every worker on record."""
        rows = self.session.exec(select(WorkerRow.id, WorkerRow.host, WorkerRow.pid)
                                 .order_by(col(WorkerRow.id))).all()
        return [WorkerRecord(worker_id, host, int(pid)) for worker_id, host, pid in rows]


class Polls:
    """Native quiz polls: which ask a poll id stands for."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, platform: str, poll_id: str, learner_id: int, ask_id: int,
            now: datetime) -> None:
        """Remember a poll that was sent for an ask."""
        _insert_once(self.session, PollRow, {"platform": platform, "poll_id": poll_id,
                                             "learner_id": learner_id, "ask_id": ask_id,
                                             "created_at": now})

    def find(self, platform: str, poll_id: str) -> PollRecord | None:
        """The learner and ask of a poll, if it is ours."""
        row = self.session.get(PollRow, (platform, poll_id))
        return PollRecord(row.learner_id, row.ask_id) if row else None


class InboundEvents:
    """Platform events handled, so that one sent again is handled once (any replica)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def first(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record the event in this transaction; False when it was handled already. A
        concurrent transaction recording the same event waits for this one: if it commits,
        the other sees the event handled; if it rolls back (the handling failed), the other
        handles it."""
        return _insert_once(self.session, InboundEventRow,
                            {"platform": platform, "event_id": event_id[:100],
                             "handled_at": now})

    def prune(self, before: datetime) -> int:
        """Forget events handled before ``before`` (platforms stop sending them again within
        hours); how many."""
        result = self.session.execute(
            delete(InboundEventRow).where(col(InboundEventRow.handled_at) < before)
            .returning(col(InboundEventRow.event_id)))
        return len(result.all())


def _delivery(row: DeliveryRow) -> Delivery:
    assert row.id is not None
    return Delivery(row.id, row.learner_id, DeliveryKind(row.kind), row.local_date, row.lesson_id,
                    row.payload, DeliveryStatus(row.status), row.attempts, row.due_at,
                    row.sent_at, row.platform_message_id,
                    Platform(row.platform) if row.platform else None, row.worker_id, row.error,
                    row.parts_sent)


class Progress:
    """Which lessons each learner has received or looked up, and which they have read."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def delivered(self, learner_id: int, lesson_id: str, now: datetime,
                  via: LessonSource = LessonSource.LESSON) -> bool:
        """Record that a lesson reached the learner; True the first time it came as ``via``
        requires: a lookup only when the lesson is new to them (a lookup again only notes when),
        a lesson also when it had only been looked up (from now on it is one of their
        lessons)."""
        looked = now if via is not LessonSource.LESSON else None
        if _insert_once(self.session, ProgressRow, {
                "learner_id": learner_id, "lesson_id": lesson_id, "delivered_at": now,
                "via": via, "looked_up_at": looked}):
            if via is LessonSource.LESSON:
                rollups.activity(self.session, learner_id, now, delivered=1)
            return True
        where = (_PROGRESS.c.learner_id == learner_id, _PROGRESS.c.lesson_id == lesson_id)
        if via is not LessonSource.LESSON:
            self.session.execute(update(_PROGRESS).where(*where).values(looked_up_at=now))
            return False
        # One conditional UPDATE: of two concurrent deliveries exactly one upgrades the row.
        statement = (update(_PROGRESS).where(*where, _PROGRESS.c.via != LessonSource.LESSON.value)
                     .values(via=LessonSource.LESSON.value, delivered_at=now)
                     .returning(_PROGRESS.c.lesson_id))
        if self.session.execute(statement).first() is None:
            return False
        rollups.activity(self.session, learner_id, now, delivered=1)
        return True

    def read(self, learner_id: int, lesson_id: str, now: datetime) -> bool:
        """Record that the learner read a lesson delivered to them; True the first time."""
        statement = (update(_PROGRESS).where(
            _PROGRESS.c.learner_id == learner_id, _PROGRESS.c.lesson_id == lesson_id,
            _PROGRESS.c.via == LessonSource.LESSON.value, _PROGRESS.c.read_at.is_(None))
            .values(read_at=now).returning(_PROGRESS.c.lesson_id))
        if self.session.execute(statement).first() is None:
            return False
        rollups.activity(self.session, learner_id, now, read=1)
        rollups.acted(self.session, learner_id, now)
        return True

    def add_to_reviews(self, learner_id: int, lesson_id: str, now: datetime) -> bool:
        """A looked-up lesson the learner wants to review; True when it was only looked up."""
        statement = (update(_PROGRESS).where(
            _PROGRESS.c.learner_id == learner_id, _PROGRESS.c.lesson_id == lesson_id,
            _PROGRESS.c.via == LessonSource.LOOKUP.value)
            .values(via=LessonSource.ADDED.value, added_at=now)
            .returning(_PROGRESS.c.lesson_id))
        return self.session.execute(statement).first() is not None

    def set_via(self, learner_id: int, lesson_id: str, via: LessonSource) -> None:
        """Put back how a lesson came (a delivery of it that never arrived is taken back)."""
        self._undeliver(learner_id, lesson_id, via)
        self.session.execute(update(_PROGRESS).where(
            _PROGRESS.c.learner_id == learner_id, _PROGRESS.c.lesson_id == lesson_id)
            .values(via=via.value))

    def _undeliver(self, learner_id: int, lesson_id: str, via: LessonSource | None) -> None:
        """A delivery taken back is no longer counted on its day."""
        got = self.get(learner_id, lesson_id)
        if got is not None and got.via is LessonSource.LESSON and via is not LessonSource.LESSON:
            rollups.activity(self.session, learner_id, got.at, delivered=-1)

    def get(self, learner_id: int, lesson_id: str) -> Receipt | None:
        """When and how the learner received a lesson, if they did."""
        row = self.session.execute(sa_select(
            _PROGRESS.c.delivered_at, _PROGRESS.c.via, _PROGRESS.c.read_at,
            _PROGRESS.c.looked_up_at, _PROGRESS.c.added_at).where(
            _PROGRESS.c.learner_id == learner_id, _PROGRESS.c.lesson_id == lesson_id)).first()
        return (Receipt(lesson_id, row[0], LessonSource(row[1]), row[2], row[3], row[4])
                if row else None)

    def remove(self, learner_id: int, lesson_id: str) -> None:
        """Forget that a lesson was received (it never reached the learner after all)."""
        self._undeliver(learner_id, lesson_id, None)
        self.session.execute(delete(_PROGRESS).where(_PROGRESS.c.learner_id == learner_id,
                                                     _PROGRESS.c.lesson_id == lesson_id))

    def history(self, learner_id: int) -> list[Receipt]:
        """Every lesson the learner has received or looked up, latest first: one query for
        what was read, what is reviewed and which track is followed."""
        rows = self.session.execute(_HISTORY, {"learner": learner_id}).all()
        return [Receipt(lesson_id, at, LessonSource(via), read_at, looked, added)
                for lesson_id, at, via, read_at, looked, added in rows]

    def count(self, read: bool = False) -> int:
        """How many lessons have been delivered as lessons over all learners (``read``: how
        many of them were read)."""
        query = select(func.count()).select_from(ProgressRow).where(
            ProgressRow.via == LessonSource.LESSON.value)
        if read:
            query = query.where(col(ProgressRow.read_at).is_not(None))
        return int(self.session.exec(query).one())


class Cards:
    """Spaced-repetition state of quiz questions."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, learner_id: int, lesson_id: str, question_key: str) -> Card | None:
        """One question's card for one learner."""
        row = self.session.execute(sa_select(_CARD).where(
            _CARD.c.learner_id == learner_id, _CARD.c.lesson_id == lesson_id,
            _CARD.c.question_key == question_key)).first()
        return _card(row) if row else None

    def save(self, card: Card) -> None:
        """Insert or replace a card."""
        _upsert(self.session, CardRow, ("learner_id", "lesson_id", "question_key"),
                dict(card.__dict__))

    def add_new(self, cards: list[Card]) -> None:
        """Insert the cards that do not exist yet (one statement, the others left as they
        are)."""
        if cards:
            dialect = self.session.get_bind().dialect.name
            # No RETURNING: one executemany, cheaper than batching with RETURNING.
            self.session.execute(_plain_insert_once(dialect, _CARD),
                                 [dict(card.__dict__) for card in cards])

    def due(self, learner_id: int, now: datetime, limit: int) -> list[Card]:
        """The learner's cards due by ``now``, most overdue first."""
        rows = self.session.exec(
            select(CardRow).where(CardRow.learner_id == learner_id, col(CardRow.due_at) <= now)
            .order_by(col(CardRow.due_at)).limit(limit)
        ).all()
        return [_card(row) for row in rows]


    def lesson_cards(self, learner_id: int, lesson_id: str) -> list[Card]:
        """The learner's cards of one lesson."""
        rows = self.session.exec(select(CardRow).where(
            CardRow.learner_id == learner_id, CardRow.lesson_id == lesson_id)).all()
        return [_card(row) for row in rows]

    def all(self, learner_id: int) -> list[Card]:
        """Every card of the learner."""
        rows = self.session.exec(select(CardRow).where(CardRow.learner_id == learner_id)).all()
        return [_card(row) for row in rows]

    def mastered(self, learner_id: int) -> int:
        """How many questions the learner has mastered."""
        return int(self.session.exec(select(func.count()).select_from(CardRow).where(
            CardRow.learner_id == learner_id, col(CardRow.mastered).is_(True))).one())

    def next_due(self, learner_id: int) -> datetime | None:
        """When the learner's next question comes due."""
        return self.session.exec(select(func.min(CardRow.due_at)).where(
            CardRow.learner_id == learner_id)).one()

    def delete_unreviewed(self, learner_id: int, lesson_id: str) -> None:
        """Drop a lesson's cards that were never reviewed (the lesson did not arrive)."""
        self.session.execute(delete(_CARD).where(
            _CARD.c.learner_id == learner_id, _CARD.c.lesson_id == lesson_id,
            _CARD.c.reviews == 0))

    def delete(self, learner_id: int, lesson_id: str, question_key: str) -> None:
        """Drop a card (its question no longer exists)."""
        self.session.execute(delete(CardRow).where(
            col(CardRow.learner_id) == learner_id, col(CardRow.lesson_id) == lesson_id,
            col(CardRow.question_key) == question_key))

    def shift(self, learner_id: int, delta: timedelta) -> None:
        """Move every review of the learner (a vacation hold pushes them back)."""
        for row in self.session.exec(select(CardRow).where(CardRow.learner_id == learner_id)):
            row.due_at = row.due_at + delta
            self.session.add(row)


def _card(row: Any) -> Card:
    return Card(row.learner_id, row.lesson_id, row.question_key, row.state, row.due_at,
                row.reviews, row.lapses, row.mastered, row.stability, row.reviewed_at)


class Answers:
    """Quiz answers, each recorded once."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def recorded(self, key: str) -> bool:
        """Whether the answer of idempotency ``key`` was recorded (an ask's: ``ask:ID``)."""
        return self.session.exec(select(AnswerRow.id).where(
            col(AnswerRow.idempotency_key) == key)).first() is not None

    def record(self, learner_id: int, lesson_id: str, question_key: str,
               choices: Iterable[int], correct: bool, now: datetime, key: str,
               confidence: str | None = None) -> bool:
        """Record an answer under an idempotency ``key`` (with how sure the learner said they
        were, when asked); False when it was already there. It is marked as the learner's
        latest answer to the question, and as the first when it is."""
        table = AnswerRow.__table__  # type: ignore[attr-defined]
        same = (table.c.learner_id == learner_id, table.c.lesson_id == lesson_id,
                table.c.question_key == question_key)
        given = list(choices)
        earlier = self.session.execute(sa_select(table.c.id).where(*same).limit(1)).first()
        if not _insert_once(self.session, AnswerRow, {
                "learner_id": learner_id, "lesson_id": lesson_id, "question_key": question_key,
                "choices": ",".join(str(c) for c in given), "correct": correct,
                "answered_at": now, "idempotency_key": key, "first": earlier is None,
                "latest": True, "confidence": confidence}):
            return False
        replaced = None
        if earlier is not None:
            row = self.session.execute(update(table).where(
                *same, table.c.latest.is_(True), table.c.idempotency_key != key)
                .values(latest=False).returning(table.c.answered_at, table.c.correct)).first()
            replaced = (row[0], bool(row[1])) if row else None
        rollups.answer(self.session, learner_id, lesson_id, question_key, now, correct, given,
                       earlier is None, replaced, confidence)
        return True

    def answered_since(self, learner_id: int, since: datetime) -> set[tuple[str, str]]:
        """(lesson id, question key) of every question the learner answered since ``since``
        (skipped ones too: "I don't know" is an answer)."""
        table = AnswerRow.__table__  # type: ignore[attr-defined]
        return {(str(lesson_id), str(key)) for lesson_id, key in self.session.execute(
            sa_select(table.c.lesson_id, table.c.question_key).where(
                table.c.learner_id == learner_id, table.c.answered_at >= since))}

    def hardest(self, min_answers: int, limit: int) -> list[QuestionScore]:
        """The questions with the lowest share of right answers (of those answered at least
        ``min_answers`` times)."""
        total = func.count().label("total")
        right = func.sum(case((col(AnswerRow.correct), 1), else_=0)).label("right")
        rows = self.session.exec(
            select(AnswerRow.lesson_id, AnswerRow.question_key, right, total)
            .group_by(col(AnswerRow.lesson_id), col(AnswerRow.question_key))
            .having(func.count() >= min_answers)
            .order_by((right * 1.0 / total).asc(), col(AnswerRow.lesson_id))
            .limit(limit)).all()
        return [QuestionScore(lesson, key, int(r), int(t)) for lesson, key, r, t in rows]

    def accuracy(self, since: datetime, learner_id: int | None = None) -> Accuracy:
        """Right answers of all answers since a time, over all learners or one."""
        right = func.coalesce(func.sum(case((col(AnswerRow.correct), 1), else_=0)), 0)
        query = select(right, func.count()).where(col(AnswerRow.answered_at) >= since)
        if learner_id is not None:
            query = query.where(AnswerRow.learner_id == learner_id)
        row = self.session.exec(query).one()
        return Accuracy(int(row[0]), int(row[1]))


class Points:
    """The points ledger."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def award(self, learner_id: int, points: int, reason: str, key: str,
              now: datetime) -> bool:
        """Add points once per idempotency ``key``; False when that award already exists."""
        awarded = _insert_once(self.session, PointsRow, {
            "learner_id": learner_id, "points": points, "reason": reason, "created_at": now,
            "idempotency_key": key})
        if awarded:
            rollups.points(self.session, learner_id, points)
        return awarded

    def revoke(self, key: str) -> None:
        """Take back the award made under an idempotency key."""
        for learner_id, points in self.session.execute(
                delete(PointsRow).where(col(PointsRow.idempotency_key) == key)
                .returning(col(PointsRow.learner_id), col(PointsRow.points))).all():
            rollups.points(self.session, int(learner_id), -int(points))

    def total(self, learner_id: int, since: datetime | None = None) -> int:
        """The learner's points (since a time, if given). All of them is the total kept with
        the ledger (one row read, where summing the ledger grows with every answer: this runs
        after each answer and lesson read)."""
        if since is None:
            kept = self.session.exec(select(LearnerRow.points).where(
                col(LearnerRow.id) == learner_id)).first()
            return int(kept or 0)
        query = select(func.coalesce(func.sum(PointsRow.points), 0)).where(
            PointsRow.learner_id == learner_id, col(PointsRow.created_at) >= since)
        return int(self.session.exec(query).one())

    def active_learners(self, since: datetime) -> int:
        """How many learners earned points since a time."""
        return int(self.session.exec(select(func.count(func.distinct(PointsRow.learner_id)))
                                     .where(col(PointsRow.created_at) >= since)).one())

    def leaderboard(self, since: datetime, limit: int) -> list[Standing]:
        """The best learners since a time, among those who opted in only."""
        total = func.sum(PointsRow.points).label("total")
        rows = self.session.exec(
            select(LearnerRow.id, LearnerRow.display_name, total)
            .join(PointsRow, col(PointsRow.learner_id) == col(LearnerRow.id))
            .where(col(LearnerRow.leaderboard_opt_in).is_(True),
                   col(PointsRow.created_at) >= since)
            .group_by(col(LearnerRow.id), col(LearnerRow.display_name))
            .order_by(total.desc(), col(LearnerRow.id)).limit(limit)
        ).all()
        return [Standing(int(i), name, int(points)) for i, name, points in rows]  # type: ignore[arg-type]


class Streaks:
    """Streak state."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, learner_id: int) -> Streak:
        """The learner's streak (a fresh one if none yet)."""
        row = self.session.execute(_GET_STREAK, {"learner": learner_id}).first()
        if row is None:
            return Streak(learner_id)
        return Streak(row.learner_id, row.current, row.longest, row.last_active, row.freezes,
                      row.paused_since)

    def save(self, streak: Streak) -> None:
        """Store the learner's streak."""
        _upsert(self.session, StreakRow, ("learner_id",), dict(streak.__dict__))


class Badges:
    """Badges, each awarded once."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def award(self, learner_id: int, code: str, now: datetime) -> bool:
        """Award a badge; False when the learner already has it."""
        return _insert_once(self.session, BadgeRow, {
            "learner_id": learner_id, "code": code, "awarded_at": now})

    def revoke_at(self, learner_id: int, awarded_at: datetime) -> None:
        """Take back the badges awarded at one moment (by a lesson that did not arrive)."""
        self.session.execute(delete(BadgeRow).where(
            col(BadgeRow.learner_id) == learner_id, col(BadgeRow.awarded_at) == awarded_at))

    def codes(self, learner_id: int) -> list[str]:
        """The learner's badges in the order they were earned."""
        return [row[0] for row in self.session.execute(_BADGES, {"learner": learner_id})]


class Flags:
    """Questions learners flagged as wrong."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, learner_id: int, lesson_id: str, question_key: str, note: str,
            now: datetime) -> None:
        """Keep a learner's flag for the trainers."""
        self.session.add(FlagRow(learner_id=learner_id, lesson_id=lesson_id,
                                 question_key=question_key, note=note[:2000], created_at=now))

    def counts(self) -> list[FlagCount]:
        """Each flagged question with the number of learners who flagged it (a learner who
        flags it twice counts once) and their notes, most flagged first."""
        grouped: dict[tuple[str, str], tuple[set[int], list[str]]] = {}
        for learner, lesson, key, note in self.session.exec(
                select(FlagRow.learner_id, FlagRow.lesson_id, FlagRow.question_key,
                       FlagRow.note).order_by(col(FlagRow.id))).all():
            who, notes = grouped.setdefault((lesson, key), (set(), []))
            who.add(learner)
            notes.append(note)
        ranked = sorted(grouped.items(), key=lambda item: (-len(item[1][0]), item[0]))
        return [FlagCount(lesson, key, len(who), tuple(n for n in notes if n))
                for (lesson, key), (who, notes) in ranked]


class Asks:
    """Questions put to learners."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, learner_id: int, lesson_id: str, question_key: str, now: datetime,
               pushed: bool = False, check_phase: str | None = None,
               check_track: str | None = None, topic: bool = False,
               added: bool = False) -> Ask:
        """Record that a question was asked; the ask (its id goes into answer buttons). A
        knowledge check's baseline ask (``check_phase`` 'pre') counts in no figure; ``topic``:
        asked in a quiz on its lesson that the learner asked for (``added``: which put the
        lesson's questions into the reviews)."""
        row = AskRow(learner_id=learner_id, lesson_id=lesson_id, question_key=question_key,
                     asked_at=now, pushed=pushed, check_phase=check_phase,
                     check_track=check_track, topic=topic, added=added)
        self.session.add(row)
        self.session.flush()
        if check_phase != "pre":
            rollups.activity(self.session, learner_id, now, asked=1)
        return _ask(row)

    def get(self, ask_id: int) -> Ask | None:
        """One ask by id."""
        row = self.session.get(AskRow, ask_id)
        return _ask(row) if row else None

    def close_copies(self, learner_id: int, lesson_id: str, question_key: str,
                     check_phase: str, now: datetime) -> int:
        """Close every open ask of one knowledge-check question (its copies asked again); how
        many."""
        statement = (update(AskRow).where(
            col(AskRow.learner_id) == learner_id, col(AskRow.lesson_id) == lesson_id,
            col(AskRow.question_key) == question_key, col(AskRow.check_phase) == check_phase,
            col(AskRow.answered_at).is_(None)).values(answered_at=now)
            .returning(col(AskRow.id)))
        return len(self.session.execute(statement).all())

    def latest_open(self, learner_id: int, topic: bool | None = None) -> Ask | None:
        """The learner's most recent unanswered question, if any (``topic``: only one asked
        in a quiz on a topic, or only one that was not)."""
        query = select(AskRow).where(AskRow.learner_id == learner_id,
                                     col(AskRow.answered_at).is_(None))
        if topic is not None:
            query = query.where(col(AskRow.topic).is_(topic))
        row = self.session.exec(query.order_by(col(AskRow.id).desc())).first()
        return _ask(row) if row else None

    def close_topics(self, learner_id: int, now: datetime) -> int:
        """Let go of every open question of the learner's quizzes on a topic (a new one
        begins: one at a time); how many."""
        statement = (update(AskRow).where(col(AskRow.learner_id) == learner_id,
                                          col(AskRow.topic).is_(True),
                                          col(AskRow.answered_at).is_(None))
                     .values(answered_at=now).returning(col(AskRow.id)))
        return len(self.session.execute(statement).all())

    def latest(self, learner_id: int) -> Ask | None:
        """The learner's most recent question, answered or not."""
        row = self.session.exec(select(AskRow).where(AskRow.learner_id == learner_id)
                                .order_by(col(AskRow.id).desc())).first()
        return _ask(row) if row else None

    def pushed_since(self, learner_id: int, since: datetime) -> tuple[int, int]:
        """How many questions the schedule pushed to the learner since a time, and how many of
        them were reviews (not a knowledge check's), in one query. A question asked again
        under a new ask (its choices changed since it was shown) counts once: it had taken a
        second place in the day's set ("Question 2 of 5" for the first question, up to
        "6 of 5")."""
        question = col(AskRow.lesson_id).concat("\x1f").concat(col(AskRow.question_key))
        pushed, checks = self.session.exec(
            select(func.count(question.distinct()),
                   func.count(case((col(AskRow.check_phase).is_not(None), question))
                              .distinct()))
            .select_from(AskRow)
            .where(AskRow.learner_id == learner_id, col(AskRow.asked_at) >= since,
                   col(AskRow.pushed).is_(True))).one()
        return int(pushed), int(pushed) - int(checks)

    def latest_answered(self, learner_id: int) -> Ask | None:
        """The learner's most recently answered question."""
        row = self.session.exec(
            select(AskRow).where(AskRow.learner_id == learner_id,
                                 col(AskRow.answered_at).is_not(None))
            .order_by(col(AskRow.answered_at).desc(), col(AskRow.id).desc())).first()
        return _ask(row) if row else None

    def to_remind(self, learner_id: int, today: date, day_start: datetime) -> Ask | None:
        """The open question a reminder is about: pushed, still unanswered, and either asked
        since ``day_start`` (the learner's local midnight) or asked again by the quiz sent on
        their local day ``today`` (an open question is asked again, not replaced)."""
        ask = self.latest_open(learner_id)
        if ask is None or not ask.pushed:
            return None
        if ask.asked_at >= day_start:
            return ask
        quiz_sent = self.session.exec(select(DeliveryRow.id).where(
            DeliveryRow.learner_id == learner_id, DeliveryRow.kind == "quiz",
            DeliveryRow.local_date == today, DeliveryRow.status == "sent")).first()
        return ask if quiz_sent is not None else None

    def renew(self, ask_id: int, now: datetime) -> Ask:
        """An open question asked again by today's push: it joins today's pushed set (it is
        counted against the day's budget and reminded of) as if asked now, and leaves a quiz
        on a topic it was asked in (the pushed set goes on after its answer)."""
        row = self.session.get(AskRow, ask_id)
        if row is None:
            raise KeyError(f"no ask {ask_id}")
        if row.check_phase != "pre" and rollups.day_of(row.asked_at) != rollups.day_of(now):
            # Counted asked on the day it was last asked, as its row says: the daily figures
            # and the rows agree, and a day's answers are not set against another day's asks.
            rollups.asked_again(self.session, row.learner_id, row.asked_at, now)
        row.asked_at, row.pushed, row.topic = now, True, False
        self.session.add(row)
        self.session.flush()
        return _ask(row)

    def added_by_quiz(self, learner_id: int, lesson_id: str, since: datetime) -> bool:
        """Whether a quiz on a topic begun since ``since`` put the lesson's questions into the
        learner's reviews."""
        return self.session.exec(select(AskRow.id).where(
            AskRow.learner_id == learner_id, AskRow.lesson_id == lesson_id,
            col(AskRow.added).is_(True), col(AskRow.asked_at) >= since)).first() is not None

    def open_count(self, learner_id: int) -> int:
        """How many of the learner's questions wait for an answer."""
        return int(self.session.exec(
            select(func.count()).select_from(AskRow).where(
                AskRow.learner_id == learner_id, col(AskRow.answered_at).is_(None))).one())

    def shown(self, ask_id: int, marks: str) -> None:
        """Keep the choices as the learner is shown them now (``Question.marks``)."""
        self.session.execute(update(AskRow).where(
            col(AskRow.id) == ask_id,
            col(AskRow.shown).is_(None) | (col(AskRow.shown) != marks)).values(shown=marks))

    def close(self, ask_id: int, now: datetime) -> bool:
        """Mark answered; False when it already was (a second press of the same button)."""
        # One conditional UPDATE: of two concurrent presses, exactly one finds it still open.
        statement = (update(AskRow).where(col(AskRow.id) == ask_id,
                                          col(AskRow.answered_at).is_(None))
                     .values(answered_at=now).returning(col(AskRow.id)))
        return self.session.execute(statement).first() is not None


def _ask(row: AskRow) -> Ask:
    assert row.id is not None
    return Ask(row.id, row.learner_id, row.lesson_id, row.question_key, row.asked_at,
               row.answered_at, row.pushed, row.check_phase, row.check_track, row.topic,
               row.added, row.shown)


class Lookups:
    """What learners looked up and no lesson answered."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def miss(self, learner_id: int, query: str, now: datetime) -> None:
        """Keep a lookup that found nothing (for trainers: what to write next)."""
        self.session.add(LookupMissRow(learner_id=learner_id, query=query[:500], asked_at=now))

    def missed_since(self, since: datetime) -> list[str]:
        """The words of every lookup that found nothing since ``since``, oldest first."""
        table = LookupMissRow.__table__  # type: ignore[attr-defined]
        return [str(query) for (query,) in self.session.execute(
            sa_select(table.c.query).where(table.c.asked_at >= since)
            .order_by(table.c.asked_at, table.c.id))]


class Voices:
    """The learner's voice: lesson ratings with their comments, reflections, and the free-text
    reply the bot is waiting for."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def rate(self, learner_id: int, lesson_id: str, useful: bool, now: datetime) -> None:
        """Keep the learner's verdict on a lesson (a second tap changes it; a comment stays)."""
        insert = insert_of(self.session)
        table = RatingRow.__table__  # type: ignore[attr-defined]
        statement = insert(table).values(learner_id=learner_id, lesson_id=lesson_id,
                                         useful=useful, comment="", rated_at=now)
        # Words written with the other verdict would say the opposite: they go with it.
        self.session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.learner_id, table.c.lesson_id],
            set_={"useful": useful, "rated_at": now,
                  "comment": case((table.c.useful == statement.excluded.useful,
                                   table.c.comment), else_=""),
                  "commented_at": case((table.c.useful == statement.excluded.useful,
                                        table.c.commented_at), else_=None)}))

    def comment(self, learner_id: int, lesson_id: str, text: str, now: datetime) -> bool:
        """Add the learner's words to their rating of a lesson; False without a rating."""
        table = RatingRow.__table__  # type: ignore[attr-defined]
        done = self.session.execute(update(table).where(
            table.c.learner_id == learner_id, table.c.lesson_id == lesson_id)
            .values(comment=text[:2000], commented_at=now)
            .returning(table.c.lesson_id)).first()
        return done is not None

    def reflect(self, learner_id: int, lesson_id: str, prompt: str, answer: str,
                now: datetime) -> None:
        """Keep what the learner wrote to a reflection prompt."""
        self.session.add(ReflectionRow(learner_id=learner_id, lesson_id=lesson_id,
                                       prompt=prompt[:500], answer=answer[:4000],
                                       written_at=now))

    def reflections(self, learner_id: int, limit: int) -> list[Reflection]:
        """The learner's reflections, the latest first."""
        rows = self.session.exec(select(ReflectionRow).where(
            ReflectionRow.learner_id == learner_id)
            .order_by(col(ReflectionRow.written_at).desc(), col(ReflectionRow.id).desc())
            .limit(limit)).all()
        return [Reflection(row.lesson_id, row.prompt, row.answer, row.written_at)
                for row in rows]

    def await_reply(self, learner_id: int, kind: str, lesson_id: str, prompt: str,
                    now: datetime) -> None:
        """Take the learner's next words as a ``kind`` reply (replacing any other awaited;
        one statement, so two turns of one learner at once cannot collide)."""
        insert = insert_of(self.session)
        table = AwaitedRow.__table__  # type: ignore[attr-defined]
        values = {"kind": kind, "lesson_id": lesson_id, "prompt": prompt[:500],
                  "asked_at": now}
        self.session.execute(insert(table).values(learner_id=learner_id, **values)
                             .on_conflict_do_update(index_elements=[table.c.learner_id],
                                                    set_=values))

    def awaited(self, learner_id: int) -> Awaited | None:
        """The reply the bot is waiting for, if any."""
        row = self.session.get(AwaitedRow, learner_id)
        return None if row is None else Awaited(row.kind, row.lesson_id, row.prompt,
                                                row.asked_at)

    def clear(self, learner_id: int) -> bool:
        """Stop waiting for a reply; False when none was awaited."""
        done = self.session.execute(delete(AwaitedRow).where(
            col(AwaitedRow.learner_id) == learner_id).returning(col(AwaitedRow.kind))).first()
        return done is not None


class Checks:
    """Knowledge checks of tracks: each learner's baseline and endline, with their scores."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, learner_id: int, track: str, phase: str) -> TrackCheck | None:
        """One check, if it was started."""
        table = TrackCheckRow.__table__  # type: ignore[attr-defined]
        # Core reads, not the session's identity map: the counts change by core updates.
        row = self.session.execute(sa_select(table).where(
            table.c.learner_id == learner_id, table.c.track == track,
            table.c.phase == phase)).first()
        return _check(row) if row is not None else None

    def of_learner(self, learner_id: int) -> list[TrackCheck]:
        """Every check the learner started, in the order started."""
        table = TrackCheckRow.__table__  # type: ignore[attr-defined]
        rows = self.session.execute(sa_select(table).where(table.c.learner_id == learner_id)
                                    .order_by(table.c.started_at, table.c.track)).all()
        return [_check(row) for row in rows]

    def start(self, learner_id: int, track: str, phase: str,
              questions: Iterable[tuple[str, str]], now: datetime) -> TrackCheck:
        """Start a check with its questions (the one already started stays as it is)."""
        _insert_once(self.session, TrackCheckRow, {
            "learner_id": learner_id, "track": track[:200], "phase": phase,
            "questions": "\n".join(f"{lesson}\t{key}" for lesson, key in questions)[:4000],
            "started_at": now, "answered": 0, "right": 0, "skipped": False, "results": ""})
        found = self.get(learner_id, track[:200], phase)
        assert found is not None
        return found

    def answer(self, learner_id: int, track: str, phase: str, correct: bool,
               position: int | None = None) -> bool:
        """Count one answer of an unfinished check (an ask is graded once, so this runs once
        per question); with ``position``, only while that many questions are answered (of
        two presses on two copies of one question, one counts). False when nothing counted."""
        table = TrackCheckRow.__table__  # type: ignore[attr-defined]
        where = [table.c.learner_id == learner_id, table.c.track == track,
                 table.c.phase == phase, table.c.finished_at.is_(None)]
        if position is not None:
            where.append(table.c.answered == position)
        return self.session.execute(update(table).where(*where)
            .values(answered=table.c.answered + 1, right=table.c.right + int(correct),
                    results=table.c.results.concat("1" if correct else "0"))
            .returning(table.c.track)).first() is not None

    def finish(self, learner_id: int, track: str, phase: str, now: datetime,
               skipped_by: SkippedBy | None = None) -> bool:
        """End a check; with ``skipped_by``, without a score, and who ended it so (the
        learner's `skip check`, or a push setting a baseline aside). False when it was not
        open."""
        table = TrackCheckRow.__table__  # type: ignore[attr-defined]
        done = self.session.execute(update(table).where(
            table.c.learner_id == learner_id, table.c.track == track, table.c.phase == phase,
            table.c.finished_at.is_(None))
            .values(finished_at=now, skipped=skipped_by is not None,
                    skipped_by=skipped_by.value if skipped_by is not None else None)
            .returning(table.c.track)).first()
        return done is not None


def _check(row: Any) -> TrackCheck:
    questions = tuple((lesson, key) for lesson, _, key in (
        line.partition("\t") for line in row.questions.split("\n") if line))
    return TrackCheck(row.learner_id, row.track, row.phase, questions, row.started_at,
                      row.finished_at, row.skipped, row.answered, row.right, row.results,
                      SkippedBy(row.skipped_by) if row.skipped_by else None)


class SignIns:
    """One-time sign-in links to the trainer dashboard, and the secret its cookies are signed
    with."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_link(self, token_hash: str, trainer: str, now: datetime, expires: datetime) -> None:
        """Keep a new link (by its token's hash: the token itself is never stored)."""
        self.session.add(DashboardLinkRow(token_hash=token_hash, trainer=trainer[:300],
                                          created_at=now, expires_at=expires))

    def redeem(self, token_hash: str, now: datetime) -> str | None:
        """Use a link once: the trainer it was made for, or None when it is unknown, expired or
        already used (one conditional UPDATE: of two concurrent uses, one wins)."""
        table = DashboardLinkRow.__table__  # type: ignore[attr-defined]
        statement = (update(table).where(table.c.token_hash == token_hash,
                                         table.c.used_at.is_(None), table.c.expires_at > now)
                     .values(used_at=now).returning(table.c.trainer))
        row = self.session.execute(statement).first()
        return str(row[0]) if row else None

    def link(self, token_hash: str) -> tuple[str, datetime, datetime, datetime | None] | None:
        """A link as kept: (trainer, made, expires, used; None while unused), or None when no
        such link was made."""
        table = DashboardLinkRow.__table__  # type: ignore[attr-defined]
        row = self.session.execute(sa_select(
            table.c.trainer, table.c.created_at, table.c.expires_at, table.c.used_at)
            .where(table.c.token_hash == token_hash)).first()
        return None if row is None else (str(row[0]), row[1], row[2], row[3])

    def start_session(self, token_hash: str, trainer: str, now: datetime,
                      expires: datetime) -> None:
        """Keep a new session (by its token's hash)."""
        self.session.add(DashboardSessionRow(token_hash=token_hash, trainer=trainer[:300],
                                             created_at=now, expires_at=expires))

    def session_of(self, token_hash: str, now: datetime) -> str | None:
        """The trainer of a session still open; None when unknown or expired."""
        table = DashboardSessionRow.__table__  # type: ignore[attr-defined]
        row = self.session.execute(sa_select(table.c.trainer).where(
            table.c.token_hash == token_hash, table.c.expires_at > now)).first()
        return str(row[0]) if row else None

    def end_session(self, token_hash: str, now: datetime) -> None:
        """Sign out (and drop the sessions that expired meanwhile)."""
        table = DashboardSessionRow.__table__  # type: ignore[attr-defined]
        self.session.execute(delete(table).where(
            (table.c.token_hash == token_hash) | (table.c.expires_at <= now)))

    def secret(self, name: str, make: str) -> str:
        """The shared secret ``name``; the first caller's ``make`` becomes it."""
        _insert_once(self.session, SecretRow, {"name": name, "value": make})
        return str(self.session.execute(sa_select(SecretRow.__table__.c.value).where(  # type: ignore[attr-defined]
            SecretRow.__table__.c.name == name)).scalar_one())  # type: ignore[attr-defined]


class Snapshots:
    """The predicted recall kept once a day, for the dashboard's trend."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def keep(self, day: date, kind: str, name: str, recall: float, cards: int) -> None:
        """Keep (or replace) one day's figure."""
        _upsert(self.session, RecallSnapshotRow, ("day", "kind", "name"), {
            "day": day, "kind": kind, "name": name[:200], "recall": recall, "cards": cards})
