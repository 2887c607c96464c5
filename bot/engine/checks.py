"""Knowledge checks of a track: what a learner knew before its first lesson (the baseline) and
after its last (the endline), for the normalised gain trainers report.

A track asks for one in its first lesson's front matter (``check``). Before that lesson is
first given, the learner answers a few of the track's questions, chosen here: spread over its
lessons, the same for the same learner every time. Baseline answers earn nothing and count in
no figure, but they keep the day's streak, and each seeds its question's FSRS card when its
lesson comes. One left since an earlier day is set aside by the next lesson push.
Once every lesson of the track is read and ``check_days`` have passed, the next quiz push
asks the same questions again: normal answers, also kept as the endline.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from bot.content.catalog import Catalog, check_size
from bot.content.model import Lesson, track_title
from bot.engine import calendar
from bot.engine.asking import confident, let_go_changed, question_message
from bot.engine.reviewer import remember
from bot.engine.turn import Turn
from bot.messages import (
    AnswerGiven,
    CheckDone,
    CheckIntro,
    ChoiceRange,
    Notice,
    NoticeCode,
    TrackGain,
)
from storage.records import Ask, Card, LessonSource, SkippedBy, TrackCheck

PRE = "pre"
POST = "post"
CHECK_NAMES = {PRE: "baseline", POST: "endline"}
"""A check's phase as trainers name it (docs/lesson-format.md, Knowledge checks): in the
exports, and in the xAPI activity of each check."""
SKIP_CHECK = frozenset({"skip check", "skip the check", "skip checks", "skip all",
                        "no check"})
"""What a learner says to skip a whole check (one question is skipped with "skip")."""


def _number(*parts: str) -> int:
    return int(hashlib.sha256(":".join(parts).encode()).hexdigest()[:12], 16)


def choose(catalog: Catalog, track: str, learner_id: int, count: int) -> list[tuple[str, str]]:
    """The ``count`` questions of a track's check for one learner, in the track's order: one
    from each lesson first (evenly spread over them when there are more lessons than
    questions), then a second from each, and so on; which one of a lesson's questions, and
    which lessons, depend on the learner (the same every time), so learners of one cohort
    answer different questions and a track's check covers all of them."""
    lessons = [lesson for lesson in catalog.tracks().get(track, ()) if lesson.questions]
    learner = str(learner_id)
    rotated = []
    for lesson in lessons:
        start = _number(learner, lesson.id) % len(lesson.questions)
        keys = [question.key for question in lesson.questions]
        rotated.append(keys[start:] + keys[:start])
    picked: list[tuple[int, int]] = []  # (lesson position, round)
    rounds = 0
    while len(picked) < count and any(len(keys) > rounds for keys in rotated):
        able = [index for index, keys in enumerate(rotated) if len(keys) > rounds]
        need = count - len(picked)
        if need < len(able):
            shift = (_number(learner, track, str(rounds)) % 1000) / 1000
            able = sorted({able[int((k + shift) * len(able) / need)] for k in range(need)})
        picked.extend((index, rounds) for index in able)
        rounds += 1
    return [(lessons[index].id, rotated[index][round_]) for index, round_ in sorted(picked)]


def _given(turn: Turn, lesson: Lesson) -> bool:
    """Whether the lesson came as a lesson (pushed, or asked for with `lesson`): what begins a
    track. One found by a question is not, even with its questions added to the reviews: it
    had counted as begun, and the track's first lesson then came with no baseline at all."""
    receipt = turn.receipt(lesson.id)
    return receipt is not None and receipt.via is LessonSource.LESSON


