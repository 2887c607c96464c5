"""Slack event -> reply latency on the bot's side, against the fake Slack, with a baseline.

One process runs the fake Slack (tests/fakes/slack_api.py) and the bot: the real Slack adapter
(slack-bolt, slack_sdk, Block Kit) on the real engine with SQLite and the sample lessons. Each
measured event is a DM typed by one of ``--users`` learners (a mix of ``me``, ``help``, lookups,
``lesson``, ``top``); latency is from the moment the fake sends the envelope (Socket Mode) or the
signed request (HTTP mode) to the moment the reply's ``chat.postMessage`` reaches the fake.
Learners take turns (each DM sees an event every second or two) and the pacer runs at 100
messages/s with a 15 ms gap between a reply and the next event, so no deliberate wait (Slack's
one message a second per DM, the workspace rate) is measured: only the work.

The baseline, in the same process and against the same fake, is a bare slack-bolt echo bot in
Socket Mode: ack, then ``chat.postMessage`` of the text. The difference is what microlearn adds
(users.info cache, engine transaction in a thread, Block Kit, pacing, error mapping). Usage::

    python -m bench.slack_bench [--events 600] [--users 100]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.lessons_bench import percentile
from scheduler.clock import ManualClock
from storage import Database, upgrade
from tests.e2e.slack_harness import dm, event_body, json_body, signed, start_bot
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack

WORDS = ["me", "help", "how do I spot a phishing email", "lesson", "top", "pasword manager",
         "git branches", "give feedback"]
Send = Callable[[str, str], Awaitable[None]]


GAP = 0.015
"""Seconds between one reply and the next event: more than the pacer's 10 ms at 100/s, so its
bucket is empty and no deliberate wait is measured."""


async def measure(fake: FakeSlack, send: Send, users: list[str], events: int,
                  warm_up: bool = True) -> list[float]:
    """Milliseconds from each event to its reply, users taking turns."""
    if warm_up:  # enrol everyone first: the welcome is not what we measure
        for user in users:
            before = len(fake.calls_to("chat.postMessage"))
            await send(user, "hello")
            await fake.wait_for(lambda b=before: len(fake.calls_to("chat.postMessage")) > b, 10)
    latencies: list[float] = []
    turns = itertools.cycle(users)
    for index in range(events):
        user = next(turns)
        before = len(fake.calls_to("chat.postMessage"))
        started = time.monotonic()
        await send(user, WORDS[index % len(WORDS)])
        await fake.wait_for(lambda b=before: len(fake.calls_to("chat.postMessage")) > b, 10)
        reply = fake.calls_to("chat.postMessage")[before]
        latencies.append((reply.at - started) * 1000)
        await asyncio.sleep(GAP)
    return latencies


def socket_sender(fake: FakeSlack) -> Send:
    async def send(user: str, text: str) -> None:
        await fake.socket.send("events_api", event_body(dm(user, text)))
    return send


def http_sender(session: aiohttp.ClientSession, url: str) -> Send:
    async def send(user: str, text: str) -> None:
        body = json_body(event_body(dm(user, text)))
        async with session.post(url, data=body, headers=signed(body)) as response:
            assert response.status == 200, response.status
    return send


async def baseline(events: int, users: list[str]) -> list[float]:
    """A bare slack-bolt echo bot in Socket Mode against the same kind of fake."""
    async with FakeSlack(auto_users=True) as fake:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        app = AsyncApp(client=client, signing_secret="")

        @app.event("message")
        async def echo(ack: Any, event: dict[str, Any]) -> None:
            await ack()
            await client.chat_postMessage(channel=event["channel"], text=event.get("text", ""))

        handler = AsyncSocketModeHandler(app, app_token=APP_TOKEN, web_client=client)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        await fake.socket.wait_connected()
        try:
            return await measure(fake, socket_sender(fake), users, events, warm_up=False)
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]


async def microlearn(events: int, users: list[str], mode: str, folder: Path) -> list[float]:
    database = Database(f"sqlite:///{folder / f'{mode}.db'}")
    upgrade(database)
    clock = ManualClock(datetime(2026, 3, 2, 12, tzinfo=UTC))
    async with FakeSlack(auto_users=True) as fake:
        bot = await start_bot(fake, database, clock, mode=mode,  # type: ignore[arg-type]
                              messages_per_second=100.0, per_channel=None)
        try:
            if mode == "socket":
                await fake.socket.wait_connected()
                return await measure(fake, socket_sender(fake), users, events)
            async with aiohttp.ClientSession() as session:
                return await measure(fake, http_sender(session, bot.events_url), users, events)
        finally:
            await bot.stop()
            database.dispose()


def summary(name: str, values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {"run": name, "events": len(values), "p50_ms": round(percentile(ordered, 0.50), 2),
            "p95_ms": round(percentile(ordered, 0.95), 2), "max_ms": round(ordered[-1], 2),
            "mean_ms": round(statistics.fmean(values), 2)}


async def run(events: int, user_count: int) -> list[dict[str, Any]]:
    users = [f"U{index:06d}" for index in range(user_count)]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        rows = [summary("baseline: bare bolt echo, Socket Mode", await baseline(events, users)),
                summary("microlearn, Socket Mode", await microlearn(events, users, "socket",
                                                                    folder)),
                summary("microlearn, HTTP mode (signed)", await microlearn(events, users, "http",
                                                                          folder))]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--users", type=int, default=100)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for row in asyncio.run(run(args.events, args.users)):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
