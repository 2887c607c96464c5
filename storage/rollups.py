"""Daily aggregates kept as things happen, in the same transaction: a learner's day
(``activity_day``), a question's day (``question_day``, ``choice_day``), a learner's last
action and points total.

The dashboard reads these instead of scanning every answer, so its pages stay fast with a year
of answers. The repositories call these functions where they record what is counted; the raw
rows stay the truth (``tests/unit/dashboard`` checks that both agree).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, case, select, update
from sqlmodel import Session

from storage.dialects import insert_of
from storage.tables import (
    ActivityDayRow,
    AnswerRow,
    ChoiceDayRow,
    ConfidenceDayRow,
    LearnerRow,
    PlatformDayRow,
    QuestionDayRow,
)

_ACTIVITY: Table = ActivityDayRow.__table__  # type: ignore[attr-defined]
_QUESTION: Table = QuestionDayRow.__table__  # type: ignore[attr-defined]
_CHOICE: Table = ChoiceDayRow.__table__  # type: ignore[attr-defined]
_CONFIDENCE: Table = ConfidenceDayRow.__table__  # type: ignore[attr-defined]
_PLATFORM: Table = PlatformDayRow.__table__  # type: ignore[attr-defined]
_LEARNER: Table = LearnerRow.__table__  # type: ignore[attr-defined]
_ANSWER: Table = AnswerRow.__table__  # type: ignore[attr-defined]


def day_of(moment: datetime) -> date:
    """The UTC day of a moment (stored times are UTC)."""
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


def _increment(session: Session, table: Table, keys: dict[str, Any],
               counts: dict[str, int], returning: Any = None,
               moment: datetime | None = None) -> Any:
    """Add ``counts`` to the row at ``keys`` (made at zero first if missing): one statement;
    the value of ``returning`` after it, if asked. ``moment``: an action's time, kept as the
    row's ``first_at`` if earlier and ``last_at`` if later."""
    insert = insert_of(session)
    times = {} if moment is None else {"first_at": moment, "last_at": moment}
    statement: Any = insert(table).values(**keys, **counts, **times)
    primary = {column.name for column in table.primary_key.columns}
    changes = {name: table.c[name] + statement.excluded[name] for name in counts}
    if moment is not None:
        # Compared within the upsert, which holds the row: two replicas recording the same
        # learner's day at once each see the other's time (a CASE: SQLite's two-argument
        # min() is NULL when either is, PostgreSQL's LEAST is not in SQLite).
        first, last = table.c.first_at, table.c.last_at
        changes["first_at"] = case((first.is_(None) | (statement.excluded.first_at < first),
                                    statement.excluded.first_at), else_=first)
        changes["last_at"] = case((last.is_(None) | (statement.excluded.last_at > last),
                                   statement.excluded.last_at), else_=last)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in keys if name in primary], set_=changes)
    if returning is None:
        session.execute(statement)
        return None
    return session.execute(statement.returning(returning)).scalar()


def _platform(session: Session, learner_id: int) -> str:
    value = session.execute(select(_LEARNER.c.platform).where(
        _LEARNER.c.id == learner_id)).scalar()
    return str(value or "")


def activity(session: Session, learner_id: int, at: datetime, platform: str | None = None,
             **counts: int) -> None:
    """Count on the learner's day, and on their platform's (looked up unless given):
    delivered, read, asked, answered, right; a read or an answer also moves the learner's
    day's first and last action; the platform's day counts the learner as active once, at
    their first action."""
    day = day_of(at)
    platform = _platform(session, learner_id) if platform is None else platform
    now_acted = counts.get("read", 0) + counts.get("answered", 0)
    acted = _increment(session, _ACTIVITY, {"day": day, "learner_id": learner_id,
                                            "platform": platform}, counts,
                       returning=_ACTIVITY.c.read + _ACTIVITY.c.answered,
                       moment=at if now_acted > 0 else None)
    first = now_acted > 0 and acted == now_acted  # nothing done before today's first action
    _increment(session, _PLATFORM, {"day": day, "platform": platform},
               {**counts, "active": int(first)})


def asked_again(session: Session, learner_id: int, before: datetime, now: datetime) -> None:
    """A question asked on ``before``'s day asked again now: counted asked on its latest day
    only. Taken off the earlier day under the platform it was counted for there (the
    learner's may have changed since, by `push` or `link`)."""
    then = session.execute(select(_ACTIVITY.c.platform).where(
        _ACTIVITY.c.day == day_of(before), _ACTIVITY.c.learner_id == learner_id)).scalar()
    activity(session, learner_id, before, platform=None if then is None else str(then),
             asked=-1)
    activity(session, learner_id, now, asked=1)


