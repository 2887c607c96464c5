"""'Did you mean': the lessons offered when none answers can be picked by their number, by
"yes", or by their buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.messages import (
    Feedback,
    LookupAnswer,
    NoMatch,
    Noted,
    Notice,
    NoticeCode,
    NotIt,
    PickRange,
    QuestionMessage,
)
from storage import Database
from tests.unit.engine.conftest import Say

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)
FRUIT = "bananas apples cherries grapes melons kiwis"
"""A question no lesson answers, with three lessons offered: Three, One, Two."""


def offered(say: Say, words: str = FRUIT, at: datetime = MON) -> NoMatch:
    [reply] = say(words, at=at)
    assert isinstance(reply, NoMatch), reply
    return reply


def test_a_number_picks_a_lesson_offered_as_the_answer_to_the_question(
        say: Say, database: Database) -> None:
    say("hi", at=MON)
    reply = offered(say)
    assert reply.suggestions == ("Three", "One", "Two") and len(reply.picks) == 3
    [answer] = say("2", at=MON + timedelta(minutes=1))
    assert isinstance(answer, LookupAnswer) and answer.lesson.title == "One"
    assert not answer.unsure and answer.add  # the learner chose it; its questions can be added
    # The question still counts as one the library did not answer, and "not what I asked"
    # of the lesson picked passes it on with that lesson.
    assert say("not what I asked", at=MON + timedelta(minutes=2)) == [NotIt(FRUIT, "One")]
    with database.session() as session:
        assert [q for (q,) in session.execute(text("SELECT query FROM lookup_miss"))] == [
            FRUIT, FRUIT]
    # Another of them can be picked after it; "(3)", "#3", "three" and "the third one" too.
    for words in ("3", "(3)", "#3", "three", "the third one"):
        [other] = say(words, at=MON + timedelta(minutes=3))
        assert isinstance(other, LookupAnswer) and other.lesson.title == "Two", words


def test_yes_picks_the_one_lesson_offered_and_asks_which_of_several(say: Say) -> None:
    say("hi", at=MON)
    assert offered(say, "how to bake an apple pie with cinnamon").suggestions == ("One",)
    [answer] = say("Yes please!", at=MON)
    assert isinstance(answer, LookupAnswer) and answer.lesson.title == "One"
    offered(say)
    assert say("yes", at=MON) == [PickRange(3)]


def test_a_number_out_of_range_says_how_many_were_offered(say: Say) -> None:
    say("hi", at=MON)
    offered(say)
    assert say("7", at=MON) == [PickRange(3)]
    [answer] = say("1", at=MON)  # still there to pick
    assert isinstance(answer, LookupAnswer) and answer.lesson.title == "Three"


def test_a_pick_is_for_half_an_hour_and_for_the_last_question(say: Say) -> None:
    say("hi", at=MON)
    offered(say)
    later = MON + timedelta(minutes=31)
    assert say("1", at=later) == [Notice(NoticeCode.PICK_EXPIRED)]  # ask again
    offered(say, at=later)
    [answered] = say("apples", at=later)  # a question answered since: nothing left to pick
    assert isinstance(answered, LookupAnswer)
    assert say("1", at=later) == [Notice(NoticeCode.NO_OPEN_QUESTION)]
    offered(say, at=later)
    [nothing] = say("zzqx vvbn", at=later)  # a question with nothing to offer
    assert isinstance(nothing, NoMatch) and not nothing.picks
    assert say("1", at=later) == [Notice(NoticeCode.NO_OPEN_QUESTION)]


def test_an_open_quiz_question_takes_a_number_first(say: Say) -> None:
    say("hi", at=MON)
    say("lesson", at=MON)
    say("done", at=MON)
    tue = MON + timedelta(days=1)
    assert any(isinstance(m, QuestionMessage) for m in say("quiz", at=tue))
    [reply, still_open] = say(FRUIT, at=tue)
    assert isinstance(reply, NoMatch) and still_open == Notice(NoticeCode.QUESTION_OPEN)
    assert not reply.numbered  # the reply asks for titles, not numbers
    assert any(isinstance(m, Feedback) for m in say("2", at=tue))  # the quiz's choice 2


def test_the_lesson_of_an_open_question_is_never_offered_nor_given_by_a_button(
        say: Say) -> None:
    """A reviewer's suggestion button gave the whole lesson of the question waiting for an
    answer: the answer, given away."""
    say("hi", at=MON)
    earlier = offered(say)  # Three, One, Two: offered before any question was open
    say("lesson", at=MON)
    say("done", at=MON)
    tue = MON + timedelta(days=1)
    [question] = [m for m in say("quiz", at=tue) if isinstance(m, QuestionMessage)]
    assert question.lesson.title == "One"
    reply, _ = say(FRUIT, at=tue)
    assert isinstance(reply, NoMatch) and reply.suggestions == ("Three", "Two")
    assert len(reply.picks) == 2
    assert say(answer=earlier.picks[1], at=tue) == [Notice(NoticeCode.ANSWER_FIRST)]
    [feedback, *_] = say("2", at=tue)
    assert isinstance(feedback, Feedback)
    [given] = say(answer=earlier.picks[1], at=tue)  # answered: the lesson may come now
    assert isinstance(given, LookupAnswer) and given.lesson.title == "One"


def test_a_number_after_suggestions_is_not_taken_for_an_invited_reply(
        say: Say, database: Database) -> None:
    # A reviewer's "2" went to the trainers as their comment on a lesson rated down.
    say("hi", at=MON)
    say("lesson", at=MON)
    say("done", at=MON)
    say("rate down", at=MON)  # "what would have made it useful?"
    [reply] = say(f"what about {FRUIT}?", at=MON)
    assert isinstance(reply, NoMatch) and reply.numbered
    [answer] = say("2", at=MON)
    assert isinstance(answer, LookupAnswer) and answer.lesson.title == "One"
    with database.session() as session:
        assert [c for (c,) in session.execute(text("SELECT comment FROM lesson_rating"))] == [""]
    # The invitation stays open for words that are no number.
    assert say("Shorter, please", at=MON) == [Noted("comment", "One")]


def test_a_button_picks_its_lesson_even_under_an_older_answer(say: Say) -> None:
    say("hi", at=MON)
    first = offered(say)
    offered(say, "how to bake an apple pie with cinnamon")
    [answer] = say(answer=first.picks[2], at=MON)  # "Two", offered for the first question
    assert isinstance(answer, LookupAnswer) and answer.lesson.title == "Two"
    # That question is no longer kept: there is nothing to pass on.
    assert not any(isinstance(m, NotIt) for m in say("not what I asked", at=MON))


def test_a_lesson_removed_since_it_was_offered(say: Say, lessons: Path, engine: object) -> None:
    say("hi", at=MON)
    reply = offered(say)
    (lessons / "extra" / "three.md").unlink()
    engine.catalog.refresh()  # type: ignore[attr-defined]
    assert say("1", at=MON) == [Notice(NoticeCode.LESSON_GONE)]
    assert say(answer=reply.picks[0], at=MON) == [Notice(NoticeCode.LESSON_GONE)]


def test_a_damaged_record_of_what_was_offered_offers_nothing(
        say: Say, database: Database) -> None:
    say("hi", at=MON)
    offered(say)
    with database.session() as session:
        session.execute(text("UPDATE learner SET suggested = :s"), {"s": json.dumps([1])})
        session.commit()
    assert say("1", at=MON) == [Notice(NoticeCode.NO_OPEN_QUESTION)]
