"""Lessons: which one comes next, giving it, looking one up, and taking back one that never
arrived."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.content.catalog import Catalog
from bot.content.model import Lesson
from bot.content.search import LookupResult
from bot.engine import calendar, checks, progress, rules, voice
from bot.engine.commands import answer_in_words
from bot.engine.store import UnitOfWork
from bot.engine.turn import Turn
from bot.messages import (
    AllRead,
    LessonMessage,
    LessonRead,
    LookedUpDone,
    LookupAnswer,
    NoMatch,
    Notice,
    NoticeCode,
    PickRange,
    ReviewsAdded,
)
from storage.records import (
    Card,
    Delivery,
    DeliveryKind,
    LearnerChange,
    LessonSource,
    Receipt,
)

READ_TAG = "read"
"""The value of a "Got it" button: ``read:<token>`` (see :func:`token`)."""
SURE = 0.8
"""Below this confidence an answer is hedged ("I'm not sure this is what you asked") and says
how to pass the question on to trainers; the lesson is still shown whole (docs/lookup.md has
how often such answers are right)."""
NOT_IT_TAG = "notit"
"""The value of a "Not what I asked" button under a looked-up lesson: ``notit:<token>``."""
ADD_TAG = "add"
"""The value of an "Add to my reviews" button: ``add:<token>``."""
PICK_TAG = "pick"
"""The value of a "did you mean" button, one per lesson offered: ``pick:<token>``."""
YES = frozenset({"yes", "yes please", "y", "yep", "yeah", "sure", "ok yes", "that one"})
"""A typed reply that picks the one lesson offered ("Did you mean ...?" "yes")."""
REVIEWED = (LessonSource.LESSON, LessonSource.ADDED)
"""How a lesson came when its questions are in the learner's reviews."""


def token(lesson_id: str) -> str:
    """A lesson's short name in a button's value (Telegram allows 64 bytes; a lesson id may
    be longer): unique among one learner's lessons, which is where it is looked for."""
    return hashlib.sha256(lesson_id.encode()).hexdigest()[:12]


def got_it(lesson: Lesson) -> str:
    """The value of ``lesson``'s "Got it" button."""
    return f"{READ_TAG}:{token(lesson.id)}"


def in_topics(turn: Turn) -> list[Lesson]:
    """The library's lessons in the learner's topics (every lesson without topics)."""
    topics = turn.learner.topics
    return [lesson for lesson in turn.catalog.lessons() if not topics or lesson.topic in topics]


def next_lesson(turn: Turn) -> Lesson | None:
    """The learner's next lesson: the next of the track followed most recently, then the first
    of another track or a lone lesson in their topics; never one already delivered while some
    are left. Once every lesson was delivered, those not yet read come again (the one
    delivered longest ago first); None only when every lesson is read."""
    # A lesson only looked up still comes in its track's turn (looking up is not reading).
    delivered = {receipt.lesson_id: receipt for receipt in turn.history()
                 if receipt.via is LessonSource.LESSON}
    catalog = turn.catalog
    mine = in_topics(turn)
    lessons = [lesson for lesson in mine if lesson.id not in delivered]
    if not lessons:
        unread = [lesson for lesson in mine if delivered[lesson.id].read_at is None]
        # Not the one just sent again while another waits.
        return min(unread, key=lambda lesson: (lesson.id == turn.learner.last_lesson,
                                               delivered[lesson.id].at, lesson.id),
                   default=None)
    # The track followed most recently comes first (a lesson found by a question does not
    # switch tracks).
    started: dict[str, int] = {}
    followed = [receipt.lesson_id for receipt in turn.history()
                if receipt.via is LessonSource.LESSON]
    for position, lesson_id in enumerate(followed):
        lesson = catalog.get(lesson_id)
        if lesson is not None and lesson.track:
            started.setdefault(lesson.track, position)

    # Then the tracks the trainers put first ([lessons] track_order), then by name.
    chosen: dict[str, int] = {}
    for position, track in enumerate(turn.settings.track_order):
        chosen.setdefault(track.casefold(), position)

    def rank(lesson: Lesson) -> tuple[int, int, str, float, str]:
        order = float(lesson.order) if lesson.order is not None else float("inf")
        track = lesson.track or ""
        return (started.get(track, 10**9), chosen.get(track.casefold(), len(chosen)),
                track or "~", order, lesson.id)

    return min(lessons, key=rank, default=None)


