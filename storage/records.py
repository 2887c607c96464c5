"""Plain, frozen records that repositories hand out: no session, no lazy loading, and the
domain's vocabulary (platforms, delivery kinds and statuses, how a lesson came) as enums whose
values are the ones stored in the columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Literal


class Platform(StrEnum):
    """Where a learner talks to the bot."""

    CONSOLE = "console"
    SLACK = "slack"
    TELEGRAM = "telegram"


class DeliveryKind(StrEnum):
    """What a scheduled delivery carries."""

    LESSON = "lesson"
    QUIZ = "quiz"
    NUDGE = "nudge"


class DeliveryStatus(StrEnum):
    """Where an outbox row stands."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    SKIPPED = "skipped"
    """Nothing to send when its time came (no question due, a learner on holiday)."""
    MISSED = "missed"
    """Its local day ended before it could go (the bot was down)."""
    FAILED = "failed"
    """The platform refused it for good, or it kept failing."""


FINISHED = (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.MISSED,
            DeliveryStatus.FAILED)
"""Outbox statuses that are final."""


class LessonSource(StrEnum):
    """How a learner came by a lesson."""

    LESSON = "lesson"
    """Pushed, or asked for with `lesson`."""
    LOOKUP = "lookup"
    """Found by a question: looked up, not read, its questions not in the reviews."""
    ADDED = "added"
    """Found by a question, then added to the reviews by the learner."""


class SkippedBy(StrEnum):
    """Who ended a knowledge check without a score (kept since schema 0020: a baseline ended
    before then says neither)."""

    LEARNER = "learner"
    """The learner typed `skip check`."""
    PUSH = "push"
    """A baseline left since an earlier day: the next lesson push set it aside and brought the
    lesson instead."""


class _Keep(Enum):
    KEEP = "keep"


KEEP: Literal[_Keep.KEEP] = _Keep.KEEP
"""A setting a :class:`LearnerChange` leaves as it is."""
Keep = Literal[_Keep.KEEP]


@dataclass(frozen=True)
class LearnerChange:
    """Settings of a learner to write; every field left at :data:`KEEP` stays as it is (so a
    change never overwrites what another transaction wrote to another column)."""

    chat_id: str | Keep | None = KEEP
    display_name: str | Keep = KEEP
    time_zone: str | Keep = KEEP
    lesson_time: str | Keep = KEEP
    quiz_time: str | Keep = KEEP
    workdays: tuple[str, ...] | Keep = KEEP
    topics: tuple[str, ...] | Keep = KEEP
    paused: bool | Keep = KEEP
    paused_until: date | Keep | None = KEEP
    stopped: bool | Keep = KEEP
    leaderboard_opt_in: bool | Keep = KEEP
    is_trainer: bool | Keep = KEEP
    nudges: bool | Keep = KEEP
    next_lesson_at: datetime | Keep | None = KEEP
    next_quiz_at: datetime | Keep | None = KEEP
    next_nudge_at: datetime | Keep | None = KEEP
    unreachable: str | Keep | None = KEEP
    forget_asked_at: datetime | Keep | None = KEEP
    all_read_told: bool | Keep = KEEP
    last_lesson: str | Keep | None = KEEP
    last_lookup: str | Keep | None = KEEP
    last_query: str | Keep | None = KEEP
    last_query_at: datetime | Keep | None = KEEP
    suggested: str | Keep | None = KEEP


@dataclass(frozen=True)
class Learner:
    """A learner and their settings. ``workdays`` are three-letter day names ('mon')."""

    id: int
    platform: Platform
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
    forget_asked_at: datetime | None = None
    all_read_told: bool = False
    last_lesson: str | None = None
    """The lesson the learner got last (what `done` counts)."""
    last_lookup: str | None = None
    """The lesson the learner looked up last (what `add` adds)."""
    last_query: str | None = None
    """The words that lesson answered, until the learner judges it: what "not what I asked"
    passes on to trainers."""
    last_query_at: datetime | None = None
    """When they were answered ("not what I asked" is about a recent answer), or when lookup
    found no answer and offered ``suggested``."""
    paused_until: date | None = None
    """The last local day of a holiday with an end date (None: none, or until `resume`)."""
    suggested: str | None = None
    """The last unanswered question and the ids of the lessons offered for it ("did you
    mean"), as JSON: ``{"query": ..., "lessons": [...]}``; a reply of their number picks
    one."""


