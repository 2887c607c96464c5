"""Points, badges and streak rules (documented in README: change them together)."""

from __future__ import annotations

from datetime import date

from bot.content.model import track_title
from bot.engine import calendar

POINTS_LESSON = 5
POINTS_RIGHT = 10
POINTS_WRONG = 2
"""Trying counts: a wrong answer still earns a little."""
POINTS_MASTERED = 20
LESSONS_WITH_POINTS = 3
"""Lessons read in one local day that earn points: more count as read, but earn nothing (a
lesson asked for and "done" in a second is not a lesson learnt)."""
MASTERED_DAYS = 30
SLIPPING_LAPSES = 3
"""Misses of one question after which its feedback points back to its lesson."""
"""A question is mastered once its next review is more than this many days away."""
FREEZE_EVERY = 5
"""A streak freeze is earned for every this many active days in a row..."""
MAX_FREEZES = 2
"""...and at most this many are kept."""

BADGES = {
    "first-lesson": "First lesson",
    "lessons-10": "10 lessons",
    "lessons-25": "25 lessons",
    "streak-5": "5-day streak",
    "streak-20": "20-day streak",
    "mastered-10": "10 questions mastered",
}
"""Badge codes and names; finishing a track gives 'track:<name>'."""
BADGE_MARKS = {"first-lesson": ("lessons", 1), "lessons-10": ("lessons", 10),
               "lessons-25": ("lessons", 25), "streak-5": ("streak", 5),
               "streak-20": ("streak", 20), "mastered-10": ("mastered", 10)}
"""What earns each badge of :data:`BADGES`: its measure (lessons read, the streak, questions
mastered) and the mark to reach; awarded and shown (`badges`) from here alike."""


def badge_name(code: str) -> str:
    """The name a learner sees for a badge code."""
    if code.startswith("track:"):
        return f"Track complete: {track_title(code[6:])}"
    return BADGES.get(code, code)


def streak_held(current: int, last_active: date | None, freezes: int, today: date,
                workdays: tuple[str, ...], paused: bool) -> int:
    """The streak as it stands on the learner's ``today``: broken (0) when more of their
    workdays were missed since ``last_active`` than their freezes cover; kept while they are
    on holiday. The stored streak is only written when the learner acts, so every reader
    (the engine's `me`, the dashboard) asks this."""
    if last_active is None or paused:
        return current
    missed = calendar.workdays_between(last_active, today, workdays)
    return 0 if missed > freezes else current
