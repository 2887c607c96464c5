"""Quizzes: which question to ask, asking it, grading an answer, and the reminder."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from rapidfuzz.distance import Levenshtein

from bot.content.markdown import plain_text
from bot.content.model import Lesson, Question, track_title
from bot.engine import calendar, checks, lessons, practice, progress, rules, selection, voice
from bot.engine.asking import (
    LEVELS,
    closed,
    confident,
    let_go_changed,
    level_of,
    question_message,
)
from bot.engine.commands import (
    NUMBER_WORDS,
    SKIP_WORDS,
    answer_choices,
    answer_in_words,
    looks_like_answer,
    says_not_it,
)
from bot.engine.reviewer import Review
from bot.engine.selection import Candidate
from bot.engine.turn import Turn
from bot.messages import (
    ChoiceRange,
    Feedback,
    FlagNoted,
    NothingDue,
    Notice,
    NoticeCode,
    Profile,
    Reminder,
)
from storage.records import Ask, Card


def send_quiz(turn: Turn, scheduled: bool) -> None:
    """Ask the next question due (a scheduled quiz keeps the daily budget); asked for with
    none due, say when the next one comes."""
    turn.pushed = scheduled
    sync_cards(turn)  # once per quiz, not after every answer
    open_ask = turn.unit.asks.latest_open(turn.learner.id)
    if not scheduled and open_ask is not None and open_ask.topic:
        # Nothing else to ask: `quiz` goes on with the quiz on a topic, not "none due" while
        # its question is on the screen.
        if waiting(turn) or practice.check_waiting(turn) or \
                not practice.ask_again(turn, open_ask):
            # `quiz` asks for the reviews: it leaves a quiz on a topic (what it left keeps its
            # due date); the daily push takes such a question over instead (ask_next).
            turn.unit.asks.close(open_ask.id, turn.now)
        else:
            return
    # An endline begins when no other endline is under way (a baseline left unanswered
    # waits for the track's lesson: it holds up no quiz).
    if scheduled and checks.open_check(turn, "post") is None:
        track = checks.endline_due(turn)
        if track is not None:  # the push begins with the track's endline check
            checks.start_endline(turn, track)
    if not ask_next(turn, push=scheduled) and not scheduled:
        baseline = checks.open_check(turn, checks.PRE)
        turn.say(NothingDue(next_quiz_day(turn),
                            check=track_title(baseline.track) if baseline else ""))


def next_quiz_day(turn: Turn) -> datetime | None:
    """When a question falls due again (in the learner's time zone); None without cards. One
    due but not askable today (read or answered today) comes on the next learning day."""
    upcoming = turn.unit.cards.next_due(turn.learner.id)
    if upcoming is None:
        return None
    if upcoming <= turn.now:
        day = calendar.next_workday(turn.today, turn.learner.workdays)
        upcoming = calendar.at_local(day, "00:00", turn.tz)
    return upcoming.astimezone(turn.tz)


def nudge(turn: Turn) -> None:
    """A reminder of today's pushed question, if it still waits for an answer and the learner
    is awake (a reminder held up until the night is dropped)."""
    if not calendar.is_awake(turn.now, turn.settings.waking_hours, turn.tz):
        return
    ask = turn.unit.asks.to_remind(turn.learner.id, turn.today, turn.day_start())
    if ask is None:
        return
    shown = turn.reshow(ask)
    if shown is None:
        return
    ask, lesson, question = shown
    turn.pushed = True
    check = turn.unit.checks.get(turn.learner.id, ask.check_track, ask.check_phase) \
        if ask.check_phase and ask.check_track else None
    if check is not None and check.finished_at is None:
        # A knowledge check's question keeps the check's numbering and heading.
        number, of = check.answered + 1, len(check.questions)
    else:
        number, of = numbering(turn, ask)
    # One message, with how many wait and the streak at stake; the question follows.
    turn.say(Reminder(of - number + 1 if of else 1, progress.streak_at_risk(turn)))
    turn.say(question_message(ask.id, lesson, question, number, of,
                              check=check.phase if check is not None else "",
                              confidence=confident(turn, lesson)))


def sync_cards(turn: Turn) -> None:
    """Cards follow the lessons: a question a trainer added to a lesson already read gets a
    card; one that was removed or reworded loses its card (it is not 'mastered')."""
    cards = turn.unit.cards
    learner_id = turn.learner.id
    for receipt in turn.history():
        if receipt.via not in lessons.REVIEWED:
            continue  # looked up only: its questions are not the learner's to review
        lesson_id = receipt.lesson_id
        lesson = turn.catalog.get(lesson_id)
        if lesson is None:
            continue
        have = {card.question_key for card in cards.lesson_cards(learner_id, lesson_id)}
        keys = {question.key for question in lesson.questions}
        for key in have - keys:
            cards.delete(learner_id, lesson_id, key)
        for key in keys - have:
            cards.save(Card(learner_id, lesson_id, key, "", turn.now))


def pick(turn: Turn, everything: bool | None = None,
         answered: set[tuple[str, str]] | None = None,
         cards: list[Card] | None = None) -> list[Candidate]:
    """The questions worth asking now, by expected gain in recall (:mod:`selection`). A
    candidate's lesson was read on an earlier day (never on its own day: it is fresh), and it
    was not answered today; a question never asked starts from its lesson. The daily push
    (or ``everything``) weighs every such question; a learner asking beyond it gets those that
    are due (FSRS's next review has come), so `quiz` ends when what is due is done. ``cards``:
    the learner's cards when the caller has read them already."""
    everything = turn.pushed if everything is None else everything
    read_at = {receipt.lesson_id: receipt.at for receipt in turn.history()}
    today, tz = turn.today, turn.tz
    if answered is None:  # practice leaves no trace on the cards: the answers tell
        answered = practice.answered_today(turn)
    candidates = []
    for card in turn.unit.cards.all(turn.learner.id) if cards is None else cards:
        if (not everything and card.due_at > turn.now) or \
                (card.lesson_id, card.question_key) in answered:
            continue
        at = read_at.get(card.lesson_id)
        found = turn.find_question(card.lesson_id, card.question_key)
        if at is None or found is None or calendar.local_date(at, tz) >= today:
            continue
        read_day = calendar.local_date(at, tz)
        memory = turn.reviewer.memory(card, calendar.at_local(read_day, "00:00", tz))
        if memory.last_review is not None and calendar.local_date(memory.last_review,
                                                                  tz) >= today:
            continue  # answered today: its next ask belongs to a later day
        position = found[0].questions.index(found[1])
        candidates.append(Candidate(memory, (at.timestamp(), position, card.lesson_id,
                                             card.question_key),
                                    card.lesson_id, card.question_key))
    # Scored at the start of the learner's day, the moment FSRS's reviews are counted from.
    return selection.choose(turn.reviewer, candidates, turn.day_start())


def waiting(turn: Turn) -> int:
    """How many review questions `quiz` would ask now: those due, and one left open (a
    knowledge check's question left open is not a review: :func:`practice.check_waiting`)."""
    return len(waiting_keys(turn))


def waiting_keys(turn: Turn, cards: list[Card] | None = None) -> set[tuple[str, str]]:
    """(lesson, question key) of the review questions :func:`waiting` counts."""
    answered = practice.answered_today(turn)
    keys = {(candidate.lesson_id, candidate.question_key)
            for candidate in pick(turn, answered=answered, cards=cards)}
    open_ask = turn.unit.asks.latest_open(turn.learner.id, topic=False)
    if open_ask is not None and not open_ask.check_phase and \
            (open_ask.lesson_id, open_ask.question_key) not in answered:
        keys.add((open_ask.lesson_id, open_ask.question_key))
    return keys


def standing(turn: Turn) -> Profile:
    """What `me` and the App Home show (:func:`progress.profile`), with today's reviews those
    `quiz` would ask now (the learner's cards are read once for both counts) and the lessons
    of their topics, read and in all."""
    cards = turn.unit.cards.all(turn.learner.id)
    mine = lessons.in_topics(turn)
    read = turn.read()
    return replace(progress.profile(turn, waiting_keys(turn, cards), cards),
                   lessons_left=lessons.next_lesson(turn) is not None,
                   none_in_topics=not mine,
                   topic_lessons=len(mine) if turn.learner.topics else None,
                   topic_read=sum(lesson.id in read for lesson in mine))


def ask_next(turn: Turn, push: bool = False) -> bool:
    """Ask the next due question (skipping any whose lesson or question is gone); an open
    question is asked again rather than a new one. False when there is nothing to ask.
    ``push``: this is the day's scheduled quiz itself (not an answer going on with the set)."""
    asks = turn.unit.asks
    open_ask = asks.latest_open(turn.learner.id)
    if open_ask is not None and open_ask.check_phase and open_ask.check_track:
        check = turn.unit.checks.get(turn.learner.id, open_ask.check_track,
                                     open_ask.check_phase)
        # A check goes on where it was left; but a scheduled push lets a baseline's question
        # go (its check stays open and asks it again before the track's lesson), so reviews
        # and other tracks' endlines never wait on a baseline left unanswered.
        if check is not None and check.finished_at is None and \
                (check.phase == "post" or not turn.pushed) and checks.ask_question(turn, check):
            return True
        asks.close(open_ask.id, turn.now)
        open_ask = asks.latest_open(turn.learner.id)
    answered = practice.answered_today(turn)
    while open_ask is not None and open_ask.check_phase is None and \
            (open_ask.lesson_id, open_ask.question_key) in answered:
        # Answered meanwhile by another ask of it (a quiz on its topic): not asked twice a day.
        asks.close(open_ask.id, turn.now)
        open_ask = asks.latest_open(turn.learner.id)
    if open_ask is not None:
        shown = turn.reshow(open_ask)
        if shown:
            open_ask, lesson, question = shown
            if turn.pushed and not (open_ask.pushed and open_ask.asked_at >= turn.day_start()):
                just_shown = timedelta(0) <= turn.now - open_ask.asked_at < JUST_SHOWN
                open_ask = asks.renew(open_ask.id, turn.now)  # it is today's first of the set
                if just_shown:
                    # Asked a moment ago (an answer's next, then `start` caught up with the
                    # day's quiz): it is on the screen, the push does not show it twice.
                    return True
            turn.say(question_message(open_ask.id, lesson, question,
                                      *numbering(turn, open_ask),
                                      confidence=confident(turn, lesson)))
            return True
        asks.close(open_ask.id, turn.now)
    if checks.ask_endline(turn):
        return True
    due = pick(turn, answered=answered)  # closing asks above recorded no answer
    if not due:
        return resume_baseline(turn)
    # A knowledge check asked in today's push has its own "1 of 4": the reviews after it are
    # counted on their own, within what is left of the day's budget.
    asked, reviews = asks.pushed_since(turn.learner.id, turn.day_start()) \
        if turn.pushed else (0, 0)
    if turn.pushed and asked >= turn.settings.quiz_questions:
        # Today's set is done: a baseline set aside comes back now (with more due every day
        # than a set holds, it would never come back otherwise); else "quiz" asks for more,
        # said only when more are due (the set may have asked some before they were due).
        if resume_baseline(turn):
            return True
        if not push:
            # The push itself says nothing: the set was answered before it (an answer to
            # yesterday's question went on into it), and a lone "That's today's set" would
            # be the day's quiz.
            more = pick(turn, everything=False, answered=answered)
            turn.say(Notice(NoticeCode.BUDGET_DONE if more else NoticeCode.SET_DONE))
        return True
    for candidate in due:
        found = turn.find_question(candidate.lesson_id, candidate.question_key)
        if found is None:
            continue
        ask = asks.create(turn.learner.id, candidate.lesson_id, candidate.question_key,
                          turn.now, pushed=turn.pushed)
        # The day's pushed set is counted for the learner: "question 2 of 5".
        of = min(turn.settings.quiz_questions - (asked - reviews), reviews + len(due)) \
            if turn.pushed else 0
        turn.say(question_message(ask.id, *found, number=reviews + 1 if of else 0, of=of,
                                  confidence=confident(turn, found[0])))
        return True
    return False


JUST_SHOWN = timedelta(minutes=10)
"""An open question asked this recently is still on the learner's screen: a push counts it in
its set without showing it again."""


def numbering(turn: Turn, ask: Ask) -> tuple[int, int]:
    """Where an open question stands in today's pushed set ("2 of 5"), or in its lesson's in a
    quiz on a topic, to ask it again with its number; (0, 0) for a question asked on demand
    or on an earlier day. The open question
    is the set's latest: it comes after those pushed before it today, and before the
    questions still worth asking today (its own card among them)."""
    if ask.topic:
        return practice.place(turn, ask)
    if not ask.pushed or ask.asked_at < turn.day_start():
        return 0, 0
    asked, number = turn.unit.asks.pushed_since(turn.learner.id, turn.day_start())
    of = min(turn.settings.quiz_questions - (asked - number),
             number - 1 + len(pick(turn, everything=True)))
    return number, max(of, number)


def answer_button(turn: Turn, value: str) -> None:
    """An answer button pressed (its value names the ask, the choice, and how sure the learner
    is when the question asks it)."""
    try:
        tag, ask_text, choice_text, *level = value.split(":")
        ask_id, choice = int(ask_text), int(choice_text)
        if tag != "a" or not 0 < ask_id < 2**31 or not 0 <= choice < 100 or \
                len(level) > 1 or (level and level[0] not in LEVELS):
            raise ValueError(value)
    except ValueError:
        turn.say(Notice(NoticeCode.BAD_ANSWER))
        return
    ask = turn.unit.asks.get(ask_id)
    if ask is None or ask.learner_id != turn.learner.id:
        turn.say(Notice(NoticeCode.NOT_YOURS if ask is not None else NoticeCode.BAD_ANSWER))
        return
    answer(turn, ask, (choice,), level[0] if level else None)


def answer_poll(turn: Turn, platform: str, poll_id: str, choices: tuple[int, ...]) -> None:
    """A native quiz poll answered (a vote taken back changes nothing: quiz polls cannot be
    answered twice anyway)."""
    found = turn.unit.polls.find(platform, poll_id)
    if not choices:
        return
    ask = turn.unit.asks.get(found.ask_id) if found else None
    if ask is None or ask.learner_id != turn.learner.id:
        turn.say(Notice(NoticeCode.NOT_YOURS if ask is not None else NoticeCode.BAD_ANSWER))
        return
    answer(turn, ask, choices)


def resume_baseline(turn: Turn) -> bool:
    """Ask the question of a baseline a push set aside, once nothing else is to be asked: one
    who reads only at quiz time would otherwise never get past it to the track's lessons.
    False when none waits."""
    waiting = checks.open_check(turn, checks.PRE)
    return waiting is not None and checks.ask_question(turn, waiting)


def answer_open(turn: Turn, ask: Ask, text: str) -> bool:
    """Typed words while a question is open: an answer ('3', '(3)', 'c)', 'three', a choice's
    text), "skip" (the answer is shown), or a wrong number of choices (asked again). False when
    the words are about something else (they are looked up)."""
    found = turn.find_asked(ask)
    if found is None:
        return let_go_gone(turn, ask, text)
    lesson, question, _ = found  # typed words name the choices as the learner saw them
    said = " ".join(text.lower().replace("\u2019", "'").split())
    if said.strip(".!") in SKIP_WORDS or said in SKIP_WORDS:
        if ask.check_phase == checks.PRE:
            baseline(turn, ask, None)
        else:
            skip(turn, ask, lesson, question)
        return True
    answer_text, level = level_of(text)  # "2 sure", "b guessing", "3 not sure"
    choices = typed_choices(question, answer_text)
    if choices is None and level is not None:  # "make a guess" may be a choice's own words
        choices, level = typed_choices(question, text), None
    if not (confident(turn, lesson) and len(question.correct_indexes) == 1):
        level = None  # said, but not asked: a "2 i guess" is just the answer 2
    if choices is None:
        fits = choices_begun(question, answer_text) or choices_begun(question, said)
        if len(fits) > 1:
            # "yes" to "Yes, always" and "Yes, sometimes": asked which, not guessed (nor
            # greeted, as words that fit no choice are).
            turn.say(ChoiceRange(len(question.choices), len(question.correct_indexes) > 1,
                                 fits=tuple(index + 1 for index in fits)))
            return True
        if not looks_like_answer(text):
            return False
        choices = ()  # '0', '11', 'x': meant as an answer, out of range
    answer(turn, ask, choices, level)
    return True


def let_go_gone(turn: Turn, ask: Ask, text: str) -> bool:
    """Typed words while the open question is no longer in the library (a trainer reworded
    or removed it, or deleted or renamed its lesson): the question is let go, so it stops
    waiting for an answer it cannot take. An answer to it, or "skip", is told so and the
    quiz goes on; False for other words (they are looked up)."""
    said = " ".join(text.lower().replace("\u2019", "'").split())
    answer_text = level_of(text)[0]
    if not (said.strip(".!") in SKIP_WORDS or looks_like_answer(answer_text)
            or answer_in_words(answer_text) is not None):
        turn.unit.asks.close(ask.id, turn.now)
        return False
    answer(turn, ask, ())  # as a button of it would: see :func:`grade` and the baseline's
    return True


def answer(turn: Turn, ask: Ask, choices: tuple[int, ...], level: str | None = None) -> None:
    """An answer to an ask (``level``: how sure the learner said they were): a baseline
    check's is kept apart (nothing counts); any other is graded."""
    if ask.check_phase == checks.PRE:
        baseline(turn, ask, choices)
    else:
        grade(turn, ask, choices, level)


def baseline(turn: Turn, ask: Ask, choices: tuple[int, ...] | None) -> None:
    """A baseline question answered (None: not known); after the last, the track's first
    lesson."""
    counted, track = checks.answer_baseline(turn, ask, choices)
    if counted:
        progress.activity(turn)  # a learner answering the check has done something today
        progress.check_badges(turn, None)  # a streak's badge may come of it
    if track is not None:
        lessons.send_lesson(turn, scheduled=False, chosen=checks.next_of_track(turn, track))


def typed_choices(question: Question, text: str) -> tuple[int, ...] | None:
    """The choices typed words give: '3', 'c)', 'three', 'I think 2', a choice's text."""
    said = " ".join(text.lower().replace("\u2019", "'").split())
    choices = answer_choices(text)
    if choices is None:
        choices = answer_in_words(said) or corrected(said) or choice_in_words(question, said)
    return choices


_CORRECTION = re.compile(
    r"(?:^|[\s,.;:!\u2026-]+)(?:(?:no|nope|sorry|wait|actually|oops|i mean|make that|make it|"
    r"or rather|rather|scratch that)(?:[\s,.;:!\u2026-]+|$))+")
"""Words that take back an answer just typed ("b, no wait c", "2... actually 3")."""


def corrected(said: str) -> tuple[int, ...] | None:
    """The choices of an answer corrected in the same message: the answer after the last
    correction, when an answer stands before it too ("b, no wait c": c), else None."""
    found = list(_CORRECTION.finditer(said))
    if not found:
        return None
    before, after = said[:found[-1].start()], said[found[-1].end():]
    if (answer_choices(before) or answer_in_words(before)) is None:
        return None  # "no wait what is 2fa": no answer taken back
    return answer_choices(after) or answer_in_words(after)


def choice_in_words(question: Question, said: str) -> tuple[int, ...] | None:
    """The choice a learner named in words: 'three', 'the second', or its text."""
    words = said.strip(" .!?").removeprefix("the ").removeprefix("answer ").split()
    if len(words) == 1 and words[0] in NUMBER_WORDS:
        return (NUMBER_WORDS[words[0]] - 1,)
    wanted = _comparable(said)
    if not wanted:
        return None
    texts = [_comparable(plain_text(choice.text)) for choice in question.choices]
    matches = [index for index, text in enumerate(texts) if text == wanted]
    if not matches and len(wanted) >= MIN_PART and " " in wanted:
        # Words of one choice ("in private" for "In private, such as a short one-to-one
        # chat"): looked up instead, they gave the lesson, and so the answer.
        matches = [index for index, text in enumerate(texts)
                   if f" {wanted} " in f" {text} "]
    if not matches:
        matches = list(choices_begun(question, said))
    if not matches and len(said.split()) >= 2 and not voice.looks_like_question(said):
        # A choice's words with a typo or two ("you arived 15 minuts late", "in privat"),
        # when they fit one choice clearly better than any other.
        scores = sorted(((closeness(said, text), index) for index, text in enumerate(texts)),
                        reverse=True)
        best, second = scores[0][0], scores[1][0] if len(scores) > 1 else 0.0
        if best >= FUZZY_MATCH and best - second >= FUZZY_MARGIN:
            matches = [scores[0][1]]
    return tuple(matches) if len(matches) == 1 else None


FUZZY_MATCH = 0.6
"""Share of a reply's words (see :func:`closeness`) that must be found in a choice, each
spelt alike or nearly, for the reply to be that choice."""
FUZZY_MARGIN = 0.3
"""How much closer that choice must be than the next: words alike in two choices ("the
meeting") name neither."""
NEAR_CHOICE = 0.5
"""Closeness to some choice from which words that name none clearly are an answer that
missed (:func:`near_choice`), not a question to look up."""
WORD_ALIKE = 0.75
"""How alike two words must be (Levenshtein's normalised similarity) to count as one
misspelt: "arived" and "arrived", "privat" and "private"; not "top" and "two"."""
COMMON_WORDS = frozenset("a an the to of in on at and or you your i it is are be for with as "
                         "so by this that".split())
"""Words too common to tell choices apart: they do not count towards closeness."""


def closeness(said: str, choice: str) -> float:
    """How much of a reply is in a choice's text, from 0 to 1: its words (common words
    aside), each weighted by how alike it is to the choice's likest word, when alike
    enough."""
    words = [word for word in _comparable(said).split() if word not in COMMON_WORDS]
    theirs = [word for word in _comparable(choice).split() if word not in COMMON_WORDS]
    if not words or not theirs:
        return 0.0
    total = 0.0
    for word in words:
        alike = max(Levenshtein.normalized_similarity(word, other) for other in theirs)
        total += alike if alike >= WORD_ALIKE else 0.0
    return total / len(words)


def near_choice(turn: Turn, ask: Ask, text: str) -> bool:
    """Whether words typed while ``ask`` is open, which answered nothing, come close to one
    of its choices ("you arrived late"): meant as an answer, not a question to look up
    (words that ask, "what is ...?", are always a question)."""
    found = turn.find_asked(ask)
    if found is None or voice.looks_like_question(text):
        return False
    return any(closeness(text, plain_text(choice.text)) >= NEAR_CHOICE
               for choice in found[1].choices)


def no_such_choice(turn: Turn, ask: Ask) -> None:
    """Words near the open question's choices that name none clearly: how to answer."""
    found = turn.find_asked(ask)
    if found is not None:
        question = found[1]
        turn.say(ChoiceRange(len(question.choices), len(question.correct_indexes) > 1,
                             unmatched=True))


def choices_begun(question: Question, said: str) -> tuple[int, ...]:
    """The choices a reply begins the way learners answer a yes/no question: the reply is
    a choice's first words ("yes", "report it"), or it starts with the yes or no a choice
    opens with and goes on in its own words ("yes i'm sure", "no it isn't"). Those sharing the
    most first words with it (several: the reply is ambiguous, and is asked about)."""
    words = _comparable(said).split()
    if not words or any(" ".join(words[:size]) in SKIP_WORDS for size in (2, 3, 4)):
        return ()  # "no idea really" does not know, and is no "No"
    # "No, that's not what I asked" is about a lesson looked up, not a choice opening "No".
    answer = YES_NO.get(words[0]) if not says_not_it(said) else None
    shared: dict[int, int] = {}
    for index, choice in enumerate(question.choices):
        text = plain_text(choice.text)
        choice_words = _comparable(text).split()
        if words == choice_words[:len(words)]:
            shared[index] = len(words)
        elif answer is not None and _comparable(_LEAD.split(text, 1)[0]) == answer:
            # Only a choice that opens with a yes or no of its own ("Yes, this is ..."): "the
            # phishing one?" is a question to look up, not the choice that opens "The".
            shared[index] = next((at for at, (mine, theirs) in enumerate(
                zip(words[1:], choice_words[1:], strict=False), start=1) if mine != theirs),
                min(len(words), len(choice_words)))
    best = max(shared.values(), default=0)
    return tuple(index for index, count in shared.items() if count == best)


YES_NO = {"yes": "yes", "yeah": "yes", "yep": "yes", "yup": "yes", "no": "no", "nope": "no",
          "nah": "no"}
"""A reply's first word that answers a choice opening with "Yes" or "No"."""
_LEAD = re.compile(r"[,.;:!?()\u2013\u2014]| - ")
"""Where a choice's opening words end ("Yes, this is moment 5": "Yes")."""


MIN_PART = 4
"""Shortest words typed that may stand for a choice they are part of; and they must be two
words at least (one word is as likely a question to look up)."""


def _comparable(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())


def skip(turn: Turn, ask: Ask, lesson: Lesson, question: Question) -> None:
    """The learner does not know: show the answer, count the question as not known (its
    review comes soon), with no points and no guess."""
    unit, learner_id = turn.unit, turn.learner.id
    turn.pushed = ask.pushed
    if not unit.asks.close(ask.id, turn.now):
        turn.say(closed(turn, ask))
        return
    practising = practice.is_practice(turn, ask)  # before its review
    unit.answers.record(learner_id, ask.lesson_id, ask.question_key, (), False, turn.now,
                        f"ask:{ask.id}")
    # Saying "I don't know" earns what a wrong guess earns: guessing never pays better.
    earned = 0 if practising else rules.POINTS_WRONG * progress.award(
        turn, rules.POINTS_WRONG, "answer", f"ask:{ask.id}")
    reviewed = review(turn, ask.lesson_id, ask.question_key, False)
    # Not knowing is no sign of having read the lesson: it does not count it as read.
    turn.say(Feedback(lesson, question, False, (), False, unit.points.total(learner_id),
                      skipped=True, earned=earned, practice=practising, ask_id=ask.id,
                      slipping=reviewed.card.lapses >= rules.SLIPPING_LAPSES))
    if ask.check_phase == checks.POST:
        checks.record_endline(turn, ask, False)
    progress.activity(turn)
    go_on(turn, ask)


def go_on(turn: Turn, answered: Ask | None) -> None:
    """What follows an answer: in a quiz on a topic, its lesson's next question (or the word
    that it is over); else the next question due, or the word that none is."""
    if answered is not None and answered.topic:
        practice.go_on(turn, answered, lambda: waiting(turn))
    elif not ask_next(turn):
        turn.say(Notice(NoticeCode.QUIZ_DONE))


def answer_typed(turn: Turn, choices: tuple[int, ...]) -> None:
    """A typed answer to the open question."""
    ask = turn.unit.asks.latest_open(turn.learner.id)
    if ask is None:
        turn.say(Notice(NoticeCode.NO_OPEN_QUESTION))
        return
    answer(turn, ask, choices)


def grade(turn: Turn, ask: Ask, choices: tuple[int, ...], level: str | None = None) -> None:
    """Grade an answer once: record it, award its points, reschedule its card, keep the
    streak, and ask the next question (``choices``: numbered as the learner was shown them;
    ``level``: how sure the learner said they were, 'g' for a guess, which FSRS rates Hard
    when right: a lucky guess is not knowing it)."""
    turn.pushed = ask.pushed  # what follows an answer comes the same way the question came
    unit = turn.unit
    ask_id, lesson_id, key = ask.id, ask.lesson_id, ask.question_key
    found = turn.find_asked(ask)
    if found is None:
        unit.asks.close(ask_id, turn.now)
        turn.say(Notice(NoticeCode.QUESTION_GONE))
        # A quiz on a topic goes on with its lesson's next question; a check counts the
        # question gone as not known when it asks its next (see checks.ask_question).
        go_on(turn, ask)
        return
    lesson, question, order = found
    if order is None:
        ask_changed(turn, ask, lesson, question)
        return
    if not choices or not all(0 <= choice < len(question.choices) for choice in choices):
        turn.say(ChoiceRange(len(question.choices), len(question.correct_indexes) > 1))
        return
    if len(set(choices)) > 1 and len(question.correct_indexes) == 1:
        turn.say(Notice(NoticeCode.ONE_CHOICE))  # asked again, not graded wrong
        return
    if not unit.asks.close(ask_id, turn.now):
        turn.say(closed(turn, ask))
        return
    given = tuple(sorted(set(choices)))
    correct = set(given) == set(question.correct_indexes)
    learner_id = turn.learner.id
    practising = practice.is_practice(turn, ask)  # before its review
    # Kept numbered as the lesson's file has them now, as every report reads them.
    unit.answers.record(learner_id, lesson_id, key, tuple(sorted(order[i] for i in given)),
                        correct, turn.now, f"ask:{ask_id}", confidence=level)
    points = 0 if practising else rules.POINTS_RIGHT if correct else rules.POINTS_WRONG
    earned = points if points and progress.award(turn, points, "answer", f"ask:{ask_id}") else 0
    # A right answer in practice leaves the card as it is: answering early every day would
    # otherwise master it in a week. A wrong one shows it is fading, and brings it forward.
    reviewed = None if practising and correct else review(turn, lesson_id, key, correct,
                                                          guessed=level == "g")
    mastered = reviewed is not None and reviewed.newly_mastered
    # Missed again and again: the lesson, read again, does more than another try.
    slipping = not correct and reviewed is not None and \
        reviewed.card.lapses >= rules.SLIPPING_LAPSES
    for_mastering = rules.POINTS_MASTERED * (mastered and progress.award(
        turn, rules.POINTS_MASTERED, "mastered", f"mastered:{learner_id}:{lesson_id}:{key}"))
    turn.say(Feedback(lesson, question, correct, given, mastered,
                      unit.points.total(learner_id), earned=earned + for_mastering,
                      mastered_points=for_mastering, confidence=level or "",
                      practice=practising, ask_id=ask_id, slipping=slipping))
    if ask.check_phase == checks.POST:
        checks.record_endline(turn, ask, correct)
    read = lessons.mark_read(turn, lesson, by_answer=True)  # an answer shows it was read
    if read is not None:
        turn.say(read)
    progress.activity(turn)
    progress.check_badges(turn, lesson if read else None, answered=True)
    go_on(turn, ask)


def ask_changed(turn: Turn, ask: Ask, lesson: Lesson, question: Question) -> None:
    """A trainer changed the question's choices since the learner saw it (one reworded,
    added or removed): the answer is not graded, and the question is asked again as it is
    now, under a new ask (the old message's buttons no longer count)."""
    unit = turn.unit
    if not let_go_changed(turn, ask):
        return
    if ask.check_phase and ask.check_track:
        check = unit.checks.get(turn.learner.id, ask.check_track, ask.check_phase)
        if check is not None and check.finished_at is None and checks.ask_question(turn, check):
            return
    again = unit.asks.create(turn.learner.id, ask.lesson_id, ask.question_key, turn.now,
                             pushed=ask.pushed, topic=ask.topic)
    turn.say(question_message(again.id, lesson, question, *numbering(turn, again),
                              confidence=confident(turn, lesson)))


def review(turn: Turn, lesson_id: str, key: str, correct: bool,
           guessed: bool = False) -> Review:
    """Reschedule the card with FSRS (a right guess rated Hard); the card after it, and
    whether this answer mastered it."""
    cards = turn.unit.cards
    card = cards.get(turn.learner.id, lesson_id, key) or Card(
        turn.learner.id, lesson_id, key, "", turn.now)
    read_at = next((receipt.at for receipt in turn.history() if receipt.lesson_id == lesson_id),
                   None)
    result = turn.reviewer.review(card, correct, turn.now, turn.today, turn.learner.workdays,
                                  turn.tz, read_at, guessed=guessed)
    cards.save(result.card)
    return result


def flag(turn: Turn, note: str) -> None:
    """Report the question just answered (or the one open) as wrong, for the trainers."""
    asks = turn.unit.asks
    answered, waiting = asks.latest_answered(turn.learner.id), asks.latest_open(turn.learner.id)
    # Feedback and the next question arrive together: the flag is about the one answered.
    ask = (answered if answered is not None and answered.answered_at is not None and (
        waiting is None or answered.answered_at >= waiting.asked_at) else waiting)
    if ask is None:
        turn.say(Notice(NoticeCode.NOTHING_TO_FLAG))
        return
    turn.unit.flags.add(turn.learner.id, ask.lesson_id, ask.question_key, note[:2000], turn.now)
    found = turn.find_question(ask.lesson_id, ask.question_key)
    turn.say(FlagNoted(voice.shorten(plain_text(found[1].text)) if found else ask.lesson_id))