def popular_topics(catalog: Catalog, count: int) -> list[str]:
    """The library's most common topics (for examples that fit the library in use)."""
    counts = Counter(lesson.topic for lesson in catalog.lessons() if lesson.topic)
    return [topic for topic, _ in counts.most_common(count)]


def example_question(catalog: Catalog) -> str:
    """Something a newcomer could type, from the library in use: its first track's first
    lesson's title."""
    tracks = catalog.tracks()
    first = next((lessons[0] for _, lessons in sorted(tracks.items()) if lessons), None)
    lesson = first or min(catalog.lessons(), key=lambda item: item.id, default=None)
    if lesson is None:
        return "how do I spot a phishing email?"
    title = lesson.title.rstrip(".!")
    word = title.split(" ", 1)[0]
    # "Spot a phishing email" reads as typed with a small letter; "VPN at home", "iPhone
    # setup" and "I ..." keep theirs ("vPN" had come out).
    if len(word) > 1 and word[1:] == word[1:].lower():
        return f"{title[:1].lower()}{title[1:]}"
    return title


def send_lesson(turn: Turn, scheduled: bool, chosen: str | None = None,
                name_unmarked: bool = True) -> None:
    """Give the learner a lesson: ``chosen`` (kept on a delivery being composed again) if it
    is still in the library, else the next one. Asked for with none left, say so. The day's
    push sends nothing when the learner already asked for a lesson today: one a day is the
    rhythm, and a second had come minutes after one asked for at 08:55 (or after `resume`).
    One asked for on holiday is extra: `resume` gives the day's own (see
    :func:`bot.engine.settings.extra_from_holiday`). Asked for, it names the lesson before
    it when that one is not marked read, unless ``name_unmarked`` is False."""
    if scheduled and chosen is None and got_one_today(turn):
        return
    lesson = (turn.catalog.get(chosen) if chosen else None) or next_lesson(turn)
    if lesson is None:
        # Asked for, say so every time; pushed, once (the reviews keep coming).
        if not scheduled or not turn.learner.all_read_told:
            turn.say(AllRead(turn.learner.topics, none_in_topics=not in_topics(turn)))
        if scheduled and not turn.learner.all_read_told:
            turn.update_learner(LearnerChange(all_read_told=True))
        return
    if checks.gate(turn, lesson, scheduled):  # a track's baseline comes before its first lesson
        return
    if not scheduled and answer_first(turn, lesson):
        # A quiz on a track asks a lesson's questions before the lesson is had: asked for
        # now, it would show the answer to the question on the screen.
        return
    if turn.learner.all_read_told:  # a new lesson: when it is read too, say so again
        turn.update_learner(LearnerChange(all_read_told=False))
    # Delivered, not read: it counts (points, streak day, badges) when the learner acts on it.
    if turn.received(lesson.id, LessonSource.LESSON):
        schedule_first_reviews(turn, lesson)
    before = unmarked(turn, turn.learner.last_lesson) \
        if not scheduled and name_unmarked else None
    if turn.learner.last_lesson != lesson.id:
        turn.update_learner(LearnerChange(last_lesson=lesson.id))  # what `done` counts
    turn.say(LessonMessage(lesson, done=got_it(lesson)))
    if before is not None and before.id != lesson.id:
        # Asked for lesson after lesson: `done` counts the last only, so the one before is
        # named (delivered is not read: it counts once the learner says so).
        turn.say(Notice(NoticeCode.LESSON_UNMARKED, title=before.title))
    waiting = turn.unit.asks.latest_open(turn.learner.id) if not scheduled else None
    if waiting is not None:
        # A number typed next answers the question far above the lesson: said, and how to
        # see it again (a quiz on a topic, left for `quiz`'s reviews, is asked about again).
        turn.say(Notice(NoticeCode.QUESTION_OPEN if waiting.topic
                        else NoticeCode.QUESTION_ABOVE))


