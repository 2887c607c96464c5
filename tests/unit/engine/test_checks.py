"""Knowledge checks of a track: the baseline before its first lesson (nothing counts), the
endline in a quiz push days after its last (normal answers), `skip check`, and the gain in
`me`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.content.catalog import Catalog
from bot.engine.checks import choose, normalised_gain
from bot.engine.engine import Engine
from bot.engine.turn import EngineSettings
from bot.messages import (
    CheckDone,
    CheckIntro,
    Feedback,
    Inbound,
    LessonMessage,
    LookupAnswer,
    Outbound,
    Platform,
    Profile,
    QuestionMessage,
    Reminder,
    TopicQuiz,
    TrackGain,
)
from storage import Database
from storage.records import SkippedBy
from tests.unit.engine.conftest import Say, deliver, kinds, learner_of, write

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)


def quiz(*questions: str) -> str:
    """A quiz section whose right answer is always the second choice."""
    return "\n## Quiz\n" + "".join(
        f"\n### {q}?\n- [ ] wrong one\n- [x] right one\n- [ ] wrong two\n> Because.\n"
        for q in questions)


@pytest.fixture
def lessons(tmp_path: Path) -> Path:
    """A track of three lessons (two questions each) asking for a check of four, and a lone
    lesson."""
    folder = tmp_path / "lessons"
    write(folder, "safe/one.md", "title: One\ntrack: safe\norder: 1\ntopic: safe\ncheck: 4",
          "Lesson one about apples." + quiz("Apple one", "Apple two"))
    write(folder, "safe/two.md", "title: Two\ntrack: safe\norder: 2\ntopic: safe",
          "Lesson two about bananas." + quiz("Banana one", "Banana two"))
    write(folder, "safe/three.md", "title: Three\ntrack: safe\norder: 3\ntopic: safe",
          "Lesson three about cherries." + quiz("Cherry one", "Cherry two"))
    return folder


def right(message: Outbound) -> str:
    assert isinstance(message, QuestionMessage)
    return message.buttons[1].value


def wrong(message: Outbound) -> str:
    assert isinstance(message, QuestionMessage)
    return message.buttons[0].value


def count(database: Database, sql: str) -> int:
    with database.session() as session:
        return int(session.execute(text(sql)).scalar_one())


def baseline(say: Say, at: datetime, known: int) -> list[Outbound]:
    """Ask for a lesson and answer the four baseline questions, the first ``known`` right; the
    replies to the last answer."""
    say("hi", at=at)
    out = say("lesson", at=at)
    assert isinstance(out[0], CheckIntro)
    question = out[-1]
    for number in range(4):
        out = say(answer=right(question) if number < known else wrong(question), at=at)
        question = out[-1]
    return out


def test_the_first_lesson_of_a_checked_track_comes_after_a_baseline_that_counts_nothing(
        say: Say, database: Database) -> None:
    say("hi", at=MON)
    out = say("lesson", at=MON)
    assert out[0] == CheckIntro("Safe", 4, "pre")
    first = out[1]
    assert isinstance(first, QuestionMessage) and first.check == "pre"
    assert (first.number, first.of) == (1, 4)
    seen = [first.lesson.id]
    out = say(answer=right(first), at=MON)
    # No feedback that gives the answer away, no points: the next question at once.
    assert kinds(out) == ["question"]
    for _ in range(2):
        assert isinstance(out[-1], QuestionMessage)
        seen.append(out[-1].lesson.id)
        out = say(answer=wrong(out[-1]), at=MON)
    seen.append(out[-1].lesson.id)  # type: ignore[union-attr]
    out = say("I don't know", at=MON)  # "skip" counts as not known
    assert isinstance(out[0], CheckDone) and out[0].follows is not None
    assert out[0].follows.choices == ()  # "skip", typed: its question's buttons go too
    assert replace(out[0], follows=None) == CheckDone("Safe", "pre", 1, 4)
    assert isinstance(out[1], LessonMessage) and out[1].lesson.id == "safe/one"
    # Spread over the track: every lesson is asked, in the track's order.
    assert set(seen) == {"safe/one", "safe/two", "safe/three"} and seen == sorted(
        seen, key=["safe/one", "safe/two", "safe/three"].index)
    # Nothing counted: no answer, no points, no ask in the day's figures; but the learner
    # did something today, and the day keeps the streak.
    assert count(database, "SELECT count(*) FROM answer") == 0
    assert count(database, "SELECT count(*) FROM points") == 0
    assert count(database, "SELECT coalesce(sum(asked), 0) FROM activity_day") == 0
    assert count(database, "SELECT coalesce(max(current), 0) FROM streak") == 1
    profile = say("me", at=MON)[0]
    assert isinstance(profile, Profile) and profile.points == 0 and profile.answered == 0


def test_the_baseline_seeds_the_cards_of_its_questions_when_their_lesson_comes(
        say: Say, database: Database) -> None:
    baseline(say, MON, known=1)
    with database.session() as session:
        rows = session.execute(text(
            "SELECT lesson_id, reviews, lapses, state FROM card ORDER BY lesson_id, "
            "question_key")).all()
    # Lesson one came: its asked question is seeded from the answer, its other one starts
    # fresh; the other lessons' cards wait for their lessons.
    assert {row[0] for row in rows} == {"safe/one"}
    seeded = [row for row in rows if row[3]]
    assert len(seeded) == 1 and seeded[0][1] == 1 and seeded[0][2] == 0


def test_a_baseline_miss_is_no_lapse(say: Say, database: Database) -> None:
    """"This one keeps slipping" counts misses after the lesson: the check said nothing
    counts against the learner."""
    baseline(say, MON, known=0)
    with database.session() as session:
        rows = session.execute(text("SELECT reviews, lapses FROM card WHERE state != ''")).all()
    assert rows and all(row == (1, 0) for row in rows)


def test_an_ignored_baseline_is_asked_again_where_it_was_left_and_skip_check_ends_it(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    out = say("lesson", at=MON)
    out = say(answer=right(out[-1]), at=MON)
    waiting = out[-1]
    assert isinstance(waiting, QuestionMessage)
    say("bananas", at=MON)  # a lookup meanwhile leaves it waiting
    again = say("lesson", at=MON + timedelta(days=1))  # asked for: the check goes on
    assert again[0] == CheckIntro("Safe", 4, "pre", left=3)
    assert isinstance(again[1], QuestionMessage) and again[1].ask_id == waiting.ask_id
    assert (again[1].number, again[1].of) == (2, 4)
    out = say("skip check", at=MON + timedelta(days=1))
    assert kinds(out) == ["notice:check_skipped", "lesson"]
    assert isinstance(out[1], LessonMessage) and out[1].lesson.id == "safe/one"
    with engine.store.unit() as unit:  # the dashboard tells it from one set aside by a push
        check = unit.checks.get(learner_of(engine).id, "safe", "pre")
        assert check is not None and check.score is None
        assert check.skipped_by is SkippedBy.LEARNER
    # Skipped: the next lesson comes without a check, and no endline will come.
    assert kinds(say("lesson", at=MON + timedelta(days=1))) == ["lesson", "notice:lesson_unmarked"]
    assert kinds(say("skip check", at=MON + timedelta(days=1))) == ["notice:no_check"]


def test_a_track_begun_before_it_asked_for_a_check_is_not_checked(
        say: Say, engine: Engine, lessons: Path) -> None:
    path = lessons / "safe/one.md"
    path.write_text(path.read_text().replace("check: 4\n", ""))
    engine.catalog.refresh()
    say("hi", at=MON)
    assert kinds(say("lesson", at=MON)) == ["lesson"]
    path.write_text(path.read_text().replace("topic: safe\n", "topic: safe\ncheck: 4\n", 1))
    engine.catalog.refresh()
    assert kinds(say("lesson", at=MON)) == ["lesson", "notice:lesson_unmarked"]


def read_track(say: Say, at: datetime) -> None:
    """Read the track's two lessons after the first."""
    for _ in range(2):
        out = say("lesson", at=at)
        assert isinstance(out[-1], LessonMessage)
        say("done", at=at)


