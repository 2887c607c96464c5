"""The engine: one inbound event (or one scheduled delivery) in, the messages to send out.

Each call runs in one unit of work: what the engine decides and what it records stay together.
Time is always passed in, never read from the system clock. This module is the facade and the
command table; each concern lives in its own module (lessons, quiz, progress, settings).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.content.catalog import Catalog
from bot.content.model import Lesson
from bot.engine import (
    calendar,
    checks,
    identity,
    lesson_links,
    lessons,
    links,
    mydata,
    practice,
    progress,
    quiz,
    settings,
    voice,
)
from bot.engine.commands import (
    MOVE_ON,
    SKIP_LESSON,
    SKIP_WORDS,
    Command,
    accepts,
    answer_choices,
    clean,
    looks_like_answer,
    misspelt_command,
    parse,
    plain_words,
    question_after_command,
    question_text,
    quiz_topic,
    says_not_it,
    slip_in_words,
    small_talk,
)
from bot.engine.reviewer import Reviewer
from bot.engine.sentences import topics_said
from bot.engine.store import Store, UnitOfWork
from bot.engine.turn import EngineSettings, Turn
from bot.errors import AlreadyHandled
from bot.messages import (
    Help,
    Inbound,
    LearnWhat,
    LessonMessage,
    Notice,
    NoticeCode,
    Outbound,
    Platform,
    Profile,
    Reloaded,
    Setting,
    SettingNow,
    SettingsSaved,
    UnknownCommand,
    Welcome,
)
from storage.records import Awaited, Delivery, DeliveryKind, Learner, LearnerChange

log = logging.getLogger(__name__)

Action = Callable[[Turn, str], None]
"""What a command does in a turn, given the words after it."""


def _reload(turn: Turn, _: str) -> None:
    if not turn.for_trainers_only():
        return
    change = turn.catalog.refresh()
    problems = turn.catalog.problems()
    turn.say(Reloaded(len(change.added), len(change.changed), len(change.removed),
                      tuple(str(problem) for problem in problems[:RELOAD_LISTED]),
                      tuple(turn.catalog.kept_while_broken()),
                      tuple(turn.catalog.not_served()), max(0, len(problems) - RELOAD_LISTED)))


RELOAD_LISTED = 10
"""Problems `reload` lists in the chat (`microlearn lessons check` lists them all)."""


def _learn(turn: Turn, args: str) -> None:
    wanted = parse(args)  # Slack's one slash command: "/learn quiz me on passwords"
    # "learn" and a lesson's title opens that lesson, whatever its words (a link to a lesson
    # says to type it): "learn Test my knowledge" is a lesson so titled, if there is one.
    if wanted.name == "quiz" and accepts("quiz", wanted.args) and \
            not turn.catalog.names_lesson(args):
        _quiz(turn, wanted.args)
    elif args:
        lessons.lookup(turn, args)
    else:
        topics = lessons.popular_topics(turn.catalog, 1)
        turn.say(LearnWhat(topics[0] if topics else "passwords"))


def _quiz(turn: Turn, args: str) -> None:
    topic = quiz_topic(args)
    if topic:  # "quiz me on passwords", "/quiz passwords"
        practice.start(turn, topic, lambda: quiz.waiting(turn))
    else:
        quiz.send_quiz(turn, scheduled=False)


def _again(turn: Turn, _: str) -> None:
    """`again` ("repeat the question", "what was the question again"): the open question
    shown again, as `quiz` shows it; with none open, the lesson sent last."""
    if turn.unit.asks.latest_open(turn.learner.id) is not None:
        _quiz(turn, "")
        return
    last = turn.learner.last_lesson
    lesson = turn.catalog.get(last) if last else None
    if lesson is None:
        turn.say(Notice(NoticeCode.NOTHING_TO_REPEAT))
        return
    receipt = turn.receipt(lesson.id)
    # Its "Got it" button only while it waits to be counted (pressed again, it would say so).
    unread = receipt is not None and receipt.read_at is None
    turn.say(LessonMessage(lesson, done=lessons.got_it(lesson) if unread else ""))


def _settings(turn: Turn, _: str) -> None:
    """`settings`: every setting as it stands, each with the words that change it."""
    turn.say(SettingNow(Setting.ALL, turn.view(), nudges=turn.learner.nudges))


COMMANDS: dict[str, Action] = {
    "help": lambda turn, _: turn.say(Help(turn.learner.is_trainer)),
    "lesson": lambda turn, _: lessons.send_lesson(turn, scheduled=False),
    "quiz": _quiz,
    "learn": _learn,
    "me": lambda turn, _: turn.say(quiz.standing(turn)),
    "badges": lambda turn, _: turn.say(progress.badge_board(turn)),
    "top": progress.leaderboard,
    "time": settings.set_time,
    "timezone": settings.set_zone,
    "days": settings.set_days,
    "topics": settings.set_topics,
    "pause": settings.pause,
    "resume": lambda turn, _: settings.resume(turn),
    "stop": lambda turn, _: settings.stop(turn),
    "forget": settings.forget,
    "flag": quiz.flag,
    "done": lessons.done,
    "add": lessons.add_latest,
    "nudges": settings.set_nudges,
    "stats": lambda turn, _: progress.stats(turn),
    "dashboard": links.dashboard,
    "mydata": mydata.my_data,
    "link": identity.link,
    "unlink": identity.unlink,
    "push": identity.push,
    "reload": _reload,
    "rate": voice.rate_command,
    "notes": voice.notes,
    "again": _again,
    "settings": _settings,
}
"""Every command word (DESIGN §5) and what it does; `start` greets (see :meth:`Engine.handle`)."""


PRIVATE_COMMANDS = frozenset({"me", "badges", "mydata", "notes", "forget", "link", "unlink", "push",
                              "dashboard", "stats"})
"""Commands whose answer is the learner's alone (their data, notes and figures, codes and
sign-in links, a trainer's cohort figures): not answered in a chat others read."""


