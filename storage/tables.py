"""SQLModel tables. All times are UTC (stored without a zone); local dates are the learner's.

Only the repositories use these classes; everything outside ``storage`` sees records.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class LearnerRow(SQLModel, table=True):
    """One person on one platform, with their delivery settings."""

    __tablename__ = "learner"
    # An id is never given again after a `forget` (SQLite reuses the highest rowid without
    # AUTOINCREMENT): exports and the pseudonymous "learner #30" must not name two people.
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),
                      {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    platform_user_id: str = Field(max_length=100)
    chat_id: str | None = Field(default=None, max_length=100)
    display_name: str = Field(default="", max_length=200)
    time_zone: str = Field(default="UTC", max_length=64)
    lesson_time: str = Field(default="09:00", max_length=5)
    quiz_time: str = Field(default="15:00", max_length=5)
    workdays: str = Field(default="mon,tue,wed,thu,fri", max_length=40)
    paused: bool = False
    """On holiday: nothing is pushed, the streak is held and reviews wait."""
    paused_until: date | None = None
    """The learner's last local day of a holiday with an end date (`pause until friday`): it
    ends by itself on the first learning day after (None: it lasts until `resume`)."""
    stopped: bool = False
    """Asked for no more daily messages (kept apart from a holiday pause)."""
    topics: str = Field(default="", max_length=1000)
    leaderboard_opt_in: bool = False
    is_trainer: bool = False
    created_at: datetime
    next_lesson_at: datetime | None = Field(default=None, index=True)
    next_quiz_at: datetime | None = Field(default=None, index=True)
    nudges: bool = True
    """Wants one reminder on a day whose quiz stays unanswered."""
    next_nudge_at: datetime | None = Field(default=None, index=True)
    unreachable: str | None = Field(default=None, max_length=200)
    """Why the platform refused the last delivery (blocked the bot, account gone): nothing is
    pushed until the learner writes again."""
    forget_asked_at: datetime | None = None
    """When the learner last said `forget`: `forget confirm` deletes only shortly after."""
    all_read_told: bool = False
    """Told once that every lesson is read (scheduled lessons then stay quiet)."""
    last_lesson: str | None = Field(default=None, max_length=500)
    """The lesson the learner got last (what `done` counts)."""
    last_lookup: str | None = Field(default=None, max_length=500)
    """The lesson the learner looked up last (what `add` adds)."""
    last_query: str | None = Field(default=None, max_length=500)
    """The words that lesson answered, until the learner judges it."""
    last_query_at: datetime | None = None
    """When they were answered (or, with ``suggested``, when lookup found no answer)."""
    suggested: str | None = Field(default=None, max_length=2000)
    """The learner's last unanswered question and the lessons offered for it, as JSON (see
    :attr:`storage.records.Learner.suggested`)."""
    last_action_at: datetime | None = None
    """When the learner last read a lesson or answered a question (the dashboard's "at
    risk")."""
    points: int = 0
    """The sum of the learner's points ledger, kept as awards come and go: the dashboard lists
    every learner's points without summing millions of awards."""


class DeliveryRow(SQLModel, table=True):
    """An outbox row: written before anything is sent, unique per learner, kind and local day."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("learner_id", "kind", "local_date"),
        Index("ix_delivery_due", "status", "due_at"),
        # The latest send, asked at every start (a database ahead of the clock): one seek.
        Index("ix_delivery_sent", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", ondelete="CASCADE")
    platform: str = Field(default="", max_length=20)
    kind: str = Field(max_length=20)
    local_date: date
    lesson_id: str | None = Field(default=None, max_length=500)
    payload: str = ""
    status: str = Field(default="pending", max_length=20)
    """pending, claimed (a worker is on it), sent, skipped (nothing to say), missed (its local
    day ended before it could go), failed (the platform refused it for good)."""
    attempts: int = 0
    parts_sent: int = 0
    """Platform messages of this delivery that went out on earlier tries (not sent again)."""
    due_at: datetime
    """When it may go next: the scheduled time, or a retry's time after a failure."""
    worker_id: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    platform_message_id: str | None = Field(default=None, max_length=200)
    error: str | None = None


class ProgressRow(SQLModel, table=True):
    """A lesson delivered to a learner or looked up, and when they read it."""

    __tablename__ = "lesson_progress"
    # Without rowid, SQLite keeps the rows in (learner, lesson) order with every column: the
    # tracks page groups them by learner reading straight through.
    # The deliveries' index carries what the overview counts of them (how many were read):
    # with the key (learner, lesson) that every index of a table without rowid holds, it
    # answers that alone.
    __table_args__ = (Index("ix_progress_delivered", "delivered_at", "via", "read_at"),
                      Index("ix_progress_read", "read_at"),
                      {"sqlite_with_rowid": False})

    learner_id: int = Field(foreign_key="learner.id", primary_key=True, ondelete="CASCADE")
    lesson_id: str = Field(primary_key=True, max_length=500)
    delivered_at: datetime
    via: str = Field(default="lesson", max_length=10)
    """'lesson' (pushed or asked for), 'lookup' (found by a question) or 'added' (found by a
    question, then added to the reviews): only lessons count towards which track a learner is
    following."""
    looked_up_at: datetime | None = None
    """When the learner last found it by a question (also for a lesson delivered since)."""
    added_at: datetime | None = None
    """When the learner put a looked-up lesson's questions into their reviews."""
    read_at: datetime | None = None
    """When the learner acted on it (a "Got it", `done`, or an answer to one of its questions):
    a lesson counts as read, with its points and streak day, only from then."""


class CardRow(SQLModel, table=True):
    """One quiz question's spaced-repetition state for one learner (FSRS card as JSON)."""

    __tablename__ = "card"
    __table_args__ = (Index("ix_card_due", "learner_id", "due_at"),)

    learner_id: int = Field(foreign_key="learner.id", primary_key=True, ondelete="CASCADE")
    lesson_id: str = Field(primary_key=True, max_length=500)
    question_key: str = Field(primary_key=True, max_length=40)
    state: str
    due_at: datetime
    reviews: int = 0
    lapses: int = 0
    mastered: bool = False
    stability: float | None = None
    """FSRS stability in days, out of ``state`` (reports compute recall in SQL)."""
    reviewed_at: datetime | None = None
    """FSRS's last review, out of ``state``."""


class AnswerRow(SQLModel, table=True):
    """One answer, recorded once: ``idempotency_key`` makes a repeated press a no-op."""

    __tablename__ = "answer"
    __table_args__ = (Index("ix_answer_time", "answered_at"),
                      Index("ix_answer_question", "lesson_id", "question_key"),
                      # First answers only, with all the dashboard's discrimination reads of
                      # them: it never touches the table. By learner first, so the learners
                      # sampled for it are a seek each, not a scan of the range.
                      Index("ix_answer_first", "learner_id", "answered_at", "lesson_id",
                            "question_key", "correct", sqlite_where=text("first = 1"),
                            postgresql_where=text("first = true")),
                      # A learner's last answer is one seek (the learners page asks everyone's);
                      # also every look-up by learner alone.
                      Index("ix_answer_learner_time", "learner_id", "answered_at"))

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", ondelete="CASCADE")
    lesson_id: str = Field(max_length=500)
    question_key: str = Field(max_length=40)
    choices: str = Field(max_length=100)
    correct: bool
    answered_at: datetime
    idempotency_key: str = Field(unique=True, max_length=200)
    first: bool = False
    """The learner's first answer to this question (what facility counts)."""
    latest: bool = False
    """The learner's latest answer to it so far."""
    confidence: str | None = Field(default=None, max_length=1)
    """How sure the learner said they were: 's' sure, 't' think so, 'g' guessing (None: not
    asked)."""


class PointsRow(SQLModel, table=True):
    """The points ledger: every award once, by its idempotency key."""

    __tablename__ = "points"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True, ondelete="CASCADE")
    points: int
    reason: str = Field(max_length=100)
    created_at: datetime = Field(index=True)
    idempotency_key: str = Field(unique=True, max_length=200)


