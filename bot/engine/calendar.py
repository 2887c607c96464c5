"""Local days and times: every learner's day, workdays and hours are in their own time zone."""

from __future__ import annotations

import difflib
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
_CLOCK = re.compile(r"^(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2})|h)?\s*"
                    r"(?P<half>[ap])?\.?\s*(?:m\.?)?$")
_DIGITS = re.compile(r"^(?P<hour>\d{1,2})(?P<minute>\d{2})$")
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>[0-5]\d))?$")
PLACES = {
    "india": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "bombay": "Asia/Kolkata",
    "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata", "chennai": "Asia/Kolkata", "hyderabad": "Asia/Kolkata",
    "pune": "Asia/Kolkata", "calcutta": "Asia/Kolkata", "japan": "Asia/Tokyo",
    "uk": "Europe/London", "united kingdom": "Europe/London", "england": "Europe/London",
    "scotland": "Europe/London", "ireland": "Europe/Dublin", "germany": "Europe/Berlin",
    "france": "Europe/Paris", "spain": "Europe/Madrid", "italy": "Europe/Rome",
    "netherlands": "Europe/Amsterdam", "belgium": "Europe/Brussels",
    "switzerland": "Europe/Zurich", "austria": "Europe/Vienna", "poland": "Europe/Warsaw",
    "sweden": "Europe/Stockholm", "norway": "Europe/Oslo", "denmark": "Europe/Copenhagen",
    "finland": "Europe/Helsinki", "greece": "Europe/Athens", "ukraine": "Europe/Kyiv",
    "kiev": "Europe/Kyiv", "turkey": "Europe/Istanbul", "israel": "Asia/Jerusalem",
    "egypt": "Africa/Cairo", "nigeria": "Africa/Lagos", "kenya": "Africa/Nairobi",
    "south africa": "Africa/Johannesburg", "china": "Asia/Shanghai", "beijing": "Asia/Shanghai",
    "korea": "Asia/Seoul", "south korea": "Asia/Seoul", "philippines": "Asia/Manila",
    "vietnam": "Asia/Ho_Chi_Minh", "thailand": "Asia/Bangkok", "pakistan": "Asia/Karachi",
    "bangladesh": "Asia/Dhaka", "nepal": "Asia/Kathmandu", "new zealand": "Pacific/Auckland",
    "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "boston": "America/New_York", "washington": "America/New_York",
    "miami": "America/New_York", "atlanta": "America/New_York", "dallas": "America/Chicago",
    "houston": "America/Chicago", "austin": "America/Chicago",
    # Zones named in words: the US ones as Americans say them, Europe's by their long names.
    "pacific time": "America/Los_Angeles", "us pacific": "America/Los_Angeles",
    "mountain time": "America/Denver", "us mountain": "America/Denver",
    "central time": "America/Chicago", "us central": "America/Chicago",
    "eastern time": "America/New_York", "us eastern": "America/New_York",
    "central european time": "Europe/Berlin", "eastern european time": "Europe/Helsinki",
    "western european time": "Europe/Lisbon", "india standard time": "Asia/Kolkata",
    "japan standard time": "Asia/Tokyo",
}
"""Countries with one time zone, and big cities the zone database names by another city: the
zone each means (a country of several zones, like the USA, is asked as a city)."""
HALF_HOURS = {
    "+3:30": "Asia/Tehran", "+4:30": "Asia/Kabul", "+5:30": "Asia/Kolkata",
    "+5:45": "Asia/Kathmandu", "+6:30": "Asia/Yangon", "+9:30": "Australia/Darwin",
    "-3:30": "America/St_Johns", "-9:30": "Pacific/Marquesas",
}
"""Offsets that are not whole hours: no fixed zone has them, so the place that keeps each."""
ABBREVIATIONS = {
    "cet": "Europe/Berlin", "cest": "Europe/Berlin", "met": "Europe/Berlin",
    "wet": "Europe/Lisbon", "west": "Europe/Lisbon", "bst": "Europe/London",
    "eet": "Europe/Helsinki", "eest": "Europe/Helsinki", "msk": "Europe/Moscow",
    "est": "America/New_York", "edt": "America/New_York", "cst": "America/Chicago",
    "cdt": "America/Chicago", "mst": "America/Denver", "mdt": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo", "kst": "Asia/Seoul", "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
}
"""Common abbreviations, each with the zone it most often means: an abbreviation names no
place (CET is Berlin, Paris and Rome, with their own histories), so it is suggested, not
taken."""


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()
            if "/" in name or name == "UTC"}


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The time zone ``name`` ('Europe/Berlin', any case); ValueError with a hint when unknown."""
    key = _zone_names().get(name.strip().lower().replace(" ", "_"))
    if key is None:
        raise ValueError(f"'{name[:60]}' is not a time zone I know; write it like "
                         "Europe/Berlin, America/New_York or Asia/Tokyo")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"the time zone '{key}' cannot be loaded ({exc})") from exc


def parse_time(text: str) -> str:
    """A time of day as people type it ('9:30', '09.30', '9h30', '0930', '8am', '8:30 pm',
    '20h') as 'HH:MM'; ValueError with an example otherwise."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in ("noon", "midday", "12 noon"):
        return "12:00"
    if cleaned == "midnight":
        return "00:00"
    match = _DIGITS.match(cleaned) or _CLOCK.match(cleaned)
    problem = f"'{text[:30]}' is not a time of day; write it like 08:30, 8:30pm or 20:15"
    if not match:
        raise ValueError(problem)
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    half = match.groupdict().get("half")
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(problem)
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(problem)
    return f"{hour:02d}:{minute:02d}"


