"""The engine: one inbound event (or one scheduled delivery) in, the messages to send out.

Each call runs in one database transaction: what the engine decides and what it records stay
together. Time is always passed in, never read from the system clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler
from sqlmodel import Session

from bot.content.catalog import Catalog
from bot.content.markdown import plain_text
from bot.content.model import Lesson, Question
from bot.engine import calendar, rules
from bot.engine.commands import Command, answer_choice, parse
from bot.engine.messages import Button, Inbound, Kind, Outbound
from storage import Database
from storage.records import Card, Learner, Streak
from storage.repositories import (
    Answers,
    Asks,
    Badges,
    Cards,
    Flags,
    Learners,
    Points,
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
    quiz_questions: int = 3
    trainers: tuple[str, ...] = ()
    """'platform:user_id' of trainers, who may use stats and reload."""


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
        with self.database.session() as session:
            learner = Learners(session).get(learner_id)
            if learner is None or learner.paused:
                return []
            return _Turn(self, session, None, now, learner).send_lesson(scheduled=True)

    def deliver_quiz(self, learner_id: int, now: datetime) -> list[Outbound]:
        """The questions due for a learner (what the scheduler sends at their quiz time)."""
        with self.database.session() as session:
            learner = Learners(session).get(learner_id)
            if learner is None or learner.paused:
                return []
            return _Turn(self, session, None, now, learner).send_quiz(scheduled=True)


class _Turn:
    """One transaction's worth of work for one learner."""

    def __init__(self, engine: Engine, session: Session, inbound: Inbound | None,
                 now: datetime, learner: Learner | None = None) -> None:
        self.engine = engine
        self.session = session
        self.inbound = inbound
        self.now = now
        self.out: list[Outbound] = []
        self.learner = learner or self._enrol()

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
            chat_id=self.inbound.chat_id, display_name=self.inbound.display_name[:200],
            time_zone=time_zone, lesson_time=settings.lesson_time,
            quiz_time=settings.quiz_time, workdays=list(settings.workdays), is_trainer=trainer)
        self.created = created
        return learner

    # -- dispatch ----------------------------------------------------------------------------

    def run(self) -> list[Outbound]:
        inbound = self.inbound
        assert inbound is not None
        if getattr(self, "created", False):
            self.welcome()
        if inbound.answer:
            self.answer_button(inbound.answer)
            return self.out
        text = (inbound.text or "").strip()
        if not text:
            if not self.out:
                self.notice("empty", hint="help")
            return self.out
        command = parse(text)
        choice = answer_choice(text) if not command.name else None
        if choice is not None:
            self.answer_typed(choice)
        else:
            self.dispatch(command)
        return self.out

    def dispatch(self, command: Command) -> None:
        name, args = command.name, command.args
        handlers = {
            "start": lambda: self.welcome() if not getattr(self, "created", False) else None,
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
        read = Progress(self.session).lesson_ids(self.learner.id)
        lessons = [lesson for lesson in self.engine.catalog.lessons()
                   if lesson.id not in read
                   and (not self.learner.topics or lesson.topic in self.learner.topics)]
        started = {lesson.track for lesson in self.engine.catalog.lessons()
                   if lesson.id in read and lesson.track}

        def rank(lesson: Lesson) -> tuple[int, str, float, str]:
            order = float(lesson.order) if lesson.order is not None else float("inf")
            return (0 if lesson.track in started else 1, lesson.track or "~", order, lesson.id)

        return min(lessons, key=rank, default=None)

    def send_lesson(self, scheduled: bool) -> list[Outbound]:
        lesson = self.next_lesson()
        if lesson is None:
            if not scheduled:
                self.notice("all_read", topics=self.learner.topics)
            return self.out
        self.give_lesson(lesson)
        return self.out

    def give_lesson(self, lesson: Lesson) -> None:
        learner = self.learner
        if Progress(self.session).delivered(learner.id, lesson.id, self.now):
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
        cards = Cards(self.session)
        for question in lesson.questions:
            if cards.get(self.learner.id, lesson.id, question.key) is None:
                cards.save(Card(self.learner.id, lesson.id, question.key, "", due))

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
        if Progress(self.session).delivered(self.learner.id, best.id, self.now):
            Points(self.session).award(self.learner.id, rules.POINTS_LESSON, "lesson",
                                       f"lesson:{self.learner.id}:{best.id}", self.now)
            self.schedule_first_reviews(best)
        self.activity()

    # -- quizzes -----------------------------------------------------------------------------

    def due_cards(self) -> list[Card]:
        return Cards(self.session).due(self.learner.id, self.now,
                                       self.engine.settings.quiz_questions)

    def send_quiz(self, scheduled: bool) -> list[Outbound]:
        self.on_demand = not scheduled
        if not self.ask_next() and not scheduled:
            upcoming = Cards(self.session).next_due(self.learner.id)
            self.notice("nothing_due", next_due=upcoming and upcoming.astimezone(self.tz))
        return self.out

    def budget_left(self) -> bool:
        """The daily budget is for pushed reviews; asking for a quiz always gets what is due."""
        if getattr(self, "on_demand", False):
            return True
        day_start = calendar.at_local(self.today, "00:00", self.tz)
        asked = Asks(self.session).count_since(self.learner.id, day_start)
        return asked < self.engine.settings.quiz_questions

    def ask_next(self) -> bool:
        """Ask the next due question (skipping any whose lesson or question is gone)."""
        asks = Asks(self.session)
        if asks.open_count(self.learner.id):
            open_ask = asks.latest_open(self.learner.id)
            assert open_ask is not None
            found = self.find_question(open_ask.lesson_id, open_ask.question_key)
            if found:
                self.question_message(open_ask.id, *found)
                return True
            asks.close(open_ask.id, self.now)
        if not self.budget_left():
            if not self.due_cards():
                return False
            self.notice("budget_done")  # more are due, but today's set is done
            return True
        for card in self.due_cards():
            found = self.find_question(card.lesson_id, card.question_key)
            if found is None:  # the trainer removed it: it will not come back
                Cards(self.session).save(replace(card, mastered=True))
                continue
            ask = asks.create(self.learner.id, card.lesson_id, card.question_key, self.now)
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
            if tag != "a":
                raise ValueError(value)
        except ValueError:
            self.notice("bad_answer")
            return
        ask = Asks(self.session).get(ask_id)
        if ask is None or ask.learner_id != self.learner.id:
            self.notice("bad_answer")
            return
        self.grade(ask.id, ask.lesson_id, ask.question_key, choice)

    def answer_typed(self, choice: int) -> None:
        ask = Asks(self.session).latest_open(self.learner.id)
        if ask is None:
            self.notice("no_open_question")
            return
        self.grade(ask.id, ask.lesson_id, ask.question_key, choice)

    def grade(self, ask_id: int, lesson_id: str, key: str, choice: int) -> None:
        found = self.find_question(lesson_id, key)
        if found is None:
            Asks(self.session).close(ask_id, self.now)
            self.notice("question_gone")
            self.ask_next()
            return
        _lesson, question = found
        if not 0 <= choice < len(question.choices):
            self.notice("choice_range", count=len(question.choices))
            return
        if not Asks(self.session).close(ask_id, self.now):
            self.notice("already_answered")
            return
        correct = question.choices[choice].correct
        learner = self.learner
        Answers(self.session).record(learner.id, lesson_id, key, [choice], correct, self.now,
                                     f"ask:{ask_id}")
        Points(self.session).award(learner.id,
                                   rules.POINTS_RIGHT if correct else rules.POINTS_WRONG,
                                   "answer", f"ask:{ask_id}", self.now)
        mastered = self.review(lesson_id, key, correct)
        if mastered:
            Points(self.session).award(learner.id, rules.POINTS_MASTERED, "mastered",
                                       f"mastered:{learner.id}:{lesson_id}:{key}", self.now)
        self.out.append(Outbound(Kind.FEEDBACK, {
            "correct": correct, "question": question, "choice": choice, "mastered": mastered,
            "points": Points(self.session).total(learner.id)}))
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
        streaks = Streaks(self.session)
        streak = streaks.get(self.learner.id)
        today = self.today
        if streak.last_active == today:
            return
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
        streaks.save(Streak(self.learner.id, current, max(streak.longest, current), today,
                            freezes, streak.paused_since))

    def check_badges(self, lesson: Lesson | None) -> None:
        badges = Badges(self.session)
        learner_id = self.learner.id
        read = Progress(self.session).lesson_ids(learner_id)
        streak = Streaks(self.session).get(learner_id)
        earned = []
        checks = {
            "first-lesson": len(read) >= 1,
            "lessons-10": len(read) >= 10,
            "lessons-25": len(read) >= 25,
            "streak-5": streak.current >= 5,
            "streak-20": streak.current >= 20,
            "mastered-10": Cards(self.session).mastered(learner_id) >= 10,
        }
        if lesson is not None and lesson.track:
            track = self.engine.catalog.tracks().get(lesson.track, ())
            checks[f"track:{lesson.track}"] = bool(track) and all(
                item.id in read for item in track)
        for code, ok in checks.items():
            if ok and badges.award(learner_id, code, self.now):
                earned.append(rules.badge_name(code))
        if earned:
            self.notice("badges", names=earned)

    # -- settings ----------------------------------------------------------------------------

    def update(self, **settings: Any) -> None:
        self.learner = Learners(self.session).update(self.learner.id, **settings)
        self.out.append(Outbound(Kind.SETTINGS, {"learner": self.learner}))

    def set_time(self, args: str) -> None:
        parts = args.split()
        try:
            if len(parts) == 2 and parts[0] in ("quiz", "lesson"):
                self.update(**{f"{parts[0]}_time": calendar.parse_time(parts[1])})
            elif len(parts) == 1:
                self.update(lesson_time=calendar.parse_time(parts[0]))
            else:
                raise ValueError("write it like: time 09:30, or time quiz 15:00")
        except ValueError as exc:
            self.notice("invalid", reason=str(exc))

    def set_zone(self, args: str) -> None:
        try:
            zone = calendar.zone(args or "?")
        except ValueError as exc:
            self.notice("invalid", reason=str(exc))
            return
        self.update(time_zone=zone.key)

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

    def pause(self) -> None:
        if self.learner.paused:
            self.notice("already_paused")
            return
        streaks = Streaks(self.session)
        streaks.save(replace(streaks.get(self.learner.id), paused_since=self.today))
        self.update(paused=True)

    def resume(self) -> None:
        if not self.learner.paused:
            self.notice("not_paused")
            return
        streaks = Streaks(self.session)
        streak = streaks.get(self.learner.id)
        if streak.paused_since is not None:
            held = self.today - streak.paused_since
            Cards(self.session).shift(self.learner.id, held)  # a holiday does not pile up reviews
            alive = streak.last_active is not None and streak.last_active >= \
                calendar.previous_workday(streak.paused_since, self.learner.workdays)
            last = (calendar.previous_workday(self.today, self.learner.workdays) if alive
                    else streak.last_active)
            streaks.save(replace(streak, last_active=last, paused_since=None))
        self.update(paused=False)

    def stop(self) -> None:
        self.learner = Learners(self.session).update(self.learner.id, paused=True)
        self.notice("stopped")

    def forget(self, args: str) -> None:
        if args.strip().lower() not in ("confirm", "yes", "me"):
            self.notice("forget_confirm")
            return
        Learners(self.session).forget(self.learner.id)
        self.out = [Outbound(Kind.NOTICE, {"code": "forgotten"})]

    def flag(self, args: str) -> None:
        asks = Asks(self.session)
        ask = asks.latest_open(self.learner.id) or asks.latest(self.learner.id)
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
            "week_points": points.total(learner_id, calendar.week_start(self.now)),
            "streak": Streaks(self.session).get(learner_id),
            "badges": [rules.badge_name(code) for code in Badges(self.session).codes(learner_id)],
            "lessons_read": len(Progress(self.session).lesson_ids(learner_id)),
            "lessons_total": len(self.engine.catalog.lessons()),
            "mastered": Cards(self.session).mastered(learner_id),
        }))

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
            "hardest": Answers(self.session).hardest(3, 5),
            "flags": Flags(self.session).counts()[:5],
        }))

    def reload(self) -> None:
        if not self.learner.is_trainer:
            self.notice("trainers_only")
            return
        change = self.engine.catalog.refresh()
        self.notice("reloaded", added=len(change.added), changed=len(change.changed),
                    removed=len(change.removed),
                    problems=[str(p) for p in self.engine.catalog.problems()][:10])