def gate(turn: Turn, lesson: Lesson, scheduled: bool = False) -> bool:
    """Before the first lesson of a track with a check is given: its baseline (begun, or begun
    again where the learner left it) instead of the lesson. True when it is asked; the lesson
    follows its last answer (or `skip check`). A ``scheduled`` lesson on a later day than the
    check was last asked sets it aside: the lesson comes."""
    track = lesson.track
    if not track:
        return False
    check = turn.unit.checks.get(turn.learner.id, track, PRE)
    if check is not None and check.finished_at is not None:
        return False
    if check is not None and scheduled and _left_since_before_today(turn, check):
        # Left since an earlier day: the push brings the lesson, not the check again (a
        # learner who let it wait had gone days without a lesson, and without a streak).
        end_unscored(turn, check, SkippedBy.PUSH)
        turn.say(Notice(NoticeCode.CHECK_SET_ASIDE))
        return False
    if check is None:
        count = check_size(turn.catalog, track)
        if not count or any(_given(turn, item) for item in turn.catalog.tracks()[track]):
            return False  # no check, or the track was begun before it asked for one
    put_aside(turn, track)
    if check is None:
        check = turn.unit.checks.start(turn.learner.id, track, PRE,
                                       choose(turn.catalog, track, turn.learner.id, count),
                                       turn.now)
        turn.say(CheckIntro(track_title(track), len(check.questions), PRE))
    else:
        turn.say(CheckIntro(track_title(track), len(check.questions), PRE,
                            left=len(check.questions) - check.answered))
    return ask_question(turn, check)


def put_aside(turn: Turn, track: str) -> None:
    """One question open at a time: before a baseline asks, a review's (or an endline's)
    question still open is let go and the learner told it waits (its card keeps its date:
    `quiz` asks it after the check); a topic quiz's goes as a new topic quiz lets it go. Both
    open, a typed '2' answered whichever was asked last, and the learner could not tell
    which."""
    open_ask = turn.unit.asks.latest_open(turn.learner.id)
    if open_ask is None or (open_ask.check_phase == PRE and open_ask.check_track == track):
        return
    turn.unit.asks.close(open_ask.id, turn.now)
    if open_ask.check_phase != PRE and not open_ask.topic:  # a baseline comes back itself
        turn.say(Notice(NoticeCode.REVIEW_WAITS))


def _left_since_before_today(turn: Turn, check: TrackCheck) -> bool:
    """Whether the check was last asked on an earlier local day: begun then, and its question
    waiting (if any) asked then too. One answered this morning is under way, not left."""
    last = check.started_at
    waiting = turn.unit.asks.latest_open(turn.learner.id)
    if waiting is not None and waiting.check_track == check.track and \
            waiting.check_phase == check.phase:
        last = max(last, waiting.asked_at)
    return calendar.local_date(last, turn.tz) < turn.today


def ask_question(turn: Turn, check: TrackCheck, follows: AnswerGiven | None = None) -> bool:
    """Ask a check's next question (the open one again, if it waits); False when none is left
    (the check is then finished). A question a trainer removed since counts as not known.
    ``follows``: the baseline answer the question comes after."""
    asks, learner_id = turn.unit.asks, turn.learner.id
    while check.answered < len(check.questions):
        lesson_id, key = check.questions[check.answered]
        found = turn.find_question(lesson_id, key)
        if found is not None:
            open_ask = asks.latest_open(learner_id)
            if open_ask is None or open_ask.check_phase != check.phase or \
                    open_ask.check_track != check.track or \
                    (open_ask.lesson_id, open_ask.question_key) != (lesson_id, key):
                open_ask = asks.create(learner_id, lesson_id, key, turn.now,
                                       pushed=turn.pushed and check.phase == POST,
                                       check_phase=check.phase, check_track=check.track)
            shown = turn.reshow(open_ask)  # in the order first shown, if shown before
            assert shown is not None  # found just above
            open_ask, lesson, question = shown
            # An endline question is a review: it asks how sure, where reviews do.
            turn.say(question_message(open_ask.id, lesson, question, number=check.answered + 1,
                                      of=len(check.questions), check=check.phase,
                                      confidence=check.phase == POST
                                      and confident(turn, lesson), follows=follows))
            return True
        turn.unit.checks.answer(learner_id, check.track, check.phase, False)
        check = _reload(turn, check)
    turn.unit.checks.finish(learner_id, check.track, check.phase, turn.now)
    return False


def _reload(turn: Turn, check: TrackCheck) -> TrackCheck:
    found = turn.unit.checks.get(turn.learner.id, check.track, check.phase)
    assert found is not None
    return found


