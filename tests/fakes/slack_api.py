"""A fake Slack: the Web API and the Socket Mode websocket, on one local aiohttp server.

The real slack_sdk clients talk to it unmodified through ``base_url`` (and the websocket URL
its ``apps.connections.open`` hands out). It answers like Slack (``{"ok": false, "error": ...}``
with HTTP 200 for API errors, 429 with ``Retry-After`` for rate limits), checks tokens and the
Block Kit limits Slack enforces, records every call, and can be told to fail::

    async with FakeSlack() as slack:
        slack.add_user("U1", "Ann", tz="Europe/Berlin")
        slack.fail_next("chat.postMessage", 429, "ratelimited", retry_after=1)
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.base_url)
        ...
        envelope = await slack.socket.send("events_api", {...})   # Socket Mode
        await slack.socket.wait_ack(envelope)

Standalone, for running ``microlearn run`` against it as a subprocess::

    python -m tests.fakes.slack_api --port 0 --record posted.jsonl

prints its base URL as the first line of standard output and appends every accepted
``chat.postMessage`` to the record file as one JSON line. A few ``/_fake/...`` endpoints let
another process drive it (push a Socket Mode envelope, inject a failure, read the calls).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
TEAM_ID = "T0FAKE"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0APP"

NO_TOKEN_METHODS = frozenset({"api.test"})
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


@dataclass(frozen=True)
class Call:
    """One Web API request as the fake received it."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    """``time.monotonic()`` on arrival."""
    status: int = 200
    error: str | None = None
    """Slack's error code when the answer was ``ok: false`` (or the status was not 200)."""


@dataclass
class Fault:
    status: int
    error: str
    retry_after: float | None
    count: int
    after: int = 0
    """Calls to let through before this fault starts."""


@dataclass
class Message:
    """A message the fake holds, as ``chat.postMessage`` left it (``chat.update`` changes it)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str = BOT_USER_ID
    edits: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    """What ``chat.postMessage`` was given as ``metadata`` (event_type, event_payload)."""


@dataclass
class SharedFile:
    """A file the bot uploaded (files upload v2) and shared in a channel."""

    id: str
    filename: str
    length: int
    """The size announced in files.getUploadURLExternal ..."""
    content: bytes | None = None
    """... and the bytes posted to the upload URL."""
    channel: str | None = None
    title: str | None = None
    initial_comment: str | None = None


class BlockKitError(ValueError):
    """What real Slack answers as ``invalid_blocks``."""


def check_blocks(blocks: Any, limit: int = 50) -> None:
    """The Block Kit limits Slack enforces on the blocks this bot uses."""
    if not isinstance(blocks, list) or len(blocks) > limit:
        raise BlockKitError(f"blocks must be a list of at most {limit}")
    block_ids: set[str] = set()
    for block in blocks:
        kind = block.get("type")
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids or len(block_id) > 255:
                raise BlockKitError(f"duplicate or long block_id {block_id!r}")
            block_ids.add(block_id)
        if kind == "header":
            _text(block.get("text"), 150, plain_only=True)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                raise BlockKitError("a section needs text or fields")
            if "text" in block:
                _text(block["text"], 3000)
            for item in block.get("fields", []):
                _text(item, 2000)
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                raise BlockKitError("a context holds 1 to 10 elements")
            for element in elements:
                if element.get("type") != "image":
                    _text(element, 3000)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                raise BlockKitError("an actions block holds 1 to 25 elements")
            action_ids = [element.get("action_id") for element in elements]
            if len(set(action_ids)) != len(action_ids):
                raise BlockKitError("action_id must be unique in a block")
            for element in elements:
                if element.get("type") == "button":
                    _text(element.get("text"), 75, plain_only=True)
                    if len(str(element.get("value", ""))) > 2000:
                        raise BlockKitError("button value longer than 2000")
                    if len(str(element.get("action_id", ""))) > 255:
                        raise BlockKitError("action_id longer than 255")
        elif kind == "image":
            if not str(block.get("image_url", "")).startswith(("http://", "https://")):
                raise BlockKitError("image_url must be a URL")
            if not block.get("alt_text") or len(block["alt_text"]) > 2000:
                raise BlockKitError("alt_text is required, at most 2000")
        elif kind not in ("divider",):
            raise BlockKitError(f"unsupported block type {kind!r}")


BLOCKS_TEXT = 12_000
"""Characters of text a post's blocks may hold in all: real Slack refuses more (somewhere
past 12,000 with its containers counted; undocumented) as ``msg_blocks_too_long``."""


def blocks_text(value: Any) -> int:
    """Every text string in a post's blocks, counted."""
    if isinstance(value, dict):
        return sum(len(item) if key == "text" and isinstance(item, str) else blocks_text(item)
                   for key, item in value.items())
    if isinstance(value, list):
        return sum(blocks_text(item) for item in value)
    return 0


