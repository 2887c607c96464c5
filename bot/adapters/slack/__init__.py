"""Slack: learners get lessons, quizzes and lookups in a DM with the bot (docs/slack.md).

Only this package imports slack_bolt and slack_sdk.
"""

from __future__ import annotations

from pathlib import Path

from bot.adapters.slack.adapter import SlackAdapter
from bot.config import Secrets, Settings
from bot.errors import AdapterStartError

__all__ = ["SlackAdapter", "create"]


def create(settings: Settings, secrets: Secrets) -> SlackAdapter:
    """The adapter for ``[slack]``; :class:`AdapterStartError` names a missing variable."""
    slack = settings.slack
    needed = [("SLACK_BOT_TOKEN", secrets.slack_bot_token, "xoxb-", "the bot token")]
    if slack.mode == "socket":
        needed.append(("SLACK_APP_TOKEN", secrets.slack_app_token, "xapp-",
                       "an app-level token with connections:write, for Socket Mode"))
    else:
        needed.append(("SLACK_SIGNING_SECRET", secrets.slack_signing_secret, "",
                       "the app's signing secret, for HTTP mode"))
    for variable, value, prefix, what in needed:
        if not value:
            raise AdapterStartError(
                f"[slack] is enabled in {slack.mode} mode but {variable} is not set: export it "
                f"with {what} (docs/slack.md)")
        if prefix and not value.startswith(prefix):
            raise AdapterStartError(
                f"{variable} does not look like {what} (it should start with '{prefix}'; "
                "docs/slack.md says where to find it)")
    return SlackAdapter(slack, secrets, lessons_dir=Path(settings.lessons.dir))