_HOURS_IN_WORDS = frozenset({
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "fifteen", "thirty", "forty-five", "half", "quarter", "o'clock", "oclock"})
_TIME_FILLER = frozenset({"past", "to", "at", "in", "the", "morning", "afternoon", "evening",
                          "a.m.", "p.m.", "am", "pm"})


def looks_like_time(text: str) -> bool:
    """Whether words were meant as a time ('8am', '25:00', 'half past eight'), right or wrong,
    rather than as a question ('time management')."""
    words = text.lower().replace("\u2019", "'").split()
    if len(words) <= 2 and (any(char.isdigit() for char in text)
                            or bool({"am", "pm", "noon", "midnight", "midday"} & set(words))):
        return True
    # A time in words is refused with an example, never looked up as a question.
    return 0 < len(words) <= 5 and bool(_HOURS_IN_WORDS & set(words)) and all(
        word in _HOURS_IN_WORDS or word in _TIME_FILLER or any(c.isdigit() for c in word)
        for word in words)


@lru_cache(maxsize=1)
def _cities() -> dict[str, list[str]]:
    """Each zone's city ('berlin', 'new york') and the zones named after it."""
    cities: dict[str, list[str]] = {}
    for name in _zone_names().values():
        city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
        cities.setdefault(city, []).append(name)
    return cities


class ZoneSuggested(ValueError):
    """Not a time zone, but close to these (an abbreviation like 'CET', a misspelt city)."""

    def __init__(self, suggestions: list[str]) -> None:
        super().__init__(f"did you mean {' or '.join(suggestions)}? Write it like timezone "
                         f"{suggestions[0]}")
        self.suggestions = suggestions


