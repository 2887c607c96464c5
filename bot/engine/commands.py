"""The words learners type (DESIGN §5): with or without a slash, in any case."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA, Levenshtein

from bot.content.dictionary import english
from bot.engine.calendar import looks_like_time, parse_days
from bot.engine.sentences import end_pattern, setting_in_words, without_end

COMMANDS = frozenset({
    "start", "help", "lesson", "quiz", "learn", "me", "top", "time", "timezone", "days",
    "topics", "pause", "resume", "stop", "forget", "flag", "stats", "reload", "nudges",
    "done", "add", "dashboard", "rate", "notes", "mydata", "link", "unlink", "push", "badges",
    "again", "settings",
})
ALIASES = {"tz": "timezone", "next": "lesson", "review": "quiz", "profile": "me",
           "leaderboard": "top", "unpause": "resume", "?": "help",
           "reminders": "nudges", "nudge": "nudges", "read": "done", "my-data": "mydata",
           "repeat": "again", "setting": "settings", "preferences": "settings"}
_AWAY = tuple(f"{who}{verb} {what}" for who in ("", "i'm ", "im ", "i am ", "i'll be ", "ill be ",
                                                  "i will be ")
              for verb in ("going on", "on", "off on", "away on", "out on", "taking", "off for")
              for what in ("holiday", "holidays", "vacation", "leave", "a holiday",
                           "a vacation", "a break", "pto", "annual leave", "sick leave",
                           "parental leave"))
"""A learner saying they are away ("I'm going on vacation", "I'll be on leave"): `pause`."""
MOVE_ON = frozenset({
    "too easy", "this is too easy", "that was too easy", "this was too easy", "too basic",
    "this is too basic", "i already know this", "i already know that", "i know this already",
    "i know that already", "i know this", "already know this", "already know that",
    "i knew that", "i knew this", "i knew that already"})
"""A learner saying the lesson is not for them: the next lesson, said to be moving on (there is
no level to change)."""
SKIP_LESSON = frozenset({"skip this lesson", "skip lesson", "skip the lesson"})
"""A learner leaving the lesson they have for the next one (not named as left unmarked)."""
PHRASES = {"got it": "done", "i read it": "done", "read it": "done", "i've read it": "done",
           "ok got it": "done", "got it thanks": "done", "i am done": "done",
           "i'm done": "done", "im done": "done", "all done": "done", "done reading": "done",
           "add it": "add", "add to my reviews": "add", "add to reviews": "add",
           "my data": "mydata",
           **dict.fromkeys((
               "lesson please", "a lesson please", "next lesson", "next lesson please",
               "new lesson", "another lesson", "one more lesson", "my lesson",
               "today's lesson", "todays lesson", "lesson for today", "lesson of the day",
               "give me a lesson", "give me a new lesson", "give me the next lesson",
               "give me another lesson", "send me a lesson", "send me the next lesson",
               "i want a lesson", "i'd like a lesson", "can i have a lesson",
               "can i get a lesson", "teach me something", "teach me something new",
               "lesson pls", "lesson plz", "lesson now", "a lesson", "start lesson",
               "start a lesson", "lesson time", "gimme a lesson", "send lesson",
               "send a lesson", "next lesson pls", "new lesson please", "more", "more please",
               "another one", "another", "one more", "next one", "next please",
               "what's next", "whats next", "what is next", "what now",
               "next lesson instead"), "lesson"),
           **dict.fromkeys(SKIP_LESSON, "lesson"),
           **dict.fromkeys(MOVE_ON, "lesson"),
           **dict.fromkeys((
               "repeat that", "repeat the question", "repeat the lesson", "repeat please",
               "say that again", "say it again", "come again", "once more",
               "what was the question", "what was the question again", "what's the question",
               "whats the question", "what is the question", "show the question",
               "show the question again", "show me the question", "show me the question again",
               "the question again", "question again", "show it again", "show that again",
               "send it again", "back", "go back", "previous", "last lesson",
               "show the lesson again", "show me the lesson again", "the lesson again"),
               "again"),
           **dict.fromkeys((
               "my settings", "show my settings", "show settings", "show me my settings",
               "what are my settings", "change settings", "change my settings",
               "open settings"), "settings"),
           **dict.fromkeys((
               "quiz me", "quiz please", "test me", "give me a quiz", "my quiz", "my reviews",
               "reviews", "start quiz", "start the quiz", "quiz time", "test my knowledge",
               "ask me a question", "ask me some questions", "quiz me please", "quiz pls",
               "quiz me pls", "test me please", "quiz now", "a quiz", "quiz please now"),
               "quiz"),
           **dict.fromkeys((
               "my points", "points", "my score", "score", "my streak", "streak",
               "my progress", "progress", "my stats",
               "how am i doing", "how many points do i have", "what's my streak",
               "whats my streak", "show my points", "show me my points",
               "show my progress", "what are my points", "check my progress", "status",
               "my status", "how's my streak", "hows my streak", "how am i doing so far",
               "how many points", "my profile", "show me my stats", "show my stats",
               "show me my progress", "my results", "what's my score", "whats my score",
               "show me my score", "what did i learn", "what have i learned",
               "what have i learnt"), "me"),
           **dict.fromkeys((
               "my badges", "badge", "how do i earn badges", "how do i get badges",
               "how do i earn a badge", "what badges are there", "which badges are there",
               "what are badges", "what are the badges", "streak freeze", "streak freezes",
               "freeze", "freezes", "my freezes", "what is a streak freeze",
               "what's a streak freeze", "how do streak freezes work"), "badges"),
           **dict.fromkeys((
               "leaderboard please", "show leaderboard", "show the leaderboard",
               "show me the leaderboard", "the leaderboard", "who's winning", "whos winning",
               "who is winning", "ranking", "rankings", "top learners"), "top"),
           **dict.fromkeys((
               "change my lesson time", "change lesson time", "change my time",
               "change the time", "change my quiz time", "change quiz time",
               "when do my lessons come", "when do lessons come", "when is my lesson",
               "my times", "lesson time settings", "what time is my lesson",
               "what time is the lesson", "what time are my lessons", "what time do lessons come",
               "what time is my quiz", "when is my quiz", "when are my lessons",
               "when is the next lesson", "when is my next lesson", "what time is it sent"),
               "time"),
           **dict.fromkeys((
               "change time zone", "change timezone", "change my time zone",
               "change my timezone", "change the time zone", "change the timezone",
               "set time zone", "set timezone", "set my time zone", "set my timezone",
               "my time zone", "my timezone", "what is my time zone", "what's my time zone",
               "whats my time zone", "what is my timezone", "what's my timezone",
               "wrong time zone", "wrong timezone"), "timezone"),
           **dict.fromkeys((
               "unsubscribe", "mute", "stop sending me lessons", "stop sending lessons",
               "stop sending me messages", "stop messaging me", "stop the lessons",
               "stop lessons", "stop my lessons", "no more lessons", "no more messages",
               "stop daily lessons", "stop daily messages"), "stop"),
           **dict.fromkeys((
               "list topics", "what topics are there", "which topics are there",
               "what topics do you have", "show topics", "show me the topics", "list lessons",
               "what lessons are there", "which lessons are there", "what lessons do you have",
               "show lessons", "show me the lessons", "lesson list", "catalog", "catalogue"),
               "topics"),
           **dict.fromkeys((
               "change my days", "change the days", "change days", "can i change the days",
               "can i change my days", "which days", "my days"), "days"),
           **dict.fromkeys((
               "delete my account", "delete my data", "delete me", "remove my data",
               "remove me", "erase my data"), "forget"),
           **dict.fromkeys((
               "what do you know about me", "what data do you have", "what data do you have on me",
               "what data do you have about me", "download my data", "export my data",
               "my information"), "mydata"),
           **dict.fromkeys((
               "on holiday", "on vacation", "pause please",
               "going on holiday", "going on vacation", "i'm on holiday", "im on holiday",
               "i am on holiday", "i'm on vacation", "im on vacation", "i am on vacation",
               "pause my lessons", "pause lessons", "holiday mode", *_AWAY), "pause"),
           **dict.fromkeys((
               "i'm back", "im back", "i am back", "back from holiday", "back from vacation",
               "i'm back from holiday", "im back from holiday", "end holiday",
               "end my holiday", "holiday over"), "resume"),
           **dict.fromkeys(("what can you do", "what can i do", "commands", "menu",
                            "help me", "help please", "what do you do", "how does this work",
                            "how do you work", "options", "help pls"), "help")}
"""Whole messages that are a command (punctuation and emoji aside): what people type when
they do not know the command word ("lesson please", "quiz me", "my points")."""
_AWAY_UNTIL = ("away", "i'm away", "im away", "i am away", "i'll be away", "ill be away",
               "i will be away")
"""Words that are a holiday only with its end after them ("I'm away until the 20th"): alone,
"I'm away" may be a status, not a request."""
HOLIDAY = frozenset({phrase for phrase, name in PHRASES.items() if name == "pause"}
                    | set(_AWAY_UNTIL))
"""The ways of saying `pause` that may end with until when, as `pause` does ("I'm on holiday
until friday", "going on leave for two weeks")."""
_HOLIDAY_LENGTH = max(len(phrase.split()) for phrase in HOLIDAY)
_TOKEN = r"(?:10|[1-9]|[a-jA-J])"
_ONE = rf"[(#]?{_TOKEN}[.)!]?"
_ANSWERS = re.compile(rf"^\s*{_ONE}(?:\s*(?:,|and|&|\s)\s*{_ONE})*\s*[!.]?\s*$")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "first": 1, "second": 2, "third": 3,
                "fourth": 4, "fifth": 5}
