"""Settings said in a sentence ("I'd like my lessons at 10", "my time zone is Europe/Paris",
"no lessons on fridays"): read as the setting's command, so they are saved rather than
looked up as questions.

A wrong guess changes a learner's schedule without asking, so only whole messages of a
setting's shape count, and only when the part that matters reads as one: a time after "at"
or "to" (or a clock time, "lessons 8am"), a zone the bot knows, day names with "only",
"days" or a verb that sets them. Questions stay questions: "lesson 2" (a lesson's number),
"lessons on friday?", "lessons learned at work", "set timezone in docker", "I'm in sales".
"""

from __future__ import annotations

import re
from collections.abc import Collection

from bot.engine.calendar import looks_like_time, parse_days, resolve_zone


def end_pattern(words: tuple[str, ...], separators: str = r"[\s,]",
                punctuation: str = r"[\s.!?]") -> re.Pattern[str]:
    """The words a message may end with ("please", "thank you"), each after a separator, and
    punctuation last, written backwards for :func:`without_end`."""
    backwards = "|".join(r"\s+".join(re.escape(word[::-1]) for word in reversed(phrase.split()))
                         for phrase in words)
    return re.compile(rf"{punctuation}*(?:(?:{backwards}){separators}+)*", re.IGNORECASE)


def without_end(text: str, end: re.Pattern[str]) -> str:
    """``text`` without the longest end that ``end`` (an :func:`end_pattern`) reads: "10,
    now please!" is "10". Matched on the reversed text, where it is anchored and so linear:
    the same tail at the end of a forward pattern after a lazy group backtracks over every
    split of a run of commas."""
    found = end.match(text[::-1])
    return text[:len(text) - found.end()] if found else text


_REQUEST = (r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|please\s+"
            r"|(?:can|could|may)\s+i\s+(?:have|get)\s+"
            r"|i'?d\s+(?:like|prefer|love)\s+(?:to\s+)?|i\s+would\s+(?:like|prefer)\s+(?:to\s+)?"
            r"|i\s+(?:want|prefer|need)\s+(?:to\s+)?|let'?s\s+)")
"""A polite start: "could you please", "can I have", "I'd like to"."""
_OPENING = rf"^(?:(?:hi|hey|hello|ok|okay|so|please|pls)\b[\s,!.]*)*(?P<request>{_REQUEST})?"
_SETTING_VERB = r"(?:send|give|get|have|move|change|set|put|schedule|switch|make|deliver|push)"
_VERB = rf"(?:(?P<verb>{_SETTING_VERB})\s+(?:me\s+)?)?"
_THE = r"(?:(?:my|the|a|our|your)\s+)?"
_KIND = (r"(?:(?:daily|morning|afternoon|evening)\s+)?"
         r"(?:(?P<lesson>lessons?)|(?P<quiz>review\s+questions|quiz(?:zes)?|reviews?"
         r"|questions))")
_REPEAT = r"(?:\s+(?:every\s+(?:day|morning|weekday|workday)|each\s+day|daily))?"
_END = r"$"
"""Where a sentence's pattern ends: its polite end ("..., now please!") is cut off first, by
:func:`without_end`, since a regular expression that ends in a repeated separator after a lazy
group backtracks quadratically on a run of commas."""
_TAIL = end_pattern(("every day", "each day", "daily", "instead", "from now on", "now",
                     "please", "pls", "thanks", "thank you"))
"""What may follow a setting: "lessons at 10, every day from now on please!"."""
_PLACE_TAIL = end_pattern(("time", "time zone", "timezone", "now", "these days",
                           "at the moment"), separators=r"\s", punctuation=r"[\s.!]")
"""What may follow a place: "I'm in Berlin time now"."""
MAX_SENTENCE = 200
"""A setting said in a sentence is never longer: longer messages are not read as one (and
no pattern ever runs on a long message)."""

_TIME = re.compile(
    _OPENING + _VERB + _THE + rf"{_KIND}(?P<word>\s+(?:time|hour))?{_REPEAT}"
    r"(?:(?P<link>\s+(?:(?:is|are|should\s+be)\s+)?(?:at|to|around)\s+|\s+(?:is|should\s+be)\s+"
    r"|\s*[=:@]\s*)|(?P<bare>\s+))(?P<time>.+?)" + _END,
    re.IGNORECASE)
