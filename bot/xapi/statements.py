"""xAPI statements from microlearn's events (pure: no I/O, no clock).

| event | verb | object |
|---|---|---|
| a lesson read | ``experienced`` | the lesson (``activities/lesson``) |
| the read that completes a track | ``completed`` | the track (``activities/course``) |
| an answer | ``answered`` | the question (``activities/cmi.interaction``, ``choice``) |
| a lesson rated | ``rated`` (TinCan registry) | the lesson; the score 1 (useful) or 0 |
| the learner's words on a rating | ``commented`` | the lesson; the words are the response |
| a knowledge check finished with a score | ``scored`` | the track's check (``activities/assessment``) |

Every statement's id is a UUID 5 of the event's own key (its kind, the platform account, what it
is about and when it happened: ids of a database can come again after a `forget`, so they are
not enough), so the same event always makes the same id: resending, or replaying a range, never
makes a duplicate in the LRS (which must not change a statement it holds). The actor is the
learner's platform account (``homePage`` of the platform and the platform's user id), or a
``mailto:`` when the config maps the account to an e-mail; no name is sent.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bot.content.markdown import plain_text
from bot.content.model import Lesson, Question, track_title
from bot.engine.checks import CHECK_NAMES, normalised_gain
from storage.xapi import AnswerEvent, CheckEvent, CommentEvent, RatingEvent, ReadEvent

VERSION = "1.0.3"
"""The xAPI version spoken (the X-Experience-API-Version header)."""
NAMESPACE = uuid.UUID("5b0f3f4e-3c1e-5d2a-9a57-6d6963726f6c")
"""The UUID 5 namespace of microlearn's statement ids (never change it: ids would change)."""

EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
RATED = "http://id.tincanapi.com/verb/rated"
COMMENTED = "http://adlnet.gov/expapi/verbs/commented"
SCORED = "http://adlnet.gov/expapi/verbs/scored"
LESSON_TYPE = "http://adlnet.gov/expapi/activities/lesson"
TRACK_TYPE = "http://adlnet.gov/expapi/activities/course"
QUESTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
NORMALISED_GAIN = "https://github.com/microlearn/microlearn/blob/main/docs/xapi.md#normalised-gain"
"""The result extension of an endline: (post - pre) / (1 - pre), as the dashboard averages it
(an IRI of microlearn's own, not of the deployment's ``activity_base``, so one LRS query finds it
from every installation)."""
HOMEPAGES = {"slack": "https://slack.com", "telegram": "https://telegram.org",
             "console": "https://github.com/microlearn/microlearn#console"}
"""The actor account's ``homePage`` per platform (the config may set others)."""


@dataclass(frozen=True)
class Vocabulary:
    """How statements name things: the activities' IRI base, the platforms' home pages, the
    accounts mapped to e-mails (``'platform:user_id' -> address``), the language of names."""

    activity_base: str = "urn:microlearn:"
    homepages: Mapping[str, str] = field(default_factory=lambda: dict(HOMEPAGES))
    mbox: Mapping[str, str] = field(default_factory=dict)
    language: str = "en"


def statement_id(key: str) -> str:
    """The stable id of the statement of the event ``key``."""
    return str(uuid.uuid5(NAMESPACE, key))