FORGET_YES = frozenset({"yes", "y", "yes please", "yes delete", "yes delete it",
                        "yes delete everything", "confirm", "confirmed", "delete", "delete it",
                        "do it", "go ahead"})
"""The replies that delete right after the `forget` warning (and only then): "ok" or "sure"
repeat the warning (deleting is for good)."""
FORGET_CONFIRMED = "forget confirm"
NEVER_ON_YES = frozenset({"stop", "forget", "pause", "unlink", "push", "link", "flag"})
"""Commands a "yes" to 'Did you mean ...?' does not run: a slip may be anything."""
CANCEL_WORDS = frozenset({"cancel", "never mind", "nevermind", "abort", "cancel that"})
"""Words that call something off; with nothing waiting, the bot says so rather than look
them up."""
RUN_WHILE_INVITED = frozenset({"time", "days", "nudges", "push", "top", "link", "forget",
                               "pause", "quiz", "rate"})
"""Commands whose words are checked strictly enough (`time 08:30`, `quiz me on git`) to be run
even while the bot waits for a reply: nobody reflects in those words."""


def runs_while_invited(turn: Turn, name: str, args: str) -> bool:
    """Whether a command word with words after it, typed while a reply is invited, is that
    command rather than the reply: a setting the words make out ("topics add service",
    "timezone berlin"), a quiz on a topic, or a lesson asked for ("learn allergens"; "learn to
    slow down" is a resolution)."""
    words = args.lower().split()
    if name in RUN_WHILE_INVITED:
        return True
    if name == "learn":  # a lesson's title after it is always that lesson (a link says so)
        return words[0] not in ("to", "not", "how", "from", "that", "what", "when", "why") \
            or turn.catalog.names_lesson(args)
    if name == "topics":
        topics = {lesson.topic for lesson in turn.catalog.lessons()}
        return all(word in topics or word in settings.TOPICS_ADD + settings.TOPICS_REMOVE
                   or word.lstrip("+-") in topics for word in words)
    if name == "timezone":
        try:
            calendar.resolve_zone(args)
        except ValueError:
            return False
        return True
    return False  # flag: "flag anything urgent to security" is a reflection too


STALE_PRESS = frozenset({NoticeCode.ALREADY_ANSWERED, NoticeCode.QUESTION_CLOSED,
                         NoticeCode.BAD_ANSWER, NoticeCode.LESSON_GONE, NoticeCode.PICK_EXPIRED,
                         NoticeCode.NOT_YOURS})
"""What a press of a button that no longer does anything is told."""