def answer_baseline(turn: Turn, asked: Ask, choices: tuple[int, ...] | None
                    ) -> tuple[bool, str | None]:
    """A baseline question answered (``choices`` None: "skip", not known): kept, no points,
    no answer in any figure; then the next one. Whether the answer counted (it keeps the
    day's streak, as any answer does), and the track when it ended the baseline (its first
    lesson comes next)."""
    unit, track = turn.unit, asked.check_track or ""
    check = unit.checks.get(turn.learner.id, track, PRE)
    found = turn.find_asked(asked)
    correct, given = False, None
    if found is not None and choices is not None:
        question, order = found[1], found[2]
        if order is None and check is not None and check.finished_at is None:
            if let_go_changed(turn, asked):  # asked again as it is now
                ask_question(turn, check)
            return False, None
        if not choices or not all(0 <= choice < len(question.choices) for choice in choices):
            turn.say(ChoiceRange(len(question.choices), len(question.correct_indexes) > 1))
            return False, None
        if len(set(choices)) > 1 and len(question.correct_indexes) == 1:
            turn.say(Notice(NoticeCode.ONE_CHOICE))
            return False, None
        correct = set(choices) == set(question.correct_indexes)
    if found is not None:
        given = AnswerGiven(asked.id, found[0], found[1], choices or ())
    unit.asks.close(asked.id, turn.now)  # a copy the check no longer waits for goes too
    if check is None or not _count_baseline(turn, asked, check, correct):
        if check is None:
            turn.say(Notice(NoticeCode.QUESTION_CLOSED))
        return False, None
    check = _reload(turn, check)
    if check.finished_at is not None:
        return True, None
    if ask_question(turn, check, given):
        return True, None
    check = _reload(turn, check)
    turn.say(CheckDone(track_title(track), PRE, check.right, len(check.questions),
                       follows=given))
    return True, track


def _count_baseline(turn: Turn, asked: Ask, check: TrackCheck, correct: bool) -> bool:
    """Count an answer to a baseline question while the check waits for that question (the
    ask pressed may be an earlier copy, let go by a push or asked again in a new message:
    answered there, as a press on an earlier copy of a review is). Every open copy of it is
    closed; of two presses on two copies, one counts. Otherwise the learner is told it was
    answered, or let go (a check's answers are not in the answers table). True when it
    counted."""
    unit, learner_id, track = turn.unit, turn.learner.id, asked.check_track or ""
    question = (asked.lesson_id, asked.question_key)
    waiting = check.finished_at is None and check.answered < len(check.questions) and \
        check.questions[check.answered] == question
    if not waiting:
        done = question in check.questions[:check.answered]
        turn.say(Notice(NoticeCode.ALREADY_ANSWERED if done else NoticeCode.QUESTION_CLOSED))
        return False
    if not unit.checks.answer(learner_id, track, PRE, correct, position=check.answered):
        turn.say(Notice(NoticeCode.ALREADY_ANSWERED))  # another copy's press came first
        return False
    unit.asks.close_copies(learner_id, asked.lesson_id, asked.question_key, PRE, turn.now)
    return True


def next_of_track(turn: Turn, track: str) -> str | None:
    """The lesson of a track to give after its baseline: its first not yet given."""
    return next((lesson.id for lesson in turn.catalog.tracks().get(track, ())
                 if not _given(turn, lesson)), None)


def open_check(turn: Turn, phase: str | None = None) -> TrackCheck | None:
    """The check the learner is in the middle of, if any (the latest begun; of ``phase``
    only, when given)."""
    waiting = [check for check in turn.unit.checks.of_learner(turn.learner.id)
               if check.finished_at is None and (phase is None or check.phase == phase)]
    return waiting[-1] if waiting else None


def skip(turn: Turn) -> TrackCheck | None:
    """`skip check`: the check under way ends without a score (its open question is let go);
    the check skipped, or None when there was none (said so)."""
    check = open_check(turn)
    if check is None:
        turn.say(Notice(NoticeCode.NO_CHECK))
        return None
    end_unscored(turn, check, SkippedBy.LEARNER)
    turn.say(Notice(NoticeCode.CHECK_SKIPPED))
    return check


def end_unscored(turn: Turn, check: TrackCheck, by: SkippedBy) -> None:
    """End a check without a score, its open question let go; ``by`` is kept, so trainers
    can tell a learner's `skip check` from a baseline a push set aside."""
    open_ask = turn.unit.asks.latest_open(turn.learner.id)
    if open_ask is not None and open_ask.check_track == check.track and \
            open_ask.check_phase == check.phase:
        turn.unit.asks.close(open_ask.id, turn.now)
    turn.unit.checks.finish(turn.learner.id, check.track, check.phase, turn.now, skipped_by=by)


