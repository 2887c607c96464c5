"""An answer is read against the choices the learner saw: a trainer who reorders or rewords
a question's choices while it is open must not turn a right answer into a wrong one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from bot.engine.engine import Engine
from bot.messages import Feedback, Notice, NoticeCode, QuestionMessage
from storage.tables import AnswerRow
from tests.unit.engine.conftest import Say, kinds, rewrite_one

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)
TUE = MON + timedelta(days=1)


def rewrite_quiz(engine: Engine, lessons: Path, choices: str) -> None:
    """basics/one.md with its question's choices as given (the question's words unchanged)."""
    rewrite_one(engine, lessons, "### Question one?\n" + choices + "> Because it is right.\n")


def open_question(say: Say) -> QuestionMessage:
    say("lesson", at=MON)
    [question] = say("quiz", at=TUE)
    assert isinstance(question, QuestionMessage)
    assert [c.text for c in question.question.choices] == ["wrong one", "right one", "wrong two"]
    return question


def recorded(engine: Engine) -> list[str]:
    """The choices of every answer recorded, as stored."""
    with engine.store.session() as session:
        return [row.choices for row in session.exec(select(AnswerRow)).all()]


def test_a_typed_number_counts_as_the_choice_shown_after_a_reorder(
        say: Say, engine: Engine, lessons: Path) -> None:
    open_question(say)
    rewrite_quiz(engine, lessons, "- [x] right one\n- [ ] wrong one\n- [ ] wrong two\n")
    [feedback, *_] = say("2", at=TUE)  # "right one" was 2) when asked
    assert isinstance(feedback, Feedback) and feedback.correct
    # Shown as the learner saw it, and kept as the file numbers it now.
    assert [c.text for c in feedback.question.choices] == ["wrong one", "right one",
                                                           "wrong two"]
    assert feedback.choices == (1,)
    assert recorded(engine) == ["0"]


def test_a_button_counts_as_the_choice_it_showed_after_a_reorder(
        say: Say, engine: Engine, lessons: Path) -> None:
    question = open_question(say)
    rewrite_quiz(engine, lessons, "- [ ] wrong two\n- [ ] wrong one\n- [x] right one\n")
    [feedback, *_] = say(answer=question.buttons[0].value, at=TUE)  # "wrong one"
    assert isinstance(feedback, Feedback) and not feedback.correct
    assert feedback.choices == (0,) and feedback.question.correct_indexes == (1,)
    assert recorded(engine) == ["1"]


def test_a_choice_named_in_words_is_found_in_a_reordered_question(
        say: Say, engine: Engine, lessons: Path) -> None:
    open_question(say)
    rewrite_quiz(engine, lessons, "- [ ] wrong two\n- [x] right one\n- [ ] wrong one\n")
    [feedback, *_] = say("the second one", at=TUE)
    assert isinstance(feedback, Feedback) and feedback.correct


def test_a_question_whose_choices_were_reworded_is_asked_again_not_graded(
        say: Say, engine: Engine, lessons: Path) -> None:
    question = open_question(say)
    rewrite_quiz(engine, lessons, "- [ ] wrong one\n- [ ] wrong two\n- [x] right, reworded\n")
    replies = say("2", at=TUE)
    assert kinds(replies) == ["notice:question_changed", "question"]
    assert isinstance(replies[0], Notice) and replies[0].code is NoticeCode.QUESTION_CHANGED
    again = replies[1]
    assert isinstance(again, QuestionMessage) and again.ask_id != question.ask_id
    assert recorded(engine) == []  # nothing graded
    # The old message's buttons no longer count, and say why; the new question's do.
    assert kinds(say(answer=question.buttons[1].value, at=TUE)) == ["notice:question_closed"]
    [feedback, *_] = say("3", at=TUE)
    assert isinstance(feedback, Feedback) and feedback.correct
    assert recorded(engine) == ["2"]


def test_a_question_shown_again_keeps_the_order_first_shown(
        say: Say, engine: Engine, lessons: Path) -> None:
    # Shown again in the file's new order, the first message's buttons had been read against
    # it: "right one" pressed there was graded wrong.
    question = open_question(say)
    rewrite_quiz(engine, lessons, "- [x] right one\n- [ ] wrong one\n- [ ] wrong two\n")
    [again] = say("quiz", at=TUE)
    assert isinstance(again, QuestionMessage) and again.ask_id == question.ask_id
    assert [c.text for c in again.question.choices] == ["wrong one", "right one", "wrong two"]
    [feedback, *_] = say(answer=question.buttons[1].value, at=TUE)  # the first message's
    assert isinstance(feedback, Feedback) and feedback.correct
    assert recorded(engine) == ["0"]


def test_a_kept_delivery_goes_in_the_order_it_was_composed(
        say: Say, engine: Engine, lessons: Path) -> None:
    """A retried push decodes its kept messages with the lesson as it is now: its question
    keeps the order its buttons (kept too) and its ask were composed with."""
    from bot.engine import outbox
    from scheduler.dispatch import Dispatcher

    question = open_question(say)
    stored = outbox.encode([question])
    rewrite_quiz(engine, lessons, "- [x] right one\n- [ ] wrong one\n- [ ] wrong two\n")
    kept = outbox.decode(stored, engine.catalog.get)
    assert kept is not None
    with engine.store.unit() as unit:
        [again] = Dispatcher._as_shown(unit, kept)  # type: ignore[arg-type]
    assert isinstance(again, QuestionMessage) and again.buttons == question.buttons
    assert [c.text for c in again.question.choices] == ["wrong one", "right one", "wrong two"]
    rewrite_quiz(engine, lessons, "- [ ] wrong one\n- [x] right, reworded\n- [ ] wrong two\n")
    kept = outbox.decode(stored, engine.catalog.get)
    assert kept is not None
    with engine.store.unit() as unit:  # changed otherwise: composed afresh
        assert Dispatcher._as_shown(unit, kept) is None  # type: ignore[arg-type]


def test_words_of_one_choice_answer_the_open_question(say: Say, engine: Engine,
                                                      lessons: Path) -> None:
    # "in private" for "In private, such as a short one-to-one chat" was looked up: the
    # lesson came, and with it the answer.
    rewrite_quiz(engine, lessons, "- [ ] wrong one\n- [x] right one, in private\n"
                 "- [ ] wrong two\n")
    say("lesson", at=MON)
    say("quiz", at=TUE)
    [feedback, *_] = say("one in private", at=TUE)
    assert isinstance(feedback, Feedback) and feedback.correct and feedback.choices == (1,)


def test_a_question_about_the_open_questions_lesson_does_not_show_its_answer(
        say: Say, engine: Engine) -> None:
    say("lesson", at=MON)
    say("quiz", at=TUE)  # "Question one?", of lesson One, about apples
    replies = say("tell me about apples", at=TUE)
    assert kinds(replies) == ["notice:answer_first"]
    [feedback, *_] = say("2", at=TUE)  # still open
    assert isinstance(feedback, Feedback) and feedback.correct
    assert kinds(say("tell me about apples", at=TUE))[0] == "lookup"  # answered: given


def test_learn_does_not_show_the_open_questions_answer_either(say: Say) -> None:
    say("lesson", at=MON)
    say("quiz", at=TUE)
    assert kinds(say("learn apples", at=TUE)) == ["notice:answer_first"]
    assert kinds(say("/learn apples", at=TUE)) == ["notice:answer_first"]


def test_a_quiz_on_a_topic_goes_on_when_a_trainer_rewords_its_open_question(
        say: Say, engine: Engine, lessons: Path) -> None:
    rewrite_one(engine, lessons, "### Question one?\n- [ ] wrong one\n- [x] right one\n\n"
                "### Question two?\n- [x] yes\n- [ ] no\n")
    say("hi", at=MON)
    [first] = [m for m in say("quiz on basics", at=MON) if isinstance(m, QuestionMessage)]
    assert first.question.text == "Question one?"
    rewrite_one(engine, lessons, "### Question one, reworded?\n- [ ] wrong one\n"
                "- [x] right one\n\n### Question two?\n- [x] yes\n- [ ] no\n")
    replies = say(answer=first.buttons[1].value, at=MON)
    assert kinds(replies)[0] == "notice:question_gone"
    asked = [m for m in replies if isinstance(m, QuestionMessage)]
    assert asked and asked[0].question.text in ("Question one, reworded?", "Question two?")


def test_a_question_set_aside_by_a_new_quiz_says_so_when_its_button_is_pressed(
        say: Say) -> None:
    say("hi", at=MON)
    [question] = [m for m in say("quiz on basics", at=MON) if isinstance(m, QuestionMessage)]
    say("quiz on basics", at=MON)  # another quiz on a topic takes the open one's place
    replies = say(answer=question.buttons[1].value, at=MON)
    assert kinds(replies) == ["notice:question_closed"]


def reword_question(engine: Engine, lessons: Path) -> None:
    rewrite_one(engine, lessons, "### Question one, reworded?\n- [ ] wrong one\n"
                "- [x] right one\n- [ ] wrong two\n")


def test_a_typed_answer_to_a_reworded_open_question_is_told_and_the_quiz_goes_on(
        say: Say, engine: Engine, lessons: Path) -> None:
    """It had been looked up ("I have no lesson on '2'") with the question kept open: the
    learner was stuck until they typed "quiz"."""
    open_question(say)
    reword_question(engine, lessons)
    replies = say("2", at=TUE)
    assert kinds(replies)[0] == "notice:question_gone"
    assert "lookup" not in " ".join(kinds(replies)) and recorded(engine) == []
    assert kinds(say("skip", at=TUE)) != ["notice:question_gone"]  # let go: not open now


def test_skip_on_a_question_whose_lesson_was_deleted_goes_on(
        say: Say, engine: Engine, lessons: Path) -> None:
    open_question(say)
    (lessons / "basics" / "one.md").unlink()
    engine.catalog.refresh()
    replies = say("skip", at=TUE)
    assert kinds(replies)[0] == "notice:question_gone"


def test_a_question_while_the_open_one_is_gone_is_looked_up_with_no_open_reminder(
        say: Say, engine: Engine, lessons: Path) -> None:
    open_question(say)
    reword_question(engine, lessons)
    replies = say("how do apples grow?", at=TUE)
    assert "notice:question_open" not in kinds(replies)
    with engine.store.unit() as unit:
        assert unit.asks.latest_open(1) is None


def test_a_pushed_question_asked_again_after_a_rewording_keeps_its_place_in_the_set(
        say: Say, engine: Engine, lessons: Path) -> None:
    """It had come back as "Question 2 of 2", the set ending beyond its size."""
    from tests.unit.engine.conftest import deliver, learner_of, read_lesson

    read_lesson(say, MON)
    read_lesson(say, MON.replace(hour=10))
    pushed = [m for m in deliver(engine, learner_of(engine).id, "quiz", TUE.replace(hour=15))
              if isinstance(m, QuestionMessage)]
    assert pushed and (pushed[0].number, pushed[0].of) == (1, 2)
    rewrite_quiz(engine, lessons, "- [ ] wrong one\n- [ ] wrong two\n- [x] right, reworded\n")
    replies = say("2", at=TUE.replace(hour=15, minute=5))
    again = replies[-1]
    assert kinds(replies) == ["notice:question_changed", "question"]
    assert isinstance(again, QuestionMessage) and (again.number, again.of) == (1, 2)
    after = say("3", at=TUE.replace(hour=15, minute=6))
    following = [m for m in after if isinstance(m, QuestionMessage)]
    assert following and (following[0].number, following[0].of) == (2, 2)


def test_a_question_reworded_with_its_key_written_keeps_its_learners_reviews(
        say: Say, engine: Engine, lessons: Path) -> None:
    """A typo fixed in a question ('Wich' -> 'Which') made it a new question: every learner's
    reviews of it started again. Written on its heading, the key it had keeps them."""
    from bot.content.parser import question_key
    from tests.unit.engine.conftest import learner_of

    open_question(say)
    [feedback, *_] = say("2", at=TUE)
    assert isinstance(feedback, Feedback) and feedback.correct
    learner, key = learner_of(engine).id, question_key("Question one?")
    with engine.store.unit() as unit:
        reviewed = unit.cards.get(learner, "basics/one", key)
    assert reviewed is not None and reviewed.reviews == 1 and reviewed.due_at > TUE
    # The trainer fixes the question's words and keeps its key, as the catalog's warning said.
    rewrite_one(engine, lessons, f"### Question one, its typo fixed? {{#{key}}}\n"
                "- [ ] wrong one\n- [x] right one\n- [ ] wrong two\n> Because it is right.\n")
    lesson = engine.catalog.get("basics/one")
    assert lesson is not None and [q.key for q in lesson.questions] == [key]
    assert engine.catalog.problems() == []
    with engine.store.unit() as unit:
        # The same card, not reset: its review and its next due time are as they were.
        assert unit.cards.get(learner, "basics/one", key) == reviewed
        assert [card.question_key for card in unit.cards.lesson_cards(learner, "basics/one")] \
            == [key]
    # Due, it comes back in its new words, and the answer goes on the same card's history.
    due = reviewed.due_at + timedelta(hours=1)
    asked = [m for m in say("quiz", at=due) if isinstance(m, QuestionMessage)]
    assert asked and asked[0].question.text == "Question one, its typo fixed?"
    assert asked[0].question.key == key
    [again, *_] = say("2", at=due)
    assert isinstance(again, Feedback) and again.correct
    with engine.store.unit() as unit:
        after = unit.cards.get(learner, "basics/one", key)
    assert after is not None and after.reviews == 2 and after.due_at > reviewed.due_at
    assert recorded(engine) == ["1", "1"]


def test_an_open_question_reworded_with_its_key_written_is_graded_not_gone(
        say: Say, engine: Engine, lessons: Path) -> None:
    from bot.content.parser import question_key

    open_question(say)
    key = question_key("Question one?")
    rewrite_one(engine, lessons, f"### Question one, its typo fixed? {{#{key}}}\n"
                "- [ ] wrong one\n- [x] right one\n- [ ] wrong two\n")
    [feedback, *_] = say("2", at=TUE)
    assert isinstance(feedback, Feedback) and feedback.correct  # not "the question is gone"
    assert recorded(engine) == ["1"]
