"""python-telegram-bot's errors mapped, in this one place, to microlearn's delivery branches.

=====================================================  =============================================
PTB error                                              microlearn
=====================================================  =============================================
``RetryAfter`` (429, ``parameters.retry_after``)       :class:`RateLimited` with ``retry_after``
``Forbidden`` (blocked by the user, deactivated,       :class:`RecipientUnreachable`
kicked from the group)
``BadRequest`` "chat not found"                        :class:`RecipientUnreachable`
``BadRequest`` (anything else)                         :class:`DeliveryError`
``TimedOut``, ``NetworkError`` (5xx, connection)       :class:`TemporaryDeliveryError`
``InvalidToken`` (a 401: token revoked, or a blip)     :class:`TemporaryDeliveryError`
``ChatMigrated``                                       followed by the adapter (never mapped)
=====================================================  =============================================

A ``TimedOut`` reading the answer (the request went out whole) may have been taken:
:func:`outcome_unknown` says so, and a reply is then not sent again. One connecting, writing
the request or waiting for a pooled connection sent nothing, and is retried.
"""

from __future__ import annotations

import re
import warnings
from datetime import timedelta

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.errors import (
    AdapterStartError,
    DeliveryError,
    RateLimited,
    RecipientUnreachable,
    TemporaryDeliveryError,
)

TOKEN_HELP = ("set TELEGRAM_BOT_TOKEN to the token BotFather gave you (send /token to "
              "@BotFather to see it again, or /revoke for a new one)")


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB 22 is moving it from int to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def translate(error: TelegramError) -> DeliveryError:
    """Our delivery error for a PTB error (raise it ``from`` the original)."""
    if isinstance(error, ChatMigrated):  # the adapter follows these; reaching here is a bug
        return DeliveryError(f"the chat moved to {error.new_chat_id}")
    if isinstance(error, RetryAfter):
        seconds = retry_after_seconds(error)
        return RateLimited(f"Telegram: too many requests, retry after {seconds:g} s", seconds)
    if isinstance(error, Forbidden):
        return RecipientUnreachable(f"Telegram: {error.message}")
    if isinstance(error, BadRequest):  # before NetworkError: PTB derives it from that
        if "chat not found" in error.message.lower():
            return RecipientUnreachable(f"Telegram: {error.message}")
        return DeliveryError(f"Telegram refused the message: {error.message}")
    if isinstance(error, InvalidToken):
        # The bot's trouble, not the learner's: every send fails alike. Retried (the day's
        # rows go once the token works again) rather than failed for good at once.
        return TemporaryDeliveryError(f"Telegram rejected the bot token: {TOKEN_HELP}")
    if isinstance(error, NetworkError | Conflict):
        return TemporaryDeliveryError(f"Telegram is not answering for now: {said(error)}")
    return DeliveryError(f"Telegram: {error.message}")


def start_error(error: TelegramError, where: str) -> AdapterStartError:
    """Why the adapter cannot start; ``where`` is the API address without the token. Raise
    it ``from None`` for :class:`InvalidToken`, whose own message quotes the token."""
    if isinstance(error, InvalidToken) and _not_the_api(error):
        # A 404 whose body is not the Bot API's JSON: not Telegram refusing the token, but an
        # address that is not the Bot API (a base URL without its "/bot").
        return AdapterStartError(
            f"the address {where} did not answer as the Telegram Bot API does (an HTTP error "
            "without the API's JSON): check [telegram] api_base_url, which ends in '/bot' "
            "(https://api.telegram.org/bot, or your Bot API server's address with /bot)")
    if isinstance(error, InvalidToken):  # its message quotes the token: never shown
        return AdapterStartError(f"Telegram rejected the bot token: {TOKEN_HELP}")
    if isinstance(error, RetryAfter):
        return AdapterStartError(f"Telegram asked the bot to wait ({error.message})",
                                 passing=True, retry_after=retry_after_seconds(error))
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return AdapterStartError(f"cannot reach the Telegram Bot API at {where} "
                                 f"({said(error)}); check [telegram] api_base_url and the "
                                 "network", passing=_passing(error))
    return AdapterStartError(f"Telegram refused to start the bot: {error.message}")


def said(error: TelegramError) -> str:
    """The error's message without the page PTB quotes when the answer was not the API's JSON
    (a proxy's 502 page): the status is what tells, and the page filled every log line."""
    return error.message.split(". Parsing the server response", 1)[0]


_SERVER_ERROR = re.compile(r"\(5\d\d\)")


def _passing(error: NetworkError) -> bool:
    """A time-out, or an answer with a server error; not a connection refused or a name that
    does not resolve, nor a redirect or another 4xx, which a wrong address gives as surely as
    an outage. PTB raises an error status it has no class for as a NetworkError: its message
    ends in "(502)" when the body was not the API's JSON (a proxy's page), and is the API's
    own description when it was (the API answers so only for its own server errors)."""
    if isinstance(error, TimedOut):
        return True
    if isinstance(error.__cause__, httpx.TransportError):
        return False
    if error.__cause__ is not None:  # the body was not JSON: the status tells
        return _SERVER_ERROR.search(error.message) is not None
    return True


def outcome_unknown(error: TelegramError) -> bool:
    """The request went out and no answer came in time: Telegram may have taken it (a time-out
    reading the answer), unlike a connection never made or a pool exhausted, where nothing was
    sent."""
    if not isinstance(error, TimedOut):
        return False
    cause = error.__cause__
    return not isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout
                          | httpx.WriteTimeout) and "pool timeout" not in error.message.lower()


def _not_the_api(error: TelegramError) -> bool:
    """An error whose answer was not JSON (PTB re-raises getMe's under a message of its own:
    the answer's shows in the cause)."""
    causes = [error, error.__cause__]
    return any(isinstance(cause, TelegramError) and
               "Parsing the server response" in cause.message for cause in causes)


def is_unchanged(error: TelegramError) -> bool:
    """An edit that changes nothing (a button pressed twice): not a failure."""
    return isinstance(error, BadRequest) and "message is not modified" in error.message.lower()


def is_markup_error(error: TelegramError) -> bool:
    """Telegram could not parse our HTML: resend as plain text rather than lose the message."""
    return isinstance(error, BadRequest) and "can't parse entities" in error.message.lower()
