"""``microlearn demo``: the whole bot in a terminal, with a clock the learner can move on.

The demo runs the real paths: typed lines go through the host to the engine, and 'tomorrow'
moves the clock to the next learning day and lets the real due scan and dispatcher push the
day's lesson and, at quiz time, the reviews due, through the console adapter. So a newcomer sees
spacing and streaks within a minute, exactly as the scheduler would deliver them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.adapters.console import QUIT, USER, ConsoleAdapter
from bot.app import BotHost
from bot.engine import calendar
from bot.engine.engine import Engine
from bot.engine.turn import EngineSettings
from bot.messages import Platform
from scheduler.clock import ManualClock
from scheduler.dispatch import Dispatcher
from scheduler.due import DueScan
from storage import Database
from storage.records import Learner


class Demo:
    """The console learner's conversation, plus the demo's own words: 'tomorrow' and 'now'."""

    def __init__(self, engine: Engine, database: Database, clock: ManualClock,
                 console: ConsoleAdapter) -> None:
        self.engine = engine
        self.database = database
        self.clock = clock
        self.console = console
        self.scan = DueScan(database, engine.settings.waking_hours, [Platform.CONSOLE.value])
        self.dispatcher = Dispatcher(database, engine, {Platform.CONSOLE: console}, clock)

    async def run(self, lines: Iterable[str], first: str | None = "start") -> None:
        """Answer ``first`` (a greeting), then every line until they end or '/quit'."""
        await self.console.start(BotHost(self.engine, self.clock))
        self.dispatcher.register()
        try:
            if first is not None:
                self.console.print(await self.respond(first))
            self.console.ask()
            for line in lines:
                text = line.strip()
                if text.lower() in QUIT:
                    break
                self.console.print(await self.respond(text))
                self.console.ask()
            self.console.print([self.console.bye()])
        finally:
            await self.dispatcher.close()
            await self.console.stop()

    async def respond(self, text: str) -> list[str]:
        """The replies to one typed line (a day's pushes are printed as they go)."""
        if text.lower() in ("tomorrow", "/tomorrow"):
            return await self.tomorrow()
        if text.lower() in ("now", "/now") and self.learner() is not None:
            return [f"[demo clock: {self.local_time()}]"]
        replies = await self.console.answer(text)
        if text == "start":
            replies.append(f"[demo clock: {self.local_time()}. Type 'tomorrow' to jump to the "
                           "next day, '/quit' to leave.]")
        return replies

    def learner(self) -> Learner | None:
        """The console learner, once enrolled."""
        with self.database.unit() as unit:
            return unit.learners.find(Platform.CONSOLE.value, USER)

    def local_time(self) -> str:
        """The demo clock in the learner's time zone."""
        learner = self.learner()
        zone = calendar.zone(learner.time_zone if learner else "UTC")
        return self.clock.now().astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")

    async def tomorrow(self) -> list[str]:
        """Move to the next learning day: its lesson at lesson time, then its reviews."""
        learner = self.learner()
        if learner is None:
            return ["Say hello first."]
        zone = calendar.zone(learner.time_zone)
        today = calendar.local_date(self.clock.now(), zone)
        # The next learning day: a weekend would only show "no lesson today" twice.
        day = calendar.next_workday(today, learner.workdays)
        self.clock.set(max(self.clock.now(), calendar.at_local(day, learner.lesson_time, zone)))
        skipped = (day - today).days - 1
        self.console.print([f"--- {self.local_time()} ---" + (
            f" (skipped {skipped} day{'s' if skipped > 1 else ''} off)" if skipped else "")])
        if learner.paused:
            return ["(you are on pause: nothing is sent)"]
        await self.push()
        self.clock.set(max(self.clock.now(), calendar.at_local(day, learner.quiz_time, zone)))
        self.console.print([f"--- {self.local_time()}: review time ---"])
        sent = await self.push()
        return [] if sent else ["(no questions due today)"]

    async def push(self) -> int:
        """What the scheduler sends now: the due scan, then the dispatcher; how many went."""
        self.scan.run(self.clock.now())
        return (await self.dispatcher.dispatch()).sent


def demo_clock(start: datetime | None, settings: EngineSettings) -> ManualClock:
    """The demo starts at today's lesson time (or ``start``)."""
    if start is not None:
        return ManualClock(start)
    zone = calendar.zone(settings.time_zone)
    today = calendar.local_date(datetime.now(zone), zone)
    return ManualClock(calendar.at_local(today, settings.lesson_time, zone))