def unmarked(turn: Turn, lesson_id: str | None) -> Lesson | None:
    """The lesson ``lesson_id`` when it was sent to the learner (pushed or asked for) and not
    yet marked read, while it is in the library; else None."""
    receipt = turn.receipt(lesson_id) if lesson_id else None
    if receipt is None or receipt.via is not LessonSource.LESSON or receipt.read_at is not None:
        return None
    return turn.catalog.get(receipt.lesson_id)


def unmarked_before(turn: Turn, lesson: Lesson) -> Lesson | None:
    """The lesson sent to the learner just before ``lesson``, when it is not marked read:
    the one whose "done" a `lesson` asked for next left out."""
    sent = [receipt for receipt in turn.history() if receipt.via is LessonSource.LESSON]
    at = next((index for index, receipt in enumerate(sent) if receipt.lesson_id == lesson.id),
              None)
    return unmarked(turn, sent[at + 1].lesson_id) if at is not None and at + 1 < len(sent) \
        else None


def mark_read(turn: Turn, lesson: Lesson, by_answer: bool = False) -> LessonRead | None:
    """The learner acted on a lesson delivered to them (a lookup is never read): the first
    time, its points, up to :data:`rules.LESSONS_WITH_POINTS` a day (so asking for lesson after
    lesson and saying "done" to each earns no more). The message that says so, or None when it
    already counted or is not a lesson of theirs."""
    if not turn.mark_read(lesson.id):
        return None
    earned = 0
    if read_today(turn) <= rules.LESSONS_WITH_POINTS:
        earned = rules.POINTS_LESSON * progress.award(
            turn, rules.POINTS_LESSON, "lesson", progress.lesson_key(turn.learner.id, lesson.id))
    return LessonRead(lesson.title, earned, turn.unit.points.total(turn.learner.id),
                      by_answer=by_answer, capped=not earned)


def got_one_today(turn: Turn) -> bool:
    """Whether a lesson reached the learner today (pushed or asked for; not looked up)."""
    start = turn.day_start()
    return any(receipt.via is LessonSource.LESSON and receipt.at >= start
               for receipt in turn.history())


def read_today(turn: Turn) -> int:
    """Lessons the learner has read on their local day so far."""
    start = turn.day_start()
    return sum(1 for receipt in turn.history()
               if receipt.read_at is not None and receipt.read_at >= start)


def read(turn: Turn, lesson: Lesson) -> None:
    """"Got it" or `done`: the lesson counts as read, with what that earned; then the
    rating buttons, and a reflection prompt when the lesson has one (or ends a track)."""
    said = mark_read(turn, lesson)
    if said is None:
        # A second "done" (or a double press): what the first one asked stays asked.
        voice.hold(turn, (voice.REFLECTION, voice.COMMENT))
        turn.say(LessonRead(lesson.title, 0, turn.unit.points.total(turn.learner.id),
                            already=True))
        return
    turn.say(said)
    progress.activity(turn)
    progress.check_badges(turn, lesson)
    voice.offer(turn, lesson, token(lesson.id))


COUNT_KEY, COUNT_AT = "count", "count_at"
"""In what was offered to the learner last: the lesson a `done` typed next counts, and when
it was offered (after "... was an answer to your question: nothing was counted")."""


