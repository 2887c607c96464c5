"""The learner's voice: a one-tap rating of a lesson just read (with a word on what was
missing), and reflections (a trainer's prompt on a lesson, or one at the end of a track), kept
as the learner's notes.

All of it is optional and asked once: a rating is two buttons under the "read" message, never
a question that waits; a reflection prompt takes the learner's next words as the answer,
unless they do anything else first (a command, a button, an answer, "skip"), which lets it go.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.content.model import Lesson, track_title
from bot.content.question import cut_at_word
from bot.engine.turn import Turn
from bot.messages import (
    Noted,
    NoteEntry,
    Notes,
    Notice,
    NoticeCode,
    NotIt,
    Rated,
    RateLesson,
    ReflectionPrompt,
)
from storage.records import Awaited, LearnerChange, LessonSource

RATE_TAG = "rate"
"""The value of a rating button: ``rate:<lesson token>:up`` or ``...:down``."""
COMMENT = "comment"
REFLECTION = "reflection"
AWAIT = timedelta(hours=3)
"""How long an invited reply stays open (a scheduled delivery also closes it): words typed
later are a new conversation."""
QUESTION_WORDS = frozenset({"how", "what", "why", "when", "where", "who", "which", "whats",
                            "what's", "hows", "how's", "whom", "whose"})
"""First words of a question: such words are looked up, and the invitation stays open."""
YES_NO_WORDS = frozenset({"can", "could", "should", "is", "are", "am", "was", "were", "may",
                          "cant", "can't", "isnt", "isn't"})
"""Words that open a yes/no question before a noun as well as a pronoun ("is the minibar
allowed", "can the team ...")."""
YES_NO_PRONOUN = frozenset({"do", "does", "did", "have", "has", "will", "would", "must",
                            "might", "shall", "dont", "don't"})
"""Words that open a question only before a pronoun ("do I need a visa"): before a noun they
open an instruction ("Do the expense report the same day" is a reflection)."""
PRONOUNS = frozenset({"i", "we", "you", "it", "they", "he", "she", "there", "someone",
                      "anyone", "one"})
SUBJECTS = PRONOUNS | {"my", "our", "your", "the", "a", "an", "this", "that", "these", "those",
                       "me", "us"}
"""A question asked without a question mark ("can I claim a taxi", "do I need a visa"): a
yes/no word and then who or what it asks about. "Will check receipts first" stays a reply."""
SKIN_TONES = "".join(chr(code) for code in range(0x1F3FB, 0x1F400)) + "\ufe0f"
NOTES_SHOWN = 10
NOT_IT_WINDOW = timedelta(minutes=30)
""""Not what I asked" is about the lesson looked up in the last half hour; later such words
are about something else (a quiz's feedback, a colleague) and are looked up as usual."""
SHOWN_QUERY = 200
"""Characters of the learner's words repeated in a reply about them ("no lesson on ...");
lookup itself reads the whole message (its question first, however long the paste before it)."""
UP = frozenset({"up", "useful", "yes", "good", "helpful", "+", "+1", "\U0001f44d",
                ":thumbsup:", ":+1:"})
DOWN = frozenset({"down", "bad", "useless", "unhelpful", "-", "-1", "\U0001f44e",
                  ":thumbsdown:", ":-1:"})
"""The first words of `rate` (also "not useful", and "no" alone; keep
:data:`bot.engine.commands.RATINGS` their union)."""


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
    hold(turn)  # the reflection prompt shown with the buttons stays open
    token, _, verdict = rest.partition(":")
    lesson = find.get(token)
    if lesson is None or verdict not in ("up", "down"):
        turn.say(Notice(NoticeCode.LESSON_GONE))
        return True
    rate(turn, lesson, verdict == "up")
    return True


def rate(turn: Turn, lesson: Lesson, useful: bool, comment: str = "",
         can_pass_on: bool = False) -> None:
    """Keep the learner's verdict (a second one replaces the first); "not useful" without
    words invites a word on what was missing. ``can_pass_on``: see :attr:`Rated.can_pass_on`."""
    voices, learner_id = turn.unit.voices, turn.learner.id
    voices.rate(learner_id, lesson.id, useful, turn.now)
    if comment:
        voices.comment(learner_id, lesson.id, comment, turn.now)
        turn.say(Rated(lesson.title, useful, comment=comment, can_pass_on=can_pass_on))
    elif useful or voices.awaited(learner_id) is not None:  # one invitation at a time
        turn.say(Rated(lesson.title, useful, can_pass_on=can_pass_on))
    else:
        voices.await_reply(learner_id, COMMENT, lesson.id, "", turn.now)
        turn.say(Rated(lesson.title, False, ask_comment=True, can_pass_on=can_pass_on))


def verdict(args: str) -> tuple[bool | None, str]:
    """(useful, the words after the verdict) of `rate`'s words; None when they say neither
    ("rate not bad at all" is not "not useful")."""
    words = args.split()
    first = words[0].lower().strip(".!,:;").translate({ord(c): None for c in SKIN_TONES}) \
        if words else ""
    if words and words[0].lower().startswith((":thumbsup:", ":+1:", ":thumbsdown:", ":-1:")):
        first = words[0].lower().split("::")[0]  # Slack's shortcodes, a skin tone after
        first = first if first.endswith(":") else first + ":"
    rest = " ".join(words[1:])
    if first in UP:
        return True, rest
    if first in DOWN:
        return False, rest
    if first == "no" and len(words) == 1:
        return False, ""
    if first == "not" and len(words) > 1 and words[1].lower().strip(".!,:;") in (
            "useful", "helpful"):
        return False, " ".join(words[2:]).strip(" :,-")
    return None, ""


def rate_command(turn: Turn, args: str) -> None:
    """`rate up|down [words]`: rate the lesson read last, or the one looked up since (the
    console's buttons). A looked-up lesson rated down is only rated: it may have answered
    the question and been disliked all the same; "not what I asked" passes the question on."""
    hold(turn)  # typed like a button: a reflection asked with it stays open
    useful, comment = verdict(args)
    lesson, _ = last_read(turn)
    looked_up = looked_up_since_read(turn)
    if looked_up is not None and useful is not None:
        lesson = looked_up
    if lesson is None:
        turn.say(Notice(NoticeCode.NOTHING_TO_RATE))
    elif useful is None:
        turn.say(Notice(NoticeCode.RATE_HOW))
    else:
        rate(turn, lesson, useful, comment.strip()[:2000],
             can_pass_on=not useful and lesson is looked_up and passable(turn))


def looked_up_since_read(turn: Turn) -> Lesson | None:
    """The lesson a question found since the learner last read one (or with none read):
    the one `rate` rates; None when a lesson read since is."""
    learner = turn.learner
    looked_up = turn.catalog.get(learner.last_lookup) if learner.last_lookup else None
    _, read_at = last_read(turn)
    if looked_up is None or (read_at is not None and (learner.last_query_at is None
                                                      or learner.last_query_at <= read_at)):
        return None
    return looked_up


def not_it_reply(turn: Turn, awaited: Awaited) -> bool:
    """"Not what I asked" as the word invited after rating a looked-up lesson down: its
    question is passed on (:func:`not_it`) rather than kept as a comment. False when the
    invitation is about another lesson, or the question is passed on already."""
    lesson = looked_up_since_read(turn)
    return awaited.kind == COMMENT and lesson is not None and \
        awaited.lesson_id == lesson.id and not_it(turn)


def passable(turn: Turn) -> bool:
    """Whether the question of the lesson looked up last can still go to the trainers (see
    :func:`not_it`)."""
    return turn.learner.last_query is not None and asked_lately(turn)


def not_it(turn: Turn) -> bool:
    """The learner says the lesson lookup gave did not answer them ("not what I asked"): the
    question joins the trainers' list of questions without a lesson, and the lesson is rated
    not useful with those words. False when no looked-up lesson waits for a verdict."""
    learner = turn.learner
    query, lesson_id = learner.last_query, learner.last_lookup
    lesson = turn.catalog.get(lesson_id) if lesson_id else None
    if query is None or lesson is None or not passable(turn):
        return False  # "that's wrong" days later is about something else
    turn.unit.lookups.miss(turn.learner.id, query, turn.now)
    voices = turn.unit.voices
    voices.rate(turn.learner.id, lesson.id, False, turn.now)
    voices.comment(turn.learner.id, lesson.id, f"Not what I asked: {query}", turn.now)
    asked_at = learner.last_query_at
    turn.update_learner(LearnerChange(last_query=None))  # said once
    taken_back = asked_at is not None and take_back_quiz(turn, lesson.id, asked_at)
    turn.say(NotIt(shorten(query), lesson.title, taken_back=taken_back))
    return True


def take_back_quiz(turn: Turn, lesson_id: str, since: datetime) -> bool:
    """A quiz on a topic whose lesson was not what the learner meant: its open question goes,
    and its lesson's questions leave the reviews again when that quiz (begun ``since``) put
    them there (those already answered stay: an answer was given). True when they left."""
    open_ask = turn.unit.asks.latest_open(turn.learner.id)
    if open_ask is not None and open_ask.topic and open_ask.lesson_id == lesson_id:
        turn.unit.asks.close(open_ask.id, turn.now)
    if not turn.unit.asks.added_by_quiz(turn.learner.id, lesson_id, since):
        return False  # in the reviews before, or added by the learner: theirs to keep
    turn.unit.cards.delete_unreviewed(turn.learner.id, lesson_id)
    if not turn.unit.cards.lesson_cards(turn.learner.id, lesson_id):
        turn.unit.progress.set_via(turn.learner.id, lesson_id, LessonSource.LOOKUP)
    return True


def asked_lately(turn: Turn) -> bool:
    """Whether the learner's last question (answered or not) is of the last half hour: one
    lookup found no lesson for, or whose answer they have judged, is on the trainers' list."""
    at = turn.learner.last_query_at
    return at is not None and timedelta(0) <= turn.now - at <= NOT_IT_WINDOW


def shorten(text: str) -> str:
    """``text`` cut at a word to :data:`SHOWN_QUERY` characters, with an ellipsis."""
    return text if len(text) <= SHOWN_QUERY else f"{cut_at_word(text, SHOWN_QUERY)}…"


def last_read(turn: Turn) -> tuple[Lesson | None, datetime | None]:
    """The lesson the learner read last, and when (a newer one only delivered does not
    count)."""
    read = [receipt for receipt in turn.history()
            if receipt.via is LessonSource.LESSON and receipt.read_at is not None
            and turn.catalog.get(receipt.lesson_id) is not None]
    latest = max(read, key=lambda receipt: (receipt.read_at or receipt.at, receipt.lesson_id),
                 default=None)
    if latest is None:
        return None, None
    return turn.catalog.get(latest.lesson_id), latest.read_at


def take(turn: Turn) -> Awaited | None:
    """The reply the bot invited, if it is still open; it is let go either way, so that
    doing anything else skips it (what the turn says next may invite another, and a turn may
    :func:`hold` it). Kept on the turn."""
    voices = turn.unit.voices
    awaited = voices.awaited(turn.learner.id)
    if awaited is not None:
        voices.clear(turn.learner.id)
        if turn.now - awaited.asked_at > AWAIT:
            awaited = None
    turn.awaited = awaited
    return awaited


def hold(turn: Turn, kinds: tuple[str, ...] = (REFLECTION,)) -> None:
    """Keep the invitation this turn took open after all (a rating typed or tapped beside a
    reflection prompt, the same lesson's "done" again): only one of ``kinds``."""
    awaited = turn.awaited
    if awaited is not None and awaited.kind in kinds and \
            turn.unit.voices.awaited(turn.learner.id) is None:
        keep(turn, awaited)


def close(turn: Turn) -> None:
    """A scheduled delivery went out: what the learner writes next is about it, not about
    an earlier invitation."""
    turn.unit.voices.clear(turn.learner.id)


def looks_like_question(text: str) -> bool:
    """Words that ask something ("how do I report it?"): looked up, not kept as a reply."""
    words = text.lower().replace("\u2019", "'").split()
    return text.rstrip().endswith("?") or bool(words and words[0] in QUESTION_WORDS) or \
        (len(words) > 2 and ((words[0] in YES_NO_WORDS and words[1] in SUBJECTS)
                             or (words[0] in YES_NO_PRONOUN and words[1] in PRONOUNS)))


def keep(turn: Turn, awaited: Awaited) -> None:
    """Go on waiting for a reply :func:`take` let go, from when it was first invited."""
    turn.unit.voices.await_reply(turn.learner.id, awaited.kind, awaited.lesson_id,
                                 awaited.prompt, awaited.asked_at)


def reply(turn: Turn, awaited: Awaited, text: str, command: str = "") -> None:
    """The learner's words are the reply the bot invited: kept, and said so; ``command``: the
    command word they began with, which was not run (the reply says how to run it)."""
    lesson = turn.catalog.get(awaited.lesson_id)
    title = lesson.title if lesson is not None else awaited.lesson_id
    words = text.strip()[:4000]
    if awaited.kind == COMMENT:
        turn.unit.voices.comment(turn.learner.id, awaited.lesson_id, words, turn.now)
    else:
        turn.unit.voices.reflect(turn.learner.id, awaited.lesson_id, awaited.prompt, words,
                                 turn.now)
    turn.say(Noted(awaited.kind, title, command=command))


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
