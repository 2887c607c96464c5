"""Telegram errors and updates mapped to microlearn's own: one branch for each PTB error, one
neutral event for each kind of update."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from telegram import Bot, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.adapters.telegram.errors import (
    is_markup_error,
    is_unchanged,
    retry_after_seconds,
    start_error,
    translate,
)
from bot.adapters.telegram.inbound import command_text, reply_chat, to_inbound
from bot.adapters.telegram.webhook import webhook_secret
from bot.errors import (
    AdapterStartError,
    DeliveryError,
    RateLimited,
    RecipientUnreachable,
    TemporaryDeliveryError,
)
from bot.messages import Inbound, Platform
from tests.fakes.telegram_api import FakeTelegram

BOT = Bot("123:TOKEN")


@pytest.mark.parametrize(("error", "branch"), [
    (Forbidden("Forbidden: bot was blocked by the user"), RecipientUnreachable),
    (Forbidden("Forbidden: user is deactivated"), RecipientUnreachable),
    (BadRequest("Bad Request: chat not found"), RecipientUnreachable),
    (BadRequest("Bad Request: message is too long"), DeliveryError),
    (TimedOut(), TemporaryDeliveryError),
    (NetworkError("Internal Server Error (500)"), TemporaryDeliveryError),
    (NetworkError("Bad Gateway"), TemporaryDeliveryError),
    (InvalidToken("The token `123:SECRETX` was rejected by the server."),
     TemporaryDeliveryError),  # the bot's, not the learner's: retried, not failed at once
    (TelegramError("something new"), DeliveryError),
])
def test_each_ptb_error_has_one_branch(error: TelegramError, branch: type[DeliveryError]) -> None:
    mapped = translate(error)
    assert type(mapped) is branch
    assert "SECRETX" not in str(mapped)


def test_a_429_keeps_its_retry_after() -> None:
    mapped = translate(RetryAfter(7))
    assert isinstance(mapped, RateLimited) and mapped.retry_after == 7.0
    assert retry_after_seconds(RetryAfter(3)) == 3.0


def test_a_bad_request_is_not_mistaken_for_a_network_error() -> None:
    # PTB derives BadRequest from NetworkError: retrying a bad request would never end.
    assert not isinstance(translate(BadRequest("Bad Request: x")), TemporaryDeliveryError)


def test_start_errors_say_what_to_fix_and_never_quote_the_token() -> None:
    error = start_error(InvalidToken("The token `123:SECRET` was rejected by the server."),
                        "https://api.telegram.org/bot")
    assert isinstance(error, AdapterStartError)
    assert "TELEGRAM_BOT_TOKEN" in str(error) and "BotFather" in str(error)
    assert "SECRET" not in str(error)
    unreachable = start_error(NetworkError("httpx.ConnectError"), "http://127.0.0.1:9/bot")
    assert "cannot reach the Telegram Bot API at http://127.0.0.1:9/bot" in str(unreachable)


def raised_from(error: NetworkError, cause: BaseException) -> NetworkError:
    error.__cause__ = cause
    return error


def test_only_a_server_error_or_a_time_out_at_start_is_tried_again() -> None:
    where = "http://proxy.example/bot"
    not_json = TelegramError("Invalid server response")
    proxy_502 = start_error(raised_from(NetworkError(
        "Bad Gateway (502). Parsing the server response b'<html>down</html>' failed"),
        not_json), where)
    assert proxy_502.passing and "<html>" not in str(proxy_502)
    assert "(Bad Gateway (502))" in str(proxy_502)
    moved = start_error(raised_from(NetworkError(
        "Moved Permanently (301). Parsing the server response b'<html>' failed"), not_json),
        where)
    assert not moved.passing  # a wrong address, not an outage
    assert start_error(NetworkError("Internal Server Error"), where).passing  # the API's JSON
    refused = raised_from(NetworkError("httpx.ConnectError: refused"),
                          httpx.ConnectError("refused"))
    assert not start_error(refused, where).passing
    assert start_error(TimedOut(), where).passing
    assert start_error(RetryAfter(3), where).passing
    assert start_error(RetryAfter(3), where).retry_after == 3.0
    assert start_error(TimedOut(), where).retry_after is None
    assert not start_error(InvalidToken("Unauthorized"), where).passing


def test_harmless_edits_and_markup_errors_are_recognised() -> None:
    assert is_unchanged(BadRequest("Bad Request: message is not modified: same"))
    assert is_markup_error(BadRequest("Bad Request: can't parse entities: x"))
    assert not is_markup_error(ChatMigrated(5))


def test_the_webhook_secret_is_the_configured_one_or_derived_from_the_token() -> None:
    assert webhook_secret("my-secret_1", "123:T") == "my-secret_1"
    derived = webhook_secret(None, "123:T")
    assert derived == webhook_secret(None, "123:T") != webhook_secret(None, "123:U")
    assert len(derived) == 64 and "123" not in derived
    with pytest.raises(AdapterStartError, match="TELEGRAM_WEBHOOK_SECRET"):
        webhook_secret("no spaces allowed", "123:T")


# -- updates -----------------------------------------------------------------------------------

FAKE = FakeTelegram()


def update(data: dict[str, Any]) -> Update:
    parsed = Update.de_json(data, BOT)
    assert parsed is not None
    return parsed


def test_a_text_message_is_an_inbound_text() -> None:
    data = FAKE.message_update(42, "how do I spot phishing?", first_name="Ada",
                               last_name="Lovelace")
    assert to_inbound(update(data), 7, "microlearn_bot") == Inbound(
        Platform.TELEGRAM, "42", chat_id="42", text="how do I spot phishing?",
        display_name="Ada Lovelace", event_id=f"7:{data['update_id']}")


def test_a_command_addressed_to_the_bot_loses_the_bots_name() -> None:
    assert command_text("/quiz@microlearn_bot", "microlearn_bot") == "/quiz"
    assert command_text("/time@Microlearn_Bot 09:30", "microlearn_bot") == "/time 09:30"
    assert command_text("/quiz@other_bot", "microlearn_bot") == "/quiz@other_bot"


def test_in_a_group_only_commands_mentions_and_replies_count() -> None:
    chatter = FAKE.message_update(42, "lunch?", chat_id=-100)
    assert to_inbound(update(chatter), 7, "microlearn_bot") is None
    mention = FAKE.message_update(42, "@microlearn_bot passwords", chat_id=-100)
    inbound = to_inbound(update(mention), 7, "microlearn_bot")
    assert inbound is not None and inbound.text == "passwords" and inbound.chat_id == "-100"


async def test_a_button_press_is_an_inbound_answer() -> None:
    fake = FakeTelegram()  # a bot message with a keyboard, as the fake keeps it
    message = await fake._api_sendMessage({"chat_id": "42", "text": "Q?", "reply_markup": {
        "inline_keyboard": [[{"text": "1) A", "callback_data": "a:5:0"}]]}})
    recorded = fake.sent[0]
    assert message["message_id"] == recorded.message_id
    pressed = update(fake.callback_update(42, recorded, index=0))
    assert to_inbound(pressed) == Inbound(Platform.TELEGRAM, "42", chat_id="42",
                                          answer="a:5:0", display_name="Ada",
                                          event_id=f"0:{pressed.update_id}")
    assert reply_chat(pressed) == "42"


async def test_a_poll_vote_is_an_inbound_poll_answer() -> None:
    fake = FakeTelegram()
    await fake._api_sendPoll({"chat_id": "42", "question": "Q?", "options": ["A", "B"],
                              "type": "quiz", "is_anonymous": False, "correct_option_ids": [1]})
    poll_id = fake.sent[0].poll["id"] if fake.sent[0].poll else ""
    vote = update(fake.poll_answer_update(42, poll_id, [1]))
    assert to_inbound(vote) == Inbound(Platform.TELEGRAM, "42", chat_id="42", poll_id=poll_id,
                                       choices=(1,), display_name="Ada",
                                       event_id=f"0:{vote.update_id}")
    assert reply_chat(vote) == "42"


def test_ptbs_duplicate_429_tracebacks_are_dropped_and_its_other_records_kept() -> None:
    import logging

    from telegram.error import RetryAfter

    from bot.adapters.telegram.adapter import _not_a_429

    def record(error: BaseException | None) -> logging.LogRecord:
        return logging.LogRecord("telegram.ext.AIORateLimiter", logging.ERROR, __file__, 1,
                                 "limit", (), (type(error), error, None) if error else None)

    assert not _not_a_429(record(RetryAfter(3)))
    assert _not_a_429(record(RuntimeError("other")))
    assert _not_a_429(record(None))