def done(turn: Turn, _: str) -> None:
    """`done`: the lesson the learner saw last counts as read (only that one: an older lesson
    is counted by its own "Got it", by answering one of its questions, or by a `done` typed
    after it was named as not marked: see :func:`count_named`). When they saw a
    looked-up lesson after it, that is what they mean, and a lookup is never read: nothing
    is counted, and their lesson waiting to be counted is named (a `done` next counts it)."""
    last = turn.learner.last_lesson
    receipt = turn.receipt(last) if last else None
    lesson = turn.catalog.get(last) if last else None
    looked = looked_up_since(turn, receipt)
    if looked is not None:
        seen, found = looked
        if found.via is LessonSource.LESSON:  # one of their lessons, found again by a question
            read(turn, seen)
            return
        waiting = lesson if receipt is not None and receipt.via is LessonSource.LESSON \
            and receipt.read_at is None and lesson is not None else None
        looked_up_done(turn, seen, found, waiting)
        return
    if receipt is None or receipt.via is not LessonSource.LESSON or lesson is None:
        # In a track's check before its first lesson, that lesson comes after the check.
        turn.say(Notice(NoticeCode.IN_CHECK if checks.open_check(turn, checks.PRE)
                        else NoticeCode.NOTHING_TO_MARK))
        return
    if receipt.read_at is not None:
        named = count_named(turn, receipt)
        if named is not None:  # "... is not marked as read either": `done` again counts it
            lesson = named
    read(turn, lesson)
    before = unmarked_before(turn, lesson)
    if before is not None:
        # Lessons asked for one after another: each is named in turn, and counted only by
        # a `done` typed for it (delivered is not read).
        kept = {key: value for key, value in turn.offered().items()
                if key not in (COUNT_KEY, COUNT_AT)}
        turn.update_learner(LearnerChange(suggested=json.dumps(
            {**kept, COUNT_KEY: before.id, COUNT_AT: turn.now.isoformat()})))
        turn.say(Notice(NoticeCode.STILL_UNMARKED, title=before.title))


def count_named(turn: Turn, last: Receipt) -> Lesson | None:
    """The lesson a `done` counts when the one the learner got last is read already: the
    lesson named after it as not marked either (:data:`COUNT_KEY`), within half an hour and
    with no lesson sent since; None otherwise."""
    kept = turn.offered()
    named = kept.get(COUNT_KEY)
    if not isinstance(named, str) or named == last.lesson_id:
        return None
    try:
        at = datetime.fromisoformat(str(kept.get(COUNT_AT)))
    except ValueError:
        return None
    if not timedelta(0) <= turn.now - at <= voice.NOT_IT_WINDOW or last.at > at:
        return None
    return unmarked(turn, named)


def looked_up_since(turn: Turn, receipt: Receipt | None) -> tuple[Lesson, Receipt] | None:
    """The lesson the learner looked up last and its receipt, when they saw it after the
    lesson they got last (``receipt``; None: they got none) and after a `done` was offered
    to count that one; None otherwise (or when it is that same lesson, or gone)."""
    looked_id = turn.learner.last_lookup
    if looked_id is None or looked_id == turn.learner.last_lesson:
        return None
    found = turn.receipt(looked_id)
    lesson = turn.catalog.get(looked_id)
    if found is None or lesson is None or found.looked_up_at is None:
        return None
    if receipt is not None and receipt.at >= found.looked_up_at:
        return None  # their lesson came after it
    kept = turn.offered()
    if kept.get(COUNT_KEY):  # their lesson named since (or one before it: see count_named)
        try:
            at = datetime.fromisoformat(str(kept.get(COUNT_AT)))
        except ValueError:
            at = None
        if at is not None and found.looked_up_at <= at and \
                timedelta(0) <= turn.now - at <= voice.NOT_IT_WINDOW:
            return None  # told of the lookup, `done` again: their lesson
    return lesson, found


def looked_up_done(turn: Turn, lesson: Lesson, found: Receipt, waiting: Lesson | None) -> None:
    """`done` of a looked-up lesson: nothing counts (a lookup earns no points); its questions
    can join the reviews, and the learner's lesson ``waiting`` to be counted is named, which
    a `done` typed next (within half an hour) counts."""
    voice.hold(turn, (voice.REFLECTION, voice.COMMENT))  # nothing happened to what was asked
    in_reviews = found.via in REVIEWED
    if waiting is not None:
        kept = {key: value for key, value in turn.offered().items()
                if key not in (COUNT_KEY, COUNT_AT)}
        turn.update_learner(LearnerChange(suggested=json.dumps(
            {**kept, COUNT_KEY: waiting.id, COUNT_AT: turn.now.isoformat()})))
    turn.say(LookedUpDone(lesson.title, 0 if in_reviews else len(lesson.questions),
                          in_reviews=in_reviews and bool(lesson.questions),
                          waiting=waiting.title if waiting is not None else ""))


