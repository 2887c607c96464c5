"""The Slack adapter: slack-bolt's ``AsyncApp`` in Socket Mode or HTTP mode, and every send.

Every Web API call goes through one ``AsyncWebClient`` (client.py: ``api_base_url``, retry
handlers) and every error through one mapping (errors.py). Every message to a channel, pushed or
replied, waits for its turn in :attr:`SlackAdapter.pacer`: 1 message a second per DM, and
``[slack] messages_per_second`` for the whole workspace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.base import Route, reply_lost
from bot.adapters.pacing import Pacer
from bot.adapters.recent import ShownQuestions
from bot.adapters.slack.blocks import Block, BlockRenderer, SlackMessage
from bot.adapters.slack.client import web_client
from bot.adapters.slack.directory import Directory
from bot.adapters.slack.errors import CALL_ERRORS, delivery_error, start_error, token_refused
from bot.adapters.slack.http import ReplayGuard, events_route
from bot.adapters.slack.inbound import Listeners
from bot.config import Secrets, SlackSettings
from bot.errors import (
    AdapterStartError,
    DeliveryError,
    RateLimited,
    RecipientUnreachable,
    TemporaryDeliveryError,
)
from bot.messages import Outbound, Platform, answers_given
from bot.ports import Host, Progress, Recipient, Sent

log = logging.getLogger(__name__)
PER_CHANNEL = 1.0
"""Slack's documented pace for chat.postMessage: about one message a second per channel."""
CONNECT_TIMEOUT = 20.0
"""Seconds to open the Socket Mode websocket before start gives up."""
REPLY_TRIES = 4
"""A reply that meets a 429 waits Retry-After and tries again, this many times in all; one
that meets a passing server or network error (after the client's own retry) waits
``reply_backoff`` seconds, doubled each time."""
REPLY_BACKOFF = 0.5
MARK_EVENT = "microlearn_delivery"
"""The message metadata event type that marks a scheduled post with its delivery and part."""
HISTORY_LIMIT = 50
"""Messages of the DM looked at for the marks of a delivery retried after an unknown outcome."""
SCOPES = {
    "chat_postMessage": "chat:write", "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "conversations_open": "im:write", "users_info": "users:read",
    "views_publish": None, "auth_test": None, "apps_connections_open": None,
    "conversations_history": "im:history", "files_upload_v2": "files:write",
}
"""Every Web API method the adapter calls, and the bot scope it needs (slack/manifest.yml lists
them, with ``im:history`` for DMs and ``commands`` for /learn; a test keeps them in step)."""


def _mark(key: str | None, part: int) -> dict[str, Any] | None:
    """The metadata of part ``part`` of delivery ``key`` (Slack keeps it with the message)."""
    if key is None:
        return None
    return {"event_type": MARK_EVENT, "event_payload": {"delivery": key, "part": part}}


