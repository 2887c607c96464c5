"""`dashboard`: a trainer's one-time sign-in link to the dashboard.

Only a SHA-256 of the link's token is stored; the dashboard checks a link the same way
(:mod:`bot.dashboard.signin`), once, before it expires.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from bot.engine.turn import Turn
from bot.messages import DashboardLink, Notice, NoticeCode


def new_token() -> str:
    """A link's token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a link's token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def dashboard(turn: Turn, _: str) -> None:
    """A one-time link for a trainer, when the dashboard is on."""
    if not turn.for_trainers_only():
        return
    settings = turn.settings
    if not settings.dashboard_url:
        turn.say(Notice(NoticeCode.DASHBOARD_OFF))
        return
    token = new_token()
    trainer = f"{turn.learner.platform.value}:{turn.learner.platform_user_id}"
    turn.unit.signins.add_link(token_hash(token), trainer, turn.now,
                               turn.now + timedelta(minutes=settings.dashboard_link_minutes))
    turn.say(DashboardLink(f"{settings.dashboard_url.rstrip('/')}/dashboard/signin?token={token}",
                           settings.dashboard_link_minutes))
