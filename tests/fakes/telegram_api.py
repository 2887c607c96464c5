"""A fake Telegram Bot API server that the unmodified python-telegram-bot client talks to.

It speaks the Bot API's wire format: a POST to ``{base}{token}/{method}``, form-encoded (or
multipart when a file is uploaded), answered with ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": ..., "description": ..., "parameters": ...}``. ``getUpdates``
long-polls. Messages come back as Telegram builds them: the HTML is parsed into text and
entities (invalid HTML, over-long texts and captions, bad callback data are refused with 400
as Telegram refuses them), so a test sees what a learner would see.

Use it in tests::

    fake = FakeTelegram()
    await fake.start()                       # on 127.0.0.1, a free port
    settings.telegram.api_base_url = fake.base_url
    fake.push_message(42, "/start")          # a learner writes
    [reply] = await fake.wait_sent(1)        # what the bot sent
    fake.fail_next("sendMessage", 429, retry_after=1)
    await fake.stop()

or on its own, for a bot running in another process (prints its base URL first, then appends
every accepted message to FILE as one JSON line)::

    python -m tests.fakes.telegram_api --port 0 --record FILE [--limit-global 30 --limit-chat 1]
        [--hold-after N --hold-marker FILE] [--webhook URL ...]

A learner's message or any update is queued from outside with a POST to ``/fake/update``
(beside ``/bot...``): ``{"user_id": 42, "text": "/start"}`` for a message, a whole update
otherwise; the answer is the update queued. Queued updates go to ``getUpdates`` (polling) or,
with ``--webhook URL`` (once per replica), to the bots in webhook mode: each update is POSTed
as JSON to the URLs in turn, as a load balancer would, with the ``X-Telegram-Bot-Api-Secret-
Token`` header the bot gave ``setWebhook``, once a bot has set its webhook; one not answered
2xx goes to the next URL after a second, in order, as Telegram redelivers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import itertools
import json
import math
import re
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp
from aiohttp import web

TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "microlearn",
            "username": "microlearn_bot", "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False}
SEND_METHODS = ("sendMessage", "sendPhoto", "sendPoll", "sendDocument")
"""Methods that put a new message in a chat: recorded in :attr:`FakeTelegram.sent`."""
EDIT_METHODS = ("editMessageText", "editMessageReplyMarkup", "editMessageCaption")
"""Methods that change a message: recorded in :attr:`FakeTelegram.edits`."""
MESSAGE_LIMIT, CAPTION_LIMIT = 4096, 1024
DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
         "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
         "del": "strikethrough", "a": "text_link", "code": "code", "pre": "pre",
         "tg-spoiler": "spoiler", "span": "spoiler", "blockquote": "blockquote",
         "tg-emoji": "custom_emoji"}


class TelegramHTMLError(ValueError):
    """Text that Telegram's HTML parser refuses ("can't parse entities: ...")."""


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram-style HTML as (text, entities), strictly: only Telegram's tags, properly
    nested; ``<``, ``>`` and ``&`` only as tags or entities (``&lt; &gt; &amp; &quot;`` and
    numeric ones)."""
    text: list[str] = []
    length = 0
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    tag = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|"
                     r"'[^']*'|[^\s>\"']+))?)*)\s*>")
    attribute = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
    entity = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char == "<":
            match = tag.match(source, pos)
            if match is None:
                raise TelegramHTMLError(f"Unsupported start tag at byte offset {pos}")
            closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
            if name not in _TAGS:
                raise TelegramHTMLError(f'Unsupported start tag "{name}" at byte offset {pos}')
            if closing:
                if not stack or stack[-1][0] != name:
                    raise TelegramHTMLError(f'Unmatched end tag at byte offset {pos}, expected '
                                            f'"</{stack[-1][0] if stack else ""}>", found '
                                            f'"</{name}>"')
                opened, start, values = stack.pop()
                entities.append(_entity(opened, start, length - start, values, stack))
            else:
                values = {m.group(1).lower(): html.unescape(m.group(2) or m.group(3)
                                                            or m.group(4) or "")
                          for m in attribute.finditer(attrs)}
                if name == "a" and not values.get("href"):
                    raise TelegramHTMLError("Can't find href in the a tag")
                if name == "span" and values.get("class") != "tg-spoiler":
                    raise TelegramHTMLError('Tag "span" must have class "tg-spoiler"')
                stack.append((name, length, values))
            pos = match.end()
        elif char == "&":
            match = entity.match(source, pos)
            if match is None:
                raise TelegramHTMLError(f"Unsupported entity at byte offset {pos}: escape "
                                        "& as &amp;")
            piece = html.unescape(match.group(0))
            text.append(piece)
            length += utf16_length(piece)
            pos = match.end()
        elif char == ">":
            raise TelegramHTMLError(f"Unexpected > at byte offset {pos}: escape it as &gt;")
        else:
            end = pos
            while end < len(source) and source[end] not in "<&>":
                end += 1
            text.append(source[pos:end])
            length += utf16_length(source[pos:end])
            pos = end
    if stack:
        raise TelegramHTMLError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return "".join(text), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _entity(name: str, offset: int, length: int, values: dict[str, str],
            outer: list[tuple[str, int, dict[str, str]]]) -> dict[str, Any]:
    kind = _TAGS[name]
    if name == "blockquote" and "expandable" in values:
        kind = "expandable_blockquote"
    found: dict[str, Any] = {"type": kind, "offset": offset, "length": length}
    if name == "a":
        found["url"] = values["href"]
    if name == "code" and outer and outer[-1][0] == "pre":
        language = values.get("class", "").removeprefix("language-")
        found = {"type": "pre", "offset": offset, "length": length}
        if language:
            found["language"] = language
    return found


@dataclass
class SentMessage:
    """One message the bot put in a chat (or, in :attr:`FakeTelegram.edits`, changed)."""

    method: str
    chat_id: int
    message_id: int
    text: str
    """What the learner sees: the text (or caption, or poll question) after HTML parsing."""
    raw: str
    """The text or caption parameter exactly as the bot sent it."""
    reply_markup: dict[str, Any] | None
    time: float
    """Wall-clock seconds (``time.time()``) when the fake accepted it."""
    entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    poll: dict[str, Any] | None = None
    photo: str | None = None
    """For sendPhoto: the URL or file id sent, or 'upload:<bytes>' for an uploaded file."""
    document: bytes | None = None
    """For sendDocument: the file's content ..."""
    filename: str | None = None
    """... and its name, as uploaded."""

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b.get("text", ""), b.get("callback_data", "")) for row in rows for b in row]

    def as_json(self) -> dict[str, Any]:
        """The line written to the record file."""
        return {"method": self.method, "chat_id": self.chat_id, "message_id": self.message_id,
                "text": self.text, "reply_markup": self.reply_markup, "time": self.time}


