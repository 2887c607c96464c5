"""The Telegram adapter: python-telegram-bot's ``Application`` inside our event loop.

Inbound, every update (a message, an answer button, a quiz-poll vote) becomes a neutral
:class:`~bot.messages.Inbound`; the host runs the engine and the replies are rendered and sent
(a quiz poll in a reply is reported to the host at once). One chat's updates are handled in
order, different chats side by side. Outbound, the dispatcher calls
:meth:`TelegramAdapter.send` with one delivery, and gets back the quiz polls it sent in
:attr:`~bot.ports.Sent.polls`, to record with the delivery. Every message, pushed or a
reply, waits for :attr:`TelegramAdapter.pacer` (``[telegram] messages_per_second`` overall, 1/s
per chat); PTB's ``AIORateLimiter`` adds Telegram's per-group limit (20 a minute). Its own
overall limit and its resending after a 429 are off: a 429 must pause every send of the bot (the
pacer does that), whereas PTB's retry holds only PTB's queue while the pacer keeps admitting
more, which then leave together when the pause ends and trip the limit again, wave after wave.
A 429 on a push pauses the pacer before :class:`~bot.errors.RateLimited` goes to the dispatcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode, PollType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest

from bot.adapters.base import Route, reply_lost
from bot.adapters.chat_locks import ChatLocks
from bot.adapters.inflight import InFlight
from bot.adapters.outage import Outage
from bot.adapters.pacing import Pacer
from bot.adapters.recent import ShownQuestions
from bot.adapters.telegram import errors
from bot.adapters.telegram.formatting import MESSAGE_LIMIT, to_plain, visible_length
from bot.adapters.telegram.inbound import (
    ALLOWED_UPDATES,
    BLOCKED,
    blocked_change,
    reply_chat,
    to_inbound,
)
from bot.adapters.telegram.redaction import TokenFilter, hide_token, remove
from bot.adapters.telegram.render import (
    Button,
    Document,
    Part,
    Photo,
    Poll,
    TelegramRenderer,
    Text,
    command_menu,
    multi_keyboard,
    multi_labels,
    parse_multi,
)
from bot.adapters.telegram.webhook import Outcome, webhook_route
from bot.config import TelegramSettings
from bot.errors import AlreadyHandled, DatabaseAway, RateLimited, RecipientUnreachable, TemporaryDeliveryError
from bot.messages import (
    AllRead,
    BadgesEarned,
    CheckDone,
    ChoiceRange,
    Feedback,
    Invalid,
    LessonMessage,
    LessonRead,
    NothingDue,
    Notice,
    NoticeCode,
    NotIt,
    Outbound,
    Platform,
    QuestionMessage,
    Rated,
    Reloaded,
    Reminder,
    Resumed,
    ReviewsAdded,
    TopicsNow,
    UnknownCommand,
    ZoneNow,
    answers_given,
)
from bot.ports import Host, PollSent, Progress, Recipient, Sent

if TYPE_CHECKING:
    from telegram._utils.types import CorrectOptionIds

log = logging.getLogger(__name__)
LIMITER_LOG = logging.getLogger("telegram.ext.AIORateLimiter")
REQUEST_LOG = logging.getLogger("telegram.request.BaseRequest")


def _not_a_429(record: logging.LogRecord) -> bool:
    """PTB's limiter logs every 429 it passes on as an ERROR with a traceback; the adapter and
    the dispatcher handle those (pause, reschedule) and log each once, as a warning. Other
    records of the limiter pass."""
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, RetryAfter)


def _not_a_page(record: logging.LogRecord) -> bool:
    """PTB logs every answer that is not JSON (a proxy's 502 page while Telegram restarts) as
    an ERROR with a traceback and the whole page, for every try of every learner; the error it
    raises is handled and logged by the adapter and the dispatcher, without the page. Kept
    with ``-vv`` (DEBUG), where the page may help."""
    return (not str(record.msg).startswith("Can not load invalid JSON data")
            or REQUEST_LOG.isEnabledFor(logging.DEBUG))

COMMANDS = command_menu()
"""The command menu Telegram shows (``setMyCommands``); the same words work without a slash."""
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
POLLING_TASK = "Updater:start_polling:polling_task"
"""The name PTB gives its polling loop's task."""
POLL_AGAIN_FIRST = 5.0
POLL_AGAIN_MAX = 300.0
"""Seconds before polling is tried again after PTB gave it up, doubling up to the second."""
POLLING_QUIET = 35.0
"""Seconds without a failed getUpdates before polling counts as connected again (PTB retries
a failing one at most 30 s apart)."""
WEBHOOK_CHECK_S = 60.0
"""How often /healthz asks Telegram whether the webhook is still this bot's (getWebhookInfo)."""
DRAIN_SECONDS = 20.0
"""How long a shutdown waits for replies being written: with the dispatcher's own wait beside
it (not after it), the process is done within an orchestrator's usual 30 s grace."""
SEND_READ_TIMEOUT = 30.0
"""Seconds to wait for the Bot API's answer to a call (PTB's default is 5): an answer that
never comes leaves the outcome unknown, and a retry then may send a message twice."""


class _PollRequest(HTTPXRequest):
    """The connection ``getUpdates`` alone uses (PTB's default for it: one connection), telling
    ``answered`` of each call that worked (PTB's polling loop reports failures only; ``post``,
    where PTB reads the answer, is final)."""

    def __init__(self, answered: Callable[[], None]) -> None:
        super().__init__(connection_pool_size=1)
        self._answered = answered

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(*args, **kwargs)
        if status == HTTPStatus.OK:  # the Bot API answers every error with another status
            self._answered()
        return status, payload


def _keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(button.label, callback_data=button.data)
                                  for button in row] for row in rows])