"""A lesson or quiz time: "lessons at 10", "could you send me my quiz at 4pm instead",
"lesson time 10:00", "my lesson is at 9", "move my reviews to 5pm", "quiz 4pm"."""
_PLAIN_TIME = re.compile(
    _OPENING + r"(?P<verb>change|set|move|switch|make)\s+" + _THE
    + r"time\s+(?:to\s+)?(?P<time>.+?)" + _END, re.IGNORECASE)
"""The lesson's time without naming it: "change my time to 8am"."""
_CLOCK = re.compile(r"^(?:\d{1,2}[:.h]\d{2}\s*(?:[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?|noon|midday"
                    r"|midnight)$", re.IGNORECASE)
"""A time that is a time whatever surrounds it ("8am", "9:30", "noon"): "lesson 2" is a
lesson's number, "lessons 2024" a year."""
_ZONE = re.compile(
    _OPENING + rf"(?:(?P<verb>{_SETTING_VERB}|update)\s+)?" + _THE
    + r"(?:time\s*zone|tz)\b(?P<link>\s+(?:is|to|should\s+be)\b|\s*[=:])?\s*(?P<zone>.+?)"
    + _END, re.IGNORECASE)
"""A zone named as one: "my time zone is Europe/Paris", "set timezone to Berlin"."""
_PLACE = re.compile(
    r"^(?:i'?m|i\s+am|i\s+live|i'?m\s+based|i\s+am\s+based|i\s+moved|i'?ve\s+moved"
    r"|i\s+have\s+moved|i'?m\s+now|i\s+am\s+now|now\s+i'?m|we'?re|we\s+are)"
    r"\s+(?:now\s+)?(?:in|to)\s+(?:the\s+)?(?P<zone>.+?)$",
    re.IGNORECASE)
"""Where the learner is ("I'm in Berlin now", "I moved to New York"): a zone only when the
place is one the bot knows, and a place people live ("I'm in General" is no zone)."""
_NOT_PLACES = ("Etc/", "Antarctica/", "US/", "Mexico/", "Canada/", "Brazil/", "Chile/",
               "SystemV/")
"""The zone database's old and administrative names, which a place said in passing may match
("I work in Universal")."""
_DAYS = re.compile(
    _OPENING + _VERB + _THE + r"(?:(?:learning|lesson|work(?:ing)?)\s+)?"
    r"(?:(?:lessons?|days?)\s+)?(?:are\s+|is\s+)?(?:(?P<only>only)\s+)?"
    r"(?:on\s+)?(?P<days>.+?)(?P<only_after>\s+only)?" + _END,
    re.IGNORECASE)
"""The days: "lessons only on tuesdays and thursdays", "my days are mon-thu", "send lessons
on weekdays"."""
_NO_DAYS = re.compile(
    _OPENING + r"(?:no|not|skip|stop|without|never)\s+(?:(?:any\s+)?(?:lessons?|quiz(?:zes)?)"
    r"\s+)?(?:on\s+)?(?P<days>.+?)(?:\s+(?:any\s*more|anymore))?" + _END,
    re.IGNORECASE)
"""Days to leave out: "no lessons on fridays", "not on weekends", "skip mondays"."""
_ALL_DAYS = frozenset({"day", "days", "all", "all days", "daily", "every day", "everyday",
                       "each day"})
"""Day words that name no day in particular ("not every day", "lesson days")."""
_TOPICS = re.compile(
    _OPENING + r"(?:i\s+only\s+want\s+|(?:i\s+want\s+|send\s+(?:me\s+)?|give\s+me\s+)?"
    r"(?:only|just)\s+)(?:(?:lessons?|topics?)\s+(?:on|about|in|from)\s+)?"
    r"(?P<topics>[a-z][\w-]*(?:(?:\s*,\s*|\s+and\s+|\s+)[a-z][\w-]*){0,3}?)"
    r"(?:\s+(?:lessons?|topics?|stuff|ones))?(?:\s+only)?" + _END,
    re.IGNORECASE)