def _text(value: Any, limit: int, plain_only: bool = False) -> None:
    if not isinstance(value, dict) or value.get("type") not in ("plain_text", "mrkdwn"):
        raise BlockKitError(f"not a text object: {value!r}"[:200])
    if plain_only and value["type"] != "plain_text":
        raise BlockKitError("this text must be plain_text")
    text = value.get("text")
    if not isinstance(text, str) or not text or len(text) > limit:
        raise BlockKitError(f"text must be 1 to {limit} characters")


_OPENERS = ("http://", "https://", "mailto:", "@", "#", "!")
"""What may follow a bare ``<``: a link, a mention, a channel, a special (``<!date^...>``)."""


def entities_ok(text: str) -> bool:
    """Slack's rule for mrkdwn: a bare ``<`` only opens ``<url|label>``, ``<@U..>`` and kin
    (Slack shows ``<name>`` as a link to "name"); a bare ``&`` only starts ``&amp;``, ``&lt;``,
    ``&gt;``."""
    index = 0
    while (index := text.find("&", index)) != -1:
        if not text.startswith(("&amp;", "&lt;", "&gt;"), index):
            return False
        index += 1
    depth = 0
    for at, char in enumerate(text):
        if char == "<":
            depth += 1
            if depth > 1 or not text.startswith(_OPENERS, at + 1):
                return False
        elif char == ">":
            if depth == 0:
                return False
            depth -= 1
    return depth == 0


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn text in the blocks (where Slack would read markup)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
                found.append(value["text"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(blocks)
    return found


class SocketModeServer:
    """The Socket Mode side: clients connect to ``/link/``, envelopes go out, acks come back."""

    def __init__(self) -> None:
        self.connections: list[web.WebSocketResponse] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.connects = 0
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()

    async def handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections.append(ws)
        self.connects += 1
        self._notify()
        await ws.send_json({"type": "hello", "num_connections": len(self.connections),
                            "debug_info": {"host": "fake-slack"},
                            "connection_info": {"app_id": APP_ID}})
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    data = json.loads(message.data)
                    if "envelope_id" in data:
                        self.acks[str(data["envelope_id"])] = data
                        self._notify()
        finally:
            with contextlib.suppress(ValueError):
                self.connections.remove(ws)
            self._notify()
        return ws

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"fake Slack: {what} within {timeout} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def wait_connected(self, timeout: float = 5.0) -> None:
        await self._until(lambda: bool(self.connections), timeout, "no Socket Mode client")

    async def send(self, kind: str, payload: dict[str, Any], retry_attempt: int = 0,
                   retry_reason: str = "", accepts_response_payload: bool = False,
                   envelope_id: str | None = None) -> str:
        """Push one envelope to the newest connection; its ``envelope_id``."""
        await self.wait_connected()
        envelope_id = envelope_id or f"env-{next(self._ids)}"
        await self.connections[-1].send_json({
            "type": kind, "envelope_id": envelope_id, "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": retry_attempt, "retry_reason": retry_reason})
        return envelope_id

    async def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The client's ack of an envelope (fails when none comes in time)."""
        await self._until(lambda: envelope_id in self.acks, timeout, f"no ack of {envelope_id}")
        return self.acks[envelope_id]

    async def disconnect(self) -> None:
        """Ask every client to reconnect, as Slack does before a server restart."""
        for ws in list(self.connections):
            await ws.send_json({"type": "disconnect", "reason": "refresh_requested"})

    async def close(self) -> None:
        for ws in list(self.connections):
            await ws.close()


class FakeSlack:
    """The fake Web API and Socket Mode server. Use ``async with`` or start()/stop()."""

    def __init__(self, bot_token: str = BOT_TOKEN, app_token: str = APP_TOKEN,
                 enforce_rate: bool = False, min_interval: float = 1.0,
                 auto_users: bool = False, record: TextIO | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.enforce_rate = enforce_rate
        """Answer 429 to a second ``chat.postMessage`` to a channel within ``min_interval``."""
        self.min_interval = min_interval
        self.tolerance = 0.05
        """Seconds of clock and network jitter forgiven by the rate check."""
        self.auto_users = auto_users
        """Invent a user (UTC) for unknown ids, for a standalone fake; tests add users."""
        self.record = record
        self.host, self.port = host, port
        self.calls: list[Call] = []
        self.messages: list[Message] = []
        self.files: dict[str, SharedFile] = {}
        """Files by id: announced, uploaded, then shared (``channel`` set)."""
        self.ephemeral: list[Message] = []
        """What ``chat.postEphemeral`` showed (to its ``user``, in its channel)."""
        self.responses: list[dict[str, Any]] = []
        """What was posted to a slash command's ``response_url`` (``{url}/response/...``)."""
        self._file_ids = itertools.count(1)
        self.homes: dict[str, list[dict[str, Any]]] = {}
        """Every view published per user, the latest last."""
        self.users: dict[str, dict[str, Any]] = {}
        self.socket = SocketModeServer()
        self._faults: dict[str, deque[Fault]] = {}
        self._drop_after: dict[str, int] = {}
        self._slow: dict[str, deque[float]] = {}
        self._last_post: dict[str, float] = {}
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/api/{method}", self._api)
        self.app.router.add_get("/api/{method}", self._api)
        self.app.router.add_get("/link/", self.socket.handler)
        self.app.router.add_post("/upload/{file_id}", self._upload)
        self.app.router.add_post("/response/{key}", self._response)
        self.app.router.add_post("/_fake/envelope", self._control_envelope)
        self.app.router.add_post("/_fake/fail", self._control_fail)
        self.app.router.add_post("/_fake/users", self._control_users)
        self.app.router.add_get("/_fake/calls", self._control_calls)

    # -- life -----------------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What ``[slack] api_base_url`` (and ``AsyncWebClient(base_url=...)``) is set to."""
        return f"{self.url}/api/"

    # -- arranging ------------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str, tz: str | None = "UTC",
                 display_name: str | None = None, is_bot: bool = False) -> dict[str, Any]:
        """A workspace member ``users.info`` knows (``tz`` None: Slack says nothing)."""
        user: dict[str, Any] = {
            "id": user_id, "team_id": TEAM_ID, "name": name.lower().replace(" ", "."),
            "real_name": name, "deleted": False, "is_bot": is_bot,
            "profile": {"real_name": name, "display_name": display_name or ""}}
        if tz is not None:
            user |= {"tz": tz, "tz_label": tz, "tz_offset": 0}
        self.users[user_id] = user
        return user

    def dm_of(self, user_id: str) -> str:
        """The id of the DM channel between the bot and a user."""
        return "D" + user_id.removeprefix("U")

    def drop_after_taking_next(self, method: str, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` are carried out (a post is kept), then the
        connection drops without an answer: the caller cannot know the call worked."""
        self._drop_after[method] = self._drop_after.get(method, 0) + count

    def slow_next(self, method: str, seconds: float) -> None:
        """The next call of ``method`` is answered ``seconds`` late (calls after it are not
        held up behind it)."""
        self._slow.setdefault(method, deque()).append(seconds)

    def fail_next(self, method: str, status: int = 200, error: str = "internal_error",
                  retry_after: float | None = None, count: int = 1, after: int = 0) -> None:
        """The next ``count`` calls of ``method`` (after letting ``after`` through) fail: HTTP
        ``status`` with ``{"ok": false, "error": error}`` (and ``Retry-After`` when given);
        status 0 drops the connection without an answer."""
        self._faults.setdefault(method, deque()).append(
            Fault(status, error, retry_after, count, after))

    # -- reading what happened ------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def posted(self, channel: str | None = None) -> list[Message]:
        """Accepted ``chat.postMessage`` calls, oldest first."""
        return [m for m in self.messages if channel is None or m.channel == channel]

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Until ``condition()`` holds after some call (fails after ``timeout`` seconds)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"fake Slack: condition not met within {timeout} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.2))

    async def wait_posts(self, count: int, channel: str | None = None,
                         timeout: float = 5.0) -> list[Message]:
        """Until ``count`` messages have been posted (to ``channel``); those messages."""
        await self.wait_for(lambda: len(self.posted(channel)) >= count, timeout)
        return self.posted(channel)

    # -- the Web API ----------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.body_exists:
            raw = await request.text()
            if request.content_type == "application/json":
                params |= json.loads(raw or "{}")
            else:
                params |= dict(parse_qsl(raw, keep_blank_values=True))
        for key in ("blocks", "view", "attachments", "metadata"):
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except json.JSONDecodeError:
                    params[key] = None
        return params

    @staticmethod
    def _token(request: web.Request, params: dict[str, Any]) -> str | None:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth.removeprefix("Bearer ")
        token = params.pop("token", None)
        return str(token) if token else None

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        token = self._token(request, params)
        slow = self._slow.get(method)
        if slow:
            await asyncio.sleep(slow.popleft())
        call_at = time.monotonic()
        status, body, headers = self._answer(method, params, token, call_at)
        if status == 200 and body.get("ok") and self._drop_after.get(method, 0) > 0:
            self._drop_after[method] -= 1
            status = 0  # taken, then the connection drops before the answer: unknown outcome
        if status == 0:  # an injected dropped connection
            self.calls.append(Call(method, params, token, call_at, 0, "dropped"))
            self._notify()
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("fake Slack dropped the connection")
        error = None if body.get("ok") else str(body.get("error"))
        self.calls.append(Call(method, params, token, call_at, status, error))
        self._notify()
        return web.json_response(body, status=status, headers=headers)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _answer(self, method: str, params: dict[str, Any], token: str | None,
                now: float) -> tuple[int, dict[str, Any], dict[str, str]]:
        faults = self._faults.get(method)
        if faults and faults[0].after > 0:
            faults[0].after -= 1
        elif faults:
            fault = faults[0]
            fault.count -= 1
            if fault.count <= 0:
                faults.popleft()
            headers = ({"Retry-After": f"{fault.retry_after:g}"}
                       if fault.retry_after is not None else {})
            return fault.status, {"ok": False, "error": fault.error}, headers
        if method not in NO_TOKEN_METHODS:
            expected = self.app_token if method in APP_TOKEN_METHODS else self.bot_token
            if not token:
                return 200, {"ok": False, "error": "not_authed"}, {}
            if token != expected:
                return 200, {"ok": False, "error": "invalid_auth"}, {}
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        try:
            result: dict[str, Any] = handler(params, now)
        except _Refusal as refusal:
            return refusal.status, {"ok": False, "error": refusal.error}, refusal.headers
        return 200, {"ok": True, **result}, {}

    def api_api_test(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        return {"args": params}

    def api_auth_test(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        return {"url": "https://fake.slack.example/", "team": "Fake Team", "user": "microlearn",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID,
                "is_enterprise_install": False}

    def api_apps_connections_open(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        ticket = f"ticket-{next(self._ts)}"
        return {"url": f"ws://{self.host}:{self.port}/link/?ticket={ticket}"}

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.users.get(user_id)
        if user is None and self.auto_users and user_id.startswith(("U", "W")):
            user = self.add_user(user_id, user_id)
        if user is None:
            raise _Refusal("user_not_found")
        return user

    def api_users_info(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        return {"user": self._user(str(params.get("user", "")))}

    def api_conversations_history(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        """A channel's messages, newest first; their metadata only with
        ``include_all_metadata`` (as Slack does)."""
        channel = str(params.get("channel") or "")
        self._channel(channel)
        limit = int(params.get("limit") or 100)
        with_metadata = str(params.get("include_all_metadata")).lower() in ("true", "1")
        found = [m for m in reversed(self.messages) if m.channel == channel][:limit]
        return {"messages": [{"type": "message", "ts": m.ts, "text": m.text, "user": m.user,
                              **({"metadata": m.metadata} if with_metadata and m.metadata
                                 else {})} for m in found],
                "has_more": False}

    def api_conversations_open(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        users = str(params.get("users", "")).split(",")
        if len(users) != 1 or not users[0]:
            raise _Refusal("invalid_arguments")
        user = self._user(users[0])
        if user.get("deleted"):
            raise _Refusal("user_disabled")
        return {"channel": {"id": self.dm_of(users[0])}}

    def _channel(self, channel: str) -> None:
        if not channel.startswith("D"):
            raise _Refusal("channel_not_found")
        user_id = "U" + channel.removeprefix("D")
        if user_id not in self.users and not self.auto_users:
            raise _Refusal("channel_not_found")

    def _content(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        text, blocks = str(params.get("text") or ""), params.get("blocks")
        if blocks is None and not text:
            raise _Refusal("no_text")
        if blocks is not None:
            try:
                check_blocks(blocks)
            except BlockKitError:
                raise _Refusal("invalid_blocks") from None
            if blocks_text(blocks) > BLOCKS_TEXT:
                raise _Refusal("msg_blocks_too_long")
        if len(text) > 40_000:
            raise _Refusal("msg_too_long")
        return text, blocks or []

    def api_chat_postMessage(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        self._channel(channel)
        text, blocks = self._content(params)
        if self.enforce_rate:
            last = self._last_post.get(channel)
            if last is not None and now - last < self.min_interval - self.tolerance:
                raise _Refusal("ratelimited", 429, {"Retry-After": "1"})
        self._last_post[channel] = now
        metadata = params.get("metadata")
        message = Message(channel, f"{1700000000 + next(self._ts)}.000100", text, blocks,
                          metadata=metadata if isinstance(metadata, dict) else None)
        self.messages.append(message)
        if self.record is not None:
            self.record.write(json.dumps({"channel": channel, "ts": message.ts, "text": text,
                                          "blocks": blocks}) + "\n")
            self.record.flush()
        return {"channel": channel, "ts": message.ts,
                "message": {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID,
                            "text": text, "blocks": blocks, "ts": message.ts}}

    def api_chat_postEphemeral(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        """A message only ``user`` sees, until they reload: kept in ``ephemeral``."""
        channel, user = str(params.get("channel") or ""), str(params.get("user") or "")
        self._channel(channel)
        if user not in self.users and not self.auto_users:
            raise _Refusal("user_not_in_channel")
        text, blocks = self._content(params)
        self.ephemeral.append(Message(channel, f"{1700000000 + next(self._ts)}.000200", text,
                                      blocks))
        self._notify()
        return {"message_ts": self.ephemeral[-1].ts}

    def shared(self, channel: str | None = None) -> list[SharedFile]:
        """Files shared (in ``channel``), in order."""
        return [f for f in self.files.values()
                if f.channel is not None and (channel is None or f.channel == channel)]

    def api_files_getUploadURLExternal(self, params: dict[str, Any],
                                        now: float) -> dict[str, Any]:
        filename = str(params.get("filename") or "")
        try:
            length = int(params.get("length") or 0)
        except ValueError:
            raise _Refusal("invalid_arguments") from None
        if not filename or length <= 0:
            raise _Refusal("invalid_arguments")
        file_id = f"F{next(self._file_ids):08d}"
        self.files[file_id] = SharedFile(file_id, filename, length)
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    async def _response(self, request: web.Request) -> web.Response:
        """A slash command's ``response_url``: Slack shows the JSON posted there (ephemeral by
        default) to the user who typed the command."""
        self.responses.append(await request.json())
        self._notify()
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL: real Slack takes the bytes as the body and answers 200."""
        shared = self.files.get(request.match_info["file_id"])
        body = await request.read()
        if shared is None or shared.content is not None:
            return web.Response(status=404, text="not found")
        if len(body) != shared.length:
            return web.Response(status=400, text="length does not match")
        shared.content = body
        self._notify()
        return web.Response(text=f"OK - {len(body)}")

    def api_files_completeUploadExternal(self, params: dict[str, Any],
                                         now: float) -> dict[str, Any]:
        try:
            entries = json.loads(str(params.get("files") or "[]"))
        except json.JSONDecodeError:
            raise _Refusal("invalid_arguments") from None
        channel = str(params.get("channel_id") or "")
        if channel:
            self._channel(channel)
        done = []
        for entry in entries:
            shared = self.files.get(str(entry.get("id")))
            if shared is None or shared.content is None:
                raise _Refusal("file_not_found")
            shared.title = entry.get("title")
            shared.channel = channel or None
            shared.initial_comment = params.get("initial_comment")
            done.append({"id": shared.id, "name": shared.filename, "title": shared.title})
        return {"files": done}

    def api_chat_update(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        message = next((m for m in self.messages if m.channel == channel and m.ts == ts), None)
        if message is None:
            raise _Refusal("message_not_found")
        text, blocks = self._content(params)
        message.edits.append({"text": message.text, "blocks": message.blocks})
        message.text, message.blocks = text, blocks
        return {"channel": channel, "ts": ts, "text": text}

    def api_views_publish(self, params: dict[str, Any], now: float) -> dict[str, Any]:
        user_id, view = str(params.get("user_id") or ""), params.get("view")
        self._user(user_id)
        if not isinstance(view, dict) or view.get("type") != "home":
            raise _Refusal("invalid_arguments")
        try:
            check_blocks(view.get("blocks") or [], limit=100)
        except BlockKitError:
            raise _Refusal("invalid_blocks") from None
        self.homes.setdefault(user_id, []).append(view)
        return {"view": {"id": f"V{next(self._ts)}", "type": "home", **view}}

    # -- control endpoints for another process ---------------------------------------------------

    async def _control_envelope(self, request: web.Request) -> web.Response:
        data = await request.json()
        envelope_id = await self.socket.send(str(data["type"]), dict(data["payload"]),
                                             int(data.get("retry_attempt", 0)))
        ack = await self.socket.wait_ack(envelope_id, float(data.get("timeout", 5)))
        return web.json_response({"envelope_id": envelope_id, "ack": ack})

    async def _control_fail(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.fail_next(str(data["method"]), int(data.get("status", 200)),
                       str(data.get("error", "internal_error")), data.get("retry_after"),
                       int(data.get("count", 1)))
        return web.json_response({"ok": True})

    async def _control_users(self, request: web.Request) -> web.Response:
        data = await request.json()
        user = self.add_user(str(data["id"]), str(data.get("name", data["id"])), data.get("tz"))
        return web.json_response({"ok": True, "user": user, "dm": self.dm_of(user["id"])})

    async def _control_calls(self, request: web.Request) -> web.Response:
        return web.json_response([{"method": c.method, "status": c.status, "error": c.error,
                                   "params": c.params} for c in self.calls])


class _Refusal(Exception):
    def __init__(self, error: str, status: int = 200, headers: dict[str, str] | None = None):
        super().__init__(error)
        self.error, self.status, self.headers = error, status, headers or {}


# -- standalone ----------------------------------------------------------------------------------

async def _serve(args: argparse.Namespace) -> None:
    with contextlib.ExitStack() as stack:
        record = (stack.enter_context(Path(args.record).open("a", encoding="utf-8"))
                  if args.record else None)
        fake = FakeSlack(bot_token=args.bot_token, app_token=args.app_token,
                         enforce_rate=args.enforce_rate, auto_users=True, record=record,
                         host=args.host, port=args.port)
        await fake.start()
        print(fake.base_url, flush=True)
        print(f"fake Slack: SLACK_BOT_TOKEN={args.bot_token} SLACK_APP_TOKEN={args.app_token}; "
              f"[slack] api_base_url = \"{fake.base_url}\"", file=sys.stderr, flush=True)
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopped.set)
        try:
            await stopped.wait()
        finally:
            await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.slack_api",
                                     description="A fake Slack Web API and Socket Mode server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--record", help="append each accepted chat.postMessage here (JSONL)")
    parser.add_argument("--bot-token", default=BOT_TOKEN)
    parser.add_argument("--app-token", default=APP_TOKEN)
    parser.add_argument("--enforce-rate", action="store_true",
                        help="429 for a second message to a channel within a second")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
