"""Keeps the bot token (and the webhook's secret) out of the logs.

The Bot API puts the token in every URL (``/bot<token>/sendMessage``), and httpx logs each
request's URL at INFO. A filter on the loggers that see URLs replaces the token before any
handler formats the record.
"""

from __future__ import annotations

import logging

LOGGERS = ("httpx", "httpcore", "httpcore.connection", "httpcore.http11", "httpcore.http2",
           "telegram", "telegram.Bot", "telegram.ext", "telegram.ext.Application",
           "telegram.ext.Updater", "telegram.ext.ExtBot", "telegram.ext.AIORateLimiter",
           "telegram.request", "telegram.request.BaseRequest", "telegram.request.HTTPXRequest",
           "bot.adapters.telegram.adapter", "scheduler.dispatch", "bot.app")
"""Each logger gets the filter itself: a logger's filters do not see its children's records."""
HIDDEN = "<TELEGRAM_BOT_TOKEN>"


HIDDEN_SECRET = "<TELEGRAM_WEBHOOK_SECRET>"


class TokenFilter(logging.Filter):
    """Replaces the token (and the webhook's secret: PTB logs ``setWebhook``'s parameters at
    DEBUG) in a record's message and its exception text with a marker."""

    def __init__(self, token: str, webhook_secret: str | None = None) -> None:
        super().__init__()
        self.token = token
        self.hidden = {token: HIDDEN}
        if webhook_secret:
            self.hidden[webhook_secret] = HIDDEN_SECRET

    def _clean(self, text: str) -> str:
        for secret, marker in self.hidden.items():
            text = text.replace(secret, marker)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.hidden):
            record.msg, record.args = self._clean(message), None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if any(secret in text for secret in self.hidden):
                record.exc_text = self._clean(text)
        return True


def hide_token(token: str, webhook_secret: str | None = None) -> TokenFilter:
    """Install a filter for ``token`` (and the webhook's secret) on every logger that may see
    it (undo with :func:`remove`)."""
    token_filter = TokenFilter(token, webhook_secret)
    for name in LOGGERS:
        logging.getLogger(name).addFilter(token_filter)
    return token_filter


def remove(token_filter: TokenFilter) -> None:
    """Take the filter off again (the adapter stopped)."""
    for name in LOGGERS:
        logging.getLogger(name).removeFilter(token_filter)