class Engine:
    """What to say and what to record, for every platform."""

    def __init__(self, store: Store, catalog: Catalog,
                 settings: EngineSettings | None = None) -> None:
        self.store = store
        self.catalog = catalog
        self.settings = settings or EngineSettings()
        self.reviewer = Reviewer()

    def turn(self, unit: UnitOfWork, learner: Learner, now: datetime) -> Turn:
        """A turn for one learner in the caller's unit of work."""
        return Turn(unit, learner, now, self.catalog, self.settings, self.reviewer)

    # -- inbound -----------------------------------------------------------------------------

    def handle(self, inbound: Inbound, now: datetime) -> list[Outbound]:
        """Answer one thing a learner did (enrolling them first if they are new).
        :class:`~bot.errors.AlreadyHandled` when its ``event_id`` was handled before."""
        with self.store.unit() as unit:
            if inbound.event_id is not None and not unit.events.first(
                    inbound.platform.value, inbound.event_id, now):
                # Sent again after it was handled (a slow answer, a lost acknowledgement, a
                # crash before Telegram heard back), perhaps to another replica: a second
                # "lesson" would send a second lesson.
                log.info("%s event %s was handled already", inbound.platform.value,
                         inbound.event_id, extra={"platform": inbound.platform.value})
                raise AlreadyHandled(f"{inbound.platform.value} event {inbound.event_id} was "
                                     "handled already")
            known = unit.learners.find(inbound.platform.value, inbound.user_id)
            if known is None and inbound.poll_id is not None:
                return []  # a vote in a learner's poll (in a group) enrols no one
            if known is None and inbound.shared and inbound.answer is not None:
                # A member of a group pressing a learner's button is not enrolled by it: the
                # group would get a welcome, and their lessons from then on.
                return [Notice(NoticeCode.NOT_YOURS)]
            if known is None and unit.learners.forgotten(inbound.platform.value,
                                                         inbound.user_id):
                if parse(clean(inbound.text or "")).name != "start":
                    return [Notice(NoticeCode.STAY_FORGOTTEN)]  # nothing else enrols them
                unit.learners.welcome_back(inbound.platform.value, inbound.user_id)
            learner, created = (known, False) if known else self.enrol(unit, inbound, now)
            turn = self.turn(unit, learner, now)
            turn.account = (inbound.platform.value, inbound.user_id)
            turn.shared = inbound.shared
            # The account pushes go to, writing where only they read (not a linked account
            # of another platform, not a group).
            own = not inbound.shared and \
                (learner.platform, learner.platform_user_id) == turn.account
            if not created and own and inbound.chat_id and \
                    learner.chat_id != inbound.chat_id and (inbound.text is not None
                                                            or inbound.answer is not None):
                # Enrolled in a group, now writing privately: pushes come here from now on
                # (a group must not get one member's lessons and quiz every day).
                turn.update_learner(LearnerChange(chat_id=inbound.chat_id))
            if created:
                settings.plan(turn)
                turn.say(self.welcome(turn, zone_known=self.platform_zone(inbound) is not None))
            elif learner.unreachable and own:
                # They blocked the bot or their account was off; writing again means they are
                # back, and today's lesson or quiz refused meanwhile still comes.
                turn.update_learner(LearnerChange(unreachable=None))
                settings.plan(turn)
                self.reopen_refused(unit, learner, now)
            if not created:
                settings.end_holiday(turn)  # its end date passed: welcomed back first
            learnt = None
            if not created and not learner.display_name and inbound.display_name:
                learnt = self.complete(turn, inbound)
            trainer = self.is_trainer(inbound)
            if learner.is_trainer != trainer:  # the config is the truth, also for the enrolled
                turn.update_learner(LearnerChange(is_trainer=trainer))
            self.respond(turn, inbound, created)
            # Said after the answer (it is not what was asked), as things stand then, and not
            # at all when the answer was a settings change of the learner's own.
            if learnt is not None and turn.learner.time_zone == learnt and \
                    not any(isinstance(said, SettingsSaved) for said in turn.out):
                turn.say(SettingsSaved(turn.view(), from_profile=True))
            return turn.out

    def complete(self, turn: Turn, inbound: Inbound) -> str | None:
        """A learner enrolled while the platform would not say who they are (Slack's
        users.info failed: no name, the default time zone) is completed once it does: their
        name, and their time zone unless they chose another (their reviews kept on their
        local days); the zone taken from it (None: none)."""
        change = LearnerChange(display_name=clean(inbound.display_name)[:200])
        zone = self.platform_zone(inbound)
        if zone and zone != turn.learner.time_zone and \
                turn.learner.time_zone == self.settings.time_zone:
            before = turn.tz
            turn.update_learner(replace(change, time_zone=zone))
            settings.plan(turn)
            settings.refile(turn, before, calendar.zone(zone))
            return zone
        turn.update_learner(change)
        return None

    def platform_zone(self, inbound: Inbound) -> str | None:
        """The time zone the platform gives for the learner, when it is one we know."""
        if inbound.time_zone:
            try:
                calendar.zone(inbound.time_zone)
                return inbound.time_zone
            except ValueError:
                log.info("ignoring unknown platform time zone %r", inbound.time_zone)
        return None

    def enrol(self, unit: UnitOfWork, inbound: Inbound, now: datetime) -> tuple[Learner, bool]:
        """The learner who wrote, enrolled with the defaults if new; (learner, created)."""
        defaults = self.settings
        time_zone = self.platform_zone(inbound) or defaults.time_zone
        trainer = self.is_trainer(inbound)
        return unit.learners.enrol(inbound.platform.value, inbound.user_id, now, LearnerChange(
            chat_id=inbound.chat_id, display_name=clean(inbound.display_name)[:200],
            time_zone=time_zone, lesson_time=defaults.lesson_time, quiz_time=defaults.quiz_time,
            workdays=defaults.workdays, is_trainer=trainer))

    def is_trainer(self, inbound: Inbound) -> bool:
        """Whether the config lists this account as a trainer's."""
        return f"{inbound.platform}:{inbound.user_id}" in self.settings.trainers

    def respond(self, turn: Turn, inbound: Inbound, created: bool) -> None:
        """Route one event: a button, a poll answer, a typed answer, small talk or a
        command (free text is a lookup, or the reply the bot invited)."""
        awaited = voice.take(turn)  # anything but plain words lets it go (unless held)

        def quiz_on(lesson: Lesson) -> None:  # a lesson offered for a quiz on a topic, picked
            practice.begin(turn, lesson, (), lambda: quiz.waiting(turn))

        if inbound.answer:
            if not lessons.press(turn, inbound.answer, quiz_on):  # "Got it", "Add to my reviews"
                quiz.answer_button(turn, inbound.answer)
            if awaited is not None and turn.out and all(
                    isinstance(said, Notice) and said.code in STALE_PRESS for said in turn.out):
                voice.keep(turn, awaited)  # an old button did nothing: the question stays open
            return
        if inbound.poll_id is not None:
            quiz.answer_poll(turn, inbound.platform.value, inbound.poll_id, inbound.choices)
            return
        text = clean(inbound.text or "")
        if not text:
            if not turn.out:
                turn.say(Notice(NoticeCode.EMPTY))
            return
        if inbound.edited:
            # A typo fixed: a question is looked up; a command or an answer edited is not
            # done again (an old "2" edited to "3" would answer the question asked since),
            # and the learner is told so rather than met with silence.
            if small_talk(text) is not None:
                return
            if parse(text).name:
                turn.say(Notice(NoticeCode.EDIT_NOT_DONE))
                return
            if answer_choices(text) is not None or looks_like_answer(text):
                # Not "send it again": sent now, it would answer the question open now.
                turn.say(Notice(NoticeCode.EDITED_ANSWER))
                return
            lessons.lookup(turn, question_text(inbound.text or ""), edited=True)
            return
        said = " ".join(text.lower().replace("\u2019", "'").split()).strip("!. ")
        meant_before = self.take_meant_command(turn)
        if meant_before == FORGET_CONFIRMED:
            if said in FORGET_YES:  # "yes" as the very next message after the warning
                self.run_command(turn, parse(meant_before), created, meant_before)
                return
        elif meant_before is not None and said in lessons.YES:
            # "yes" right after 'Did you mean "lesson"?'
            self.run_command(turn, parse(meant_before), created, meant_before)
            return
        command = parse(text)
        # "only security please": `topics security` (the library's topics read only then:
        # most messages are questions)
        named = topics_said(text) if not command.name else None
        if named and set(named) <= {lesson.topic for lesson in turn.catalog.lessons()}:
            command = Command("topics", " ".join(named), False, text, sentence=True)
        is_command = command.name == "unknown" or (bool(command.name) and (
            command.slashed or accepts(command.name, command.args)))
        kept_word = ""
        if awaited is not None and is_command and not command.slashed and command.args and \
                not runs_while_invited(turn, command.name, command.args):
            # "Flag anything urgent to security", "learn to slow down": while a reply is
            # invited, words that merely begin with a command word are that reply (and the
            # learner is told how to run the command instead).
            is_command, kept_word = False, command.name
        if is_command and command.name != "help" and not (
                command.sentence and turn.unit.asks.latest_open(turn.learner.id) is not None):
            # a bare command word is that command (a sentence, when no choice says it)
            if awaited is not None and command.name == "learn":
                voice.keep(turn, awaited)  # a lesson asked for, as a question: still invited
            self.run_command(turn, command, created, inbound.text or "")
            return
        if said in checks.SKIP_CHECK:
            skipped = checks.skip(turn)
            if skipped is not None and skipped.phase == checks.PRE:  # straight to the lesson
                lessons.send_lesson(turn, scheduled=False,
                                    chosen=checks.next_of_track(turn, skipped.track))
            return
        open_ask = turn.unit.asks.latest_open(turn.learner.id)
        forget_asked = turn.learner.forget_asked_at
        if open_ask is not None and forget_asked is not None and \
                forget_asked >= open_ask.asked_at and settings.forget_reply(turn, said):
            # "yes" to `forget` typed after the question was asked answers `forget`, not a
            # choice opening "Yes" (the later question asked is the one answered).
            return
        if open_ask is not None:
            if quiz.answer_open(turn, open_ask, text):
                return  # an answer, a "skip", or a wrong number of choices: about the question
            # A question no longer in the library was let go: no longer open.
            open_ask = turn.unit.asks.latest_open(turn.learner.id)
        if is_command:  # "help", or "?" with no question waiting
            if said.strip("?") == "" and open_ask is None:
                turn.say(Notice(NoticeCode.SHORT_HELP))  # "?" alone: a hint, not all of help
                return
            self.run_command(turn, command, created, inbound.text or "")
            return
        if awaited is not None:
            if said in SKIP_WORDS or said in CANCEL_WORDS:  # "cancel" is no comment either
                turn.say(Notice(NoticeCode.REPLY_SKIPPED))
                return
            # A question, or a lesson's name (a search, not what the lesson lacked; after
            # "learn", it ran above): answered, the invitation kept open.
            slip = slip_in_words(text)
            if slip is not None and not turn.catalog.knows(slip[0]) and \
                    not turn.catalog.names_lesson(text):
                # "lesosn" or "next lesosn please" after "One question to think about": a slip
                # of a command, asked about as with a question open (below), not kept as the
                # learner's words (trainers read them).
                voice.keep(turn, awaited)
                self.ask_about_slip(turn, slip[0], slip[1], awaited)
                return
            if voice.looks_like_question(text) or turn.catalog.names_lesson(text):
                voice.keep(turn, awaited)
                lessons.lookup(turn, question_text(inbound.text or ""))
                return
            if lessons.offered(turn) is not None and open_ask is None and \
                    lessons.pick_typed(turn, said, quiz_on):
                voice.keep(turn, awaited)  # "2" picks a lesson offered, and is no comment
                return
            if small_talk(text) in (None, "frustrated"):  # "thanks" or "bye" lets it go
                # ("this is useless" after "what was missing?" is for the trainers)
                if says_not_it(text) and voice.not_it_reply(turn, awaited):
                    return  # a looked-up lesson rated down: its question goes on after all
                voice.reply(turn, awaited, text, kept_word)
                return
        if says_not_it(text):
            # "Not what I asked" of a lesson just looked up (an open question and a reply the
            # bot invited came first: "wrong one" may be a choice, "not helpful" a comment).
            # With no such lesson it is no question to look up: the answer would invite the
            # same words again.
            if not voice.not_it(turn):
                turn.say(Notice(NoticeCode.ALREADY_PASSED if voice.asked_lately(turn)
                                else NoticeCode.NOTHING_TO_REJECT))
            return
        if settings.forget_reply(turn, said):
            return  # "yes" to "Type 'forget confirm' to go ahead"
        if open_ask is None and answer_choices(text) is not None and self.pick_stale(turn):
            # "4" hours after "Did you mean ...", a quiz since: an answer to no question, not
            # a pick ("the lessons I offered were for a question asked ...").
            turn.say(Notice(NoticeCode.NO_OPEN_QUESTION))
            return
        if open_ask is None and lessons.pick_typed(turn, said, quiz_on):
            return  # "2" or "yes" to "Did you mean ...?"
        if open_ask is None and said in ("skip", "pass"):
            turn.say(Notice(NoticeCode.NOTHING_TO_SKIP))  # says what skip does, and the way on
            return
        if open_ask is None and (answer_choices(text) is not None or said in SKIP_WORDS):
            turn.say(Notice(NoticeCode.NO_OPEN_QUESTION))  # an answer, but nothing was asked
            return
        if open_ask is None and said in CANCEL_WORDS:
            # What the bot asks to type after `forget`, typed with nothing to cancel: it had
            # been looked up ("I have no lesson on 'cancel'. Did you mean ...").
            turn.say(Notice(NoticeCode.NOTHING_TO_CANCEL))
            return
        talk = small_talk(text)
        if talk is not None:
            if not created:
                turn.say(Notice({"thanks": NoticeCode.THANKS, "bye": NoticeCode.BYE,
                                 "ack": NoticeCode.ACK, "unclear": NoticeCode.UNCLEAR,
                                 "about": NoticeCode.ABOUT_BOT,
                                 "frustrated": NoticeCode.FRUSTRATED}.get(
                    talk, NoticeCode.SMALL_TALK)))
            return
        slip = slip_in_words(text)
        if slip is not None and not turn.catalog.knows(slip[0]) and \
                not turn.catalog.names_lesson(text):
            # "pasue", "lesosn pls" or "next lesosn please" (it had been looked up: a lesson
            # on Pomodoros, a git lesson), asked about with a question open too; the question
            # waits, as after a slashed slip.
            self.ask_about_slip(turn, *slip)
        elif not lessons.lookup(turn, question_text(inbound.text or ""), missed=(
                (lambda: quiz.no_such_choice(turn, open_ask))
                if open_ask is not None and quiz.near_choice(turn, open_ask, text) else None)):
            # It would have shown the open question's answer, or it was an answer to it that
            # missed the choices (said so, rather than lessons it is not about).
            return
        if open_ask is not None:  # a baseline check shows no answers: "skip" is "I don't know"
            turn.say(Notice(NoticeCode.CHECK_OPEN if open_ask.check_phase == checks.PRE
                            else NoticeCode.QUESTION_OPEN))

    @staticmethod
    def ask_about_slip(turn: Turn, word: str, meant: str, awaited: Awaited | None = None) -> None:
        """'Did you mean "lesson"?' of a word one slip from a command (never run: a slip may
        be "stop"), with the reply still invited (``awaited``) said again; a "yes" next runs
        the command meant, unless it could do harm."""
        turn.say(UnknownCommand(word[:50], meant=meant, slashed=False,
                                reply_open=awaited.kind if awaited is not None else "",
                                prompt=awaited.prompt if awaited is not None else ""))
        if meant not in NEVER_ON_YES:
            turn.offer_command(meant)

    def run_command(self, turn: Turn, command: Command, created: bool, raw: str = "") -> None:
        """Do what a command word says (words that do not fit it are a lookup). ``raw`` is
        the message as typed: what is looked up keeps its lines and length (a pasted text)."""
        name, args = command.name, command.args
        if name and not command.slashed and not accepts(name, args):
            # "stop phishing emails" is a question, not the stop command.
            name, args = "", command.text
        if turn.shared and name in PRIVATE_COMMANDS:
            turn.say(Notice(NoticeCode.PRIVATE_ONLY))
            return
        phrase = " ".join(plain_words(command.text)) if name == "lesson" else ""
        if phrase in MOVE_ON or phrase in SKIP_LESSON:
            # "too easy" (the next lesson, said so) or "skip this lesson": the one they leave
            # is not named as left unmarked, they just said why.
            moving_on = phrase in MOVE_ON and bool(turn.history())
            given = len(turn.out)
            lessons.send_lesson(turn, scheduled=False, name_unmarked=False)
            if moving_on and any(isinstance(said, LessonMessage) for said in turn.out[given:]):
                # Said only with a lesson left behind and a next one given: before the first
                # lesson, or with none left, it is `lesson` (nothing to move on from, or to).
                turn.out.insert(given, Notice(NoticeCode.MOVING_ON))
            return
        if name == "":
            lessons.lookup(turn, args)
        elif name == "learn" and args:
            _learn(turn, question_after_command(raw) or args)
        elif name == "unknown":
            meant = misspelt_command(args) or ""
            turn.say(UnknownCommand(args[:50], meant=meant))
            # "yes" next runs the command meant, as after a slip typed without the slash (it
            # had been greeted, or taken as picking a lesson offered before).
            if meant and meant not in NEVER_ON_YES:
                turn.offer_command(meant)
            # '/qiuz' or '/2' with a question open may have been meant as its answer: the
            # question waits, and the learner is told both ways on.
            open_ask = turn.unit.asks.latest_open(turn.learner.id)
            if open_ask is not None:
                turn.say(Notice(NoticeCode.CHECK_OPEN if open_ask.check_phase == checks.PRE
                                else NoticeCode.QUESTION_OPEN))
        elif name == "start":
            if turn.learner.stopped or turn.learner.paused:
                settings.resume(turn)  # "start" after "stop" (or a holiday) starts again
            elif not created:
                turn.say(self.welcome(turn))
        else:
            COMMANDS[name](turn, args)
        if name == "forget" and turn.learner.forget_asked_at == turn.now and \
                any(isinstance(said, Notice) and said.code is NoticeCode.FORGET_CONFIRM
                    for said in turn.out):
            # The warning was just given: a "yes" as the very next message confirms it (any
            # other message lets it go, see take_meant_command).
            turn.offer_command(FORGET_CONFIRMED)

    @staticmethod
    def pick_stale(turn: Turn) -> bool:
        """Whether the lessons last offered ("Did you mean ...?") are past picking and a
        number now is no pick: offered more than :data:`voice.AWAIT` ago, or before a
        question answered since (the number was meant for a quiz)."""
        asked = turn.learner.last_query_at
        if lessons.offered(turn) is not None or asked is None:
            return False
        answered = turn.unit.asks.latest_answered(turn.learner.id)
        return turn.now - asked > voice.AWAIT or (
            answered is not None and answered.answered_at is not None
            and answered.answered_at > asked)

    def take_meant_command(self, turn: Turn) -> str | None:
        """The command a slip was asked about ('Did you mean "lesson"?') by the message
        before, within half an hour, for a "yes" to run it; let go by whatever comes next
        (the lessons offered with it stay to be picked)."""
        kept = turn.offered()
        if "command" not in kept:
            return None
        command, at = kept.pop("command"), kept.pop("at", None)
        turn.update_learner(LearnerChange(suggested=json.dumps(kept) if kept else None))
        try:
            asked = datetime.fromisoformat(str(at))
        except ValueError:
            return None
        return str(command) if timedelta(0) <= turn.now - asked <= voice.NOT_IT_WINDOW \
            else None

    def welcome(self, turn: Turn, zone_known: bool = True) -> Welcome:
        """The greeting, with examples from the library in use (``zone_known``: the time
        zone is one the platform gave, not the default)."""
        mine = lessons.in_topics(turn) if turn.learner.topics else None
        read = turn.read()
        return Welcome(turn.view(), len(self.catalog.lessons()),
                       lessons.example_question(self.catalog),
                       tuple(lessons.popular_topics(self.catalog, 2)), turn.read_in_library(),
                       zone_known, topic_lessons=None if mine is None else len(mine),
                       topic_read=sum(lesson.id in read for lesson in mine or ()))

    def standing(self, platform: Platform, user_id: str, now: datetime) -> Profile | None:
        """The profile of an enrolled learner (points, streak, badges, next lesson), or None
        for someone not enrolled: looking, unlike writing, never enrols (an App Home opened
        after "forget" must not bring the data back)."""
        with self.store.unit() as unit:
            learner = unit.learners.find(platform.value, user_id)
            if learner is None:
                return None
            turn = self.turn(unit, learner, now)
            return quiz.standing(turn)

    # -- scheduled deliveries ----------------------------------------------------------------

    def compose(self, unit: UnitOfWork, delivery: Delivery, now: datetime,
                learner: Learner | None = None) -> list[Outbound]:
        """What one outbox row says, decided and recorded in the caller's unit of work.

        Composing a row again (a retry, or a restart after a crash) says the same thing: the
        lesson chosen is kept on the row, an open question is asked again rather than a new
        one, and progress and points are recorded once. An empty list means there is nothing
        to send (a learner on holiday, no question due, a reminder no longer needed).
        """
        learner = learner or unit.learners.get(delivery.learner_id)
        if learner is None or learner.stopped or learner.unreachable or (
                learner.paused and not settings.holiday_over(learner, now)):
            return []
        turn = self.turn(unit, learner, now)
        settings.end_holiday(turn)  # the first push after a holiday's end date welcomes back
        voice.close(turn)  # words after a push are about it, not an earlier invitation
        if delivery.kind is DeliveryKind.LESSON:
            # The lesson chosen travels in the messages, which the caller keeps on the row.
            lessons.send_lesson(turn, scheduled=True, chosen=delivery.lesson_id)
        elif delivery.kind is DeliveryKind.QUIZ:
            quiz.send_quiz(turn, scheduled=True)
        elif delivery.kind is DeliveryKind.NUDGE:
            quiz.nudge(turn)
        else:
            raise ValueError(f"unknown delivery kind {delivery.kind!r}")
        return turn.out

    def relinked(self, messages: Sequence[Outbound]) -> list[Outbound]:
        """Messages composed before (kept on an outbox row, sent again) with their lessons'
        links to other lessons looked up as the catalog has them now."""
        return lesson_links.relinked(self.catalog, messages)

    def withdraw(self, unit: UnitOfWork, delivery: Delivery) -> None:
        """A lesson delivery that never reached the learner: take back what composing it
        recorded, so the lesson comes again (see :func:`bot.engine.lessons.withdraw`)."""
        lessons.withdraw(unit, delivery)

    def reply_lost(self, platform: str, user_id: str, replies: Sequence[Outbound]) -> None:
        """The platform took none of a reply (an outage past its retries, a refusal): a lesson
        in it (`lesson`) was recorded as the learner's and never reached them, so it is taken
        back and comes again. Answers it followed stay graded."""
        lesson_ids = [reply.lesson.id for reply in replies if isinstance(reply, LessonMessage)]
        if not lesson_ids:
            return
        with self.store.unit() as unit:
            learner = unit.learners.find(platform, user_id)
            if learner is None:
                return
            for lesson_id in lesson_ids:
                lessons.take_back(unit, learner.id, lesson_id)
        log.info("a reply with %d lesson(s) did not reach learner %s: taken back", len(lesson_ids),
                 learner.id, extra={"platform": platform, "learner": learner.id})

    # -- what platforms report ---------------------------------------------------------------

    @staticmethod
    def reopen_refused(unit: UnitOfWork, learner: Learner, now: datetime) -> None:
        """The learner can be reached again (they wrote, or unblocked the bot): today's lesson
        or quiz refused meanwhile goes after all."""
        today = calendar.local_date(now, calendar.zone(learner.time_zone))
        for delivery in unit.deliveries.recent(learner.id, now - timedelta(days=2)):
            if delivery.local_date == today and \
                    delivery.kind in (DeliveryKind.LESSON, DeliveryKind.QUIZ):
                unit.deliveries.reopen(delivery.id, now)

    def unreachable(self, learner_id: int, reason: str) -> None:
        """The platform refused a delivery for good (blocked, deactivated): push nothing more
        until the learner writes again."""
        with self.store.unit() as unit:
            if unit.learners.get(learner_id) is not None:
                unit.learners.update(learner_id, LearnerChange(unreachable=reason[:200]))

    def poll_sent(self, platform: str, poll_id: str, ask_id: int, now: datetime) -> None:
        """Remember which ask a native quiz poll stands for (its answers carry only its id)."""
        with self.store.unit() as unit:
            self.record_poll(unit, platform, poll_id, ask_id, now)

    @staticmethod
    def record_poll(unit: UnitOfWork, platform: str, poll_id: str, ask_id: int,
                    now: datetime) -> None:
        """:meth:`poll_sent` in the caller's unit of work (the dispatcher records a push's
        polls with its outcome)."""
        ask = unit.asks.get(ask_id)
        if ask is not None:
            unit.polls.add(platform, poll_id, ask.learner_id, ask_id, now)

    def moved(self, learner_id: int, chat_id: str) -> None:
        """The learner's chat changed (a DM opened, a group migrated): send there from now."""
        with self.store.unit() as unit:
            learner = unit.learners.get(learner_id)
            if learner is not None and learner.chat_id != chat_id:
                unit.learners.update(learner_id, LearnerChange(chat_id=chat_id))