def press(turn: Turn, value: str, quiz_on: QuizOn) -> bool:
    """A "Got it", "Add to my reviews", "did you mean" or rating button; False when the value
    is none of them."""
    tag, _, name = value.partition(":")
    if tag == voice.RATE_TAG:
        mine = {token(receipt.lesson_id): lesson for receipt in turn.history()
                if receipt.read_at is not None
                and (lesson := turn.catalog.get(receipt.lesson_id)) is not None}
        return voice.press(turn, value, mine)
    if tag == NOT_IT_TAG:
        not_it_pressed(turn, name)
        return True
    if tag == PICK_TAG:
        pick_pressed(turn, name, quiz_on)
        return True
    if tag not in (READ_TAG, ADD_TAG):
        return False
    wanted = LessonSource.LESSON if tag == READ_TAG else LessonSource.LOOKUP
    receipt, lesson = received(turn, name)
    if receipt is None and turn.shared:  # another learner's lesson, in a group
        turn.say(Notice(NoticeCode.NOT_YOURS))
    elif receipt is None or lesson is None:  # not one of theirs, or a trainer removed it since
        turn.say(Notice(NoticeCode.LESSON_GONE))
    elif tag == READ_TAG and receipt.via is wanted:
        read(turn, lesson)
    elif tag == READ_TAG:
        turn.say(Notice(NoticeCode.LESSON_GONE))
    else:
        add(turn, lesson)
    return True


def received(turn: Turn, name: str) -> tuple[Receipt | None, Lesson | None]:
    """The learner's receipt of the lesson a button's token names, and that lesson while it
    is in the library."""
    receipt = next((item for item in turn.history() if token(item.lesson_id) == name), None)
    return receipt, turn.catalog.get(receipt.lesson_id) if receipt else None


def not_it_pressed(turn: Turn, name: str) -> None:
    """"Not what I asked" under a looked-up lesson: the question goes to trainers (see
    :func:`bot.engine.voice.not_it`). Under an older answer, whose question is no longer kept,
    the lesson is rated not useful, which asks the learner what they were looking for."""
    last = turn.learner.last_lookup
    if last is not None and token(last) == name:
        if voice.not_it(turn):
            return
        if turn.learner.last_query is None and voice.asked_lately(turn):
            turn.say(Notice(NoticeCode.ALREADY_PASSED))  # a second press of the same button
            return
    lesson = received(turn, name)[1]
    if lesson is None:
        turn.say(Notice(NoticeCode.LESSON_GONE))
    else:
        voice.rate(turn, lesson, False)


def add_latest(turn: Turn, _: str) -> None:
    """`add`: the questions of the lesson the learner looked up last go into the reviews."""
    last = turn.learner.last_lookup
    lesson = turn.catalog.get(last) if last else None
    if lesson is None:
        turn.say(Notice(NoticeCode.NOTHING_TO_ADD))
    elif not lesson.questions:
        turn.say(Notice(NoticeCode.NO_QUESTIONS))
    else:
        add(turn, lesson)


def add(turn: Turn, lesson: Lesson) -> None:
    """A looked-up lesson's questions join the reviews (from the next workday, like a
    lesson's); no points: looking up earns none."""
    if not lesson.questions:
        turn.say(Notice(NoticeCode.NO_QUESTIONS))
        return
    if not into_reviews(turn, lesson):
        turn.say(ReviewsAdded(lesson.title, len(lesson.questions), already=True))
        return
    first = calendar.at_local(calendar.next_workday(turn.today, turn.learner.workdays), "00:00",
                              turn.tz)
    turn.say(ReviewsAdded(lesson.title, len(lesson.questions),
                          first_due=first.astimezone(turn.tz)))


def into_reviews(turn: Turn, lesson: Lesson) -> bool:
    """A lesson only looked up (or never received) goes into the reviews, its questions from
    the next workday; False when it was there already."""
    if turn.receipt(lesson.id) is None:
        turn.received(lesson.id, LessonSource.LOOKUP)
    if not turn.mark_added(lesson.id):
        return False
    schedule_first_reviews(turn, lesson)
    return True


