"""slack_sdk's errors mapped, in this one place, to the branches the dispatcher acts on.

The SDK's own retry handlers (client.py) have already retried short rate limits, 500/503 and
dropped connections by the time an error gets here: what is left is for the dispatcher to wait
out (:class:`RateLimited`), retry later (:class:`TemporaryDeliveryError`), stop for this learner
(:class:`RecipientUnreachable`) or give up (:class:`DeliveryError`). Tokens never appear in a
message: only Slack's error code and the method.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import (
    AdapterStartError,
    DeliveryError,
    RateLimited,
    RecipientUnreachable,
    TemporaryDeliveryError,
)

UNREACHABLE = frozenset({
    "account_inactive", "user_not_found", "user_disabled", "user_not_visible", "users_not_found",
    "channel_not_found", "is_archived", "not_in_channel", "cannot_dm_bot",
})
"""The learner cannot get messages from the bot: pause them until they write again."""
TEMPORARY = frozenset({
    "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org",
})
"""Slack's own failures that an ``ok: false`` with a 200 can carry."""
TOKEN = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired"})
"""The bot token refused: every send fails alike until it is fixed, so a delivery is retried
(the day's rows go once it works again), not failed for good at once."""
AUTH = TOKEN | frozenset({
    "account_inactive", "not_allowed_token_type", "missing_scope", "no_permission",
    "ekm_access_denied",
})
CALL_ERRORS = (SlackClientError, aiohttp.ClientError, OSError, TimeoutError)
"""What a Web API call can raise that :func:`delivery_error` maps (anything else is a bug)."""
DEFAULT_RETRY_AFTER = 30.0
"""Slack's own default when a 429 comes without Retry-After (slack_sdk uses it too)."""


def code(error: SlackApiError) -> str:
    """Slack's error code (``channel_not_found``), or ``http_<status>`` without one."""
    response = error.response
    data = response.data if isinstance(response.data, dict) else {}
    return str(data.get("error") or f"http_{response.status_code}")


def retry_after(error: SlackApiError) -> float:
    """The seconds a 429 asks us to wait."""
    asked = asked_wait(error)
    return DEFAULT_RETRY_AFTER if asked is None else asked


def asked_wait(error: SlackApiError) -> float | None:
    """The seconds of the answer's Retry-After header; None without a readable one."""
    headers = error.response.headers or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


def token_refused(error: BaseException) -> bool:
    """Whether Slack refused the call for the bot's token (revoked, expired, invalid)."""
    return isinstance(error, SlackApiError) and code(error) in TOKEN


def delivery_error(error: BaseException, method: str) -> DeliveryError:
    """The branch for an error raised by a Web API call (``error`` is chained by the caller)."""
    if isinstance(error, SlackApiError):
        name, status = code(error), error.response.status_code
        message = f"Slack {method}: {name}"
        if status == 429 or name == "ratelimited":
            return RateLimited(message, retry_after(error))
        if name in UNREACHABLE:
            return RecipientUnreachable(message)
        if status >= 500 or name in TEMPORARY:
            return TemporaryDeliveryError(message)
        if name in TOKEN:
            return TemporaryDeliveryError(f"{message} (check SLACK_BOT_TOKEN)")
        if name in AUTH:
            return DeliveryError(f"{message} (check SLACK_BOT_TOKEN and the app's scopes)")
        return DeliveryError(message)
    if isinstance(error, aiohttp.ClientError | TimeoutError | OSError):
        return TemporaryDeliveryError(f"Slack {method}: {type(error).__name__}: {error}")
    if isinstance(error, SlackClientError):
        return DeliveryError(f"Slack {method}: {type(error).__name__}: {error}")
    raise TypeError(f"not a Slack client error: {error!r}")  # a bug: let it show


def start_error(error: BaseException, variable: str, what: str) -> AdapterStartError:
    """Why the adapter cannot start, naming the variable or setting to fix."""
    if isinstance(error, SlackApiError):
        name = code(error)
        if name in AUTH or error.response.status_code in (401, 403):
            return AdapterStartError(
                f"Slack rejected {variable} ({name}) when {what}: set it to a valid token of "
                "your Slack app (docs/slack.md)")
        limited = error.response.status_code == 429
        return AdapterStartError(f"Slack refused {what}: {name} (docs/slack.md)",
                                 passing=error.response.status_code >= 500 or limited,
                                 retry_after=asked_wait(error) if limited else None)
    return AdapterStartError(
        f"cannot reach Slack when {what}: {type(error).__name__}: {error}; check the network "
        "and [slack] api_base_url",
        passing=isinstance(error, TimeoutError | aiohttp.ServerTimeoutError
                           | aiohttp.ServerDisconnectedError))
