"""The learner's voice: rating a lesson read, a word on what was missing, reflections and
`notes`; all optional, and let go by doing anything else."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.content.catalog import Catalog
from bot.engine.engine import Engine
from bot.engine.turn import EngineSettings
from bot.messages import (
    Feedback,
    Inbound,
    LookupAnswer,
    NoMatch,
    Noted,
    Notes,
    Notice,
    NoticeCode,
    NotIt,
    Outbound,
    Platform,
    QuestionMessage,
    Rated,
    RateLesson,
    ReflectionPrompt,
    UnknownCommand,
)
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
        return [(str(lesson), str(prompt), str(answer)) for lesson, prompt, answer in
                session.execute(text(
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


def test_a_lessons_name_after_not_useful_is_a_search_not_the_comment(
        say: Say, database: Database) -> None:
    say("lesson", at=MON)
    rate = next(m for m in say("done", at=MON) if isinstance(m, RateLesson))
    assert say(answer=rate.down, at=MON) == [Rated("One", False, ask_comment=True)]
    found = say("two", at=MON)  # another lesson's name: what they went looking for
    assert isinstance(found[0], LookupAnswer) and found[0].lesson.title == "Two"
    assert ratings(database) == [("basics/one", False, "")]
    # The invitation stays open for words that are a comment.
    assert say("Too long for a Monday", at=MON) == [Noted("comment", "One")]
    assert ratings(database) == [("basics/one", False, "Too long for a Monday")]


def test_rate_by_command_with_words_and_refusals(say: Say, database: Database) -> None:
    assert kinds(say("rate up", at=MON))[-1] == "notice:nothing_to_rate"  # after the welcome
    say("lesson", at=MON)
    assert kinds(say("rate down", at=MON)) == ["notice:nothing_to_rate"]  # not read yet
    say("done", at=MON)
    assert say("rate not useful: too long", at=MON) == [
        Rated("One", False, comment="too long")]
    assert kinds(say("rate", at=MON)) == ["notice:rate_how"]
    assert say("rate 👍🏽", at=MON) == [Rated("One", True)]
    assert ratings(database) == [("basics/one", True, "")]  # its words were the other verdict's
    assert kinds(say("rate not bad at all", at=MON)) == ["notice:rate_how"]  # neither
    assert say("rate :thumbsdown::skin-tone-3: far too long", at=MON) == [
        Rated("One", False, comment="far too long")]
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
    assert kinds(say("never mind", at=MON)) == ["notice:reply_skipped"]  # not kept as a comment
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

    def say(words: str) -> list[Outbound]:
        return engine.handle(Inbound(Platform.CONSOLE, "bo", "bo", text=words), MON)
    say("lesson")
    asked = say("done")[-1]
    assert isinstance(asked, ReflectionPrompt) and asked.prompt == "Where will you use this first?"
    say("lesson")
    assert not any(isinstance(m, ReflectionPrompt) for m in say("done"))  # none on B
    [notes] = say("notes")
    assert isinstance(notes, Notes) and notes.entries == ()


def test_a_reflect_prompt_that_is_too_long_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "lessons"
    write(folder, "a.md", "title: A\nreflect: " + "why " * 100, "Lesson a.")
    catalog = Catalog(folder)
    catalog.load()
    [problem] = catalog.problems()
    assert str(problem).startswith("a.md:3: error: 'reflect' is 399 characters long")


def finish_the_track(say: Say) -> list[Outbound]:
    """One and Two read: the track is done, and its reflection is asked."""
    say("lesson", at=MON)
    say("done", at=MON)
    say("lesson", at=MON)
    read = say("done", at=MON)
    assert isinstance(read[-1], ReflectionPrompt)
    return read


def test_words_that_begin_with_a_command_word_are_the_reply(say: Say,
                                                           database: Database) -> None:
    finish_the_track(say)
    assert say("Flag anything that looks urgent to the security team", at=MON) == [
        Noted("reflection", "Two", command="flag")]  # and how to run it: "/flag ..."
    with database.session() as session:
        assert session.execute(text("SELECT count(*) FROM flag")).scalar_one() == 0
    assert [answer for _, _, answer in reflections(database)] == [
        "Flag anything that looks urgent to the security team"]
    assert kinds(say("/flag looks wrong", at=MON)) != ["noted"]  # a slash is a command


def test_a_slip_of_a_command_after_a_reflection_prompt_is_asked_about_not_kept(
        say: Say, database: Database) -> None:
    """"lesosn" or "quizz" after "One question to think about: ...?" had been answered "Kept
    in your notes"; elsewhere such a slip is asked about ('Did you mean "lesson"?')."""
    finish_the_track(say)
    prompt = "What will you do differently tomorrow?"
    assert say("lesosn", at=MON) == [UnknownCommand("lesosn", meant="lesson", slashed=False,
                                                    reply_open="reflection", prompt=prompt)]
    assert kinds(say("Quizz!", at=MON)) == ["notice:unknown_command"]
    assert reflections(database) == []
    # The reflection is still open: a real one is kept, one word too.
    assert say("Patience", at=MON) == [Noted("reflection", "Two")]
    assert [answer for _, _, answer in reflections(database)] == ["Patience"]
    # "yes" to 'Did you mean "lesson"?' runs it, as anywhere else.
    finish_the_track(functools.partial(say, user="bo"))
    say("lesosn", at=MON, user="bo")
    assert kinds(say("yes", at=MON, user="bo"))[0] == "lesson"