def test_the_endline_opens_the_quiz_push_days_after_the_last_lesson_and_me_shows_the_gain(
        say: Say, engine: Engine, database: Database) -> None:
    baseline(say, MON, known=1)
    say("done", at=MON)
    read_track(say, MON + timedelta(days=1))  # lessons two and three (one is read)
    learner = learner_of(engine)
    # Two days after the last lesson: no endline yet.
    early = deliver(engine, learner.id, "quiz", MON + timedelta(days=3, hours=6))
    assert not any(isinstance(message, CheckIntro) for message in early)
    for message in early:  # answer what the push asked, so no question stays open
        while isinstance(message, QuestionMessage):
            message = say(answer=right(message), at=MON + timedelta(days=3, hours=6))[-1]
    at = MON + timedelta(days=4, hours=6)
    out = deliver(engine, learner.id, "quiz", at)
    assert out[0] == CheckIntro("Safe", 4, "post")
    question = out[1]
    assert isinstance(question, QuestionMessage) and question.check == "post"
    asked = 0
    while isinstance(question, QuestionMessage) and question.check == "post":
        asked += 1
        out = say(answer=right(question) if asked < 4 else wrong(question), at=at)
        assert isinstance(out[0], Feedback)  # a normal answer: feedback and points
        question = next((m for m in out if isinstance(m, QuestionMessage)), None)
    assert asked == 4
    assert CheckDone("Safe", "post", 3, 4, before=1) in out
    # The reviews that follow in the same push are counted on their own, in what is left of
    # the day's five: not "5 of 5" after the check's "4 of 4".
    assert isinstance(question, QuestionMessage) and not question.check
    assert (question.number, question.of) == (1, 1)
    profile = say("me", at=at)[0]
    assert isinstance(profile, Profile)
    assert profile.gains == (TrackGain("Safe", 0.25, 0.75, pytest.approx(2 / 3)),)
    with database.session() as session:
        checks = session.execute(text(
            "SELECT phase, answered, \"right\", skipped FROM track_check ORDER BY phase")).all()
    assert [tuple(row) for row in checks] == [("post", 4, 3, False), ("pre", 4, 1, False)]
    # A second push brings no second endline.
    later = deliver(engine, learner.id, "quiz", at + timedelta(days=1))
    assert not any(isinstance(message, CheckIntro) for message in later)


