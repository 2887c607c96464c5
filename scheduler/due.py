"""The due scan: which learners' lesson, quiz or reminder has come, written to the outbox.

Each learner's next due times live in indexed columns (planned by the engine from their own
hours, workdays and time zone), so a scan reads only the learners who are due: 100,000
enrolled learners cost nothing while they are not. For each due learner, in one transaction, the
scan writes the outbox row (unique per learner, kind and local day, so two replicas or a repeated
scan cannot write it twice) and moves the column to the next due time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine import calendar
from storage import Database
from storage.records import DeliveryKind, DeliveryStatus, Due
from storage.unit import Unit

log = logging.getLogger(__name__)
BATCH = 1000
"""Learners handled per transaction: bounds memory and lock time whatever the backlog."""


@dataclass(frozen=True)
class ScanResult:
    """What one scan wrote."""

    pending: int = 0
    """Rows written to be sent."""
    missed: int = 0
    """Rows whose local day had already ended (the bot was down): recorded, never sent."""

    def __add__(self, other: ScanResult) -> ScanResult:
        return ScanResult(self.pending + other.pending, self.missed + other.missed)


class DueScan:
    """Writes the outbox rows of every learner who is due."""

    def __init__(self, database: Database, waking: tuple[str, str] = ("08:00", "20:00"),
                 platforms: Iterable[str] | None = None) -> None:
        self.database = database
        self.waking = waking
        self.platforms = tuple(platforms) if platforms is not None else None
        """The platforms this process sends to: learners of others are left to the processes
        that serve them (their rows would wait unsent, and their days be missed)."""

    def run(self, now: datetime) -> ScanResult:
        """Scan lessons, quizzes and reminders due by ``now``."""
        total = ScanResult()
        for kind in (DeliveryKind.LESSON, DeliveryKind.QUIZ):
            total += self._scan(kind, now)
        return total + self._scan_nudges(now)

    def _scan(self, kind: DeliveryKind, now: datetime) -> ScanResult:
        total = ScanResult()
        while True:
            with self.database.unit() as unit:
                learners = unit.learners.due_learners(kind, now, BATCH, self.platforms)
                rows: list[dict[str, object]] = []
                following: dict[int, datetime | None] = {}
                for due in learners:
                    due_rows, following[due.learner_id] = self._rows(due, kind, now)
                    rows += due_rows
                written = unit.deliveries.enqueue_many(rows)
                # Only where the due time is still the one read: on SQLite the read above
                # locks nothing, and a learner may have saved a new lesson time since.
                unit.learners.set_due(kind, following,
                                          {due.learner_id: due.due_at for due in learners})
            for row in rows:
                if (row["learner_id"], kind, row["local_date"]) in written:
                    total += ScanResult(missed=1) if row["status"] is DeliveryStatus.MISSED else ScanResult(
                        pending=1)
            if len(learners) < BATCH:
                return total

    @staticmethod
    def _rows(due: Due, kind: DeliveryKind,
              now: datetime) -> tuple[list[dict[str, object]], datetime | None]:
        """The outbox rows to write for a due learner, and their next due time after ``now``
        (None without workdays). After an outage several due times may have passed: the
        planned one is recorded (as missed, if its local day is over) and so is the latest,
        which may still go today."""
        if not due.workdays:
            return [], None
        tz = calendar.zone(due.time_zone)
        latest = due.due_at
        while (following := calendar.next_at(latest, due.hhmm, due.workdays, tz)) <= now:
            latest = following
        today = calendar.local_date(now, tz)
        rows = []
        for moment in dict.fromkeys((due.due_at, latest)):
            day = calendar.local_date(moment, tz)
            if not calendar.is_workday(day, due.workdays):
                continue  # planned before the workdays changed
            # A row whose local day is over is recorded as missed: a lesson at 9 pm is fine
            # after a restart, yesterday's lesson at breakfast is not.
            rows.append({"learner_id": due.learner_id, "kind": kind, "local_date": day,
                         "due_at": moment, "platform": due.platform,
                         "status": DeliveryStatus.MISSED if day < today else DeliveryStatus.PENDING})
        return rows, following

    def _scan_nudges(self, now: datetime) -> ScanResult:
        total = ScanResult()
        while True:
            with self.database.unit() as unit:
                learners = unit.learners.due_learners(DeliveryKind.NUDGE, now, BATCH,
                                                      self.platforms)
                following: dict[int, datetime | None] = {}
                for due in learners:
                    following[due.learner_id], written = self._nudge(unit, due, now)
                    total += written
                unit.learners.set_due(DeliveryKind.NUDGE, following,
                                          {due.learner_id: due.due_at for due in learners})
            if len(learners) < BATCH:
                return total

    def _nudge(self, unit: Unit, learner: Due,
               now: datetime) -> tuple[datetime | None, ScanResult]:
        tz = calendar.zone(learner.time_zone)
        today = calendar.local_date(now, tz)
        if not learner.nudges:
            return None, ScanResult()
        awake = calendar.next_awake(now, self.waking, tz)
        if awake is None:
            return None, ScanResult()  # too late today: no reminder while they sleep
        if awake > now:
            return awake, ScanResult()  # wait for their waking hours
        if unit.asks.to_remind(learner.learner_id, today,
                               calendar.at_local(today, "00:00", tz)) is None:
            return None, ScanResult()  # answered, or not today's question
        written = unit.deliveries.enqueue(learner.learner_id, DeliveryKind.NUDGE, today, now,
                                          platform=learner.platform)
        return None, ScanResult(pending=int(written))


def nudge_time(sent_at: datetime, after: timedelta,
               closes: datetime | None = None) -> datetime | None:
    """When to remind a learner of a quiz sent at ``sent_at`` (None: reminders are off, or
    too little of the learner's waking hours is left: :func:`calendar.reminder_at`).
    ``closes``: when the waking hours the quiz was sent in end (None: it was sent outside
    them, and the due scan waits for them)."""
    if after <= timedelta(0):
        return None
    if closes is None:
        return sent_at + after
    return calendar.reminder_at(sent_at, after, closes)