def seeds(turn: Turn, lesson: Lesson) -> dict[str, Card]:
    """The cards the baseline seeds for a lesson's questions it asked, by question key: each
    with its first review, on the day of the baseline (``due_at`` is the caller's to set)."""
    if not lesson.track:
        return {}
    check = turn.unit.checks.get(turn.learner.id, lesson.track, PRE)
    if check is None:
        return {}
    # FSRS counts whole days from the start of the learner's day, as for every review.
    day_start = calendar.at_local(calendar.local_date(check.started_at, turn.tz), "00:00",
                                  turn.tz)
    found = {}
    for (lesson_id, key), result in zip(check.questions, check.results, strict=False):
        if lesson_id == lesson.id:
            memory = turn.reviewer.baseline(result == "1", day_start)
            # A miss before the lesson was read is not a lapse: "this one keeps slipping"
            # counts the misses since (the check promised that nothing counts against them).
            found[key] = remember(Card(turn.learner.id, lesson_id, key, "", turn.now,
                                       reviews=1, lapses=0), memory)
    return found


def endline_due(turn: Turn) -> str | None:
    """A track whose endline is due: its baseline was answered, every lesson of it is read,
    and ``check_days`` have passed since the last was; None when there is none."""
    mine = turn.unit.checks.of_learner(turn.learner.id)
    started = {(check.track, check.phase) for check in mine}
    tracks = turn.catalog.tracks()
    wait = timedelta(days=turn.settings.check_days)
    for check in mine:
        if check.phase != PRE or check.score is None or (check.track, POST) in started:
            continue
        lessons = tracks.get(check.track, ())
        reads = [receipt.read_at for item in lessons
                 if (receipt := turn.receipt(item.id)) is not None]
        if not lessons or len(reads) < len(lessons) or any(at is None for at in reads):
            continue
        last = max(at for at in reads if at is not None)
        if turn.now - last >= wait:
            return check.track
    return None


def start_endline(turn: Turn, track: str) -> None:
    """Begin a track's endline with its baseline's questions."""
    baseline = turn.unit.checks.get(turn.learner.id, track, PRE)
    if baseline is None:
        return
    check = turn.unit.checks.start(turn.learner.id, track, POST, baseline.questions, turn.now)
    turn.say(CheckIntro(track_title(track), len(check.questions), POST))


def ask_endline(turn: Turn) -> bool:
    """Ask the next question of an endline under way; False when none is."""
    check = next((item for item in turn.unit.checks.of_learner(turn.learner.id)
                  if item.phase == POST and item.finished_at is None), None)
    return check is not None and ask_question(turn, check)


def record_endline(turn: Turn, asked: Ask, correct: bool) -> None:
    """An endline question answered (it counted as a review too): kept as the endline's; the
    last one says how the learner did, before and now."""
    track = asked.check_track or ""
    checks, learner_id = turn.unit.checks, turn.learner.id
    checks.answer(learner_id, track, POST, correct)
    check = checks.get(learner_id, track, POST)
    if check is None or check.finished_at is not None or \
            check.answered < len(check.questions):
        return
    checks.finish(learner_id, track, POST, turn.now)
    baseline = checks.get(learner_id, track, PRE)
    turn.say(CheckDone(track_title(track), POST, check.right, len(check.questions),
                       before=baseline.right if baseline is not None else None))


def normalised_gain(pre: float, post: float) -> float | None:
    """(post - pre) / (1 - pre): the share of what was not known before that was learnt;
    None when everything was known before (there was nothing to gain)."""
    return None if pre >= 1 else (post - pre) / (1 - pre)


def gains(turn: Turn) -> tuple[TrackGain, ...]:
    """The learner's gain in each track with both checks done, in the order begun."""
    mine = {(check.track, check.phase): check
            for check in turn.unit.checks.of_learner(turn.learner.id)}
    found = []
    for (track, phase), check in mine.items():
        after = mine.get((track, POST))
        if phase != PRE or after is None or check.score is None or after.score is None:
            continue
        found.append(TrackGain(track_title(track), check.score, after.score,
                               normalised_gain(check.score, after.score)))
    return tuple(found)
