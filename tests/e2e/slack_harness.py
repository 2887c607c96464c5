"""The Slack side of end-to-end tests: the real adapter, engine, due scan and dispatcher against
the fake Slack, on a clock the test moves. Payload builders shape events as Slack sends them."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

from bot.adapters.slack import SlackAdapter, create
from bot.app import BotHost
from bot.config import LessonsSettings, Secrets, Settings, SlackSettings
from bot.content.catalog import Catalog
from bot.engine.engine import Engine, EngineSettings
from bot.messages import Inbound, Outbound, Platform
from bot.web.server import WebServer
from scheduler.clock import ManualClock
from scheduler.dispatch import Dispatcher, DispatchResult, DispatchSettings
from scheduler.due import DueScan
from storage import Database
from storage.records import Delivery, Learner
from storage.repositories import Deliveries, Learners
from tests.conftest import SAMPLE
from tests.fakes.network import free_port
from tests.fakes.slack_api import APP_ID, APP_TOKEN, BOT_TOKEN, TEAM_ID, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FAST = 50.0
"""Messages a second per DM in tests that are not about pacing."""
_ids = itertools.count(1)



class CountingHost(BotHost):
    """The real host, counting what it was asked (to prove an event was handled once)."""

    def __init__(self, engine: Engine, clock: ManualClock) -> None:
        super().__init__(engine, clock)
        self.inbounds: list[Inbound] = []
        self.fail_on: str | None = None
        self.delay = 0.0
        """Seconds each event takes on top of the engine's work (a slow database)."""

    async def handle(self, inbound: Inbound) -> Sequence[Outbound]:
        self.inbounds.append(inbound)
        await asyncio.sleep(self.delay)
        if self.fail_on is not None and inbound.text == self.fail_on:
            raise RuntimeError("the engine broke (test)")
        return await super().handle(inbound)


@dataclass
class SlackBot:
    """Everything a test drives: the fake, the adapter, the engine, the scheduler's parts."""

    fake: FakeSlack
    adapter: SlackAdapter
    engine: Engine
    host: CountingHost
    clock: ManualClock
    scan: DueScan
    dispatcher: Dispatcher
    web: WebServer | None = None
    results: list[DispatchResult] = field(default_factory=list)

    @property
    def database(self) -> Database:
        assert isinstance(self.engine.store, Database)
        return self.engine.store

    async def tick(self) -> DispatchResult:
        """One due scan and one dispatch run, at the clock's time."""
        self.scan.run(self.clock.now())
        result = await self.dispatcher.dispatch()
        self.results.append(result)
        return result

    def learner(self, user_id: str) -> Learner | None:
        with self.database.session() as session:
            return Learners(session).find(Platform.SLACK.value, user_id)

    def delivery(self, learner_id: int, kind: str, day: Any) -> Delivery | None:
        with self.database.session() as session:
            return Deliveries(session).get(learner_id, kind, day)

    @property
    def events_url(self) -> str:
        assert self.web is not None
        return f"http://127.0.0.1:{self.web.port}/slack/events"

    async def stop(self) -> None:
        await self.dispatcher.close(timeout=1)
        await self.adapter.stop()
        if self.web is not None:
            await self.web.stop()


async def start_bot(fake: FakeSlack, database: Database, clock: ManualClock,
                    mode: Literal["socket", "http"] = "socket",
                    bot_token: str = BOT_TOKEN, app_token: str = APP_TOKEN,
                    time_zone: str = "UTC", messages_per_second: float = 10.0,
                    per_channel: float | None = FAST, lessons: Path = SAMPLE) -> SlackBot:
    """The Slack adapter started on the real engine (sample lessons) and scheduler parts.

    ``per_channel`` None builds the adapter exactly as ``microlearn run`` does (one message a
    second per DM); the default paces DMs faster, so tests that are not about pacing do not
    spend their time waiting out Slack's rate (the pacing test uses the real one).
    """
    settings = Settings(slack=SlackSettings(enabled=True, mode=mode, api_base_url=fake.base_url,
                                            messages_per_second=messages_per_second),
                        lessons=LessonsSettings(dir=str(lessons)))
    secrets = Secrets(bot_token, app_token, SIGNING_SECRET, None)
    catalog = Catalog(lessons)
    catalog.load()
    engine = Engine(database, catalog, EngineSettings(time_zone=time_zone))
    host = CountingHost(engine, clock)
    adapter = (create(settings, secrets) if per_channel is None
               else SlackAdapter(settings.slack, secrets, per_channel=per_channel,
                                 lessons_dir=lessons))
    await adapter.start(host)
    web = None
    if mode == "http":
        async def health() -> dict[str, object]:
            return {"ok": True}
        web = WebServer("127.0.0.1", free_port(), adapter.routes(), health)
        await web.start()
    dispatcher = Dispatcher(database, engine, {Platform.SLACK: adapter}, clock,
                            DispatchSettings(retry_base=2.0))
    dispatcher.register()
    return SlackBot(fake, adapter, engine, host, clock, DueScan(database), dispatcher, web)