class StreakRow(SQLModel, table=True):
    """A learner's streak in their local workdays, with earned freezes and a vacation hold."""

    __tablename__ = "streak"

    learner_id: int = Field(foreign_key="learner.id", primary_key=True, ondelete="CASCADE")
    current: int = 0
    longest: int = 0
    last_active: date | None = None
    freezes: int = 0
    paused_since: date | None = None


class BadgeRow(SQLModel, table=True):
    """A badge a learner earned (once)."""

    __tablename__ = "badge"

    learner_id: int = Field(foreign_key="learner.id", primary_key=True, ondelete="CASCADE")
    code: str = Field(primary_key=True, max_length=50)
    awarded_at: datetime


class FlagRow(SQLModel, table=True):
    """A question a learner flagged as wrong, kept for trainers."""

    __tablename__ = "flag"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True, ondelete="CASCADE")
    lesson_id: str = Field(max_length=500)
    question_key: str = Field(max_length=40)
    note: str = Field(default="", max_length=2000)
    created_at: datetime


class AskRow(SQLModel, table=True):
    """A question put to a learner: answers (buttons or typed) refer to it by its short id."""

    __tablename__ = "ask"
    __table_args__ = (Index("ix_ask_time", "asked_at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True, ondelete="CASCADE")
    lesson_id: str = Field(max_length=500)
    question_key: str = Field(max_length=40)
    asked_at: datetime
    answered_at: datetime | None = None
    pushed: bool = False
    """Sent by the daily schedule (these count against the daily budget)."""
    check_phase: str | None = Field(default=None, max_length=4)
    """'pre' or 'post' when asked as part of a track's knowledge check (a baseline ask earns
    nothing and counts in no figure), else None."""
    check_track: str | None = Field(default=None, max_length=200)
    """The track whose knowledge check asked it."""
    topic: bool = False
    """Asked because the learner asked for a quiz on its lesson's topic ("quiz me on
    passwords"): the lesson's next question follows its answer."""
    added: bool = False
    """The first ask of a quiz on a topic that put its lesson's questions into the reviews
    ("not what I asked" takes them back)."""
    shown: str | None = Field(default=None, max_length=200)
    """The question's choices as last shown (``Question.marks``): an answer's numbers refer to
    them, whatever order the lesson's file has now."""


class WorkerRow(SQLModel, table=True):
    """A running dispatcher (one per ``microlearn run`` process). Its heartbeat keeps its
    claimed deliveries its own; when it stops beating, other workers take them over."""

    __tablename__ = "worker"

    id: str = Field(primary_key=True, max_length=64)
    host: str = Field(default="", max_length=200)
    pid: int = 0
    started_at: datetime
    heartbeat_at: datetime = Field(index=True)


class ForgottenRow(SQLModel, table=True):
    """An account whose learner asked to be forgotten: a digest of its id and nothing else, so
    a stray message does not enrol them again (only `start` does)."""

    __tablename__ = "forgotten"

    platform: str = Field(primary_key=True, max_length=20)
    digest: str = Field(primary_key=True, max_length=64)
    forgotten_at: datetime


class PollRow(SQLModel, table=True):
    """A native quiz poll sent for an ask: poll answers carry only the poll's id."""

    __tablename__ = "poll"

    platform: str = Field(primary_key=True, max_length=20)
    poll_id: str = Field(primary_key=True, max_length=100)
    learner_id: int = Field(foreign_key="learner.id", index=True, ondelete="CASCADE")
    ask_id: int
    created_at: datetime


class InboundEventRow(SQLModel, table=True):
    """A platform event already handled (a Slack event id, a Telegram update id): the same
    event sent again, to this replica or another, or after a crash before the platform heard
    back, is handled once. It holds no words of the learner, and goes after a few days."""

    __tablename__ = "inbound_event"

    platform: str = Field(primary_key=True, max_length=20)
    event_id: str = Field(primary_key=True, max_length=100)
    handled_at: datetime = Field(index=True)


class DashboardLinkRow(SQLModel, table=True):
    """A one-time sign-in link to the trainer dashboard: only its token's SHA-256 is kept."""

    __tablename__ = "dashboard_link"

    token_hash: str = Field(primary_key=True, max_length=64)
    trainer: str = Field(max_length=300)
    """'platform:user_id' of the trainer it was made for, or 'cli' for one the command printed."""
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class DashboardSessionRow(SQLModel, table=True):
    """A signed-in trainer's dashboard session: only its token's SHA-256 is kept, so reading
    the database lets nobody in, and signing out ends it."""

    __tablename__ = "dashboard_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    trainer: str = Field(max_length=300)
    created_at: datetime
    expires_at: datetime


class SecretRow(SQLModel, table=True):
    """A secret the replicas must share and nobody configured (the dashboard's cookie key):
    made once, at random, and kept here."""

    __tablename__ = "secret"

    name: str = Field(primary_key=True, max_length=50)
    value: str = Field(max_length=200)


class LookupMissRow(SQLModel, table=True):
    """Words a learner looked up that no lesson answers: what trainers should write next."""

    __tablename__ = "lookup_miss"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True, ondelete="CASCADE")
    query: str = Field(max_length=500)
    asked_at: datetime = Field(index=True)


class RecallSnapshotRow(SQLModel, table=True):
    """The predicted recall of a track or topic on a day (the dashboard's retention trend)."""

    __tablename__ = "recall_snapshot"

    day: date = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=10)
    """'track', 'topic' or 'all'."""
    name: str = Field(primary_key=True, max_length=200)
    recall: float
    cards: int


