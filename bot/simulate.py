"""``microlearn simulate``: a synthetic cohort made by driving the real engine, so a newcomer
sees a living dashboard within a minute and the dashboard's figures can be checked against a
cohort whose behaviour is known.

Each simulated learner has a diligence (the chance they act on a workday), a skill (how often
they know an answer) and a memory (how fast they forget). Every workday the engine composes
their lesson and their quiz exactly as the scheduler would; a learner who acts presses "Got it"
and answers; some days they ask a question the library answers, or one it cannot; now and then
they flag a question. A few questions are written to look broken: their "right" answer is one
that good learners reject. A track with a knowledge check asks its baseline before its first
lesson: a learner answers it knowing less than they will (and now and then skips it all); its
endline comes with a quiz days after the track, answered like any review. Where a question
asks how sure the learner is (where the library asks it), they say it with the same tap:
mostly sure when right, mostly guessing when wrong, and now and then sure and wrong. Asked to
reflect, they write what they will do, in the words of the lesson's objective.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.content.model import Lesson
from bot.engine import calendar
from bot.engine.engine import Engine
from bot.messages import (
    Feedback,
    Inbound,
    LessonMessage,
    LookupAnswer,
    Outbound,
    Platform,
    QuestionMessage,
    Rated,
    RateLesson,
    ReflectionPrompt,
)
from storage.records import Delivery, DeliveryKind, DeliveryStatus

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London", "UTC")
PLATFORMS = (Platform.SLACK, Platform.TELEGRAM, Platform.SLACK, Platform.CONSOLE)
FIRST = ("Ada", "Ben", "Chloé", "Dev", "Emeka", "Fatima", "Grace", "Hiro", "Ines", "Jon",
         "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara")
LAST = ("Lovelace", "Okafor", "Martin", "Patel", "Nguyen", "Schmidt", "Kim", "Silva", "Rossi",
        "Cohen")
UNANSWERABLE = ("how do I book a meeting room", "what is the wifi password at the office",
                "expense a taxi receipt", "parental leave policy", "who approves holidays",
                "how to set up the vpn on linux", "kerberos ticket expired")
COMMENTS = ("Too long for a break between meetings", "The example did not fit my job",
            "I knew this already", "The quiz asked about something the lesson did not say")
REFLECTIONS = ("I will {goal} this week", "Next time: {Goal}", "{Goal}, from tomorrow on")
"""A reflection on a lesson with an objective (its words in ``goal``)."""
TITLE_REFLECTIONS = ('Put "{title}" into practice this week', 'Tell my team about "{title}"')
"""A reflection on a lesson without one."""


@dataclass
class Persona:
    """How one simulated learner behaves."""

    user_id: str
    name: str
    platform: Platform
    zone: str
    diligence: float
    skill: float
    memory: float
    """Days until recall falls to about a third (how fast this learner forgets)."""
    quits_after: int | None
    """The day they stop acting (None: never): the dashboard should see them slip."""
    seen: dict[str, datetime] = field(default_factory=dict)
    """When they last met each question (or its lesson)."""


@dataclass(frozen=True)
class SimulationResult:
    learners: int
    days: int
    events: int
    answers: int
    """Answers the engine recorded (the rows this run added to the answers table)."""


class Simulation:
    """Drives the real engine through ``days`` of ``learners``' lives from ``start``."""

    def __init__(self, engine: Engine, seed: int = 7,
                 progress: Callable[[int, int], None] | None = None) -> None:
        self.engine = engine
        self.random = random.Random(seed)
        self.progress = progress
        self.events = 0
        self.answers = 0
        questions = [(lesson.id, question.key) for lesson in engine.catalog.lessons()
                     for question in lesson.questions]
        self.broken = set(self.random.sample(questions, k=min(2, len(questions))))
        """Questions whose key good learners disagree with."""

    def personas(self, count: int, first: int = 0) -> list[Persona]:
        """``count`` learners, numbered from ``first`` (a later run adds a cohort of its own)."""
        people = []
        for number in range(first, first + count):
            rng = self.random
            quits = rng.random() < 0.15
            people.append(Persona(
                f"sim-{number + 1:04d}",
                f"{FIRST[number % len(FIRST)]} {LAST[(number // len(FIRST)) % len(LAST)]}",
                PLATFORMS[number % len(PLATFORMS)], ZONES[number % len(ZONES)],
                diligence=rng.uniform(0.35, 0.95), skill=rng.uniform(0.45, 0.95),
                memory=rng.uniform(4, 30), quits_after=rng.randint(5, 20) if quits else None))
        return people

    def enrolled(self) -> int:
        """How many simulated learners the database holds already: a second run had taken
        the first run's learners on again instead of adding its own."""
        count = 0
        with self.engine.store.unit() as unit:
            while unit.learners.find(PLATFORMS[count % len(PLATFORMS)].value,
                                     f"sim-{count + 1:04d}") is not None:
                count += 1
        return count

    def handle(self, person: Persona, at: datetime, text: str | None = None,
               answer: str | None = None) -> list[Outbound]:
        """What the engine says to one of the learner's messages; the answers it recorded are
        counted from what it says (each graded answer, a "skip" too, has its feedback), not
        from what the learner meant: a "skip" to a reflection prompt skips a question still
        open, and the report had counted fewer answers than the database held."""
        self.events += 1
        replies = self.engine.handle(Inbound(person.platform, person.user_id, person.user_id,
                                             text=text, answer=answer,
                                             display_name=person.name, time_zone=person.zone),
                                     at)
        self.answers += sum(isinstance(reply, Feedback) for reply in replies)
        return replies

    def compose(self, learner_id: int, kind: DeliveryKind, at: datetime) -> list[Outbound]:
        """What the scheduler's delivery of ``kind`` says (the outbox path, without sending)."""
        self.events += 1
        row = Delivery(0, learner_id, kind, at.date(), None, "", DeliveryStatus.CLAIMED, 0, at,
                       None, None)
        with self.engine.store.unit() as unit:
            return self.engine.compose(unit, row, at)

    def run(self, learners: int, days: int, start: date) -> SimulationResult:
        people = self.personas(learners, self.enrolled())
        ids: dict[str, int] = {}
        for person in people:
            zone = calendar.zone(person.zone)
            joined = calendar.at_local(start, "08:30", zone)
            self.handle(person, joined, text="start")
            with self.engine.store.unit() as unit:
                learner = unit.learners.find(person.platform.value, person.user_id)
            assert learner is not None
            ids[person.user_id] = learner.id
        for offset in range(days):
            day = start + timedelta(days=offset)
            for person in people:
                self.day(person, ids[person.user_id], day, offset)
            if self.progress is not None:
                self.progress(offset + 1, days)
        return SimulationResult(learners, days, self.events, self.answers)

    def day(self, person: Persona, learner_id: int, day: date, offset: int) -> None:
        zone = calendar.zone(person.zone)
        if not calendar.is_workday(day, calendar.DAYS[:5]):
            return
        active = (person.quits_after is None or offset < person.quits_after) and \
            self.random.random() < person.diligence
        morning = calendar.at_local(day, "09:00", zone)
        delivered = self.compose(learner_id, DeliveryKind.LESSON, morning)
        if active:
            delivered = self.baseline(person, morning + timedelta(minutes=2), delivered)
        for message in delivered:
            if isinstance(message, LessonMessage) and active and message.done:
                if self.random.random() < 0.85:  # most who read say so
                    later = morning + timedelta(minutes=self.random.randint(3, 240))
                    self.speak(person, later, self.handle(person, later, answer=message.done),
                               message.lesson)
                for question in message.lesson.questions:
                    person.seen[f"{message.lesson.id}:{question.key}"] = morning
        if active and self.random.random() < 0.25:
            self.lookup(person, morning + timedelta(hours=2))
        afternoon = calendar.at_local(day, "15:00", zone)
        replies = self.compose(learner_id, DeliveryKind.QUIZ, afternoon)
        if not active:
            return
        moment = afternoon + timedelta(minutes=self.random.randint(5, 120))
        for _ in range(12):  # the day's set, then whatever follows an answer
            asked = next((m for m in reversed(replies) if isinstance(m, QuestionMessage)), None)
            if asked is None or not asked.buttons:
                break
            if len(asked.question.correct_indexes) > 1:  # select all that apply: typed
                replies = self.answer_all(person, asked, moment)
                moment += timedelta(seconds=40)
                continue
            choice = self.choose(person, asked, moment)
            if asked.levels:  # how sure, with the same tap
                button = choice * len(asked.levels) + asked.levels.index(
                    self.sureness(person, choice in asked.question.correct_indexes))
            else:
                button = choice
            replies = self.handle(person, moment, answer=asked.buttons[button].value)
            if (asked.lesson.id, asked.question.key) in self.broken and \
                    self.random.random() < 0.3:
                self.handle(person, moment, text="flag the marked answer looks wrong to me")
            moment += timedelta(seconds=40)

    def baseline(self, person: Persona, at: datetime,
                 replies: list[Outbound]) -> list[Outbound]:
        """Answer a baseline check's questions (before the track, a learner knows a third of
        what their skill and the lesson will give them; some say "I don't know", a few skip
        it all); what follows its last answer (the lesson)."""
        if not any(isinstance(message, QuestionMessage) and message.check == "pre"
                   for message in replies):
            return replies
        if self.random.random() < 0.05:
            return self.handle(person, at, text="skip check")
        for _ in range(10):
            asked = next((m for m in reversed(replies) if isinstance(m, QuestionMessage)
                          and m.check == "pre"), None)
            if asked is None:
                break
            question = asked.question
            right = question.correct_indexes[0]
            wrong = [index for index in range(len(question.choices)) if index != right]
            if self.random.random() < 0.2:
                replies = self.handle(person, at, text="I don't know")
            elif len(question.correct_indexes) > 1:  # select all that apply: typed
                replies = self.answer_all(person, asked, at, skill=person.skill * 0.35)
            else:
                knows = self.random.random() < person.skill * 0.35 or not wrong
                choice = right if knows else self.random.choice(wrong)
                replies = self.handle(person, at, answer=asked.buttons[choice].value)
            at += timedelta(seconds=30)
        return replies

    def speak(self, person: Persona, at: datetime, replies: list[Outbound],
              lesson: Lesson) -> None:
        """After a lesson read: some rate it (a lesson that looks broken less kindly), some
        add a word to "not useful", and most who are asked to reflect write a line about it
        (:meth:`reflection`)."""
        for message in replies:
            if isinstance(message, RateLesson) and self.random.random() < 0.4:
                useful = self.random.random() < 0.35 + 0.5 * person.skill
                said = self.handle(person, at, answer=message.up if useful else message.down)
                if any(isinstance(reply, Rated) and reply.ask_comment for reply in said) and \
                        self.random.random() < 0.5:
                    self.handle(person, at, text=self.random.choice(COMMENTS))
            elif isinstance(message, ReflectionPrompt):
                if self.random.random() < 0.6:
                    self.handle(person, at, text=self.reflection(lesson))
                else:
                    self.handle(person, at, text="skip")

    def reflection(self, lesson: Lesson) -> str:
        """What a learner writes when asked to reflect on a lesson: what they will do, in
        the words of its objective (else its title), so the dashboard's Voice page reads as
        a cohort of this library would write."""
        goal = lesson.objective.strip().rstrip(".")
        if not goal:
            return self.random.choice(TITLE_REFLECTIONS).format(title=lesson.title)
        # "Give feedback" -> "give feedback"; "SBI feedback" keeps its capitals.
        lower = goal[:1].lower() + goal[1:] if goal[1:2].islower() else goal
        return self.random.choice(REFLECTIONS).format(goal=lower, Goal=goal)

    def choose(self, person: Persona, message: QuestionMessage, now: datetime) -> int:
        """The choice this learner presses: right when they know it (:meth:`knows`), else a
        wrong one."""
        question = message.question
        right = question.correct_indexes[0]
        wrong = [index for index in range(len(question.choices)) if index != right]
        if self.knows(person, message, now) or not wrong:
            return right
        return self.random.choice(wrong)

    def knows(self, person: Persona, message: QuestionMessage, now: datetime) -> bool:
        """Whether the learner answers right: a chance from skill and memory; a broken
        question's key is rejected by those who know the material."""
        question = message.question
        seen = person.seen.get(f"{message.lesson.id}:{question.key}")
        days = (now - seen).total_seconds() / 86400 if seen else 30.0
        recall = math.exp(-days / person.memory)
        knows = self.random.random() < person.skill * (0.55 + 0.45 * recall)
        person.seen[f"{message.lesson.id}:{question.key}"] = now
        if (message.lesson.id, question.key) in self.broken:
            knows = not knows if person.skill > 0.7 else knows
        return knows

    def answer_all(self, person: Persona, message: QuestionMessage, now: datetime,
                   skill: float | None = None) -> list[Outbound]:
        """Answer a select-all question by typing the numbers ticked (:meth:`choose_all`)."""
        picked = self.choose_all(person, message, now, skill)
        return self.handle(person, now, text=" ".join(str(index + 1) for index in picked))

    def choose_all(self, person: Persona, message: QuestionMessage, now: datetime,
                   skill: float | None = None) -> list[int]:
        """The choices ticked of a select-all question: all the right ones when the learner
        knows (as :meth:`knows` decides, or with the chance ``skill`` before the lessons),
        else the right ones with one missed or one wrong added."""
        right = sorted(message.question.correct_indexes)
        if (self.random.random() < skill) if skill is not None else \
                self.knows(person, message, now):
            return right
        wrong = [index for index in range(len(message.question.choices)) if index not in right]
        if wrong and self.random.random() < 0.5:
            return sorted([*right, self.random.choice(wrong)])
        return right[:-1] if len(right) > 1 else right

    def sureness(self, person: Persona, right: bool) -> str:
        """How sure a learner says they are: mostly sure when right, mostly guessing when not,
        and now and then sure and wrong (a misconception), more so the less skilled."""
        roll = self.random.random()
        if right:
            return "s" if roll < 0.6 else "t" if roll < 0.9 else "g"
        return "s" if roll < 0.35 * (1.2 - person.skill) else "t" if roll < 0.5 else "g"

    def lookup(self, person: Persona, at: datetime) -> None:
        lessons = self.engine.catalog.lessons()
        if lessons and self.random.random() < 0.7:
            words = self.random.choice(lessons).title.lower()
        else:
            words = self.random.choice(UNANSWERABLE)
        for message in self.handle(person, at, text=words):
            if isinstance(message, LookupAnswer) and message.add and self.random.random() < 0.3:
                self.handle(person, at, answer=message.add)
