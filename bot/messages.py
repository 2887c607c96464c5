"""The neutral message model: what adapters turn platform events into, and what they render.

Inbound, every platform event becomes one :class:`Inbound`. Outbound, the engine says one of the
frozen message classes below; :data:`Outbound` is their union, and renderers ``match`` on it.
Fields are neutral (content objects, numbers, words the learner chose): no storage record, no
platform markup, and no learner-facing sentence, which lives in the templates of
``bot/rendering/templates`` (one per :class:`Kind`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.content.markdown import plain_text
from bot.content.model import Lesson, Question

# The domain's platforms are storage's vocabulary (the values are stored), re-exported here.
from storage.records import Platform as Platform


class Kind(StrEnum):
    """What an outbound message is; each kind has its own template, named after its value."""

    WELCOME = "welcome"
    HELP = "help"
    LESSON = "lesson"
    QUESTION = "question"
    FEEDBACK = "feedback"
    LOOKUP = "lookup"
    NO_MATCH = "no_match"
    FLAG_NOTED = "flag_noted"
    PICK_RANGE = "pick_range"
    PROFILE = "profile"
    LEADERBOARD = "leaderboard"
    SETTINGS = "settings"
    NOTICE = "notice"
    STATS = "stats"
    RESUMED = "resumed"
    PAUSED = "paused"
    BADGE_BOARD = "badge_board"
    ZONE_NOW = "zone_now"
    UNKNOWN_COMMAND = "unknown_command"
    ALL_READ = "all_read"
    NOTHING_DUE = "nothing_due"
    CHOICE_RANGE = "choice_range"
    BADGES = "badges"
    INVALID = "invalid"
    TOPICS = "topics"
    RELOADED = "reloaded"
    SETTING_NOW = "setting_now"
    STREAK = "streak"
    LEARN_WHAT = "learn_what"
    READ = "read"
    ADDED = "added"
    DASHBOARD_LINK = "dashboard_link"
    RATE = "rate"
    RATED = "rated"
    NOT_IT = "not_it"
    LOOKED_UP_DONE = "looked_up_done"
    REFLECT = "reflect"
    NOTED = "noted"
    NOTES = "notes"
    MY_DATA = "my_data"
    LINK_CODE = "link_code"
    LINKED = "linked"
    UNLINKED = "unlinked"
    PUSH_TO = "push_to"
    CHECK = "check"
    CHECKED = "checked"
    TOPIC_QUIZ = "topic_quiz"
    REMINDER = "reminder"


class Setting(StrEnum):
    """A setting a bare command word shows."""

    TIME = "time"
    DAYS = "days"
    ALL = "all"
    """`settings`: every setting, each with the words that change it."""


class NoticeCode(StrEnum):
    """A short notice that needs no data: its sentence is in ``notice.txt``."""

    EMPTY = "empty"
    SMALL_TALK = "small_talk"
    ACK = "ack"
    UNCLEAR = "unclear"
    PAUSED = "paused"
    SAME_ANSWER = "same_answer"
    EDIT_NOT_DONE = "edit_not_done"
    FORGET_EXPIRED = "forget_expired"
    BUDGET_DONE = "budget_done"
    NUDGE = "nudge"
    TOO_FAST = "too_fast"
    """Not the engine's: the bot's host says it when a person goes over [inbound]'s limit."""
    NUDGES_ON = "nudges_on"
    NUDGES_OFF = "nudges_off"
    QUIZ_DONE = "quiz_done"
    NO_OPEN_QUESTION = "no_open_question"
    BAD_ANSWER = "bad_answer"
    ALREADY_ANSWERED = "already_answered"
    QUESTION_CLOSED = "question_closed"
    QUESTION_GONE = "question_gone"
    QUESTION_CHANGED = "question_changed"
    ALREADY_PAUSED = "already_paused"
    NOT_PAUSED = "not_paused"
    STOPPED = "stopped"
    FORGET_CONFIRM = "forget_confirm"
    FORGOTTEN = "forgotten"
    NOTHING_TO_FLAG = "nothing_to_flag"
    TRAINERS_ONLY = "trainers_only"
    NOT_YOURS = "not_yours"
    EDITED_ANSWER = "edited_answer"
    THANKS = "thanks"
    BYE = "bye"
    STAY_FORGOTTEN = "stay_forgotten"
    ONE_CHOICE = "one_choice"
    QUESTION_OPEN = "question_open"
    ANSWER_FIRST = "answer_first"
    NOTHING_TO_MARK = "nothing_to_mark"
    NOTHING_TO_ADD = "nothing_to_add"
    PICK_EXPIRED = "pick_expired"
    CHECK_OPEN = "check_open"
    FORGET_CANCELLED = "forget_cancelled"
    IN_CHECK = "in_check"
    NOTHING_TO_REJECT = "nothing_to_reject"
    ALREADY_PASSED = "already_passed"
    DASHBOARD_OFF = "dashboard_off"
    LESSON_GONE = "lesson_gone"
    NO_QUESTIONS = "no_questions"
    NOTHING_TO_RATE = "nothing_to_rate"
    NOTHING_TO_CANCEL = "nothing_to_cancel"
    RATE_HOW = "rate_how"
    REPLY_SKIPPED = "reply_skipped"
    LINK_UNKNOWN = "link_unknown"
    LINK_SELF = "link_self"
    LINK_TAKEN = "link_taken"
    NOT_LINKED = "not_linked"
    PUSH_WHERE = "push_where"
    CHECK_SKIPPED = "check_skipped"
    CHECK_SET_ASIDE = "check_set_aside"
    REVIEW_WAITS = "review_waits"
    NO_CHECK = "no_check"
    PRIVATE_ONLY = "private_only"
    SET_DONE = "set_done"
    ABOUT_BOT = "about_bot"
    FRUSTRATED = "frustrated"
    MOVING_ON = "moving_on"
    NOTHING_TO_SKIP = "nothing_to_skip"
    NOTHING_TO_REPEAT = "nothing_to_repeat"
    SHORT_HELP = "short_help"
    LESSON_UNMARKED = "lesson_unmarked"
    STILL_UNMARKED = "still_unmarked"
    QUESTION_ABOVE = "question_above"


