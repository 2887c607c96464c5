"""The LRS's statements resource over HTTP (xAPI 1.0.3, part three), with aiohttp.

Statements go in batches (``POST /statements`` with a JSON array); when the LRS refuses a batch
(400 or 422: one statement it finds invalid; 409: one it already holds, differently), each statement
of the batch goes alone (``PUT /statements?statementId=...``), so one bad statement never holds
the others back. Every request carries ``X-Experience-API-Version`` and HTTP Basic credentials
from XAPI_USERNAME and XAPI_PASSWORD (never logged).
"""

from __future__ import annotations

import base64
import enum
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from bot.xapi import LrsRefused, LrsUnavailable
from bot.xapi.statements import VERSION

log = logging.getLogger(__name__)
REFUSED = (400, 409, 422)
"""What an LRS answers for a statement it will not take: invalid (400; 422 from LRSs built on
FastAPI, like Ralph) or conflicting (409)."""
TIMEOUT = 30.0
"""Seconds an LRS request may take before it counts as failed (and is tried again later)."""


class Outcome(enum.Enum):
    """What became of one statement."""

    STORED = "stored"
    """The LRS holds it (now, or already: the same statement sent again)."""
    CONFLICT = "conflict"
    """The LRS already holds a different statement with this id (the library changed since it
    was first sent): it keeps its own, as the spec says; nothing to send again."""
    INVALID = "invalid"
    """The LRS refused it as invalid: sending it again would not help."""


@dataclass(frozen=True)
class Sent:
    """One statement's outcome, and the LRS's words when it was not simply stored."""

    statement_id: str
    outcome: Outcome
    detail: str = ""


class LrsClient:
    """Posts statements to one LRS (``endpoint``: its base, like https://lrs.example/xAPI/)."""

    def __init__(self, endpoint: str, username: str | None, password: str | None,
                 timeout: float = TIMEOUT) -> None:
        """``username`` None: no credentials (an LRS open to this network)."""
        self.endpoint = endpoint.rstrip("/") + "/"
        # HTTP Basic, built here: the header never reaches a log line of ours.
        self.headers = {"X-Experience-API-Version": VERSION, "Content-Type": "application/json"}
        if username:
            token = base64.b64encode(f"{username}:{password or ''}".encode()).decode("ascii")
            self.headers["Authorization"] = f"Basic {token}"
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def statements_url(self) -> str:
        return self.endpoint + "statements"

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout, headers=self.headers)
        return self._session

    async def close(self) -> None:
        """Close the connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, statements: Sequence[tuple[str, str]]) -> list[Sent]:
        """Send (id, JSON) statements; each one's outcome. Raises :class:`LrsUnavailable`
        when the LRS cannot take them now (nothing is known stored), :class:`LrsRefused` for
        our credentials."""
        if not statements:
            return []
        body = "[" + ",".join(text for _, text in statements) + "]"
        status, text, wait = await self._request("POST", self.statements_url, body)
        if status in (200, 204):  # 204: the LRS held every one of them already
            return [Sent(statement_id, Outcome.STORED) for statement_id, _ in statements]
        if status in REFUSED and len(statements) > 1:
            # One statement spoils the batch: each alone, so the others go.
            return [await self._one(statement_id, text) for statement_id, text in statements]
        if status in REFUSED:
            return [self._single(statements[0][0], status, text)]
        raise self._unavailable(status, text, wait)

    async def _one(self, statement_id: str, body: str) -> Sent:
        status, text, wait = await self._request(
            "PUT", f"{self.statements_url}?statementId={statement_id}", body)
        if status in (200, 204):
            return Sent(statement_id, Outcome.STORED)
        if status in REFUSED:
            return self._single(statement_id, status, text)
        raise self._unavailable(status, text, wait)

    @staticmethod
    def _single(statement_id: str, status: int, text: str) -> Sent:
        outcome = Outcome.CONFLICT if status == 409 else Outcome.INVALID
        return Sent(statement_id, outcome, _detail(text))

    async def _request(self, method: str, url: str, body: str) -> tuple[int, str, float | None]:
        """(status, body, Retry-After in seconds if given)."""
        try:
            async with self._client().request(method, url, data=body.encode("utf-8")) \
                    as response:
                return (response.status, await response.text(),
                        _seconds(response.headers.get("Retry-After")))
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise LrsUnavailable(f"the LRS at {self.endpoint} cannot be reached "
                                 f"({type(exc).__name__}: {exc})") from exc

    def _unavailable(self, status: int, text: str, wait: float | None) -> LrsUnavailable:
        if status in (401, 403):
            return LrsRefused(
                f"the LRS at {self.endpoint} refused our credentials ({status}): check "
                "XAPI_USERNAME and XAPI_PASSWORD, and that the account may write statements")
        return LrsUnavailable(f"the LRS at {self.endpoint} answered {status} "
                              f"({_detail(text)})", wait)


def _detail(text: str) -> str:
    """The LRS's reason, short (Ralph answers {"detail": ...})."""
    try:
        data = json.loads(text)
    except ValueError:
        return text.strip()[:300]
    if isinstance(data, dict) and "detail" in data:
        return str(data["detail"])[:300]
    return text.strip()[:300]


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
