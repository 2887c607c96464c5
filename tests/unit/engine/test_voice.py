"""The learner's voice: rating a lesson read, a word on what was missing, reflections and
`notes`; all optional, and let go by doing anything else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.content.catalog import Catalog
from bot.engine.engine import Engine
from bot.engine.turn import EngineSettings
from bot.messages import LookupAnswer, Noted, Notes, Rated, RateLesson, ReflectionPrompt
from storage import Database
from tests.unit.engine.conftest import QUIZ, Say, kinds, write

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)


def ratings(database: Database) -> list[tuple[str, bool, str]]:
    with database.session() as session:
        return [(str(lesson), bool(useful), str(comment)) for lesson, useful, comment in
                session.execute(text("SELECT lesson_id, useful, comment FROM lesson_rating "
                                     "ORDER BY lesson_id")).all()]


def reflections(database: Database) -> list[tuple[str, str, str]]:
    with database.session() as session:
        return [tuple(map(str, row)) for row in session.execute(text(
            "SELECT lesson_id, prompt, answer FROM reflection ORDER BY id")).all()]


def test_a_lesson_read_offers_a_rating_and_a_second_tap_changes_it(
        say: Say, database: Database) -> None:
    say("lesson", at=MON)
    read = say("done", at=MON)
    rate = read[-1]
    assert isinstance(rate, RateLesson) and rate.title == "One"
    assert rate.up.startswith("rate:") and rate.up.endswith(":up")
    assert kinds(say(answer=rate.up, at=MON)) == ["rated"]
    assert ratings(database) == [("basics/one", True, "")]
    changed = say(answer=rate.down, at=MON)
    assert changed == [Rated("One", False, ask_comment=True)]
    # The next words are the comment; the rating keeps it.
    assert say("The second example was unclear", at=MON) == [Noted("comment", "One")]
    assert ratings(database) == [("basics/one", False, "The second example was unclear")]
    # Then words are a question again.
    assert isinstance(say("bananas", at=MON)[0], LookupAnswer)


def test_rate_by_command_with_words_and_refusals(say: Say, database: Database) -> None:
    assert kinds(say("rate up", at=MON))[-1] == "notice:nothing_to_rate"  # after the welcome
    say("lesson", at=MON)
    assert kinds(say("rate down", at=MON)) == ["notice:nothing_to_rate"]  # not read yet
    say("done", at=MON)
    assert say("rate not useful: too long", at=MON) == [
        Rated("One", False, comment="too long")]
    assert kinds(say("rate", at=MON)) == ["notice:rate_how"]
    assert say("rate 👍", at=MON) == [Rated("One", True)]
    assert ratings(database) == [("basics/one", True, "too long")]
    # "rate limiting" is a question, not a rating.
    assert kinds(say("rate limiting in apis", at=MON))[0] in ("lookup", "no_match")


def test_anything_else_lets_an_invitation_go(say: Say, database: Database) -> None:
    say("lesson", at=MON)
    rate = next(m for m in say("done", at=MON) if isinstance(m, RateLesson))
    say(answer=rate.down, at=MON)
    assert kinds(say("me", at=MON)) == ["profile"]  # a command: the comment is let go
    assert isinstance(say("bananas", at=MON)[0], LookupAnswer)
    say(answer=rate.down, at=MON)
    assert kinds(say("skip", at=MON)) == ["notice:reply_skipped"]
    say(answer=rate.down, at=MON)
    assert kinds(say("thanks", at=MON)) == ["notice:thanks"]  # small talk is no comment
    say(answer=rate.down, at=MON)
    later = MON + timedelta(hours=13)  # the next day's words are a new conversation
    assert isinstance(say("bananas", at=later)[0], LookupAnswer)
    assert ratings(database) == [("basics/one", False, "")]


def test_finishing_a_track_asks_one_reflection_kept_in_notes(
        say: Say, database: Database) -> None:
    say("lesson", at=MON)
    assert not any(isinstance(m, ReflectionPrompt) for m in say("done", at=MON))
    say("lesson", at=MON)
    read = say("done", at=MON)
    prompt = read[-1]
    assert isinstance(prompt, ReflectionPrompt)
    assert (prompt.prompt, prompt.track_done) == ("What will you do differently tomorrow?",
                                                  "Basics")
    # A tap on the rating shown with it keeps the prompt open, and asks for no comment.
    rate = next(m for m in read if isinstance(m, RateLesson))
    assert say(answer=rate.down, at=MON) == [Rated("Two", False)]
    assert say("Check the sender before I click", at=MON) == [Noted("reflection", "Two")]
    assert reflections(database) == [("basics/two", "What will you do differently tomorrow?",
                                      "Check the sender before I click")]
    notes = say("notes", at=MON + timedelta(days=1))
    assert isinstance(notes[0], Notes) and notes[0].total == 1
    [entry] = notes[0].entries
    assert (entry.title, entry.answer) == ("Two", "Check the sender before I click")


def test_a_trainers_own_prompt_on_a_lesson(tmp_path: Path, database: Database) -> None:
    folder = tmp_path / "lessons"
    write(folder, "a.md", "title: A\nreflect: Where will you use this first?",
          "Lesson a." + QUIZ.format(q="Question a"))
    write(folder, "b.md", "title: B", "Lesson b.")
    catalog = Catalog(folder)
    catalog.load()
    assert not catalog.problems()
    engine = Engine(database, catalog, EngineSettings(track_reflection=""))

    def say(words: str) -> list[object]:
        from bot.messages import Inbound, Platform
        return list(engine.handle(Inbound(Platform.CONSOLE, "bo", "bo", text=words), MON))
    say("lesson")
    asked = say("done")[-1]
    assert isinstance(asked, ReflectionPrompt) and asked.prompt == "Where will you use this first?"
    say("lesson")
    assert not any(isinstance(m, ReflectionPrompt) for m in say("done"))  # none on B
    assert kinds(say("notes")) == ["notes"] and say("notes")[0].entries == ()  # type: ignore[attr-defined]


def test_a_reflect_prompt_that_is_too_long_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "lessons"
    write(folder, "a.md", "title: A\nreflect: " + "why " * 100, "Lesson a.")
    catalog = Catalog(folder)
    catalog.load()
    [problem] = catalog.problems()
    assert str(problem).startswith("a.md:3: error: 'reflect' is 399 characters long")