"""Topics chosen in a sentence: "only security please", "just git and security", "I only want
security lessons". Only the words are read here: they are topics when the library has them
(see :func:`topics_in_words`)."""
_QUESTION = re.compile(r"^(?:what|when|which|who|whom|whose|where|why|how|is|are|am|do|does|"
                       r"did|was|were|should|shall|has|have|had)\b", re.IGNORECASE)


def setting_in_words(text: str) -> tuple[str, str] | None:
    """The setting command (name, its words) a sentence says, or None when it says
    something else."""
    text = " ".join(text.replace("\u2019", "'").split())
    if len(text) > MAX_SENTENCE or _QUESTION.match(text):
        return None  # "what time is the lesson at 10?"
    asked = text.rstrip().endswith("?")
    place = without_end(text, _PLACE_TAIL)
    text = without_end(text, _TAIL)
    found = _TIME.match(text)
    if found and _time_said(found, asked):
        return "time", ("quiz " if found["quiz"] else "") + found["time"]
    found = _PLAIN_TIME.match(text)
    if found and looks_like_time(found["time"]) and _meant(found, asked):
        return "time", found["time"]
    found = _ZONE.match(text)
    if found and _meant(found, asked) and _zone_said(found):
        return "timezone", found["zone"]
    found = _PLACE.match(place)
    if found and _place(found["zone"]):
        return "timezone", found["zone"]
    found = _NO_DAYS.match(text)
    if found and not asked and _are_days(found["days"]):
        return "days", "without " + found["days"]
    found = _DAYS.match(text)
    if found and _meant(found, asked) and _are_days(found["days"]) and (
            found["only"] or found["only_after"] or found["verb"]
            or re.search(r"\bdays?\b", text[:found.start("days")], re.IGNORECASE)):
        return "days", found["days"]
    return None


def topics_said(text: str) -> list[str] | None:
    """The words a sentence choosing topics names ("only security please": ['security']),
    whether or not they are topics; None when it chooses none."""
    text = " ".join(text.replace("\u2019", "'").split())
    if len(text) > MAX_SENTENCE or text.endswith("?"):
        return None
    found = _TOPICS.match(without_end(text, _TAIL))
    if not found:
        return None
    words = [word for word in re.split(r"[\s,]+", found["topics"].lower())
             if word and word != "and"]
    return words or None


def topics_in_words(text: str, available: Collection[str]) -> str | None:
    """The words of `topics` a sentence says ("only security please": 'security'), when every
    topic it names is one of ``available``; None for anything else ("only on fridays", "just
    a question")."""
    words = topics_said(text)
    return " ".join(words) if words and all(word in available for word in words) else None


def _meant(found: re.Match[str], asked: bool) -> bool:
    """Whether a sentence asks for a change: a question mark is a question ("lessons on
    friday?"), unless the sentence is a request ("could you move my quiz to 4pm?")."""
    return not asked or bool(found["request"]) or bool(found.groupdict().get("verb"))


def _time_said(found: re.Match[str], asked: bool) -> bool:
    time = found["time"]
    if not _meant(found, asked):
        return False
    if found["link"] or found["word"]:
        if found["lesson"] and not found["link"] and time.lower() == "time":
            return False  # "lesson time" alone asks for a lesson
        return looks_like_time(time)
    return _CLOCK.match(time.strip()) is not None  # "lessons 8am"; "lesson 2" is a number


def _zone_said(found: re.Match[str]) -> bool:
    """A zone the bot knows, or one close to it when the sentence names it as the zone ("my
    time zone is CET" is answered with a "did you mean"); "set timezone in docker" is a
    question."""
    zone = found["zone"].strip(" .!?")
    if not any(char.isalnum() for char in zone) or len(zone.split()) > 3:
        return False
    if re.match(r"(?:in|on|for|of|at|with|from|under|inside)\b", zone, re.IGNORECASE):
        return False
    try:
        resolve_zone(zone)
    except ValueError as exc:
        return bool(found["link"]) and "did you mean" in str(exc)
    return True


def _are_days(text: str) -> bool:
    if text.strip(" .!?").lower() in _ALL_DAYS:
        return False
    try:
        parse_days(text)
    except ValueError:
        return False
    return True


def _place(text: str) -> bool:
    try:
        zone = resolve_zone(text)
    except ValueError:
        return False
    return not zone.key.startswith(_NOT_PLACES)