SKIP_WORDS = frozenset({"skip", "?", "??", "pass", "idk", "i don't know", "i dont know",
                        "don't know", "dont know", "no idea", "not sure", "show answer",
                        "show the answer", "tell me", "dunno", "i dunno", "no clue",
                        "i have no idea", "i've no idea", "i don't know the answer",
                        "i dont know the answer"})
"""What a learner says when they do not know the answer to an open question."""
THANKS = frozenset({"thanks", "thank you", "thx", "ty", "cheers", "thanks a lot",
                    "thank you very much", "many thanks", "great thanks", "ok thanks"})
NOT_IT = frozenset({
    "not what i asked", "not what i asked for", "not what i meant", "not what i was asking",
    "not what i was looking for", "not what i wanted", "not it", "not that", "not that one",
    "wrong answer", "wrong lesson", "wrong one", "wrong", "that's wrong", "thats wrong",
    "that is wrong", "that's not it", "thats not it", "that is not it", "that's not right",
    "didn't help", "didnt help", "did not help", "doesn't help", "doesnt help",
    "does not help", "that didn't help", "that didnt help", "that did not help",
    "that doesn't help", "that does not help", "not helpful", "that wasn't helpful",
    "that was not helpful", "unhelpful", "irrelevant", "that's irrelevant",
    "that's not what i asked", "thats not what i asked", "that is not what i asked",
    "that's not what i meant", "that is not what i meant", "this is not what i asked",
    "this isn't what i asked", "that isn't what i asked", "that's not what i asked for",
    "not the right lesson", "not the right answer", "that's the wrong lesson",
    "that's the wrong answer", "you misunderstood", "you misunderstood me"})
