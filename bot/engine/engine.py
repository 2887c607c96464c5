"""The engine: one inbound event (or one scheduled delivery) in, the messages to send out.

Each call runs in one database transaction: what the engine decides and what it records stay
together. Time is always passed in, never read from the system clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler
from sqlmodel import Session

from bot.content.catalog import Catalog
from bot.content.markdown import plain_text
from bot.content.model import Lesson, Question
from bot.engine import calendar, rules
from bot.engine.commands import (
    SMALL_TALK,
    Command,
    accepts,
    answer_choices,
    clean,
    looks_like_answer,
    parse,
)
from bot.engine.messages import Button, Inbound, Kind, Outbound, Platform
from storage import Database
from storage.records import Ask, Card, Delivery, Learner, Streak
from storage.repositories import (
    Answers,
    Asks,
    Badges,
    Cards,
    Deliveries,
    Flags,
    Learners,
    Points,
    Polls,
    Progress,
    Streaks,
)

log = logging.getLogger(__name__)
MAX_TEXT = 500
"""Free text longer than this is cut before lookup: a question is a sentence or two."""


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


def question_to_remind(session: Session, learner_id: int, today: date,
                       day_start: datetime) -> Ask | None:
    """The open question a reminder is about: pushed, still unanswered, and either asked
    today or asked again by today's quiz (an open question is asked again, not replaced)."""
    ask = Asks(session).latest_open(learner_id)
    if ask is None or not ask.pushed:
        return None
    if ask.asked_at >= day_start or Deliveries(session).sent_quiz(learner_id, today):
        return ask
    return None


class Engine:
    """What to say and what to record, for every platform."""

    def __init__(self, database: Database, catalog: Catalog,
                 settings: EngineSettings | None = None) -> None:
        self.database = database
        self.catalog = catalog
        self.settings = settings or EngineSettings()
        # Days, not minutes: a chat bot reviews once a day, so no same-day learning steps.
        self.scheduler = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)

    # -- entry points ------------------------------------------------------------------------

    def handle(self, inbound: Inbound, now: datetime) -> list[Outbound]:
        """Answer one thing a learner did."""
        with self.database.session() as session:
            turn = _Turn(self, session, inbound, now)
            return turn.run()

    def deliver_lesson(self, learner_id: int, now: datetime) -> list[Outbound]:
        """Today's lesson for a learner (what the scheduler sends at their lesson time)."""
        return self._scheduled(learner_id, now, lambda turn: turn.send_lesson(scheduled=True))

    def deliver_quiz(self, learner_id: int, now: datetime) -> list[Outbound]:
        """The questions due for a learner (what the scheduler sends at their quiz time)."""
        return self._scheduled(learner_id, now, lambda turn: turn.send_quiz(scheduled=True))

    def compose(self, session: Session, delivery: Delivery, now: datetime,
                learner: Learner | None = None) -> list[Outbound]:
        """What one outbox row says, decided and recorded in the caller's transaction.

        Composing a row again (a retry, or a restart after a crash) says the same thing: the
        lesson chosen is kept on the row, an open question is asked again rather than a new
        one, and progress and points are recorded once. An empty list means there is nothing
        to send (a learner on holiday, no question due, a reminder no longer needed).
        """
        learner = learner or Learners(session).get(delivery.learner_id)
        if learner is None or learner.paused or learner.stopped or learner.unreachable:
            return []
        turn = _Turn(self, session, None, now, learner)
        if delivery.kind == "lesson":
            # The lesson chosen travels in the messages, which the caller keeps on the row.
            return turn.send_lesson(scheduled=True, chosen=delivery.lesson_id)
        if delivery.kind == "quiz":
            return turn.send_quiz(scheduled=True)
        if delivery.kind == "nudge":
            return turn.nudge()
        raise ValueError(f"unknown delivery kind {delivery.kind!r}")

    def standing(self, platform: Platform, user_id: str, now: datetime) -> Outbound | None:
        """The PROFILE of an enrolled learner (points, streak, badges, next lesson), or None
        for someone not enrolled: looking, unlike writing, never enrols (an App Home opened
        after "forget" must not bring the data back)."""
        with self.database.session() as session:
            learner = Learners(session).find(platform.value, user_id)
            if learner is None:
                return None
            turn = _Turn(self, session, None, now, learner)
            turn.profile()
            return turn.out[0]

    def withdraw(self, session: Session, delivery: Delivery) -> None:
        """A lesson delivery that never reached the learner: take back what composing it
        recorded (the lesson read, its points, its first reviews, the badges of that moment),
        so the lesson comes again instead of being skipped for good."""
        if delivery.kind != "lesson" or not delivery.lesson_id:
            return
        learner_id, lesson_id = delivery.learner_id, delivery.lesson_id
        received = Progress(session).get(learner_id, lesson_id)
        if received is None or received[1] != "lesson":
            return  # found earlier by a question: the learner has it
        Progress(session).remove(learner_id, lesson_id)
        Points(session).revoke(f"lesson:{learner_id}:{lesson_id}")
        Cards(session).delete_unreviewed(learner_id, lesson_id)
        Badges(session).revoke_at(learner_id, received[0])

    def unreachable(self, learner_id: int, reason: str) -> None:
        """The platform refused a delivery for good (blocked, deactivated): push nothing more
        until the learner writes again."""
        with self.database.session() as session:
            if Learners(session).get(learner_id) is not None:
                Learners(session).update(learner_id, unreachable=reason[:200])

    def poll_sent(self, platform: str, poll_id: str, ask_id: int, now: datetime) -> None:
        """Remember which ask a native quiz poll stands for (its answers carry only its id)."""
        with self.database.session() as session:
            ask = Asks(session).get(ask_id)
            if ask is not None:
                Polls(session).add(platform, poll_id, ask.learner_id, ask_id, now)

    def moved(self, learner_id: int, chat_id: str) -> None:
        """The learner's chat changed (a DM opened, a group migrated): send there from now."""
        with self.database.session() as session:
            learner = Learners(session).get(learner_id)
            if learner is not None and learner.chat_id != chat_id:
                Learners(session).update(learner_id, chat_id=chat_id)

    def _scheduled(self, learner_id: int, now: datetime,
                   action: Callable[[_Turn], list[Outbound]]) -> list[Outbound]:
        with self.database.session() as session:
            learner = Learners(session).get(learner_id)
            if learner is None or learner.paused or learner.stopped:
                return []  # a holiday or "stop": nothing is pushed
            return action(_Turn(self, session, None, now, learner))