def test_a_slip_of_a_command_in_a_few_filler_words_after_a_reflection_prompt_is_asked_about(
        say: Say, database: Database) -> None:
    """"lesosn pls", "quizz now" or "next lesosn please" after a reflection prompt had been
    kept as the learner's reflection, which trainers read; a sentence with a word like a
    command in it still is the reflection."""
    finish_the_track(say)
    prompt = "What will you do differently tomorrow?"
    assert say("lesosn pls", at=MON) == [UnknownCommand("lesosn", meant="lesson", slashed=False,
                                                        reply_open="reflection", prompt=prompt)]
    for typed, word, meant in (("Quizz now!", "quizz", "quiz"),
                               ("next lesosn please", "lesosn", "lesson"),
                               ("hepl me", "hepl", "help")):
        assert say(typed, at=MON) == [UnknownCommand(word, meant=meant, slashed=False,
                                                     reply_open="reflection", prompt=prompt)]
    assert reflections(database) == []
    assert say("I will test this lesson on my team", at=MON) == [Noted("reflection", "Two")]
    finish_the_track(functools.partial(say, user="bo"))
    assert say("lesosn learned: slow down", at=MON, user="bo") == [Noted("reflection", "Two")]
    assert [answer for _, _, answer in reflections(database)] == [
        "I will test this lesson on my team", "lesosn learned: slow down"]


def test_a_setting_or_a_lesson_asked_for_while_a_reflection_waits_is_run(
        say: Say, database: Database) -> None:
    """A trainer tried `time 08:30`, `learn ...`, `quiz me on ...` and `topics add ...` after
    a reflection prompt: each was kept in the notes ("Kept in your notes") and never run."""
    cases = {"time 08:30": "settings", "topics remove extra": "settings",
             "timezone berlin": "settings", "learn cherries": "lookup",
             "quiz me on bananas": "topic_quiz",
             "learn to ask before I click": "noted",  # a resolution, not a lesson asked for
             "topics of the day were great": "noted", "timezone changes confuse me": "noted"}
    for number, (typed, kind) in enumerate(cases.items()):
        learner = f"learner{number}"
        finish_the_track(functools.partial(say, user=learner))
        got = kinds(say(typed, at=MON, user=learner))
        assert (got[-1] if kind == "settings" else got[0]) == kind, (typed, got)
    assert [answer for _, _, answer in reflections(database)] == [
        "learn to ask before I click", "topics of the day were great",
        "timezone changes confuse me"]