@dataclass(frozen=True)
class Due:
    """A learner whose lesson, quiz or reminder is due: what the due scan needs to know."""

    learner_id: int
    platform: Platform
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
    kind: DeliveryKind
    local_date: date
    lesson_id: str | None
    payload: str
    status: DeliveryStatus
    attempts: int
    due_at: datetime
    sent_at: datetime | None
    platform_message_id: str | None
    platform: Platform | None = None
    """The platform it goes to (None on rows written before platforms were recorded)."""
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
    stability: float | None = None
    """FSRS stability in days, copied out of ``state`` so that reports can compute the recall
    of many cards in SQL (None: never reviewed)."""
    reviewed_at: datetime | None = None
    """FSRS's last review, likewise (None: never reviewed)."""


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
    check_phase: str | None = None
    """'pre' or 'post' when a track's knowledge check asked it."""
    check_track: str | None = None
    topic: bool = False
    """Asked in a quiz on its lesson the learner asked for ("quiz me on passwords")."""
    added: bool = False
    """That quiz put the lesson's questions into the reviews (its first ask only)."""
    shown: str | None = None
    """The choices as last shown to the learner (``Question.marks``)."""


@dataclass(frozen=True)
class Receipt:
    """A lesson a learner has: when, how it came, and when they read it (None: delivered or
    looked up, not yet acted on)."""

    lesson_id: str
    at: datetime
    via: LessonSource
    read_at: datetime | None = None
    looked_up_at: datetime | None = None
    """When the learner last found it by a question."""
    added_at: datetime | None = None
    """When they put its questions into their reviews after looking it up."""


@dataclass(frozen=True)
class PollRecord:
    """Which learner and ask a native quiz poll stands for."""

    learner_id: int
    ask_id: int


@dataclass(frozen=True)
class WorkerRecord:
    """A dispatcher process on record."""

    id: str
    host: str
    pid: int


@dataclass(frozen=True)
class QuestionScore:
    """How often a question was answered right."""

    lesson_id: str
    question_key: str
    right: int
    total: int


@dataclass(frozen=True)
class FlagCount:
    """A question learners flagged as wrong: how often, and their notes."""

    lesson_id: str
    question_key: str
    count: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Accuracy:
    """Right answers out of all answers."""

    right: int
    total: int


@dataclass(frozen=True)
class Reflection:
    """What a learner wrote to a reflection prompt."""

    lesson_id: str
    prompt: str
    answer: str
    written_at: datetime


@dataclass(frozen=True)
class Awaited:
    """A free-text reply the bot invited: ``kind`` is 'comment' or 'reflection'."""

    kind: str
    lesson_id: str
    prompt: str
    asked_at: datetime


@dataclass(frozen=True)
class Account:
    """One platform account of a learner (`link`); ``primary``: the one pushes go to."""

    platform: str
    platform_user_id: str
    chat_id: str | None
    primary: bool


@dataclass(frozen=True)
class TrackCheck:
    """A learner's knowledge check of a track: ``phase`` 'pre' (the baseline, before its first
    lesson) or 'post' (the endline, after its last)."""

    learner_id: int
    track: str
    phase: str
    questions: tuple[tuple[str, str], ...]
    """(lesson id, question key) of each question, in the order asked."""
    started_at: datetime
    finished_at: datetime | None = None
    skipped: bool = False
    answered: int = 0
    right: int = 0
    results: str = ""
    """'1' (right) or '0' per answer, in the order asked."""
    skipped_by: SkippedBy | None = None
    """Who ended it without a score; None when it has one, is open, or was skipped before
    schema 0020 kept who did."""

    @property
    def score(self) -> float | None:
        """The share of its questions answered right (None: unfinished or skipped)."""
        if self.finished_at is None or self.skipped or not self.questions:
            return None
        return self.right / len(self.questions)
