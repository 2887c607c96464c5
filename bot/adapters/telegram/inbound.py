"""Telegram updates as neutral :class:`~bot.messages.Inbound` events (no network here)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from telegram import Update, User

from bot.adapters.names import plain_name
from bot.messages import Inbound, Platform

ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "poll_answer",
                   "my_chat_member")
"""What the bot asks Telegram for (channel posts and the rest are not needed): a message
edited soon after in a private chat is passed on as edited (a question with its typo fixed
gets its answer); ``my_chat_member`` says at once when a learner blocks or unblocks the bot."""
EDIT_WINDOW_S = 120
"""An edit this soon after its message is read (a typo fixed); a later one is left alone."""
BLOCKED = "blocked the bot"
"""The reason kept on a learner who blocked the bot."""


def blocked_change(update: Update) -> tuple[str, bool] | None:
    """(user id, blocked?) when the update says a user blocked (True) or unblocked (False) the
    bot in their private chat; None for any other update (groups included: a learner's pushes
    go to their private chat)."""
    member = update.my_chat_member
    if member is None or member.chat.type != "private":
        return None
    was, now = member.old_chat_member.status, member.new_chat_member.status
    if now == "kicked" and was != "kicked":
        return str(member.from_user.id), True
    if was == "kicked" and now != "kicked":
        return str(member.from_user.id), False
    return None
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})@([A-Za-z0-9_]{3,})\b")


def display_name(user: User) -> str:
    """The name a learner shows in Telegram, as plain text (:func:`plain_name`)."""
    return plain_name(user.full_name) or (f"@{user.username}" if user.username else "")


def command_text(text: str, bot_username: str | None) -> str:
    """'/quiz@microlearn_bot' as '/quiz' (groups address commands to one bot)."""
    match = _COMMAND.match(text)
    if match and bot_username and match.group(2).lower() == bot_username.lower():
        return f"/{match.group(1)}{text[match.end():]}"
    return text


def addressed(update: Update, text: str, bot_id: int | None, bot_username: str | None) -> bool:
    """In a group, the bot answers only what is meant for it: commands, mentions and replies
    to its messages (everything, in a private chat)."""
    message = update.message
    if message is None or message.chat.type == "private":
        return True
    if text.startswith("/"):
        # "/quiz@other_bot" is another bot's command (a group may have several bots).
        named = _COMMAND.match(text)
        return not (named and bot_username and named.group(2).lower() != bot_username.lower())
    if bot_username and f"@{bot_username.lower()}" in text.lower():
        return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def to_inbound(update: Update, bot_id: int | None = None,
               bot_username: str | None = None) -> Inbound | None:
    """The neutral event for an update, or None for one the bot ignores. It carries the
    update's id (with the bot's: another bot's ids are its own), so that an update Telegram
    sends again, after a crash or to another replica, is handled once."""
    inbound = _neutral(update, bot_id, bot_username)
    if inbound is None:
        return None
    return replace(inbound, event_id=f"{bot_id or 0}:{update.update_id}")


def _neutral(update: Update, bot_id: int | None, bot_username: str | None) -> Inbound | None:
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        chat = str(message.chat.id) if message is not None else str(query.from_user.id)
        return Inbound(Platform.TELEGRAM, str(query.from_user.id), chat_id=chat,
                       answer=query.data or "", display_name=display_name(query.from_user),
                       shared=message is not None and message.chat.type != "private")
    if update.poll_answer is not None:
        answer = update.poll_answer
        if answer.user is None:  # an anonymous voter: our polls are never anonymous
            return None
        return Inbound(Platform.TELEGRAM, str(answer.user.id), chat_id=str(answer.user.id),
                       poll_id=answer.poll_id, choices=tuple(answer.option_ids),
                       display_name=display_name(answer.user))
    message = update.message
    edited = update.edited_message
    if message is None and edited is not None and edited.chat.type == "private" and \
            edited.edit_date is not None and \
            edited.edit_date - edited.date <= timedelta(seconds=EDIT_WINDOW_S):
        message = edited  # in a group an edit is left alone (others read along), and so
        # is one of a message sent long ago
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    text = message.text if message.text is not None else message.caption
    if text is None and message.sticker is not None and message.sticker.emoji:
        text = message.sticker.emoji  # a sticker says what its emoji says
    if text is None:
        if message.chat.type != "private":
            return None  # service messages, stickers in a group: not for the bot
        text = ""
    if not addressed(update, text, bot_id, bot_username):
        return None
    text = command_text(text, bot_username)
    if bot_username:
        text = re.sub(rf"@{re.escape(bot_username)}\b", "", text, flags=re.IGNORECASE).strip()
    return Inbound(Platform.TELEGRAM, str(message.from_user.id), chat_id=str(message.chat.id),
                   text=text, display_name=display_name(message.from_user),
                   shared=message.chat.type != "private", edited=message is edited)


def reply_chat(update: Update) -> str | None:
    """Where replies to an update go."""
    if update.callback_query is not None:
        query = update.callback_query
        return str(query.message.chat.id if query.message else query.from_user.id)
    if update.poll_answer is not None and update.poll_answer.user is not None:
        return str(update.poll_answer.user.id)  # our polls go to private chats
    if update.effective_chat is not None:
        return str(update.effective_chat.id)
    return None