def test_the_endline_waits_the_configured_days(database: Database, lessons: Path,
                                               say: Say) -> None:
    catalog = Catalog(lessons)
    catalog.load()
    patient = Engine(database, catalog, EngineSettings(check_days=10))
    baseline(say, MON, known=0)
    say("done", at=MON)
    read_track(say, MON + timedelta(days=1))
    learner = learner_of(patient)
    assert not any(isinstance(m, CheckIntro) for m in deliver(
        patient, learner.id, "quiz", MON + timedelta(days=8)))


def test_questions_are_spread_over_the_track_and_the_same_for_a_learner(lessons: Path) -> None:
    catalog = Catalog(lessons)
    catalog.load()
    four = choose(catalog, "safe", 7, 4)
    assert four == choose(catalog, "safe", 7, 4)
    assert len(set(four)) == 4
    assert {lesson for lesson, _ in four} == {"safe/one", "safe/two", "safe/three"}
    three = choose(catalog, "safe", 8, 3)
    assert [lesson for lesson, _ in three] == ["safe/one", "safe/two", "safe/three"]
    # Over a cohort, every question of the track is asked by someone.
    asked = {key for learner in range(40) for _, key in choose(catalog, "safe", learner, 3)}
    assert len(asked) == 6


def test_normalised_gain_is_undefined_when_everything_was_known() -> None:
    assert normalised_gain(0.25, 0.75) == pytest.approx(2 / 3)
    assert normalised_gain(0.5, 0.25) == pytest.approx(-0.5)
    assert normalised_gain(1.0, 1.0) is None


def test_typed_baseline_answers_a_wrong_number_and_quiz_meanwhile(say: Say) -> None:
    say("hi", at=MON)
    first = say("lesson", at=MON)[-1]
    assert isinstance(first, QuestionMessage)
    # Out of range: said so, and the question stays (nothing is counted).
    assert kinds(say("7", at=MON)) == ["notice:choice_range"]
    # "done" before the lesson has come: the check is what waits, and how to skip it.
    assert kinds(say("done", at=MON)) == ["notice:in_check"]
    # A question meanwhile is answered; the check's question waits (and shows no answer).
    assert kinds(say("tell me about bananas", at=MON))[-1] == "notice:check_open"
    # `quiz` meanwhile asks the waiting baseline question again, with its place.
    again = say("quiz", at=MON)[-1]
    assert isinstance(again, QuestionMessage) and again.ask_id == first.ask_id
    assert (again.check, again.number, again.of) == ("pre", 1, 4)
    second = say("2", at=MON)[-1]
    assert isinstance(second, QuestionMessage) and (second.number, second.check) == (2, "pre")


def test_a_question_removed_during_the_baseline_counts_as_not_known(
        say: Say, engine: Engine, lessons: Path, database: Database) -> None:
    say("hi", at=MON)
    out = say("lesson", at=MON)
    out = say(answer=right(out[-1]), at=MON)
    waiting = out[-1]
    assert isinstance(waiting, QuestionMessage)
    path = lessons / f"{waiting.lesson.id}.md"
    text_now = path.read_text()
    path.write_text(text_now.replace(f"### {waiting.question.text}", "### Reworded?"))
    engine.catalog.refresh()
    out = say("lesson", at=MON)  # asked again: the next one that is still there
    assert out[0] == CheckIntro("Safe", 4, "pre", left=3)
    while isinstance(out[-1], QuestionMessage):
        out = say(answer=right(out[-1]), at=MON)
    assert isinstance(out[0], CheckDone) and out[0].total == 4
    assert out[0].right <= 3  # the removed one counts as not known


