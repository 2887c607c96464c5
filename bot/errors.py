"""The one exception tree of microlearn.

Every error a person can meet derives from :class:`MicrolearnError`, and its message says what to
do. The root and the storage branch are defined in :mod:`storage.errors` (storage never imports
the bot) and re-exported here, so the whole tree can be imported from this module.
"""

from __future__ import annotations

from pathlib import Path

from storage.errors import MicrolearnError, MigrationError, StorageError

__all__ = [
    "AdapterStartError", "AlreadyHandled", "ConfigError", "ContentError", "DeliveryError", "LessonError",
    "MicrolearnError", "MigrationError", "QueryError", "RateLimited", "RecipientUnreachable",
    "StorageError", "TemporaryDeliveryError",
]


class ContentError(MicrolearnError):
    """Something is wrong with the lesson library as a whole (for example, a missing folder)."""


class LessonError(ContentError):
    """One problem in one lesson file, located at a line so a trainer can fix it."""

    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        super().__init__(f"{self.path}:{line}: {reason}")


class QueryError(MicrolearnError):
    """A lookup request that cannot be answered as given (for example, a limit below one)."""


class ConfigError(MicrolearnError):
    """The configuration is wrong; the message names the file and the key."""


class DeliveryError(MicrolearnError):
    """A message could not be delivered and trying again will not help (a bad request).

    ``sent`` counts the platform messages of the delivery that did go out before the failure,
    so a retry does not send them again.
    """

    sent: int = 0


class TemporaryDeliveryError(DeliveryError):
    """The platform failed for now (5xx, a time-out, the network): try again later."""


class RateLimited(TemporaryDeliveryError):
    """The platform asked us to slow down; send nothing more to it for ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RecipientUnreachable(DeliveryError):
    """The learner cannot be reached (blocked the bot, account deactivated, chat gone): the
    learner is paused until they write again, and nothing is retried."""


class ClaimLost(DeliveryError):
    """The delivery is no longer this worker's to send (another replica took it over while
    this one was cut off from the database): the sender stops before its next platform
    message, and the worker that holds it now sends the rest."""


class DatabaseAway(MicrolearnError):
    """A learner's message was held while the database could not be reached, and it stayed
    away: the message is not handled (the learner is told sorry). Logged once, with no
    traceback: the outage is the news, and it is logged where it is noticed."""


class AdapterStartError(MicrolearnError):
    """An adapter cannot start (a missing or rejected token, an unreachable platform); the
    message says which setting or variable to fix. ``passing``: the platform answered with a
    server error or did not answer in time, which a later try may not meet (`run` tries
    again a few times before it gives up); a rejected token or an address that refuses
    connections is no passing error. ``retry_after``: the seconds a 429 asked the bot to wait
    before it tries again (None when the platform did not say)."""

    def __init__(self, message: str, passing: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.passing = passing
        self.retry_after = retry_after


class AlreadyHandled(MicrolearnError):
    """An inbound event the platform sent again (a lost acknowledgement, a crash, another
    replica) was handled already: there is nothing to answer, and an adapter must not act as
    if it had handled it (Telegram: the replica that did answers the button press, with its
    result; an empty answer from this one could reach the learner first)."""