"""What a learner says of a looked-up lesson that did not answer them."""
_ANSWERISH = re.compile(r"^[(#]?(?:\d{1,3}|[a-zA-Z])[.)!]?$")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                      "\ud800-\udfff]")
"""Control characters (a NUL breaks PostgreSQL), bidirectional controls (U+202E and friends
could make one learner's name reorder others' lines in `top`) and lone surrogates (a JSON
"\\ud800" decodes to one; no database can store it as text)."""
_ON_TOPIC = re.compile(r"^(?:me\s+)?(?:again\s+)?(?:on|about|of)\b\s*:?\s*(?P<topic>\S.*)$",
                       re.IGNORECASE | re.DOTALL)
"""What follows `quiz` when it names a topic: "(me) on passwords", "(me) about: phishing"."""
_TOPIC_QUIZ = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|so|please|pls)\b[\s,!.]*)*"
    r"(?:(?:can|could|would|will)\s+you\s+|please\s+)?"
    r"(?:(?:quiz|test|drill)\s+me(?:\s+again)?|another\s+quiz|one\s+more\s+quiz"
    r"|(?:give\s+me|send\s+me|start|do|take|i\s+want|i'd\s+like|i\s+would\s+like"
    r"|(?:can|could|may)\s+i\s+(?:get|have|do|take))\s+(?:a\s+|the\s+|another\s+)?quiz"
    r"|a\s+quiz|test\s+my\s+knowledge|ask\s+me\s+(?:some\s+|a\s+few\s+)?questions)"
    r"(?:\s*(?P<rest>\b(?:on|about|of)\b.*))?[\s.!?]*$", re.IGNORECASE | re.DOTALL)
"""Whole messages that ask for a quiz, on a topic or not, in other words than `quiz`: "test
me on passwords", "hey, can you quiz me about phishing?", "I want a quiz on git", "test my
knowledge of MFA" (with no topic, "quiz me about", the quiz of reviews)."""
_POLITE_END = end_pattern(("please", "pls", "plz", "thanks", "thank you"))
"""What may follow a quiz's topic: "on passwords, please!" (cut by :func:`without_end`)."""
_EVERYTHING = frozenset({"everything", "anything", "all", "all topics", "it all",
                         "all of it", "my reviews", "reviews", "anything due",
                         "everything due", "the day", "today", "the week"})
