"""A question left open for days: each day's quiz asks it again, and a typed answer goes to
the question on the screen (the week an acceptance tester played on a simulated clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.engine.engine import Engine
from bot.messages import Feedback, QuestionMessage
from tests.unit.engine.conftest import Say, deliver, learner_of, write

MON = datetime(2027, 1, 4, 7, 53, tzinfo=UTC)  # 16:53 in Tokyo
"""Monday 4 January 2027, when the learner enrols (C of the tester's week)."""
TOKYO = timedelta(hours=9)


def quiz(name: str) -> str:
    """Three questions, each with its own right answer's words."""
    return "\n## Quiz\n" + "".join(
        f"\n### {name} question {n}?\n- [ ] wrong {name} {n} alpha\n"
        f"- [x] right {name} {n} bravo charlie\n- [ ] wrong {name} {n} delta\n> Because.\n"
        for n in (1, 2, 3))


def library(engine: Engine, folder: Path) -> None:
    for number in range(10):
        write(folder, f"comm/l{number}.md",
              f"title: Lesson {number}\ntrack: comm\norder: {number + 1}\ntopic: comm",
              f"Lesson {number} text." + quiz(f"L{number}"))
    engine.catalog.refresh()


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A Tokyo wall time ``day`` days after Monday 4 January, as UTC."""
    return datetime(2027, 1, 4 + day, hour, minute, tzinfo=UTC) - TOKYO


def questions(messages: list) -> list[QuestionMessage]:
    return [m for m in messages if isinstance(m, QuestionMessage)]


def test_a_question_left_open_all_week_is_the_one_each_quiz_and_answer_see(
        engine: Engine, lessons: Path, say: Say) -> None:
    library(engine, lessons)
    for step, text in enumerate(["start", "timezone Asia/Tokyo", "time 18:00",
                                 "time quiz 12:00", "days every day"]):
        say(text, at=MON + timedelta(minutes=step))
    learner = learner_of(engine)
    deliver(engine, learner.id, "lesson", local(0, 18))
    say("done", at=local(0, 18, 20))
    on_screen: QuestionMessage | None = None
    for day in range(1, 7):  # Tuesday to Sunday: nothing answered
        for kind, hour in (("quiz", 12), ("nudge", 15), ("lesson", 18)):
            shown = questions(deliver(engine, learner.id, kind, local(day, hour, 2)))
            if kind == "lesson":
                continue
            assert len(shown) == 1, (day, kind)
            if on_screen is not None:
                # The same open question, day after day, reminder after quiz.
                assert shown[0].ask_id == on_screen.ask_id, (day, kind)
                assert shown[0].question.key == on_screen.question.key, (day, kind)
            on_screen = shown[0]
            assert on_screen.number == 1, (day, kind)
    assert on_screen is not None
    # Sunday afternoon (after the nudge) the learner types the right choice's words.
    right = next(c.text for c in on_screen.question.choices if c.correct)
    replies = say(right, at=local(6, 15, 30))
    graded = [m for m in replies if isinstance(m, Feedback)]
    assert graded and graded[0].correct
    assert graded[0].question.key == on_screen.question.key