LessonLinks = tuple[tuple[str, str], ...]
"""(link as the lesson writes it, title of the lesson it leads to) for each of a lesson's links
to another lesson in service: a chat cannot open a file, so a renderer shows such a link as its
words and how to open that lesson (typing "learn" and its title). The engine fills it in from
the catalog when it says the message (:meth:`bot.content.catalog.Catalog.lesson_links`); a
link not in it is shown as the platform shows any link."""


@dataclass(frozen=True)
class Button:
    """An answer button; ``value`` is short (Telegram allows 64 bytes) and names the answer."""

    label: str
    value: str


@dataclass(frozen=True)
class Inbound:
    """One thing a learner did: typed ``text`` or pressed the button whose value is ``answer``."""

    platform: Platform
    user_id: str
    chat_id: str | None = None
    text: str | None = None
    answer: str | None = None
    display_name: str = ""
    time_zone: str | None = None
    """The platform's idea of the learner's time zone (Slack has one), used at enrolment."""
    poll_id: str | None = None
    """An answer to a native quiz poll: the poll's id (see ``Host.poll_sent``) ..."""
    choices: tuple[int, ...] = ()
    """... and the zero-based options chosen (empty: the vote was taken back)."""
    edited: bool = False
    """Words the learner edited in a message sent a moment ago (a typo fixed): read as a
    question to look up, never as a command or an answer (an old "2" edited to "3" must not
    answer the question asked since)."""
    shared: bool = False
    """Said in a chat others read (a Telegram group): what is the learner's alone (their data,
    notes, codes, sign-in links) is not answered there, and the chat does not become theirs."""
    event_id: str | None = None
    """The platform's id of the event (a Slack event id, a Telegram update id), when it may
    send the event again: the engine handles each id once, whichever replica gets it."""


# -- what outbound messages say about the learner ---------------------------------------------

@dataclass(frozen=True)
class LearnerView:
    """A learner's name and settings, as messages show them."""

    display_name: str
    time_zone: str
    """As learners read it ('Europe/Berlin', or 'UTC+2' for a fixed offset)."""
    lesson_time: str
    quiz_time: str
    workdays: tuple[str, ...]
    topics: tuple[str, ...] = ()
    paused: bool = False
    stopped: bool = False
    leaderboard_opt_in: bool = False
    next_lesson_at: datetime | None = None
    """When the next lesson is planned (UTC), None when nothing is planned."""
    paused_until: str = ""
    """The last day of a holiday with an end date ('Mon 14 Dec'; "": none)."""
    back_on: str = ""
    """With ``paused_until``, the learning day lessons come again ('Tue 15 Dec')."""


@dataclass(frozen=True)
class StreakView:
    """The streak as it stands today."""

    current: int = 0
    longest: int = 0
    freezes: int = 0
    ended: int = 0
    """The streak that ended since the learner last acted (0: none did)..."""
    ended_on: str = ""
    """... on this learning day of theirs ('Wed 2 Dec'), the first missed that no freeze
    covered."""


