"""xAPI: learning records sent to a learning record store (LRS).

``statements`` makes the statements (pure), ``client`` speaks the LRS's HTTP API, ``relay``
turns stored events into statements in their own outbox and sends them in batches with
retries. See docs/xapi.md for the mapping and the guarantees.
"""

from __future__ import annotations

from bot.errors import MicrolearnError


class XapiError(MicrolearnError):
    """Learning records could not go to the LRS; the message says what to check."""


class LrsUnavailable(XapiError):
    """The LRS cannot take statements now (down, slow, 5xx, 429): try again later.

    ``retry_after`` is the LRS's own wait in seconds, when it said one (a 429)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LrsRefused(LrsUnavailable):
    """The LRS refused our credentials (401/403): nothing goes until a person fixes
    XAPI_USERNAME / XAPI_PASSWORD or the LRS's accounts; retried slowly meanwhile."""
