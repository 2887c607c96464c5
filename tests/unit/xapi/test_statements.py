"""Every statement microlearn makes is valid xAPI: checked against Ralph's published pydantic
models of xAPI 1.0.3 statements, and stable (the same event, the same statement)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.content.catalog import Catalog
from bot.xapi.statements import (
    ANSWERED,
    ASSESSMENT_TYPE,
    COMMENTED,
    COMPLETED,
    EXPERIENCED,
    NORMALISED_GAIN,
    QUESTION_TYPE,
    RATED,
    SCORED,
    Vocabulary,
    answered,
    as_json,
    commented,
    completed,
    experienced,
    rated,
    scored,
    statement_id,
)
from storage.xapi import AnswerEvent, CheckEvent, CommentEvent, RatingEvent, ReadEvent

statements = pytest.importorskip("ralph.models.xapi.base.statements")
WHEN = datetime(2026, 3, 2, 9, 30, 12, 345678, tzinfo=UTC)


def valid(statement: dict[str, object]) -> dict[str, object]:
    """The statement, after Ralph's model accepted it (it raises on anything invalid)."""
    statements.BaseXapiStatement.model_validate(json.loads(as_json(statement)))
    return statement


def answer(catalog: Catalog, choices: tuple[int, ...] = (1,), asked: bool = True,
           lesson_id: str | None = None) -> AnswerEvent:
    lesson = catalog.get(lesson_id) if lesson_id else next(
        item for item in catalog.lessons() if item.track and item.questions)
    assert lesson is not None
    key = lesson.questions[0].key if lesson.questions else "gone"
    return AnswerEvent("ask:7:1", 7, "telegram", "4201", lesson.id, key, choices, True,
                       WHEN, WHEN - timedelta(seconds=42.5) if asked else None)


def test_an_answer_is_an_answered_cmi_interaction_with_choices_and_result(
        sample_catalog: Catalog) -> None:
    event = answer(sample_catalog)
    lesson = sample_catalog.get(event.lesson_id)
    assert lesson is not None and lesson.track
    statement = valid(answered(event, lesson, Vocabulary()))
    assert statement["verb"] == {"id": ANSWERED, "display": {"en-US": "answered"}}
    assert statement["actor"] == {"objectType": "Agent", "account": {
        "homePage": "https://telegram.org", "name": "4201"}}
    target = statement["object"]
    assert isinstance(target, dict)
    definition = target["definition"]
    assert definition["type"] == QUESTION_TYPE and definition["interactionType"] == "choice"
    question = lesson.questions[0]
    assert [choice["id"] for choice in definition["choices"]] == [
        "abcdefghij"[n] for n in range(len(question.choices))]
    right = [chr(ord("a") + n) for n, c in enumerate(question.choices) if c.correct]
    assert definition["correctResponsesPattern"] == ["[,]".join(right)]
    assert statement["result"] == {"success": True, "completion": True, "response": "b",
                                   "duration": "PT42.50S"}
    context = statement["context"]
    assert isinstance(context, dict)
    parents = [parent["id"] for parent in context["contextActivities"]["parent"]]
    assert parents == [f"urn:microlearn:lessons/{lesson.id}",
                       f"urn:microlearn:tracks/{lesson.track}"]
    assert statement["timestamp"] == "2026-03-02T09:30:12.345Z"


def test_a_select_all_answer_joins_its_choices(sample_catalog: Catalog) -> None:
    statement = valid(answered(answer(sample_catalog, (0, 2), asked=False),
                               None, Vocabulary()))
    result = statement["result"]
    assert isinstance(result, dict)
    assert result["response"] == "a[,]c" and "duration" not in result


def test_a_question_no_longer_in_the_library_still_makes_a_valid_statement(
        sample_catalog: Catalog) -> None:
    event = AnswerEvent("k", 1, "slack", "U1", "gone/lesson name", "abc", (0,), False, WHEN,
                        None)
    statement = valid(answered(event, None, Vocabulary()))
    target = statement["object"]
    assert isinstance(target, dict)
    assert target["id"] == "urn:microlearn:lessons/gone/lesson%20name/questions/abc"


def test_a_read_is_experienced_and_the_last_of_a_track_completes_it(
        sample_catalog: Catalog) -> None:
    lesson = next(item for item in sample_catalog.lessons() if item.track)
    event = ReadEvent(3, "slack", "U1ANN", lesson.id, WHEN)
    read = valid(experienced(event, lesson, Vocabulary()))
    assert read["verb"] == {"id": EXPERIENCED, "display": {"en-US": "experienced"}}
    target = read["object"]
    assert isinstance(target, dict)
    assert target["definition"]["name"] == {"en": lesson.title}
    assert lesson.track is not None
    done = valid(completed(event, lesson.track, Vocabulary()))
    assert done["verb"] == {"id": COMPLETED, "display": {"en-US": "completed"}}