"""Topics that mean no topic: "quiz me on everything" and "quiz of the day" are the quiz of
reviews."""
MAX_INPUT = 4000
"""Longer messages are cut: nothing a learner types needs more."""


@dataclass(frozen=True)
class Command:
    """A parsed command: its name and the rest of the text; name '' means free text."""

    name: str
    args: str = ""
    slashed: bool = False
    text: str = ""
    """The whole message, for when the words turn out not to be a command."""
    sentence: bool = False
    """Read from a sentence ("I'd like my lessons at 10"): an open question's choice may say
    the same words, and comes first."""


def clean(text: str) -> str:
    """The message without control characters (a NUL breaks PostgreSQL), trimmed and cut."""
    return " ".join(_CONTROL.sub(" ", text[:MAX_INPUT]).split())


MAX_QUESTION = 40_000
"""A message looked up is cut here (Slack's own limit); lookup reads its start and end."""


def question_text(text: str) -> str:
    """The message as lookup reads it: without control characters, but with its line breaks
    (they end sentences: a pasted mail's lines) and its length (the question may come after
    a long paste)."""
    return _CONTROL.sub(" ", text[:MAX_QUESTION]).strip()


def question_after_command(text: str) -> str:
    """What follows the command word ("/learn", "learn@bot") of a message, as lookup reads
    it (:func:`question_text`): "/learn" with a pasted mail after it keeps the whole mail."""
    parts = question_text(text).split(maxsplit=1)
    return parts[1] if len(parts) == 2 else ""