def _stamp(moment: datetime) -> str:
    """UTC with milliseconds: the same text every time it is made (a resend must be equal)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _duration(seconds: float) -> str:
    return f"PT{max(seconds, 0):.2f}S"


def actor(platform: str, user_id: str, words: Vocabulary) -> dict[str, Any]:
    """The learner as an xAPI Agent."""
    address = words.mbox.get(f"{platform}:{user_id}")
    if address:
        return {"objectType": "Agent", "mbox": f"mailto:{address}"}
    homepage = words.homepages.get(platform) or HOMEPAGES.get(platform) or HOMEPAGES["console"]
    return {"objectType": "Agent", "account": {"homePage": homepage, "name": user_id}}


def lesson_iri(lesson_id: str, words: Vocabulary) -> str:
    return f"{words.activity_base}lessons/{quote(lesson_id, safe='/')}"


def track_iri(track: str, words: Vocabulary) -> str:
    return f"{words.activity_base}tracks/{quote(track, safe='')}"


def question_iri(lesson_id: str, key: str, words: Vocabulary) -> str:
    return f"{lesson_iri(lesson_id, words)}/questions/{quote(key, safe='')}"


def _name(text: str, words: Vocabulary) -> dict[str, str]:
    return {words.language: text[:500] or "untitled"}


def lesson_activity(lesson_id: str, lesson: Lesson | None, words: Vocabulary) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": LESSON_TYPE}
    if lesson is not None:
        definition["name"] = _name(lesson.title, words)
    return {"objectType": "Activity", "id": lesson_iri(lesson_id, words),
            "definition": definition}


def track_activity(track: str, words: Vocabulary) -> dict[str, Any]:
    return {"objectType": "Activity", "id": track_iri(track, words),
            "definition": {"type": TRACK_TYPE, "name": _name(track_title(track), words)}}


def _choice_id(index: int) -> str:
    """A choice's id in the interaction: its letter as learners see it ('a', 'b', ...)."""
    return chr(ord("a") + index) if index < 26 else f"choice-{index + 1}"


def question_activity(event_lesson: str, key: str, question: Question | None,
                      words: Vocabulary) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": QUESTION_TYPE, "interactionType": "choice"}
    if question is not None:
        definition["name"] = _name(plain_text(question.text), words)
        definition["choices"] = [
            {"id": _choice_id(index), "description": _name(plain_text(choice.text), words)}
            for index, choice in enumerate(question.choices)]
        definition["correctResponsesPattern"] = ["[,]".join(
            _choice_id(index) for index, choice in enumerate(question.choices)
            if choice.correct)]
    return {"objectType": "Activity", "id": question_iri(event_lesson, key, words),
            "definition": definition}


def _track_parents(lesson: Lesson | None, words: Vocabulary) -> list[dict[str, Any]]:
    """The lesson's track as a parent activity, when it has one."""
    return [track_activity(lesson.track, words)] if lesson is not None and lesson.track else []


def _context(parents: list[dict[str, Any]], platform: str) -> dict[str, Any]:
    context: dict[str, Any] = {"platform": f"microlearn ({platform})"}
    if parents:
        context["contextActivities"] = {"parent": parents}
    return context


def answered(event: AnswerEvent, lesson: Lesson | None, words: Vocabulary) -> dict[str, Any]:
    """The statement of an answer: the question as a ``cmi.interaction`` (its choices and the
    right pattern, as the library has them), the result (success, the response, and the time
    from the question to the answer when known), the lesson and its track as parents."""
    question = next((q for q in lesson.questions if q.key == event.question_key), None) \
        if lesson is not None else None
    result: dict[str, Any] = {"success": event.correct, "completion": True}
    if event.choices:
        result["response"] = "[,]".join(_choice_id(index) for index in event.choices)
    if event.asked_at is not None:
        result["duration"] = _duration((event.answered_at - event.asked_at).total_seconds())
    parents = [lesson_activity(event.lesson_id, lesson, words), *_track_parents(lesson, words)]
    return {
        "id": statement_id(f"answer:{event.platform}:{event.platform_user_id}:{event.key}:"
                           f"{_stamp(event.answered_at)}"),
        "actor": actor(event.platform, event.platform_user_id, words),
        "verb": {"id": ANSWERED, "display": {"en-US": "answered"}},
        "object": question_activity(event.lesson_id, event.question_key, question, words),
        "result": result,
        "context": _context(parents, event.platform),
        "timestamp": _stamp(event.answered_at),
    }


def experienced(event: ReadEvent, lesson: Lesson | None, words: Vocabulary) -> dict[str, Any]:
    """The statement of a lesson read (its track as parent)."""
    return _about_lesson("read", EXPERIENCED, "experienced", event.platform,
                         event.platform_user_id, event.lesson_id, event.read_at,
                         {"completion": True}, lesson, words)


