"""What learners do in Slack, turned into neutral events and answered.

Four kinds of request reach the bot, in Socket Mode and HTTP mode alike:

- a DM to the bot (``message`` event, ``channel_type: im``): the words, as on every platform;
- ``/learn <words>``, from anywhere: a lookup, answered in the DM;
- a press of an answer button: graded, and the question's message updated with the result;
  of a lesson's "Got it" or a lookup's "Add to my reviews": done, and the button replaced by
  what it did; or of an App Home button (``lesson``, ``quiz``, ...): run as if typed in the DM;
- ``app_home_opened`` on the Home tab: the learner's streak, points, badges and next lesson.

Each listener acknowledges first (Slack wants an answer within 3 s and retries otherwise), then
does the work in bolt's background task. An event Slack delivers again (``X-Slack-Retry-Num``,
or a second connection) is recognised by its ``event_id`` and handled once. The bot's own
messages and message subtypes that are not a person typing (edits, joins, bot messages) are
ignored; a message with a file attached is read by its words. A failure while handling one
request is logged and answered politely; the bot goes on.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_bolt.async_app import AsyncApp

from bot.adapters.chat_locks import ChatLocks
from bot.adapters.inflight import InFlight
from bot.adapters.recent import RecentIds
from bot.adapters.slack.blocks import ANSWER_ACTION, COMMAND_ACTION, LESSON_ACTION
from bot.adapters.slack.mrkdwn import to_plain
from bot.errors import (
    AlreadyHandled,
    DatabaseAway,
    DeliveryError,
    RecipientUnreachable,
    TemporaryDeliveryError,
)
from bot.messages import (
    CheckDone,
    Feedback,
    Inbound,
    LessonRead,
    Notice,
    NoticeCode,
    NotIt,
    Outbound,
    Platform,
    QuestionMessage,
    Rated,
    ReviewsAdded,
    answers_given,
)

if TYPE_CHECKING:
    from bot.adapters.slack.adapter import SlackAdapter

log = logging.getLogger(__name__)
Ack = Callable[..., Awaitable[None]]
Respond = Callable[..., Awaitable[Any]]
"""bolt's ``respond``: posts to a slash command's ``response_url``."""
COMMAND = "/learn"
EVENTS = {"message": "message.im", "app_home_opened": "app_home_opened"}
"""The events listened to, and their subscription names in slack/manifest.yml."""
DRAIN_SECONDS = 25.0
"""How long a shutdown waits for replies still being written: paced at one message a second a
DM, a burst takes a while, and an orchestrator's usual grace before it kills is 30 s."""
WORDS_LIMIT = 40_000
"""Longer text is cut before the engine sees it (Slack's own limit for a message): a question
may come after a long paste, and lookup reads a message's start and end."""


STALE_NOTES = (Notice(NoticeCode.ALREADY_ANSWERED), Notice(NoticeCode.QUESTION_CLOSED))
"""What a tap on an answer button that no longer counts is told (ephemerally)."""


PERSON_SUBTYPES = (None, "", "file_share", "thread_broadcast")
"""Message subtypes a person typed: plain, with a file attached (a screenshot of a suspicious
mail, with the question), or a thread reply also sent to the conversation."""


