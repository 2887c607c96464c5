"""The dashboard's figures from the reports' sums: pure functions, each with its definition.

- **Facility**: the share of learners whose *first* answer to a question was right (classical
  test theory's item difficulty; Moodle calls it the facility index).
- **Discrimination**: the corrected item-total correlation: over learners, the Pearson
  correlation between a question's first attempt (1 right, 0 wrong) and the learner's
  first-attempt score on the *other* questions in view. Near 0, the question does not tell who
  knows the material; below 0, those who know it get it wrong more often: a broken key, or a
  trick question.
- **Predicted recall**: FSRS's forgetting curve over the learners' cards (see
  :meth:`storage.reports.Reports.recall`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.engine import calendar, rules
from storage.reports import ItemTotals, LearnerRisk, StreakKept

LOW_FACILITY = 0.3
"""Below this share of right first attempts a question is probably broken (or too hard)."""
MIN_LEARNERS = 5
"""Fewer first attempts than this say too little to mark a question."""
QUIET_WORKDAYS = 2
"""Workdays of the learner's own without an answer that make a backlog their doing (one is a
day off)."""


def ratio(part: int, whole: int) -> float | None:
    """``part / whole``, None when there is nothing to divide."""
    return part / whole if whole else None


def discrimination(sums: ItemTotals) -> float | None:
    """The corrected item-total correlation from its sums; None when it is undefined (every
    learner answered alike, or too few answered)."""
    n = sums.n
    if n < 3:
        return None
    numerator = n * sums.sxy - sums.sx * sums.sy
    spread = (n * sums.sxx - sums.sx ** 2) * (n * sums.syy - sums.sy ** 2)
    if spread <= 1e-12:
        return None
    return numerator / math.sqrt(spread)


@dataclass(frozen=True)
class Verdict:
    """Why a question looks broken (empty: it looks fine)."""

    reasons: tuple[str, ...]

    @property
    def broken(self) -> bool:
        return bool(self.reasons)


def judge(learners: int, facility: float | None, index: float | None, flags: int,
          correlated: int | None = None) -> Verdict:
    """Whether a question looks broken: few get it right first time, those who know the
    material clearly get it wrong more often (a discrimination below -2/sqrt(n), beyond what
    chance gives n learners), or learners flagged it. ``correlated``: the learners the
    discrimination was computed over, when not ``learners``."""
    reasons = []
    if facility is not None and learners >= MIN_LEARNERS and facility < LOW_FACILITY:
        reasons.append("low facility")
    n = learners if correlated is None else correlated
    if index is not None and n >= MIN_LEARNERS and index < -2 / math.sqrt(n):
        reasons.append("negative discrimination")
    if flags:
        reasons.append("flagged")
    return Verdict(tuple(reasons))


def choice_counts(given: Iterable[tuple[str, int]], choices: int) -> list[int]:
    """How often each choice was picked, from (choices given as '0,2', times) pairs."""
    counts = [0] * choices
    for text, times in given:
        for part in text.split(","):
            if part.strip().isdigit() and int(part) < choices:
                counts[int(part)] += times
    return counts


def weighted_recall(per_lesson: Iterable[tuple[str, float, int]],
                    group: Mapping[str, str]) -> dict[str, tuple[float, int]]:
    """Mean recall per group (a lesson's track or topic), weighted by cards: (recall, cards)."""
    sums: dict[str, list[float]] = {}
    for lesson, recall, cards in per_lesson:
        name = group.get(lesson)
        if name is None:
            continue
        total = sums.setdefault(name, [0.0, 0.0])
        total[0] += recall * cards
        total[1] += cards
    return {name: (value / cards, int(cards)) for name, (value, cards) in sums.items() if cards}


@dataclass(frozen=True)
class Risk:
    """A learner who is slipping, and why."""

    learner: LearnerRisk
    reasons: tuple[str, ...]


def streak_now(current: int, day: date | None, freezes: int, workdays: tuple[str, ...],
               time_zone: str, paused: bool, now: datetime) -> int:
    """A stored streak as it stands ``now`` in the learner's own time zone and workdays (the
    engine's rule: broken once more workdays were missed than freezes cover; held on
    holiday)."""
    today = calendar.local_date(now, calendar.zone(time_zone or "UTC"))
    return rules.streak_held(current, day, freezes, today, workdays or calendar.DAYS, paused)


def streaks_now(kept: Iterable[StreakKept], now: datetime) -> list[int]:
    """The streaks held ``now`` (above zero) of those stored."""
    held = (streak_now(streak.current, streak.day, streak.freezes, streak.workdays,
                       streak.time_zone, streak.paused, now) for streak in kept)
    return [days for days in held if days]


def learner_streak(learner: LearnerRisk, now: datetime) -> int:
    """The learner's streak as it stands ``now`` (0 once broken, whatever is stored)."""
    day = learner.streak_day
    if day is None and learner.last_action is not None:
        day = calendar.local_date(learner.last_action,
                                  calendar.zone(learner.time_zone or "UTC"))
    return streak_now(learner.streak, day, learner.freezes, learner.workdays,
                      learner.time_zone, learner.paused, now)


def at_risk(learners: Iterable[LearnerRisk], now: datetime, idle_days: int,
            overdue: int) -> list[Risk]:
    """Learners slipping: no action (since their last, or since they enrolled) for
    ``idle_days`` of their workdays, at least ``overdue`` reviews overdue (and no answer for a
    while), or a streak of 3 days or more lost (more workdays missed than their freezes
    cover). A learner on holiday or who stopped the daily messages is not slipping. The longest
    idle first.

    Reviews overdue count only when the learner has answered nothing for
    :data:`QUIET_WORKDAYS` of their workdays or more: a learner who answers what the bot asks
    is not slipping, whatever their backlog, nor one who missed one day's quiz."""
    risks = []
    for learner in learners:
        if learner.away:
            continue
        tz = calendar.zone(learner.time_zone) if learner.time_zone else calendar.zone("UTC")
        since = learner.last_action or learner.enrolled_at
        today, workdays = calendar.local_date(now, tz), learner.workdays or calendar.DAYS
        reasons = []
        missed = 0
        if since is not None:
            # Today is not over: it can still count (strictly between).
            missed = calendar.workdays_between(calendar.local_date(since, tz), today, workdays)
            if missed >= idle_days:
                what = "no action" if learner.last_action else "never acted"
                reasons.append(f"{what} for {missed} workdays")
        if learner.overdue >= overdue:
            # A backlog alone is the daily budget's doing when every question asked is
            # answered: only one of a learner who stopped answering is theirs, for more than a
            # day off (Friday's quiz seen on Sunday is not yet a missed workday). Counted on
            # the learner's own days, as their idle workdays are: the day of their last answer
            # in their zone, not the UTC day (in Auckland, Monday morning's answer is Sunday's
            # in UTC).
            quiet = calendar.workdays_between(
                calendar.local_date(learner.last_answer, tz), today, workdays) \
                if learner.last_answer is not None else None
            if quiet is None or quiet >= QUIET_WORKDAYS:
                reasons.append(f"{learner.overdue} reviews overdue, " + (
                    "no answer in two weeks" if quiet is None else
                    f"no answer for {quiet} workdays"))
        if learner.streak >= 3 and learner_streak(learner, now) == 0:
            reasons.append(f"streak of {learner.streak} lost")
        if reasons:
            risks.append(Risk(learner, tuple(reasons)))
    oldest = datetime.min.replace(tzinfo=now.tzinfo)
    return sorted(risks, key=lambda risk: (risk.learner.last_action or oldest,
                                           risk.learner.learner_id))
