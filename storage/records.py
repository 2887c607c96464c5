"""Plain, frozen records that repositories hand out: no session, no lazy loading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Learner:
    """A learner and their settings. ``workdays`` are three-letter day names ('mon')."""

    id: int
    platform: str
    platform_user_id: str
    chat_id: str | None
    display_name: str
    time_zone: str
    lesson_time: str
    quiz_time: str
    workdays: tuple[str, ...]
    paused: bool
    stopped: bool
    topics: tuple[str, ...]
    leaderboard_opt_in: bool
    is_trainer: bool
    created_at: datetime
    next_lesson_at: datetime | None
    next_quiz_at: datetime | None
    nudges: bool = True
    next_nudge_at: datetime | None = None
    unreachable: str | None = None


@dataclass(frozen=True)
class Due:
    """A learner whose lesson, quiz or reminder is due: what the due scan needs to know."""

    learner_id: int
    platform: str
    time_zone: str
    hhmm: str
    """Their local time of the kind scanned (lesson or quiz time)."""
    workdays: tuple[str, ...]
    due_at: datetime
    nudges: bool


@dataclass(frozen=True)
class Delivery:
    """An outbox row."""

    id: int
    learner_id: int
    kind: str
    local_date: date
    lesson_id: str | None
    payload: str
    status: str
    attempts: int
    due_at: datetime
    sent_at: datetime | None
    platform_message_id: str | None
    platform: str = ""
    worker_id: str | None = None
    error: str | None = None
    parts_sent: int = 0


@dataclass(frozen=True)
class Card:
    """A question's spaced-repetition state for one learner; ``state`` is the FSRS card JSON."""

    learner_id: int
    lesson_id: str
    question_key: str
    state: str
    due_at: datetime
    reviews: int = 0
    lapses: int = 0
    mastered: bool = False


@dataclass(frozen=True)
class Streak:
    """Streak state in the learner's local days."""

    learner_id: int
    current: int = 0
    longest: int = 0
    last_active: date | None = None
    freezes: int = 0
    paused_since: date | None = None


@dataclass(frozen=True)
class Standing:
    """One row of a leaderboard."""

    learner_id: int
    display_name: str
    points: int


@dataclass(frozen=True)
class Ask:
    """A question put to a learner, answered or not."""

    id: int
    learner_id: int
    lesson_id: str
    question_key: str
    asked_at: datetime
    answered_at: datetime | None
    pushed: bool