def acted(session: Session, learner_id: int, at: datetime) -> None:
    """The learner did something (read, answered): their last action moves on."""
    session.execute(update(_LEARNER).where(
        _LEARNER.c.id == learner_id,
        (_LEARNER.c.last_action_at.is_(None)) | (_LEARNER.c.last_action_at < at))
        .values(last_action_at=at))


def points(session: Session, learner_id: int, change: int) -> None:
    """Points awarded (or, negative, taken back): the learner's total moves with the ledger."""
    session.execute(update(_LEARNER).where(_LEARNER.c.id == learner_id)
                    .values(points=_LEARNER.c.points + change))


def _question_counts(correct: bool, first: bool, latest: bool) -> dict[str, int]:
    """What one answer counts on its question's day."""
    return {"answers": 1, "right": int(correct), "firsts": int(first),
            "first_right": int(first and correct), "latest": int(latest),
            "latest_right": int(latest and correct)}


def answer(session: Session, learner_id: int, lesson_id: str, question_key: str,
           at: datetime, correct: bool, choices: Iterable[int], first: bool,
           replaced: tuple[datetime, bool] | None, confidence: str | None = None) -> None:
    """An answer on its question's day; ``replaced`` is (when, right) of the answer that was
    the learner's latest until now (it stops counting as latest on its own day);
    ``confidence``: how sure the learner said they were, when asked."""
    platform = _platform(session, learner_id)
    keys = {"platform": platform, "lesson_id": lesson_id, "question_key": question_key}
    _increment(session, _QUESTION, {"day": day_of(at), **keys},
               _question_counts(correct, first, latest=True))
    if replaced is not None:
        when, was_right = replaced
        _increment(session, _QUESTION, {"day": day_of(when), **keys},
                   {"latest": -1, "latest_right": -int(was_right)})
    for choice in set(choices):
        _increment(session, _CHOICE, {"day": day_of(at), **keys, "choice": choice},
                   {"picked": 1})
    if confidence is not None:
        _increment(session, _CONFIDENCE, {"day": day_of(at), **keys, "confidence": confidence},
                   {"answers": 1, "right": int(correct)})
    activity(session, learner_id, at, platform, answered=1, right=int(correct))
    acted(session, learner_id, at)


def forget(session: Session, learner_id: int) -> None:
    """Take a learner's part out of every daily total before their rows are deleted: the
    totals count no one who asked to be forgotten (a day of a platform with few learners would
    point back to them), and agree with the answers left."""
    platform = _platform(session, learner_id)
    questions: defaultdict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    choices: Counter[tuple[Any, ...]] = Counter()
    confidences: defaultdict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for row in session.execute(select(
            _ANSWER.c.lesson_id, _ANSWER.c.question_key, _ANSWER.c.answered_at,
            _ANSWER.c.correct, _ANSWER.c.choices, _ANSWER.c.first, _ANSWER.c.latest,
            _ANSWER.c.confidence).where(_ANSWER.c.learner_id == learner_id)):
        day = day_of(row.answered_at)
        keys = (day, platform, row.lesson_id, row.question_key)
        right = bool(row.correct)
        questions[keys].update(_question_counts(right, bool(row.first), bool(row.latest)))
        for choice in {int(c) for c in str(row.choices or "").split(",") if c.strip()}:
            choices[(*keys, choice)] += 1
        if row.confidence is not None:
            confidences[(*keys, row.confidence)].update({"answers": 1, "right": int(right)})
    days: defaultdict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for row in session.execute(select(_ACTIVITY).where(_ACTIVITY.c.learner_id == learner_id)):
        days[(row.day, row.platform)].update({
            "delivered": row.delivered, "read": row.read, "asked": row.asked,
            "answered": row.answered, "right": row.right,
            "active": int(row.read + row.answered > 0)})
    _subtract(session, _QUESTION, ("day", "platform", "lesson_id", "question_key"), questions)
    _subtract(session, _CHOICE, ("day", "platform", "lesson_id", "question_key", "choice"),
              {keys: Counter({"picked": count}) for keys, count in choices.items()})
    _subtract(session, _CONFIDENCE,
              ("day", "platform", "lesson_id", "question_key", "confidence"), confidences)
    _subtract(session, _PLATFORM, ("day", "platform"), days)


def _subtract(session: Session, table: Table, names: tuple[str, ...],
              amounts: dict[tuple[Any, ...], Counter[str]]) -> None:
    for keys, counts in amounts.items():
        changed = {name: count for name, count in counts.items() if count}
        if changed:
            session.execute(update(table).where(
                *(table.c[name] == value for name, value in zip(names, keys, strict=True)))
                .values({name: table.c[name] - count for name, count in changed.items()}))