def test_a_question_is_answered_and_the_invitation_stays(say: Say, database: Database) -> None:
    say("lesson", at=MON)
    rate = next(m for m in say("done", at=MON) if isinstance(m, RateLesson))
    say(answer=rate.down, at=MON)
    assert kinds(say("how do I peel bananas?", at=MON))[0] in ("lookup", "no_match")
    # Asked without a question mark, as people type in chat: looked up too (it had been
    # kept as the comment, and the learner got no answer).
    for question in ("can I peel bananas", "do I need to peel bananas", "is it ok to peel"):
        assert kinds(say(question, at=MON))[0] in ("lookup", "no_match", "did_you_mean")
    assert ratings(database) == [("basics/one", False, "")]
    # An instruction that opens like a question is the learner's words, kept.
    assert say("Do the peeling part first, shorter", at=MON) == [Noted("comment", "One")]
    assert ratings(database) == [("basics/one", False, "Do the peeling part first, shorter")]


def test_a_scheduled_delivery_closes_the_invitation(say: Say, engine: Engine,
                                                    database: Database) -> None:
    from tests.unit.engine.conftest import deliver
    finish_the_track(say)
    with database.session() as session:
        learner_id = int(session.execute(text("SELECT id FROM learner")).scalar_one())
    deliver(engine, learner_id, "lesson", MON + timedelta(hours=1))
    assert isinstance(say("bananas", at=MON + timedelta(hours=1, minutes=5))[0], LookupAnswer)
    assert reflections(database) == []


def test_a_rating_or_a_second_done_keeps_the_reflection_open(say: Say,
                                                            database: Database) -> None:
    finish_the_track(say)
    say("rate up", at=MON)
    say("done", at=MON)  # the same lesson again
    assert say("Check the sender first", at=MON) == [Noted("reflection", "Two")]
    assert ratings(database) == [("basics/two", True, "")]


def test_an_old_button_pressed_keeps_the_reflection_open(say: Say) -> None:
    """A press that does nothing had let the invitation go: the reply was looked up."""
    finish_the_track(say)
    assert kinds(say(answer="a:999999:0", at=MON)) == ["notice:bad_answer"]
    assert say("Check the sender first", at=MON) == [Noted("reflection", "Two")]


def test_rate_rates_the_lesson_read_last_even_when_a_newer_one_came(say: Say) -> None:
    say("lesson", at=MON)
    say("done", at=MON)
    say("lesson", at=MON)  # Two arrives, not read
    assert say("rate down the first one was too long", at=MON) == [
        Rated("One", False, comment="the first one was too long")]


def looked_up(say: Say, text: str, at: datetime) -> LookupAnswer:
    """The lesson lookup answers ``text`` with (failing the test when it finds none)."""
    [answer, *_] = say(text, at=at)
    assert isinstance(answer, LookupAnswer), answer
    return answer


def misses(database: Database) -> list[str]:
    with database.session() as session:
        return [str(query) for (query,) in session.execute(
            text("SELECT query FROM lookup_miss ORDER BY id")).all()]


def test_not_what_i_asked_passes_the_question_to_trainers_once(
        say: Say, database: Database) -> None:
    say("hi", at=MON)
    answer = looked_up(say, "tell me about bananas", MON)
    title = answer.lesson.title
    assert say("No, that's not what I asked!", at=MON) == [NotIt("tell me about bananas", title)]
    assert misses(database) == ["tell me about bananas"]  # the trainers' list
    assert ratings(database) == [(answer.lesson.id, False,
                                  "Not what I asked: tell me about bananas")]
    # Said again, with no new answer in between: nothing more to pass on (looked up, it
    # would bring a lesson that invites the same words again).
    assert say("wrong lesson", at=MON) == [Notice(NoticeCode.ALREADY_PASSED)]
    assert misses(database).count("tell me about bananas") == 1
    looked_up(say, "bananas please", MON)
    assert say("Wrong lesson \U0001f641 sorry", at=MON) == [NotIt("bananas please", title)]