@dataclass(frozen=True)
class BadgeGoal:
    """A badge not yet earned: what earns it and how far the learner is."""

    name: str
    what: str
    """'lessons' (lessons read), 'streak' (days in a row), 'mastered' (questions mastered)
    or 'track' (every lesson of the track read)."""
    target: int
    have: int


@dataclass(frozen=True)
class Standing:
    """One row of a leaderboard."""

    display_name: str
    points: int


@dataclass(frozen=True)
class TrackProgress:
    """How far a learner is through a track they started."""

    name: str
    """The track's display name."""
    read: int
    total: int


@dataclass(frozen=True)
class TrackGain:
    """What a learner knew of a finished track before its first lesson and after its last."""

    name: str
    """The track's display name."""
    pre: float
    """Share of the check's questions known before (0-1)..."""
    post: float
    """... and after."""
    gain: float | None
    """Normalised gain, (post - pre) / (1 - pre); None when everything was known before."""


@dataclass(frozen=True)
class QuestionFigure:
    """A question a trainer should look at: its text, and right / total answers."""

    text: str
    right: int
    total: int


@dataclass(frozen=True)
class FlagFigure:
    """A question learners flagged as wrong: its text, how often, and their notes."""

    text: str
    count: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class MissFigure:
    """Words learners looked up that no lesson answered, and how often."""

    query: str
    count: int


# -- outbound messages: one class per kind ----------------------------------------------------

@dataclass(frozen=True)
class Welcome:
    """The greeting of a newcomer, with their settings."""

    kind: ClassVar[Kind] = Kind.WELCOME
    learner: LearnerView
    lessons: int
    """How many lessons the library offers."""
    example: str = "how do I spot a phishing email?"
    """Something to ask, taken from the library in use (a lesson's title as a question)."""
    topics: tuple[str, ...] = ()
    """A few of the library's topics, for the settings example."""
    read: int = 0
    """Lessons the learner has read: a learner who says /start again is greeted back."""
    zone_known: bool = True
    """False when the time zone is the default, not one the platform gave for the learner
    (Telegram gives none): the greeting then asks where they are."""
    topic_lessons: int | None = None
    """How many lessons the learner's topics hold, when they chose topics (None: all)."""
    topic_read: int = 0
    """How many of those they have read."""


@dataclass(frozen=True)
class Help:
    """The words the bot understands."""

    kind: ClassVar[Kind] = Kind.HELP
    trainer: bool = False


@dataclass(frozen=True)
class LessonMessage:
    """A lesson, pushed or asked for: delivered, not yet read."""

    kind: ClassVar[Kind] = Kind.LESSON
    lesson: Lesson
    done: str = ""
    """What a press of the "Got it" button under it sends back (empty: no button)."""
    links: LessonLinks = ()
    """How to open each lesson the lesson's links lead to (see :data:`LessonLinks`)."""


RECAP_CHARS = 200
"""How much of a choice's text an answer's recap shows ("You answered: 2) ...")."""


@dataclass(frozen=True)
class AnswerGiven:
    """An answer to an ask. A baseline question's gets no feedback of its own (nothing may
    give the answer away): the message after it carries it, so that an adapter takes the
    buttons off the question's message when the answer was typed, as a press does."""

    ask_id: int
    lesson: Lesson
    question: Question
    choices: tuple[int, ...]
    """The zero-based choices the learner gave (empty: "skip")."""
    confidence: str = ""
    """How sure they said they were ('s', 't', 'g'; "" when not asked)."""

    def picked(self, limit: int = RECAP_CHARS) -> tuple[tuple[int, str], ...]:
        """(number as shown, plain text cut at ``limit``) of each choice given."""
        choices = self.question.choices
        return tuple((index + 1, plain_text(choices[index].text)[:limit])
                     for index in self.choices if 0 <= index < len(choices))


@dataclass(frozen=True)
class QuestionMessage:
    """A quiz question; each button answers one choice (its value names the ask and choice)."""

    kind: ClassVar[Kind] = Kind.QUESTION
    lesson: Lesson
    question: Question
    ask_id: int
    buttons: tuple[Button, ...] = ()
    number: int = 0
    """Its place in the day's pushed set ("question 2 of 5"); 0 when asked for."""
    of: int = 0
    check: str = ""
    """'pre' when asked by a track's baseline check (nothing counts: a platform must not reveal
    the answer, so no native quiz poll), 'post' by its endline; "" for a review."""
    levels: tuple[str, ...] = ()
    """How sure the learner may say they are with the answer ('s' sure, 't' think so, 'g'
    guessing), when the question asks it: then ``buttons`` hold, for each choice in turn, one
    button per level (one tap gives both). Empty: it does not ask."""
    follows: AnswerGiven | None = None
    """The baseline answer this next baseline question follows."""
    links: LessonLinks = ()
    """How to open each lesson the lesson's links lead to (see :data:`LessonLinks`)."""