class ActivityDayRow(SQLModel, table=True):
    """One learner's day (UTC) in numbers, kept as things happen: the dashboard's overview
    reads these instead of every answer."""

    __tablename__ = "activity_day"
    # Without rowid, SQLite keeps the rows in (day, learner) order: a range of days is read
    # straight through.
    __table_args__ = (Index("ix_activity_day", "day", "platform"),
                      {"sqlite_with_rowid": False})

    day: date = Field(primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", primary_key=True, ondelete="CASCADE")
    platform: str = Field(max_length=20)
    delivered: int = 0
    """Lessons delivered."""
    read: int = 0
    asked: int = 0
    answered: int = 0
    right: int = 0
    first_at: datetime | None = None
    """The learner's first action (a read or an answer) of the day; None: none yet."""
    last_at: datetime | None = None
    """Their last action of the day: with ``first_at``, which days of another zone they acted
    on (a UTC day overlaps two of them, split at the zone's midnight)."""


class PlatformDayRow(SQLModel, table=True):
    """All learners of a platform on a day (UTC): the overview's sums, and how many acted."""

    __tablename__ = "platform_day"

    day: date = Field(primary_key=True)
    platform: str = Field(primary_key=True, max_length=20)
    delivered: int = 0
    read: int = 0
    asked: int = 0
    answered: int = 0
    right: int = 0
    active: int = 0
    """Learners who read or answered that day."""


class QuestionDayRow(SQLModel, table=True):
    """One question's answers on a day (UTC) from one platform, kept as they come: the
    dashboard's questions page reads these instead of every answer."""

    __tablename__ = "question_day"
    # By question, with the sums: the questions page groups in index order over any range
    # instead of sorting a year of days (150 ms to 15 with 10,000 learners).
    __table_args__ = (Index("ix_question_day_question", "lesson_id", "question_key", "day",
                            "platform", "answers", "firsts", "first_right", "latest",
                            "latest_right"),)

    day: date = Field(primary_key=True)
    platform: str = Field(primary_key=True, max_length=20)
    lesson_id: str = Field(primary_key=True, max_length=500)
    question_key: str = Field(primary_key=True, max_length=40)
    answers: int = 0
    right: int = 0
    firsts: int = 0
    """First answers of a learner to the question."""
    first_right: int = 0
    latest: int = 0
    """Answers that are still their learner's latest to the question."""
    latest_right: int = 0


class ChoiceDayRow(SQLModel, table=True):
    """How often a question's choice was picked on a day (UTC), from one platform."""

    __tablename__ = "choice_day"
    __table_args__ = (Index("ix_choice_day_question", "lesson_id", "question_key", "choice",
                            "day", "platform", "picked"),)

    day: date = Field(primary_key=True)
    platform: str = Field(primary_key=True, max_length=20)
    lesson_id: str = Field(primary_key=True, max_length=500)
    question_key: str = Field(primary_key=True, max_length=40)
    choice: int = Field(primary_key=True)
    picked: int = 0


class ConfidenceDayRow(SQLModel, table=True):
    """A question's answers on one UTC day and platform that said how sure the learner was:
    how many at each level, and how many of those were right (the dashboard's
    confidence-accuracy matrix, without reading every answer)."""

    __tablename__ = "confidence_day"
    # By question first, with every column: the matrix is grouped in index order.
    __table_args__ = (Index("ix_confidence_day_question", "lesson_id", "question_key",
                            "confidence", "day", "platform", "answers", "right"),)

    day: date = Field(primary_key=True)
    platform: str = Field(primary_key=True, max_length=20)
    lesson_id: str = Field(primary_key=True, max_length=500)
    question_key: str = Field(primary_key=True, max_length=40)
    confidence: str = Field(primary_key=True, max_length=1)
    answers: int = 0
    right: int = 0


class RatingRow(SQLModel, table=True):
    """A learner's one-tap verdict on a lesson they read (the latest counts), and what they
    added to it."""

    __tablename__ = "lesson_rating"

    learner_id: int = Field(foreign_key="learner.id", primary_key=True, ondelete="CASCADE")
    lesson_id: str = Field(primary_key=True, max_length=500)
    useful: bool
    comment: str = Field(default="", max_length=2000)
    rated_at: datetime = Field(index=True)
    commented_at: datetime | None = Field(default=None, index=True)
    """When ``comment`` was last given (None: no words)."""


class ReflectionRow(SQLModel, table=True):
    """What a learner wrote to a reflection prompt (their notes)."""

    __tablename__ = "reflection"

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True, ondelete="CASCADE")
    lesson_id: str = Field(max_length=500)
    prompt: str = Field(max_length=500)
    answer: str = Field(max_length=4000)
    written_at: datetime = Field(index=True)


