"""One turn of the engine: the context every concern works in.

A turn is one transaction's worth of work for one learner: the learner (already enrolled), the
moment, the unit of work, the lesson catalog and the engine's settings, all handed in, and the
messages said so far. The concerns (:mod:`~bot.engine.lessons`, :mod:`~bot.engine.quiz`,
:mod:`~bot.engine.progress`, :mod:`~bot.engine.settings`) are functions of a turn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.content.catalog import Catalog
from bot.content.model import Lesson, Question
from bot.engine import calendar
from bot.engine.lesson_links import linked
from bot.engine.reviewer import Reviewer
from bot.engine.store import UnitOfWork
from bot.messages import LearnerView, Notice, NoticeCode, Outbound, QuestionMessage
from storage.records import Ask, Awaited, Learner, LearnerChange, LessonSource, Receipt, Streak

REMINDER_AFTER = timedelta(hours=3)
"""The default wait of a day's quiz before its reminder ([schedule] nudge_after_hours)."""


@dataclass(frozen=True)
class EngineSettings:
    """Defaults for new learners and the daily quiz budget."""

    time_zone: str = "UTC"
    lesson_time: str = "09:00"
    quiz_time: str = "15:00"
    workdays: tuple[str, ...] = calendar.DAYS[:5]
    quiz_questions: int = 5
    trainers: tuple[str, ...] = ()
    """'platform:user_id' of trainers, who may use stats and reload."""
    waking_hours: tuple[str, str] = ("08:00", "20:00")
    """Local hours in which a reminder may be sent."""
    reminder_after: timedelta = REMINDER_AFTER
    """How long a day's quiz waits unanswered before its reminder (0: no reminders)."""
    dashboard_url: str | None = None
    """Where trainers' browsers reach the dashboard (None: it is off)."""
    dashboard_link_minutes: int = 10
    """How long a sign-in link works."""
    track_reflection: str = "What will you do differently tomorrow?"
    """The reflection prompt when a learner completes a track ("" for none); a lesson's own
    ``reflect`` prompt comes first."""
    check_days: int = 3
    """Days after a track's last lesson is read before its endline check comes."""
    confidence: bool = False
    """Every single-answer review question asks how sure the learner is."""
    track_order: tuple[str, ...] = ()
    """The tracks a learner takes first, in this order; the others follow by name."""