def rated(event: RatingEvent, lesson: Lesson | None, words: Vocabulary) -> dict[str, Any]:
    """The statement of a lesson rating: useful scores 1, not useful 0 (of 0 to 1). The
    learner's words are a statement of their own (:func:`commented`): they often come a
    minute later, when this one may be in the LRS already, which never changes a statement."""
    score = {"raw": int(event.useful), "min": 0, "max": 1, "scaled": float(event.useful)}
    return _about_lesson("rated", RATED, "rated", event.platform, event.platform_user_id,
                         event.lesson_id, event.rated_at, {"score": score}, lesson, words)


def commented(event: CommentEvent, lesson: Lesson | None,
              words: Vocabulary) -> dict[str, Any]:
    """The statement of the words a learner gave with their rating of a lesson (what was
    missing, what helped): the response."""
    return _about_lesson("commented", COMMENTED, "commented", event.platform,
                         event.platform_user_id, event.lesson_id, event.commented_at,
                         {"response": event.comment.strip()[:2000]}, lesson, words)


def _about_lesson(kind: str, verb: str, display: str, platform: str, user_id: str,
                  lesson_id: str, at: datetime, result: dict[str, Any], lesson: Lesson | None,
                  words: Vocabulary) -> dict[str, Any]:
    """A statement whose object is a lesson (its track as parent); its id is made from
    ``kind``, the account, the lesson and the time."""
    return {
        "id": statement_id(f"{kind}:{platform}:{user_id}:{lesson_id}:{_stamp(at)}"),
        "actor": actor(platform, user_id, words),
        "verb": {"id": verb, "display": {"en-US": display}},
        "object": lesson_activity(lesson_id, lesson, words),
        "result": result,
        "context": _context(_track_parents(lesson, words), platform),
        "timestamp": _stamp(at),
    }


def completed(event: ReadEvent, track: str, words: Vocabulary) -> dict[str, Any]:
    """The statement of the read that completed a track."""
    return {
        "id": statement_id(f"track:{event.platform}:{event.platform_user_id}:{track}:"
                           f"{_stamp(event.read_at)}"),
        "actor": actor(event.platform, event.platform_user_id, words),
        "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
        "object": track_activity(track, words),
        "result": {"completion": True},
        "context": _context([], event.platform),
        "timestamp": _stamp(event.read_at),
    }


def check_activity(track: str, phase: str, words: Vocabulary) -> dict[str, Any]:
    """A track's baseline or endline check as an assessment activity."""
    name = CHECK_NAMES.get(phase, phase)
    return {"objectType": "Activity", "id": f"{track_iri(track, words)}/checks/{name}",
            "definition": {"type": ASSESSMENT_TYPE,
                           "name": _name(f"{track_title(track)}: {name}", words)}}


def _share(right: int, answered: int) -> float:
    """A check's score as the dashboard has it: right of answered."""
    return right / answered if answered else 0.0


def scored(event: CheckEvent, words: Vocabulary) -> dict[str, Any]:
    """The statement of a knowledge check finished with a score: raw right of its questions,
    scaled right of answered; an endline's result carries the normalised gain over its
    baseline when there is one (none when everything was known before: it is undefined)."""
    scaled = _share(event.right, event.answered)
    # The kept list of questions is cut at 4000 characters: never a maximum below the answers.
    top = max(event.questions, event.answered)
    result: dict[str, Any] = {
        "score": {"raw": event.right, "min": 0, "max": top, "scaled": scaled},
        "completion": True}
    if event.phase == "post" and event.baseline is not None:
        gain = normalised_gain(_share(*event.baseline), scaled)
        if gain is not None:
            result["extensions"] = {NORMALISED_GAIN: gain}
    return {
        "id": statement_id(f"check:{event.platform}:{event.platform_user_id}:{event.track}:"
                           f"{event.phase}:{_stamp(event.finished_at)}"),
        "actor": actor(event.platform, event.platform_user_id, words),
        "verb": {"id": SCORED, "display": {"en-US": "scored"}},
        "object": check_activity(event.track, event.phase, words),
        "result": result,
        "context": _context([track_activity(event.track, words)], event.platform),
        "timestamp": _stamp(event.finished_at),
    }


def as_json(statement: Mapping[str, Any]) -> str:
    """The statement as kept in the outbox and sent (keys sorted: the same text each time)."""
    return json.dumps(statement, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