def test_not_what_i_asked_pressed_twice_is_passed_on_once(
        say: Say, database: Database) -> None:
    say("hi", at=MON)
    answer = looked_up(say, "tell me about bananas", MON)
    assert say(answer=answer.not_it, at=MON) == [NotIt("tell me about bananas",
                                                        answer.lesson.title)]
    # The same button again (a double tap): said so, and no invitation to comment opens.
    assert say(answer=answer.not_it, at=MON) == [Notice(NoticeCode.ALREADY_PASSED)]
    assert misses(database) == ["tell me about bananas"]
    assert isinstance(say("bananas", at=MON)[0], LookupAnswer)  # words are a question again


def test_not_what_i_asked_under_an_answer_before_a_miss_rates_that_lesson(
        say: Say, database: Database) -> None:
    """It had said "Your question is already on the trainers' list", false for that question,
    and kept nothing."""
    say("hi", at=MON)
    answer = looked_up(say, "tell me about bananas", MON)
    assert isinstance(say("zzqx vvbn", at=MON)[0], NoMatch)  # a later question, no lesson
    replies = say(answer=answer.not_it, at=MON)
    assert Notice(NoticeCode.ALREADY_PASSED) not in replies
    assert ratings(database) == [(answer.lesson.id, False, "")]


def test_not_what_i_asked_needs_a_looked_up_lesson(say: Say, database: Database) -> None:
    say("hi", at=MON)
    assert say("that didn't help", at=MON) == [Notice(NoticeCode.NOTHING_TO_REJECT)]
    [nothing] = say("zzqx vvbn", at=MON)  # no lesson: nothing to reject afterwards either
    assert isinstance(nothing, NoMatch)  # ... and it is on the trainers' list already
    assert say("wrong answer", at=MON) == [Notice(NoticeCode.ALREADY_PASSED)]
    assert ratings(database) == []


def test_rate_down_after_a_lookup_rates_the_looked_up_lesson_and_passes_no_question_on(
        say: Say, database: Database) -> None:
    """It had said the question went to the trainers "as a question without a good lesson"
    when the lesson found was the right one and only disliked."""
    say("hi", at=MON)
    answer = looked_up(say, "tell me about bananas", MON)
    title = answer.lesson.title
    [reply] = say("rate down", at=MON)
    assert reply == Rated(title, False, ask_comment=True, can_pass_on=True)
    assert misses(database) == []  # not on the trainers' list of unanswered questions
    assert ratings(database) == [(answer.lesson.id, False, "")]
    assert say("Too long for a Monday", at=MON) == [Noted("comment", title)]
    assert misses(database) == []
    assert ratings(database) == [(answer.lesson.id, False, "Too long for a Monday")]
    # Words with the verdict: kept with it, and still no question passed on.
    assert say("rate down way too long", at=MON) == [
        Rated(title, False, comment="way too long", can_pass_on=True)]
    assert misses(database) == []
    # "Not what I asked" after it is what passes the question on.
    assert say("not what I asked", at=MON) == [NotIt("tell me about bananas", title)]
    assert misses(database) == ["tell me about bananas"]
    say("what about bananas then", at=MON)
    assert say("rate up", at=MON) == [Rated(answer.lesson.title, True)]


def test_not_what_i_asked_as_the_word_on_a_looked_up_lesson_rated_down_passes_it_on(
        say: Say, database: Database) -> None:
    """The reply to "what would have made it useful?" may be that it answered something
    else: that is the question passed on, not a comment."""
    say("hi", at=MON)
    answer = looked_up(say, "tell me about bananas", MON)
    say("rate down", at=MON)
    assert say("that's not what I asked", at=MON) == [
        NotIt("tell me about bananas", answer.lesson.title)]
    assert misses(database) == ["tell me about bananas"]
    assert ratings(database) == [(answer.lesson.id, False,
                                  "Not what I asked: tell me about bananas")]


def test_rate_down_names_not_what_i_asked_only_while_the_question_can_go_on(
        say: Say, database: Database) -> None:
    say("hi", at=MON)
    answer = looked_up(say, "tell me about bananas", MON)
    later = MON + timedelta(minutes=31)  # "not what I asked" is about something else now
    assert say("rate down", at=later) == [Rated(answer.lesson.title, False, ask_comment=True)]
    assert say("not what I asked", at=later) == [Noted("comment", answer.lesson.title)]
    assert misses(database) == []


