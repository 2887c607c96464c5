"""A lesson's link to another lesson of the folder: every message that shows the lesson carries
the linked lesson's title, looked up when it is said, and typing "learn" and that title (what
the adapters show beside the link) opens exactly that lesson."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content.catalog import Catalog
from bot.engine import outbox
from bot.engine.engine import Engine
from bot.engine.turn import EngineSettings
from bot.messages import (
    Feedback,
    Inbound,
    LessonMessage,
    LookupAnswer,
    Noted,
    Outbound,
    Platform,
    QuestionMessage,
    Rated,
    RateLesson,
)
from storage import Database
from tests.unit.engine.conftest import write

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)
LINKING = ("Lesson one. See [Strong passwords](../security/passwords.md#managers), "
           "[the VPN guide](../security/vpn.md), [an old page](gone.md) and "
           "[the wiki](https://example.com).\n\n## Quiz\n\n"
           "### Which lesson comes next?\n- [ ] none\n- [x] [this one](../security/passwords.md)\n"
           "> Read [Strong passwords](../security/passwords.md) again.\n")
HINTED = (("../security/passwords.md#managers", "Strong passwords"),
          ("../security/passwords.md", "Strong passwords"))
"""What a message about basics/one carries: its links to a lesson in service, by title."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    lessons = tmp_path / "lessons"
    write(lessons, "basics/one.md", "title: One\ntopic: basics", LINKING)
    write(lessons, "security/passwords.md", "title: Strong passwords\ntopic: security",
          "Long passphrases beat short passwords.")
    write(lessons, "security/vpn.md", "title: VPN\ntopic: security\ndraft: true", "Soon.")
    write(lessons, "extra/knowledge.md", "title: Test my knowledge\ntopic: extra",
          "Ways to find out what you know: explain it to a colleague.")
    write(lessons, "extra/phishing.md", "title: Spot phishing\ntopic: extra",
          "Look at the sender, and at the link, before you click. Passwords never by mail.")
    return lessons


@pytest.fixture
def engine(database: Database, folder: Path) -> Engine:
    catalog = Catalog(folder)
    catalog.load()
    return Engine(database, catalog, EngineSettings(track_reflection=""))


def said(engine: Engine, text: str | None = None, answer: str | None = None) -> list[Outbound]:
    return engine.handle(Inbound(Platform.CONSOLE, "ann", "ann", text=text, answer=answer,
                                 display_name="Ann"), MON)


def test_a_lesson_carries_the_titles_of_the_lessons_its_links_lead_to(engine: Engine) -> None:
    [lesson] = [m for m in said(engine, "lesson") if isinstance(m, LessonMessage)]
    assert lesson.lesson.id == "basics/one"
    # The draft, the missing page and the web page are not in it: shown as before.
    assert lesson.links == HINTED
    looked_up = said(engine, "learn One")[0]
    assert isinstance(looked_up, LookupAnswer) and looked_up.links == HINTED


@pytest.mark.parametrize("typed", ['learn Strong passwords', "/learn Strong passwords",
                                   "LEARN strong passwords", "learn Strong passwords."])
def test_typing_the_hint_opens_exactly_that_lesson(engine: Engine, typed: str) -> None:
    said(engine, "lesson")
    answer = said(engine, typed)[0]
    assert isinstance(answer, LookupAnswer) and answer.lesson.id == "security/passwords"
    assert answer.links == ()  # it links to nothing


def test_the_hint_opens_a_lesson_whose_title_reads_like_a_command(engine: Engine) -> None:
    said(engine, "start")
    # "learn test my knowledge" had started the quiz of reviews.
    answer = said(engine, "learn Test my knowledge")[0]
    assert isinstance(answer, LookupAnswer) and answer.lesson.id == "extra/knowledge"
    # Words that name no lesson are still a quiz on a topic (Slack's one slash command).
    assert not any(isinstance(m, LookupAnswer) for m in said(engine, "learn quiz me on phishing"))


def test_the_hint_typed_while_a_comment_is_invited_is_a_search_not_the_comment(
        engine: Engine, database: Database) -> None:
    said(engine, "lesson")
    rate = next(m for m in said(engine, "done") if isinstance(m, RateLesson))
    assert said(engine, answer=rate.down) == [Rated("One", False, ask_comment=True)]
    answer = said(engine, "learn Strong passwords")[0]
    assert isinstance(answer, LookupAnswer) and answer.lesson.id == "security/passwords"
    # The invitation stays open: the comment comes next.
    assert said(engine, "The link was hard to follow") == [Noted("comment", "One")]


