"""What the outbox keeps of composed messages, and how it reads them back."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot.content.catalog import Catalog
from bot.content.model import Lesson
from bot.engine.outbox import decode, encode
from bot.messages import (
    MESSAGE_TYPES,
    AnswerGiven,
    Feedback,
    Invalid,
    LessonMessage,
    Outbound,
    QuestionMessage,
)
from tests.conftest import SAMPLE
from tests.unit.examples import one_of_each as examples


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The sample library (loaded here: this file needs no engine fixture)."""
    library = Catalog(SAMPLE)
    library.load()
    return library


def one_of_each(catalog: Catalog) -> list[Outbound]:
    lesson = next(lesson for lesson in catalog.lessons() if lesson.questions)
    return examples(lesson, next(other for other in catalog.lessons() if other.id != lesson.id))


def test_examples_cover_every_message_class(catalog: Catalog) -> None:
    assert {type(message) for message in one_of_each(catalog)} == set(MESSAGE_TYPES)


def test_every_message_class_comes_back_the_same(catalog: Catalog) -> None:
    messages = one_of_each(catalog)
    back = decode(encode(messages), catalog.get)
    assert back == messages
    assert back is not None and [type(m) for m in back] == [type(m) for m in messages]
    feedback = next(m for m in back if isinstance(m, Feedback))
    assert isinstance(feedback.choices, tuple)  # tuples stay tuples, not lists


def test_an_answer_a_question_follows_keeps_its_own_lessons_question(catalog: Catalog) -> None:
    """A baseline's next question may be another lesson's: the answer it follows names its
    question by its own lesson, not the message's."""
    first, second = [lesson for lesson in catalog.lessons() if lesson.questions][:2]
    given = AnswerGiven(6, first, first.questions[0], (1,))
    message = QuestionMessage(second, second.questions[0], 7, check="pre", follows=given)
    text = encode([message])
    assert json.loads(text)["messages"][0]["follows"]["question"] == {
        "$question": [first.id, first.questions[0].key]}
    assert decode(text, catalog.get) == [message]


def test_lessons_are_kept_by_id_and_come_back_as_they_are_now(catalog: Catalog) -> None:
    lesson = catalog.lessons()[0]
    text = encode([LessonMessage(lesson)])
    assert lesson.body not in text and json.loads(text)["messages"][0]["lesson"] == {
        "$lesson": lesson.id}
    edited = replace(lesson, title="New title")
    assert decode(text, lambda _: edited) == [LessonMessage(edited)]


def test_a_removed_lesson_means_compose_again(catalog: Catalog) -> None:
    lesson = catalog.lessons()[0]
    text = encode([LessonMessage(lesson)])
    assert decode(text, lambda _: None) is None


def test_a_removed_question_means_compose_again(catalog: Catalog) -> None:
    lesson = next(lesson for lesson in catalog.lessons() if lesson.questions)
    text = encode([QuestionMessage(lesson, lesson.questions[0], 1)])

    def without_questions(lesson_id: str) -> Lesson | None:
        found = catalog.get(lesson_id)
        return replace(found, questions=()) if found else None

    assert decode(text, without_questions) is None


def test_text_of_an_earlier_release_means_compose_again(catalog: Catalog) -> None:
    lesson = catalog.lessons()[0]
    earlier = json.dumps([{"kind": "lesson", "data": {"lesson": {"$lesson": lesson.id}},
                           "buttons": []}])
    assert decode(earlier, catalog.get) is None


def test_a_value_outside_the_model_is_a_bug_not_a_silent_loss() -> None:
    with pytest.raises(TypeError):
        encode([Invalid(object())])  # type: ignore[arg-type]