class AwaitedRow(SQLModel, table=True):
    """A free-text reply the bot invited (a comment on a lesson rated not useful, a
    reflection): the learner's next words are it, unless they do anything else first."""

    __tablename__ = "awaited_reply"

    learner_id: int = Field(foreign_key="learner.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(max_length=20)
    lesson_id: str = Field(max_length=500)
    prompt: str = Field(default="", max_length=500)
    asked_at: datetime


class XapiStatementRow(SQLModel, table=True):
    """An xAPI statement for the learning record store: an outbox of its own, written before
    anything is sent. Its id is stable (a UUID derived from the event), so sending it again is
    harmless: an LRS never changes a statement it holds."""

    __tablename__ = "xapi_statement"
    __table_args__ = (Index("ix_xapi_due", "status", "due_at"),)

    statement_id: str = Field(primary_key=True, max_length=36)
    learner_id: int = Field(foreign_key="learner.id", index=True, ondelete="CASCADE")
    """Whose statement it is: `forget` takes statements not yet sent with the learner."""
    event_at: datetime = Field(index=True)
    """When it happened (the statement's timestamp): what ``xapi replay --since`` picks by."""
    body: str
    """The statement as JSON."""
    status: str = Field(default="pending", max_length=10)
    """pending (to send, from ``due_at``), sent, or failed (the LRS refused it as invalid)."""
    attempts: int = 0
    due_at: datetime
    created_at: datetime
    sent_at: datetime | None = None
    error: str | None = Field(default=None, max_length=500)


class XapiCursorRow(SQLModel, table=True):
    """How far the events have been turned into statements (one row per kind of event)."""

    __tablename__ = "xapi_cursor"

    name: str = Field(primary_key=True, max_length=20)
    position: datetime


class LearnerAccountRow(SQLModel, table=True):
    """Another platform account of a learner (`link`): its messages are the learner's, and
    its progress is theirs. The learner row holds the account lessons are pushed to."""

    __tablename__ = "learner_account"

    platform: str = Field(primary_key=True, max_length=20)
    platform_user_id: str = Field(primary_key=True, max_length=100)
    learner_id: int = Field(foreign_key="learner.id", index=True, ondelete="CASCADE")
    chat_id: str | None = Field(default=None, max_length=100)
    display_name: str = Field(default="", max_length=200)
    linked_at: datetime


class LinkCodeRow(SQLModel, table=True):
    """A one-time code a learner got with `link`: only its SHA-256 is kept."""

    __tablename__ = "link_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    learner_id: int = Field(foreign_key="learner.id", index=True, ondelete="CASCADE")
    created_at: datetime
    expires_at: datetime


class TrackCheckRow(SQLModel, table=True):
    """One learner's knowledge check of one track: the baseline ('pre', before its first
    lesson) or the endline ('post', days after its last), its questions and its score."""

    __tablename__ = "track_check"
    __table_args__ = (Index("ix_track_check_track", "track", "phase", "finished_at"),)

    learner_id: int = Field(foreign_key="learner.id", primary_key=True, ondelete="CASCADE")
    track: str = Field(primary_key=True, max_length=200)
    phase: str = Field(primary_key=True, max_length=4)
    questions: str = Field(max_length=4000)
    """The questions, one ``lesson_id<TAB>question_key`` a line, in the order asked."""
    started_at: datetime
    finished_at: datetime | None = None
    skipped: bool = False
    """It ended without a score: the learner skipped it all (`skip check`), or a push set a
    baseline aside (``skipped_by`` says which)."""
    skipped_by: str | None = Field(default=None, max_length=10)
    """Who ended it without a score: 'learner' (`skip check`) or 'push' (a baseline left since
    an earlier day, set aside by the next lesson push); None for a check with a score, and
    for a baseline skipped before 0020, when this was not kept."""
    answered: int = 0
    right: int = 0
    results: str = Field(default="", max_length=10)
    """One character per answer in the order asked: '1' right, '0' wrong or not known (the
    baseline seeds each question's card from it when its lesson comes)."""