def test_an_account_mapped_to_an_email_is_an_mbox(sample_catalog: Catalog) -> None:
    words = Vocabulary(mbox={"slack:U1ANN": "ann@example.com"},
                       activity_base="https://learning.example.com/xapi/",
                       homepages={"slack": "https://example.slack.com"})
    event = ReadEvent(3, "slack", "U1ANN", "security/phishing", WHEN)
    statement = valid(experienced(event, None, words))
    assert statement["actor"] == {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
    other = valid(experienced(ReadEvent(4, "slack", "U2BOB", "x", WHEN), None, words))
    assert other["actor"] == {"objectType": "Agent", "account": {
        "homePage": "https://example.slack.com", "name": "U2BOB"}}


def test_the_same_event_makes_the_same_statement_and_others_differ(
        sample_catalog: Catalog) -> None:
    event = answer(sample_catalog)
    lesson = sample_catalog.get(event.lesson_id)
    first, again = answered(event, lesson, Vocabulary()), answered(event, lesson, Vocabulary())
    assert as_json(first) == as_json(again)
    assert first["id"] == statement_id("answer:telegram:4201:ask:7:1:2026-03-02T09:30:12.345Z")
    read = ReadEvent(7, "telegram", "4201", event.lesson_id, WHEN)
    assert len({first["id"], experienced(read, lesson, Vocabulary())["id"],
                completed(read, "t", Vocabulary())["id"]}) == 3


def test_the_console_platform_has_a_valid_home_page(sample_catalog: Catalog) -> None:
    valid(experienced(ReadEvent(1, "console", "you", "x", WHEN), None, Vocabulary()))


def test_the_model_does_refuse_a_broken_statement(sample_catalog: Catalog) -> None:
    # The check above is not a formality: a statement with an empty value, or a choice id
    # with a space, is refused.
    statement = answered(answer(sample_catalog), None, Vocabulary())
    broken = {**statement, "result": {"success": True, "response": ""}}
    with pytest.raises(ValueError):
        valid(broken)
    spaced = json.loads(as_json(answered(answer(sample_catalog),
                                         sample_catalog.get(answer(sample_catalog).lesson_id),
                                         Vocabulary())))
    spaced["object"]["definition"]["choices"][0]["id"] = "a b"
    with pytest.raises(ValueError):
        statements.BaseXapiStatement.model_validate(spaced)


def test_a_rating_is_rated_with_a_score_and_its_words_commented(
        sample_catalog: Catalog) -> None:
    """The words are a statement of their own: they may come after the rating's statement
    reached the LRS, which never changes a statement."""
    lesson = next(item for item in sample_catalog.lessons() if item.track)
    down = valid(rated(RatingEvent(3, "slack", "U1", lesson.id, False, WHEN),
                       lesson, Vocabulary()))
    assert down["verb"] == {"id": RATED, "display": {"en-US": "rated"}}
    assert down["result"] == {"score": {"raw": 0, "min": 0, "max": 1, "scaled": 0.0}}
    later = WHEN + timedelta(minutes=1)
    words = valid(commented(CommentEvent(3, "slack", "U1", lesson.id, " too long ", later),
                            lesson, Vocabulary()))
    assert words["verb"] == {"id": COMMENTED, "display": {"en-US": "commented"}}
    assert words["result"] == {"response": "too long"}
    assert words["object"] == down["object"] and words["id"] != down["id"]
    assert words["timestamp"].startswith(later.strftime("%Y-%m-%dT%H:%M"))
    up = valid(rated(RatingEvent(3, "slack", "U1", lesson.id, True, WHEN), None,
                     Vocabulary()))
    assert up["result"] == {"score": {"raw": 1, "min": 0, "max": 1, "scaled": 1.0}}


def check(phase: str, right: int, baseline: tuple[int, int] | None = None) -> CheckEvent:
    return CheckEvent(7, "telegram", "4201", "safety basics", phase, right, 4, 4, WHEN,
                      baseline)


def test_a_finished_baseline_is_scored_on_the_tracks_check_with_the_track_as_parent() -> None:
    statement = valid(scored(check("pre", 1), Vocabulary()))
    assert statement["verb"] == {"id": SCORED, "display": {"en-US": "scored"}}
    assert statement["actor"] == {"objectType": "Agent", "account": {
        "homePage": "https://telegram.org", "name": "4201"}}
    target = statement["object"]
    assert isinstance(target, dict)
    assert target["id"] == "urn:microlearn:tracks/safety%20basics/checks/baseline"
    assert target["definition"]["type"] == ASSESSMENT_TYPE
    assert target["definition"]["name"] == {"en": "Safety basics: baseline"}
    # Scored as the dashboard scores a check: right of answered.
    assert statement["result"] == {"score": {"raw": 1, "min": 0, "max": 4, "scaled": 0.25},
                                   "completion": True}
    context = statement["context"]
    assert isinstance(context, dict)
    assert [parent["id"] for parent in context["contextActivities"]["parent"]] == [
        "urn:microlearn:tracks/safety%20basics"]
    assert statement["timestamp"] == "2026-03-02T09:30:12.345Z"


def test_an_endline_carries_the_normalised_gain_over_its_baseline() -> None:
    statement = valid(scored(check("post", 3, baseline=(1, 4)), Vocabulary()))
    target = statement["object"]
    assert isinstance(target, dict)
    assert target["id"] == "urn:microlearn:tracks/safety%20basics/checks/endline"
    result = statement["result"]
    assert isinstance(result, dict)
    assert result["score"] == {"raw": 3, "min": 0, "max": 4, "scaled": 0.75}
    assert result["extensions"] == {NORMALISED_GAIN: pytest.approx(2 / 3)}


def test_an_endline_after_a_perfect_baseline_has_no_gain_to_carry() -> None:
    """(post - pre) / (1 - pre) is undefined when everything was known before: no extension,
    as the dashboard counts such learners apart."""
    result = valid(scored(check("post", 4, baseline=(4, 4)), Vocabulary()))["result"]
    assert isinstance(result, dict) and "extensions" not in result


def test_a_check_statement_is_stable_and_each_check_has_its_own() -> None:
    before, after = check("pre", 1), check("post", 1, baseline=(1, 4))
    assert scored(before, Vocabulary()) == scored(before, Vocabulary())
    assert scored(before, Vocabulary())["id"] != scored(after, Vocabulary())["id"]
