"""Update -> reply latency of the Telegram adapter, on the bot's side, against the fake Bot API.

A learner's message is queued in the fake (tests/fakes/telegram_api.py); the clock stops when
the fake accepts the bot's first reply. In between: the long poll returning, PTB parsing the
update, the adapter, the engine (its transaction, on a temporary SQLite with the sample
lessons), rendering and ``sendMessage``. Each event comes from another learner, so the
one-message-a-second pacing of a chat never waits. The baseline, in the same process against
the same fake, is a bare python-telegram-bot ``getUpdates`` loop answering each update with a
fixed ``sendMessage``. The adapter is measured twice: with pacing off (the bot's own work) and
paced as deployed (a smooth 30 messages a second overall, so events one after another wait
about 34 ms for their turn). A burst (many learners writing at the same moment) shows the pacer at
work: 30 messages a second overall. Usage::

    python -m bench.telegram_bench [--events 1000] [--learners 200] [--burst 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from telegram import Bot

from bench.lessons_bench import percentile
from bot.adapters.pacing import unlimited
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import BotHost, open_engine
from bot.config import TelegramSettings
from bot.engine.turn import EngineSettings
from bot.messages import Inbound, Platform
from scheduler.clock import ManualClock
from tests.fakes.telegram_api import FakeTelegram

SAMPLE = Path(__file__).resolve().parent.parent / "lessons"
TOKEN = "123456:BENCH-token"
EVENTS = ["help", "me", "how do I spot a phishing email", "lesson", "top", "pasword manager",
          "time 08:30", "quiz"]
FIRST_USER = 10_000


async def measure(fake: FakeTelegram, events: list[tuple[int, str]],
                  interval: float) -> list[float]:
    """Milliseconds from queuing each update to the fake accepting the first reply; one event
    every ``interval`` seconds (or as soon as the last was answered, if later)."""
    latencies = []
    for user, text in events:
        before = len(fake.sent_to(user))
        started = time.time()
        fake.push_message(user, text)
        await fake.wait_for(lambda user=user, before=before: len(fake.sent_to(user)) > before,
                            timeout=30)
        latencies.append((fake.sent_to(user)[before].time - started) * 1000)
        await asyncio.sleep(max(0.0, started + interval - time.time()))
    return latencies


async def bare_loop(bot: Bot, stop: asyncio.Event) -> None:
    """The baseline bot: getUpdates, answer each with a fixed text, confirm, repeat."""
    offset = 0
    while not stop.is_set():
        updates = await bot.get_updates(offset=offset, timeout=1)
        for update in updates:
            offset = update.update_id + 1
            if update.effective_chat is not None:
                await bot.send_message(update.effective_chat.id, "ok")


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"n": len(ordered), "p50_ms": round(percentile(ordered, 0.50), 2),
            "p95_ms": round(percentile(ordered, 0.95), 2), "max_ms": round(ordered[-1], 2)}


async def run(args: argparse.Namespace) -> dict[str, object]:
    logging.disable(logging.WARNING)  # PTB and httpx log every request at INFO
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    folder = Path(tempfile.mkdtemp(prefix="telegram-bench-"))
    database, engine = await asyncio.to_thread(open_engine, SAMPLE,
                                               f"sqlite:///{folder / 'bench.db'}",
                                               EngineSettings())
    clock = ManualClock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    users = [FIRST_USER + n for n in range(args.learners)]
    for user in users:  # enrolled beforehand: the welcome is not what we measure
        await asyncio.to_thread(engine.handle, Inbound(
            Platform.TELEGRAM, str(user), chat_id=str(user), text="start",
            display_name=f"Learner {user}"), clock.now())
    events = [(users[n % len(users)], EVENTS[n % len(EVENTS)]) for n in range(args.events)]

    # The baseline first, on the same fake: a bare PTB client.
    bot = Bot(TOKEN, base_url=fake.base_url)
    await bot.initialize()
    stop = asyncio.Event()
    loop_task = asyncio.create_task(bare_loop(bot, stop))
    baseline = await measure(fake, [(user, "ping") for user, _ in events[:args.baseline]],
                             args.interval)
    stop.set()
    await loop_task
    await bot.shutdown()

    settings = TelegramSettings(enabled=True, api_base_url=fake.base_url)
    results: dict[str, object] = {"baseline_bare_ptb": summary(baseline)}
    try:
        # Events back to back, with our pacer off: PTB's rate limiter (30/s) still bounds it.
        adapter = TelegramAdapter(settings, TOKEN, SAMPLE, pacer=unlimited())
        await adapter.start(BotHost(engine, clock))
        try:
            await measure(fake, events[:20], 0)  # warm-up: connections, caches
            started = time.perf_counter()
            latencies = await measure(fake, events, 0)
            results["back_to_back"] = {**summary(latencies), "events_per_s": round(
                len(events) / (time.perf_counter() - started), 1)}
        finally:
            await adapter.stop()
        # As deployed, at a steady rate under the limits: the bot's own latency.
        adapter = TelegramAdapter(settings, TOKEN, SAMPLE)
        await adapter.start(BotHost(engine, clock))
        try:
            latencies = await measure(fake, events[:args.steady], args.interval)
            results["adapter"] = summary(latencies)
            # A burst: many learners write at the same moment.
            burst_users = users[: args.burst]
            before = {user: len(fake.sent_to(user)) for user in burst_users}
            burst_started = time.time()
            for user in burst_users:
                fake.push_message(user, "help")
            await fake.wait_for(
                lambda: all(len(fake.sent_to(u)) > before[u] for u in burst_users), timeout=60)
            burst = [(fake.sent_to(u)[before[u]].time - burst_started) * 1000
                     for u in burst_users]
            results["burst"] = {**summary(burst), "learners": len(burst_users)}
        finally:
            await adapter.stop()
    finally:
        await fake.stop()
        database.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1000, help="events back to back")
    parser.add_argument("--steady", type=int, default=500, help="events at a steady rate")
    parser.add_argument("--interval", type=float, default=0.1,
                        help="seconds between steady events (and baseline round trips)")
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--baseline", type=int, default=300, help="baseline round trips")
    parser.add_argument("--burst", type=int, default=100)
    result = asyncio.run(run(parser.parse_args()))
    for name, label in (("adapter", "adapter, as deployed, one event each interval"),
                        ("back_to_back", "adapter, events back to back (pacer off)"),
                        ("baseline_bare_ptb", "baseline, bare PTB getUpdates -> sendMessage")):
        figures = result[name]
        assert isinstance(figures, dict)
        rate = f", {figures['events_per_s']} events/s" if "events_per_s" in figures else ""
        print(f"{label}: n {figures['n']}, p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} "
              f"ms, max {figures['max_ms']} ms{rate}")
    burst = result["burst"]
    assert isinstance(burst, dict)
    print(f"burst of {burst['learners']} learners at once: first reply p50 {burst['p50_ms']} ms, "
          f"p95 {burst['p95_ms']} ms, last {burst['max_ms']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