def test_a_typed_answer_to_a_baseline_question_reworded_meanwhile_goes_on_with_the_check(
        say: Say, engine: Engine, lessons: Path) -> None:
    """It had said the question was gone and "no more questions": the check stalled."""
    say("hi", at=MON)
    out = say("lesson", at=MON)
    out = say(answer=right(out[-1]), at=MON)
    waiting = out[-1]
    assert isinstance(waiting, QuestionMessage) and waiting.check == "pre"
    path = lessons / f"{waiting.lesson.id}.md"
    path.write_text(path.read_text().replace(f"### {waiting.question.text}", "### Reworded?"))
    engine.catalog.refresh()
    out = say("2", at=MON)
    assert isinstance(out[-1], QuestionMessage) and out[-1].check == "pre"
    assert out[-1].number == 3


def endline_pushed(say: Say, engine: Engine, known: int,
                   days: int) -> tuple[datetime, list[Outbound]]:
    """The baseline answered (``known`` right) and the track read; the quiz push ``days``
    after Monday, which opens with the endline: (its time, its messages)."""
    baseline(say, MON, known=known)
    say("done", at=MON)
    read_track(say, MON + timedelta(days=1))
    at = MON + timedelta(days=days, hours=6)
    return at, deliver(engine, learner_of(engine).id, "quiz", at)


def test_skipping_the_endline_leaves_no_gain(say: Say, engine: Engine) -> None:
    at, out = endline_pushed(say, engine, known=2, days=5)
    assert out[0] == CheckIntro("Safe", 4, "post")
    assert kinds(say("skip check", at=at)) == ["notice:check_skipped"]
    with engine.store.unit() as unit:
        check = unit.checks.get(learner_of(engine).id, "safe", "post")
        assert check is not None and check.skipped_by is SkippedBy.LEARNER
    profile = say("me", at=at)[0]
    assert isinstance(profile, Profile) and profile.gains == ()
    later = deliver(engine, learner_of(engine).id, "quiz", at + timedelta(days=1))
    assert not any(isinstance(message, CheckIntro) for message in later)
    assert all(not isinstance(m, QuestionMessage) or m.check == "" for m in later)


# -- how sure ---------------------------------------------------------------------------------

@pytest.fixture
def sure(database: Database, lessons: Path) -> Engine:
    catalog = Catalog(lessons)
    catalog.load()
    return Engine(database, catalog, EngineSettings(confidence=True))


def test_a_question_asks_how_sure_in_the_same_tap_and_a_lucky_guess_is_rated_hard(
        sure: Engine, database: Database) -> None:
    from bot.messages import Inbound, Platform

    def send(at: datetime, text: str | None = None, answer: str | None = None,
             user: str = "ann") -> list[Outbound]:
        return sure.handle(Inbound(Platform.CONSOLE, user, user, text=text, answer=answer), at)

    for user in ("ann", "bob"):
        send(MON, "hi", user=user)
        send(MON, "lesson", user=user)
        send(MON, "skip check", user=user)  # the lesson at once
        send(MON, "done", user=user)
    tue = MON + timedelta(days=1)
    answers = {}
    for user, level in (("ann", "s"), ("bob", "g")):
        question = send(tue, "quiz", user=user)[-1]
        assert isinstance(question, QuestionMessage) and question.levels == ("s", "t", "g")
        assert len(question.buttons) == 3 * len(question.question.choices)
        pressed = question.buttons[1 * 3 + question.levels.index(level)]  # choice 2 is right
        assert pressed.value.endswith(f":1:{level}")
        out = send(tue, answer=pressed.value, user=user)
        assert isinstance(out[0], Feedback) and out[0].correct and out[0].confidence == level
        answers[user] = question
    with database.session() as session:
        recorded = session.execute(text(
            "SELECT confidence FROM answer ORDER BY id")).scalars().all()
        due = dict(session.execute(text(
            "SELECT l.platform_user_id, min(c.due_at) FROM card c JOIN learner l "
            "ON l.id = c.learner_id WHERE c.reviews = 1 GROUP BY l.platform_user_id")).all())
    assert recorded == ["s", "g"]
    assert due["bob"] < due["ann"]  # the guess comes back sooner than what was known
    # Typed: the answer and how sure, in words; "not sure" is still "I don't know".
    question = send(tue, "quiz", user="ann")[-1]
    assert isinstance(question, QuestionMessage)
    out = send(tue, "2 guessing", user="ann")
    assert isinstance(out[0], Feedback) and out[0].confidence == "g"
    question = send(tue, "quiz", user="bob")[-1]
    if isinstance(question, QuestionMessage):
        out = send(tue, "not sure", user="bob")
        assert isinstance(out[0], Feedback) and out[0].skipped