def resolve_zone(text: str) -> ZoneInfo:
    """The time zone people mean: 'Europe/Berlin' (any case), a city ('berlin', 'new york'),
    or a fixed offset ('UTC+2'); ValueError with a 'did you mean' otherwise (an abbreviation
    like 'CET', a misspelt city)."""
    words = " ".join(text.strip().split())
    lowered = words.lower()
    try:
        return zone(words)
    except ValueError:
        pass
    offset = _OFFSET.match(lowered)
    minutes = int(offset["minutes"] or 0) if offset else 0
    if offset and minutes:
        place = HALF_HOURS.get(f"{offset['sign']}{int(offset['hours'])}:{minutes:02d}")
        if place is not None:
            return zone(place)
        raise ValueError(f"no time zone is {words[:20]}; write your city, like timezone "
                         "New York, or a whole-hour offset like timezone UTC+2")
    # The fixed offsets that exist: UTC-12 to UTC+14.
    if offset and int(offset["hours"]) <= (14 if offset["sign"] == "+" else 12):
        hours = int(offset["hours"])
        # The Etc zones are named POSIX-style, with the sign the other way round.
        name = "UTC" if hours == 0 else f"Etc/GMT{'-' if offset['sign'] == '+' else '+'}{hours}"
        return ZoneInfo(name)
    lowered = re.sub(r"\s+(?:standard |daylight |summer )?time(?: zone)?$", " time", lowered) \
        if lowered not in PLACES else lowered  # "Pacific Standard Time", "pacific time zone"
    if lowered in PLACES:
        return zone(PLACES[lowered])
    if lowered.endswith(" time") and lowered != "time":  # "Berlin time": Berlin
        try:
            return resolve_zone(lowered.removesuffix(" time"))
        except ValueError:
            pass
    city = _cities().get(lowered.replace("_", " "))
    if city and len(city) == 1:
        return zone(city[0])
    suggestions = (city or ([ABBREVIATIONS[lowered]] if lowered in ABBREVIATIONS else [])
                   or [name for found in difflib.get_close_matches(
                       lowered.replace("_", " "), list(_cities()), n=3, cutoff=0.8)
                       for name in _cities()[found]])
    if suggestions:
        raise ZoneSuggested(suggestions[:3])
    raise ValueError(f"'{words[:60]}' is not a time zone I know; write it like "
                     "timezone Europe/Berlin, timezone New York or timezone UTC+2")


def parse_window(text: str) -> tuple[str, str]:
    """'08:00-20:00' as (start, end); a window may cross midnight ('20:00-08:00', for those who
    work at night). ValueError with a hint otherwise."""
    first, sep, last = text.partition("-")
    if not sep:
        raise ValueError(f"'{text}' is not a window of hours; write it like 08:00-20:00")
    start, end = parse_time(first), parse_time(last)
    if end == start:
        raise ValueError(f"'{text}' is empty; write it like 08:00-20:00 (or 20:00-08:00 for "
                         "nights)")
    return start, end


def parse_days(text: str) -> tuple[str, ...]:
    """'mon-fri', 'mon,wed,fri', 'mon wed', 'weekdays' or 'every day' as day names in order."""
    words = [word for word in text.lower().replace(",", " ").replace("&", " ").split()
             if word not in ("and", "on", "every")]
    if words in (["weekdays"], ["workdays"], ["weekday"], ["workday"]):
        return DAYS[:5]
    if words in (["day"], ["everyday"], ["daily"], ["all"], ["days"], ["all", "days"]):
        return DAYS
    if words in (["weekends"], ["weekend"]):
        return DAYS[5:]
    # "monday to friday", "mon through fri", "mon till fri": a range, like mon-fri.
    words = "-".join(" ".join(words).replace(" to ", "-").replace(" through ", "-")
                     .replace(" till ", "-").replace(" until ", "-").split(" - ")).split()
    chosen: set[str] = set()
    for word in words:
        if "-" in word:
            start, _, end = word.partition("-")
            first, last = _day(start), _day(end)
            index = DAYS.index(first)
            while True:
                chosen.add(DAYS[index])
                if DAYS[index] == last:
                    break
                index = (index + 1) % 7
        else:
            chosen.add(_day(word))
    if not chosen:
        raise ValueError("name at least one day, like mon-fri or mon,wed,fri")
    return tuple(day for day in DAYS if day in chosen)


