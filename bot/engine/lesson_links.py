"""Links between lessons, resolved when a message about a lesson is said.

A lesson's link to another lesson file (``[Strong passwords](passwords.md)``) cannot be opened
from a chat. The engine looks up, each time it says a message that shows the lesson's text (the
lesson, a lookup's answer, a question, its feedback), which of the lesson's links lead to a
lesson in service, and puts their titles in the message (:data:`bot.messages.LessonLinks`): the
adapters show each such link with how to open that lesson. Looked up at send time, never kept
with the lesson, so a lesson renamed, moved or retitled is followed at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.content.catalog import Catalog
from bot.messages import Feedback, LessonMessage, LookupAnswer, Outbound, QuestionMessage

WithLinks = LessonMessage | LookupAnswer | QuestionMessage | Feedback
"""The messages that show a lesson's trainer-written Markdown, and so its links."""


def linked(catalog: Catalog, message: Outbound) -> Outbound:
    """``message`` with its lesson's links to lessons as the catalog has them now."""
    if not isinstance(message, WithLinks):
        return message
    if not message.lesson.links and not message.links:
        return message  # most lessons link to no file
    links = catalog.lesson_links(message.lesson)
    return message if links == message.links else replace(message, links=links)


def relinked(catalog: Catalog, messages: Sequence[Outbound]) -> list[Outbound]:
    """Messages kept to be sent again (an outbox row's retry), with their links looked up
    afresh: the lessons may have been renamed or retitled since."""
    return [linked(catalog, message) for message in messages]