@dataclass(frozen=True)
class Feedback:
    """The result of an answer."""

    kind: ClassVar[Kind] = Kind.FEEDBACK
    lesson: Lesson
    question: Question
    correct: bool
    choices: tuple[int, ...]
    """The zero-based choices the learner gave."""
    mastered: bool
    points: int
    """The learner's points after this answer."""
    skipped: bool = False
    """The learner said they do not know: the answer is shown, nothing is guessed."""
    earned: int = 0
    """Points this answer earned (with those for mastering the question)."""
    mastered_points: int = 0
    """Of ``earned``, those for mastering the question."""
    confidence: str = ""
    """How sure the learner said they were ('s', 't', 'g'; "" when not asked)."""
    practice: bool = False
    """Asked in a quiz on a topic before its review was due: it earns no points (a quiz on
    the same lesson every day must not outscore steady reviews)."""
    ask_id: int = 0
    """The ask answered: an adapter takes the buttons off its question's message when the
    answer was typed (0: not known)."""
    slipping: bool = False
    """Missed again (:data:`bot.engine.rules.SLIPPING_LAPSES` times or more): the feedback
    points back to the lesson, to read again."""
    links: LessonLinks = ()
    """How to open each lesson the lesson's links lead to (see :data:`LessonLinks`)."""