def plain_words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, without punctuation or emoji, apostrophes kept
    (a typographic one read as "'")."""
    return "".join(c if c.isalnum() or c in " '" else " "
                   for c in text.lower().replace("\u2019", "'")).split()


def says_not_it(text: str) -> bool:
    """Whether ``text`` says the lesson just looked up was not the answer ("No, that's not
    what I asked!", "wrong lesson 🙁")."""
    words = plain_words(text)
    while words and words[0] in ("no", "nope", "sorry", "hmm", "um", "but", "well", "sadly"):
        words = words[1:]
    while words and words[-1] in ("sorry", "thanks", "though", "unfortunately"):
        words = words[:-1]
    return " ".join(words) in NOT_IT


_POLITE = frozenset({"please", "pls", "plz", "thanks", "thx", "now"})


def _phrase(words: list[str]) -> str | None:
    """The command a whole message of :data:`PHRASES` says, with or without polite words at
    its end ("no more lessons please", "show me the leaderboard thanks")."""
    end = len(words)
    while end > 1 and words[end - 1] in _POLITE:
        end -= 1
    return PHRASES.get(" ".join(words)) or PHRASES.get(" ".join(words[:end]))


def parse(text: str) -> Command:
    """Split the first word off when it is a command; otherwise the whole text is free text."""
    stripped = text.strip()
    words = plain_words(stripped)
    phrase = _phrase(words)
    if phrase is None and len(words) > 1 and words[0] in HELLOS:
        phrase = _phrase(words[1:])  # "hi, I'm back": greeted, then said
    if phrase:
        return Command(phrase, "", False, stripped)
    until = holiday_until(stripped)
    if until is not None:  # "I'm on holiday until friday": `pause until friday`
        return Command("pause", until, False, stripped)
    on_topic = _TOPIC_QUIZ.match(stripped)
    setting = None if on_topic or stripped.startswith("/") else setting_in_words(stripped)
    if setting:  # "I'd like my lessons at 10", "my time zone is Europe/Paris"
        return Command(*setting, False, stripped, sentence=True)
    if on_topic:  # "test me on passwords": `quiz on passwords`; "quiz me about": `quiz`
        rest = on_topic["rest"] or ""
        return Command("quiz", rest if _ON_TOPIC.match(rest) else "", False, stripped)
    if len(words) == 1 and not stripped.startswith("/") and len(stripped) > len(words[0]):
        # One word with punctuation or an emoji around it ("Done!", "me?", "lesson."): that
        # word, if it is a command.
        word = ALIASES.get(words[0], words[0])
        # Not "rate 👍": there the emoji is the rating.
        if word in COMMANDS and word != "rate" and stripped.lower().lstrip().startswith(
                words[0]):
            return Command(word, "", False, stripped)
    slashed = stripped.startswith("/")
    word, _, rest = stripped.lstrip("/").partition(" ")
    word = word.split("@", 1)[0].lower()  # Telegram groups send /quiz@botname
    word = ALIASES.get(word, word)
    if word == "time" and rest.lower().startswith("zone"):  # "time zone berlin"
        word, rest = "timezone", rest[4:]
    if word in COMMANDS:
        return Command(word, rest.strip(), slashed, stripped)
    if slashed:
        return Command("unknown", word, True, stripped)
    return Command("", stripped, False, stripped)


PUSH_PLATFORMS = ("slack", "telegram", "console")
"""Where `push` can send lessons (an account of the learner's there)."""
NO_ARGS = frozenset({"start", "help", "lesson", "me", "badges", "resume", "stop",
                     "stats", "reload", "done", "add", "dashboard", "notes", "mydata",
                     "unlink", "again", "settings"})
RATINGS = frozenset({"up", "down", "useful", "not", "yes", "no", "good", "bad", "helpful",
                     "useless", "unhelpful", "+", "-", "+1", "-1", "\U0001f44d",
                     "\U0001f44e"})
"""First words that make "rate ..." a rating ("rate limiting in APIs" is a question)."""


def quiz_topic(args: str) -> str:
    """The topic the words after `quiz` name ("me on passwords please" and, after a slash,
    "passwords": 'passwords'); "" for a plain quiz ("/quiz me")."""
    text = args.strip()
    on_topic = _ON_TOPIC.match(text)
    if on_topic:
        text = on_topic["topic"]
    elif text.lower() == "me" or text.lower().startswith("me "):
        text = text[2:]
    if text.strip(" :.!?").lower() in ("on", "about", "of", "again"):  # "/quiz me about"
        return ""
    topic = without_end(text, _POLITE_END).strip()
    return "" if topic.lower() in _EVERYTHING else topic


MONTHS = frozenset({
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec"})
_WHEN_WORDS = frozenset({
    "until", "till", "til", "for", "from", "to", "next", "this", "the", "a", "an", "of",
    "end", "week", "weeks", "day", "days", "month", "months", "tomorrow", "today", "one",
    "two", "three", "four", "five", "six", "seven", "few", "couple", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "wed", "thu",
    "fri", "sat", "sun", "please", "while", "i'm", "im", "away", "on", "holiday", "vacation"})


def says_when(words: list[str]) -> bool:
    """Whether the words after `pause` say how long ("until friday", "for 2 weeks",
    "till 12 May"): a holiday with an end date (words that name no day are refused by
    :func:`bot.engine.calendar.parse_until` with examples, never looked up)."""
    cleaned = [word.strip(".,!?") for word in words]
    return 0 < len(cleaned) <= 6 and any(
        word not in ("please", "the", "a", "for") for word in cleaned) and all(
        word in _WHEN_WORDS or any(char.isdigit() for char in word) or word in MONTHS
        for word in cleaned)


_THANKS_END = frozenset({"please", "pls", "plz", "thanks", "thx", "cheers"})


def holiday_until(text: str) -> str | None:
    """The words saying until when after a holiday phrase of :data:`HOLIDAY` ("I'm on holiday
    until friday", "hi, going on leave for 2 weeks, thanks": 'until friday', 'for 2 weeks'),
    as `pause` reads them; None unless the whole message is such a phrase and such words
    (:func:`says_when`), so a question that merely holds them ("how many holiday days do I
    get until the end of the year?", "on leave until probation ends?") stays a question."""
    tokens = text.split()
    plain = [" ".join(plain_words(token)) for token in tokens]
    if plain[:1] and plain[0] in HELLOS:  # "hi, I'm away until monday"
        tokens, plain = tokens[1:], plain[1:]
    while plain and (plain[-1] in _THANKS_END or plain[-1] == "" or plain[-2:] == ["thank", "you"]):
        cut = 2 if plain[-2:] == ["thank", "you"] else 1  # "..., thank you 🙂"
        tokens, plain = tokens[:-cut], plain[:-cut]
    for size in range(min(_HOLIDAY_LENGTH, len(tokens) - 1), 0, -1):
        if " ".join(plain[:size]) in HOLIDAY:
            # The longest phrase only: a shorter one leaves the rest of it in the date
            # words ("holiday until friday" after "on").
            rest = tokens[size:]
            words = [word.lower().replace("\u2019", "'") for word in rest]
            return " ".join(rest) if says_when(words) else None
    return None


def accepts(name: str, args: str) -> bool:
    """Whether unslashed words really are this command ("stop phishing emails" is not). A bare
    command word always is; words meant as a setting are the setting, even when wrong (they
    are refused with an example, never looked up)."""
    words = args.lower().split()
    if name in NO_ARGS:
        return not words
    if name == "pause":  # "pause until friday" is a holiday; "pause a video" a question
        return not words or says_when(words)
    if name == "quiz":  # "quiz me on passwords"; "quiz rules" is a question
        return not words or _ON_TOPIC.match(args.strip()) is not None
    if name == "time":
        rest = words[1:] if words[:1] in (["quiz"], ["lesson"]) else words
        return not rest or looks_like_time(" ".join(rest))
    if name == "nudges":  # "nudges maybe" is refused with an example, never looked up
        return len(words) <= 1
    if name == "rate":
        first = words[0].strip(".!,:").rstrip("\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd"
                                                "\U0001f3fe\U0001f3ff") if words else ""
        return not words or first in RATINGS or words[0].startswith(
            (":thumbsup:", ":thumbsdown:", ":+1:", ":-1:"))
    if name == "link":  # "link" or "link CODE"; "link my accounts please" is a question
        return len(words) <= 1
    if name == "push":
        return words == [] or (len(words) == 1 and words[0] in PUSH_PLATFORMS)
    if name == "top":
        return words in ([], ["join"], ["leave"], ["on"], ["off"], ["in"], ["out"])
    if name == "forget":  # "forget me" asks for confirmation; only "confirm" deletes
        return words in ([], ["confirm"], ["yes"], ["me"], ["my", "data"], ["everything"])
    if name == "days":
        if not words:
            return True
        try:
            parse_days(args)
        except ValueError:
            # "days mon-fry and sat" or "days weekdyas" is a setting to refuse; "days off
            # policy" and "days of the week we are open" are questions.
            return any(_names_days(word) for word in words)
        return True
    if name == "timezone":
        return len(words) <= 3
    if name == "topics":
        return len(words) <= 6
    return True  # learn, flag: their words are theirs


_DAY_STARTS = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""Whole names, for slips in their first letters ("funday", "wendsday")."""
_DAY_WORDS = ("weekdays", "workdays", "weekends", "everyday", "daily", "none")
"""Words of the days setting besides day names (a slip of two letters still counts)."""


def _names_days(word: str) -> bool:
    """Whether ``word`` is meant as part of the days setting: a day's name or its start
    ("mon", "tues", "M-F"), or one of :data:`_DAY_WORDS`, misspelt or not ("weekdyas")."""
    word = word.strip(".,;:!?")
    if ("-" in word and len(word) <= 5) or word[:3] in _DAY_STARTS or word.isdigit():
        return True  # "M-F", "mo-fr", "5" (refused with an example)
    return any(Levenshtein.distance(word, known) <= (2 if len(known) >= 6 else 0)
               for known in _DAY_WORDS) or \
        (len(word) >= 6 and  # not "today"
         any(Levenshtein.distance(word.removesuffix("s"), day) <= 2 for day in _DAY_NAMES))


def misspelt_command(text: str) -> str | None:
    """The command a lone word of four letters or more is one slip away from ("pasue",
    "lesosn", "hepl", "quizz"): said as a question, never run (a slip may be "stop" or
    "forget"), and not looked up (it found unrelated lessons, or "no lesson on quizz")."""
    words = plain_words(text.strip())
    if len(words) != 1 or len(words[0]) < 4 or not words[0].isalpha():
        return None
    word = words[0]
    if word in COMMANDS or word in ALIASES or english(word):
        return None  # "quit" is not "quiz", nor "ready" "read"
    near = sorted(known for known in (*COMMANDS, *ALIASES) if len(known) >= 4
                  and OSA.distance(word, known) == 1)
    return ALIASES.get(near[0], near[0]) if len({ALIASES.get(n, n) for n in near}) == 1 \
        else None


SLIP_FILLER = frozenset({"please", "pls", "plz", "now", "next", "new", "a", "the", "my", "me",
                         "another", "again", "thanks", "thx", "ok", "okay", "just", "today",
                         "today's", "todays", "time", "give", "send", "start", "hey", "hi"})
"""Words around a slip of a command that say nothing of their own ("lesosn pls", "quizz now",
"next lesosn please")."""


def slip_in_words(text: str) -> tuple[str, str] | None:
    """The slip of a command word (see :func:`misspelt_command`) in a message of four words
    at most whose other words say nothing else ("lesosn pls", "quizz now", "next lesosn
    please"), and the command it is one slip from; None for words that say something ("I will
    test this lesson on my team", "lesosn learned")."""
    words = plain_words(text.strip())
    if not 1 <= len(words) <= 4:
        return None
    rest = [word for word in words if word not in SLIP_FILLER]
    if len(rest) != 1:
        return None
    meant = misspelt_command(rest[0])
    return (rest[0], meant) if meant is not None else None


def answer_choices(text: str) -> tuple[int, ...] | None:
    """Zero-based choices of a typed answer ('2', 'b', 'B)', '(3)', '#3', '3!', '1 3',
    'a, c'), or None."""
    if not _ANSWERS.match(text):
        return None
    tokens = re.findall(r"10|[1-9]|[a-jA-J]", text.replace("and", " "))
    return tuple(dict.fromkeys(
        int(token) - 1 if token.isdigit() else ord(token.lower()) - ord("a") for token in tokens))


def looks_like_answer(text: str) -> bool:
    """One bare number or letter ('0', '11', 'x', '(12)') that was meant as an answer, even
    if no choice has it ('2fa' or 'what is 2fa' are questions)."""
    return bool(_ANSWERISH.match(text.strip()))


FILLER = frozenset({"answer", "option", "number", "choice", "i", "think", "guess", "it's",
                    "its", "it", "is", "please", "maybe", "probably", "my", "the", "final", "go",
                    "with", "say", "pick", "ok", "okay", "hmm", "um", "surely", "definitely",
                    "i'd", "i'll", "take", "that's", "must", "be", "should"})
"""Words around an answer ("I think 2", "answer b", "option 3 please")."""
_ORDINALS = frozenset({"first", "second", "third", "fourth", "fifth"})


def answer_in_words(said: str) -> tuple[int, ...] | None:
    """The choices of an answer wrapped in words ("I think 2", "b I guess", "the third one",
    "one and three"), or None when the words say something else."""
    tokens: list[str] = []
    previous = ""
    for word in said.lower().replace("\u2019", "'").split():
        core = word.strip(".,!?:;")
        if core == "one" and previous in _ORDINALS:
            continue  # "the third one"
        previous = core
        if core in FILLER:
            continue
        tokens.append(str(NUMBER_WORDS[core]) if core in NUMBER_WORDS else word)
    return answer_choices(" ".join(tokens)) if 0 < len(tokens) <= 5 else None


GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "howdy", "yo", "morning", "evening",
                       "afternoon", "good", "ok", "okay", "cool", "great", "nice",
                       "yes", "no", "sure", "fine", "how", "hallo", "hola"})
FAREWELLS = frozenset({"bye", "goodbye", "ciao", "later", "cya", "night", "goodnight"})
ACKS = frozenset({"ok", "okay", "k", "kk", "cool", "great", "nice", "sure", "fine", "alright",
                  "noted", "understood", "perfect", "awesome", "ok cool", "ok great",
                  "sounds good", "will do", "all right", "lol", "haha", "hahaha", "hehe", "lmao",
                  "rofl", "xd", "ok lol", "haha ok", "nice one"})
"""A learner's word that they agree: acknowledged, not greeted ("got it" marks a lesson
read)."""
EMOTICONS = frozenset({":)", ":-)", ";)", ";-)", ":d", ":-d", "=)", ":]", "(:", "^^", "^_^",
                       ":p", ":-p", "xd", "<3", ":o)", "8)", "b)"})
"""Smileys typed as punctuation: they agree, as a smiling emoji does (👍)."""
ABOUT_BOT = frozenset({
    "who made you", "who built you", "who created you", "who wrote you", "who are you",
    "what are you", "are you a bot", "are you a robot", "are you human", "are you a human",
    "are you real", "are you ai", "are you an ai", "are you chatgpt", "are you a person",
    "what is your name", "what's your name", "whats your name", "your name",
    "who is this", "who's this", "whos this", "what is this", "what's this", "whats this",
    "what is microlearn", "what's microlearn", "who runs you", "who owns you"})
"""Questions about the bot itself: a short word on what it is, pointing to `help` (looked up,
they found an unrelated lesson)."""
FRUSTRATION = frozenset({
    "you are useless", "you're useless", "youre useless", "useless bot", "stupid bot",
    "this is stupid", "that is stupid", "that's stupid", "thats stupid", "this is useless",
    "this is rubbish", "this is terrible", "this sucks", "you suck", "that sucks",
    "this is annoying", "you are stupid", "you're stupid", "youre stupid", "you are dumb",
    "you're dumb", "dumb bot", "bad bot", "this is pointless", "what a waste of time",
    "waste of time", "this doesn't work", "this doesnt work", "this is not working",
    "this isn't working", "this isnt working", "you don't understand", "you dont understand",
    "you don't understand me", "you dont understand me", "ugh", "argh", "wtf"})
"""Frustration, not a question ("I have no lesson on 'this is stupid'" made it worse): a short
sorry, and how to tell the trainers ("not what I asked", `rate down`)."""
THANK_WORDS = frozenset({"thanks", "thank", "thx", "ty", "cheers", "thanx", "tnx"})
HELLOS = frozenset({"hi", "hello", "hey", "hiya", "howdy", "hallo", "hola", "morning",
                    "yo"})
"""Words that open a message as a greeting only: after one, the rest may be a command."""
GREETING_WORDS = frozenset({"i'm", "im", "i", "am", "here", "back", "there", "everyone",
                            "again", "it's", "its", "me", "sorry", "folks", "guys", "team",
                            "friend", "microlearn"})
"""Words a greeting may carry without asking anything ("hi, I'm here again", "hello, it's me
again"): said to a bot, such a greeting had been looked up, and answered "no lesson on..."."""
POLITE = frozenset({"you", "so", "much", "very", "a", "lot", "again", "mate", "bot", "all",
                    "awesome", "perfect", "super", "brilliant", "many", "really"})


AGREEING = frozenset("\U0001f44d\U0001f44c\u2705\u2714\U0001f642\U0001f60a\U0001f600"
                     "\U0001f603\U0001f604\U0001f601\U0001f60e\U0001f44f\U0001f389\U0001f4aa"
                     "\u2764\U0001f499\U0001f49a\U0001f44a\U0001f91d\U0001f525\u2b50\U0001f31f"
                     "\U0001f680\U0001f609\U0001f917\U0001f973\U0001f602\U0001f923"
                     "\U0001f606")
"""Pictures that agree or cheer (thumbs up, OK, a tick, smiles, applause, a heart, ...)."""
THANKING = frozenset("\U0001f64f")
"""Folded hands: thanks."""
_WITH_AGREEING = frozenset({"\ufe0f", "\u200d", "!", "."}
                           | {chr(tone) for tone in range(0x1F3FB, 0x1F400)})
"""What may come with an agreeing picture: variation selectors, joiners, skin tones, "!"."""


def _picture_talk(text: str) -> str:
    """What an emoji (or punctuation) alone says: a wave greets, folded hands thank, a thumb
    or a smile agrees; anything else (🤔, 👎, 😢, "?") is not agreement, and gets the
    greeting's hint of what to type rather than a thumbs-up."""
    pictures = {char for char in text if not char.isspace()}
    if "\U0001f44b" in pictures:
        return "hello"
    if pictures & THANKING:
        return "thanks"
    if pictures & AGREEING and pictures <= AGREEING | _WITH_AGREEING:
        return "ack"  # "!!" or "..." alone is no agreement
    return "unclear"


def small_talk(text: str) -> str | None:
    """'thanks', 'bye', 'ack' ("ok", "lol", ":)", 👍), 'about' ("who made you"), 'frustrated'
    ("this is stupid") or 'hello' for a few words of small talk ("good morning!", "thank you so
    much 🙂", "how are you"), None for anything longer or that asks something real."""
    if text.strip().lower() in EMOTICONS:  # ":)", ":D": a smile typed, a smile all the same
        return "ack"
    words = plain_words(text)
    if not words:  # emoji or punctuation alone: a wave greets, a thumb or a smile agrees
        return _picture_talk(text)
    if len(words) > 5:
        return None
    phrase = " ".join(words)
    if phrase in ACKS:
        return "ack"
    if phrase in ABOUT_BOT or (words[0] in HELLOS and " ".join(words[1:]) in ABOUT_BOT):
        return "about"
    bare = " ".join(word for word in words if word not in ("so", "just", "really", "honestly",
                                                             "bot", "man", "omg"))
    if phrase in FRUSTRATION or bare in FRUSTRATION:
        return "frustrated"
    if words[0] in THANK_WORDS or phrase in THANKS:
        return "thanks"
    # "cool thanks", "perfect, thank you": a thank-you after a word of its own
    if any(word in THANK_WORDS for word in words) and "no" not in words and \
            all(word in THANK_WORDS or word in GREETINGS or word in POLITE for word in words):
        return "thanks"
    if words[0] in FAREWELLS or phrase.startswith("see you"):
        return "bye"
    if words[0] in GREETINGS and (len(words) <= 3 or phrase.startswith("how are you") or all(
            word in GREETING_WORDS or word in POLITE or word in GREETINGS for word in words)):
        return "hello"
    return None