_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(word: str) -> str:
    if len(word) > 5 and word.endswith("s"):
        word = word[:-1]  # "mondays", "tuesdays"
    matches = [day for day, full in zip(DAYS, _FULL, strict=True)
               if word == day or full.startswith(word)]
    if word and len(matches) == 1:  # "mo", "th", "m", "f": a day when only one fits
        return matches[0]
    close = difflib.get_close_matches(word.lower(), ("weekdays", "weekends", "workdays", *_FULL),
                                      n=1, cutoff=0.75)
    hint = f" (did you mean {close[0].capitalize() if close[0] in _FULL else close[0]}?)" \
        if close else ""
    raise ValueError(f"'{word[:30]}' is not a day{hint}; write days like mon-fri, mon,wed,fri "
                     "or weekdays")


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The learner's calendar day at ``moment``. A naive ``moment`` is UTC: every time is
    stored in UTC, and a database may give it back without its zone (Python would read a
    naive time in the machine's own zone, right only on a server that runs in UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def at_local(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    """The UTC instant of ``hhmm`` on ``day`` in ``tz`` (a 09:00 stays 09:00 across DST)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tz).astimezone(UTC)


def is_workday(day: date, workdays: tuple[str, ...]) -> bool:
    """True when ``day`` is one of the learner's workdays."""
    return DAYS[day.weekday()] in workdays


def next_workday(after: date, workdays: tuple[str, ...]) -> date:
    """The first workday strictly after ``after`` (any day if no workday is set)."""
    day = after + timedelta(days=1)
    for _ in range(7):
        if not workdays or is_workday(day, workdays):
            return day
        day += timedelta(days=1)
    return day


def previous_workday(before: date, workdays: tuple[str, ...]) -> date:
    """The last workday strictly before ``before``."""
    day = before - timedelta(days=1)
    for _ in range(7):
        if not workdays or is_workday(day, workdays):
            return day
        day -= timedelta(days=1)
    return day


def workdays_between(first: date, last: date, workdays: tuple[str, ...]) -> int:
    """Workdays strictly between two days: whole weeks at once, so a year costs no more than a
    week (the dashboard asks it for every learner)."""
    span = (last - first).days - 1
    if span <= 0:
        return 0
    weeks, rest = divmod(span, 7)
    start = first + timedelta(days=1 + weeks * 7)
    return weeks * len(set(workdays) & set(DAYS)) + sum(
        is_workday(start + timedelta(days=offset), workdays) for offset in range(rest))


def next_at(after: datetime, hhmm: str, workdays: tuple[str, ...], tz: ZoneInfo) -> datetime:
    """The first workday instant at local ``hhmm`` strictly after ``after`` (as UTC).

    Local wall-clock time is kept across DST changes: a 09:00 lesson stays at 09:00. A time that
    does not exist on the day the clocks go forward comes at the same offset as the hour before.
    """
    day = local_date(after, tz)
    for step in range(9):
        candidate = day + timedelta(days=step)
        if workdays and not is_workday(candidate, workdays):
            continue
        moment = at_local(candidate, hhmm, tz)
        if moment > after:
            return moment
    raise ValueError("no workday in the next week; set at least one day")


def local_week_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """Monday 00:00 in ``tz`` of the week of ``moment``, as UTC."""
    day = local_date(moment, tz)
    return at_local(day - timedelta(days=day.weekday()), "00:00", tz)


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the week of ``moment`` (the shared leaderboard resets then)."""
    monday = moment.astimezone(UTC).date() - timedelta(days=moment.astimezone(UTC).weekday())
    return datetime.combine(monday, time(0), UTC)


def waking(day: date, window: tuple[str, str], tz: ZoneInfo) -> tuple[datetime, datetime]:
    """When the learner's waking hours (``window``, local 'HH:MM' pair) that open on ``day``
    begin and end: the one rule for when a reminder may reach them. A window that crosses
    midnight ('20:00-08:00') ends on the next day."""
    closes_on = day + timedelta(days=1) if window[1] <= window[0] else day
    return at_local(day, window[0], tz), at_local(closes_on, window[1], tz)


REMINDER_BEFORE_CLOSE = timedelta(minutes=30)
"""A reminder that would fall after the learner's waking hours close comes this long before
they close instead (a 17:00 quiz is reminded of at 19:30, not dropped at 20:00)."""
REMINDER_SOONEST = timedelta(hours=1)
"""The least time a quiz is left before a reminder brought forward (or the whole delay, when
reminders come sooner than that)."""


def reminder_at(sent_at: datetime, after: timedelta, closes: datetime) -> datetime | None:
    """When to remind of a quiz sent at ``sent_at``, in waking hours that end at ``closes``:
    ``after`` later, or, when that is past the close, :data:`REMINDER_BEFORE_CLOSE` before it
    if that leaves the quiz :data:`REMINDER_SOONEST` (None: too little time is left)."""
    due = sent_at + after
    if due < closes:
        return due
    latest = closes - REMINDER_BEFORE_CLOSE
    return latest if latest >= sent_at + min(after, REMINDER_SOONEST) else None


def reminder_fits(quiz_time: str, window: tuple[str, str], after: timedelta,
                  tz: ZoneInfo, day: date) -> bool:
    """Whether a quiz at ``quiz_time`` (local 'HH:MM') on ``day`` gets its reminder the same
    local day (a reminder reminds of that day's question only), in the waking hours
    ``window`` (a quiz before they open is reminded of once they do)."""
    if after <= timedelta(0):
        return True  # no reminders at all: nothing to warn of
    sent = at_local(day, quiz_time, tz)
    midnight = at_local(day + timedelta(days=1), "00:00", tz)
    closes = awake_until(sent, window, tz)
    if closes is not None:
        when = reminder_at(sent, after, closes)
        return when is not None and when < midnight
    opens = next_awake(sent, window, tz)
    if opens is None:
        return False  # after the window closed: the next one opens on another day
    return max(sent + after, opens) < min(awake_until(opens, window, tz) or opens, midnight)


def latest_reminder(day: date, window: tuple[str, str], tz: ZoneInfo) -> datetime:
    """The latest a reminder of ``day``'s quiz may come: before the waking hours that open
    that day close (:data:`REMINDER_BEFORE_CLOSE`), and before local midnight."""
    closes = waking(day, window, tz)[1]
    return min(closes - REMINDER_BEFORE_CLOSE, at_local(day + timedelta(days=1), "00:00", tz))


def next_awake(moment: datetime, window: tuple[str, str], tz: ZoneInfo) -> datetime | None:
    """``moment`` itself when the learner is awake then; else when their waking hours next
    open on the same local day; None when they do not open again that day."""
    if is_awake(moment, window, tz):
        return moment
    day = local_date(moment, tz)
    opens, _ = waking(day, window, tz)
    return opens if moment < opens else None


def zone_label(name: str) -> str:
    """A zone's name as learners read it: a fixed offset as 'UTC+2', not POSIX's 'Etc/GMT-2'
    (whose sign is the other way round)."""
    if name.startswith("Etc/GMT") and len(name) > 7:
        sign, hours = name[7], name[8:]
        return f"UTC{'-' if sign == '+' else '+'}{hours}"
    return name


def is_awake(moment: datetime, window: tuple[str, str], tz: ZoneInfo) -> bool:
    """True when ``moment`` falls inside the learner's waking hours."""
    return awake_until(moment, window, tz) is not None


def awake_until(moment: datetime, window: tuple[str, str], tz: ZoneInfo) -> datetime | None:
    """When the waking hours that ``moment`` falls in close (those that opened on its local
    day, or, for a window across midnight, the day before); None outside them."""
    day = local_date(moment, tz)
    return next((closes for opens, closes in (waking(day, window, tz),
                                              waking(day - timedelta(days=1), window, tz))
                 if opens <= moment < closes), None)


HOLIDAY_MAX_DAYS = 90
"""The furthest a holiday's end date may be: longer, `pause` without a date and `resume`."""
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "couple": 2, "few": 3}
_UNTIL_FILLER = frozenset({"please", "pls", "the", "of", "on", "i'm", "im", "away", "holiday",
                           "vacation", "while", "this", "next", "coming", "a", "an", "and",
                           "including", "inclusive", "incl"})
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")


def _month(word: str) -> int | None:
    """The month a word names ('dec', 'December', 'sept'), 1-12; None otherwise."""
    word = word.rstrip(".")
    if len(word) >= 3 and any(full.startswith(word) for full in (
            "january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december")):
        return _MONTHS.index(word[:3]) + 1
    return None


def _until_problem(text: str) -> ValueError:
    return ValueError(f'I can\'t read "{text.strip()[:40]}" as a date: write it like "pause '
                      'until friday", "pause until 14 dec" or "pause for 2 weeks"')


def parse_until(text: str, today: date) -> date:
    """The last day of a holiday from the words after `pause`, read on the learner's local
    ``today``: "for a week" and "for 3 days" (counted from today, today included), "until
    monday" (the next Monday after today), "until tomorrow", "until 14 dec", "till the 20th"
    (the next such day, today included), "until 2027-01-04". ValueError with examples when
    the words name no day; the day may be in the past (the caller refuses it, saying so)."""
    words = [word.strip(",.!?") for word in text.lower().replace("\u2019", "'").split()]
    words = [word for word in words if word]
    if not words:
        raise _until_problem(text)
    lead, rest = words[0], words[1:]
    rest = [word for word in rest if word not in _UNTIL_FILLER or word in ("a", "an")]
    if lead == "for":
        rest = [word for word in rest if word not in ("a", "an") or len(rest) == 2]
        if len(rest) == 1 and rest[0] in ("week", "day", "month", "fortnight"):
            rest = ["1", rest[0]]
        if len(rest) == 2:
            count = _COUNTS.get(rest[0]) or (int(rest[0]) if rest[0].isdigit() else 0)
            unit = rest[1].removesuffix("s")
            days = {"day": 1, "week": 7, "fortnight": 14, "month": 30}.get(unit, 0)
            if count and days:
                return today + timedelta(days=count * days - 1)
        raise _until_problem(text)
    if lead not in ("until", "till", "til", "to", "through", "thru"):
        raise _until_problem(text)
    rest = [word for word in rest if word not in ("a", "an")]
    if rest in (["today"], ["tonight"]):
        return today
    if rest == ["tomorrow"]:
        return today + timedelta(days=1)
    if len(rest) == 1 and rest[0] not in _MONTHS and not rest[0][:1].isdigit():
        try:
            weekday = DAYS.index(_day(rest[0]))
        except ValueError:
            raise _until_problem(text) from None
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if len(rest) == 1 and (iso := _ISO_DAY.match(rest[0])):
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            raise _until_problem(text) from None
    day = month = year = None
    for word in rest:
        ordinal = _ORDINAL.match(word)
        if ordinal and day is None and int(ordinal[1]) >= 1:
            day = int(ordinal[1])
        elif word.isdigit() and len(word) == 4 and year is None:
            year = int(word)
        elif (named := _month(word)) is not None and month is None:
            month = named
        else:
            raise _until_problem(text)
    if day is None:
        raise _until_problem(text)
    try:
        if month is None:  # "the 20th": this month's, or next month's when it has passed
            found = date(today.year, today.month, day) if day >= today.day else None
            if found is None:
                following = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
                found = following.replace(day=day)
            return found
        found = date(year or today.year, month, day)
        # A day with no year that passed lately is said to have passed, not taken as next
        # year's (on 8 Dec, "until 7 dec" is a slip, not a holiday of a year).
        if year is None and found < today - timedelta(days=HOLIDAY_MAX_DAYS):
            return found.replace(year=found.year + 1)
        return found
    except ValueError:
        raise _until_problem(text) from None


def day_label(day: date) -> str:
    """A day as learners read it: 'Mon 14 Dec'."""
    return f"{day:%a} {day.day} {day:%b}"
