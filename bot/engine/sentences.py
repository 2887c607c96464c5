"""Settings said in a sentence ("I'd like my lessons at 10", "my time zone is Europe/Paris",
"no lessons on fridays"): read as the setting's command, so they are saved rather than
looked up as questions.

Only whole messages of a setting's shape count, and only when the part that matters reads
as one (a time, a zone the bot knows, day names): "lessons about time management" or "I'm in
sales" stay questions.
"""

from __future__ import annotations

import re

from bot.engine.calendar import looks_like_time, parse_days, parse_time, resolve_zone

_OPENING = (r"^(?:(?:hi|hey|hello|ok|okay|so|please|pls)\b[\s,!.]*)*"
            r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|please\s+"
            r"|i'?d\s+(?:like|prefer|love)\s+(?:to\s+)?|i\s+would\s+(?:like|prefer)\s+(?:to\s+)?"
            r"|i\s+(?:want|prefer|need)\s+(?:to\s+)?|let'?s\s+)?")
"""A greeting and a polite start: "hey, could you please", "I'd like to"."""
_VERB = (r"(?:(?:send|give|get|have|move|change|set|put|schedule|switch|make|deliver|push"
         r"|receive|do)\s+(?:me\s+)?)?")
_THE = r"(?:(?:my|the|a|our|your)\s+)?"
_KIND = (r"(?:(?:daily|morning|afternoon|evening)\s+)?"
         r"(?:(?P<lesson>lessons?)|(?P<quiz>quiz(?:zes)?|reviews?|review\s+questions"
         r"|questions))")
_REPEAT = r"(?:\s+(?:every\s+(?:day|morning|weekday|workday)|each\s+day|daily))?"
_END = (r"(?:[\s,]+(?:every\s+day|each\s+day|daily|instead|from\s+now\s+on|now|please|pls"
        r"|thanks|thank\s+you))*[\s.!?]*$")

_TIME = re.compile(
    _OPENING + _VERB + _THE + rf"{_KIND}(?P<word>\s+(?:time|hour))?{_REPEAT}"
    r"(?:\s+(?:at|to|around|is|should\s+be)\s+|\s*[=:@]\s*|(?P<bare>\s+))(?P<time>.+?)"
    + _END,
    re.IGNORECASE)
"""A lesson or quiz time: "lessons at 10", "could you send me my quiz at 4pm instead",
"lesson time 10:00", "move my reviews to 5pm"."""
_PLAIN_TIME = re.compile(
    _OPENING + r"(?:change|set|move|switch|make)\s+" + _THE + r"time\s+(?:to\s+)?(?P<time>.+?)"
    + _END, re.IGNORECASE)
"""The lesson's time without naming it: "change my time to 8am"."""
_ZONE = re.compile(
    _OPENING + r"(?:(?:set|change|switch|update|make|move|put)\s+)?" + _THE
    + r"(?:time\s*zone|tz)\b(?:\s+(?:is|to|should\s+be)\b|\s*[=:])?\s*(?P<zone>.+?)" + _END,
    re.IGNORECASE)
"""A zone named as one: "my time zone is Europe/Paris", "set timezone to Berlin"."""
_PLACE = re.compile(
    r"^(?:i'?m|i\s+am|i\s+live|i'?m\s+based|i\s+am\s+based|i\s+work|i\s+moved|i'?ve\s+moved"
    r"|i\s+have\s+moved|i'?m\s+now|i\s+am\s+now|now\s+i'?m|we'?re|we\s+are)"
    r"\s+(?:now\s+)?(?:in|to|at)\s+(?:the\s+)?(?P<zone>.+?)"
    r"(?:\s+(?:time|time\s*zone|timezone|now|these\s+days|at\s+the\s+moment))*[\s.!?]*$",
    re.IGNORECASE)
"""Where the learner is ("I'm in Berlin now", "I moved to New York"): a zone only when the
place is one the bot knows."""
_DAYS = re.compile(
    _OPENING + _VERB + _THE + r"(?:(?:learning|lesson|work(?:ing)?)\s+)?"
    r"(?:(?:lessons?|days?)\s+)?(?:are\s+|is\s+)?(?:(?P<only>only)\s+)?"
    r"(?:(?P<on>on)\s+)?(?P<days>.+?)(?:\s+only)?" + _END,
    re.IGNORECASE)
_NO_DAYS = re.compile(
    _OPENING + r"(?:no|not|skip|stop|without|never)\s+(?:(?:any\s+)?(?:lessons?|quiz(?:zes)?)"
    r"\s+)?(?:on\s+)?(?P<days>.+?)(?:\s+(?:any\s*more|anymore))?" + _END,
    re.IGNORECASE)
"""Days to leave out: "no lessons on fridays", "not on weekends", "skip mondays"."""


def setting_in_words(text: str) -> tuple[str, str] | None:
    """The setting command (name, its words) a sentence says, or None when it says
    something else."""
    text = " ".join(text.replace("\u2019", "'").split())
    found = _TIME.match(text)
    if found and found["lesson"] and not found["word"] and found["time"].lower() == "time":
        found = None  # "lesson time" alone asks for a lesson
    if found and found["bare"] and not found["word"] and not _is_time(found["time"]):
        found = None  # "questions about 2fa": only a real time follows a bare "lessons"
    if found and looks_like_time(found["time"]):
        kind = "quiz " if found["quiz"] else ""
        return "time", kind + found["time"]
    found = _PLAIN_TIME.match(text)
    if found and looks_like_time(found["time"]):
        return "time", found["time"]
    found = _ZONE.match(text)
    if found and len(found["zone"].split()) <= 3:
        return "timezone", found["zone"]
    found = _PLACE.match(text)
    if found and _is_zone(found["zone"]):
        return "timezone", found["zone"]
    found = _NO_DAYS.match(text)
    if found and _are_days(found["days"]):
        return "days", "without " + found["days"]
    found = _DAYS.match(text)
    if found and _are_days(found["days"]) and _names_lessons_or_days(
            text[:found.start("days")] + " " + text[found.end("days"):]):
        return "days", found["days"]
    return None


def _names_lessons_or_days(words: str) -> bool:
    """Whether the words around day names say what they are for ("lessons only on
    tuesdays", "my days are mon-thu"): day names alone ("on monday", "every day") may be a
    question's start."""
    return bool(set(re.findall(r"[a-z]+", words.lower()))
                & {"lesson", "lessons", "days", "day", "only"})


def _are_days(text: str) -> bool:
    try:
        parse_days(text)
    except ValueError:
        return False
    return True


def _is_time(text: str) -> bool:
    try:
        parse_time(text)
    except ValueError:
        return False
    return True


def _is_zone(text: str) -> bool:
    try:
        resolve_zone(text)
    except ValueError:
        return False
    return True