def test_a_wrong_answer_given_sure_is_a_misconception_on_the_dashboard(
        sure: Engine, database: Database) -> None:
    from bot.dashboard.pages import Dashboard, Filters
    from bot.messages import Inbound, Platform

    tue = MON + timedelta(days=1)
    for user in ("ann", "bob", "cy"):
        sure.handle(Inbound(Platform.CONSOLE, user, user, text="hi"), MON)
        sure.handle(Inbound(Platform.CONSOLE, user, user, text="lesson"), MON)
        sure.handle(Inbound(Platform.CONSOLE, user, user, text="skip check"), MON)
        sure.handle(Inbound(Platform.CONSOLE, user, user, text="done"), MON)
        question = sure.handle(Inbound(Platform.CONSOLE, user, user, text="quiz"), tue)[-1]
        assert isinstance(question, QuestionMessage)
        sure.handle(Inbound(Platform.CONSOLE, user, user,
                            answer=question.buttons[0].value), tue)  # choice 1, sure: wrong
    page = Dashboard(database, sure.catalog).build(
        "questions", Filters(MON.date(), tue.date()), tue)
    table = page.all_tables()["confidence"]
    assert table.rows[0][1:8] == (0, 3, 0, 0, 0, 0, 1.0) and table.marked[0]
    # The daily aggregates the page reads agree with the answers themselves.
    from storage.reports import Scope
    scope = Scope(MON, tue + timedelta(days=1))
    with database.reports() as reports:
        assert reports.confidence(scope) == reports.confidence_from_rows(scope) != []
        assert reports.confidence(Scope(MON, tue + timedelta(days=1), "slack")) == []


def test_how_sure_typed_is_kept_only_where_it_is_asked(sure: Engine, engine: Engine,
                                                       database: Database) -> None:
    """"2 not sure" is the answer 2, given guessing; without confidence asked, "2 i guess" is
    just the answer 2 (nothing stored about how sure)."""
    from bot.messages import Inbound, Platform

    def send(bot: Engine, user: str, at: datetime, words: str) -> list[Outbound]:
        return bot.handle(Inbound(Platform.CONSOLE, user, user, text=words), at)

    tue = MON + timedelta(days=1)
    for bot, user in ((sure, "ann"), (engine, "bob")):
        for words in ("hi", "lesson", "skip check", "done"):
            send(bot, user, MON, words)
        assert isinstance(send(bot, user, tue, "quiz")[-1], QuestionMessage)
    out = send(sure, "ann", tue, "2 not sure")
    assert isinstance(out[0], Feedback) and out[0].confidence == "g" and not out[0].skipped
    out = send(engine, "bob", tue, "2 i guess")
    assert isinstance(out[0], Feedback) and out[0].confidence == ""
    with database.session() as session:
        recorded = dict(session.execute(text(
            "SELECT l.platform_user_id, a.confidence FROM answer a JOIN learner l "
            "ON l.id = a.learner_id")).all())
    assert recorded == {"ann": "g", "bob": None}


def test_a_quiz_on_a_topic_asked_during_the_baseline_ends_by_naming_the_check(
        say: Say) -> None:
    say("hi", at=MON)
    first = say("lesson", at=MON)[-1]
    assert isinstance(first, QuestionMessage) and first.check == "pre"
    second = say(answer=right(first), at=MON)[-1]
    assert isinstance(second, QuestionMessage) and (second.number, second.check) == (2, "pre")
    # The learner turns to a quiz on one of the track's lessons, and answers both questions.
    out = say("quiz me on bananas", at=MON)
    assert kinds(out) == ["topic_quiz", "question"]
    for _ in range(2):
        out = say(answer=right(out[-1]), at=MON)
    ending = out[-1]
    assert isinstance(ending, TopicQuiz) and ending.state == "done"
    # The check's open question is not a review: it is named as the check.
    assert (ending.check, ending.due) == ("Safe", 0)
    resumed = say("quiz", at=MON)[-1]
    assert isinstance(resumed, QuestionMessage)
    assert (resumed.number, resumed.check, resumed.question.key) == (
        2, "pre", second.question.key)
    # Once the check is answered, a topic quiz's end names nothing.
    out = [resumed]
    for _ in range(3):
        out = say(answer=right(out[-1]), at=MON)
    assert any(isinstance(message, CheckDone) for message in out)
    out = say("quiz me on cherries", at=MON)
    for _ in range(2):
        out = say(answer=right(out[-1]), at=MON)
    ending = out[-1]
    assert isinstance(ending, TopicQuiz) and ending.state == "done"
    assert ending.check == ""


