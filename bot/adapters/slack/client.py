"""The one Web API client: the real slack_sdk ``AsyncWebClient``, pointed at ``api_base_url``,
with slack_sdk's async retry handlers.

- Dropped or reset connections: retried once, after 0.5-1.5 s (backoff with jitter).
- 500 and 503: retried once, after 0.5-1.5 s. A second failure goes back to the dispatcher as
  :class:`~bot.errors.TemporaryDeliveryError`, and its own backoff (seconds, then minutes) takes
  over: a Slack outage is not hammered from inside one send.
- 429: retried once when Slack asks for a short wait (up to ``SHORT_WAIT`` seconds). A longer
  Retry-After is not slept away inside a send (it would hold a delivery slot): it goes back to
  the dispatcher as :class:`~bot.errors.RateLimited`, once the adapter has paused every Slack
  send for that long.
"""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

SHORT_WAIT = 5.0
"""The longest Retry-After (seconds) the SDK waits out itself."""
TIMEOUT = 15
"""Seconds before a Web API call counts as timed out (then retried later by the dispatcher)."""


class ShortRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's rate-limit handler, for short waits only."""

    def __init__(self, max_retry_count: int = 1, short_wait: float = SHORT_WAIT) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.short_wait = short_wait

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None,
                               error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = next((value for name, value in response.headers.items()
                       if name.lower() == "retry-after"), None)
        try:
            wait = float(values[0] if isinstance(values, list) else values or 1)
        except ValueError:
            return False  # the SDK's handler would fail on it: let the dispatcher wait instead
        return wait <= self.short_wait and wait.is_integer()


def retry_handlers(blind: bool = True) -> list[AsyncRetryHandler]:
    """Connection errors, server errors and short rate limits, in that order; with ``blind``
    False only the rate limits (a 429 is a post Slack did not take), for the scheduled posts
    that look before they post again."""
    if not blind:
        return [ShortRateLimitRetryHandler()]
    return [AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncServerErrorRetryHandler(max_retry_count=1),
            ShortRateLimitRetryHandler()]


def web_client(token: str | None, base_url: str, blind_retries: bool = True) -> AsyncWebClient:
    """The client every call goes through (bolt's listeners included). ``blind_retries``
    False: the client of scheduled deliveries, whose unknown outcomes (a dropped connection
    or a 500 after Slack took the post) the adapter settles by looking at the DM's history
    instead of posting again blindly."""
    return AsyncWebClient(token=token, base_url=base_url, timeout=TIMEOUT,
                          retry_handlers=retry_handlers(blind_retries))
