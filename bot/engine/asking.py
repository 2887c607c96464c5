"""A question put to a learner: the message, with one answer button per choice (shared by
reviews and knowledge checks)."""

from __future__ import annotations

from bot.content.markdown import plain_text
from bot.content.model import Lesson, Question
from bot.messages import Button, QuestionMessage


def question_message(ask_id: int, lesson: Lesson, question: Question, number: int = 0,
                     of: int = 0, check: str = "") -> QuestionMessage:
    """A question with one answer button per choice (``number`` of ``of`` in a pushed set or
    a check; ``check``: the phase of the knowledge check asking it)."""
    buttons = tuple(Button(plain_text(choice.text)[:75], f"a:{ask_id}:{index}")
                    for index, choice in enumerate(question.choices))
    return QuestionMessage(lesson, question, ask_id, buttons, number, of, check)