def _poll_sent(part: Part, message: Message) -> PollSent | None:
    """The quiz poll a part became, if it was one."""
    if isinstance(part, Poll) and message.poll is not None:
        return PollSent(message.poll.id, part.ask_id)
    return None


def _moved(chat: str, recipient: Recipient) -> str | None:
    """The chat a delivery went to, when it is not the one the recipient had."""
    return chat if chat != recipient.chat_id else None


def _file_base(api_base_url: str) -> str:
    """The file download address that goes with an API address (…/bot -> …/file/bot)."""
    base = api_base_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("bot")] + "file/bot"
    return base + "/file/"


class TelegramAdapter:
    """Learners on Telegram: lessons, quizzes (buttons or quiz polls), lookups and settings."""

    platform = Platform.TELEGRAM

    def __init__(self, settings: TelegramSettings, token: str, lessons_dir: Path | str,
                 webhook_secret: str | None = None, pacer: Pacer | None = None,
                 rate_limit_retries: int = 0, network_retries: int = 2) -> None:
        self.settings = settings
        self.pacer = pacer or Pacer(settings.messages_per_second, 1)
        self.renderer = TelegramRenderer(lessons_dir, settings.quiz_style)
        self.network_retries = network_retries
        self._token = token
        self._webhook_secret = webhook_secret
        self._host: Host | None = None
        self._stopping = False
        self._polling: asyncio.Task[Any] | None = None
        self._restart: asyncio.Task[None] | None = None
        self._polling_failed_at = -math.inf
        """When getUpdates last failed (monotonic): failing now is not connected."""
        self._outage = Outage("telegram")
        """getUpdates failing since: its end is logged once."""
        self._chats = ChatLocks()
        self._webhook_checked_at = -WEBHOOK_CHECK_S
        self._webhook_ok = True
        self._work = InFlight("telegram: updates", "telegram")
        """Updates being handled (their replies are waited for at shutdown, up to a limit)."""
        self._waiting: dict[int, tuple[asyncio.Future[Outcome], bool]] = {}
        """Webhook updates whose request waits to be answered, by update id: the outcome to
        answer with, once known, and whether this is the update's last try."""
        self._processing: set[asyncio.Task[None]] = set()
        """Their tasks (held here: the loop keeps only a weak reference)."""
        self._photos: dict[str, str] = {}
        self._shown: ShownQuestions[tuple[str, int, bool, str | None]] = ShownQuestions()
        """Each question's messages, for a typed answer: (chat, message id, a quiz poll?, its
        text as sent, None for a caption)."""
        self._random = random.Random()
        # Before the client is built: PTB logs its URLs (token included) at DEBUG on creation.
        self._filter: TokenFilter | None = hide_token(token, webhook_secret)
        builder = (ApplicationBuilder().token(token)
                   .base_url(settings.api_base_url).base_file_url(_file_base(settings.api_base_url))
                   .rate_limiter(AIORateLimiter(overall_max_rate=0,
                                                max_retries=rate_limit_retries))
                   # PTB waits 5 s for an answer; a send Telegram took but answered later
                   # would count as failed and go again. Wait longer for answers (and for a
                   # photo's upload): a slow platform is waited for, not sent to twice.
                   .read_timeout(SEND_READ_TIMEOUT).write_timeout(SEND_READ_TIMEOUT)
                   .concurrent_updates(True).job_queue(None))
        if settings.mode == "webhook":
            builder = builder.updater(None)
        else:
            builder = builder.get_updates_request(_PollRequest(self._outage.answered))
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))

    # -- life cycle -------------------------------------------------------------------------

    @property
    def bot(self) -> Bot:
        """The Bot API client."""
        bot: Bot = self.application.bot
        return bot

    @property
    def where(self) -> str:
        """The Bot API address, without the token (safe to log)."""
        return self.settings.api_base_url

    async def start(self, host: Host) -> None:
        """Check the token (``getMe``), set the command menu, then poll or register the
        webhook. :class:`~bot.errors.AdapterStartError` when the token is wrong or the API
        cannot be reached."""
        self._host = host
        if self._filter is None:
            self._filter = hide_token(self._token, self._webhook_secret)
        if _not_a_429 not in LIMITER_LOG.filters:  # at start, not at import: once per process
            LIMITER_LOG.addFilter(_not_a_429)
        if _not_a_page not in REQUEST_LOG.filters:
            REQUEST_LOG.addFilter(_not_a_page)
        app = self.application
        try:
            await app.initialize()
            await self._set_commands()
            if self.settings.mode == "webhook":
                assert self.settings.webhook_url and self._webhook_secret
                await app.bot.set_webhook(self.settings.webhook_url,
                                          secret_token=self._webhook_secret,
                                          allowed_updates=list(ALLOWED_UPDATES))
            else:
                await self._warn_of_a_webhook()
            await app.start()
            self._stopping = False
            await self._start_polling()
        except InvalidToken as exc:
            await self._shut_down()
            raise errors.start_error(exc, self.where) from None  # PTB's message has the token
        except TelegramError as exc:
            await self._shut_down()
            raise errors.start_error(exc, self.where) from exc
        except BaseException:
            await self._shut_down()
            raise
        log.info("telegram: running as @%s (%s)", app.bot.username, self.settings.mode,
                 extra={"platform": "telegram"})

    async def _warn_of_a_webhook(self) -> None:
        """Polling takes the bot's webhook away (Telegram serves one or the other): say so
        when one was set, since replicas in webhook mode then hear nothing."""
        try:
            info = await self.application.bot.get_webhook_info()
        except TelegramError as exc:
            if isinstance(exc, InvalidToken):
                raise
            return  # polling fails loudly on its own if the API is down
        if info.url:
            log.warning("telegram: this bot had a webhook (to %s), which polling removes: "
                        "processes in webhook mode stop getting updates. Run every replica "
                        "with [telegram] mode = \"webhook\", or only this one in polling mode",
                        urlsplit(info.url).netloc or "an address", extra={"platform": "telegram"})

    async def _set_commands(self) -> None:
        try:
            await self.application.bot.set_my_commands(
                [BotCommand(name, description) for name, description in COMMANDS])
        except TelegramError as exc:  # a menu is a comfort: the bot works without it
            if isinstance(exc, InvalidToken):
                raise
            log.warning("telegram: could not set the command menu: %s", exc.message,
                        extra={"platform": "telegram"})

    def _polling_failed(self) -> None:
        """A try to fetch updates failed: not connected for a while, and one more failed
        attempt to count when it works again."""
        self._polling_failed_at = time.monotonic()
        self._outage.failed()

    def _polling_error(self, error: TelegramError) -> None:
        self._polling_failed()
        hint = ("; another process is polling this bot: run one poller, or set [telegram] "
                "mode = \"webhook\" for several replicas" if isinstance(error, Conflict) else "")
        log.warning("telegram: getUpdates failed (retrying): %s%s", errors.said(error), hint,
                    extra={"platform": "telegram"})

    async def _start_polling(self, watch: bool = True) -> None:
        """Poll (in polling mode), and watch the poller: PTB gives up polling for good at the
        first 401 (a token revoked, or a passing error), and its updater still says running."""
        updater = self.application.updater
        if updater is None:
            return
        await updater.start_polling(allowed_updates=list(ALLOWED_UPDATES),
                                    error_callback=self._polling_error)
        if not watch:
            return
        # The only handle on PTB's polling loop is its task, found by the name PTB gives it.
        self._polling = next((task for task in asyncio.all_tasks()
                              if task.get_name() == POLLING_TASK), None)
        if self._polling is not None:
            self._polling.add_done_callback(self._polling_ended)

    def _polling_ended(self, task: asyncio.Task[Any]) -> None:
        if self._stopping or task.cancelled():
            return
        self._polling_failed()
        error = task.exception()
        log.error("telegram: polling for updates stopped (%s); trying again every while, and "
                  "/healthz says not connected meanwhile: check TELEGRAM_BOT_TOKEN if it goes on",
                  type(error).__name__ if error else "ended", extra={"platform": "telegram"})
        self._restart = asyncio.get_running_loop().create_task(self._poll_again())

    async def _poll_again(self) -> None:
        delay = POLL_AGAIN_FIRST
        while not self._stopping:
            await asyncio.sleep(delay)
            updater = self.application.updater
            assert updater is not None
            try:
                # PTB's stop() raises the error its loop died of before it clears the loop's
                # stop signal, and a loop started with the signal set spins without fetching.
                # So every try first runs a start and a stop, which clear it (a stop that
                # completes does; the fetched updates' offset is kept, so none is handled
                # twice), and only then polls for real.
                if updater.running:
                    with contextlib.suppress(TelegramError):
                        await updater.stop()
                await self._start_polling(watch=False)
                await updater.stop()
                await self._start_polling()
            except (TelegramError, RuntimeError) as exc:
                self._polling_failed()
                delay = min(delay * 2, POLL_AGAIN_MAX)
                log.error("telegram: polling again failed (%s); next try in %.0f s",
                          type(exc).__name__, delay, extra={"platform": "telegram"})
                continue
            log.info("telegram: polling for updates again", extra={"platform": "telegram"})
            return

    def routes(self) -> Sequence[Route]:
        """The webhook route in webhook mode; nothing in polling mode."""
        if self.settings.mode != "webhook" or self._webhook_secret is None:
            return []
        return [webhook_route(self.settings.webhook_path, self._webhook_secret, self._accept)]

    async def _accept(self, data: dict[str, Any], last: bool) -> Outcome:
        """A webhook update, handled now (not queued): its outcome once its effects are
        committed, while its replies go on being sent. A 200 given when it was only queued had
        lost it at a kill -9 (Telegram forgets what it got a 200 for)."""
        if not self.application.running or self._stopping:
            return Outcome.STOPPING  # 503: sent again, to a replica that is not stopping
        update = Update.de_json(data, self.application.bot)
        outcome: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting[update.update_id] = (outcome, last)
        # Through the Application, as a polled update goes; in a task of its own, which runs
        # on (replies, a button's pop-up) after the outcome is known.
        task = asyncio.get_running_loop().create_task(self.application.process_update(update))
        self._processing.add(task)
        task.add_done_callback(self._processing.discard)
        # Settled by the handler as soon as its effects are committed; should the Application
        # end the update without reaching it, the request must not wait for ever.
        task.add_done_callback(lambda done: self._settle(update, Outcome.HANDLED if (
            not done.cancelled() and done.exception() is None) else Outcome.FAILED))
        return await outcome

    def _settle(self, update: Update, outcome: Outcome) -> None:
        """Tell the webhook request waiting for ``update`` (if any) what became of it."""
        waiting = self._waiting.pop(update.update_id, None)
        if waiting is not None and not waiting[0].done():
            waiting[0].set_result(outcome)

    def _last_try(self, update: Update) -> bool:
        """Whether a failure now is final: a polled update (its offset is confirmed already),
        a webhook update already answered, or at its last try (see webhook.TRIES)."""
        waiting = self._waiting.get(update.update_id)
        return waiting is None or waiting[1]

    async def stop(self) -> None:
        """Stop polling, finish the updates being handled, close connections."""
        await self._shut_down()

    async def connected(self) -> bool:
        """Running, and (in polling mode) polling: the poller alive, and ``getUpdates`` not
        failing lately (an outage, another process polling, a token Telegram refuses)."""
        app = self.application
        if not app.running:
            return False
        if app.updater is None:
            return await self._webhook_ours()
        if self._restart is not None and not self._restart.done():
            return False  # polling is being taken up again
        alive = app.updater.running and (self._polling is None or not self._polling.done())
        return alive and time.monotonic() - self._polling_failed_at > POLLING_QUIET

    async def _webhook_ours(self) -> bool:
        """Webhook mode: whether Telegram still sends updates to our URL (asked at most once
        a minute). A process polling the bot removes the webhook, and the webhook replicas had
        gone on reporting healthy while hearing nothing."""
        now = time.monotonic()
        if now - self._webhook_checked_at < WEBHOOK_CHECK_S:
            return self._webhook_ok
        self._webhook_checked_at = now
        try:
            info = await self.bot.get_webhook_info()
        except TelegramError:
            return self._webhook_ok  # the API is away: this says nothing of the webhook
        ours = info.url == self.settings.webhook_url
        if not ours and self._webhook_ok:
            log.warning("telegram: the bot's webhook is %s, not this process's: it hears no "
                        "update (a process polling the bot removes the webhook; restart the "
                        "webhook replicas after stopping it)",
                        f"set to {urlsplit(info.url).netloc}" if info.url else "gone",
                        extra={"platform": "telegram"})
        self._webhook_ok = ours
        return ours

    async def quiesce(self, timeout: float = DRAIN_SECONDS) -> None:
        """At shutdown: take no more updates (polling stops) and wait for the replies being
        written, at most ``timeout`` seconds; those still going then are cancelled and counted
        in the log (Telegram was told they were received). A stop grace period of 30 s then
        holds: an update's replies had been waited for without end (93 s seen)."""
        app = self.application
        if self._stopping:
            return  # once: stop() after the runtime's quiesce() does not wait a second time
        self._stopping = True
        if self._restart is not None:
            self._restart.cancel()
            self._restart = None
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await self._work.drain(timeout)

    async def _shut_down(self) -> None:
        app = self.application
        try:
            await self.quiesce()
            if app.running:
                await app.stop()
            await app.shutdown()
        finally:
            if self._filter is not None:
                remove(self._filter)
                self._filter = None

    # -- pushes (the dispatcher) -------------------------------------------------------------

    async def send(self, recipient: Recipient, messages: Sequence[Outbound],
                   skip: int = 0, progress: Progress | None = None) -> Sent:
        """Send one delivery's messages in order, each Telegram message paced (see
        :meth:`bot.ports.Sender.send`); the first ``skip`` went out on an earlier try.

        A group that became a supergroup is followed, and the new chat id returned. Quiz polls
        are not reported to the host here: each part's goes in the ``Sent`` given to
        ``progress``, and all this call sent in the ``Sent`` returned. A 429 pauses the pacer,
        then raises :class:`~bot.errors.RateLimited`; an error carries in ``sent`` how many
        Telegram messages this call did send.
        """
        chat = recipient.chat_id or recipient.user_id
        if chat.startswith("-") and any(isinstance(message, Reminder) for message in messages):
            # In a group the reminder (the question again, and a streak that ends today) is
            # posted to everyone, every workday the learner leaves it: the day's quiz is enough.
            log.info("telegram: no reminder in a group chat", extra={"platform": "telegram"})
            return Sent(message_id=None)
        parts = [part for message in messages for part in self.renderer.parts(message)]
        if chat.startswith("-") and parts and recipient.user_id.isdigit():
            # A group (its ids are negative): the push names whose it is, as a mention, so
            # that Telegram notifies that member, not just the group.
            parts.insert(0, Text(f'<a href="tg://user?id={recipient.user_id}">'
                                 f'{self.renderer.phrase("push_for", learner=recipient.name)}</a>'))
        first_id: str | None = None
        polls: list[PollSent] = []
        for index in range(skip, len(parts)):
            part = parts[index]
            try:
                async with self.pacer.slot(chat):
                    recipient.confirm(index - skip)
                    message, chat = await self._post_following(chat, part)
            except TelegramError as exc:
                error = errors.translate(exc)
                error.sent = index - skip
                if isinstance(error, RateLimited):
                    self.pacer.pause(error.retry_after)
                raise error from exc
            if first_id is None:
                first_id = str(message.message_id)
            poll = _poll_sent(part, message)
            if poll is not None:
                polls.append(poll)
            if progress is not None and index + 1 < len(parts):
                await progress(index + 1, Sent(str(message.message_id), _moved(chat, recipient),
                                               (poll,) if poll is not None else ()))
        return Sent(message_id=first_id, chat_id=_moved(chat, recipient), polls=tuple(polls))

    # -- sending one part --------------------------------------------------------------------

    async def _post_following(self, chat: str, part: Part) -> tuple[Message, str]:
        """Post a part; when the group became a supergroup, post it there instead. A
        question's message is remembered (see :meth:`_close_answered`)."""
        try:
            message = await self._post(chat, part)
        except ChatMigrated as exc:
            moved = str(exc.new_chat_id)
            log.info("telegram: chat %s moved to %s; following it", chat, moved,
                     extra={"platform": "telegram"})
            message, chat = await self._post(moved, part), moved
        if isinstance(part, Text | Poll) and part.ask_id is not None:
            self._shown.remember(part.ask_id, (
                chat, message.message_id, isinstance(part, Poll),
                message.text_html if message.text is not None else None))
        return message, chat

    async def _post(self, chat: str, part: Part) -> Message:
        bot = self.bot
        if isinstance(part, Text):
            return await self._post_text(chat, part.html, _keyboard(part.keyboard))
        if isinstance(part, Document):
            return await bot.send_document(chat, part.content, filename=part.filename,
                                           caption=part.caption, parse_mode=ParseMode.HTML)
        if isinstance(part, Poll):
            return await bot.send_poll(
                chat, part.question, list(part.options), is_anonymous=False, type=PollType.QUIZ,
                correct_option_ids=cast("CorrectOptionIds", list(part.correct)),
                allows_multiple_answers=len(part.correct) > 1,
                explanation=part.explanation or None)
        return await self._post_photo(chat, part)

    async def _post_text(self, chat: str, html: str,
                         keyboard: InlineKeyboardMarkup | None) -> Message:
        bot = self.bot
        try:
            return await bot.send_message(chat, html, parse_mode=ParseMode.HTML,
                                          reply_markup=keyboard, link_preview_options=NO_PREVIEW)
        except TelegramError as exc:
            if not errors.is_markup_error(exc):
                raise
            log.error("telegram: our HTML was refused (%s); sending plain text", exc.message,
                      extra={"platform": "telegram"})
            return await bot.send_message(chat, to_plain(html), reply_markup=keyboard,
                                          link_preview_options=NO_PREVIEW)

    async def _post_photo(self, chat: str, part: Photo) -> Message:
        bot = self.bot
        photo: str | bytes = part.source
        cache_key = ""
        if part.local:
            path = Path(part.source)
            try:
                cache_key = f"{path}:{path.stat().st_mtime_ns}"
                cached = self._photos.get(cache_key)
                photo = cached if cached else await asyncio.to_thread(path.read_bytes)
            except OSError as exc:
                log.warning("telegram: lesson image %s unreadable (%s); sending text only",
                            path.name, exc.strerror, extra={"platform": "telegram"})
                return await self._post_text(chat, part.caption, _keyboard(part.keyboard))
        try:
            message = await bot.send_photo(chat, photo, caption=part.caption,
                                           parse_mode=ParseMode.HTML,
                                           reply_markup=_keyboard(part.keyboard))
        except TelegramError as exc:
            if not isinstance(exc, BadRequest) or errors.is_markup_error(exc):
                raise
            # A broken image (a dead URL, a file Telegram refuses) must not cost the lesson.
            log.warning("telegram: lesson image refused (%s); sending text only", exc.message,
                        extra={"platform": "telegram"})
            self._photos.pop(cache_key, None)
            return await self._post_text(chat, part.caption, _keyboard(part.keyboard))
        if cache_key and message.photo:
            self._photos[cache_key] = message.photo[-1].file_id
        return message

    # -- replies -----------------------------------------------------------------------------

    async def _reply(self, chat: str, messages: Sequence[Outbound],
                     user: str | None = None) -> None:
        """Send replies: each part paced; a 429 waited out, a network error retried, a message
        Telegram refuses skipped, and nothing more once the learner has blocked the bot. When
        none went out, or a lesson did not, the host hears it for ``user`` (the lesson is taken
        back), and the rest of the reply after a lesson that did not go is left out."""
        await self._close_answered(messages)
        reached, lost, stopped = False, list[Outbound](), False
        for index, message in enumerate(messages):
            for part in self.renderer.parts(message):
                sent, chat = await self._reply_part(chat, part)
                if sent is None:  # blocked: nothing more goes
                    stopped = True
                    break
                if not sent and isinstance(message, LessonMessage):
                    # The lesson did not go (given up after its tries, or refused): it is
                    # taken back, and what follows it (a note on the lesson before, on a
                    # question open) is not sent without it, as the learner would see notes
                    # on a lesson they never got.
                    lost = list(messages[index:])
                    break
                reached = reached or sent
            if stopped or lost:
                break
        if not reached and messages:
            lost = list(messages)
        if lost and user is not None and self._host is not None:
            await reply_lost(self._host, Platform.TELEGRAM, user, lost)
        if not stopped and any(isinstance(message, LessonMessage) for message in lost):
            # Said, best effort (Telegram may still be refusing): else the learner, who asked
            # for a lesson, saw nothing or only notes.
            await self._reply_part(chat, Text(self.renderer.phrase("lesson_lost")))

    async def _close_answered(self, messages: Sequence[Outbound],
                              pressed: tuple[str, int] | None = None) -> None:
        """A question answered by typing loses its buttons (its poll is closed), as one
        answered by a press does: left, they invited a second answer. So does every other
        message showing it (asked again by the next day's quiz, or by its reminder) when it
        was answered by a press on the message ``pressed`` ((chat, message id): that one
        shows the result). Failures are logged."""
        shown = [(where, given) for given in answers_given(messages)
                 for where in self._shown.take(given.ask_id) if where[:2] != pressed]
        for (chat, message_id, poll, html), given in shown:
            text = None
            if html is not None and pressed is None:
                # Typed: the question shows the answer, as a press's does, not only "Press
                # the right answer" with its buttons gone.
                chosen = to_plain(self.renderer.phrase(
                    "answer_given", picked=given.picked(), confidence=given.confidence))
                text = f"{html}\n\n{self.renderer.phrase('answered', chosen=chosen)}"
                if visible_length(text) > MESSAGE_LIMIT:
                    text = None
            try:
                async with self.pacer.slot(chat):
                    if poll:
                        await self.bot.stop_poll(chat, message_id)
                    elif text is not None:
                        await self.bot.edit_message_text(
                            text, chat_id=chat, message_id=message_id,
                            parse_mode=ParseMode.HTML, reply_markup=None,
                            link_preview_options=NO_PREVIEW)
                    else:
                        await self.bot.edit_message_reply_markup(chat, message_id,
                                                                 reply_markup=None)
            except TelegramError as exc:
                if not errors.is_unchanged(exc):
                    log.info("telegram: could not take an answered question's buttons off: %s",
                             exc.message, extra={"platform": "telegram", "chat": chat})

    async def _reply_part(self, chat: str, part: Part) -> tuple[bool | None, str]:
        """(True: sent, False: skipped, None: stop replying), and the chat now used. A quiz
        poll sent is reported to the host before the next part goes."""
        context = {"platform": "telegram", "chat": chat}
        for attempt in range(self.network_retries + 1):
            try:
                async with self.pacer.slot(chat):
                    message, chat = await self._post_following(chat, part)
            except TelegramError as exc:
                if errors.outcome_unknown(exc):
                    # Sent, and no answer within SEND_READ_TIMEOUT: Telegram may well have
                    # shown it. Sending it again had shown a lesson three times, and telling
                    # the engine it was lost then took the lesson back.
                    log.warning("telegram: no answer to a reply in time; it may have reached "
                                "the learner, so it is not sent again", extra=context)
                    return True, chat
                error = errors.translate(exc)
            else:
                poll = _poll_sent(part, message)
                if poll is not None and self._host is not None:
                    await self._host.poll_sent(Platform.TELEGRAM, poll.poll_id, poll.ask_id)
                return True, chat
            if isinstance(error, RateLimited):
                self.pacer.pause(error.retry_after)
                log.warning("telegram: rate limited replying; waiting %.1f s",
                            error.retry_after, extra=context)
            elif isinstance(error, TemporaryDeliveryError):
                delay = self._random.uniform(0.25, 0.5) * 2 ** attempt
                log.warning("telegram: reply failed for now (%s); retrying in %.1f s", error,
                            delay, extra=context)
                await asyncio.sleep(delay)
            elif isinstance(error, RecipientUnreachable):
                # Only the user is known here, not the learner: the next push finds out and
                # pauses them (their next message un-pauses them).
                log.info("telegram: cannot reply: %s", error, extra=context)
                return None, chat
            else:
                log.error("telegram: a reply was refused: %s", error, extra=context)
                return False, chat
        log.error("telegram: gave up on a reply after %d tries", self.network_retries + 1,
                  extra=context)
        return False, chat

    # -- inbound -----------------------------------------------------------------------------

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        with self._work.tracked():
            try:
                await self._on_update_in(update)
            except BaseException:
                self._settle(update, Outcome.FAILED)  # not acknowledged: Telegram retries
                raise
            finally:
                self._settle(update, Outcome.HANDLED)  # ignored or done, unless said before

    async def _on_update_in(self, update: Update) -> None:
        try:
            chat = reply_chat(update)
        except Exception as exc:  # an update of a shape we cannot read: drop it, go on
            log.warning("telegram: dropped malformed update %s: %s: %s", update.update_id,
                        type(exc).__name__, exc, extra={"platform": "telegram"})
            return
        if chat is None:
            return
        async with self._chats.hold(chat):
            change = blocked_change(update)
            if change is not None:
                await self._blocked(*change)
                return
            await self._handle(update, chat)

    async def _blocked(self, user_id: str, blocked: bool) -> None:
        """A learner blocked the bot (pause their pushes now, rather than learn it from a
        refused send) or unblocked it (push again)."""
        if self._host is None:
            return
        log.info("telegram: a learner %s the bot", "blocked" if blocked else "unblocked",
                 extra={"platform": "telegram", "chat": user_id})  # who, for the admin
        try:
            await self._host.learner_blocked(Platform.TELEGRAM, user_id,
                                             BLOCKED if blocked else None)
        except Exception:  # the inbound boundary: the next push finds out anyway
            log.exception("telegram: recording a block or unblock failed",
                          extra={"platform": "telegram"})

    async def _handle(self, update: Update, chat: str) -> None:
        """One update, end to end; the catch-all boundary of inbound handling (STYLE)."""
        query = update.callback_query
        answered = False
        try:
            bot = self.bot
            inbound = to_inbound(update, bot.id, bot.username)
            if inbound is None or self._host is None:
                return
            if query is not None and inbound.answer and parse_multi(inbound.answer):
                text = await self._tick(query, inbound.answer)
                if text is None:  # a tick, answered by _tick
                    answered = True
                    return
                # Submit: answered below, with the result in its pop-up (a press can be
                # answered only once)
                inbound = replace(inbound, answer=None, text=text)
            try:
                replies = await self._host.handle(inbound)
            except AlreadyHandled:
                # The replica that handled it answers the press, with its result: an empty
                # answer from here could reach the learner first and blank their pop-up.
                answered = True
                return
            self._settle(update, Outcome.HANDLED)  # committed: Telegram may forget it now
            if query is not None:
                pressed = query.message if isinstance(query.message, Message) else None
                given = list(replies)
                replies, answered = await self._show_result(query, replies), True
                await self._close_answered(  # its other copies, once the press is answered
                    given, (chat, pressed.message_id) if pressed is not None else None)
            await self._reply(chat, replies, inbound.user_id)
        except DatabaseAway as exc:
            context = {"platform": "telegram", "chat": chat, "update": update.update_id}
            if not self._last_try(update):
                log.warning("telegram: %s; not acknowledged, so Telegram sends it again",
                            exc, extra=context)
                answered = True  # by the try that works (a press is answered only once)
                self._settle(update, Outcome.FAILED)
                return
            log.warning("telegram: %s", exc, extra=context)
            await self._reply_part(chat, Text(self.renderer.phrase("sorry")))
        except Exception:  # the inbound dispatch: one of the two catch-all places (STYLE)
            context = {"platform": "telegram", "chat": chat, "update": update.update_id}
            if not self._last_try(update):
                # Nothing of it was committed: Telegram sends it again (a passing failure
                # then goes unnoticed by the learner); the last try says sorry.
                log.exception("telegram: handling an update failed; not acknowledged, so "
                              "Telegram sends it again", extra=context)
                answered = True
                self._settle(update, Outcome.FAILED)
                return
            log.exception("telegram: handling an update failed", extra=context)
            await self._reply_part(chat, Text(self.renderer.phrase("sorry")))
        finally:
            if query is not None and not answered:
                await self._answer(query)

    async def _answer(self, query: CallbackQuery, text: str | None = None) -> None:
        """Answer a button press (the learner's client spins until we do)."""
        try:
            await query.answer(text[:200] if text else None)
        except TelegramError as exc:  # too late (over 15 minutes) or already answered
            log.info("telegram: could not answer a button press: %s", exc.message,
                     extra={"platform": "telegram"})

    async def _tick(self, query: CallbackQuery, data: str) -> str | None:
        """A select-all question's button: tick or untick a choice (None; the press is
        answered here), or Submit the ticked ones as the typed answer ('1 3'; the press is left
        for the caller to answer with the result)."""
        parsed = parse_multi(data)
        assert parsed is not None
        ask_id, ticked, index = parsed
        message = query.message if isinstance(query.message, Message) else None
        markup = message.reply_markup if message is not None else None
        labels = multi_labels([row[0].text for row in markup.inline_keyboard[:-1]]) if markup \
            else []
        if index is None:
            if not ticked:
                await self._answer(query, to_plain(self.renderer.phrase("tick_first")))
                return None
            return " ".join(str(number + 1) for number in range(16) if ticked >> number & 1)
        await self._answer(query)
        if message is not None and labels and index < len(labels):
            await self._edit(message, None, _keyboard(
                multi_keyboard(ask_id, labels, ticked ^ (1 << index), self.renderer.submit)))
        return None

    async def _show_result(self, query: CallbackQuery,
                           replies: Sequence[Outbound]) -> list[Outbound]:
        """Answer the press and show its result on the question itself; the replies left to
        send as messages."""
        message = query.message if isinstance(query.message, Message) else None
        match replies[0] if replies else None:
            case Feedback(correct=correct) as feedback:
                title = self.renderer.phrase("feedback_title", correct=correct,
                                             skipped=feedback.skipped)
                await self._answer(query, to_plain(title))
                if message is None:
                    return list(replies)
                # The choice's words and how sure, not the button's label ("3 · guessing").
                given = answers_given([feedback])[0]
                chosen = to_plain(self.renderer.phrase(
                    "answer_given", picked=given.picked(), confidence=given.confidence))
                answered = self.renderer.phrase("answered", chosen=chosen)
                result = (f"\n\n{'✅' if correct else '❌'} {answered}\n"
                          + self.renderer.html(feedback))
                text = (message.text_html or "") + result
                if message.text is not None and visible_length(text) <= MESSAGE_LIMIT:
                    await self._edit(message, text, None)
                    return list(replies[1:])
                await self._edit(message, None, None)
                return list(replies)
            case LessonRead() | ReviewsAdded() | Rated(ask_comment=False) as done:
                # "Got it", "Add to my reviews" or a rating: the result in the press's pop-up,
                # and the buttons go (they have done their work); what else it earned follows
                # as messages.
                await self._answer(query, to_plain(self.renderer.html(done)))
                if message is not None:
                    await self._edit(message, None, None)
                return list(replies[1:])
            case QuestionMessage(check="pre") | CheckDone(phase="pre") if message is not None:
                # A baseline check's answer: shown on the question without a verdict (nothing
                # may give the answer away), its buttons gone; the next question follows. The
                # pop-up says it was kept (no verdict, but not nothing either).
                await self._answer(query, to_plain(self.renderer.phrase("check_noted")))
                answered = self.renderer.phrase("answered", chosen=self._chosen(
                    message, query.data or ""))
                text = f"{message.text_html or ''}\n\n{answered}"
                if message.text is not None and visible_length(text) <= MESSAGE_LIMIT:
                    await self._edit(message, text, None)
                else:
                    await self._edit(message, None, None)
                return list(replies)
            case Rated() | NotIt():
                # "Not useful": the invitation to say why is a message of its own, to stay;
                # "Not what I asked": what became of the question, likewise.
                await self._answer(query)
                if message is not None:
                    await self._edit(message, None, None)
                return list(replies)
            case (Notice() | Resumed() | ZoneNow() | UnknownCommand() | AllRead() | NothingDue()
                  | ChoiceRange() | BadgesEarned() | Invalid() | TopicsNow()
                  | Reloaded()) as notice if len(replies) == 1:
                # A short notice alone fits the press's own pop-up.
                note = to_plain(self.renderer.html(notice))
                if len(note) <= 200:
                    await self._answer(query, note)
                    if notice in (Notice(NoticeCode.ALREADY_ANSWERED),
                                  Notice(NoticeCode.QUESTION_CLOSED)) and message is not None:
                        await self._edit(message, None, None)
                    return []
        await self._answer(query)
        return list(replies)

    @staticmethod
    def _chosen(message: Message, data: str) -> str:
        """The label(s) of what was pressed, read from the message's own keyboard."""
        markup = message.reply_markup
        if markup is None:
            return ""
        buttons = [button for row in markup.inline_keyboard for button in row]
        if parse_multi(data) is not None:  # Submit: the ticked choices
            return "; ".join(button.text[2:] for button in buttons if button.text.startswith("☑"))
        return next((button.text for button in buttons if button.callback_data == data), "")

    async def _edit(self, message: Message, html: str | None,
                    keyboard: InlineKeyboardMarkup | None) -> None:
        """Edit a message's text (and keyboard), or only its keyboard; failures are logged."""
        chat = str(message.chat.id)
        try:
            async with self.pacer.slot(chat):
                if html is None:
                    await message.edit_reply_markup(reply_markup=keyboard)
                else:
                    await message.edit_text(html, parse_mode=ParseMode.HTML,
                                            reply_markup=keyboard,
                                            link_preview_options=NO_PREVIEW)
        except TelegramError as exc:
            if not errors.is_unchanged(exc):
                log.warning("telegram: could not edit a message: %s", exc.message,
                            extra={"platform": "telegram", "chat": chat})