def test_a_baseline_left_waiting_comes_back_when_nothing_else_is_asked(
        say: Say, engine: Engine) -> None:
    """The quiz push had let it go with nothing in its place: one who reads only at quiz
    time never got past the check, and no lesson came for weeks."""
    say("hi", at=MON)
    first = say("lesson", at=MON)[-1]
    assert isinstance(first, QuestionMessage) and first.check == "pre"
    pushed = deliver(engine, learner_of(engine).id, "quiz", MON.replace(hour=15))
    asked = [m for m in pushed if isinstance(m, QuestionMessage)]
    assert asked and asked[0].check == "pre" and asked[0].question == first.question
    out = say(answer=right(asked[0]), at=MON.replace(hour=16))  # it goes on from there
    assert isinstance(out[-1], QuestionMessage) and (out[-1].check, out[-1].number) == ("pre", 2)
    [again] = say("quiz", at=MON.replace(hour=16))  # "quiz" shows the one waiting
    assert isinstance(again, QuestionMessage) and (again.check, again.number) == ("pre", 2)


def test_how_sure_is_read_with_the_words_people_put_before_it() -> None:
    """"2 pretty sure" had been looked up as a question, the question left open."""
    from bot.engine.asking import level_of
    assert [level_of(words) for words in (
        "2 pretty sure", "b very sure", "3 not very sure", "1, wild guess", "2 kinda sure",
        "4 sure", "2")] == [("2", "s"), ("b", "s"), ("3", "g"), ("1", "g"), ("2", "t"),
                            ("4", "s"), ("2", None)]


def test_a_baseline_comes_back_after_the_days_set_even_with_more_reviews_due(
        database: Database, lessons: Path) -> None:
    """With more due every day than a set holds, it had never come back in the push."""
    write(lessons, "lone.md", "title: Kiwis\ntopic: fruit",
          "All about kiwis." + quiz("Kiwi one", "Kiwi two"))
    catalog = Catalog(lessons)
    catalog.load()
    engine = Engine(database, catalog, EngineSettings(quiz_questions=1))

    def say(text: str | None, at: datetime, answer: str | None = None) -> list[Outbound]:
        return engine.handle(Inbound(Platform.CONSOLE, "ann", "ann", text=text,
                                     answer=answer), at)

    say("hi", MON)
    say("learn kiwis", MON)
    say("add", MON)  # both kiwi questions due from the next workday
    wednesday = MON + timedelta(days=2)
    first = say("lesson", wednesday)[-1]  # the track's baseline begins, left unanswered
    assert isinstance(first, QuestionMessage) and first.check == "pre"
    pushed = deliver(engine, learner_of(engine).id, "quiz", wednesday.replace(hour=15))
    review = pushed[-1]
    assert isinstance(review, QuestionMessage) and review.check == "" and \
        review.lesson.title == "Kiwis"
    after = say(None, wednesday.replace(hour=15), answer=right(review))
    assert isinstance(after[-1], QuestionMessage) and after[-1].check == "pre"


def test_an_endline_question_reworded_meanwhile_counts_as_not_known_and_the_check_goes_on(
        say: Say, engine: Engine, lessons: Path, database: Database) -> None:
    baseline(say, MON, known=2)
    say("done", at=MON)
    read_track(say, MON + timedelta(days=1))
    at = MON + timedelta(days=5, hours=6)
    out = deliver(engine, learner_of(engine).id, "quiz", at)
    first = out[-1]
    assert isinstance(first, QuestionMessage) and (first.check, first.number) == ("post", 1)
    path = lessons / f"{first.lesson.id}.md"
    path.write_text(path.read_text().replace(f"### {first.question.text}", "### Reworded?"))
    engine.catalog.refresh()
    out = say(answer=right(first), at=at)  # a button of it, as a typed answer goes too
    assert kinds(out)[0] == "notice:question_gone"
    assert isinstance(out[-1], QuestionMessage) and (out[-1].check, out[-1].number) == (
        "post", 2)
    assert count(database, "SELECT answered FROM track_check WHERE phase = 'post'") == 1