class SlackAdapter:
    """Slack for microlearn: DMs, Block Kit lessons and quizzes, ``/learn``, the App Home."""

    platform = Platform.SLACK

    def __init__(self, settings: SlackSettings, secrets: Secrets,
                 per_channel: float = PER_CHANNEL, lessons_dir: Path | None = None) -> None:
        self.settings = settings
        self.secrets = secrets
        self.pacer = Pacer(settings.messages_per_second, per_channel)
        self.client = web_client(secrets.slack_bot_token, settings.api_base_url)
        self.delivery_client = web_client(secrets.slack_bot_token, settings.api_base_url,
                                          blind_retries=False)
        self.blocks = BlockRenderer(lessons_dir)
        self.directory = Directory(self.client)
        self.bot_user_id: str | None = None
        self.host: Host | None = None
        self._authorized: AuthorizeResult | None = None
        self.reply_backoff = REPLY_BACKOFF
        self.token_refused: str | None = None
        """Why the last post was refused for the bot's token, until one succeeds."""
        self._shown: ShownQuestions[tuple[str, str, list[Block]]] = ShownQuestions()
        """Each question's post (channel, ts, blocks), for a typed answer."""

        async def authorize() -> AuthorizeResult:  # bolt passes a method's 'self' by name
            return await self._authorize()

        bolt_log = logging.getLogger("bot.adapters.slack.bolt")
        level = bolt_log.level
        # bolt reads SLACK_BOT_TOKEN itself and warns that it goes unused: the client and the
        # authorization below are how the token is used, so that warning is no news.
        bolt_log.setLevel(logging.ERROR)
        try:
            self.app = AsyncApp(
                client=self.client, name="microlearn",
                signing_secret=secrets.slack_signing_secret or "",
                # Socket Mode requests come over our own authenticated websocket; bolt never
                # checks them (and our HTTP route always does).
                request_verification_enabled=settings.mode == "http",
                # The identity start() checked: bolt's own check (auth.test at the first
                # request) would, on a passing error, drop that request and tell the learner to
                # reinstall the app.
                authorize=authorize, logger=bolt_log)
        finally:
            bolt_log.setLevel(level)
        self.listeners = Listeners(self)
        self.listeners.register(self.app)
        self.socket: AsyncSocketModeHandler | None = None
        self._quiesced = False

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, host: Host) -> None:
        """Check the bot token, then connect (Socket Mode) or get ready for requests (HTTP)."""
        self.host = host
        self._quiesced = False
        try:
            identity = await self.client.auth_test()
        except CALL_ERRORS as exc:
            raise start_error(exc, "SLACK_BOT_TOKEN", "checking the bot token (auth.test)") from exc
        self._remember(identity)
        self.bot_user_id = str(identity.get("user_id") or "") or None
        log.info("Slack: signed in to team %s as %s (%s mode)", identity.get("team_id"),
                 identity.get("user_id"), self.settings.mode, extra={"platform": "slack"})
        if self.settings.mode == "socket":
            await self._connect()

    async def _authorize(self) -> AuthorizeResult:
        """Who the bot is, for bolt: as start() found it (checked again only if a request
        came before it, which an error answers as bolt would)."""
        if self._authorized is None:
            return self._remember(await self.client.auth_test())
        return self._authorized

    def _remember(self, identity: Any) -> AuthorizeResult:
        """The bot's identity from an ``auth.test`` answer, kept for bolt."""
        self._authorized = AuthorizeResult.from_auth_test_response(
            bot_token=self.secrets.slack_bot_token, auth_test_response=identity)
        return self._authorized

    async def _connect(self) -> None:
        token = self.secrets.slack_app_token or ""
        handler = AsyncSocketModeHandler(self.app, app_token=token, web_client=self.client,
                                         logger=logging.getLogger("bot.adapters.slack.socket"))
        try:
            # Asked here, not inside the SDK's connect loop, which retries a bad token forever.
            opened = await self.client.apps_connections_open(app_token=token)
        except CALL_ERRORS as exc:
            await handler.close_async()  # type: ignore[no-untyped-call]
            raise start_error(exc, "SLACK_APP_TOKEN",
                              "opening Socket Mode (apps.connections.open)") from exc
        handler.client.wss_uri = str(opened["url"])
        try:
            await asyncio.wait_for(handler.connect_async(), CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
        except TimeoutError as exc:
            await handler.close_async()  # type: ignore[no-untyped-call]
            raise AdapterStartError(
                f"the Socket Mode websocket did not open within {CONNECT_TIMEOUT:.0f} s; check "
                "the network, or use [slack] mode = \"http\"") from exc
        self.socket = handler

    def routes(self) -> Sequence[Route]:
        """HTTP mode: Slack's Request URL on our web server; nothing in Socket Mode."""
        if self.settings.mode != "http":
            return []
        guard = ReplayGuard(self.secrets.slack_signing_secret or "")
        return [events_route(self.app, self.settings.events_path, guard)]

    async def connected(self) -> bool:
        """HTTP mode: started (requests come to the web server); Socket Mode: the websocket
        is open; and the last post was not refused for its token (revoked, expired)."""
        if self.host is None or self.token_refused is not None:
            return False  # a revoked token: nothing the bot posts reaches anyone
        if self.settings.mode != "socket":
            return True
        if self.socket is None:
            return False
        websocket = self.socket.client  # the Socket Mode session, not a Web API client
        return bool(await websocket.is_connected())

    async def quiesce(self) -> None:
        """At shutdown: take no more events (the websocket closes) and wait for the replies
        being written, up to a limit (:meth:`SlackListeners.drain`); once (stop() after the
        runtime's quiesce() does not wait a second time)."""
        if self._quiesced:
            return
        self._quiesced = True
        if self.socket is not None:
            await self.socket.close_async()  # type: ignore[no-untyped-call]
            self.socket = None
        await self.listeners.drain()

    async def stop(self) -> None:
        """Close the websocket (Socket Mode) and wait for replies being written."""
        await self.quiesce()

    # -- scheduled deliveries -----------------------------------------------------------------

    async def send(self, recipient: Recipient, messages: Sequence[Outbound],
                   skip: int = 0, progress: Progress | None = None) -> Sent:
        """Post one delivery to the learner's DM (opened first when it is not known yet), each
        Slack message in its turn of the pacer; the first ``skip`` went out on an earlier try.

        Messages without buttons are joined into one Slack message, so a delivery is almost
        always one message; when a later one fails, the error's ``sent`` says how many went. A
        429 (on opening the DM or on a post) pauses every Slack send for its Retry-After before
        :class:`~bot.errors.RateLimited` is raised.
        """
        try:
            return await self._send(recipient, messages, skip, progress)
        except RateLimited as exc:
            self.pacer.pause(exc.retry_after)
            raise

    async def _send(self, recipient: Recipient, messages: Sequence[Outbound], skip: int,
                    progress: Progress | None) -> Sent:
        opened = None
        channel = recipient.chat_id
        if channel is None:
            channel = opened = await self.directory.dm(recipient.user_id)
        first: str | None = None
        slack_messages = self.blocks.messages(messages)
        key = recipient.delivery
        # After a try whose outcome is unknown, the posts Slack did take are in the DM,
        # marked with this delivery and their part: they are not posted again.
        already = await self._marked(channel, key) if key and recipient.retry else {}
        for done, message in enumerate(slack_messages[skip:]):
            part = skip + done
            try:
                if part in already:
                    ts = already[part]
                    log.info("Slack already has part %d of delivery %s: not posted again",
                             part, key, extra={"platform": "slack",
                                               "learner": recipient.learner_id})
                else:
                    async with self.pacer.slot(channel):
                        recipient.confirm(done)
                        ts = await self.post(channel, message, _mark(key, part))
            except DeliveryError as exc:
                exc.sent = done
                raise
            first = first or ts
            if progress is not None and skip + done + 1 < len(slack_messages):
                await progress(skip + done + 1, Sent(ts, chat_id=opened))
        return Sent(first, chat_id=opened)

    # -- Web API calls, errors mapped ---------------------------------------------------------

    async def post(self, channel: str, message: SlackMessage,
                   metadata: dict[str, Any] | None = None) -> str:
        """``chat.postMessage``; the new message's ``ts``. A scheduled post (``metadata``,
        its delivery mark) goes through the client without blind retries."""
        if message.upload is not None:
            return await self.upload(channel, message)
        client = self.delivery_client if metadata is not None else self.client
        if message.photo is not None:
            await self.share_photo(client, channel, *message.photo)
        try:
            response = await client.chat_postMessage(
                channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False,
                unfurl_media=False, metadata=metadata)
        except CALL_ERRORS as exc:
            error = delivery_error(exc, "chat.postMessage")
            if token_refused(exc):
                self.token_refused = str(error)
            raise error from exc
        self.token_refused = None
        ts = str(response.get("ts") or "")
        if message.ask_id is not None and ts:
            self._shown.remember(message.ask_id, (channel, ts, message.blocks))
        return ts

    async def whisper(self, channel: str, user: str, message: SlackMessage) -> bool:
        """``chat.postEphemeral``: ``message`` seen by ``user`` alone and gone on reload (a
        note on a press that did nothing should not stay in the conversation). False when
        Slack did not take it; the caller then posts it."""
        try:
            async with self.pacer.slot(channel):
                await self.client.chat_postEphemeral(channel=channel, user=user,
                                                     text=message.text, blocks=message.blocks)
        except CALL_ERRORS as exc:
            log.info("could not post an ephemeral note: %s",
                     delivery_error(exc, "chat.postEphemeral"), extra={"platform": "slack"})
            return False
        return True

    async def upload(self, channel: str, message: SlackMessage) -> str:
        """Share ``message.upload`` in ``channel`` with ``message.text`` as its comment (files
        upload v2: an upload URL, the bytes, then the share); the file's id."""
        assert message.upload is not None
        filename, content = message.upload
        try:
            response = await self.client.files_upload_v2(
                channel=channel, filename=filename, title=filename, content=content,
                initial_comment=message.text)
        except CALL_ERRORS as exc:
            raise delivery_error(exc, "files.upload") from exc
        shared = response.get("files") or [{}]
        return str(shared[0].get("id") or "")

    async def share_photo(self, client: AsyncWebClient, channel: str, path: Path,
                          title: str) -> None:
        """Share a lesson's local image in ``channel`` (files upload v2). An image that cannot
        be read or that Slack refuses is logged and left out: it must not cost the lesson; a
        rate limit or an outage is raised, so the post is tried again with its image."""
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            log.warning("Slack: lesson image %s unreadable (%s); sending text only", path.name,
                        exc.strerror, extra={"platform": "slack"})
            return
        try:
            # A scheduled delivery's client, which never retries blindly: a share that timed
            # out may have happened.
            await client.files_upload_v2(channel=channel, filename=path.name, file=content,
                                         title=title, alt_txt=title[:1000])
        except CALL_ERRORS as exc:
            error = delivery_error(exc, "files.upload")
            if isinstance(error, TemporaryDeliveryError | RecipientUnreachable):
                raise error from exc
            log.warning("Slack: lesson image %s refused (%s); sending text only", path.name,
                        error, extra={"platform": "slack"})

    async def _marked(self, channel: str, key: str) -> dict[int, str]:
        """The parts of delivery ``key`` already in the DM (part -> ts), from its recent
        history; a delivery's parts are never far back (one DM, the same local day)."""
        try:
            response = await self.delivery_client.conversations_history(
                channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True)
        except CALL_ERRORS as exc:
            raise delivery_error(exc, "conversations.history") from exc
        found: dict[int, str] = {}
        for item in response.get("messages") or []:
            metadata = item.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (metadata.get("event_type") == MARK_EVENT and payload.get("delivery") == key
                    and isinstance(payload.get("part"), int)):
                found[payload["part"]] = str(item.get("ts") or "")
        return found

    async def update(self, channel: str, ts: str, text: str, blocks: list[Block]) -> None:
        """``chat.update`` of one of the bot's messages."""
        try:
            await self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except CALL_ERRORS as exc:
            raise delivery_error(exc, "chat.update") from exc

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """``views.publish`` of the user's App Home."""
        try:
            await self.client.views_publish(user_id=user_id, view=view)
        except CALL_ERRORS as exc:
            raise delivery_error(exc, "views.publish") from exc

    # -- replies to what a learner did --------------------------------------------------------

    async def reply(self, channel: str, outbounds: Sequence[Outbound],
                    user: str | None = None) -> None:
        """Post the engine's replies, paced like every other message. When Slack takes none
        of them, the host hears it for ``user`` (a lesson in them is taken back) before the
        error goes on."""
        await self.close_answered(outbounds)
        posted = 0
        try:
            for message in self.blocks.messages(outbounds):
                await self.post_paced(channel, message)
                posted += 1
        except DeliveryError:
            if not posted and user is not None and self.host is not None:
                await reply_lost(self.host, Platform.SLACK, user, outbounds)
            raise

    async def close_answered(self, outbounds: Sequence[Outbound],
                             pressed: str | None = None) -> None:
        """A question answered by typing loses its buttons and says the answer, as one
        answered by a press does: left, they invited a second answer. So does every other
        message showing it (asked again by the next day's quiz, or by its reminder) when it
        was answered by a press on the message at ``pressed`` (its ts: that one shows the
        result). Failures are logged."""
        shown = [(given, where) for given in answers_given(outbounds)
                 for where in self._shown.take(given.ask_id) if where[1] != pressed]
        for given, (channel, ts, original) in shown:
            chosen = self.blocks.answer_recap(given)
            try:
                async with self.pacer.slot(channel):
                    await self.update(channel, ts, chosen,
                                      self.blocks.answered_blocks(original, chosen, []))
            except DeliveryError as exc:
                log.info("could not take an answered question's buttons off: %s", exc,
                         extra={"platform": "slack"})

    async def post_paced(self, channel: str, message: SlackMessage) -> str:
        """One reply in its turn; a 429 pauses all Slack sends, then the reply tries again."""
        for attempt in range(1, REPLY_TRIES + 1):
            try:
                async with self.pacer.slot(channel):
                    return await self.post(channel, message)
            except RateLimited as exc:
                self.pacer.pause(exc.retry_after)
                if attempt == REPLY_TRIES:
                    raise
                log.warning("Slack rate limit on a reply: waiting %.1f s", exc.retry_after,
                            extra={"platform": "slack"})
            except TemporaryDeliveryError as exc:
                # The engine has recorded what the learner did (an answer graded, a lesson
                # counted): its reply is worth a few seconds of a passing Slack error.
                if attempt == REPLY_TRIES:
                    raise
                delay = self.reply_backoff * 2 ** (attempt - 1)
                log.warning("a reply failed for now (%s); trying again in %.1f s", exc, delay,
                            extra={"platform": "slack"})
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def sorry(self, channel: str | None, lost: bool = False) -> None:
        """The polite answer when handling an event failed (best effort: never raises);
        ``lost``: what the learner did was recorded, only its reply did not reach Slack."""
        if not channel:
            return
        try:
            await self.post_paced(channel, self.blocks.sorry(lost))
        except DeliveryError as exc:
            log.warning("could not even apologise: %s", exc, extra={"platform": "slack"})