def test_rate_after_a_lookup_rates_the_lesson_looked_up_not_the_one_read_before(
        say: Say, database: Database) -> None:
    say("hi", at=MON)
    say("lesson", at=MON)
    say("done", at=MON)  # One read
    later = MON + timedelta(minutes=5)
    answer = looked_up(say, "three", later)
    assert answer.lesson.title == "Three"
    assert say("rate up", at=later) == [Rated("Three", True)]
    [reply] = say("rate down", at=later)  # a verdict on the answer, not "not what I asked"
    assert reply == Rated("Three", False, ask_comment=True, can_pass_on=True)
    tue = MON + timedelta(days=1)
    say("lesson", at=tue)
    say("done", at=tue)  # Two read after the lookup: the rating is Two's again
    assert say("rate up", at=tue) == [Rated("Two", True)]


def test_an_answer_lookup_is_not_sure_of_says_so(say: Say) -> None:
    say("hi", at=MON)
    [named] = [m for m in say("three", at=MON) if isinstance(m, LookupAnswer)]
    assert named.lesson.title == "Three" and not named.unsure  # a lesson's name: sure
    [passing] = [m for m in say("tell me about bananas", at=MON) if isinstance(m, LookupAnswer)]
    assert passing.lesson.title == "Two" and passing.unsure  # a word in passing: hedged


def test_not_it_words_are_a_quiz_answer_or_an_invited_reply_first(
        say: Say, database: Database) -> None:
    say("hi", at=MON)
    [answer, *_] = say("cherries and passwords", at=MON)  # a lookup, never judged
    assert isinstance(answer, LookupAnswer)
    say("lesson", at=MON)
    say("done", at=MON)
    assert say("rate down", at=MON) == [Rated("One", False, ask_comment=True)]
    # The reply to "what would have made One useful?", not a verdict on the lookup.
    assert say("not helpful", at=MON) == [Noted("comment", "One")]
    assert misses(database) == []
    [looked, *_] = say("apples", at=MON)
    assert isinstance(looked, LookupAnswer) and looked.lesson.title == "One"
    tue = MON + timedelta(days=1)
    assert any(isinstance(m, QuestionMessage) for m in say("quiz", at=tue))
    # "Wrong one" is the text of a choice of the open question: it is graded.
    assert any(isinstance(m, Feedback) for m in say("wrong one", at=tue + timedelta(minutes=1)))
    assert misses(database) == []


def test_not_it_is_about_an_answer_of_the_last_half_hour(
        say: Say, database: Database) -> None:
    say("hi", at=MON)
    looked_up(say, "tell me about bananas", MON)
    later = MON + timedelta(minutes=31)
    assert say("that's wrong", at=later) == [Notice(NoticeCode.NOTHING_TO_REJECT)]
    assert misses(database).count("tell me about bananas") == 0
    again = looked_up(say, "tell me about bananas", later)
    assert say("that's wrong", at=later + timedelta(minutes=29)) == [
        NotIt("tell me about bananas", again.lesson.title)]


def test_the_not_it_button_passes_the_question_on_or_rates_an_older_answer(
        say: Say, database: Database) -> None:
    say("hi", at=MON)
    [first, *_] = say("tell me about bananas", at=MON)
    [second, *_] = say("apples", at=MON)
    assert isinstance(first, LookupAnswer) and isinstance(second, LookupAnswer)
    assert first.not_it.startswith("notit:") and first.not_it != second.not_it
    assert say(answer=second.not_it, at=MON) == [NotIt("apples", second.lesson.title)]
    assert misses(database) == ["apples"]
    # The first answer's question is no longer kept: its lesson is rated, and the bot asks
    # what was missing.
    assert say(answer=first.not_it, at=MON) == [
        Rated(first.lesson.title, False, ask_comment=True)]
    assert say("I wanted banana bread recipes", at=MON) == [Noted("comment", "Two")]
    assert misses(database) == ["apples"]