@dataclass(frozen=True)
class LookupAnswer:
    """The lesson that best answers a learner's question, and the runners-up."""

    kind: ClassVar[Kind] = Kind.LOOKUP
    query: str
    lesson: Lesson
    others: tuple[Lesson, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    """(typed, read as) for each word the lookup corrected."""
    add: str = ""
    """What a press of "Add to my reviews" sends back (empty: the lesson has no questions, or
    they are already in the learner's reviews)."""
    unsure: bool = False
    """Lookup answers, but is not sure this is what was asked: the reply says so, and how to
    tell the trainers it was not."""
    not_it: str = ""
    """What a press of "Not what I asked" sends back (empty: no such button)."""
    links: LessonLinks = ()
    """How to open each lesson the lesson's links lead to (see :data:`LessonLinks`)."""


@dataclass(frozen=True)
class NoMatch:
    """No lesson answers the question; maybe titles that come close."""

    kind: ClassVar[Kind] = Kind.NO_MATCH
    query: str
    suggestions: tuple[str, ...] = ()
    picks: tuple[str, ...] = ()
    """What a press of each suggestion's button sends back."""
    numbered: bool = True
    """A typed number picks one (not while a quiz question is open: a number answers it)."""
    quiz: bool = False
    """Offered for a quiz on a topic ("quiz me on stres"): one picked starts its quiz."""


@dataclass(frozen=True)
class PickRange:
    """A number that picks none of the lessons offered ("Did you mean"): there were ``count``."""

    kind: ClassVar[Kind] = Kind.PICK_RANGE
    count: int


@dataclass(frozen=True)
class Profile:
    """A learner's standing: points, streak, badges, progress."""

    kind: ClassVar[Kind] = Kind.PROFILE
    learner: LearnerView
    points: int
    week_points: int
    streak: StreakView
    badges: tuple[str, ...]
    lessons_read: int
    lessons_total: int
    mastered: int
    tracks: tuple[TrackProgress, ...] = ()
    """The tracks the learner started, in the order started."""
    due_today: int = 0
    """Review questions due by the end of the learner's day..."""
    due_tomorrow: int = 0
    """... and those coming due by the end of the next learning day."""
    accuracy: float | None = None
    """Right answers of the last 30 days (None: no answer in that time)."""
    answered: int = 0
    """Answers of the last 30 days."""
    gains: tuple[TrackGain, ...] = ()
    """The learner's gain in each track whose two knowledge checks are done."""
    day_off: bool = False
    """Today is not one of the learner's learning days: it neither adds to the streak nor
    breaks it."""
    lessons_left: bool = True
    """A lesson is still to come in the learner's topics (False: every one is read, so no
    lesson is pushed until a trainer adds one; reviews still come)."""
    none_in_topics: bool = False
    """No lesson of the library is in the learner's topics now (so none is left either)."""
    next_day: str = ""
    """That day's name ('Mon') when it is not tomorrow (a Friday's next is Monday)."""
    topic_lessons: int | None = None
    """How many of the library's lessons are in the learner's topics, the lessons they get
    (None: no topics chosen, so every lesson is theirs and ``lessons_total`` says it)."""
    topic_read: int = 0
    """Of those, how many the learner has read."""
    daily_quiz: int = 0
    """The most review questions a day's pushed quiz asks (`quiz` asks the rest)."""


@dataclass(frozen=True)
class Leaderboard:
    """This week's leaderboard and where the learner stands."""

    kind: ClassVar[Kind] = Kind.LEADERBOARD
    board: tuple[Standing, ...]
    opted_in: bool
    my_points: int
    changed: bool = False
    """The learner just joined or left it (`top join`, `top leave`): said first."""
    asked: bool = False
    """The learner asked to join or leave (``changed`` False: they already were where they
    asked to be, and are told so)."""


@dataclass(frozen=True)
class SettingsSaved:
    """A change of settings, confirmed with all of them."""

    kind: ClassVar[Kind] = Kind.SETTINGS
    learner: LearnerView
    from_profile: bool = False
    """The time zone came from the learner's platform profile, late (not a change they
    made)."""
    reminders_close: str | None = None
    """The quiz was just set too late for its reminder: the latest a reminder comes ('HH:MM',
    half an hour before the waking hours close)."""


@dataclass(frozen=True)
class Stats:
    """How the learners are doing (for trainers)."""

    kind: ClassVar[Kind] = Kind.STATS
    learners: int
    active: int
    lessons_sent: int
    accuracy: float | None
    answers: int
    hardest: tuple[QuestionFigure, ...] = ()
    flags: tuple[FlagFigure, ...] = ()
    lessons_read: int = 0
    """Lessons learners acted on (of all sent or looked up)."""
    missed: int = 0
    """Lookups no lesson answered (30 days), "not what I asked" included."""
    different: int = 0
    """How many different questions they were (the same words in any case count once)."""
    most_missed: tuple[MissFigure, ...] = ()
    """The questions among them asked most often."""


@dataclass(frozen=True)
class Notice:
    """A short notice, without data but for the account of ``trainers_only``."""

    kind: ClassVar[Kind] = Kind.NOTICE
    code: NoticeCode
    account: str = ""
    """For ``trainers_only``: the learner's 'platform:user_id', which makes them a trainer
    in [bot] trainers."""
    title: str = ""
    """For ``lesson_unmarked``: the title of the lesson not marked read."""


@dataclass(frozen=True)
class Resumed:
    """Back from a holiday or a stop; ``days`` of holiday moved the reviews."""

    kind: ClassVar[Kind] = Kind.RESUMED
    days: int = 0
    keep_today: int = 0
    """The streak (days) that today's lesson or an answer today keeps: back on a learning
    day, the day counts again (0: nothing to say)."""
    learner: LearnerView | None = None
    """The settings the messages come by again (a stop may have been weeks ago)."""
    ended: str = ""
    """The last day of a holiday that ended by itself ('Mon 14 Dec'): the welcome back is
    short, said before what the day brings ("": the learner said `resume`)."""


@dataclass(frozen=True)
class Paused:
    """A holiday with an end date begun (or its end date changed)."""

    kind: ClassVar[Kind] = Kind.PAUSED
    until: str
    """Its last day ('Mon 14 Dec')..."""
    back: str
    """... and the learning day lessons come again ('Tue 15 Dec')."""


@dataclass(frozen=True)
class ZoneNow:
    """The learner's time zone, and how to change it."""

    kind: ClassVar[Kind] = Kind.ZONE_NOW
    zone: str


@dataclass(frozen=True)
class UnknownCommand:
    """A slash command the bot does not know."""

    kind: ClassVar[Kind] = Kind.UNKNOWN_COMMAND
    word: str
    meant: str = ""
    """The command the word is one slip away from ("pasue": "pause"), asked about."""
    slashed: bool = True
    reply_open: str = ""
    """'reflection' or 'comment' when the word came as the reply the bot invited: it is not
    kept, and the invitation stays open (said again, with ``prompt``)."""
    prompt: str = ""
    """The reflection question still open, for ``reply_open``."""


@dataclass(frozen=True)
class AllRead:
    """Every lesson (of the learner's topics) has been read."""

    kind: ClassVar[Kind] = Kind.ALL_READ
    topics: tuple[str, ...] = ()
    none_in_topics: bool = False
    """No lesson of the library is in the learner's topics now (a trainer renamed or removed
    them): nothing was read, there is nothing to read."""


@dataclass(frozen=True)
class NothingDue:
    """No question is due; when the next one is (in the learner's time zone)."""

    kind: ClassVar[Kind] = Kind.NOTHING_DUE
    next_due: datetime | None = None
    check: str = ""
    """A track whose knowledge check before its first lesson waits (it goes on with
    `lesson`), or ''."""


@dataclass(frozen=True)
class ChoiceRange:
    """A typed answer outside the question's choices, or fitting several alike."""

    kind: ClassVar[Kind] = Kind.CHOICE_RANGE
    count: int
    several: bool
    fits: tuple[int, ...] = ()
    """The choices (numbered from 1, as shown) that typed words fit alike ("yes" when two
    choices begin "Yes, ..."): asked which, not guessed."""
    unmatched: bool = False
    """Words typed close to the choices named none of them clearly (a typo too many, words
    of two choices alike): asked again, not looked up."""


@dataclass(frozen=True)
class BadgesEarned:
    """Badges this moment earned, by name."""

    kind: ClassVar[Kind] = Kind.BADGES
    names: tuple[str, ...]


@dataclass(frozen=True)
class BadgeBoard:
    """`badges`: the badges earned, those still to earn and how close each is, and how
    streak freezes work."""

    kind: ClassVar[Kind] = Kind.BADGE_BOARD
    earned: tuple[str, ...]
    goals: tuple[BadgeGoal, ...]
    """The badges not yet earned, the closest first."""
    streak: int
    freezes: int
    """Freezes in reserve..."""
    max_freezes: int
    """... at most this many are kept..."""
    freeze_every: int
    """... one is earned for every this many days in a row..."""
    to_next_freeze: int
    """... and the next comes after this many more (0: the reserve is full)."""
    first_freeze: bool = True
    """No freeze was earned yet (none in reserve, and the streak never reached one)."""


@dataclass(frozen=True)
class Invalid:
    """A setting the bot could not accept, and why (the reason shows how to write it)."""

    kind: ClassVar[Kind] = Kind.INVALID
    reason: str


@dataclass(frozen=True)
class TopicsNow:
    """The learner's topics and the library's."""

    kind: ClassVar[Kind] = Kind.TOPICS
    chosen: tuple[str, ...]
    available: tuple[str, ...]


@dataclass(frozen=True)
class Reloaded:
    """A trainer's reload: what changed, and the library's problems."""

    kind: ClassVar[Kind] = Kind.RELOADED
    added: int
    changed: int
    removed: int
    problems: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    """Files with errors whose last good version learners still get."""
    unserved: tuple[str, ...] = ()
    """Files with errors and no good version: learners get nothing of them."""
    more: int = 0
    """Problems beyond those listed."""


@dataclass(frozen=True)
class SettingNow:
    """A setting as it stands, and how to change it (a bare `time` or `days`)."""

    kind: ClassVar[Kind] = Kind.SETTING_NOW
    setting: Setting
    learner: LearnerView
    nudges: bool = True
    """Whether reminders are on (shown by `settings`)."""


@dataclass(frozen=True)
class StreakNews:
    """What just happened to the streak: a freeze earned or used, or a streak at risk today."""

    kind: ClassVar[Kind] = Kind.STREAK
    current: int
    freeze_earned: bool = False
    freezes_used: int = 0
    at_risk: bool = False


@dataclass(frozen=True)
class Reminder:
    """The reminder of today's questions still waiting (the first of them follows), and the
    streak that ends today unless the learner answers (0: none at risk)."""

    kind: ClassVar[Kind] = Kind.REMINDER
    waiting: int = 1
    streak: int = 0


@dataclass(frozen=True)
class LearnWhat:
    """`learn` without a topic: an example from the library in use."""

    kind: ClassVar[Kind] = Kind.LEARN_WHAT
    example: str


@dataclass(frozen=True)
class LessonRead:
    """A lesson counted as read: by "Got it", `done`, or an answer to one of its questions."""

    kind: ClassVar[Kind] = Kind.READ
    title: str
    earned: int
    """Points it earned now (0: it already counted)."""
    points: int
    """The learner's points after it."""
    already: bool = False
    """It had been counted before: nothing new."""
    by_answer: bool = False
    """Counted because the learner answered one of its questions."""
    capped: bool = False
    """It earned nothing: the day's lessons with points were read already."""


@dataclass(frozen=True)
class LookedUpDone:
    """`done` when the lesson the learner saw last was looked up: a looked-up lesson is never
    counted (no points), so nothing is; its questions can join the reviews, and the lesson
    delivered to them that still waits to be counted is named (a second `done` counts it)."""

    kind: ClassVar[Kind] = Kind.LOOKED_UP_DONE
    title: str
    questions: int = 0
    """Its questions that "Add to my reviews" would add (0: none, or they are there already)."""
    in_reviews: bool = False
    """Its questions are in the learner's reviews already."""
    waiting: str = ""
    """The title of the learner's lesson not yet counted, which `done` again counts ("":
    none)."""


@dataclass(frozen=True)
class ReviewsAdded:
    """A looked-up lesson's questions are now in the learner's reviews."""

    kind: ClassVar[Kind] = Kind.ADDED
    title: str
    questions: int
    already: bool = False
    """They already were."""
    first_due: datetime | None = None
    """When the first of them comes (in the learner's time zone)."""


@dataclass(frozen=True)
class TopicQuiz:
    """A quiz on a topic the learner named ("quiz me on passwords"): where it stands."""

    kind: ClassVar[Kind] = Kind.TOPIC_QUIZ
    title: str
    """The lesson whose questions are asked (or that answers the topic)."""
    state: str
    """'start' (its questions follow), 'done' (the last one was answered), 'answered' (every
    one was answered today already), 'none' (the lesson that answers has no questions),
    'unsure' (lookup is not sure the lesson is what was asked: nothing is asked), 'no_last'
    ("quiz me on it" with no lesson yet) or 'subject_done' (every question of the track or
    topic named, ``title``, was answered today)."""
    questions: int = 0
    """How many questions the lesson has."""
    left: int = 0
    """How many of them are still to be answered today."""
    added: bool = False
    """Its questions joined the learner's reviews with this quiz."""
    corrections: tuple[tuple[str, str], ...] = ()
    """(typed, read as) for each word of the topic lookup corrected."""
    topic: str = ""
    """The topic as the learner wrote it ('unsure')."""
    other: str = ""
    """A runner-up lesson that has questions ('none'), or ''."""
    due: int = 0
    """Review questions that can be asked now ('done', 'answered', 'subject_done')."""
    subject: str = ""
    """The track or topic the learner named, when they named one ("quiz me on git": its
    lessons one at a time, those due first); with 'subject_done', every question of its
    lessons was answered today."""
    pick: bool = False
    """'unsure': "yes" takes the quiz on the lesson named (no question is open, whose answer
    a "yes" or a number could be)."""
    check: str = ""
    """The track whose knowledge check the quiz interrupted, while its question is open
    ('done', 'answered', 'subject_done'): `quiz` goes on with it."""


@dataclass(frozen=True)
class DashboardLink:
    """A trainer's one-time sign-in link to the dashboard."""

    kind: ClassVar[Kind] = Kind.DASHBOARD_LINK
    url: str
    minutes: int


@dataclass(frozen=True)
class RateLesson:
    """A one-tap rating offered for a lesson just read: never required, never asked again."""

    kind: ClassVar[Kind] = Kind.RATE
    title: str
    up: str
    """The value of the "useful" button."""
    down: str
    """The value of the "not useful" button."""


@dataclass(frozen=True)
class FlagNoted:
    """A question the learner flagged as wrong, kept for the trainers: which one."""

    kind: ClassVar[Kind] = Kind.FLAG_NOTED
    question: str


@dataclass(frozen=True)
class NotIt:
    """A looked-up lesson the learner says did not answer them: their words go to trainers."""

    kind: ClassVar[Kind] = Kind.NOT_IT
    query: str
    title: str
    taken_back: bool = False
    """The lesson's questions, put into the reviews by a quiz on the topic just now, left
    them again."""


@dataclass(frozen=True)
class Rated:
    """A lesson's rating kept; a "not useful" invites a word on what was missing."""

    kind: ClassVar[Kind] = Kind.RATED
    title: str
    useful: bool
    ask_comment: bool = False
    comment: str = ""
    """The words kept with the rating, when the learner gave them at once."""
    can_pass_on: bool = False
    """Rated not useful, the lesson is one a question found whose question can still go to
    the trainers ("not what I asked"): the reply says how, as the rating alone does not pass
    it on (the lesson may have answered it, and been disliked all the same)."""


@dataclass(frozen=True)
class ReflectionPrompt:
    """One reflection question (a trainer's, or at the end of a track): the learner's next
    words are the answer, unless they do anything else."""

    kind: ClassVar[Kind] = Kind.REFLECT
    prompt: str
    title: str
    track_done: str = ""
    """The track the lesson completed (its name), when that is why it is asked."""


@dataclass(frozen=True)
class Noted:
    """The learner's free-text reply kept: a comment on a lesson, or a reflection."""

    kind: ClassVar[Kind] = Kind.NOTED
    what: str
    """'comment' or 'reflection'."""
    title: str
    command: str = ""
    """The command word the reply began with ("flag ..."), kept as words rather than run."""


@dataclass(frozen=True)
class NoteEntry:
    """One of the learner's reflections."""

    written_at: datetime
    """In the learner's time zone."""
    title: str
    prompt: str
    answer: str


@dataclass(frozen=True)
class Notes:
    """`notes`: the learner's own reflections, the latest first."""

    kind: ClassVar[Kind] = Kind.NOTES
    entries: tuple[NoteEntry, ...]
    total: int


@dataclass(frozen=True)
class MyData:
    """Everything stored about the learner, as a file: a document on Telegram, a file in the
    Slack DM, a file whose path is printed on the console."""

    kind: ClassVar[Kind] = Kind.MY_DATA
    filename: str
    content: str
    """The file's text (JSON)."""
    records: int
    """How many stored records it holds."""


@dataclass(frozen=True)
class LinkCode:
    """A one-time code to type on the learner's other platform (`link CODE`)."""

    kind: ClassVar[Kind] = Kind.LINK_CODE
    code: str
    minutes: int


@dataclass(frozen=True)
class Linked:
    """Two accounts are one learner now: the platforms, and where lessons go."""

    kind: ClassVar[Kind] = Kind.LINKED
    platforms: tuple[str, ...]
    push: str


@dataclass(frozen=True)
class Unlinked:
    """This account is on its own again (the learning stays with the other)."""

    kind: ClassVar[Kind] = Kind.UNLINKED
    platform: str


@dataclass(frozen=True)
class PushTo:
    """Where lessons and quizzes go (``changed``: just now)."""

    kind: ClassVar[Kind] = Kind.PUSH_TO
    platform: str
    changed: bool = True


@dataclass(frozen=True)
class CheckIntro:
    """A track's knowledge check begins (or begins again): before its first lesson
    (``phase`` 'pre', nothing counts) or days after its last ('post')."""

    kind: ClassVar[Kind] = Kind.CHECK
    track: str
    """The track's display name."""
    questions: int
    phase: str
    left: int = 0
    """Questions still to answer, when it begins again (0: it begins now)."""


@dataclass(frozen=True)
class CheckDone:
    """A knowledge check answered to the end: what the learner knew (``before``: the
    baseline's right answers, for an endline)."""

    kind: ClassVar[Kind] = Kind.CHECKED
    track: str
    phase: str
    right: int
    total: int
    before: int | None = None
    follows: AnswerGiven | None = None
    """The baseline's last answer, for a baseline."""


Outbound = (Welcome | Help | LessonMessage | QuestionMessage | Feedback | LookupAnswer | NoMatch
            | PickRange | FlagNoted | Profile | Leaderboard | SettingsSaved | Stats | Notice
            | Resumed | Paused | BadgeBoard | ZoneNow
            | UnknownCommand | AllRead | NothingDue | ChoiceRange | BadgesEarned | Invalid
            | TopicsNow | Reloaded | SettingNow | LearnWhat | StreakNews | LessonRead
            | LookedUpDone | ReviewsAdded | DashboardLink | RateLesson | Rated | NotIt
            | ReflectionPrompt | Noted
            | Notes | MyData | LinkCode | Linked | Unlinked | PushTo | CheckIntro | CheckDone
            | TopicQuiz | Reminder)
"""Any one message the bot sends."""

MESSAGE_TYPES: tuple[type[Outbound], ...] = (
    Welcome, Help, LessonMessage, QuestionMessage, Feedback, LookupAnswer, NoMatch, PickRange,
    FlagNoted, Profile, Leaderboard, SettingsSaved, Stats, Notice, Resumed, Paused, BadgeBoard,
    ZoneNow, UnknownCommand, AllRead,
    NothingDue, ChoiceRange, BadgesEarned, Invalid, TopicsNow, Reloaded, SettingNow,
    LearnWhat, StreakNews, LessonRead, LookedUpDone, ReviewsAdded, DashboardLink, RateLesson,
    Rated, NotIt,
    ReflectionPrompt, Noted, Notes, MyData, LinkCode, Linked, Unlinked, PushTo, CheckIntro,
    CheckDone, TopicQuiz, Reminder)
"""Every outbound class, one per :class:`Kind` (the outbox codec and the tests walk them)."""


def answers_given(messages: Sequence[Outbound]) -> list[AnswerGiven]:
    """The answers the messages follow: an adapter takes the buttons off their questions'
    messages when they were typed."""
    given: list[AnswerGiven] = []
    for message in messages:
        if isinstance(message, Feedback) and message.ask_id:
            given.append(AnswerGiven(message.ask_id, message.lesson, message.question,
                                     () if message.skipped else message.choices,
                                     message.confidence))
        elif isinstance(message, QuestionMessage | CheckDone) and message.follows is not None:
            given.append(message.follows)
    return given