@dataclass
class Turn:
    """One transaction's worth of work for one learner."""

    unit: UnitOfWork
    learner: Learner
    now: datetime
    catalog: Catalog
    settings: EngineSettings
    reviewer: Reviewer
    out: list[Outbound] = field(default_factory=list)
    pushed: bool = False
    """True while asking questions the daily schedule pushed (they count against the budget);
    an answer continues the way its question came."""
    awaited: Awaited | None = None
    """The free-text reply the bot had invited before this turn (taken when it began: doing
    anything else lets it go, unless the turn holds it, see :func:`bot.engine.voice.hold`)."""
    account: tuple[str, str] | None = None
    """(platform, user id) of the account that wrote, when the turn answers one (a learner
    may have several, see `link`)."""
    shared: bool = False
    """The learner wrote in a chat others read (see ``Inbound.shared``)."""
    _history: list[Receipt] | None = None
    _streak: Streak | None = None

    def say(self, *messages: Outbound) -> None:
        """Add messages to the turn's replies; a question's choices are kept as shown (its
        answer's numbers refer to them), and a message that shows a lesson's text carries how
        to open the lessons its links lead to (:mod:`bot.engine.lesson_links`)."""
        for message in messages:
            if isinstance(message, QuestionMessage):
                self.unit.asks.shown(message.ask_id, message.question.marks)
            # Its lesson's links to other lessons, as the catalog has them now.
            self.out.append(linked(self.catalog, message))

    def offered(self) -> dict[str, object]:
        """What was offered to the learner last (lessons to pick, a command to confirm)."""
        try:
            kept = json.loads(self.learner.suggested or "{}")
        except ValueError:
            return {}
        return kept if isinstance(kept, dict) else {}

    def offer_command(self, command: str) -> None:
        """Keep ``command`` as the one a "yes" in reply runs ('Did you mean ...?'), beside the
        lessons offered, if any."""
        self.update_learner(LearnerChange(suggested=json.dumps(
            {**self.offered(), "command": command, "at": self.now.isoformat()})))

    def for_trainers_only(self) -> bool:
        """True for a trainer; for anyone else, say the command is for trainers, with the
        account an administrator would list to make them one (the first to try it is often a
        trainer whose account is not listed yet)."""
        if self.learner.is_trainer:
            return True
        self.say(Notice(NoticeCode.TRAINERS_ONLY,
                        account=f"{self.learner.platform}:{self.learner.platform_user_id}"))
        return False

    @property
    def tz(self) -> ZoneInfo:
        """The learner's time zone."""
        return calendar.zone(self.learner.time_zone)

    @property
    def today(self) -> date:
        """The learner's local date."""
        return calendar.local_date(self.now, self.tz)

    def day_start(self) -> datetime:
        """The learner's local midnight of today, in UTC."""
        return calendar.at_local(self.today, "00:00", self.tz)

    def view(self) -> LearnerView:
        """The learner's name and settings as messages show them."""
        learner = self.learner
        return LearnerView(learner.display_name, calendar.zone_label(learner.time_zone),
                           learner.lesson_time,
                           learner.quiz_time, learner.workdays, learner.topics, learner.paused,
                           learner.stopped, learner.leaderboard_opt_in, learner.next_lesson_at,
                           *self._holiday_days())

    def _holiday_days(self) -> tuple[str, str]:
        """A holiday with an end date: its last day, and the learning day after it."""
        learner = self.learner
        if not learner.paused or learner.paused_until is None:
            return "", ""
        back = calendar.next_workday(learner.paused_until, learner.workdays)
        return calendar.day_label(learner.paused_until), calendar.day_label(back)

    def history(self) -> list[Receipt]:
        """Every lesson received, latest first (read once per turn)."""
        if self._history is None:
            self._history = self.unit.progress.history(self.learner.id)
        return self._history

    def read(self) -> set[str]:
        """Every lesson the learner has read (acted on: not only received)."""
        return {receipt.lesson_id for receipt in self.history() if receipt.read_at is not None}

    def read_in_library(self) -> int:
        """How many lessons of the library as it is now the learner has read ("7 of 9"): a
        lesson deleted or renamed since is not among them."""
        return sum(self.catalog.get(lesson_id) is not None for lesson_id in self.read())

    def receipt(self, lesson_id: str) -> Receipt | None:
        """How the learner came by a lesson, if they did."""
        return next((item for item in self.history() if item.lesson_id == lesson_id), None)

    def received(self, lesson_id: str, via: LessonSource) -> bool:
        """Record a lesson as received (``via``: see :meth:`ProgressStore.delivered`); True
        the first time."""
        if not self.unit.progress.delivered(self.learner.id, lesson_id, self.now, via=via):
            return False
        known = self.receipt(lesson_id)
        receipt = (replace(known, at=self.now, via=via) if known is not None
                   else Receipt(lesson_id, self.now, via,
                                looked_up_at=self.now if via is not LessonSource.LESSON
                                else None))
        self._history = [receipt, *(item for item in self.history()
                                    if item.lesson_id != lesson_id)]
        return True

    def mark_read(self, lesson_id: str) -> bool:
        """Record that the learner read a lesson they have; True the first time."""
        if not self.unit.progress.read(self.learner.id, lesson_id, self.now):
            return False
        self._history = [replace(item, read_at=self.now) if item.lesson_id == lesson_id else item
                         for item in self.history()]
        return True

    def mark_added(self, lesson_id: str) -> bool:
        """A looked-up lesson goes into the reviews; True when it was only looked up."""
        if not self.unit.progress.add_to_reviews(self.learner.id, lesson_id, self.now):
            return False
        self._history = [replace(item, via=LessonSource.ADDED, added_at=self.now)
                         if item.lesson_id == lesson_id else item for item in self.history()]
        return True

    def streak(self) -> Streak:
        """The stored streak (read once per turn)."""
        if self._streak is None:
            self._streak = self.unit.streaks.get(self.learner.id)
        return self._streak

    def save_streak(self, streak: Streak) -> None:
        """Store the learner's new streak."""
        self.unit.streaks.save(streak)
        self._streak = streak

    def hold_streak(self, since: date | None) -> None:
        """Hold the streak from a day on (a holiday), or release it (None)."""
        streak = self.unit.streaks.get(self.learner.id)
        self.save_streak(replace(streak, paused_since=since))

    def find_question(self, lesson_id: str, key: str) -> tuple[Lesson, Question] | None:
        """A question of the library as it is now; None when it or its lesson is gone."""
        lesson = self.catalog.get(lesson_id)
        if lesson is None:
            return None
        question = next((q for q in lesson.questions if q.key == key), None)
        return (lesson, question) if question else None

    def find_asked(self, ask: Ask) -> tuple[Lesson, Question, tuple[int, ...] | None] | None:
        """The question of ``ask`` with its choices in the order the learner was shown them,
        and each shown choice's place in the lesson now (None, with the question as it is
        now, when its choices changed otherwise than by order since: reworded, added or
        removed); None when it or its lesson is gone."""
        found = self.find_question(ask.lesson_id, ask.question_key)
        if found is None:
            return None
        lesson, question = found
        shown = question.as_shown(ask.shown)
        return (lesson, question, None) if shown is None else (lesson, *shown)

    def reshow(self, ask: Ask) -> tuple[Ask, Lesson, Question] | None:
        """An open question to put to the learner again: in the order they were shown it (the
        earlier message's buttons and numbers keep meaning the same choices), or, when its
        choices changed since, as it is now under a new ask (the old one closed, so its
        buttons no longer count); None when it or its lesson is gone."""
        found = self.find_asked(ask)
        if found is None:
            return None
        lesson, question, order = found
        if order is None:
            self.unit.asks.close(ask.id, self.now)
            ask = self.unit.asks.create(self.learner.id, ask.lesson_id, ask.question_key,
                                        self.now, pushed=ask.pushed,
                                        check_phase=ask.check_phase,
                                        check_track=ask.check_track, topic=ask.topic)
        return ask, lesson, question

    def update_learner(self, change: LearnerChange) -> Learner:
        """Change the learner's stored settings; the turn's learner follows."""
        self.learner = self.unit.learners.update(self.learner.id, change)
        return self.learner