# -- payloads as Slack sends them ----------------------------------------------------------------

def event_body(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """An Events API ``event_callback`` around ``event``."""
    return {"token": "legacy-verification-token", "team_id": TEAM_ID, "api_app_id": APP_ID,
            "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}", "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": "U0BOT", "is_bot": True}]}


def dm(user: str, text: str, channel: str | None = None, **extra: Any) -> dict[str, Any]:
    """A ``message.im`` event: ``user`` typed ``text`` in their DM with the bot."""
    ts = f"{time.time():.6f}"
    return {"type": "message", "channel": channel or "D" + user.removeprefix("U"),
            "channel_type": "im", "user": user, "text": text, "ts": ts, "event_ts": ts,
            "team": TEAM_ID, **extra}


def home_opened(user: str, channel: str | None = None) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "tab": "home",
            "channel": channel or "D" + user.removeprefix("U"), "event_ts": f"{time.time():.6f}"}


def slash(user: str, text: str, channel: str = "C0GENERAL",
          response_url: str = "https://hooks.invalid/x") -> dict[str, Any]:
    """``/learn text`` typed in ``channel`` (``response_url``: where Slack takes an answer to
    the command, a fake's ``/response/...`` to see it)."""
    return {"token": "legacy", "team_id": TEAM_ID, "team_domain": "fake", "channel_id": channel,
            "channel_name": "general", "user_id": user, "user_name": "ann", "command": "/learn",
            "text": text, "api_app_id": APP_ID, "response_url": response_url,
            "trigger_id": f"trig-{next(_ids)}"}


def button_press(user: str, message: dict[str, Any], channel: str, index: int) -> dict[str, Any]:
    """A ``block_actions`` payload: ``user`` pressed the ``index``-th button of ``message``
    (the blocks as the fake holds them)."""
    actions = next(block for block in message["blocks"] if block["type"] == "actions")
    button = actions["elements"][index]
    return {"type": "block_actions", "user": {"id": user, "username": "ann", "team_id": TEAM_ID},
            "api_app_id": APP_ID, "team": {"id": TEAM_ID, "domain": "fake"},
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel,
                          "is_ephemeral": False},
            "trigger_id": f"trig-{next(_ids)}", "channel": {"id": channel, "name": "directmessage"},
            "message": {"type": "message", "ts": message["ts"], "text": message["text"],
                        "blocks": message["blocks"], "user": "U0BOT"},
            "response_url": "https://hooks.invalid/y",
            "actions": [{"type": "button", "action_id": button["action_id"],
                         "block_id": actions["block_id"], "value": button["value"],
                         "text": button["text"], "action_ts": f"{time.time():.6f}"}]}


def signed(body: bytes, secret: str = SIGNING_SECRET, timestamp: int | None = None,
           content_type: str = "application/json") -> dict[str, str]:
    """Headers exactly as Slack signs a request: v0 HMAC-SHA256 over ``v0:{ts}:{body}``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}",
            "Content-Type": content_type}


def json_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def form_body(payload: dict[str, Any]) -> bytes:
    """Interactivity: ``payload=<json>``, form-encoded."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def command_body(command: dict[str, Any]) -> bytes:
    """A slash command: its fields, form-encoded."""
    return urlencode(command).encode()


def at(text: str) -> datetime:
    """An aware UTC time from ISO text."""
    return datetime.fromisoformat(text)
