"""Keeps the bot token out of the logs.

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


class TokenFilter(logging.Filter):
    """Replaces the token in a record's message (and its exception text) with a marker."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, HIDDEN), None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.token in text:
                record.exc_text = text.replace(self.token, HIDDEN)
        return True


def hide_token(token: str) -> TokenFilter:
    """Install a filter for ``token`` on every logger that may see it (undo with
    :func:`remove`)."""
    token_filter = TokenFilter(token)
    for name in LOGGERS:
        logging.getLogger(name).addFilter(token_filter)
    return token_filter


def remove(token_filter: TokenFilter) -> None:
    """Take the filter off again (the adapter stopped)."""
    for name in LOGGERS:
        logging.getLogger(name).removeFilter(token_filter)
