"""What the outbox keeps of composed messages, and how it reads them back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.content.catalog import Catalog
from bot.engine.messages import Button, Kind, Outbound
from bot.engine.outbox import NotStorable, decode, encode


def test_messages_come_back_the_same_with_lessons_as_they_are_now(
        sample_catalog: Catalog) -> None:
    lesson = sample_catalog.lessons()[0]
    question = lesson.questions[0]
    messages = [
        Outbound(Kind.LESSON, {"lesson": lesson}),
        Outbound(Kind.QUESTION, {"lesson": lesson, "question": question, "ask_id": 7},
                 (Button("Yes", "a:7:0"), Button("No", "a:7:1"))),
        Outbound(Kind.NOTICE, {"code": "badges", "names": ["First lesson"],
                               "when": datetime(2026, 3, 2, 9, tzinfo=UTC),
                               "day": date(2026, 3, 2)}),
    ]
    assert decode(encode(messages), sample_catalog.get) == messages


def test_a_removed_lesson_means_compose_again(sample_catalog: Catalog) -> None:
    lesson = sample_catalog.lessons()[0]
    text = encode([Outbound(Kind.LESSON, {"lesson": lesson})])
    assert decode(text, lambda _: None) is None


def test_values_it_cannot_keep_are_refused() -> None:
    with pytest.raises(NotStorable):
        encode([Outbound(Kind.NOTICE, {"code": "x", "thing": object()})])
