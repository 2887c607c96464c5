"""The learner's voice: a one-tap rating of a lesson just read (with a word on what was
missing), and reflections (a trainer's prompt on a lesson, or one at the end of a track), kept
as the learner's notes.

All of it is optional and asked once: a rating is two buttons under the "read" message, never
a question that waits; a reflection prompt takes the learner's next words as the answer,
unless they do anything else first (a command, a button, an answer, "skip"), which lets it go.
"""

from __future__ import annotations

from datetime import timedelta

from bot.content.model import Lesson, track_title
from bot.engine.turn import Turn
from bot.messages import (
    Noted,
    NoteEntry,
    Notes,
    Notice,
    NoticeCode,
    Rated,
    RateLesson,
    ReflectionPrompt,
)
from storage.records import Awaited, LessonSource

RATE_TAG = "rate"
"""The value of a rating button: ``rate:<lesson token>:up`` or ``...:down``."""
COMMENT = "comment"
REFLECTION = "reflection"
AWAIT = timedelta(hours=12)
"""How long an invited reply stays open: words typed the next day are a new conversation."""
NOTES_SHOWN = 10
UP = frozenset({"up", "useful", "yes", "good", "helpful", "+", "+1", "\U0001f44d"})
DOWN = frozenset({"down", "not", "no", "bad", "useless", "-", "-1", "\U0001f44e"})
"""The first words of `rate` (keep :data:`bot.engine.commands.RATINGS` their union)."""


def offer(turn: Turn, lesson: Lesson, token: str) -> None:
    """After a lesson is read by "Got it" or `done` (never in the middle of a quiz): the two
    rating buttons, and the lesson's reflection prompt when it has one or ends a track."""
    turn.say(RateLesson(lesson.title, f"{RATE_TAG}:{token}:up", f"{RATE_TAG}:{token}:down"))
    prompt, track = reflection_for(turn, lesson)
    if prompt:
        turn.unit.voices.await_reply(turn.learner.id, REFLECTION, lesson.id, prompt, turn.now)
        turn.say(ReflectionPrompt(prompt, lesson.title, track))


def reflection_for(turn: Turn, lesson: Lesson) -> tuple[str, str]:
    """(prompt, track completed): the trainer's own prompt on the lesson, else the track's
    closing prompt when this read completed its track; ("", "") when there is none."""
    if lesson.reflect:
        return lesson.reflect, ""
    closing = turn.settings.track_reflection
    if not closing or not lesson.track:
        return "", ""
    track = turn.catalog.tracks().get(lesson.track, ())
    read = turn.read()
    if track and all(item.id in read for item in track):
        return closing, track_title(lesson.track)
    return "", ""


def press(turn: Turn, value: str, find: dict[str, Lesson]) -> bool:
    """A rating button (``find``: the learner's lessons by token); False when the value is
    not one."""
    tag, _, rest = value.partition(":")
    if tag != RATE_TAG:
        return False
    token, _, verdict = rest.partition(":")
    lesson = find.get(token)
    if lesson is None or verdict not in ("up", "down"):
        turn.say(Notice(NoticeCode.LESSON_GONE))
        return True
    rate(turn, lesson, verdict == "up")
    return True


def rate(turn: Turn, lesson: Lesson, useful: bool, comment: str = "") -> None:
    """Keep the learner's verdict (a second one replaces the first); "not useful" without
    words invites a word on what was missing."""
    voices, learner_id = turn.unit.voices, turn.learner.id
    voices.rate(learner_id, lesson.id, useful, turn.now)
    if comment:
        voices.comment(learner_id, lesson.id, comment)
        turn.say(Rated(lesson.title, useful, comment=comment))
    elif useful or voices.awaited(learner_id) is not None:  # one invitation at a time
        turn.say(Rated(lesson.title, useful))
    else:
        voices.await_reply(learner_id, COMMENT, lesson.id, "", turn.now)
        turn.say(Rated(lesson.title, False, ask_comment=True))


def rate_command(turn: Turn, args: str) -> None:
    """`rate up|down [words]`: rate the lesson read last (the console's buttons)."""
    words = args.split(maxsplit=1)
    verdict = words[0].lower().strip(".!,:") if words else ""
    comment = words[1].strip() if len(words) > 1 else ""
    if verdict == "not" and comment.lower().startswith("useful"):  # "rate not useful ..."
        comment = comment[len("useful"):].strip(" :,-")
    lesson = last_read(turn)
    if lesson is None:
        turn.say(Notice(NoticeCode.NOTHING_TO_RATE))
    elif verdict not in UP | DOWN:
        turn.say(Notice(NoticeCode.RATE_HOW))
    else:
        rate(turn, lesson, verdict in UP, comment[:2000])


def last_read(turn: Turn) -> Lesson | None:
    """The lesson the learner got last, when they have read it."""
    last = turn.learner.last_lesson
    receipt = turn.receipt(last) if last else None
    if receipt is None or receipt.via is not LessonSource.LESSON or receipt.read_at is None:
        return None
    return turn.catalog.get(receipt.lesson_id)


def take(turn: Turn) -> Awaited | None:
    """The reply the bot invited, if it is still open; it is let go either way, so that
    doing anything else skips it (what the turn says next may invite another)."""
    voices = turn.unit.voices
    awaited = voices.awaited(turn.learner.id)
    if awaited is None:
        return None
    voices.clear(turn.learner.id)
    return awaited if turn.now - awaited.asked_at <= AWAIT else None


def rating(value: str) -> bool:
    """Whether a button's value is a rating."""
    return value.startswith(f"{RATE_TAG}:")


def keep(turn: Turn, awaited: Awaited) -> None:
    """Go on waiting for a reply :func:`take` let go, from when it was first invited."""
    turn.unit.voices.await_reply(turn.learner.id, awaited.kind, awaited.lesson_id,
                                 awaited.prompt, awaited.asked_at)


def reply(turn: Turn, awaited: Awaited, text: str) -> None:
    """The learner's words are the reply the bot invited: kept, and said so."""
    lesson = turn.catalog.get(awaited.lesson_id)
    title = lesson.title if lesson is not None else awaited.lesson_id
    words = text.strip()[:4000]
    if awaited.kind == COMMENT:
        turn.unit.voices.comment(turn.learner.id, awaited.lesson_id, words)
    else:
        turn.unit.voices.reflect(turn.learner.id, awaited.lesson_id, awaited.prompt, words,
                                 turn.now)
    turn.say(Noted(awaited.kind, title))


def notes(turn: Turn, _: str) -> None:
    """`notes`: the learner's reflections, the latest first."""
    kept = turn.unit.voices.reflections(turn.learner.id, NOTES_SHOWN + 1)
    entries = []
    for reflection in kept[:NOTES_SHOWN]:
        lesson = turn.catalog.get(reflection.lesson_id)
        entries.append(NoteEntry(reflection.written_at.astimezone(turn.tz),
                                 lesson.title if lesson else reflection.lesson_id,
                                 reflection.prompt, reflection.answer))
    turn.say(Notes(tuple(entries), len(kept)))