@dataclass
class Call:
    """One request the fake answered."""

    method: str
    params: dict[str, Any]
    status: int
    time: float
    """``time.monotonic()`` when it was answered."""


@dataclass
class _Failure:
    method: str
    status: int
    description: str
    parameters: dict[str, Any]
    count: int
    chat_id: int | None
    after: int = 0
    page: str | None = None


class _Refusal(Exception):
    def __init__(self, status: int, description: str,
                 parameters: dict[str, Any] | None = None, page: str | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters
        self.page = page


_JSON_FIELDS = {"reply_markup", "options", "correct_option_ids", "allowed_updates", "commands",
                "link_preview_options", "entities", "caption_entities", "explanation_entities",
                "reply_parameters", "question_entities", "scope"}


class FakeTelegram:
    """The Bot API on 127.0.0.1 for one test (or one process: see the module's docstring)."""

    def __init__(self, token: str | None = None, host: str = "127.0.0.1", port: int = 0,
                 record: Path | str | None = None, deliver_to: Iterable[str] = ()) -> None:
        self.token = token
        """The only token accepted; None accepts any token of the right shape."""
        self.host, self.port = host, port
        self.bot_user = dict(BOT_USER)
        self.sent: list[SentMessage] = []
        self.edits: list[SentMessage] = []
        self.calls: list[Call] = []
        self.commands: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.callback_answers: dict[str, str | None] = {}
        """Callback query id -> the text it was answered with (None: answered without text)."""
        self.rejected = 0
        """Messages refused with 429 by the :meth:`limits` enforcement."""
        self._record_path = Path(record) if record else None
        self._record: IO[str] | None = None
        self._updates: list[dict[str, Any]] = []
        self.allowed_updates: list[str] = []
        """The update kinds the bot asked for (``getUpdates``' ``allowed_updates``); empty:
        every kind."""
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._poll_ids = itertools.count(5_000_000_001)
        self._file_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_message: dict[int, int] = {}
        self._polls: dict[str, dict[str, Any]] = {}
        self._poll_chats: dict[str, int] = {}
        self._files: set[str] = set()
        self._users: dict[int, dict[str, Any]] = {}
        self._pressed: list[str] = []
        self._failures: list[_Failure] = []
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._limits: tuple[float, float] | None = None
        self._window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._hold: tuple[int, Path] | None = None
        self._slow: deque[float] = deque()
        self._holding = False
        self.deliver_to = list(deliver_to)
        """Webhook URLs the queued updates are POSTed to in turn (empty: none, polling)."""
        self.webhook_posts: list[tuple[str, int, int]] = []
        """Each POST to a webhook: (URL, update id, HTTP status; 0 when none came back)."""
        self.redeliver_after = 1.0
        """Seconds before an update a webhook did not take goes to the next URL."""
        self._delivering: asyncio.Task[None] | None = None

    # -- running ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What goes in ``[telegram] api_base_url``."""
        return f"http://{self.host}:{self.port}/bot"

    async def start(self) -> None:
        """Listen on ``host`` (a free port unless one was given)."""
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._serve)
        app.router.add_post("/fake/update", self._queue_from_outside)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and getattr(server, "sockets", None)
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        if self._record_path is not None:
            self._record = self._record_path.open("a", encoding="utf-8")
        if self.deliver_to:
            self._delivering = asyncio.create_task(self._deliver())

    async def stop(self) -> None:
        """Release long polls and stop listening."""
        self._closing = True
        self._new_update.set()
        if self._delivering is not None:
            self._delivering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivering
            self._delivering = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._record is not None:
            self._record.close()
            self._record = None

    # -- fault injection and limits -----------------------------------------------------------

    def fail_next(self, method: str, status: int, description: str | None = None,
                  retry_after: float | None = None, count: int = 1,
                  migrate_to_chat_id: int | None = None, chat_id: int | None = None,
                  after: int = 0, page: str | None = None) -> None:
        """Answer the next ``count`` calls of ``method`` ('*' for any method; only those to
        ``chat_id`` when given), once ``after`` of them went through, with an error: 429 with
        ``parameters.retry_after``, 500, 403 "Forbidden: bot was blocked by the user", 400
        with ``migrate_to_chat_id``... With ``page``, the answer is that HTML page instead of
        the API's JSON, as a proxy in front of Telegram answers a 502."""
        parameters: dict[str, Any] = {}
        if retry_after is not None:
            parameters["retry_after"] = int(retry_after) if float(retry_after).is_integer() \
                else retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
            description = description or ("Bad Request: group chat was upgraded to a "
                                           "supergroup chat")
        text = description or DESCRIPTIONS.get(status, "Error").format(
            retry_after=parameters.get("retry_after", 1))
        self._failures.append(_Failure(method, status, text, parameters, count, chat_id, after,
                                       page))

    def slow_next(self, seconds: float) -> None:
        """Take the next message sent (any send method) at once, but answer only after
        ``seconds``: a client that gives up before then does not know it went out."""
        self._slow.append(seconds)

    def hold_after(self, count: int, marker: Path | str) -> None:
        """Once ``count`` messages were accepted, hold every send that follows unanswered (and
        never accept it): create ``marker``, and keep holding until ``marker`` is deleted, then
        refuse them with 500. A test kills the bot while sends are in flight, at a known point:
        nothing is accepted meanwhile, so what was accepted stays put while the test looks."""
        self._hold = (count, Path(marker))

    async def _held(self, method: str) -> None:
        if self._hold is None or method not in SEND_METHODS:
            return
        count, marker = self._hold
        if len(self.sent) < count:
            return
        if not self._holding:  # the first held send opens the hold; it ends with the marker
            self._holding = True
            marker.write_text("holding\n", encoding="utf-8")
        while marker.exists() and not self._closing:
            await asyncio.sleep(0.01)
        self._hold = None
        raise _Refusal(500, "Internal Server Error: held and dropped")

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every message to them gets 403."""
        self._blocked.add(chat_id)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: messages to the old id get 400 with the new one."""
        self._migrated[chat_id] = new_chat_id

    def limits(self, global_per_second: float = 30, per_chat_per_second: float = 1) -> None:
        """Enforce Telegram's rates: a message that would make more than ``global_per_second``
        in any one second overall, or ``per_chat_per_second`` in one chat, gets 429 with a
        retry_after (only accepted messages count)."""
        self._limits = (global_per_second, per_chat_per_second)

    # -- learners' side: updates ---------------------------------------------------------------

    def user(self, user_id: int, first_name: str | None = None, last_name: str | None = None,
             username: str | None = None) -> dict[str, Any]:
        """A Telegram user (remembered, so later updates from the same id match)."""
        known = self._users.get(user_id)
        if known is None or first_name is not None or last_name is not None or username:
            known = {"id": user_id, "is_bot": False,
                     "first_name": first_name or (known or {}).get("first_name") or "Ada",
                     "language_code": "en"}
            if last_name:
                known["last_name"] = last_name
            if username:
                known["username"] = username
            self._users[user_id] = known
        return known

    def chat(self, chat_id: int) -> dict[str, Any]:
        """The chat object for an id: private for a user, a group or supergroup otherwise."""
        if chat_id > 0:
            person = self.user(chat_id)
            chat = {"id": chat_id, "type": "private", "first_name": person["first_name"]}
            if "last_name" in person:
                chat["last_name"] = person["last_name"]
            return chat
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Team {abs(chat_id)}"}

    def message_update(self, user_id: int, text: str, chat_id: int | None = None,
                       first_name: str | None = None, last_name: str | None = None,
                       username: str | None = None,
                       reply_to: SentMessage | None = None) -> dict[str, Any]:
        """The update for a user's text message (not queued: see :meth:`push_message`)."""
        chat_id = user_id if chat_id is None else chat_id
        message: dict[str, Any] = {
            "message_id": self._message_id(chat_id),
            "from": self.user(user_id, first_name, last_name, username),
            "chat": self.chat(chat_id), "date": int(time.time()), "text": text}
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": utf16_length(command)}]
        if reply_to is not None:
            message["reply_to_message"] = self._messages[(reply_to.chat_id, reply_to.message_id)]
        return {"update_id": next(self._update_ids), "message": message}

    def edited_update(self, user_id: int, text: str, chat_id: int | None = None,
                      after: int = 5) -> dict[str, Any]:
        """The update for a user's edit, ``after`` seconds later, of an earlier message of
        theirs (given its new text)."""
        update = self.message_update(user_id, text, chat_id)
        message = update.pop("message")
        message["date"] -= after
        message["edit_date"] = message["date"] + after
        return {**update, "edited_message": message}

    def membership_update(self, user_id: int, status: str, old_status: str) -> dict[str, Any]:
        """The ``my_chat_member`` update of a private chat: the user blocked the bot
        (``kicked``) or unblocked it (``member``)."""
        bot = dict(BOT_USER)
        return {"update_id": next(self._update_ids), "my_chat_member": {
            "chat": self.chat(user_id), "from": self.user(user_id), "date": int(time.time()),
            "old_chat_member": {"status": old_status, "user": bot,
                                **({"until_date": 0} if old_status == "kicked" else {})},
            "new_chat_member": {"status": status, "user": bot,
                                **({"until_date": 0} if status == "kicked" else {})}}}

    def callback_update(self, user_id: int, message: SentMessage, data: str | None = None,
                        index: int | None = None) -> dict[str, Any]:
        """The update for a press on one of a message's inline buttons (by its callback data,
        or its position counted over all rows)."""
        current = self._messages[(message.chat_id, message.message_id)]
        buttons = [b for row in current.get("reply_markup", {}).get("inline_keyboard", [])
                   for b in row]
        if data is None:
            if index is None or not 0 <= index < len(buttons):
                raise ValueError(f"the message has {len(buttons)} buttons, no index {index}")
            data = buttons[index]["callback_data"]
        query_id = f"{next(self._callback_ids)}{user_id}"
        self._pressed.append(query_id)
        return {"update_id": next(self._update_ids), "callback_query": {
            "id": query_id, "from": self.user(user_id),
            "chat_instance": f"ci{message.chat_id}", "data": data, "message": current}}

    def poll_answer_update(self, user_id: int, poll_id: str,
                           option_ids: Iterable[int]) -> dict[str, Any]:
        """The update for a vote in one of the bot's polls (empty: the vote taken back)."""
        chosen = list(option_ids)
        poll = self._polls[poll_id]
        persistent = [poll["options"][i]["persistent_id"] for i in chosen]
        return {"update_id": next(self._update_ids), "poll_answer": {
            "poll_id": poll_id, "user": self.user(user_id), "option_ids": chosen,
            "option_persistent_ids": persistent}}

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for ``getUpdates``."""
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        self._new_update.set()
        return update

    def push_message(self, user_id: int, text: str, **details: Any) -> dict[str, Any]:
        """A user writes ``text`` (see :meth:`message_update` for the details)."""
        return self.push_update(self.message_update(user_id, text, **details))

    def press_button(self, user_id: int, message: SentMessage, data: str | None = None,
                     index: int | None = None) -> dict[str, Any]:
        """A user presses a button of ``message``."""
        return self.push_update(self.callback_update(user_id, message, data, index))

    def answer_poll(self, user_id: int, poll_id: str, option_ids: Iterable[int]) -> dict[str, Any]:
        """A user votes in a poll."""
        return self.push_update(self.poll_answer_update(user_id, poll_id, option_ids))

    # -- what the bot did ---------------------------------------------------------------------

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        """The messages sent to one chat, in order."""
        return [message for message in self.sent if message.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """A message as it stands now (after edits), as Telegram would return it."""
        return self._messages[(chat_id, message_id)]

    def unanswered_callbacks(self) -> list[str]:
        """Button presses the bot has not answered with ``answerCallbackQuery``."""
        return [query for query in self._pressed if query not in self.callback_answers]

    def refused_sends(self) -> list[Call]:
        """Every request that would have put a message in a chat and was refused."""
        return [call for call in self.calls if call.method in SEND_METHODS and call.status != 200]

    def calls_of(self, method: str) -> list[Call]:
        """Every request of one method, answered or refused."""
        return [call for call in self.calls if call.method == method]

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a later ``getUpdates`` offset."""
        return len(self._updates)

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``condition()`` holds; AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"the fake Bot API did not see that within {timeout} s")
            await asyncio.sleep(0.005)

    async def wait_sent(self, count: int, chat_id: int | None = None,
                        timeout: float = 5.0) -> list[SentMessage]:
        """Wait until ``count`` messages were sent (to ``chat_id``); returns them all."""
        def chosen() -> list[SentMessage]:
            return self.sent if chat_id is None else self.sent_to(chat_id)
        await self.wait_for(lambda: len(chosen()) >= count, timeout)
        return list(chosen())

    # -- webhooks -----------------------------------------------------------------------------

    async def _deliver(self) -> None:
        """POST the queued updates, oldest first, to :attr:`deliver_to` in turn while a webhook
        is set (as Telegram does, with the secret the bot set); an update is dropped from the
        queue only when a bot answered it 2xx."""
        turn = 0
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while not self._closing:
                if self.webhook is None or not self._updates:
                    await asyncio.sleep(0.02)  # getUpdates clears _new_update: not ours to share
                    continue
                update = self._updates[0]
                url = self.deliver_to[turn % len(self.deliver_to)]
                turn += 1
                secret = self.webhook.get("secret_token")
                headers = {"X-Telegram-Bot-Api-Secret-Token": str(secret)} if secret else {}
                try:
                    async with session.post(url, json=update, headers=headers) as response:
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0
                self.webhook_posts.append((url, int(update["update_id"]), status))
                if 200 <= status < 300:
                    if self._updates and self._updates[0] is update:
                        self._updates.pop(0)
                else:
                    await asyncio.sleep(self.redeliver_after)

    async def _queue_from_outside(self, request: web.Request) -> web.Response:
        """``POST /fake/update``: queue ``{"user_id", "text"[, "chat_id"]}`` as a message, or a
        whole update; answers the update queued."""
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"ok": False, "description": "the body is not JSON"},
                                     status=400)
        if not isinstance(body, dict):
            return web.json_response({"ok": False, "description": "send one JSON object"},
                                     status=400)
        if "text" in body and "user_id" in body:
            update = self.push_message(int(body["user_id"]), str(body["text"]),
                                       chat_id=_int(body.get("chat_id")))
        else:
            update = self.push_update(body)
        return web.json_response({"ok": True, "result": update})

    # -- serving ------------------------------------------------------------------------------

    async def _serve(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.match_info["token"]
        params = await self._params(request)
        status, body = 200, {}
        try:
            if not TOKEN_SHAPE.match(token):
                raise _Refusal(404, "Not Found")
            if self.token is not None and token != self.token:
                raise _Refusal(401, "Unauthorized")
            self._inject(method, params)
            await self._held(method)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise _Refusal(404, "Not Found")
            result = await handler(params)
            if method in SEND_METHODS and self._slow:
                await asyncio.sleep(self._slow.popleft())
            body = {"ok": True, "result": result}
        except _Refusal as refusal:
            status = refusal.status
            if refusal.page is not None:
                self.calls.append(Call(method, {k: v for k, v in params.items()
                                                if not isinstance(v, bytes)}, status,
                                       time.monotonic()))
                return web.Response(status=status, text=refusal.page, content_type="text/html")
            body = {"ok": False, "error_code": status, "description": refusal.description}
            if refusal.parameters:
                body["parameters"] = refusal.parameters
        self.calls.append(Call(method, {k: v for k, v in params.items()
                                        if not isinstance(v, bytes)}, status, time.monotonic()))
        return web.json_response(body, status=status)

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        params[key] = value.file.read()
                        params[f"{key}.filename"] = value.filename
                    else:
                        params[key] = str(value)
        for key, value in list(params.items()):
            if isinstance(value, str) and (key in _JSON_FIELDS or value in ("true", "false")):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        for key, value in list(params.items()):  # an upload is referenced as attach://name
            if isinstance(value, str) and value.startswith("attach://"):
                name = value.removeprefix("attach://")
                params[key] = params.get(name, value)
                if f"{name}.filename" in params:
                    params[f"{key}.filename"] = params[f"{name}.filename"]
        return params

    def _inject(self, method: str, params: dict[str, Any]) -> None:
        chat = _int(params.get("chat_id"))
        for failure in self._failures:
            if failure.method in (method, "*") and failure.chat_id in (None, chat):
                if failure.after > 0:
                    failure.after -= 1
                    continue
                failure.count -= 1
                if failure.count <= 0:
                    self._failures.remove(failure)
                raise _Refusal(failure.status, failure.description, failure.parameters,
                               failure.page)

    def _chat_for_message(self, params: dict[str, Any]) -> int:
        chat = _int(params.get("chat_id"))
        if chat is None:
            raise _Refusal(400, "Bad Request: chat_id is empty")
        if chat in self._migrated:
            raise _Refusal(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": self._migrated[chat]})
        if chat in self._blocked:
            raise _Refusal(403, "Forbidden: bot was blocked by the user")
        return chat

    def _admit(self, chat: int) -> None:
        """The rate limits, when enforced; called after every other check passed."""
        if self._limits is None:
            return
        overall, per_chat = self._limits
        now = time.monotonic()
        window = self._chat_windows.setdefault(chat, deque())
        for times in (self._window, window):
            while times and times[0] <= now - 1.0:
                times.popleft()
        waits = []
        if len(self._window) >= overall:
            waits.append(self._window[-int(overall)] + 1.0 - now)
        if len(window) >= per_chat:
            waits.append(window[-int(per_chat)] + 1.0 - now)
        if waits:
            self.rejected += 1
            retry = max(1, math.ceil(max(waits)))
            raise _Refusal(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self._window.append(now)
        window.append(now)

    def _message_id(self, chat: int) -> int:
        number = self._next_message.get(chat, 1)
        self._next_message[chat] = number + 1
        return number

    def _record_sent(self, sent: SentMessage) -> None:
        self.sent.append(sent)
        if self._record is not None:
            self._record.write(json.dumps(sent.as_json(), ensure_ascii=False) + "\n")
            self._record.flush()

    @staticmethod
    def _formatted(params: dict[str, Any], key: str,
                   limit: int) -> tuple[str, list[dict[str, Any]], str]:
        raw = str(params.get(key, ""))
        mode = str(params.get("parse_mode", "")).lower()
        if mode == "html":
            try:
                text, entities = parse_html(raw)
            except TelegramHTMLError as exc:
                raise _Refusal(400, f"Bad Request: can't parse entities: {exc}") from None
        elif mode:
            raise _Refusal(400, f"Bad Request: unsupported parse_mode {mode!r} in this fake")
        else:
            text, entities = raw, []
        if utf16_length(text.strip()) > limit:
            what = "message caption" if key == "caption" else "message"
            raise _Refusal(400, f"Bad Request: {what} is too long")
        return text, entities, raw

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup in (None, ""):
            return None
        if not isinstance(markup, dict):
            raise _Refusal(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise _Refusal(400, "Bad Request: text buttons are unallowed in the inline "
                                        "keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                    raise _Refusal(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _new_message(self, chat: int, **content: Any) -> dict[str, Any]:
        message = {"message_id": self._message_id(chat), "from": self.bot_user,
                   "chat": self.chat(chat), "date": int(time.time()), **content}
        self._messages[(chat, message["message_id"])] = message
        return message

    # -- the Bot API methods ------------------------------------------------------------------

    async def _api_getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    def _drop_unwanted(self) -> None:
        """As Telegram does, updates of a kind the bot did not ask for never reach it."""
        if self.allowed_updates:
            self._updates = [u for u in self._updates
                             if any(kind in u for kind in self.allowed_updates)]

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list) and allowed:  # kept until a call asks for others
            self.allowed_updates = [str(kind) for kind in allowed]
        offset = _int(params.get("offset")) or 0
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._drop_unwanted()
        limit = _int(params.get("limit")) or 100
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, 50)
        while not self._updates and not self._closing:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), left)
        self._drop_unwanted()
        return self._updates[:limit]

    async def _api_deleteWebhook(self, _params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _Refusal(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = dict(params)
        return True

    async def _api_getWebhookInfo(self, _params: dict[str, Any]) -> dict[str, Any]:
        url = (self.webhook or {}).get("url", "")
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100 or any(
                not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", "")))
                or not 1 <= len(str(c.get("description", ""))) <= 256 for c in commands):
            raise _Refusal(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands = commands
        return True

    async def _api_getMyCommands(self, _params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands

    async def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._chat_for_message(params)
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query = str(params.get("callback_query_id", ""))
        if query not in self._pressed:
            raise _Refusal(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")
        if query in self.callback_answers:
            raise _Refusal(400, "Bad Request: query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise _Refusal(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query] = None if text is None else str(text)
        return True

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_message(params)
        text, entities, raw = self._formatted(params, "text", MESSAGE_LIMIT)
        if not text.strip():
            raise _Refusal(400, "Bad Request: message text is empty")
        markup = self._check_markup(params.get("reply_markup"))
        self._admit(chat)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        if markup:
            content["reply_markup"] = markup
        message = self._new_message(chat, **content)
        self._record_sent(SentMessage("sendMessage", chat, message["message_id"], text, raw,
                                      markup, time.time(), entities,
                                      params.get("parse_mode")))
        return message

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_message(params)
        photo = params.get("photo")
        if isinstance(photo, bytes):
            if not photo:
                raise _Refusal(400, "Bad Request: file must be non-empty")
            shown = f"upload:{len(photo)}"
        elif isinstance(photo, str) and (photo.startswith(("http://", "https://"))
                                         or photo in self._files):
            shown = photo
        else:
            raise _Refusal(400, "Bad Request: wrong file identifier/HTTP URL specified")
        caption, entities, raw = self._formatted(params, "caption", CAPTION_LIMIT)
        markup = self._check_markup(params.get("reply_markup"))
        self._admit(chat)
        file_id = photo if isinstance(photo, str) and photo in self._files \
            else f"photo-{next(self._file_ids)}"
        self._files.add(file_id)
        size = len(photo) if isinstance(photo, bytes) else 50_000
        content: dict[str, Any] = {"photo": [
            {"file_id": f"{file_id}-s", "file_unique_id": f"{file_id}-us", "width": 90,
             "height": 60, "file_size": size // 10},
            {"file_id": file_id, "file_unique_id": f"{file_id}-u", "width": 1280,
             "height": 853, "file_size": size}]}
        self._files.add(f"{file_id}-s")
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        if markup:
            content["reply_markup"] = markup
        message = self._new_message(chat, **content)
        self._record_sent(SentMessage("sendPhoto", chat, message["message_id"], caption, raw,
                                      markup, time.time(), entities, params.get("parse_mode"),
                                      photo=shown))
        return message

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_message(params)
        document = params.get("document")
        if not isinstance(document, bytes) or not document:
            raise _Refusal(400, "Bad Request: file must be non-empty")
        if len(document) > 50 * 1024 * 1024:  # the Bot API's limit for bots
            raise _Refusal(413, "Request Entity Too Large")
        filename = str(params.get("document.filename") or "document")
        caption, entities, raw = self._formatted(params, "caption", CAPTION_LIMIT)
        markup = self._check_markup(params.get("reply_markup"))
        self._admit(chat)
        file_id = f"document-{next(self._file_ids)}"
        self._files.add(file_id)
        content: dict[str, Any] = {"document": {
            "file_id": file_id, "file_unique_id": f"{file_id}-u", "file_name": filename,
            "file_size": len(document)}}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        message = self._new_message(chat, **content)
        self._record_sent(SentMessage("sendDocument", chat, message["message_id"], caption, raw,
                                      markup, time.time(), entities, params.get("parse_mode"),
                                      document=document, filename=filename))
        return message

    async def _api_sendPoll(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_message(params)
        question = str(params.get("question", ""))
        raw_options = params.get("options")
        if not isinstance(raw_options, list):
            raise _Refusal(400, "Bad Request: can't parse options JSON object")
        options = [str(o.get("text", "")) if isinstance(o, dict) else str(o)
                   for o in raw_options]
        kind = str(params.get("type", "regular"))
        anonymous = params.get("is_anonymous", True) is not False
        correct = params.get("correct_option_ids") or []
        if "correct_option_id" in params:
            correct = [_int(params["correct_option_id"])]
        explanation = params.get("explanation")
        if not 1 <= len(question) <= 300:
            raise _Refusal(400, "Bad Request: poll question length must not exceed 300")
        if not 2 <= len(options) <= 12:
            raise _Refusal(400, "Bad Request: poll must have 2-12 options")
        if any(not 1 <= len(option) <= 100 for option in options):
            raise _Refusal(400, "Bad Request: poll options length must not exceed 100")
        if kind == "quiz" and (not correct or any(not 0 <= i < len(options) for i in correct)):
            raise _Refusal(400, "Bad Request: wrong correct option ID specified")
        if explanation is not None and len(str(explanation)) > 200:
            raise _Refusal(400, "Bad Request: explanation length must not exceed 200")
        self._admit(chat)
        poll_id = str(next(self._poll_ids))
        poll: dict[str, Any] = {
            "id": poll_id, "question": question,
            "options": [{"text": text, "voter_count": 0, "persistent_id": str(i)}
                        for i, text in enumerate(options)],
            "total_voter_count": 0, "is_closed": False, "is_anonymous": anonymous,
            "type": kind, "allows_multiple_answers": params.get("allows_multiple_answers") is True,
            "allows_revoting": False, "members_only": False}
        if kind == "quiz":
            poll["correct_option_ids"] = list(correct)
            if explanation:
                poll["explanation"] = str(explanation)
        self._polls[poll_id] = poll
        self._poll_chats[poll_id] = chat
        message = self._new_message(chat, poll=poll)
        self._record_sent(SentMessage("sendPoll", chat, message["message_id"], question,
                                      question, None, time.time(), poll=poll))
        return message

    async def _api_stopPoll(self, params: dict[str, Any]) -> dict[str, Any]:
        """Close a poll the bot sent: no more votes; the stopped poll is the answer."""
        chat, message = self._existing(params)
        poll = message.get("poll")
        if poll is None:
            raise _Refusal(400, "Bad Request: message with poll to stop not found")
        if poll["is_closed"]:
            raise _Refusal(400, "Bad Request: poll has already been closed")
        self._admit(chat)
        poll["is_closed"] = True
        self.edits.append(SentMessage("stopPoll", chat, message["message_id"],
                                      str(poll["question"]), "", None, time.time()))
        return dict(poll)

    def _existing(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat = self._chat_for_message(params)
        key = (chat, _int(params.get("message_id")) or 0)
        if key not in self._messages:
            raise _Refusal(400, "Bad Request: message to edit not found")
        return chat, self._messages[key]

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._existing(params)
        text, entities, raw = self._formatted(params, "text", MESSAGE_LIMIT)
        if not text.strip():
            raise _Refusal(400, "Bad Request: message text is empty")
        markup = self._check_markup(params.get("reply_markup"))
        if (text == message.get("text") and entities == message.get("entities", [])
                and markup == message.get("reply_markup")):
            raise _Refusal(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        self._admit(chat)
        message.update(text=text, edit_date=int(time.time()))
        message.pop("entities", None)
        message.pop("reply_markup", None)
        if entities:
            message["entities"] = entities
        if markup:
            message["reply_markup"] = markup
        self.edits.append(SentMessage("editMessageText", chat, message["message_id"], text, raw,
                                      markup, time.time(), entities, params.get("parse_mode")))
        return message

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._existing(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise _Refusal(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        self._admit(chat)
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        self.edits.append(SentMessage("editMessageReplyMarkup", chat, message["message_id"],
                                      str(message.get("text", "")), "", markup, time.time()))
        return message


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


async def _serve_forever(args: argparse.Namespace) -> None:
    fake = FakeTelegram(token=args.token, host=args.host, port=args.port, record=args.record,
                        deliver_to=args.webhook or ())
    if args.limit_global or args.limit_chat:
        fake.limits(args.limit_global or math.inf, args.limit_chat or math.inf)
    if args.hold_after is not None:
        fake.hold_after(args.hold_after, args.hold_marker)
    await fake.start()
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    print(fake.base_url, flush=True)
    try:
        await stopped.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.fakes.telegram_api``: the fake on its own, until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--record", type=Path, help="append every accepted message to this "
                                                    "file, one JSON line each")
    parser.add_argument("--token", help="accept only this token (default: any well-formed one)")
    parser.add_argument("--limit-global", type=float, default=0,
                        help="answer 429 above this many messages per second overall")
    parser.add_argument("--limit-chat", type=float, default=0,
                        help="answer 429 above this many messages per second in one chat")
    parser.add_argument("--hold-after", type=int, default=None,
                        help="hold the send that follows this many accepted messages")
    parser.add_argument("--hold-marker", type=Path, default=None,
                        help="created while holding; delete it to let the held send fail")
    parser.add_argument("--webhook", action="append", metavar="URL",
                        help="POST queued updates to this bot's webhook (repeat for replicas: "
                             "in turn), with the secret it set, once it has set its webhook")
    args = parser.parse_args(argv)
    if args.hold_after is not None and args.hold_marker is None:
        parser.error("--hold-after needs --hold-marker")
    asyncio.run(_serve_forever(args))


if __name__ == "__main__":
    main()