def is_person_typing(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A DM a person typed: not an edit, a join, a bot's message, or our own."""
    return (event.get("channel_type") == "im" and event.get("subtype") in PERSON_SUBTYPES
            and not event.get("bot_id") and bool(event.get("user"))
            and event.get("user") != bot_user_id and bool(event.get("channel")))


def learn_words(text: str) -> str:
    """What ``/learn <words>`` means in the bot's words: a lookup, or help when empty."""
    words = " ".join(to_plain(text).split())
    return f"learn {words}" if words and words.lower() != "help" else "help"


class Listeners:
    """bolt listeners of one :class:`SlackAdapter`."""

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter
        self.seen = RecentIds()
        self._work = InFlight("Slack requests", "slack")
        self._order = ChatLocks()

    def register(self, app: AsyncApp) -> None:
        app.event("message")(self.on_message)  # EVENTS
        app.event("app_home_opened")(self.on_home_opened)
        app.command(COMMAND)(self.on_learn)
        app.action(re.compile(rf"^{ANSWER_ACTION}-\d+$"))(self.on_answer)
        app.action(re.compile(rf"^{COMMAND_ACTION}-[a-z]+$"))(self.on_home_button)
        app.action(re.compile(rf"^{LESSON_ACTION}-(read|add|notit|up|down|pick-\d)$"))(
            self.on_lesson_button)

    # -- listeners: ack, then hand the work to a task of ours -----------------------------------

    async def on_message(self, ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        await ack()
        if not is_person_typing(event, self.adapter.bot_user_id) or not self._first(body):
            return
        user, channel = str(event["user"]), str(event["channel"])
        self.adapter.directory.remember_dm(user, channel)
        text = to_plain(without_mention(str(event.get("text") or ""),
                                        self.adapter.bot_user_id))[:WORDS_LIMIT]
        event_id = str(body.get("event_id") or "") or None
        await self._run(user, channel,
                        self.converse(user, channel, text=text, event_id=event_id))

    async def on_learn(self, ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        user, where = str(command["user_id"]), str(command.get("channel_id") or "")
        known = self.adapter.directory.known_dm(user)
        await ack()  # within Slack's 3 s; where the answer goes is said once it is known
        words = learn_words(str(command.get("text") or ""))[:WORDS_LIMIT]

        async def work() -> None:
            try:
                channel = await self.adapter.directory.dm(user)
            except DeliveryError as exc:
                # Said where it was typed, rather than leave the learner waiting (said before
                # the DM opened, "the answer is in your messages with me" had come first).
                log.warning("/learn: could not open the DM (%s)", exc,
                            extra={"platform": "slack"})
                await self.tell(respond, self.adapter.blocks.phrase("learn_no_dm"))
                return
            if where != channel:  # typed in a channel: the answer is in the DM, say so there
                await self.tell(respond, self.adapter.blocks.phrase("learn_elsewhere"))
            await self.converse(user, channel, text=words)
        await self._run(user, known, work())

    async def tell(self, respond: Respond, text: str) -> None:
        """Answer a slash command where it was typed (its ``response_url``: seen only by the
        one who typed it)."""
        try:
            answer = await respond(text=text, response_type="ephemeral")
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:  # expired, unreachable
            log.warning("/learn: could not answer through its response_url: %s",
                        type(exc).__name__, extra={"platform": "slack"})
            return
        if getattr(answer, "status_code", 200) >= 300:
            log.warning("/learn: its response_url refused the answer (HTTP %s)",
                        answer.status_code, extra={"platform": "slack"})

    async def on_answer(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user = str(body["user"]["id"])
        container = body.get("container") or {}
        channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
        ts = str(container.get("message_ts") or "")
        original = (body.get("message") or {}).get("blocks") or []
        chosen = str((action.get("text") or {}).get("text") or "")
        await self._run(user, channel, self.answer(user, channel, ts, str(action.get("value") or ""),
                                             chosen, original))

    async def on_lesson_button(self, ack: Ack, body: dict[str, Any],
                               action: dict[str, Any]) -> None:
        await ack()
        user = str(body["user"]["id"])
        container = body.get("container") or {}
        channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
        message = body.get("message") or {}
        await self._run(user, channel, self.lesson_button(
            user, channel, str(container.get("message_ts") or ""),
            str(action.get("value") or ""), str(action.get("block_id") or ""),
            str(message.get("text") or ""), message.get("blocks") or []))

    async def on_home_button(self, ack: Ack, body: dict[str, Any],
                             action: dict[str, Any]) -> None:
        await ack()
        user, words = str(body["user"]["id"]), str(action.get("value") or "help")

        async def work() -> None:
            channel = await self.adapter.directory.dm(user)
            await self.converse(user, channel, text=words)
        await self._run(user, self.adapter.directory.known_dm(user), work())

    async def on_home_opened(self, ack: Ack, body: dict[str, Any],
                             event: dict[str, Any]) -> None:
        await ack()
        if event.get("tab") != "home" or not event.get("user") or not self._first(body):
            return
        user, channel = str(event["user"]), str(event.get("channel") or "")
        if channel:
            self.adapter.directory.remember_dm(user, channel)
        await self._run(user, channel, self.home(user, channel or None))

    # -- the work -------------------------------------------------------------------------------

    async def neutral(self, user: str, channel: str | None, text: str | None = None,
                      answer: str | None = None, event_id: str | None = None) -> Inbound:
        """The neutral event, with the name and time zone ``users.info`` gives (cached);
        ``event_id``: the Events API's id of a message, which Slack sends again when it heard
        back too late (handled once, whichever replica it reaches)."""
        person = await self.adapter.directory.person(user)
        return Inbound(Platform.SLACK, user, chat_id=channel, text=text, answer=answer,
                       display_name=person.display_name, time_zone=person.time_zone,
                       event_id=event_id)

    async def handle(self, inbound: Inbound) -> Sequence[Outbound]:
        host = self.adapter.host
        if host is None:
            raise RuntimeError("the Slack adapter got an event before start()")
        try:
            return await host.handle(inbound)
        except AlreadyHandled:
            return []  # Slack sent the event again: answered by whoever handled it

    async def converse(self, user: str, channel: str, text: str,
                       event_id: str | None = None) -> None:
        replies = await self.handle(await self.neutral(user, channel, text=text,
                                                       event_id=event_id))
        await self.adapter.reply(channel, replies, user)

    async def answer(self, user: str, channel: str, ts: str, value: str, chosen: str,
                     original: list[dict[str, Any]]) -> None:
        """Grade a button press; the feedback goes into the question's own message."""
        replies = list(await self.handle(await self.neutral(user, channel, answer=value)))
        given = list(replies)
        feedback = next((reply for reply in replies if isinstance(reply, Feedback)), None)
        first = replies[0] if replies else None
        if feedback is None and ts and original and (
                (isinstance(first, QuestionMessage) and first.check == "pre")
                or (isinstance(first, CheckDone) and first.phase == "pre")):
            # A baseline check's answer: the buttons go, the choice stays, with no verdict
            # (nothing may give the answer away).
            blocks = self.adapter.blocks.answered_blocks(original, chosen, [])
            try:
                async with self.adapter.pacer.slot(channel):
                    await self.adapter.update(channel, ts, chosen or "microlearn", blocks)
            except DeliveryError as exc:
                log.info("could not update the question message: %s", exc,
                         extra={"platform": "slack"})
        if feedback is not None and ts and original:
            render = self.adapter.blocks
            # The choice's words and how sure, not the button's label ("3 · guessing", a
            # choice's text cut to fit a button).
            chosen = render.answer_recap(answers_given([feedback])[0])
            blocks = render.answered_blocks(original, chosen, render.feedback_blocks(feedback))
            text = render.feedback_preview(feedback)
            try:
                async with self.adapter.pacer.slot(channel):
                    await self.adapter.update(channel, ts, text, blocks)
                replies.remove(feedback)
            except DeliveryError as exc:  # an old or deleted message: post the feedback instead
                log.info("could not update the question message: %s", exc,
                         extra={"platform": "slack"})
        await self.adapter.close_answered(given, pressed=ts)  # its other copies
        if len(replies) == 1 and replies[0] in STALE_NOTES:
            # A second tap (or a tap on an old copy): the note is for the tapper alone, and
            # not a message that stays in the conversation.
            [note] = self.adapter.blocks.messages(replies)
            if await self.adapter.whisper(channel, user, note):
                return
        await self.adapter.reply(channel, replies, user)

    async def lesson_button(self, user: str, channel: str, ts: str, value: str, block_id: str,
                            text: str, original: list[dict[str, Any]]) -> None:
        """A "Got it", "Add to my reviews" or rating press: what it did replaces the
        button(s)."""
        replies = list(await self.handle(await self.neutral(user, channel, answer=value)))
        done = replies[0] if replies else None
        if isinstance(done, LessonRead | ReviewsAdded | Rated | NotIt) and ts and original:
            blocks = self.adapter.blocks.pressed_blocks(original, block_id, done)
            try:
                async with self.adapter.pacer.slot(channel):
                    await self.adapter.update(channel, ts, text or "microlearn", blocks)
                replies.remove(done)
            except DeliveryError as exc:  # an old or deleted message: say it instead
                log.info("could not update the lesson message: %s", exc,
                         extra={"platform": "slack"})
        await self.adapter.reply(channel, replies, user)

    async def home(self, user: str, channel: str | None) -> None:
        """Publish the App Home: the learner's standing, or an invitation to someone not
        enrolled (opening a tab enrols nobody, nor brings back someone who said "forget")."""
        host = self.adapter.host
        profile = await host.standing(Platform.SLACK, user) if host is not None else None
        await self.adapter.publish_home(user, self.adapter.blocks.home_view(profile))

    # -- one error boundary per request ---------------------------------------------------------

    def _first(self, body: dict[str, Any]) -> bool:
        event_id = body.get("event_id")
        if not event_id:
            return True
        if self.seen.first(str(event_id)):
            return True
        log.info("Slack delivered event %s again: already handled", event_id,
                 extra={"platform": "slack"})
        return False

    async def _run(self, user: str, channel: str | None, work: Awaitable[None]) -> None:
        """Run one request's work, after the work of ``user``'s requests that came before it
        (each request is a task of its own: without the wait, `time 10:00` and `time 11:00`
        a moment apart were handled side by side, and could end at 10:00); a failure is
        logged and answered politely, never fatal."""
        with self._work.tracked():
            async with self._order.hold(user):
                await self._answer(channel, work)

    async def _answer(self, channel: str | None, work: Awaitable[None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except RecipientUnreachable as exc:
            log.info("cannot reply: %s", exc, extra={"platform": "slack"})
        except TemporaryDeliveryError as exc:
            # Handled and recorded; only the reply did not get through after its retries.
            log.warning("a reply was lost: %s", exc, extra={"platform": "slack"})
            await self.adapter.sorry(channel, lost=True)
        except DeliveryError as exc:
            log.error("Slack refused a reply: %s", exc, extra={"platform": "slack"})
            await self.adapter.sorry(channel, lost=True)
        except DatabaseAway as exc:
            log.warning("%s", exc, extra={"platform": "slack"})
            await self.adapter.sorry(channel)
        except Exception:  # the inbound dispatch: one of the two catch-all places (STYLE)
            log.exception("handling a Slack request failed", extra={"platform": "slack"})
            await self.adapter.sorry(channel)

    async def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        """Wait for requests being handled (at shutdown), at most ``timeout`` seconds; those
        still unanswered then are cancelled and counted in the log: Slack was told they were
        received and will not send them again."""
        await self._work.drain(timeout)


def without_mention(text: str, bot_user_id: str | None) -> str:
    """The words without a mention of the bot itself ("@microlearn help" in its DM is
    "help"): it names who is asked, not what."""
    if not bot_user_id:
        return text
    # The mention alone is a hello.
    return re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[\s,:]*", " ", text).strip() or "hi"