def schedule_first_reviews(turn: Turn, lesson: Lesson) -> None:
    """A lesson's questions come first on the next workday: not today, while it is fresh. A
    question its track's baseline check asked starts from that answer (its FSRS card is
    seeded: one not known comes back sooner)."""
    first = calendar.next_workday(turn.today, turn.learner.workdays)
    due = calendar.at_local(first, "00:00", turn.tz)
    seeded = checks.seeds(turn, lesson)
    turn.unit.cards.add_new([
        replace(seeded[question.key], due_at=due) if question.key in seeded
        else Card(turn.learner.id, lesson.id, question.key, "", due)
        for question in lesson.questions])


EDITED_WITHIN = timedelta(minutes=5)
"""How recent the answer to a question must be for its edit to count as the same question."""


def lookup(turn: Turn, text: str, edited: bool = False,
           missed: Callable[[], None] | None = None) -> bool:
    """The lesson that best answers the learner's words, or suggestions when none does. It is
    looked up, not read: no points, no streak day, and its questions enter the reviews only
    when the learner asks (``add``). The lesson of a question waiting for an answer is not
    given, whatever the words (`learn ...`, a reply invited): it would show the answer; False
    when it was the answer, and the learner was told to answer first. ``edited``: the words of
    a question just edited (a typo fixed); when they find the lesson just given, it is not
    given again. ``missed``: said instead when no lesson answers the words but the open
    question's own (an answer to it that missed its choices: no lessons to suggest, nor a
    question for trainers); False then too."""
    asked = turn.learner.last_query_at
    # The message edited is minutes old at most (the adapters pass on edits of 2 minutes).
    before = turn.learner.last_lookup if edited and asked is not None and \
        timedelta(0) <= turn.now - asked <= EDITED_WITHIN else None
    # Line breaks are kept: they end sentences, and a pasted mail often asks at its end.
    result = turn.catalog.lookup(text, 3)
    waiting = turn.unit.asks.latest_open(turn.learner.id)
    withhold = waiting.lesson_id if waiting is not None else None
    if missed is not None and (not result.hits or result.hits[0].lesson.id == withhold):
        missed()  # the words are about the open question (its lesson), or about no lesson
        return False
    if withhold is not None:
        if result.hits and result.hits[0].lesson.id == withhold:
            turn.say(Notice(NoticeCode.ANSWER_FIRST))
            return False
        result = withheld_from(result, withhold, turn.catalog.get(withhold))
    query = " ".join(text.split())
    if len(query) > voice.SHOWN_QUERY and result.read_as:
        # A long paste is shown, and kept for trainers, as the question lookup read in it.
        query = " ".join(result.read_as.split())
    if not result.hits:
        no_answer(turn, query, result)
        return True
    if before is not None and result.hits[0].lesson.id == before:
        # The whole lesson a second time, for a typo fixed, had been a wall of repeated text.
        turn.update_learner(LearnerChange(last_query=query[:500] or None))
        turn.say(Notice(NoticeCode.SAME_ANSWER))
        return True
    answer(turn, result.hits[0].lesson, query, tuple(hit.lesson for hit in result.hits[1:]),
           tuple(result.corrections.items()), (result.hits[0].confidence or 0.0) < SURE)
    return True


def withheld_from(result: LookupResult, lesson_id: str, lesson: Lesson | None) -> LookupResult:
    """``result`` without the lesson of the question waiting for an answer, among its hits
    and its "did you mean" suggestions alike (a suggestion's button would give it)."""
    pairs = list(zip(result.suggestions, result.suggested, strict=False)) \
        if len(result.suggestions) == len(result.suggested) else None
    title = lesson.title if lesson is not None else None
    return replace(
        result, hits=tuple(hit for hit in result.hits if hit.lesson.id != lesson_id),
        suggested=tuple(found for found in result.suggested if found != lesson_id),
        suggestions=tuple(name for name, found in pairs if found != lesson_id)
        if pairs is not None else tuple(name for name in result.suggestions if name != title))


