"""The fake Bot API feeding bots in webhook mode (``--webhook``), as an admin trying a replica
set-up uses it: an acceptance tester had to write the load balancer part themselves."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.telegram.webhook import SECRET_HEADER
from tests.e2e.test_telegram import webhook_runtime
from tests.fakes.network import free_port
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e


class Replica:
    """A webhook endpoint that records what it was posted and answers ``statuses`` in turn
    (then 200)."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.got: list[tuple[int, str | None]] = []
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/webhook"

    async def _take(self, request: web.Request) -> web.Response:
        update: dict[str, Any] = await request.json()
        self.got.append((update["update_id"], request.headers.get(SECRET_HEADER)))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def __aenter__(self) -> Replica:
        app = web.Application()
        app.router.add_post("/telegram/webhook", self._take)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


async def test_queued_updates_go_to_the_webhooks_in_turn_with_the_secret_the_bot_set() -> None:
    async with Replica() as a, Replica(500) as b:
        fake = FakeTelegram(deliver_to=[a.url, b.url])
        fake.redeliver_after = 0.01
        await fake.start()
        try:
            async with aiohttp.ClientSession() as client:
                outside = f"http://127.0.0.1:{fake.port}/fake/update"
                ids = []
                for text in ("/start", "me", "lesson"):
                    async with client.post(outside, json={"user_id": 42, "text": text}) as r:
                        assert r.status == 200
                        ids.append((await r.json())["result"]["update_id"])
                await asyncio.sleep(0.1)
                assert a.got == [] and b.got == []  # no webhook set yet: nothing is posted
                async with client.post(f"{fake.base_url}123:abc/setWebhook", data={
                        "url": "https://bot.example.com/telegram/webhook",
                        "secret_token": "s3cret-For_tests"}) as r:
                    assert r.status == 200
            await fake.wait_for(lambda: fake.pending_updates == 0)
        finally:
            await fake.stop()
    # In order, in turn; the 500 of b goes to a, as Telegram's second try would.
    first, second, third = ids
    secret = "s3cret-For_tests"
    assert a.got == [(first, secret), (second, secret)]
    assert b.got == [(second, secret), (third, secret)]
    assert fake.webhook_posts == [(a.url, first, 200), (b.url, second, 500),
                                  (a.url, second, 200), (b.url, third, 200)]


async def test_a_bot_in_webhook_mode_is_fed_by_the_fake(tmp_path: Path) -> None:
    fake = FakeTelegram(deliver_to=["http://127.0.0.1:9/not-yet"])
    await fake.start()
    try:
        runtime, port = await webhook_runtime(fake, tmp_path)  # its port known only now
        try:
            fake.deliver_to[:] = [f"http://127.0.0.1:{port}/hooks/tg"]
            fake.push_message(42, "/start")
            [welcome] = await fake.wait_sent(1, 42)
            assert "Welcome to microlearn" in welcome.text
            assert fake.webhook_posts[0][1:] == (1, 200)  # the right secret, taken at once
        finally:
            await runtime.stop()
    finally:
        await fake.stop()


async def test_the_fake_on_its_own_takes_updates_from_outside_and_posts_them(
        tmp_path: Path) -> None:
    async with Replica() as a:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0",
             "--webhook", a.url], stdout=subprocess.PIPE, text=True)
        try:
            assert process.stdout is not None
            base = (await asyncio.to_thread(process.stdout.readline)).strip()
            root = base.removesuffix("/bot")
            async with aiohttp.ClientSession() as client:
                async with client.post(f"{root}/fake/update",
                                       json={"user_id": 7, "text": "/start"}) as r:
                    queued = (await r.json())["result"]
                async with client.post(f"{root}/fake/update", data="{not json") as r:
                    assert r.status == 400
                async with client.post(f"{base}1:x/setWebhook",
                                       data={"url": "https://x.example/h",
                                             "secret_token": "abc"}) as r:
                    assert r.status == 200
                for _ in range(200):
                    if a.got:
                        break
                    await asyncio.sleep(0.02)
            assert a.got == [(queued["update_id"], "abc")]
            assert queued["message"]["text"] == "/start"
        finally:
            process.terminate()
            process.wait(timeout=10)