def test_a_question_and_its_feedback_carry_them_too(engine: Engine) -> None:
    asked = said(engine, "quiz me on basics")
    [question] = [m for m in asked if isinstance(m, QuestionMessage)]
    assert question.lesson.id == "basics/one" and question.links == HINTED
    [feedback] = [m for m in said(engine, "2") if isinstance(m, Feedback)]
    assert feedback.correct and feedback.links == HINTED


def test_a_moved_lesson_is_followed_when_the_link_is(engine: Engine, folder: Path) -> None:
    said(engine, "lesson")
    target = folder / "security" / "passwords.md"
    target.rename(folder / "security" / "strong-passwords.md")
    engine.catalog.refresh()
    # The link leads to no lesson now: its words alone, as before.
    [lesson] = [m for m in said(engine, "learn One") if isinstance(m, LookupAnswer)]
    assert lesson.links == ()
    write(folder, "basics/one.md", "title: One\ntopic: basics",
          LINKING.replace("passwords.md", "strong-passwords.md"))
    engine.catalog.refresh()
    [lesson] = [m for m in said(engine, "learn One") if isinstance(m, LookupAnswer)]
    assert lesson.links == (("../security/strong-passwords.md#managers", "Strong passwords"),
                            ("../security/strong-passwords.md", "Strong passwords"))
    answer = said(engine, "learn Strong passwords")[0]
    assert isinstance(answer, LookupAnswer) and answer.lesson.path == \
        "security/strong-passwords.md"


def test_a_message_kept_to_be_sent_again_is_relinked_as_the_lessons_are_now(
        engine: Engine, folder: Path) -> None:
    # An outbox row keeps what it said; its retry shows the lessons as they are then.
    [lesson] = [m for m in said(engine, "lesson") if isinstance(m, LessonMessage)]
    kept = outbox.encode([lesson])
    write(folder, "security/passwords.md", "title: Passphrases\ntopic: security",
          "Long passphrases beat short passwords.")
    engine.catalog.refresh()
    decoded = outbox.decode(kept, engine.catalog.get)
    assert decoded is not None
    [again] = engine.relinked(decoded)
    assert isinstance(again, LessonMessage)
    assert again.links == (("../security/passwords.md#managers", "Passphrases"),
                           ("../security/passwords.md", "Passphrases"))


def test_a_lesson_whose_file_name_has_a_space_works_for_learners_under_that_id(
        database: Database, tmp_path: Path) -> None:
    """'hand washing.md' has the id 'hygiene/hand washing' (kept: learners' progress is under
    it): pushed, read with its button, linked to, looked up and added to reviews, it works."""
    lessons = tmp_path / "lessons"
    write(lessons, "hygiene/hand washing.md", "title: Hand washing\ntopic: hygiene",
          "Wash for twenty seconds.\n\n## Quiz\n\n### How long?\n- [x] 20 s\n- [ ] 2 s\n")
    write(lessons, "hygiene/gloves.md", "title: Gloves\ntopic: hygiene",
          "Wash first; see [Hand washing](hand%20washing.md) and [again](<hand washing.md>).")
    catalog = Catalog(lessons)
    catalog.load()
    engine = Engine(database, catalog, EngineSettings(track_reflection=""))
    assert catalog.get("hygiene/hand washing") is not None
    [gloves] = [m for m in said(engine, "learn Gloves") if isinstance(m, LookupAnswer)]
    assert gloves.links == (("hand%20washing.md", "Hand washing"),
                            ("hand washing.md", "Hand washing"))
    answer = said(engine, "learn Hand washing")[0]
    assert isinstance(answer, LookupAnswer) and answer.lesson.id == "hygiene/hand washing"
    assert answer.add is not None
    assert [type(m).__name__ for m in said(engine, answer=answer.add)] == ["ReviewsAdded"]
    read = []
    for _ in range(2):
        [pushed] = [m for m in said(engine, "lesson") if isinstance(m, LessonMessage)]
        assert pushed.done is not None
        said(engine, answer=pushed.done)
        read.append(pushed.lesson.id)
    assert sorted(read) == ["hygiene/gloves", "hygiene/hand washing"]
    assert not [m for m in said(engine, "lesson") if isinstance(m, LessonMessage)
                and m.lesson.id in read]
    asked = said(engine, "quiz me on hygiene")
    [question] = [m for m in asked if isinstance(m, QuestionMessage)]
    assert question.lesson.id == "hygiene/hand washing"
    [feedback] = [m for m in said(engine, "1") if isinstance(m, Feedback)]
    assert feedback.correct
