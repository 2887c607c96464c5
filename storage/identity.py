"""One learner on several platforms: linked accounts, one-time link codes, and the merge.

A learner row holds one platform account: the one lessons and quizzes are pushed to. Other
accounts of the same person (`link CODE` typed on another platform) live in
``learner_account`` and resolve to the same learner, so progress, streak, cards and points are
one. Linking merges the newcomer's learner into the code's learner, table by table, with a rule
for each conflict (see :meth:`Accounts.merge`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlmodel import Session, SQLModel

from storage.records import Account
from storage.tables import (
    ActivityDayRow,
    AnswerRow,
    AwaitedRow,
    BadgeRow,
    CardRow,
    DeliveryRow,
    LearnerAccountRow,
    LearnerRow,
    LinkCodeRow,
    PointsRow,
    ProgressRow,
    RatingRow,
    StreakRow,
    TrackCheckRow,
)

_LEARNER = LearnerRow.__table__  # type: ignore[attr-defined]
_ACCOUNT = LearnerAccountRow.__table__  # type: ignore[attr-defined]
_CODE = LinkCodeRow.__table__  # type: ignore[attr-defined]
_PROGRESS = ProgressRow.__table__  # type: ignore[attr-defined]
_CARD = CardRow.__table__  # type: ignore[attr-defined]
_BADGE = BadgeRow.__table__  # type: ignore[attr-defined]
_STREAK = StreakRow.__table__  # type: ignore[attr-defined]
_DAY = ActivityDayRow.__table__  # type: ignore[attr-defined]
_DELIVERY = DeliveryRow.__table__  # type: ignore[attr-defined]
_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]
_RATING = RatingRow.__table__  # type: ignore[attr-defined]
_AWAITED = AwaitedRow.__table__  # type: ignore[attr-defined]
_POINTS = PointsRow.__table__  # type: ignore[attr-defined]
_CHECK = TrackCheckRow.__table__  # type: ignore[attr-defined]


def _earliest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else max(a, b)


class Accounts:
    """Linked accounts and link codes, in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- accounts -------------------------------------------------------------------------------

    def owner(self, platform: str, platform_user_id: str) -> int | None:
        """The learner a linked (not primary) account belongs to, if any."""
        value = self.session.execute(select(_ACCOUNT.c.learner_id).where(
            _ACCOUNT.c.platform == platform,
            _ACCOUNT.c.platform_user_id == platform_user_id)).scalar()
        return None if value is None else int(value)

    def accounts(self, learner_id: int) -> list[Account]:
        """The learner's accounts: the primary first, then those linked, oldest first."""
        primary = self.session.execute(
            select(_LEARNER.c.platform, _LEARNER.c.platform_user_id, _LEARNER.c.chat_id)
            .where(_LEARNER.c.id == learner_id)).first()
        if primary is None:
            return []
        found = [Account(str(primary[0]), str(primary[1]), primary[2], True)]
        found += [Account(str(platform), str(user), chat, False)
                  for platform, user, chat in self.session.execute(
                      select(_ACCOUNT.c.platform, _ACCOUNT.c.platform_user_id, _ACCOUNT.c.chat_id)
                      .where(_ACCOUNT.c.learner_id == learner_id)
                      .order_by(_ACCOUNT.c.linked_at, _ACCOUNT.c.platform))]
        return found

    def push_to(self, learner_id: int, platform: str, now: datetime) -> bool:
        """Make the learner's linked ``platform`` account the one pushes go to; False when
        they have no such account (or it already is)."""
        extra = self.session.execute(select(_ACCOUNT).where(
            _ACCOUNT.c.learner_id == learner_id, _ACCOUNT.c.platform == platform)
            .order_by(_ACCOUNT.c.linked_at)).mappings().first()
        learner = self.session.execute(select(_LEARNER).where(
            _LEARNER.c.id == learner_id)).mappings().first()
        if extra is None or learner is None:
            return False
        self.session.execute(delete(_ACCOUNT).where(
            _ACCOUNT.c.platform == extra["platform"],
            _ACCOUNT.c.platform_user_id == extra["platform_user_id"]))
        self.session.execute(update(_LEARNER).where(_LEARNER.c.id == learner_id).values(
            platform=extra["platform"], platform_user_id=extra["platform_user_id"],
            chat_id=extra["chat_id"], unreachable=None))
        self.session.execute(insert(_ACCOUNT).values(
            platform=learner["platform"], platform_user_id=learner["platform_user_id"],
            learner_id=learner_id, chat_id=learner["chat_id"],
            display_name=learner["display_name"], linked_at=now))
        return True

    def unlink(self, learner_id: int, platform: str, platform_user_id: str,
               now: datetime) -> bool:
        """Take one account off the learner (the learning stays with the others); False when
        it is their only account. The account starts afresh when it writes again."""
        accounts = self.accounts(learner_id)
        if len(accounts) < 2:
            return False
        this = next((a for a in accounts if (a.platform, a.platform_user_id)
                     == (platform, platform_user_id)), None)
        if this is None:
            return False
        if this.primary:  # pushes move to the next account before this one goes
            successor = accounts[1]
            self.push_to(learner_id, successor.platform, now)
        self.session.execute(delete(_ACCOUNT).where(
            _ACCOUNT.c.platform == platform, _ACCOUNT.c.platform_user_id == platform_user_id))
        return True

    # -- codes ----------------------------------------------------------------------------------

    def add_code(self, code_hash: str, learner_id: int, now: datetime,
                 expires: datetime) -> None:
        """Keep a link code (its hash) for a learner; their earlier codes go."""
        self.session.execute(delete(_CODE).where(_CODE.c.learner_id == learner_id))
        self.session.execute(insert(_CODE).values(code_hash=code_hash, learner_id=learner_id,
                                                  created_at=now, expires_at=expires))

    def code_owner(self, code_hash: str, now: datetime) -> int | None:
        """The learner a code was made for, while it is good (it stays: a link refused for
        another reason does not use it up)."""
        row = self.session.execute(select(_CODE.c.learner_id, _CODE.c.expires_at)
                                   .where(_CODE.c.code_hash == code_hash)).first()
        return self._good(row, now)

    def take_code(self, code_hash: str, now: datetime) -> int | None:
        """The learner a code was made for, using it up; None when unknown or expired."""
        row = self.session.execute(delete(_CODE).where(_CODE.c.code_hash == code_hash)
                                   .returning(_CODE.c.learner_id, _CODE.c.expires_at)).first()
        return self._good(row, now)

    @staticmethod
    def _good(row: Any, now: datetime) -> int | None:
        if row is None:
            return None
        expires: datetime = row[1]
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=now.tzinfo)
        return int(row[0]) if expires > now else None

    # -- the merge ------------------------------------------------------------------------------

    def merge(self, into: int, other: int, now: datetime) -> None:
        """Move everything of learner ``other`` to learner ``into``, then delete ``other``;
        its accounts become ``into``'s. Where both have a record of the same thing:

        - a lesson: the earliest delivery, addition and read of the two, the latest look-up;
        - a review card: the one reviewed last (its memory is the latest);
        - a badge: the earliest award; the streak: the one kept last (the longer longest); a lesson's
          rating: the latest; a reply the bot awaits: ``into``'s;
        - a day's figures: added (its first and last action: the earlier and the later); the
          settings: ``into``'s (the account that made the code);
        - deliveries ``other`` had waiting are dropped (the next due scan plans the learner's
          day on the platform lessons go to); answers, points, asks, flags and the rest move.
        """
        s = self.session
        for row in s.execute(select(_PROGRESS).where(_PROGRESS.c.learner_id == other)) \
                .mappings().all():
            mine = s.execute(select(_PROGRESS).where(
                _PROGRESS.c.learner_id == into,
                _PROGRESS.c.lesson_id == row["lesson_id"])).mappings().first()
            if mine is None:
                continue
            s.execute(update(_PROGRESS).where(
                _PROGRESS.c.learner_id == into, _PROGRESS.c.lesson_id == row["lesson_id"])
                .values(delivered_at=_earliest(mine["delivered_at"], row["delivered_at"]),
                        read_at=_earliest(mine["read_at"], row["read_at"]),
                        looked_up_at=_latest(mine["looked_up_at"], row["looked_up_at"]),
                        added_at=_earliest(mine["added_at"], row["added_at"]),
                        via="lesson" if "lesson" in (mine["via"], row["via"]) else mine["via"]))
            s.execute(delete(_PROGRESS).where(_PROGRESS.c.learner_id == other,
                                              _PROGRESS.c.lesson_id == row["lesson_id"]))
        for row in s.execute(select(_CARD).where(_CARD.c.learner_id == other)).mappings().all():
            key = (_CARD.c.lesson_id == row["lesson_id"],
                   _CARD.c.question_key == row["question_key"])
            mine = s.execute(select(_CARD).where(_CARD.c.learner_id == into, *key)) \
                .mappings().first()
            if mine is None:
                continue
            theirs_newer = (row["reviewed_at"] is not None and (
                mine["reviewed_at"] is None or row["reviewed_at"] > mine["reviewed_at"]))
            loser = into if theirs_newer else other
            s.execute(delete(_CARD).where(_CARD.c.learner_id == loser, *key))
        for row in s.execute(select(_BADGE).where(_BADGE.c.learner_id == other)).mappings().all():
            mine = s.execute(select(_BADGE).where(_BADGE.c.learner_id == into,
                                                  _BADGE.c.code == row["code"])).mappings().first()
            if mine is None:
                continue
            s.execute(update(_BADGE).where(_BADGE.c.learner_id == into,
                                           _BADGE.c.code == row["code"])
                      .values(awarded_at=_earliest(mine["awarded_at"], row["awarded_at"])))
            s.execute(delete(_BADGE).where(_BADGE.c.learner_id == other,
                                           _BADGE.c.code == row["code"]))
        theirs = s.execute(select(_STREAK).where(_STREAK.c.learner_id == other)) \
            .mappings().first()
        mine = s.execute(select(_STREAK).where(_STREAK.c.learner_id == into)).mappings().first()
        if theirs is not None and mine is not None:
            # The streak running is the one kept last (a longer one kept earlier may be long
            # broken); on the same day, the longer of the two.
            mine_day, their_day = mine["last_active"], theirs["last_active"]
            if mine_day == their_day:
                running = mine if mine["current"] >= theirs["current"] else theirs
            elif their_day is None or (mine_day is not None and mine_day > their_day):
                running = mine
            else:
                running = theirs
            s.execute(update(_STREAK).where(_STREAK.c.learner_id == into).values(
                current=running["current"], last_active=running["last_active"],
                freezes=running["freezes"],
                longest=max(mine["longest"], theirs["longest"])))
            s.execute(delete(_STREAK).where(_STREAK.c.learner_id == other))
        # A lesson read on both sides earns its points once: the other side's award goes.
        prefix = f"lesson:{other}:"
        for key in s.execute(select(_POINTS.c.idempotency_key).where(
                _POINTS.c.learner_id == other,
                _POINTS.c.idempotency_key.startswith(prefix, autoescape=True))).scalars().all():
            lesson_id = str(key)[len(prefix):]
            if s.execute(select(_POINTS.c.id).where(
                    _POINTS.c.learner_id == into,
                    _POINTS.c.idempotency_key == f"lesson:{into}:{lesson_id}")).first():
                s.execute(delete(_POINTS).where(_POINTS.c.idempotency_key == key))
        figures = ("delivered", "read", "asked", "answered", "right")
        for row in s.execute(select(_DAY).where(_DAY.c.learner_id == other)).mappings().all():
            mine = s.execute(select(_DAY).where(_DAY.c.learner_id == into,
                                                _DAY.c.day == row["day"])).mappings().first()
            if mine is None:
                continue
            s.execute(update(_DAY).where(_DAY.c.learner_id == into, _DAY.c.day == row["day"])
                      .values({name: mine[name] + row[name] for name in figures}
                              | {"first_at": _earliest(mine["first_at"], row["first_at"]),
                                 "last_at": _latest(mine["last_at"], row["last_at"])}))
            s.execute(delete(_DAY).where(_DAY.c.learner_id == other, _DAY.c.day == row["day"]))
        s.execute(delete(_DELIVERY).where(_DELIVERY.c.learner_id == other,
                                          _DELIVERY.c.status.in_(("pending", "claimed"))))
        clash = select(_DELIVERY.c.kind, _DELIVERY.c.local_date).where(
            _DELIVERY.c.learner_id == into)
        for kind, day in s.execute(clash).all():
            s.execute(delete(_DELIVERY).where(_DELIVERY.c.learner_id == other,
                                              _DELIVERY.c.kind == kind,
                                              _DELIVERY.c.local_date == day))
        for row in s.execute(select(_RATING).where(_RATING.c.learner_id == other)) \
                .mappings().all():
            key = _RATING.c.lesson_id == row["lesson_id"]
            mine = s.execute(select(_RATING).where(_RATING.c.learner_id == into, key)) \
                .mappings().first()
            if mine is not None:  # the latest verdict counts
                loser = into if row["rated_at"] > mine["rated_at"] else other
                s.execute(delete(_RATING).where(_RATING.c.learner_id == loser, key))
        # A track both began checking: the code's learner's checks of it stand, before and
        # after together (a gain compares the same questions, asked of one learner).
        for track in s.execute(select(_CHECK.c.track).where(
                _CHECK.c.learner_id == into).distinct()).scalars().all():
            s.execute(delete(_CHECK).where(_CHECK.c.learner_id == other,
                                           _CHECK.c.track == track))
        if s.execute(select(_AWAITED.c.learner_id).where(_AWAITED.c.learner_id == into)).first():
            s.execute(delete(_AWAITED).where(_AWAITED.c.learner_id == other))
        s.execute(delete(_CODE).where(_CODE.c.learner_id == other))
        for table in self._referring():  # everything left, the conflicts settled above
            s.execute(update(table).where(table.c.learner_id == other).values(learner_id=into))
        self._first_and_latest(into)
        self._take_over(into, other, now)
        # The kept total follows the merged ledger (both sides' awards, now one learner's).
        s.execute(update(_LEARNER).where(_LEARNER.c.id == into).values(points=select(
            func.coalesce(func.sum(_POINTS.c.points), 0)).where(
                _POINTS.c.learner_id == into).scalar_subquery()))

    @staticmethod
    def _referring() -> list[Table]:
        """Every table with a ``learner_id`` (a table added later moves too)."""
        return [table for table in SQLModel.metadata.sorted_tables
                if "learner_id" in table.c and table.name != "learner"]

    def _first_and_latest(self, learner_id: int) -> None:
        """Which of the learner's answers is the first and the latest to each question (two
        accounts may each have had a first)."""
        s = self.session
        mine = _ANSWER.c.learner_id == learner_id
        grouped = (_ANSWER.c.lesson_id, _ANSWER.c.question_key)
        firsts = select(func.min(_ANSWER.c.id)).where(mine).group_by(*grouped)
        latests = select(func.max(_ANSWER.c.id)).where(mine).group_by(*grouped)
        s.execute(update(_ANSWER).where(mine).values(first=_ANSWER.c.id.in_(firsts),
                                                     latest=_ANSWER.c.id.in_(latests)))

    def _take_over(self, into: int, other: int, now: datetime) -> None:
        """``other``'s accounts become ``into``'s, and ``other`` goes."""
        s = self.session
        row = s.execute(select(_LEARNER).where(_LEARNER.c.id == other)).mappings().first()
        if row is None:
            return
        mine = s.execute(select(_LEARNER.c.created_at, _LEARNER.c.last_action_at)
                         .where(_LEARNER.c.id == into)).first()
        if mine is not None:
            s.execute(update(_LEARNER).where(_LEARNER.c.id == into).values(
                created_at=_earliest(mine[0], row["created_at"]),
                last_action_at=_latest(mine[1], row["last_action_at"])))
        s.execute(delete(_LEARNER).where(_LEARNER.c.id == other))
        s.execute(insert(_ACCOUNT).values(
            platform=row["platform"], platform_user_id=row["platform_user_id"],
            learner_id=into, chat_id=row["chat_id"], display_name=row["display_name"],
            linked_at=now))