def answer_first(turn: Turn, lesson: Lesson) -> bool:
    """Whether ``lesson`` holds the answer to the question waiting for one: then it is not
    given, and the learner is told to answer first."""
    waiting = turn.unit.asks.latest_open(turn.learner.id)
    if waiting is None or waiting.lesson_id != lesson.id:
        return False
    turn.say(Notice(NoticeCode.ANSWER_FIRST))
    return True


def no_answer(turn: Turn, query: str, result: LookupResult, quiz: bool = False) -> None:
    """No lesson answers the learner's ``query``: it joins the trainers' list of questions to
    write lessons for, and the lessons that come close are offered by number (``quiz``: it
    asked for a quiz on a topic, and the one picked starts its quiz)."""
    turn.unit.lookups.miss(turn.learner.id, query, turn.now)  # what to write next
    offered = result.suggested
    offer(turn, query, offered, quiz)
    # While a quiz question is open a number answers it: the titles are to be typed.
    numbered = bool(offered) and turn.unit.asks.latest_open(turn.learner.id) is None
    turn.say(NoMatch(voice.shorten(query), tuple(result.suggestions),
                     tuple(f"{PICK_TAG}:{token(lesson_id)}" for lesson_id in offered),
                     numbered=numbered, quiz=quiz))


def offer(turn: Turn, query: str, ids: Sequence[str], quiz: bool) -> None:
    """Keep the lessons offered for the learner's ``query`` (none: nothing to pick), for a
    number, "yes" or a button to pick one (``quiz``: its quiz starts). "Not what I asked" is
    about an answer, and there is none (nor is an earlier answer the one looked up last: its
    "Not what I asked" button then rates it, as any older answer's does)."""
    turn.update_learner(LearnerChange(
        last_lookup=None, last_query=None, last_query_at=turn.now,
        suggested=json.dumps({"query": query[:500], "lessons": list(ids), "quiz": quiz})
        if ids else None))


def answer(turn: Turn, lesson: Lesson, query: str, others: tuple[Lesson, ...] = (),
           corrections: tuple[tuple[str, str], ...] = (), unsure: bool = False,
           keep_offered: bool = False) -> None:
    """Give ``lesson`` as the answer to the learner's ``query`` (looked up, not read);
    ``keep_offered``: the lessons offered for it stay to be picked (it is one of them)."""
    turn.received(lesson.id, LessonSource.LOOKUP)
    # What `add` adds, and what "not what I asked" passes on to trainers. The time of the
    # question stays that of the question: what was offered for it expires from then.
    change = LearnerChange(last_lookup=lesson.id, last_query=query[:500] or None)
    turn.update_learner(change if keep_offered else replace(
        change, last_query_at=turn.now, suggested=None))
    receipt = turn.receipt(lesson.id)
    reviewed = receipt is not None and receipt.via in REVIEWED
    turn.say(LookupAnswer(voice.shorten(query), lesson, others, corrections,
                          add="" if reviewed or not lesson.questions
                          else f"{ADD_TAG}:{token(lesson.id)}",
                          unsure=unsure, not_it=f"{NOT_IT_TAG}:{token(lesson.id)}"))


QuizOn = Callable[[Lesson], None]
"""Starts the quiz on a lesson (a lesson offered for a quiz on a topic, picked)."""


def offered(turn: Turn) -> tuple[str, list[str], bool] | None:
    """The learner's last unanswered question, the ids of the lessons offered for it, and
    whether it asked for a quiz, while they can still be picked (None after
    :data:`voice.NOT_IT_WINDOW`, or when none were offered)."""
    return _kept(turn) if voice.asked_lately(turn) else None


def _kept(turn: Turn) -> tuple[str, list[str], bool] | None:
    if not turn.learner.suggested:
        return None
    try:
        kept = json.loads(turn.learner.suggested)
        return (str(kept["query"]), [str(lesson_id) for lesson_id in kept["lessons"]],
                kept.get("quiz") is True)
    except (ValueError, KeyError, TypeError, AttributeError):  # written by no release
        return None


def picked_number(said: str) -> int | None:
    """The number a reply picks from a list ("2", "(2)", "#2", "two", "the second one",
    "number 2 please"), or None when it is no such reply."""
    choices = answer_in_words(said)  # bare ("2", "(2)") or in words
    if choices is None or len(choices) != 1:
        return None
    return choices[0] + 1


