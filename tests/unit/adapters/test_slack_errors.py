"""slack_sdk errors mapped to the dispatcher's branches, and the small inbound rules."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.recent import RecentIds
from bot.adapters.slack.errors import delivery_error, start_error
from bot.adapters.slack.inbound import is_person_typing, learn_words
from bot.errors import (
    DeliveryError,
    RateLimited,
    RecipientUnreachable,
    TemporaryDeliveryError,
)


def api_error(error: str, status: int = 200, headers: dict[str, str] | None = None
              ) -> SlackApiError:
    response = AsyncSlackResponse(client=AsyncWebClient(), http_verb="POST",
                                  api_url="http://fake/api/chat.postMessage", req_args={},
                                  data={"ok": False, "error": error}, headers=headers or {},
                                  status_code=status)
    return SlackApiError(f"The request to the Slack API failed: {error}", response)


@pytest.mark.parametrize(("error", "status", "branch"), [
    ("account_inactive", 200, RecipientUnreachable),
    ("user_not_found", 200, RecipientUnreachable),
    ("channel_not_found", 200, RecipientUnreachable),
    ("is_archived", 200, RecipientUnreachable),
    ("not_in_channel", 200, RecipientUnreachable),
    ("user_disabled", 200, RecipientUnreachable),
    ("internal_error", 500, TemporaryDeliveryError),
    ("service_unavailable", 503, TemporaryDeliveryError),
    ("fatal_error", 200, TemporaryDeliveryError),
    ("invalid_blocks", 200, DeliveryError),
    ("msg_too_long", 200, DeliveryError),
])
def test_slack_error_codes_map_to_their_branch(error: str, status: int,
                                               branch: type[DeliveryError]) -> None:
    mapped = delivery_error(api_error(error, status), "chat.postMessage")
    assert type(mapped) is branch
    assert str(mapped) == f"Slack chat.postMessage: {error}"


def test_a_429_carries_retry_after() -> None:
    mapped = delivery_error(api_error("ratelimited", 429, {"Retry-After": "17"}), "x")
    assert isinstance(mapped, RateLimited) and mapped.retry_after == 17.0
    default = delivery_error(api_error("ratelimited", 429), "x")
    assert isinstance(default, RateLimited) and default.retry_after == 30.0


def test_a_bad_token_at_send_time_says_which_variable_and_is_retried() -> None:
    mapped = delivery_error(api_error("invalid_auth"), "chat.postMessage")
    assert type(mapped) is TemporaryDeliveryError and "SLACK_BOT_TOKEN" in str(mapped)
    scope = delivery_error(api_error("missing_scope"), "chat.postMessage")
    assert type(scope) is DeliveryError and "scopes" in str(scope)


def test_network_failures_are_temporary_and_other_client_errors_permanent() -> None:
    assert type(delivery_error(aiohttp.ServerDisconnectedError(), "m")) is TemporaryDeliveryError
    assert type(delivery_error(TimeoutError(), "m")) is TemporaryDeliveryError
    assert type(delivery_error(SlackRequestError("bad"), "m")) is DeliveryError
    with pytest.raises(TypeError):
        delivery_error(ValueError("a bug"), "m")


def test_start_errors_name_the_variable_and_never_the_token() -> None:
    error = start_error(api_error("invalid_auth"), "SLACK_APP_TOKEN", "opening Socket Mode")
    assert "SLACK_APP_TOKEN" in str(error) and "invalid_auth" in str(error)
    unreachable = start_error(aiohttp.ClientConnectionError("refused"), "SLACK_BOT_TOKEN", "x")
    assert "api_base_url" in str(unreachable)


def test_a_429_at_start_carries_the_wait_slack_asked_for() -> None:
    limited = start_error(api_error("ratelimited", 429, {"Retry-After": "45"}), "V", "x")
    assert limited.passing and limited.retry_after == 45.0
    unsaid = start_error(api_error("ratelimited", 429), "V", "x")
    assert unsaid.passing and unsaid.retry_after is None  # run's own waits then
    down = start_error(api_error("service_unavailable", 503, {"Retry-After": "9"}), "V", "x")
    assert down.passing and down.retry_after is None


@pytest.mark.parametrize(("event", "typing"), [
    ({"channel_type": "im", "user": "U1", "channel": "D1", "text": "hi"}, True),
    ({"channel_type": "im", "user": "U1", "channel": "D1", "subtype": "message_changed"}, False),
    ({"channel_type": "im", "user": "U1", "channel": "D1", "subtype": "channel_join"}, False),
    ({"channel_type": "im", "user": "U2", "channel": "D1", "bot_id": "B2"}, False),
    ({"channel_type": "im", "user": "UBOT", "channel": "D1"}, False),
    ({"channel_type": "channel", "user": "U1", "channel": "C1"}, False),
    ({"channel_type": "im", "channel": "D1"}, False),
])
def test_only_a_person_typing_in_a_dm_counts(event: dict[str, str], typing: bool) -> None:
    assert is_person_typing(event, "UBOT") is typing


@pytest.mark.parametrize(("text", "words"), [
    ("", "help"), ("  ", "help"), ("help", "help"), ("phishing  mail", "learn phishing mail"),
    ("&lt;b&gt; &amp; <https://x.io|x.io>", "learn <b> & x.io"),
])
def test_learn_is_a_lookup(text: str, words: str) -> None:
    assert learn_words(text) == words


def test_recent_ids_recognise_a_repeat_and_forget_the_oldest() -> None:
    seen = RecentIds(size=2)
    assert seen.first("a") and seen.first("b") and not seen.first("a")
    assert seen.first("c")  # "b" was the oldest now, and is forgotten
    assert seen.first("b") and not seen.first("c")
