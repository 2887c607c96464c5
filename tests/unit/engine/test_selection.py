"""Which questions to ask: by expected gain in recall, never on the lesson's own day, within the
daily budget for pushed quizzes and beyond it when the learner asks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fsrs import Rating

from bot.content.catalog import Catalog
from bot.engine.engine import Engine
from bot.engine.reviewer import Reviewer
from bot.engine.selection import Candidate, choose, expected_gain, recall_area
from bot.engine.turn import EngineSettings
from bot.messages import Inbound, NothingDue, Notice, NoticeCode, Platform, QuestionMessage
from storage import Database
from tests.unit.engine.conftest import QUIZ, deliver, write

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def candidate(memory_days_ago: float, stability_reviews: int = 0, order: int = 0) -> Candidate:
    reviewer = Reviewer()
    start = MONDAY - timedelta(days=memory_days_ago + 10 * stability_reviews)
    memory = reviewer.first_exposure(start)
    for review in range(stability_reviews):
        memory = reviewer.fsrs.review_card(memory, Rating.Good,
                                           start + timedelta(days=10 * (review + 1)))[0]
    return Candidate(memory, (float(order), 0, f"l{order}", "q"), f"l{order}", "q")


def test_the_area_under_the_forgetting_curve_matches_a_sum_of_its_daily_recall() -> None:
    reviewer = Reviewer()
    area = recall_area(reviewer, 5.0, 2.0, 30.0)
    steps = 30_000
    summed = sum(reviewer.recall_after(5.0, 2.0 + (i + 0.5) * 30 / steps)
                 for i in range(steps)) * 30 / steps
    assert abs(area - summed) < 1e-6


def test_a_question_reviewed_today_gains_nothing_and_is_never_chosen() -> None:
    reviewer = Reviewer()
    fresh = candidate(0)
    assert expected_gain(reviewer, fresh.memory, MONDAY) == 0.0
    assert choose(reviewer, [fresh], MONDAY) == []


def test_the_most_gain_comes_first_and_a_tie_goes_in_the_order_met() -> None:
    reviewer = Reviewer()
    forgotten, recent = candidate(6, order=2), candidate(1, order=1)
    settled = candidate(1, stability_reviews=3, order=0)  # long memory, reviewed yesterday
    twin = candidate(6, order=3)  # same memory as `forgotten`, met later
    gains = [expected_gain(reviewer, c.memory, MONDAY) for c in (forgotten, recent, settled)]
    assert gains[0] > gains[1] > gains[2] > 0
    assert choose(reviewer, [settled, twin, recent, forgotten], MONDAY) == [
        forgotten, twin, recent, settled]
    assert choose(reviewer, [settled, twin, recent, forgotten], MONDAY, limit=2) == [
        forgotten, twin]


Send = Callable[..., list[object]]


def track_of(database: Database, tmp_path: Path, lessons: int,
             quiz_questions: int) -> tuple[Engine, Send]:
    """An engine on a track of ``lessons`` lessons of one question each, and Ann's way of
    saying or pressing something to it."""
    folder = tmp_path / "lessons"
    for number in range(1, lessons + 1):
        write(folder, f"l{number}.md", f"title: L{number}\ntrack: t\norder: {number}",
              f"Lesson {number}." + QUIZ.format(q=f"Question {number}"))
    catalog = Catalog(folder)
    catalog.load()
    engine = Engine(database, catalog, EngineSettings(quiz_questions=quiz_questions))

    def say(text: str | None, at: datetime, answer: str | None = None) -> list[object]:
        return list(engine.handle(Inbound(Platform.CONSOLE, "ann", "ann", text=text,
                                          answer=answer), at))
    return engine, say


def lessons_read(database: Database, tmp_path: Path, lessons: int,
                 quiz_questions: int) -> tuple[Engine, Send, int]:
    """:func:`track_of`, with Ann given one of its lessons a day from Monday; and her id."""
    engine, say = track_of(database, tmp_path, lessons, quiz_questions)
    for day in range(lessons):
        say("lesson", MONDAY + timedelta(days=day, hours=9))
    with database.unit() as unit:
        learner = unit.learners.find("console", "ann")
    assert learner is not None
    return engine, say, learner.id


def test_a_days_set_answered_before_its_push_leaves_the_push_nothing_to_say(
        database: Database, tmp_path: Path) -> None:
    """Yesterday's question answered in the morning went on into today's set; at the quiz
    hour the push was a lone "That's today's set", with no question before it."""
    engine, say, ann = lessons_read(database, tmp_path, lessons=5, quiz_questions=2)
    monday = MONDAY + timedelta(days=7, hours=15)
    [left] = deliver(engine, ann, "quiz", monday)  # left unanswered
    assert isinstance(left, QuestionMessage)
    tuesday_morning = monday + timedelta(hours=17)  # 08:00
    said = say(None, tuesday_morning, answer=left.buttons[0].value)
    while isinstance(said[-1], QuestionMessage):
        said = say(None, tuesday_morning, answer=said[-1].buttons[0].value)
    assert isinstance(said[-1], Notice) and said[-1].code is NoticeCode.BUDGET_DONE
    assert deliver(engine, ann, "quiz", tuesday_morning + timedelta(hours=7)) == []
    # Asked for, the rest still comes.
    assert isinstance(say("quiz", tuesday_morning + timedelta(hours=7))[0], QuestionMessage)


def test_a_pushed_quiz_keeps_the_daily_budget_and_asking_goes_beyond_it(
        database: Database, tmp_path: Path) -> None:
    engine, say, ann = lessons_read(database, tmp_path, lessons=3, quiz_questions=2)
    thursday = MONDAY + timedelta(days=3, hours=15)
    pushed = deliver(engine, ann, "quiz", thursday)
    asked: list[str] = []
    while pushed and isinstance(pushed[-1], QuestionMessage):
        question = pushed[-1]
        asked.append(question.lesson.id)
        right = question.question.correct_indexes[0]
        pushed = say(None, thursday, answer=question.buttons[right].value)
    # The lesson read longest ago has lost the most: it comes first; two make the budget.
    assert asked == ["l1", "l2"]
    assert isinstance(pushed[-1], Notice) and pushed[-1].code is NoticeCode.BUDGET_DONE
    more = say("quiz", thursday)
    assert isinstance(more[0], QuestionMessage) and more[0].lesson.id == "l3"
    right = more[0].question.correct_indexes[0]
    done = say(None, thursday, answer=more[0].buttons[right].value)
    # Asking goes as far as what is due, not every question ever met.
    assert isinstance(done[-1], Notice) and done[-1].code is NoticeCode.QUIZ_DONE
    [nothing] = say("quiz", thursday)
    assert isinstance(nothing, NothingDue) and nothing.next_due is not None
    assert nothing.next_due > thursday


def test_a_set_that_asked_before_questions_were_due_does_not_promise_more_due(
        database: Database, tmp_path: Path) -> None:
    """It said 'Type "quiz" if you want the rest of what is due', and "quiz" then found
    nothing due."""
    engine, say = track_of(database, tmp_path, lessons=2, quiz_questions=1)
    def answer_right(out: list[object], at: datetime) -> list[object]:
        question = out[-1]
        assert isinstance(question, QuestionMessage)
        right = question.question.correct_indexes[0]
        return say(None, at, answer=question.buttons[right].value)

    say("lesson", MONDAY + timedelta(hours=9))
    say("lesson", MONDAY + timedelta(hours=10))
    tuesday = MONDAY + timedelta(days=1, hours=16)
    answer_right(answer_right(say("quiz", tuesday), tuesday), tuesday)  # both: not due for days
    wednesday = MONDAY + timedelta(days=2, hours=15)
    with database.unit() as unit:
        learner = unit.learners.find("console", "ann")
    assert learner is not None
    pushed = deliver(engine, learner.id, "quiz", wednesday)
    after = answer_right(pushed, wednesday)  # the set asks one before it is due
    assert isinstance(after[-1], Notice) and after[-1].code is NoticeCode.SET_DONE
    assert isinstance(say("quiz", wednesday)[0], NothingDue)  # indeed nothing is due
