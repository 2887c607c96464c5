"""One dispatcher process for the replica tests: the real due scan and dispatcher over the
HTTP platform stand-in, scanning and dispatching on a short tick until told to stop.

    python -m tests.fakes.dispatch_worker --db URL [--schema S] --platform URL --go FILE

It prints "ready" once set up, starts when FILE exists (so replicas start together), and exits
after --idle seconds without work, printing how many messages it sent.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import timedelta
from pathlib import Path

from bot.content.catalog import Catalog
from bot.engine.engine import Engine
from scheduler.clock import SystemClock
from scheduler.dispatch import Dispatcher, DispatchSettings
from scheduler.due import DueScan
from storage import Database
from tests.fakes.platform import HttpAdapter


async def work(options: argparse.Namespace) -> int:
    database = Database(options.db, schema=options.schema)
    catalog = Catalog(Path(options.lessons))
    catalog.load()
    engine = Engine(database, catalog)
    adapter = HttpAdapter(options.platform)
    clock = SystemClock()
    dispatcher = Dispatcher(database, engine, {adapter.platform: adapter}, clock,
                            DispatchSettings(batch=options.batch,
                                             worker_timeout=timedelta(seconds=30)))
    dispatcher.register()
    scan = DueScan(database)
    print("ready", flush=True)
    go = Path(options.go)
    while not go.exists():
        await asyncio.sleep(0.01)
    sent, idle_since = 0, time.monotonic()
    while time.monotonic() - idle_since < options.idle:
        await asyncio.to_thread(scan.run, clock.now())
        result = await dispatcher.dispatch()
        sent += result.sent
        if result.sent or result.retried:
            idle_since = time.monotonic()
        await asyncio.sleep(0.02)
    await dispatcher.close()
    await adapter.stop()
    database.dispose()
    return sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--schema", default=None)
    parser.add_argument("--lessons", required=True)
    parser.add_argument("--platform", required=True)
    parser.add_argument("--go", required=True)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--idle", type=float, default=1.5)
    sent = asyncio.run(work(parser.parse_args()))
    print(f"sent {sent}", flush=True)


if __name__ == "__main__":
    main()
