"""The sample library that ships in lessons/ is real, complete and clean."""

from __future__ import annotations

import pytest

from bot.content.catalog import Catalog
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def sample() -> Catalog:
    catalog = Catalog(SAMPLE)
    catalog.load()
    return catalog


def test_every_sample_file_passes_check_without_a_warning(sample: Catalog) -> None:
    assert sample.problems() == []
    assert len(sample.lessons()) == sample.files()


def test_at_least_24_lessons_in_at_least_4_ordered_tracks(sample: Catalog) -> None:
    assert len(sample.lessons()) >= 24
    tracks = sample.tracks()
    assert len(tracks) >= 4
    for lessons in tracks.values():
        assert [lesson.order for lesson in lessons] == list(range(1, len(lessons) + 1))


def test_every_lesson_is_a_complete_micro_lesson(sample: Catalog) -> None:
    for lesson in sample.lessons():
        words = len(lesson.body.split())
        assert 300 <= words <= 1000, (lesson.id, words)  # 2-5 minutes of reading
        assert 2 <= lesson.minutes <= 5, lesson.id
        assert lesson.objective and lesson.topic and len(lesson.tags) >= 3, lesson.id
        assert 2 <= len(lesson.questions) <= 4, lesson.id
        for question in lesson.questions:
            assert question.explanation, (lesson.id, question.text)
            assert question.correct_indexes, (lesson.id, question.text)