def pick_typed(turn: Turn, said: str, quiz_on: QuizOn) -> bool:
    """A reply of a number ("2") to "Did you mean ...?", or "yes" to a single lesson
    offered: that lesson, as the answer to the question (another can be picked after it),
    or its quiz when a quiz was asked for. False when it is no such reply or nothing was
    offered."""
    number = 1 if said in YES else picked_number(said)
    if number is None:
        return False
    found = offered(turn)
    if found is None:
        if _kept(turn) is None:
            return False
        turn.say(Notice(NoticeCode.PICK_EXPIRED))  # offered, more than half an hour ago
        return True
    query, ids, quiz = found
    if (said in YES and len(ids) > 1) or not 1 <= number <= len(ids):
        turn.say(PickRange(len(ids)))
        return True
    lesson = turn.catalog.get(ids[number - 1])
    if lesson is None:  # a trainer removed it since
        turn.say(Notice(NoticeCode.LESSON_GONE))
    elif quiz:
        quiz_on(lesson)
    elif not answer_first(turn, lesson):
        answer(turn, lesson, query, keep_offered=True)
    return True


def pick_pressed(turn: Turn, name: str, quiz_on: QuizOn) -> None:
    """A "did you mean" button: that lesson, as the answer to the question it was offered
    for, or its quiz when a quiz was asked for (an older button's lesson is given too,
    without the question, which is no longer kept)."""
    found = offered(turn)
    query, ids, quiz = found if found is not None else ("", [], False)
    chosen = next((lesson_id for lesson_id in ids if token(lesson_id) == name), None)
    if chosen is None:
        query = ""
        chosen = next((lesson.id for lesson in turn.catalog.lessons()
                       if token(lesson.id) == name), None)
    lesson = turn.catalog.get(chosen) if chosen else None
    if lesson is None:
        turn.say(Notice(NoticeCode.LESSON_GONE))
    elif quiz and query:
        quiz_on(lesson)
    elif not answer_first(turn, lesson):
        answer(turn, lesson, query, keep_offered=bool(query))


def withdraw(unit: UnitOfWork, delivery: Delivery) -> None:
    """A lesson delivery that never reached the learner: take back what composing it recorded
    (the lesson delivered and its first reviews), so the lesson comes again instead of being
    skipped for good. Nothing was earned by delivering it."""
    if delivery.kind is not DeliveryKind.LESSON or not delivery.lesson_id:
        return
    take_back(unit, delivery.learner_id, delivery.lesson_id)


def take_back(unit: UnitOfWork, learner_id: int, lesson_id: str) -> None:
    """A lesson that was recorded as the learner's and never reached them (a push given up, a
    reply the platform refused): as :func:`withdraw`. When it was their last lesson, the one
    they got before it (the latest lesson sent to them, read or not) is the last again."""
    got = unit.progress.get(learner_id, lesson_id)
    if got is None or got.via is not LessonSource.LESSON or got.read_at is not None:
        return  # already read: the learner has it
    if got.added_at is not None:  # looked up and added before: back to that, cards kept
        unit.progress.set_via(learner_id, lesson_id, LessonSource.ADDED)
    else:
        unit.cards.delete_unreviewed(learner_id, lesson_id)
        if got.looked_up_at is not None:  # looked up before: it stays looked up
            unit.progress.set_via(learner_id, lesson_id, LessonSource.LOOKUP)
        else:
            unit.progress.remove(learner_id, lesson_id)
    learner = unit.learners.get(learner_id)
    if learner is not None and learner.last_lesson == lesson_id:
        # Not the learner's last lesson either: `done` and `again` would mean one they never
        # got, and the next `lesson` would not name the one before it left unmarked.
        before = next((receipt.lesson_id for receipt in unit.progress.history(learner_id)
                       if receipt.via is LessonSource.LESSON and receipt.lesson_id != lesson_id),
                      None)
        unit.learners.update(learner_id, LearnerChange(last_lesson=before))