def test_a_press_on_an_earlier_copy_of_a_baseline_question_asked_again_answers_it(
        say: Say, engine: Engine) -> None:
    """The push had let it go and asked it again: the press on Monday's copy was told "You
    already answered that one", nothing was kept, and the question stayed open."""
    say("hi", at=MON)
    first = say("lesson", at=MON)[-1]
    assert isinstance(first, QuestionMessage) and first.check == "pre"
    pushed = deliver(engine, learner_of(engine).id, "quiz", MON.replace(hour=15))
    again = next(m for m in pushed if isinstance(m, QuestionMessage))
    assert again.question == first.question and again.ask_id != first.ask_id
    out = say(answer=right(first), at=MON.replace(hour=16))
    assert isinstance(out[-1], QuestionMessage) and (out[-1].check, out[-1].number) == ("pre", 2)
    assert out[-1].follows is not None and out[-1].follows.ask_id == first.ask_id
    # The copy asked again is answered now: a press on it counts nothing more.
    assert kinds(say(answer=right(again), at=MON.replace(hour=16))) == [
        "notice:already_answered"]
    [waiting] = say("quiz", at=MON.replace(hour=16))
    assert isinstance(waiting, QuestionMessage) and (waiting.check, waiting.number) == ("pre", 2)
    with engine.store.unit() as unit:
        check = unit.checks.get(learner_of(engine).id, "safe", "pre")
        assert check is not None and (check.answered, check.right) == (1, 1)


def test_a_baseline_left_since_an_earlier_day_is_set_aside_by_the_lesson_push(
        say: Say, engine: Engine, database: Database) -> None:
    """A learner who let the check wait had got the check again at every push and no lesson
    for days, and no streak: the next day's push brings the lesson."""
    say("hi", at=MON)
    out = say("lesson", at=MON)
    say(answer=right(out[-1]), at=MON)  # one of four answered, then left
    learner = learner_of(engine)
    same_day = deliver(engine, learner.id, "lesson", MON.replace(hour=10))
    assert same_day[0] == CheckIntro("Safe", 4, "pre", left=3)  # the day it began: asked
    pushed = deliver(engine, learner.id, "lesson", MON + timedelta(days=1))
    assert kinds(pushed) == ["notice:check_set_aside", "lesson"]
    assert isinstance(pushed[1], LessonMessage) and pushed[1].lesson.id == "safe/one"
    with engine.store.unit() as unit:
        check = unit.checks.get(learner.id, "safe", "pre")
        assert check is not None and check.finished_at is not None and check.score is None
        assert check.skipped_by is SkippedBy.PUSH  # not the learner's `skip check`
        assert unit.asks.latest_open(learner.id) is None  # its open question let go
    # No endline will come for it, and the next lessons come without a check.
    assert kinds(say("lesson", at=MON + timedelta(days=1))) == ["lesson", "notice:lesson_unmarked"]
    assert kinds(say("skip check", at=MON + timedelta(days=1))) == ["notice:no_check"]


def test_a_copy_left_open_under_a_topic_quiz_does_not_count_a_second_time(
        say: Say, engine: Engine) -> None:
    """The copy asked again stayed open under a quiz on a topic; its press then counted again,
    for the check's next question (a baseline of "10" with its second question never asked)."""
    say("hi", at=MON)
    first = say("lesson", at=MON)[-1]
    pushed = deliver(engine, learner_of(engine).id, "quiz", MON.replace(hour=15))
    again = next(m for m in pushed if isinstance(m, QuestionMessage))
    assert isinstance(first, QuestionMessage) and again.ask_id != first.ask_id
    say("quiz me on bananas", at=MON.replace(hour=16))  # a topic quiz's ask on top
    say(answer=right(first), at=MON.replace(hour=16))
    assert kinds(say(answer=wrong(again), at=MON.replace(hour=16))) == [
        "notice:already_answered"]
    with engine.store.unit() as unit:
        check = unit.checks.get(learner_of(engine).id, "safe", "pre")
        assert check is not None and (check.answered, check.results) == (1, "1")


def test_the_reminder_of_an_endline_question_counts_the_check(
        say: Say, engine: Engine) -> None:
    """It had said 4 questions wait when 3 did, under "Question 0 of 3"."""
    at, out = endline_pushed(say, engine, known=1, days=4)
    say(answer=right(out[1]), at=at)  # one of four answered, three left
    reminder = deliver(engine, learner_of(engine).id, "nudge", at + timedelta(hours=3))
    assert reminder[0] == Reminder(3)
    question = reminder[1]
    assert isinstance(question, QuestionMessage)
    assert (question.number, question.of, question.check) == (2, 4, "post")


