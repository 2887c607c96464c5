"""``microlearn demo``: the whole bot in a terminal, with a clock the learner can move on.

The demo runs the real paths: typed lines go through the host to the engine, and 'tomorrow'
moves the clock to the next learning day's lesson time and lets the real due scan and
dispatcher push the day's lesson through the console adapter; 'later' moves it on within the
day, to the quiz time and its reviews due, then to the reminder of a quiz left unanswered. So a newcomer sees
spacing and streaks within a minute, exactly as the scheduler would deliver them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.adapters.console import QUIT, USER, ConsoleAdapter
from bot.app import BotHost
from bot.content.watcher import CatalogWatcher
from bot.engine import calendar
from bot.engine.commands import parse
from bot.engine.engine import Engine
from bot.engine.settings import holiday_over
from bot.engine.turn import EngineSettings
from bot.messages import Platform
from scheduler.clock import ManualClock
from scheduler.dispatch import Dispatcher, DispatchResult
from scheduler.due import DueScan
from storage import Database
from storage.records import Learner

log = logging.getLogger(__name__)
LINE_APART = timedelta(milliseconds=1)
"""How far the demo clock moves on with each line typed (never enough to show)."""


class Demo:
    """The console learner's conversation, plus the demo's own words: 'tomorrow', 'later' and
    'now'."""

    def __init__(self, engine: Engine, database: Database, clock: ManualClock,
                 console: ConsoleAdapter, echo: bool = False, watch: bool = False) -> None:
        self.engine = engine
        self.database = database
        self.clock = clock
        self.console = console
        self.echo = echo
        """Print each line read before its replies, so a piped transcript reads as a
        conversation."""
        self.watcher = CatalogWatcher(engine.catalog) if watch else None
        """Watches the lesson folder as `microlearn run` does: a saved change shows at once."""
        self.scan = DueScan(database, engine.settings.waking_hours, [Platform.CONSOLE.value])
        self.dispatcher = Dispatcher(database, engine, {Platform.CONSOLE: console}, clock)

    def run(self, lines: Iterable[str], first: str | None = "start") -> None:
        """Answer ``first`` (a greeting), then every line until they end, '/quit' or Ctrl-C.

        Lines are read outside the event loop, and each is answered in it: a blocking read in
        the loop would hold Ctrl-C until Enter."""
        if self.watcher is not None:
            self.watcher.start()
        with asyncio.Runner() as runner:
            runner.run(self.console.start(BotHost(self.engine, self.clock)))
            runner.run(asyncio.to_thread(self.dispatcher.register))
            try:
                if first is not None:
                    self.console.print(runner.run(self.answer(first)))
                self.console.ask()
                for line in lines:
                    text = line.strip()
                    if self.echo:
                        self.console.print([f"> {text}"])
                    if text.lower() in QUIT:
                        break
                    if not text:  # Enter alone: the prompt again, as a shell does
                        self.console.ask()
                        continue
                    self.console.print(runner.run(self.answer(text)))
                    self.console.ask()
            except KeyboardInterrupt:
                self.console.output.write("\n")  # leave the prompt's line
            finally:
                self.console.print([self.console.bye()])
                runner.run(self.close())
                if self.watcher is not None:
                    self.watcher.stop()

    async def close(self) -> None:
        """Give back what the demo's dispatcher holds, and stop the console."""
        try:
            await self.dispatcher.close()
        finally:
            await self.console.stop()

    async def answer(self, text: str) -> list[str]:
        """The replies to one line; a failure is logged and answered politely, never fatal
        (the demo's own words go through here too, not only the learner's)."""
        try:
            return await self.respond(text)
        except Exception:  # the inbound dispatch: one of the two catch-all places (STYLE)
            log.exception("demo line failed", extra={"platform": "console"})
            return [self.phrase("sorry")]

    async def respond(self, text: str) -> list[str]:
        """The replies to one typed line (a day's pushes are printed as they go)."""
        # Each line happens after the one before, as in a chat: at one frozen instant, "done"
        # on a second lesson and then "rate down" could not tell which lesson was read last.
        self.clock.advance(LINE_APART)
        if text.lower() in ("tomorrow", "/tomorrow"):
            return await self.tomorrow()
        if text.lower() in ("later", "/later"):
            return await self.later()
        if text.lower() in ("now", "/now") and self.learner() is not None:
            return [self.phrase("demo_clock", now=self.local_time())]
        before = self.learner()
        away = before is not None and (before.paused or before.stopped)
        replies = await self.console.answer(text)
        if text == "start" or (parse(text).name == "help" and self.learner()):
            # The demo's own words are in no platform's help: said after it too.
            replies.append(self.phrase("demo_clock", now=self.local_time(), hint=True))
        after = self.learner()
        if away and after is not None and not (after.paused or after.stopped):
            # Back from a holiday after the day's lesson time: the scheduler sends that
            # lesson now, so the demo does too (not only at 'tomorrow').
            self.console.print(replies)
            replies = []
            await self.push()
        return replies

    def phrase(self, name: str, **values: object) -> str:
        """The demo's own words, from the templates."""
        return self.console.renderer.phrase(name, **values)

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
        """Move to the next learning day's first time (the lesson's, unless the quiz time is
        earlier) and deliver what the scheduler sends then; 'later' moves on to the next, so
        the day unfolds as a learner lives it (the lesson in the morning, its reviews in the
        afternoon), not all at once."""
        learner = self.learner()
        if learner is None:
            return [self.phrase("demo_hello_first")]
        zone = calendar.zone(learner.time_zone)
        today = calendar.local_date(self.clock.now(), zone)
        # The next learning day: a weekend would only show "no lesson today" twice.
        day = calendar.next_workday(today, learner.workdays)
        first, review = min((calendar.at_local(day, learner.lesson_time, zone), False),
                            (calendar.at_local(day, learner.quiz_time, zone), True))
        self.clock.set(max(self.clock.now(), first))
        self.console.print([self.phrase("demo_day", now=self.local_time(),
                                        skipped=(day - today).days - 1, review=review)])
        if learner.paused and not holiday_over(learner, self.clock.now()):
            return [self.phrase("demo_paused")]
        if learner.stopped:
            return [self.phrase("demo_stopped")]
        result = await self.push()
        said = [self.phrase("demo_no_questions")] if review and not result.sent else []
        return said + self.next_today(zone)

    def next_today(self, zone: ZoneInfo) -> list[str]:
        """What 'later' would bring and when, if anything is left today: each step of the
        day says the next, so a learner trying the demo sees where the day goes."""
        coming = self.coming()
        if coming is None:
            return []
        moment, what = coming
        return [self.phrase("demo_later_next", what=what,
                            at=moment.astimezone(zone).strftime("%H:%M"))]

    def coming(self) -> tuple[datetime, str] | None:
        """The next moment still today when the scheduler has something for the learner, and
        what: "lesson", "review" or "reminder" (None: nothing more today)."""
        learner = self.learner()
        if learner is None:
            return None
        zone = calendar.zone(learner.time_zone)
        end = calendar.at_local(calendar.local_date(self.clock.now(), zone)
                                + timedelta(days=1), "00:00", zone)
        planned = [(learner.next_lesson_at, "lesson"), (learner.next_quiz_at, "review"),
                   (learner.next_nudge_at if learner.nudges else None, "reminder")]
        moments = [(moment, what) for moment, what in planned
                   if moment is not None and moment < end]
        return min(moments, default=None)

    async def later(self) -> list[str]:
        """Move to the next moment today when the scheduler has something for the learner (a
        reminder of a quiz left unanswered, or the day's lesson or quiz still to come) and
        deliver what it sends then; 'tomorrow' goes only to the day's first time."""
        learner = self.learner()
        if learner is None:
            return [self.phrase("demo_hello_first")]
        if learner.paused and not holiday_over(learner, self.clock.now()):
            return [self.phrase("demo_paused")]
        if learner.stopped:
            return [self.phrase("demo_stopped")]
        coming = self.coming()
        if coming is None:
            return [self.phrase("demo_later_nothing")]
        moment, what = coming
        review = what == "review"
        now = self.clock.now()
        self.clock.set(max(now, moment))
        self.console.print([self.phrase("demo_day", now=self.local_time(), skipped=0,
                                        review=review)])
        result = await self.push()
        said = [] if result.sent else [
            self.phrase("demo_no_questions" if review else "demo_later_none")]
        return said + self.next_today(calendar.zone(learner.time_zone))

    async def push(self) -> DispatchResult:
        """What the scheduler sends now: the due scan, then the dispatcher."""
        await asyncio.to_thread(self.scan.run, self.clock.now())
        return await self.dispatcher.dispatch()


def demo_clock(start: datetime | None, settings: EngineSettings,
               database: Database | None = None) -> ManualClock:
    """The demo starts at ``start``, or at today's lesson time; on a kept database, never
    before where the stored data left off (the clock does not go back)."""
    if start is not None:
        return ManualClock(start)
    zone = calendar.zone(settings.time_zone)
    today = calendar.local_date(datetime.now(zone), zone)
    moment = calendar.at_local(today, settings.lesson_time, zone)
    if database is not None:
        with database.unit() as unit:
            learner = unit.learners.find(Platform.CONSOLE.value, USER)
            seen = unit.learners.last_seen(learner.id) if learner is not None else None
        if seen is not None and seen > moment:
            moment = seen
    return ManualClock(moment)
