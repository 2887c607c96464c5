"""What an outbox row says, kept on the row: a retry sends exactly what the first try composed.

Composing a delivery records things (a lesson read, points, a badge), so composing it again
would not say the same (the badge is no longer new). The composed messages are stored instead,
by reference: a lesson by its id, a question by its lesson and key, so the stored text stays
small and a retry shows the lesson as it is now.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from bot.content.model import Lesson, Question
from bot.engine.messages import Button, Kind, Outbound


class NotStorable(TypeError):
    """A message holds a value the outbox cannot keep (it is then composed again on a retry)."""


def _encode(value: Any) -> Any:
    if isinstance(value, Lesson):
        return {"$lesson": value.id}
    if isinstance(value, Question):
        return {"$question": value.key}
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise NotStorable(f"cannot keep a {type(value).__name__} in the outbox")


def encode(messages: list[Outbound]) -> str:
    """The messages as text for the outbox row; :class:`NotStorable` if one cannot be kept."""
    return json.dumps([{
        "kind": message.kind.value,
        "data": _encode(dict(message.data)),
        "buttons": [[button.label, button.value] for button in message.buttons],
    } for message in messages], separators=(",", ":"))


class _Gone(LookupError):
    pass


def decode(text: str, lesson: Callable[[str], Lesson | None]) -> list[Outbound] | None:
    """The stored messages, with lessons as they are now; None when a lesson or question they
    refer to is gone (compose afresh then)."""
    def value(item: Any, lesson_id: str | None) -> Any:
        if isinstance(item, list):
            return [value(entry, lesson_id) for entry in item]
        if not isinstance(item, dict):
            return item
        if "$lesson" in item:
            found = lesson(item["$lesson"])
            if found is None:
                raise _Gone(item["$lesson"])
            return found
        if "$question" in item:
            owner = lesson(lesson_id) if lesson_id else None
            question = next((q for q in owner.questions if q.key == item["$question"]),
                            None) if owner else None
            if question is None:
                raise _Gone(item["$question"])
            return question
        if "$time" in item:
            return datetime.fromisoformat(item["$time"])
        if "$date" in item:
            return date.fromisoformat(item["$date"])
        return {key: value(entry, lesson_id) for key, entry in item.items()}

    try:
        messages = []
        for entry in json.loads(text):
            data = entry["data"]
            owner = data.get("lesson", {}).get("$lesson") if isinstance(
                data.get("lesson"), dict) else None
            messages.append(Outbound(Kind(entry["kind"]), value(data, owner), tuple(
                Button(label, button_value) for label, button_value in entry["buttons"])))
        return messages
    except _Gone:
        return None
