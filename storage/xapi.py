"""The xAPI outbox: the events statements are made from, and the statements waiting for the
learning record store.

Statements are made from what storage already records (answers, lessons read), not written by
the engine: a cursor per kind of event says how far they have been turned into statements, and
each pass looks a few minutes further back than its cursor, so an event committed late is not
missed; a statement's stable id makes that overlap harmless (inserted once). Sending claims due
rows by moving their ``due_at`` on (a lease), so replicas do not send the same rows at once and a
process that dies leaves its rows to be sent again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlmodel import Session

from storage.dialects import insert_for
from storage.tables import (
    AnswerRow,
    AskRow,
    LearnerRow,
    ProgressRow,
    RatingRow,
    TrackCheckRow,
    XapiCursorRow,
    XapiStatementRow,
)

CHUNK = 1000
"""Events read from the database at a time."""

_LEARNER = LearnerRow.__table__  # type: ignore[attr-defined]
_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]
_ASK = AskRow.__table__  # type: ignore[attr-defined]
_PROGRESS = ProgressRow.__table__  # type: ignore[attr-defined]
_STATEMENT = XapiStatementRow.__table__  # type: ignore[attr-defined]
_RATING = RatingRow.__table__  # type: ignore[attr-defined]
_CURSOR = XapiCursorRow.__table__  # type: ignore[attr-defined]
_CHECK = TrackCheckRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AnswerEvent:
    """An answer, with whose it is and when its question was asked."""

    key: str
    """The answer's idempotency key: unique, and the same however often it is read."""
    learner_id: int
    platform: str
    platform_user_id: str
    lesson_id: str
    question_key: str
    choices: tuple[int, ...]
    correct: bool
    answered_at: datetime
    asked_at: datetime | None


@dataclass(frozen=True)
class ReadEvent:
    """A lesson a learner read."""

    learner_id: int
    platform: str
    platform_user_id: str
    lesson_id: str
    read_at: datetime


@dataclass(frozen=True)
class RatingEvent:
    """A learner's verdict on a lesson (useful or not; their words are a
    :class:`CommentEvent`)."""

    learner_id: int
    platform: str
    platform_user_id: str
    lesson_id: str
    useful: bool
    rated_at: datetime


@dataclass(frozen=True)
class CommentEvent:
    """The words a learner gave with their rating of a lesson."""

    learner_id: int
    platform: str
    platform_user_id: str
    lesson_id: str
    comment: str
    commented_at: datetime


@dataclass(frozen=True)
class CheckEvent:
    """A knowledge check of a track that ended with a score: a baseline ('pre') or an
    endline ('post'). One skipped or set aside has no score, and is no event."""

    learner_id: int
    platform: str
    platform_user_id: str
    track: str
    phase: str
    right: int
    answered: int
    questions: int
    finished_at: datetime
    baseline: tuple[int, int] | None
    """For an endline, its baseline's (right, answered) when that one has a score."""


@dataclass(frozen=True)
class NewStatement:
    """A statement to keep for sending."""

    statement_id: str
    learner_id: int
    event_at: datetime
    body: str


@dataclass(frozen=True)
class Queued:
    """A statement claimed for sending."""

    statement_id: str
    body: str
    attempts: int


@dataclass(frozen=True)
class Backlog:
    """What waits for the LRS: statements pending, refused for good, and the age in seconds of
    the oldest pending one (0 when none)."""

    pending: int
    failed: int
    oldest_seconds: float


def _choices(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip().isdigit())


