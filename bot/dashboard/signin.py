"""Who may see the dashboard: one-time sign-in links and a signed session cookie.

A trainer types `dashboard` in chat (or an operator runs `microlearn dashboard`) and gets a link
that works once, for a few minutes. Opening it starts a session: a random token, kept in the
database only as its SHA-256, sent as a cookie signed with a secret the replicas share
(``MICROLEARN_DASHBOARD_SECRET``, or one made at random once and kept in the database). A cookie
is good only while its session is open: reading the database gives neither a link nor a
session, forging a signature without a live token gets nowhere, and signing out ends it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.engine.links import new_token, token_hash
from storage import Database

SECRET_ENV = "MICROLEARN_DASHBOARD_SECRET"
COOKIE = "microlearn_dashboard"
SESSION_HOURS = 12
LINK_MINUTES = 10
CLI = "cli"
"""Who a link printed by ``microlearn dashboard`` is for: the operator at the machine."""


class Refused(Enum):
    """Why a sign-in link was refused."""

    UNKNOWN = "unknown"
    """No such link was made (or its address was cut short)."""
    USED = "used"
    """It was used already: a link works once."""
    EXPIRED = "expired"
    """Its minutes ran out before it was used."""
    NOT_A_TRAINER = "not a trainer"
    """It was made for someone no longer in ``[bot] trainers``."""


@dataclass(frozen=True)
class Refusal:
    """Why a link was refused, and for how many minutes it worked (an expired one's)."""

    why: Refused
    minutes: int = 0


class SignIn:
    """Makes and checks sign-in links and session cookies."""

    def __init__(self, database: Database, link_minutes: int = LINK_MINUTES,
                 trainers: Collection[str] | None = None) -> None:
        """``trainers``: who may still sign in ('platform:user_id', as in ``[bot] trainers``);
        a link or session of someone taken off the list stops working at once. None: no
        check (links from the command line, "cli", are always the operator's)."""
        self.database = database
        self.link_minutes = link_minutes
        self.trainers = None if trainers is None else frozenset(trainers)
        secret = os.environ.get(SECRET_ENV)
        if not secret:
            with database.unit() as unit:
                secret = unit.signins.secret("dashboard-cookie", secrets.token_urlsafe(48))
        self._cookies = URLSafeTimedSerializer(secret, salt="microlearn-dashboard")

    def link(self, trainer: str, now: datetime) -> str:
        """A new one-time token for ``trainer`` (the path ``/dashboard/signin?token=...``
        carries it)."""
        token = new_token()
        with self.database.unit() as unit:
            unit.signins.add_link(token_hash(token), trainer, now,
                                  now + timedelta(minutes=self.link_minutes))
        return token

    def redeem(self, token: str, now: datetime) -> str | None:
        """The trainer a link was made for, the first time it is used in time; else None."""
        if not token or len(token) > 200:
            return None
        with self.database.unit() as unit:
            trainer = unit.signins.redeem(token_hash(token), now)
        return trainer if trainer is not None and self.allowed(trainer) else None

    def refusal(self, token: str) -> Refusal:
        """Why :meth:`redeem` refused ``token`` (asked after it did): the stored link tells
        a used one from an expired one."""
        kept = None
        if token and len(token) <= 200:
            with self.database.unit() as unit:
                kept = unit.signins.link(token_hash(token))
        if kept is None:
            return Refusal(Refused.UNKNOWN)
        trainer, made, expires, used = kept
        if not self.allowed(trainer):  # redeem used it up, then refused it for this
            return Refusal(Refused.NOT_A_TRAINER)
        if used is not None:
            return Refusal(Refused.USED)
        # The minutes of the link as made (the bot's link_minutes may not be this one's).
        return Refusal(Refused.EXPIRED, round((expires - made).total_seconds() / 60))

    def allowed(self, trainer: str) -> bool:
        """Whether ``trainer`` may still be signed in."""
        return trainer == CLI or self.trainers is None or trainer in self.trainers

    def start(self, trainer: str, now: datetime) -> str:
        """A new session for ``trainer``: the signed cookie value that carries it."""
        token = new_token()
        with self.database.unit() as unit:
            unit.signins.start_session(token_hash(token), trainer, now,
                                       now + timedelta(hours=SESSION_HOURS))
        return self._cookies.dumps({"session": token})

    def _token(self, cookie: str | None) -> str | None:
        if not cookie or len(cookie) > 500:
            return None
        try:
            data = self._cookies.loads(cookie, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        token = data.get("session") if isinstance(data, dict) else None
        return token if isinstance(token, str) else None

    def trainer(self, cookie: str | None, now: datetime) -> str | None:
        """Who a session cookie belongs to; None when it is missing, forged, too old or its
        session has ended."""
        token = self._token(cookie)
        if token is None:
            return None
        with self.database.unit() as unit:
            trainer = unit.signins.session_of(token_hash(token), now)
            if trainer is None or self.allowed(trainer):
                return trainer
            unit.signins.end_session(token_hash(token), now)  # no longer a trainer
        return None

    def end(self, cookie: str | None, now: datetime) -> None:
        """Sign out: the session ends here, for every copy of the cookie."""
        token = self._token(cookie)
        if token is not None:
            with self.database.unit() as unit:
                unit.signins.end_session(token_hash(token), now)
