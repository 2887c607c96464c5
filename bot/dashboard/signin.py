"""Who may see the dashboard: one-time sign-in links and a signed session cookie.

A trainer types `dashboard` in chat (or an operator runs `microlearn dashboard`) and gets a link
that works once, for a few minutes. Opening it sets a session cookie signed with a secret the
replicas share (``MICROLEARN_DASHBOARD_SECRET``, or one made at random once and kept in the
database). Only a SHA-256 of each link's token is stored, so reading the database does not let
anyone in.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.engine.links import new_token, token_hash
from storage import Database

SECRET_ENV = "MICROLEARN_DASHBOARD_SECRET"
COOKIE = "microlearn_dashboard"
SESSION_HOURS = 12
LINK_MINUTES = 10


class SignIn:
    """Makes and checks sign-in links and session cookies."""

    def __init__(self, database: Database, link_minutes: int = LINK_MINUTES) -> None:
        self.database = database
        self.link_minutes = link_minutes
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
            return unit.signins.redeem(token_hash(token), now)

    def cookie(self, trainer: str) -> str:
        """The signed session cookie's value."""
        return self._cookies.dumps({"trainer": trainer})

    def trainer(self, cookie: str | None) -> str | None:
        """Who a session cookie belongs to; None when it is missing, forged or too old."""
        if not cookie:
            return None
        try:
            data = self._cookies.loads(cookie, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        trainer = data.get("trainer") if isinstance(data, dict) else None
        return trainer if isinstance(trainer, str) else None
