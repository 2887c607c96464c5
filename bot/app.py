"""The one place that wires everything together: storage, catalog, engine, adapters, clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bot.adapters.console import USER, to_inbound
from bot.config import Settings
from bot.content.catalog import Catalog
from bot.engine import calendar
from bot.engine.engine import Engine, EngineSettings
from bot.engine.messages import Outbound, Platform
from bot.rendering.renderer import Renderer
from scheduler.clock import ManualClock
from storage import Database, upgrade
from storage.repositories import Learners


def engine_settings(settings: Settings) -> EngineSettings:
    """The engine's part of the configuration."""
    schedule = settings.schedule
    return EngineSettings(
        time_zone=schedule.time_zone, lesson_time=schedule.lesson_time,
        quiz_time=schedule.quiz_time, workdays=tuple(schedule.workdays.split(",")),
        quiz_questions=schedule.quiz_questions, trainers=tuple(settings.bot.trainers))


def open_engine(lessons: Path, url: str, settings: EngineSettings) -> Engine:
    """Migrate the database, load the lessons and build the engine."""
    database = Database(url)
    upgrade(database)
    catalog = Catalog(lessons)
    catalog.load()
    return Engine(database, catalog, settings)


class Demo:
    """The console demo: the engine, a renderer and a clock the learner can move on.

    'tomorrow' jumps to the next day's lesson time and delivers what the scheduler would: the
    day's lesson, then the reviews that are due, so a newcomer sees spacing and streaks at once.
    """

    def __init__(self, engine: Engine, clock: ManualClock) -> None:
        self.engine = engine
        self.clock = clock
        self.renderer = Renderer()

    def respond(self, text: str) -> list[str]:
        """The replies to one typed line."""
        if text.lower() in ("tomorrow", "/tomorrow"):
            return self.tomorrow()
        if text.lower() in ("now", "/now") and self.learner_zone():
            return [f"[demo clock: {self.local_time()}]"]
        replies = self.render(self.engine.handle(to_inbound(text), self.clock.now()))
        if text == "start":
            replies.append(f"[demo clock: {self.local_time()}. Type 'tomorrow' to jump to the "
                           "next day, '/quit' to leave.]")
        return replies

    def render(self, messages: list[Outbound]) -> list[str]:
        return [self.renderer.render(message) for message in messages]

    def learner_zone(self) -> str | None:
        with self.engine.database.session() as session:
            learner = Learners(session).find(Platform.CONSOLE.value, USER)
        return learner.time_zone if learner else None

    def local_time(self) -> str:
        zone = calendar.zone(self.learner_zone() or "UTC")
        return self.clock.now().astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")

    def tomorrow(self) -> list[str]:
        with self.engine.database.session() as session:
            learner = Learners(session).find(Platform.CONSOLE.value, USER)
        if learner is None:
            return ["Say hello first."]
        zone = calendar.zone(learner.time_zone)
        day = calendar.local_date(self.clock.now(), zone) + timedelta(days=1)
        self.clock.set(max(self.clock.now(), calendar.at_local(day, learner.lesson_time, zone)))
        replies = [f"--- {self.local_time()} ---"]
        if not calendar.is_workday(day, learner.workdays):
            return [*replies, "(not one of your learning days: no lesson today)"]
        if learner.paused:
            return [*replies, "(you are on pause: nothing is sent)"]
        replies += self.render(self.engine.deliver_lesson(learner.id, self.clock.now()))
        quiz_at = calendar.at_local(day, learner.quiz_time, zone)
        self.clock.set(max(self.clock.now(), quiz_at))
        replies.append(f"--- {self.local_time()}: review time ---")
        due = self.render(self.engine.deliver_quiz(learner.id, self.clock.now()))
        return replies + (due or ["(no questions due today)"])


def demo_clock(start: datetime | None, settings: EngineSettings) -> ManualClock:
    """The demo starts at today's lesson time (or ``start``)."""
    if start is not None:
        return ManualClock(start)
    zone = calendar.zone(settings.time_zone)
    today = calendar.local_date(datetime.now(zone), zone)
    return ManualClock(calendar.at_local(today, settings.lesson_time, zone))