class _Turn:
    """One transaction's worth of work for one learner."""

    def __init__(self, engine: Engine, session: Session, inbound: Inbound | None,
                 now: datetime, learner: Learner | None = None) -> None:
        self.engine = engine
        self.session = session
        self.inbound = inbound
        self.now = now
        self.out: list[Outbound] = []
        self.created = False
        """True when this event enrolled the learner."""
        self.pushed = False
        """True while asking questions the daily schedule pushed (they count against the
        budget); an answer continues the way its question came."""
        self._history: list[tuple[str, str]] | None = None
        self._streak: Streak | None = None
        self.learner = learner or self._enrol()

    def history(self) -> list[tuple[str, str]]:
        """(lesson, via) of every lesson received, latest first (read once per turn)."""
        if self._history is None:
            self._history = Progress(self.session).history(self.learner.id)
        return self._history

    def read(self) -> set[str]:
        """Every lesson the learner has received."""
        return {lesson_id for lesson_id, _ in self.history()}

    def received(self, lesson_id: str, via: str) -> bool:
        """Record a lesson as received; True the first time."""
        if not Progress(self.session).delivered(self.learner.id, lesson_id, self.now, via=via):
            return False
        self._history = [(lesson_id, via), *self.history()]
        return True

    def streak(self) -> Streak:
        if self._streak is None:
            self._streak = Streaks(self.session).get(self.learner.id)
        return self._streak

    @property
    def tz(self) -> Any:
        return calendar.zone(self.learner.time_zone)

    @property
    def today(self) -> Any:
        return calendar.local_date(self.now, self.tz)

    def _enrol(self) -> Learner:
        assert self.inbound is not None
        settings = self.engine.settings
        time_zone = settings.time_zone
        if self.inbound.time_zone:
            try:
                calendar.zone(self.inbound.time_zone)
                time_zone = self.inbound.time_zone
            except ValueError:
                log.info("ignoring unknown platform time zone %r", self.inbound.time_zone)
        trainer = f"{self.inbound.platform}:{self.inbound.user_id}" in settings.trainers
        learner, created = Learners(self.session).enrol(
            self.inbound.platform.value, self.inbound.user_id, self.now,
            chat_id=self.inbound.chat_id, display_name=clean(self.inbound.display_name)[:200],
            time_zone=time_zone, lesson_time=settings.lesson_time,
            quiz_time=settings.quiz_time, workdays=list(settings.workdays), is_trainer=trainer)
        self.created = created
        self.learner = learner
        if created:
            self.plan()
        return self.learner

    # -- dispatch ----------------------------------------------------------------------------

    def run(self) -> list[Outbound]:
        inbound = self.inbound
        assert inbound is not None
        if self.created:
            self.welcome()
        elif self.learner.unreachable:
            # They blocked the bot or their account was off; writing again means they are back.
            self.learner = Learners(self.session).update(self.learner.id, unreachable=None)
            self.plan()
        if inbound.answer:
            self.answer_button(inbound.answer)
            return self.out
        if inbound.poll_id is not None:
            self.answer_poll(inbound.poll_id, inbound.choices)
            return self.out
        text = clean(inbound.text or "")
        if not text:
            if not self.out:
                self.notice("empty", hint="help")
            return self.out
        command = parse(text)
        if not command.name:
            choices = answer_choices(text)
            if choices is not None or (looks_like_answer(text) and self.has_open_question()):
                self.answer_typed(choices or ())
                return self.out
            if text.lower().strip("!.? ") in SMALL_TALK:
                if not self.created:
                    self.notice("small_talk")
                return self.out
        self.dispatch(command)
        return self.out

    def has_open_question(self) -> bool:
        return Asks(self.session).latest_open(self.learner.id) is not None

    def dispatch(self, command: Command) -> None:
        name, args = command.name, command.args
        if name and not command.slashed and not accepts(name, args):
            # "stop phishing emails" is a question, not the stop command.
            name, args = "", command.text
        handlers = {
            "start": lambda: self.welcome() if not self.created else None,
            "help": self.help,
            "lesson": lambda: self.send_lesson(scheduled=False),
            "quiz": lambda: self.send_quiz(scheduled=False),
            "learn": lambda: self.lookup(args) if args else self.notice("learn_what"),
            "me": self.profile,
            "top": lambda: self.leaderboard(args),
            "time": lambda: self.set_time(args),
            "timezone": lambda: self.set_zone(args),
            "days": lambda: self.set_days(args),
            "topics": lambda: self.set_topics(args),
            "pause": self.pause,
            "resume": self.resume,
            "stop": self.stop,
            "forget": lambda: self.forget(args),
            "flag": lambda: self.flag(args),
            "nudges": lambda: self.set_nudges(args),
            "stats": self.stats,
            "reload": self.reload,
        }
        if name == "":
            self.lookup(args)
        elif name == "unknown":
            self.notice("unknown_command", word=args[:50])
        else:
            handlers[name]()

    # -- messages ----------------------------------------------------------------------------

    def notice(self, code: str, **data: Any) -> None:
        self.out.append(Outbound(Kind.NOTICE, {"code": code, **data}))

    def welcome(self) -> None:
        self.out.append(Outbound(Kind.WELCOME, {"learner": self.learner,
                                                "lessons": len(self.engine.catalog.lessons())}))

    def help(self) -> None:
        self.out.append(Outbound(Kind.HELP, {"trainer": self.learner.is_trainer}))

    # -- lessons -----------------------------------------------------------------------------

    def next_lesson(self) -> Lesson | None:
        read = self.read()
        catalog = self.engine.catalog
        lessons = [lesson for lesson in catalog.lessons()
                   if lesson.id not in read
                   and (not self.learner.topics or lesson.topic in self.learner.topics)]
        # The track followed most recently comes first (a lesson found by a question does not
        # switch tracks).
        started: dict[str, int] = {}
        followed = [lesson_id for lesson_id, via in self.history() if via == "lesson"]
        for position, lesson_id in enumerate(followed):
            lesson = catalog.get(lesson_id)
            if lesson is not None and lesson.track:
                started.setdefault(lesson.track, position)

        def rank(lesson: Lesson) -> tuple[int, str, float, str]:
            order = float(lesson.order) if lesson.order is not None else float("inf")
            return (started.get(lesson.track or "", 10**9), lesson.track or "~", order,
                    lesson.id)

        return min(lessons, key=rank, default=None)

    def send_lesson(self, scheduled: bool, chosen: str | None = None) -> list[Outbound]:
        lesson = (self.engine.catalog.get(chosen) if chosen else None) or self.next_lesson()
        if lesson is None:
            if not scheduled:
                self.notice("all_read", topics=self.learner.topics)
            return self.out
        self.give_lesson(lesson)
        return self.out

    def give_lesson(self, lesson: Lesson) -> None:
        learner = self.learner
        if self.received(lesson.id, "lesson"):
            Points(self.session).award(learner.id, rules.POINTS_LESSON, "lesson",
                                       f"lesson:{learner.id}:{lesson.id}", self.now)
            self.schedule_first_reviews(lesson)
        self.out.append(Outbound(Kind.LESSON, {"lesson": lesson}))
        self.activity()
        self.check_badges(lesson)

    def schedule_first_reviews(self, lesson: Lesson) -> None:
        """A lesson's questions come first on the next workday: not today, while it is fresh."""
        first = calendar.next_workday(self.today, self.learner.workdays)
        due = calendar.at_local(first, "00:00", self.tz)
        Cards(self.session).add_new([Card(self.learner.id, lesson.id, question.key, "", due)
                                     for question in lesson.questions])

    def lookup(self, text: str) -> None:
        query = " ".join(text.split())[:MAX_TEXT]
        result = self.engine.catalog.lookup(query, 3)
        if not result.hits:
            self.out.append(Outbound(Kind.NO_MATCH, {"query": query,
                                                     "suggestions": result.suggestions}))
            return
        best, others = result.hits[0].lesson, [hit.lesson for hit in result.hits[1:]]
        self.out.append(Outbound(Kind.LOOKUP, {"query": query, "lesson": best, "others": others,
                                               "corrections": result.corrections}))
        if self.received(best.id, "lookup"):
            Points(self.session).award(self.learner.id, rules.POINTS_LESSON, "lesson",
                                       f"lesson:{self.learner.id}:{best.id}", self.now)
            self.schedule_first_reviews(best)
        self.activity()
        self.check_badges(best)

    # -- quizzes -----------------------------------------------------------------------------

    def send_quiz(self, scheduled: bool) -> list[Outbound]:
        self.pushed = scheduled
        self.sync_cards()  # once per quiz, not after every answer
        if not self.ask_next() and not scheduled:
            upcoming = Cards(self.session).next_due(self.learner.id)
            self.notice("nothing_due", next_due=upcoming and upcoming.astimezone(self.tz))
        return self.out

    def nudge(self) -> list[Outbound]:
        """A reminder of today's pushed question, if it still waits for an answer and the
        learner is awake (a reminder held up until the night is dropped)."""
        start, end = self.engine.settings.waking_hours
        if not (calendar.at_local(self.today, start, self.tz) <= self.now
                < calendar.at_local(self.today, end, self.tz)):
            return self.out
        ask = question_to_remind(self.session, self.learner.id, self.today,
                                 calendar.at_local(self.today, "00:00", self.tz))
        if ask is None:
            return self.out
        found = self.find_question(ask.lesson_id, ask.question_key)
        if found is None:
            return self.out
        self.pushed = True
        self.notice("nudge")
        self.question_message(ask.id, *found)
        return self.out

    def budget_left(self) -> bool:
        """The daily budget is for pushed reviews; asking for a quiz always gets what is due."""
        if not self.pushed:
            return True
        day_start = calendar.at_local(self.today, "00:00", self.tz)
        asked = Asks(self.session).pushed_since(self.learner.id, day_start)
        return asked < self.engine.settings.quiz_questions

    def sync_cards(self) -> None:
        """Cards follow the lessons: a question a trainer added to a lesson already read gets a
        card; one that was removed or reworded loses its card (it is not 'mastered')."""
        cards = Cards(self.session)
        for lesson_id in Progress(self.session).lesson_ids(self.learner.id):
            lesson = self.engine.catalog.get(lesson_id)
            if lesson is None:
                continue
            have = {card.question_key for card in cards.lesson_cards(self.learner.id, lesson_id)}
            keys = {question.key for question in lesson.questions}
            for key in have - keys:
                cards.delete(self.learner.id, lesson_id, key)
            for key in keys - have:
                cards.save(Card(self.learner.id, lesson_id, key, "", self.now))

    def pick(self) -> list[Card]:
        """Due cards by expected gain: a question never asked first (every question needs a
        first ask), then the ones the learner is most likely to have forgotten."""
        due = Cards(self.session).due(self.learner.id, self.now, 1000)

        def order(card: Card) -> tuple[float, datetime]:
            if not card.state:
                return (-2.0, card.due_at)  # never asked: the largest gain
            fsrs_card = FsrsCard.from_json(card.state)
            recall = self.engine.scheduler.get_card_retrievability(fsrs_card, self.now)
            return (recall - 1.0, card.due_at)  # least likely remembered first

        return sorted(due, key=order)

    def ask_next(self) -> bool:
        """Ask the next due question (skipping any whose lesson or question is gone)."""
        asks = Asks(self.session)
        open_ask = asks.latest_open(self.learner.id)
        if open_ask is not None:
            found = self.find_question(open_ask.lesson_id, open_ask.question_key)
            if found:
                self.question_message(open_ask.id, *found)
                return True
            asks.close(open_ask.id, self.now)
        due = self.pick()
        if not due:
            return False
        if not self.budget_left():
            self.notice("budget_done")  # more are due, but today's pushed set is done
            return True
        for card in due:
            found = self.find_question(card.lesson_id, card.question_key)
            if found is None:
                continue
            ask = asks.create(self.learner.id, card.lesson_id, card.question_key, self.now,
                              pushed=self.pushed)
            self.question_message(ask.id, *found)
            return True
        return False

    def find_question(self, lesson_id: str, key: str) -> tuple[Lesson, Question] | None:
        lesson = self.engine.catalog.get(lesson_id)
        if lesson is None:
            return None
        question = next((q for q in lesson.questions if q.key == key), None)
        return (lesson, question) if question else None

    def question_message(self, ask_id: int, lesson: Lesson, question: Question) -> None:
        buttons = tuple(Button(plain_text(choice.text)[:75], f"a:{ask_id}:{index}")
                        for index, choice in enumerate(question.choices))
        self.out.append(Outbound(Kind.QUESTION, {"lesson": lesson, "question": question,
                                                 "ask_id": ask_id}, buttons))

    def answer_button(self, value: str) -> None:
        try:
            tag, ask_text, choice_text = value.split(":")
            ask_id, choice = int(ask_text), int(choice_text)
            if tag != "a" or not 0 < ask_id < 2**31 or not 0 <= choice < 100:
                raise ValueError(value)
        except ValueError:
            self.notice("bad_answer")
            return
        ask = Asks(self.session).get(ask_id)
        if ask is None or ask.learner_id != self.learner.id:
            self.notice("bad_answer")
            return
        self.grade(ask.id, ask.lesson_id, ask.question_key, (choice,), ask.pushed)

    def answer_poll(self, poll_id: str, choices: tuple[int, ...]) -> None:
        found = Polls(self.session).find(self.inbound.platform.value if self.inbound else "",
                                         poll_id)
        if not choices:
            return  # a vote taken back: native quiz polls cannot be answered twice anyway
        ask = Asks(self.session).get(found[1]) if found else None
        if ask is None or ask.learner_id != self.learner.id:
            self.notice("bad_answer")
            return
        self.grade(ask.id, ask.lesson_id, ask.question_key, choices, ask.pushed)

    def answer_typed(self, choices: tuple[int, ...]) -> None:
        ask = Asks(self.session).latest_open(self.learner.id)
        if ask is None:
            self.notice("no_open_question")
            return
        self.grade(ask.id, ask.lesson_id, ask.question_key, choices, ask.pushed)

    def grade(self, ask_id: int, lesson_id: str, key: str, choices: tuple[int, ...],
              pushed: bool) -> None:
        self.pushed = pushed  # what follows an answer comes the same way the question came
        found = self.find_question(lesson_id, key)
        if found is None:
            Asks(self.session).close(ask_id, self.now)
            self.notice("question_gone")
            self.ask_next()
            return
        _, question = found
        if not choices or not all(0 <= choice < len(question.choices) for choice in choices):
            self.notice("choice_range", count=len(question.choices),
                        several=len(question.correct_indexes) > 1)
            return
        if not Asks(self.session).close(ask_id, self.now):
            self.notice("already_answered")
            return
        correct = set(choices) == set(question.correct_indexes)
        learner = self.learner
        Answers(self.session).record(learner.id, lesson_id, key, sorted(set(choices)), correct,
                                     self.now, f"ask:{ask_id}")
        Points(self.session).award(learner.id,
                                   rules.POINTS_RIGHT if correct else rules.POINTS_WRONG,
                                   "answer", f"ask:{ask_id}", self.now)
        mastered = self.review(lesson_id, key, correct)
        if mastered:
            Points(self.session).award(learner.id, rules.POINTS_MASTERED, "mastered",
                                       f"mastered:{learner.id}:{lesson_id}:{key}", self.now)
        self.out.append(Outbound(Kind.FEEDBACK, {
            "correct": correct, "question": question, "choices": sorted(set(choices)),
            "mastered": mastered, "points": Points(self.session).total(learner.id)}))
        self.activity()
        self.check_badges(None)
        if not self.ask_next():
            self.notice("quiz_done")

    def review(self, lesson_id: str, key: str, correct: bool) -> bool:
        """Reschedule the card with FSRS; True when this answer mastered it."""
        cards = Cards(self.session)
        card = cards.get(self.learner.id, lesson_id, key) or Card(
            self.learner.id, lesson_id, key, "", self.now)
        fsrs_card = (FsrsCard.from_json(card.state) if card.state
                     else FsrsCard(card_id=1, due=self.now))
        fsrs_card, _ = self.engine.scheduler.review_card(
            fsrs_card, Rating.Good if correct else Rating.Again, self.now)
        # Reviews land on a workday, from the start of the learner's day.
        day = max(calendar.local_date(fsrs_card.due, self.tz),
                  calendar.next_workday(self.today, self.learner.workdays))
        while not calendar.is_workday(day, self.learner.workdays) and self.learner.workdays:
            day += timedelta(days=1)
        due = calendar.at_local(day, "00:00", self.tz)
        mastered = correct and due - self.now > timedelta(days=rules.MASTERED_DAYS)
        cards.save(Card(self.learner.id, lesson_id, key, fsrs_card.to_json(), due,
                        card.reviews + 1, card.lapses + (not correct), mastered or card.mastered))
        return mastered and not card.mastered

    # -- streaks and badges ------------------------------------------------------------------

    def activity(self) -> None:
        """A lesson or an answer today keeps the streak (in local workdays, with freezes)."""
        streak = self.streak()
        today = self.today
        if streak.last_active is not None and streak.last_active >= today:
            return  # the same day, or a time-zone change that went back a day
        if self.learner.workdays and not calendar.is_workday(today, self.learner.workdays):
            return  # a day off neither adds to the streak nor breaks it
        current, freezes = streak.current, streak.freezes
        if streak.last_active is None:
            current = 1
        else:
            missed = calendar.workdays_between(streak.last_active, today, self.learner.workdays)
            if missed == 0:
                current += 1
            elif missed <= freezes:
                freezes -= missed
                current += 1
            else:
                current = 1
        if current % rules.FREEZE_EVERY == 0:
            freezes = min(rules.MAX_FREEZES, freezes + 1)
        self._streak = Streak(self.learner.id, current, max(streak.longest, current), today,
                              freezes, streak.paused_since)
        Streaks(self.session).save(self._streak)

    def check_badges(self, lesson: Lesson | None) -> None:
        """Award the badges this turn earned. Counts grow one at a time, so a badge is earned
        exactly when its count reaches the mark: only then is it written, once (this runs after
        every lesson and answer, and most turns reach no mark)."""
        learner_id = self.learner.id
        read = len(self.read())
        streak = self.streak().current
        candidates = [code for code, reached in (
            ("first-lesson", read == 1), ("lessons-10", read == 10), ("lessons-25", read == 25),
            ("streak-5", streak == 5), ("streak-20", streak == 20)) if reached]
        if lesson is None:  # questions are mastered by answers only
            candidates.append("mastered-10")
        if lesson is not None and lesson.track:
            track = self.engine.catalog.tracks().get(lesson.track, ())
            done = self.read()
            if track and all(item.id in done for item in track):
                candidates.append(f"track:{lesson.track}")
        badges = Badges(self.session)
        earned = []
        for code in candidates:
            if code == "mastered-10" and (
                    code in badges.codes(learner_id)
                    or Cards(self.session).mastered(learner_id) < 10):
                continue
            if badges.award(learner_id, code, self.now):  # False when already held
                earned.append(rules.badge_name(code))
        if earned:
            self.notice("badges", names=earned)

    # -- settings ----------------------------------------------------------------------------

    def update(self, **settings: Any) -> None:
        self.learner = Learners(self.session).update(self.learner.id, **settings)
        self.plan()
        self.out.append(Outbound(Kind.SETTINGS, {"learner": self.learner}))

    def plan(self) -> None:
        """Set when the learner's next lesson and quiz are due (the scheduler's indexed columns),
        from their own hours, workdays and time zone."""
        learner = self.learner
        if not learner.workdays:
            return
        self.learner = Learners(self.session).update(
            learner.id,
            next_lesson_at=calendar.next_at(self.now, learner.lesson_time, learner.workdays,
                                            self.tz),
            next_quiz_at=calendar.next_at(self.now, learner.quiz_time, learner.workdays,
                                          self.tz))

    def set_time(self, args: str) -> None:
        parts = args.split()
        try:
            if len(parts) == 2 and parts[0] in ("quiz", "lesson"):
                kind, hhmm = parts[0], calendar.parse_time(parts[1])
            elif len(parts) == 1:
                kind, hhmm = "lesson", calendar.parse_time(parts[0])
            else:
                raise ValueError("write it like: time 09:30, or time quiz 15:00")
        except ValueError as exc:
            self.notice("invalid", reason=str(exc))
            return
        column = f"next_{kind}_at"
        pending: datetime | None = getattr(self.learner, column)
        self.learner = Learners(self.session).update(self.learner.id, **{f"{kind}_time": hhmm})
        self.plan()
        # Today's delivery was still to come, and the new time has already passed today: it
        # goes now rather than tomorrow (moving the time earlier must not skip a day).
        if (pending is not None and pending > self.now
                and calendar.local_date(pending, self.tz) == self.today
                and calendar.at_local(self.today, hhmm, self.tz) <= self.now):
            self.learner = Learners(self.session).update(self.learner.id, **{column: self.now})
        self.out.append(Outbound(Kind.SETTINGS, {"learner": self.learner}))

    def set_zone(self, args: str) -> None:
        if not args.strip():
            self.notice("zone_now", zone=self.learner.time_zone)
            return
        try:
            zone = calendar.zone(args)
        except ValueError as exc:
            self.notice("invalid", reason=str(exc))
            return
        before = self.tz
        self.update(time_zone=zone.key)
        # A day's deliveries are keyed by the local day they were due on: file the recent ones
        # under their day in the new zone, or crossing the date line westwards would find
        # "tomorrow" already served and skip its lesson.
        outbox = Deliveries(self.session)
        for delivery in outbox.recent(self.learner.id, self.now - timedelta(days=2)):
            day = calendar.local_date(delivery.due_at, zone)
            if day != delivery.local_date:
                outbox.move_day(delivery, day)
        # Reviews fall due at the start of a local day: keep each on its day, in the new zone.
        cards = Cards(self.session)
        for card in cards.all(self.learner.id):
            day = calendar.local_date(card.due_at, before)
            cards.save(replace(card, due_at=calendar.at_local(day, "00:00", zone)))

    def set_days(self, args: str) -> None:
        try:
            self.update(workdays=list(calendar.parse_days(args)))
        except ValueError as exc:
            self.notice("invalid", reason=str(exc))

    def set_topics(self, args: str) -> None:
        available = sorted({lesson.topic for lesson in self.engine.catalog.lessons()})
        words = [word.strip().lower() for word in args.replace(",", " ").split()]
        if not words:
            self.notice("topics", chosen=self.learner.topics, available=available)
            return
        if words in (["all"], ["any"], ["none"]):
            self.update(topics=[])
            return
        unknown = [word for word in words if word not in available]
        if unknown:
            self.notice("invalid", reason=f"no topic called {', '.join(unknown)}; topics are: "
                                          f"{', '.join(available)}")
            return
        self.update(topics=words)

    def set_nudges(self, args: str) -> None:
        word = args.strip().lower()
        if word in ("on", "off"):
            self.learner = Learners(self.session).update(self.learner.id, nudges=word == "on")
        self.notice("nudges_on" if self.learner.nudges else "nudges_off")

    def pause(self) -> None:
        if self.learner.paused:
            self.notice("already_paused")
            return
        streaks = Streaks(self.session)
        streaks.save(replace(streaks.get(self.learner.id), paused_since=self.today))
        self._streak = None
        self.update(paused=True)

    def resume(self) -> None:
        learner = self.learner
        if not learner.paused and not learner.stopped:
            self.notice("not_paused")
            return
        streaks = Streaks(self.session)
        streak = streaks.get(learner.id)
        held = 0
        if learner.paused and streak.paused_since is not None:
            held = (self.today - streak.paused_since).days
            self.shift_reviews(held)  # a holiday does not pile up reviews
            # The streak is held: the days away neither count nor break it, so the last active
            # day moves as if the holiday had not happened (today then follows the pause day).
            last = (streak.last_active + timedelta(days=max(0, held - 1))
                    if streak.last_active is not None else None)
            streaks.save(replace(streak, last_active=last, paused_since=None))
            self._streak = None
        self.learner = Learners(self.session).update(learner.id, paused=False, stopped=False)
        self.notice("resumed", days=held)

    def shift_reviews(self, days: int) -> None:
        """Move every review by ``days`` local days (local midnight stays local midnight)."""
        if days <= 0:
            return
        cards = Cards(self.session)
        for card in cards.all(self.learner.id):
            local = calendar.local_date(card.due_at, self.tz) + timedelta(days=days)
            cards.save(replace(card, due_at=calendar.at_local(local, "00:00", self.tz)))

    def stop(self) -> None:
        self.learner = Learners(self.session).update(self.learner.id, stopped=True)
        self.notice("stopped")

    def forget(self, args: str) -> None:
        if args.strip().lower() not in ("confirm", "yes"):
            self.notice("forget_confirm")
            return
        Learners(self.session).forget(self.learner.id)
        self.out = [Outbound(Kind.NOTICE, {"code": "forgotten"})]

    def flag(self, args: str) -> None:
        asks = Asks(self.session)
        answered, waiting = asks.latest_answered(self.learner.id), asks.latest_open(self.learner.id)
        # Feedback and the next question arrive together: the flag is about the one answered.
        ask = (answered if answered is not None and answered.answered_at is not None and (
            waiting is None or answered.answered_at >= waiting.asked_at) else waiting)
        if ask is None:
            self.notice("nothing_to_flag")
            return
        Flags(self.session).add(self.learner.id, ask.lesson_id, ask.question_key,
                                args[:2000], self.now)
        self.notice("flagged")

    # -- me, top, stats ----------------------------------------------------------------------

    def profile(self) -> None:
        learner_id = self.learner.id
        points = Points(self.session)
        self.out.append(Outbound(Kind.PROFILE, {
            "learner": self.learner,
            "points": points.total(learner_id),
            "week_points": points.total(learner_id,
                                        calendar.local_week_start(self.now, self.tz)),
            "streak": self.effective_streak(),
            "badges": [rules.badge_name(code) for code in Badges(self.session).codes(learner_id)],
            "lessons_read": len(Progress(self.session).lesson_ids(learner_id)),
            "lessons_total": len(self.engine.catalog.lessons()),
            "mastered": Cards(self.session).mastered(learner_id),
        }))

    def effective_streak(self) -> Streak:
        """The streak as it stands today: broken if more workdays were missed than freezes
        cover (it is only written when the learner is active)."""
        streak = Streaks(self.session).get(self.learner.id)
        if streak.last_active is None or self.learner.paused:
            return streak
        missed = calendar.workdays_between(streak.last_active, self.today, self.learner.workdays)
        return replace(streak, current=0) if missed > streak.freezes else streak

    def leaderboard(self, args: str) -> None:
        word = args.strip().lower()
        if word in ("join", "on", "in"):
            self.learner = Learners(self.session).update(self.learner.id, leaderboard_opt_in=True)
        elif word in ("leave", "off", "out"):
            self.learner = Learners(self.session).update(self.learner.id,
                                                         leaderboard_opt_in=False)
        board = Points(self.session).leaderboard(calendar.week_start(self.now), 10)
        self.out.append(Outbound(Kind.LEADERBOARD, {
            "board": board, "me": self.learner,
            "my_points": Points(self.session).total(self.learner.id,
                                                    calendar.week_start(self.now))}))

    def stats(self) -> None:
        if not self.learner.is_trainer:
            self.notice("trainers_only")
            return
        week = self.now - timedelta(days=7)
        right, total = Answers(self.session).accuracy(self.now - timedelta(days=30))
        self.out.append(Outbound(Kind.STATS, {
            "learners": Learners(self.session).count(),
            "active": Points(self.session).active_learners(week),
            "lessons_sent": Progress(self.session).count(),
            "accuracy": (right / total) if total else None,
            "answers": total,
            "hardest": [(self.question_text(lesson, key), right, total)
                        for lesson, key, right, total in Answers(self.session).hardest(3, 5)],
            "flags": [(self.question_text(lesson, key), count, notes)
                      for lesson, key, count, notes in Flags(self.session).counts()[:5]],
        }))

    def question_text(self, lesson_id: str, key: str) -> str:
        found = self.find_question(lesson_id, key)
        return f"{lesson_id}: {plain_text(found[1].text)}" if found else f"{lesson_id} #{key}"

    def reload(self) -> None:
        if not self.learner.is_trainer:
            self.notice("trainers_only")
            return
        change = self.engine.catalog.refresh()
        self.notice("reloaded", added=len(change.added), changed=len(change.changed),
                    removed=len(change.removed),
                    problems=[str(p) for p in self.engine.catalog.problems()][:10])