def test_a_baseline_answered_this_morning_is_not_set_aside(say: Say, engine: Engine) -> None:
    """It had been set aside at 09:00 for having begun the day before, minutes after an
    answer, with "it waited a day"."""
    say("hi", at=MON)
    first = say("lesson", at=MON)[-1]
    tuesday = MON + timedelta(days=1)
    say(answer=right(first), at=tuesday.replace(hour=8, minute=1))
    pushed = deliver(engine, learner_of(engine).id, "lesson", tuesday)
    assert pushed[0] == CheckIntro("Safe", 4, "pre", left=3)
    assert isinstance(pushed[1], QuestionMessage) and pushed[1].number == 2


def test_a_baseline_begun_while_a_review_waits_puts_the_review_aside_and_says_so(
        database: Database, lessons: Path) -> None:
    """A review question open and a baseline question asked after it were open together: a
    typed '2' went to whichever came last, and the learner could not tell which. One is open
    at a time: the review waits (its card keeps its date) and `quiz` asks it after the check."""
    write(lessons, "lone.md", "title: Kiwis\ntopic: fruit",
          "All about kiwis." + quiz("Kiwi one"))
    catalog = Catalog(lessons)
    catalog.load()
    engine = Engine(database, catalog, EngineSettings())

    def say(text: str | None, at: datetime, answer: str | None = None) -> list[Outbound]:
        return engine.handle(Inbound(Platform.CONSOLE, "ann", "ann", text=text,
                                     answer=answer), at)

    say("hi", MON)
    say("learn kiwis", MON)
    say("add", MON)
    wednesday = MON + timedelta(days=2, hours=6)
    pushed = deliver(engine, learner_of(engine).id, "quiz", wednesday)
    review = pushed[-1]
    assert isinstance(review, QuestionMessage) and review.lesson.title == "Kiwis"
    out = say("lesson", wednesday)  # the track's first lesson: its baseline first
    assert kinds(out)[:2] == ["notice:review_waits", "check"]
    assert isinstance(out[-1], QuestionMessage) and out[-1].check == "pre"
    assert count(database, "SELECT count(*) FROM ask WHERE answered_at IS NULL") == 1
    for _ in range(4):  # typed: each goes to the check, the one question open
        out = say("2", wednesday)
    assert isinstance(out[0], CheckDone) and isinstance(out[1], LessonMessage)
    assert count(database, "SELECT count(*) FROM answer") == 0  # the review is unanswered
    again = say("quiz", wednesday)[-1]
    assert isinstance(again, QuestionMessage) and again.question == review.question


def test_a_lesson_of_the_track_found_by_a_question_and_added_to_the_reviews_still_gets_the_baseline(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    found = next(message for message in say("bananas", at=MON)
                 if isinstance(message, LookupAnswer))
    assert found.lesson.id == "safe/two" and found.add
    assert kinds(say(answer=found.add, at=MON)) == ["added"]
    # Looking a lesson up (and adding its questions) does not begin the track: its first
    # lesson still comes after the baseline, which is kept for the Gain page.
    out = say("lesson", at=MON + timedelta(days=1))
    assert out[0] == CheckIntro("Safe", 4, "pre")
    with engine.store.unit() as unit:
        assert unit.checks.get(learner_of(engine).id, "safe", "pre") is not None


def test_mydata_gives_a_checks_questions_in_words_with_right_or_wrong(
        say: Say, engine: Engine, lessons: Path) -> None:
    # The learner's copy named questions by keys ('c8b08b3a00b3') and the check as "1100".
    import json

    from bot.messages import MyData

    baseline(say, MON, known=2)
    (lessons / "safe" / "three.md").unlink()  # a lesson taken out of the library since
    engine.catalog.refresh()
    [reply] = say("mydata", at=MON)
    assert isinstance(reply, MyData)
    tables = json.loads(reply.content)["tables"]
    [check] = tables["track_check"]
    assert check["results"] == "1100"  # the stored fields stay, for scripts
    words = check["questions_in_words"]
    assert [item["result"] for item in words] == ["right", "right", "wrong or not known",
                                                  "wrong or not known"]
    asked = dict(zip(check["questions"].splitlines(), words, strict=True))
    for line, item in asked.items():
        lesson_id, _, _ = line.partition("\t")
        if lesson_id == "safe/three":
            assert item["lesson"] == item["question"] == "no longer in the library"
        else:
            assert item["lesson"] == {"safe/one": "One", "safe/two": "Two"}[lesson_id]
            assert item["question"].endswith("?") and item["question"].split()[0] in (
                "Apple", "Banana")
    for answer in tables.get("answer", []) + tables.get("ask", []):
        assert answer["lesson_title"] in ("One", "Two", "Three", "no longer in the library")
        if "question_key" in answer:
            assert answer["question_text"]
