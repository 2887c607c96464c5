"""A generic chat platform over HTTP, for delivery tests: it records every accepted message,
enforces rate limits like Telegram (a sliding one-second window, bot-wide and per chat, answered
with 429 and a retry-after), and fails on demand (429, 500, 403, a hang).

The client side is :class:`HttpAdapter`, a minimal real adapter: JSON over HTTP with aiohttp,
errors mapped to the delivery error branches exactly as the platform adapters map theirs.

Run it alone with ``python -m tests.fakes.platform --port 0 --record FILE``: it prints its base
URL first, then appends each accepted message to FILE as one JSON line (and each 429 it gave,
as ``{"rejected": "global"|"chat", ...}``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import aiohttp
from aiohttp import web

from bot.adapters.base import Route
from bot.adapters.pacing import Pacer
from bot.errors import (
    DeliveryError,
    RateLimited,
    RecipientUnreachable,
    TemporaryDeliveryError,
)
from bot.messages import Outbound, Platform
from bot.ports import Host, Progress, Recipient, Sent
from bot.rendering.renderer import Renderer


@dataclass
class Fault:
    """The next ``count`` sends answer ``status`` (0: hang until the client gives up)."""

    status: int
    count: int = 1
    retry_after: float = 1.0
    description: str = "injected"


@dataclass
class FakePlatform:
    """The server: ``base_url`` once started; ``messages`` holds what it accepted."""

    global_per_second: float | None = None
    chat_per_second: float | None = None
    latency: float = 0.0
    record: TextIO | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    base_url: str = ""
    _window: deque[float] = field(default_factory=deque)
    _chats: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _runner: web.AppRunner | None = None
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    def fail_next(self, status: int, count: int = 1, retry_after: float = 1.0) -> None:
        """Answer the next ``count`` messages with ``status``."""
        self.faults.append(Fault(status, count, retry_after))

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/send", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        bound = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{bound}"
        return self.base_url

    async def stop(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def _over(self, window: deque[float], limit: float | None, now: float) -> bool:
        while window and window[0] <= now - 1.0:
            window.popleft()
        return limit is not None and len(window) >= limit

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.faults:
            fault = self.faults[0]
            fault.count -= 1
            if fault.count <= 0:
                self.faults.popleft()
            self.rejected += 1
            if fault.status == 0:
                await self._closing.wait()  # hangs until the client gives up (or we stop)
                raise web.HTTPServiceUnavailable()
            return web.json_response({"ok": False, "error_code": fault.status,
                                      "description": fault.description,
                                      "retry_after": fault.retry_after}, status=fault.status)
        now = time.monotonic()
        chat = str(body["chat"])
        over_global = self._over(self._window, self.global_per_second, now)
        over_chat = self._over(self._chats[chat], self.chat_per_second, now)
        if over_global or over_chat:
            self.rejected += 1
            self.rejections.append("global" if over_global else "chat")
            if self.record is not None:
                self.record.write(json.dumps({"rejected": self.rejections[-1], "chat": chat,
                                              "at": time.time()}) + "\n")
                self.record.flush()
            return web.json_response({"ok": False, "error_code": 429,
                                      "description": "Too Many Requests: retry after 1",
                                      "retry_after": 1}, status=429)
        self._window.append(now)
        self._chats[chat].append(now)
        message = {"id": len(self.messages) + 1, "chat": chat, "key": body.get("key"),
                   "text": body["text"], "at": time.time()}
        self.messages.append(message)
        if self.record is not None:
            self.record.write(json.dumps(message) + "\n")
            self.record.flush()
        return web.json_response({"ok": True, "result": {"message_id": message["id"]}})


class HttpAdapter:
    """A real adapter for :class:`FakePlatform`: one POST per message, errors mapped, and the
    platform paused on a 429 (as the platform adapters do)."""

    platform = Platform.TELEGRAM

    def __init__(self, base_url: str, per_second: float = float("inf"),
                 per_chat_per_second: float = float("inf"), timeout: float = 5.0) -> None:
        self.base_url = base_url
        self.pacer = Pacer(per_second, per_chat_per_second)
        self.renderer = Renderer()
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def start(self, host: Host) -> None:
        self._session = aiohttp.ClientSession(timeout=self.timeout)

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()

    def routes(self) -> Sequence[Route]:
        return ()

    async def send(self, recipient: Recipient, messages: Sequence[Outbound],
                   skip: int = 0, progress: Progress | None = None) -> Sent:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        chat = recipient.chat_id or recipient.user_id
        first: str | None = None
        for index, message in enumerate(messages):
            if index < skip:
                continue  # went out on an earlier try
            try:
                message_id = await self._post(chat, recipient, index, message)
            except DeliveryError as exc:
                exc.sent = index - skip
                raise
            first = first or message_id
            if progress is not None and index + 1 < len(messages):
                await progress(index + 1, Sent(message_id))
        return Sent(first)

    async def _post(self, chat: str, recipient: Recipient, index: int,
                    message: Outbound) -> str:
        assert self._session is not None
        body = {"chat": chat, "key": f"{recipient.learner_id}:{message.kind.value}:{index}",
                "text": self.renderer.render(message)}
        try:
            async with self.pacer.slot(chat), self._session.post(
                    f"{self.base_url}/send", json=body) as response:
                data = await response.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TemporaryDeliveryError(f"network: {exc!r}") from exc
        if response.status == 429:
            retry_after = float(data["retry_after"])
            self.pacer.pause(retry_after)  # back-off is the sender's: the platform waits
            raise RateLimited(data["description"], retry_after)
        if response.status >= 500:
            raise TemporaryDeliveryError(data["description"])
        if response.status == 403:
            raise RecipientUnreachable("Forbidden: bot was blocked by the user")
        if response.status >= 400:
            raise DeliveryError(data["description"])
        return str(data["result"]["message_id"])


async def _main(port: int, record: Path, global_rate: float | None,
                chat_rate: float | None) -> None:
    with record.open("a", encoding="utf-8") as sink:
        fake = FakePlatform(global_rate, chat_rate, record=sink)
        print(await fake.start(port), flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--limit-global", type=float, default=None)
    parser.add_argument("--limit-chat", type=float, default=None)
    options = parser.parse_args()
    asyncio.run(_main(options.port, options.record, options.limit_global, options.limit_chat))
