"""Telegram: learners get lessons, quizzes and lookups through python-telegram-bot.

``bot/app.py`` imports this package and calls :func:`create`; see docs/telegram.md.
"""

from __future__ import annotations

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.adapters.telegram.errors import TOKEN_HELP
from bot.adapters.telegram.webhook import webhook_secret
from bot.config import Secrets, Settings
from bot.errors import AdapterStartError

__all__ = ["TelegramAdapter", "create"]


def create(settings: Settings, secrets: Secrets) -> TelegramAdapter:
    """The adapter for ``[telegram]``; :class:`AdapterStartError` when the token is missing."""
    token = (secrets.telegram_bot_token or "").strip()
    if not token:
        raise AdapterStartError(f"[telegram] enabled = true, but TELEGRAM_BOT_TOKEN is not set: "
                                f"{TOKEN_HELP}")
    secret = (webhook_secret(secrets.telegram_webhook_secret, token)
              if settings.telegram.mode == "webhook" else None)
    return TelegramAdapter(settings.telegram, token, settings.lessons.dir, secret)