class XapiStore:
    """The xAPI outbox and its events, in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    # -- events ---------------------------------------------------------------------------------

    def answers(self, since: datetime, until: datetime | None = None) -> Iterator[AnswerEvent]:
        """Every answer given in ``[since, until)``, streamed, oldest first."""
        asked = and_(_ASK.c.learner_id == _ANSWER.c.learner_id,
                     _ASK.c.lesson_id == _ANSWER.c.lesson_id,
                     _ASK.c.question_key == _ANSWER.c.question_key,
                     _ASK.c.answered_at == _ANSWER.c.answered_at)
        query = (select(_ANSWER.c.idempotency_key, _ANSWER.c.learner_id, _LEARNER.c.platform,
                        _LEARNER.c.platform_user_id, _ANSWER.c.lesson_id,
                        _ANSWER.c.question_key, _ANSWER.c.choices, _ANSWER.c.correct,
                        _ANSWER.c.answered_at, _ASK.c.asked_at)
                 .select_from(_ANSWER.join(_LEARNER, _LEARNER.c.id == _ANSWER.c.learner_id)
                              .outerjoin(_ASK, asked))
                 .where(_ANSWER.c.answered_at >= since)
                 .order_by(_ANSWER.c.answered_at, _ANSWER.c.id))
        if until is not None:
            query = query.where(_ANSWER.c.answered_at < until)
        last = None
        for row in self.session.execute(query.execution_options(yield_per=CHUNK)):
            if row[0] == last:  # two asks closed at the same moment: the answer once
                continue
            last = row[0]
            yield AnswerEvent(str(row[0]), int(row[1]), str(row[2]), str(row[3]), str(row[4]),
                              str(row[5]), _choices(str(row[6])), bool(row[7]), row[8], row[9])

    def reads(self, since: datetime, until: datetime | None = None) -> Iterator[ReadEvent]:
        """Every lesson read in ``[since, until)``, streamed, oldest first."""
        query = (select(_PROGRESS.c.learner_id, _LEARNER.c.platform, _LEARNER.c.platform_user_id,
                        _PROGRESS.c.lesson_id, _PROGRESS.c.read_at)
                 .join(_LEARNER, _LEARNER.c.id == _PROGRESS.c.learner_id)
                 .where(_PROGRESS.c.read_at >= since)
                 .order_by(_PROGRESS.c.read_at, _PROGRESS.c.learner_id, _PROGRESS.c.lesson_id))
        if until is not None:
            query = query.where(_PROGRESS.c.read_at < until)
        for row in self.session.execute(query.execution_options(yield_per=CHUNK)):
            yield ReadEvent(int(row[0]), str(row[1]), str(row[2]), str(row[3]), row[4])

    def ratings(self, since: datetime, until: datetime | None = None) -> Iterator[RatingEvent]:
        """Every lesson rating given (or changed) in ``[since, until)``, streamed."""
        query = (select(_RATING.c.learner_id, _LEARNER.c.platform, _LEARNER.c.platform_user_id,
                        _RATING.c.lesson_id, _RATING.c.useful, _RATING.c.rated_at)
                 .join(_LEARNER, _LEARNER.c.id == _RATING.c.learner_id)
                 .where(_RATING.c.rated_at >= since)
                 .order_by(_RATING.c.rated_at, _RATING.c.learner_id, _RATING.c.lesson_id))
        if until is not None:
            query = query.where(_RATING.c.rated_at < until)
        for row in self.session.execute(query.execution_options(yield_per=CHUNK)):
            yield RatingEvent(int(row[0]), str(row[1]), str(row[2]), str(row[3]), bool(row[4]),
                              row[5])

    def comments(self, since: datetime, until: datetime | None = None) -> Iterator[CommentEvent]:
        """Every learner's words on a rating given in ``[since, until)``, streamed."""
        query = (select(_RATING.c.learner_id, _LEARNER.c.platform, _LEARNER.c.platform_user_id,
                        _RATING.c.lesson_id, _RATING.c.comment, _RATING.c.commented_at)
                 .join(_LEARNER, _LEARNER.c.id == _RATING.c.learner_id)
                 .where(_RATING.c.commented_at >= since, _RATING.c.comment != "")
                 .order_by(_RATING.c.commented_at, _RATING.c.learner_id, _RATING.c.lesson_id))
        if until is not None:
            query = query.where(_RATING.c.commented_at < until)
        for row in self.session.execute(query.execution_options(yield_per=CHUNK)):
            if str(row[4]).strip():
                yield CommentEvent(int(row[0]), str(row[1]), str(row[2]), str(row[3]),
                                   str(row[4]), row[5])

    def checks(self, since: datetime, until: datetime | None = None) -> Iterator[CheckEvent]:
        """Every knowledge check finished with a score in ``[since, until)``, streamed, oldest
        first; an endline with its baseline's score (the baseline ended before the endline
        began, so it is the same however often this is read)."""
        before = _CHECK.alias("baseline")
        scored = and_(_CHECK.c.finished_at >= since, ~_CHECK.c.skipped, _CHECK.c.answered > 0)
        query = (select(_CHECK.c.learner_id, _LEARNER.c.platform, _LEARNER.c.platform_user_id,
                        _CHECK.c.track, _CHECK.c.phase, _CHECK.c.right, _CHECK.c.answered,
                        _CHECK.c.questions, _CHECK.c.finished_at, before.c.right,
                        before.c.answered)
                 .select_from(_CHECK.join(_LEARNER, _LEARNER.c.id == _CHECK.c.learner_id)
                              .outerjoin(before, and_(
                                  _CHECK.c.phase == "post", before.c.phase == "pre",
                                  before.c.learner_id == _CHECK.c.learner_id,
                                  before.c.track == _CHECK.c.track,
                                  before.c.finished_at.is_not(None), ~before.c.skipped,
                                  before.c.answered > 0)))
                 .where(scored)
                 .order_by(_CHECK.c.finished_at, _CHECK.c.learner_id, _CHECK.c.track,
                           _CHECK.c.phase))
        if until is not None:
            query = query.where(_CHECK.c.finished_at < until)
        for row in self.session.execute(query.execution_options(yield_per=CHUNK)):
            yield CheckEvent(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]),
                             int(row[5]), int(row[6]), len(str(row[7]).splitlines()), row[8],
                             None if row[9] is None else (int(row[9]), int(row[10])))

    def lessons_read(self, learner_id: int, until: datetime) -> set[str]:
        """The lessons a learner had read by ``until`` (inclusive)."""
        return {str(lesson) for lesson in self.session.execute(
            select(_PROGRESS.c.lesson_id).where(_PROGRESS.c.learner_id == learner_id,
                                                _PROGRESS.c.read_at <= until)).scalars()}

    # -- the cursor -----------------------------------------------------------------------------

    def cursor(self, name: str) -> datetime | None:
        """How far events of kind ``name`` have been made into statements (None: never)."""
        value: datetime | None = self.session.execute(
            select(_CURSOR.c.position).where(_CURSOR.c.name == name)).scalar()
        return value

    def move_cursor(self, name: str, position: datetime) -> None:
        """Set the cursor of ``name`` (it never moves back)."""
        insert = insert_for(self.dialect)
        statement = insert(_CURSOR).values(name=name, position=position)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"position": func.max(_CURSOR.c.position, statement.excluded.position)
                  if self.dialect == "sqlite"
                  else func.greatest(_CURSOR.c.position, statement.excluded.position)}))

    # -- the outbox -----------------------------------------------------------------------------

    def add(self, statements: Sequence[NewStatement], now: datetime) -> int:
        """Keep statements for sending; how many are new. One kept already and not yet in
        the LRS is made anew (a config fixed since, an activity base or an e-mail, counts
        from now; one the LRS refused goes again); one the LRS holds is left as it is (it
        never changes a statement)."""
        if not statements:
            return 0
        self._remake(statements, now)
        insert = insert_for(self.dialect)
        result = self.session.execute(
            insert(_STATEMENT).on_conflict_do_nothing().returning(_STATEMENT.c.statement_id),
            [{"statement_id": s.statement_id, "learner_id": s.learner_id,
              "event_at": s.event_at, "body": s.body, "status": "pending", "attempts": 0,
              "due_at": now, "created_at": now} for s in statements])
        return len(result.all())

    def _remake(self, statements: Sequence[NewStatement], now: datetime) -> None:
        bodies = {s.statement_id: s.body for s in statements}
        kept = self.session.execute(
            select(_STATEMENT.c.statement_id, _STATEMENT.c.body, _STATEMENT.c.status)
            .where(_STATEMENT.c.statement_id.in_(list(bodies)),
                   _STATEMENT.c.status != "sent")).all()
        for statement_id, body, status in kept:
            if body == bodies[statement_id]:
                continue
            again = {"status": "pending", "due_at": now, "attempts": 0, "error": None} \
                if status == "failed" else {}
            self.session.execute(update(_STATEMENT)
                                 .where(_STATEMENT.c.statement_id == statement_id)
                                 .values(body=bodies[statement_id], **again))

    def resend(self, since: datetime, until: datetime | None, now: datetime) -> int:
        """Send again every statement of events in ``[since, until)``, sent or not (a replay);
        how many."""
        where = [_STATEMENT.c.event_at >= since]
        if until is not None:
            where.append(_STATEMENT.c.event_at < until)
        result = self.session.execute(
            update(_STATEMENT).where(*where)
            .values(status="pending", due_at=now, attempts=0, error=None, sent_at=None))
        return int(getattr(result, "rowcount", 0) or 0)

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Queued]:
        """Up to ``limit`` statements due at ``now``, oldest event first, kept from other
        senders for ``lease`` (sent statements are marked before then; others come back)."""
        query = (select(_STATEMENT.c.statement_id, _STATEMENT.c.body, _STATEMENT.c.attempts)
                 .where(_STATEMENT.c.status == "pending", _STATEMENT.c.due_at <= now)
                 .order_by(_STATEMENT.c.event_at, _STATEMENT.c.statement_id).limit(limit))
        if self.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = [Queued(str(a), str(b), int(c)) for a, b, c in self.session.execute(query)]
        if rows:
            self.session.execute(
                update(_STATEMENT)
                .where(_STATEMENT.c.statement_id.in_([row.statement_id for row in rows]))
                .values(due_at=now + lease))
        return rows

    def sent(self, ids: Sequence[str], now: datetime, note: str | None = None) -> None:
        """The LRS holds these statements."""
        if ids:
            self.session.execute(update(_STATEMENT).where(_STATEMENT.c.statement_id.in_(ids))
                                 .values(status="sent", sent_at=now, error=note))

    def retry(self, ids: Sequence[str], due_at: datetime, error: str) -> None:
        """These could not be sent now: try again from ``due_at``."""
        if ids:
            self.session.execute(
                update(_STATEMENT).where(_STATEMENT.c.statement_id.in_(ids))
                .values(due_at=due_at, attempts=_STATEMENT.c.attempts + 1, error=error[:500]))

    def failed(self, statement_id: str, error: str, body: str | None = None) -> None:
        """The LRS refused this statement as invalid: sending it again would not help. With
        ``body`` (what was sent), only if the row still holds it: one made anew meanwhile
        (a config fixed) is sent as it is now."""
        where = [_STATEMENT.c.statement_id == statement_id]
        if body is not None:
            where.append(_STATEMENT.c.body == body)
        self.session.execute(update(_STATEMENT).where(*where)
                             .values(status="failed", error=error[:500]))

    def backlog(self, now: datetime) -> Backlog:
        """What waits for the LRS (for /metrics)."""
        counts = dict(self.session.execute(
            select(_STATEMENT.c.status, func.count())
            .where(_STATEMENT.c.status.in_(("pending", "failed")))
            .group_by(_STATEMENT.c.status)).all())
        oldest: Any = self.session.execute(
            select(func.min(_STATEMENT.c.created_at))
            .where(_STATEMENT.c.status == "pending")).scalar()
        age = 0.0
        if oldest is not None:
            if isinstance(oldest, str):  # SQLite gives an aggregate's time back as text
                oldest = datetime.fromisoformat(oldest)
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=now.tzinfo)
            age = max(0.0, (now - oldest).total_seconds())
        return Backlog(int(counts.get("pending", 0)), int(counts.get("failed", 0)), age)

    def prune(self, before: datetime) -> int:
        """Forget statements sent before ``before`` (a replay makes them again from the
        events); how many."""
        result = self.session.execute(delete(_STATEMENT).where(_STATEMENT.c.status == "sent",
                                                               _STATEMENT.c.sent_at < before))
        return int(getattr(result, "rowcount", 0) or 0)
