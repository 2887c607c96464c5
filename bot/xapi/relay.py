"""Stored events to statements, statements to the LRS: the xAPI relay.

Each run (a scheduler job, every ``[xapi] every_seconds``) first turns the events since its
cursor into statements in their own outbox (``xapi_statement``), then sends what is due in
batches. An LRS that is down loses nothing: the statements wait, each batch is tried again
after a back-off that doubles (30 s, 1 min, 2 min ... at most an hour, with jitter), and the
backlog shows on /metrics. ``replay`` makes the statements of a past range again (ids are
stable, so the LRS keeps one of each) and sends them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.config import Secrets, XapiConfig
from bot.content.catalog import Catalog
from bot.errors import ConfigError
from bot.xapi import LrsRefused, LrsUnavailable
from bot.xapi.client import LrsClient, Outcome
from bot.xapi.statements import (
    HOMEPAGES,
    Vocabulary,
    answered,
    as_json,
    commented,
    completed,
    experienced,
    rated,
    scored,
)
from storage import Database
from storage.xapi import (
    AnswerEvent,
    Backlog,
    CheckEvent,
    CommentEvent,
    NewStatement,
    RatingEvent,
    ReadEvent,
    XapiStore,
)

log = logging.getLogger(__name__)
KINDS = ("answers", "reads", "ratings", "comments", "checks")
"""The kinds of event statements are made from, each with its cursor (a kind added later
starts its cursor at its first run, as xAPI switched on does: its past goes with a replay)."""
WRITE_CHUNK = 500
Event = AnswerEvent | ReadEvent | RatingEvent | CommentEvent | CheckEvent


@dataclass(frozen=True)
class RelaySettings:
    """How the relay paces itself."""

    batch_size: int = 50
    """Statements per request."""
    max_batches: int = 20
    """Requests per run at most (the rest go at the next run)."""
    lease: timedelta = timedelta(minutes=2)
    """How long a claimed batch is kept from other replicas while it is being sent."""
    first_delay: float = 30.0
    """Seconds before a failed batch is tried again the first time; doubled each time ..."""
    max_delay: float = 3600.0
    """... up to this."""
    lookback: timedelta = timedelta(minutes=10)
    """How far before its cursor each run looks again (an event committed late)."""
    keep: timedelta = timedelta(days=30)
    """Sent statements are forgotten after this (a replay makes them again)."""


@dataclass
class RelayResult:
    """What one run did."""

    made: int = 0
    sent: int = 0
    conflicts: int = 0
    invalid: int = 0
    waiting: int = 0
    """Statements put back to wait because the LRS could not take them."""
    error: str | None = None
    refusals: list[str] = field(default_factory=list)
    """Why the LRS refused statements as invalid (its words, per statement)."""


def relay_from(config: XapiConfig, secrets: Secrets, database: Database, catalog: Catalog,
               now: Callable[[], datetime]) -> XapiRelay:
    """The relay the configuration describes ([xapi], XAPI_USERNAME, XAPI_PASSWORD)."""
    if not config.endpoint:
        raise ConfigError("[xapi] endpoint: set the LRS's xAPI base, like "
                          "https://lrs.example.com/xAPI/")
    homepages: dict[str, str] = {**HOMEPAGES}
    homepages.update((str(platform), page) for platform, page in config.homepages.items())
    words = Vocabulary(config.activity_base, homepages, config.mbox, config.language)
    return XapiRelay(database, catalog,
                     LrsClient(config.endpoint, secrets.xapi_username, secrets.xapi_password),
                     words, now, RelaySettings(batch_size=config.batch_size,
                                               keep=timedelta(days=config.keep_days)))


class XapiRelay:
    """Makes statements from stored events and sends them to the LRS."""

    def __init__(self, database: Database, catalog: Catalog, client: LrsClient,
                 words: Vocabulary, now: Callable[[], datetime],
                 settings: RelaySettings | None = None,
                 jitter: random.Random | None = None) -> None:
        self.database = database
        self.catalog = catalog
        self.client = client
        self.words = words
        self.now = now
        self.settings = settings or RelaySettings()
        self.random = jitter or random.Random()
        self._pruned: datetime | None = None

    # -- making statements ----------------------------------------------------------------------

    def enqueue(self, now: datetime) -> int:
        """Statements for the events since each cursor, kept for sending; how many are new.
        The first run only sets the cursors: the past goes with ``replay``."""
        made = 0
        for kind in KINDS:
            with self.database.session() as session:
                cursor = XapiStore(session).cursor(kind)
            if cursor is not None:
                made += self.make(kind, cursor - self.settings.lookback, now, now)
            with self.database.session() as session:
                XapiStore(session).move_cursor(kind, now)
        return made

    def make(self, kind: str, since: datetime, until: datetime | None, now: datetime) -> int:
        """Statements for the events of ``kind`` in ``[since, until)``, kept for sending (those
        kept already stay as they are); how many are new. Streamed: a year of events is read
        in chunks and written in chunks."""
        made = 0
        chunk: list[NewStatement] = []
        with self.database.session() as reading:
            store = XapiStore(reading)
            events: Iterable[Event] = (
                store.answers(since, until) if kind == "answers"
                else store.ratings(since, until) if kind == "ratings"
                else store.comments(since, until) if kind == "comments"
                else store.checks(since, until) if kind == "checks"
                else store.reads(since, until))
            for event in events:
                chunk.extend(self.statements(store, event))
                if len(chunk) >= WRITE_CHUNK:
                    made += self._keep(chunk, now)
                    chunk = []
        return made + self._keep(chunk, now)

    def statements(self, store: XapiStore, event: Event) -> Iterator[NewStatement]:
        """The statements of one event."""
        if isinstance(event, CheckEvent):  # about a track, not a lesson
            yield self._new(scored(event, self.words), event.learner_id, event.finished_at)
            return
        lesson = self.catalog.get(event.lesson_id)
        if isinstance(event, AnswerEvent):
            yield self._new(answered(event, lesson, self.words), event.learner_id,
                            event.answered_at)
            return
        if isinstance(event, RatingEvent):
            yield self._new(rated(event, lesson, self.words), event.learner_id, event.rated_at)
            return
        if isinstance(event, CommentEvent):
            yield self._new(commented(event, lesson, self.words), event.learner_id,
                            event.commented_at)
            return
        yield self._new(experienced(event, lesson, self.words), event.learner_id, event.read_at)
        if lesson is not None and lesson.track:
            track = [item.id for item in self.catalog.tracks().get(lesson.track, ())]
            if track and set(track) <= store.lessons_read(event.learner_id, event.read_at):
                yield self._new(completed(event, lesson.track, self.words), event.learner_id,
                                event.read_at)

    @staticmethod
    def _new(statement: dict[str, Any], learner_id: int, at: datetime) -> NewStatement:
        return NewStatement(str(statement["id"]), learner_id, at, as_json(statement))

    def _keep(self, chunk: list[NewStatement], now: datetime) -> int:
        if not chunk:
            return 0
        with self.database.session() as session:
            return XapiStore(session).add(chunk, now)

    def replay(self, since: datetime, until: datetime | None, now: datetime) -> tuple[int, int]:
        """Make the statements of ``[since, until)`` again and mark them all for sending;
        (new statements, statements to send)."""
        made = sum(self.make(kind, since, until, now) for kind in KINDS)
        with self.database.session() as session:
            queued = XapiStore(session).resend(since, until, now)
        return made, queued

    # -- sending --------------------------------------------------------------------------------

    async def send_due(self) -> RelayResult:
        """Send what is due, batch by batch, until nothing is due, the run's batches are used,
        or the LRS cannot take more (then the batch waits for its back-off)."""
        result = RelayResult()
        settings = self.settings
        for _ in range(settings.max_batches):
            now = self.now()
            rows = await asyncio.to_thread(self._claim, now)
            if not rows:
                break
            try:
                outcomes = await self.client.send([(row.statement_id, row.body) for row in rows])
            except LrsUnavailable as exc:
                delay = self.delay(max(row.attempts for row in rows), exc.retry_after)
                await asyncio.to_thread(self._retry, [row.statement_id for row in rows],
                                        now + timedelta(seconds=delay), str(exc))
                (log.error if isinstance(exc, LrsRefused) else log.warning)(
                    "xapi: %s; statements wait in the outbox (next try in %.0f s)", exc,
                    delay, extra={"job": "xapi"})
                result.waiting += len(rows)
                result.error = str(exc)
                break
            await asyncio.to_thread(self._record, outcomes, now, result,
                                    {row.statement_id: row.body for row in rows})
        return result

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds before a failed batch goes again: the LRS's Retry-After when it gave one,
        else doubling from ``first_delay`` up to ``max_delay``, with 20% jitter (replicas do
        not all come back at once)."""
        if retry_after is not None:
            return retry_after
        base = min(self.settings.first_delay * 2.0 ** min(attempts, 20), self.settings.max_delay)
        return base * self.random.uniform(0.8, 1.2)

    def _claim(self, now: datetime) -> list[Any]:
        with self.database.session() as session:
            return XapiStore(session).claim(now, self.settings.batch_size, self.settings.lease)

    def _retry(self, ids: list[str], due_at: datetime, error: str) -> None:
        with self.database.session() as session:
            XapiStore(session).retry(ids, due_at, error)

    def _record(self, outcomes: list[Any], now: datetime, result: RelayResult,
                sent: dict[str, str]) -> None:
        with self.database.session() as session:
            store = XapiStore(session)
            store.sent([o.statement_id for o in outcomes if o.outcome is Outcome.STORED], now)
            for outcome in outcomes:
                if outcome.outcome is Outcome.CONFLICT:
                    store.sent([outcome.statement_id], now,
                               f"the LRS keeps a different statement with this id: "
                               f"{outcome.detail}")
                    log.warning("xapi: the LRS already holds a different statement %s; it "
                                "keeps its own", outcome.statement_id, extra={"job": "xapi"})
                elif outcome.outcome is Outcome.INVALID:
                    store.failed(outcome.statement_id, outcome.detail or "refused as invalid",
                                 sent.get(outcome.statement_id))
                    result.refusals.append(f"{outcome.statement_id}: "
                                           f"{outcome.detail or 'refused as invalid'}")
                    log.error("xapi: the LRS refused statement %s as invalid: %s",
                              outcome.statement_id, outcome.detail, extra={"job": "xapi"})
        result.sent += sum(o.outcome is Outcome.STORED for o in outcomes)
        result.conflicts += sum(o.outcome is Outcome.CONFLICT for o in outcomes)
        result.invalid += sum(o.outcome is Outcome.INVALID for o in outcomes)

    # -- the job --------------------------------------------------------------------------------

    async def run(self) -> RelayResult:
        """One run of the job: new events to statements, then send what is due; sent
        statements past ``keep`` forgotten once a day."""
        now = self.now()
        made = await asyncio.to_thread(self.enqueue, now)
        result = await self.send_due()
        result.made = made
        if self._pruned is None or now - self._pruned > timedelta(days=1):
            self._pruned = now
            await asyncio.to_thread(self._prune, now - self.settings.keep)
        if result.made or result.sent:
            log.info("xapi: %d statements made, %d sent", result.made, result.sent,
                     extra={"job": "xapi"})
        return result

    def _prune(self, before: datetime) -> None:
        with self.database.session() as session:
            XapiStore(session).prune(before)

    def backlog(self, now: datetime) -> Backlog:
        """What waits for the LRS (for /metrics)."""
        with self.database.session() as session:
            return XapiStore(session).backlog(now)

    async def close(self) -> None:
        """Close the LRS connections."""
        await self.client.close()
