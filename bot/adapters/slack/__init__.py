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
    missing = [(variable, what) for variable, value, _, what in needed if not value]
    if missing:  # all of them at once: an operator fixing one should not meet the next
        unset = " and ".join(variable for variable, _ in missing)
        raise AdapterStartError(
            f"[slack] is enabled in {slack.mode} mode but {unset} "
            f"{'is' if len(missing) == 1 else 'are'} not set: export "
            + "; ".join(f"{variable} with {what}" for variable, what in missing)
            + " (docs/slack.md)")
    for variable, value, prefix, what in needed:
        if prefix and value and not value.startswith(prefix):
            raise AdapterStartError(
                f"{variable} does not look like {what} (it should start with '{prefix}'; "
                "docs/slack.md says where to find it)")
    return SlackAdapter(slack, secrets, lessons_dir=Path(settings.lessons.dir))
