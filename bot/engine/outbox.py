"""What an outbox row says, kept on the row: a retry sends exactly what the first try composed.

Composing a delivery records things (a lesson read, points, a badge), so composing it again
would not say the same (the badge is no longer new). The composed messages are stored instead,
by reference: a lesson by its id, a question by its lesson's id and its key, so the stored text
stays small and a retry shows the lesson as it is now.

Every class of :data:`bot.messages.MESSAGE_TYPES` can be kept. The text is JSON,
``{"v": 2, "messages": [...]}``: each message, and each value in it that is one of the model's
frozen classes (a :class:`~bot.messages.LearnerView`, a :class:`~bot.messages.Button`, ...), is
an object naming its class (``"$type"``) beside its fields; a lesson is ``{"$lesson": id}``, a
question ``{"$question": [lesson id, key]}``, a time ``{"$time": ISO text}``, a notice code
``{"$code": value}``, and a tuple an array.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any

from bot.content.model import Lesson, Question
from bot.messages import (
    MESSAGE_TYPES,
    AnswerGiven,
    BadgeGoal,
    Button,
    FlagFigure,
    LearnerView,
    MissFigure,
    NoteEntry,
    NoticeCode,
    Outbound,
    QuestionFigure,
    Standing,
    StreakView,
    TrackGain,
    TrackProgress,
)

FORMAT = 2
"""The version of the stored text (1 was the untyped ``kind`` + ``data`` of earlier releases)."""

_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (*MESSAGE_TYPES, Button, LearnerView, StreakView, Standing,
                                  QuestionFigure, FlagFigure, MissFigure, TrackProgress,
                                  NoteEntry, TrackGain, AnswerGiven, BadgeGoal)}
"""Every class the text may name: the messages and the values they hold."""

LessonLookup = Callable[[str], Lesson | None]


def encode(messages: Sequence[Outbound]) -> str:
    """The messages as text for the outbox row.

    Raises :class:`TypeError` for a value outside the neutral model (a bug in whoever made
    the message: every message the model allows can be kept).
    """
    return json.dumps({"v": FORMAT, "messages": [_encode(message, _owner(message))
                                                 for message in messages]},
                      separators=(",", ":"))


def _owner(message: object) -> Lesson | None:
    """The lesson a message's question belongs to (or an answer's, within a message)."""
    lesson = getattr(message, "lesson", None)
    return lesson if isinstance(lesson, Lesson) else None


def _encode(value: Any, owner: Lesson | None) -> Any:
    if isinstance(value, NoticeCode):  # before str: it is one
        return {"$code": value.value}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Lesson):
        return {"$lesson": value.id}
    if isinstance(value, Question):
        if owner is None:
            raise TypeError(f"question {value.key!r} in a message without its lesson")
        return {"$question": [owner.id, value.key]}
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    if isinstance(value, tuple):
        return [_encode(item, owner) for item in value]
    if is_dataclass(value) and _CLASSES.get(type(value).__name__) is type(value):
        owner = _owner(value) or owner  # an answer given holds its own lesson's question
        return {"$type": type(value).__name__,
                **{item.name: _encode(getattr(value, item.name), owner)
                   for item in fields(value)}}
    raise TypeError(f"an outbound message cannot hold a {type(value).__name__}")


class _Unusable(Exception):
    """The stored text refers to something gone (a lesson, a question) or is not this format."""


def decode(text: str, lesson: LessonLookup) -> list[Outbound] | None:
    """The stored messages, with lessons as they are now; None when a lesson or question they
    refer to is gone, or the text was written by an older release (compose afresh then)."""
    try:
        stored = json.loads(text)
        if not isinstance(stored, dict) or stored.get("v") != FORMAT:
            raise _Unusable("not this format")
        messages = [_decode(entry, lesson) for entry in stored["messages"]]
    except (_Unusable, ValueError):
        return None
    if not all(isinstance(message, MESSAGE_TYPES) for message in messages):
        return None
    return messages


def _decode(value: Any, lesson: LessonLookup) -> Any:
    if isinstance(value, list):
        return tuple(_decode(item, lesson) for item in value)
    if not isinstance(value, dict):
        return value
    if "$type" in value:
        cls = _CLASSES.get(value["$type"])
        if cls is None:
            raise _Unusable(f"no class {value['$type']!r}")
        try:
            return cls(**{name: _decode(item, lesson)
                          for name, item in value.items() if name != "$type"})
        except TypeError as exc:  # its fields changed since
            raise _Unusable(str(exc)) from exc
    if "$lesson" in value:
        found = lesson(value["$lesson"])
        if found is None:
            raise _Unusable(f"lesson {value['$lesson']!r} is gone")
        return found
    if "$question" in value:
        lesson_id, key = value["$question"]
        owner = lesson(lesson_id)
        question = next((q for q in owner.questions if q.key == key), None) if owner else None
        if question is None:
            raise _Unusable(f"question {key!r} of {lesson_id!r} is gone")
        return question
    if "$time" in value:
        return datetime.fromisoformat(value["$time"])
    if "$code" in value:
        return NoticeCode(value["$code"])  # ValueError for a code no longer known
    raise _Unusable(f"unknown value {sorted(value)}")
