"""Which review questions to ask (issue #8): a simulation of learners under forgetting models that
are not FSRS, driving the engine's real selection next to the classic queues.

Each simulated learner has workdays Monday to Friday (nothing happens at weekends) and skips each
workday with probability ``--skip``. On a day it does not skip it reads the next lesson at 09:00
(its ``--questions`` questions' first exposure, in the true model as in FSRS) and at 15:00 a policy
picks up to a budget (each of ``--budgets``) of review questions, which it answers right with the
probability the TRUE model gives. Every policy sees the same candidates, built as
``bot.engine.quiz.pick`` builds them: a card whose lesson was read on an earlier day and that was
not answered today; a card never asked holds ``Reviewer.first_exposure`` at the midnight (UTC) of
the day its lesson was read. Answers go through the real ``Reviewer.review`` (FSRS at the day's
midnight, as the engine does).

Policies (all given the same candidates; none ever sees today's lesson):

* ``expected gain``: the engine's own ``bot.engine.selection.choose`` at today's midnight.
* ``most overdue first``: the classic queue; cards whose FSRS ``due`` is at or before today's
  midnight, earliest due first (ties in the order met).
* ``new first``: the old microlearn policy; never-asked cards first in the order met, then due
  cards by lowest FSRS retrievability at today's midnight.
* ``random``: a floor; any candidates, drawn at random.

The true models (time in days; per-item difficulty ``z_i`` and per-learner ability ``z_l`` are
standard normal draws from the seed, the items shared by all learners, and the same for both
models):

1. ``exponential`` (half-life regression style, Settles and Meeder 2016): recall
   ``p = 2 ** (-(t - t_last) / h)``. Reading a lesson sets ``h = 2.0 * a * e`` days, with ability
   ``a = exp(0.3 z_l)`` and ease ``e = exp(-0.5 z_i)``. A right answer multiplies ``h`` by
   ``1 + 2.0 a e`` (3 for an average learner and item); a wrong one (the learner then sees the
   answer) by 0.5, never below 0.25 day; either way ``t_last`` becomes the time of the answer. A
   success counts the same whenever it comes: this model has no spacing effect.
2. ``power law`` (ACT-R, Pavlik and Anderson 2005): activation
   ``m(t) = ln(sum_j (t - t_j) ** -d_j) + 0.3 z_l - 0.4 z_i`` over the exposures ``t_j`` (the
   reading and every answer, right or wrong), each decaying at ``d_j = 0.25 exp(m(t_j)) + 0.4``
   where ``m(t_j)`` is the activation just before it (the first exposure: ``d = 0.4``), and
   recall ``p = 1 / (1 + exp((-0.2 - m) / 0.3))``. An exposure while the memory is strong decays
   fast: the spacing effect.

Figures, per model, budget and policy, averaged over learners:

* mean true recall over days 1..D: for each day, the mean TRUE recall probability over all the
  questions of the lessons the learner has read so far, measured at the end of the day (24:00);
  averaged over the days 1..D on which the learner has read at least one lesson;
* recall at day D: the same mean at the end of day D;
* never asked: the share of the questions of lessons read that were never asked by day D;
* the paired difference from ``expected gain`` in mean recall, with 1.96 standard errors over
  learners.

Selection cost: the wall time (``time.perf_counter``) of each ``choose`` call of the ``expected
gain`` runs, next to the time of building its candidates as ``quiz.pick`` does (without the
database reads), measured around the same calls. With ``--workers`` above 1 the learners are
spread over processes (the figures do not depend on it: each learner's draws are its own).

Usage::

    python -m bench.selection_bench [--learners 500] [--days 90] [--lessons 40] [--questions 3]
        [--skip 0.15] [--budgets 3,5] [--seed 1] [--workers N] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fsrs import Card as FsrsCard

from bot.engine import calendar
from bot.engine.reviewer import Reviewer
from bot.engine.selection import Candidate, choose
from storage.records import Card

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday: day 1
TZ = ZoneInfo("UTC")
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
READ_AT = 9 / 24  # lesson at 09:00
QUIZ_AT = 15 / 24  # quiz at 15:00
MODELS = ("exponential", "power law")
POLICIES = ("expected gain", "most overdue first", "new first", "random")


@dataclass(frozen=True)
class Settings:
    """One benchmark run's parameters."""

    learners: int = 500
    days: int = 90
    lessons: int = 40
    questions: int = 3
    skip: float = 0.15
    budgets: tuple[int, ...] = (3, 5)
    seed: int = 1


# --- The true models -------------------------------------------------------------------------


class HalfLifeMemory:
    """Exponential forgetting whose half-life grows on a right answer and shrinks on a wrong one."""

    def __init__(self, ability: float, difficulties: Sequence[float]) -> None:
        self.ability = math.exp(0.3 * ability)
        self.ease = [math.exp(-0.5 * z) for z in difficulties]
        self.half_life = [0.0] * len(difficulties)
        self.last = [0.0] * len(difficulties)
        self.seen: list[int] = []

    def expose(self, item: int, t: float, correct: bool | None) -> None:
        """Reading (``correct`` None) or an answer at time ``t``."""
        if correct is None:
            self.half_life[item] = 2.0 * self.ability * self.ease[item]
            self.seen.append(item)
        elif correct:
            self.half_life[item] *= 1.0 + 2.0 * self.ability * self.ease[item]
        else:
            self.half_life[item] = max(0.25, self.half_life[item] * 0.5)
        self.last[item] = t

    def recall(self, item: int, t: float) -> float:
        return float(2.0 ** ((self.last[item] - t) / self.half_life[item]))

    def mean_recall(self, t: float) -> float:
        """Mean recall at ``t`` over every item exposed so far."""
        last, half = self.last, self.half_life
        return math.fsum(2.0 ** ((last[i] - t) / half[i]) for i in self.seen) / len(self.seen)


class ActivationMemory:
    """ACT-R's declarative memory: a power-law trace per exposure, decaying faster when laid
    down on a strong memory (Pavlik and Anderson 2005)."""

    def __init__(self, ability: float, difficulties: Sequence[float]) -> None:
        self.base = [0.3 * ability - 0.4 * z for z in difficulties]
        self.traces: list[list[tuple[float, float]]] = [[] for _ in difficulties]
        self.seen: list[int] = []

    def activation(self, item: int, t: float) -> float:
        strength = sum((t - at) ** -decay for at, decay in self.traces[item])
        return math.log(strength) + self.base[item]

    def expose(self, item: int, t: float, correct: bool | None) -> None:
        """Reading or an answer (right or wrong alike: the learner sees the answer)."""
        traces = self.traces[item]
        decay = 0.4 if not traces else 0.25 * math.exp(self.activation(item, t)) + 0.4
        if not traces:
            self.seen.append(item)
        traces.append((t, decay))

    def recall(self, item: int, t: float) -> float:
        return 1.0 / (1.0 + math.exp((-0.2 - self.activation(item, t)) / 0.3))

    def mean_recall(self, t: float) -> float:
        """Mean recall at ``t`` over every item exposed so far."""
        total = 0.0
        for item in self.seen:
            strength = sum((t - at) ** -decay for at, decay in self.traces[item])
            total += 1.0 / (1.0 + math.exp((-0.2 - math.log(strength) - self.base[item]) / 0.3))
        return total / len(self.seen)


Memory = HalfLifeMemory | ActivationMemory


def true_memory(model: str, ability: float, difficulties: Sequence[float]) -> Memory:
    if model == "exponential":
        return HalfLifeMemory(ability, difficulties)
    if model == "power law":
        return ActivationMemory(ability, difficulties)
    raise ValueError(model)


# --- The learners' calendar --------------------------------------------------------------------


def learning_days(settings: Settings, learner: int) -> list[bool]:
    """Which days (0 = day 1, a Monday) the learner takes part: workdays not skipped. The same for
    every model and policy: drawn from the learner's own generator."""
    rng = random.Random(f"{settings.seed}:{learner}:days")
    return [day % 7 < 5 and rng.random() >= settings.skip for day in range(settings.days)]


def item_difficulties(settings: Settings) -> list[float]:
    """One difficulty per question (lesson-major), shared by all learners."""
    rng = random.Random(f"{settings.seed}:items")
    return [rng.gauss(0.0, 1.0) for _ in range(settings.lessons * settings.questions)]


def learner_ability(settings: Settings, learner: int) -> float:
    return random.Random(f"{settings.seed}:{learner}:ability").gauss(0.0, 1.0)


# --- The policies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quiz:
    """What a policy knows when it picks: FSRS, today's midnight, the budget, which cards were
    never asked, and a generator of its own."""

    reviewer: Reviewer
    now: datetime
    budget: int
    never_asked: frozenset[tuple[str, str]]
    rng: random.Random


Policy = Callable[[list[Candidate], Quiz], list[Candidate]]


def by_expected_gain(candidates: list[Candidate], quiz: Quiz) -> list[Candidate]:
    return choose(quiz.reviewer, candidates, quiz.now, limit=quiz.budget)


def most_overdue_first(candidates: list[Candidate], quiz: Quiz) -> list[Candidate]:
    due = [candidate for candidate in candidates if candidate.memory.due <= quiz.now]
    due.sort(key=lambda candidate: (candidate.memory.due, candidate.order))
    return due[:quiz.budget]


def new_first(candidates: list[Candidate], quiz: Quiz) -> list[Candidate]:
    never = [c for c in candidates if (c.lesson_id, c.question_key) in quiz.never_asked]
    due = [c for c in candidates
           if (c.lesson_id, c.question_key) not in quiz.never_asked and c.memory.due <= quiz.now]
    never.sort(key=lambda candidate: candidate.order)
    due.sort(key=lambda candidate: (
        quiz.reviewer.fsrs.get_card_retrievability(candidate.memory, quiz.now), candidate.order))
    return (never + due)[:quiz.budget]


def at_random(candidates: list[Candidate], quiz: Quiz) -> list[Candidate]:
    return quiz.rng.sample(candidates, min(quiz.budget, len(candidates)))


POLICY_OF: dict[str, Policy] = {"expected gain": by_expected_gain,
                                "most overdue first": most_overdue_first,
                                "new first": new_first, "random": at_random}


# --- One learner -------------------------------------------------------------------------------


@dataclass
class LearnerRun:
    """What one learner did under one model, budget and policy."""

    read_days: list[int] = field(default_factory=list)
    """The day (0 = day 1) each lesson was read, in order."""
    asks: list[tuple[int, int, bool]] = field(default_factory=list)
    """(day, item, right) for every question asked; item = lesson * questions + question."""
    daily_recall: list[float | None] = field(default_factory=list)
    """Mean true recall at the end of each day over the questions read so far (None: nothing
    read yet)."""
    choose_seconds: float = 0.0
    build_seconds: float = 0.0
    calls: int = 0
    candidates: int = 0


def build_candidates(reviewer: Reviewer, cards: dict[tuple[str, str], Card],
                     read_at: dict[str, datetime], positions: dict[str, int], today: date,
                     memo: dict[str, FsrsCard] | None = None) -> list[Candidate]:
    """The candidates, as ``bot.engine.quiz.pick`` builds them from the learner's cards. With a
    ``memo``, each distinct stored state (or first exposure) is parsed once: the same candidates,
    faster, for the runs that are not timed."""
    candidates = []
    for card in cards.values():
        at = read_at.get(card.lesson_id)
        if at is None or calendar.local_date(at, TZ) >= today:
            continue
        read_day = calendar.local_date(at, TZ)
        if memo is None:
            memory = reviewer.memory(card, calendar.at_local(read_day, "00:00", TZ))
        else:
            key = card.state or read_day.isoformat()
            found = memo.get(key)
            if found is None:
                found = memo[key] = reviewer.memory(card, calendar.at_local(read_day, "00:00", TZ))
            memory = found
        if memory.last_review is not None and calendar.local_date(memory.last_review,
                                                                  TZ) >= today:
            continue
        candidates.append(Candidate(memory, (at.timestamp(), positions[card.question_key],
                                             card.lesson_id, card.question_key),
                                    card.lesson_id, card.question_key))
    return candidates


def simulate(settings: Settings, learner: int, model: str, budget: int, policy: str,
             reviewer: Reviewer, active: list[bool] | None = None,
             difficulties: list[float] | None = None, faithful: bool = False) -> LearnerRun:
    """One learner through ``settings.days`` days under one model, budget and policy. The
    ``expected gain`` runs build their candidates exactly as the engine does and time it (so does
    any run with ``faithful``); the others memoise the parsing."""
    active = active if active is not None else learning_days(settings, learner)
    difficulties = difficulties if difficulties is not None else item_difficulties(settings)
    memory = true_memory(model, learner_ability(settings, learner), difficulties)
    answers = random.Random(f"{settings.seed}:{learner}:answers")
    picker = random.Random(f"{settings.seed}:{learner}:policy")
    choose_policy = POLICY_OF[policy]
    timed = policy == "expected gain"
    memo: dict[str, FsrsCard] | None = None if timed or faithful else {}
    keys = [f"q{question}" for question in range(settings.questions)]
    positions = {key: index for index, key in enumerate(keys)}
    cards: dict[tuple[str, str], Card] = {}
    read_at: dict[str, datetime] = {}
    item_of: dict[tuple[str, str], int] = {}
    run = LearnerRun()
    for day in range(settings.days):
        if active[day]:
            midnight = START + timedelta(days=day)
            today = midnight.date()
            lesson = len(run.read_days)
            if lesson < settings.lessons:
                lesson_id = f"l{lesson:03d}"
                read_at[lesson_id] = midnight + timedelta(days=READ_AT)
                run.read_days.append(day)
                for index, key in enumerate(keys):
                    item = lesson * settings.questions + index
                    item_of[lesson_id, key] = item
                    memory.expose(item, day + READ_AT, None)
                    cards[lesson_id, key] = Card(learner, lesson_id, key, "", read_at[lesson_id])
            never = frozenset(key for key, card in cards.items() if not card.state)
            quiz = Quiz(reviewer, midnight, budget, never, picker)
            started = time.perf_counter()
            candidates = build_candidates(reviewer, cards, read_at, positions, today, memo)
            built = time.perf_counter()
            chosen = choose_policy(candidates, quiz)
            if timed:
                run.build_seconds += built - started
                run.choose_seconds += time.perf_counter() - built
                run.calls += 1
                run.candidates += len(candidates)
            now = midnight + timedelta(days=QUIZ_AT)
            for candidate in chosen[:budget]:
                item = item_of[candidate.lesson_id, candidate.question_key]
                right = answers.random() < memory.recall(item, day + QUIZ_AT)
                memory.expose(item, day + QUIZ_AT, right)
                card = cards[candidate.lesson_id, candidate.question_key]
                cards[candidate.lesson_id, candidate.question_key] = reviewer.review(
                    card, right, now, today, WORKDAYS, TZ, read_at[candidate.lesson_id]).card
                run.asks.append((day, item, right))
        run.daily_recall.append(memory.mean_recall(day + 1.0) if memory.seen else None)
    return run


# --- Many learners -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """One learner's figures under one model, budget and policy."""

    mean_recall: float
    final_recall: float
    read: int
    never_asked: int
    asks: int


def summarise(run: LearnerRun, questions: int) -> Summary:
    measured = [recall for recall in run.daily_recall if recall is not None]
    read = len(run.read_days) * questions
    return Summary(statistics.fmean(measured) if measured else 0.0, run.daily_recall[-1] or 0.0,
                   read, read - len({item for _, item, _ in run.asks}), len(run.asks))


@dataclass(frozen=True)
class Timing:
    """The selection's cost over some ``choose`` calls, next to building their candidates."""

    choose_seconds: float = 0.0
    build_seconds: float = 0.0
    calls: int = 0
    candidates: int = 0

    def __add__(self, other: Timing) -> Timing:
        return Timing(self.choose_seconds + other.choose_seconds,
                      self.build_seconds + other.build_seconds, self.calls + other.calls,
                      self.candidates + other.candidates)


def one_learner(settings: Settings, learner: int) -> tuple[dict[str, Summary], Timing]:
    """Every model, budget and policy for one learner, and the timing of its ``choose`` calls."""
    reviewer = Reviewer()
    active = learning_days(settings, learner)
    difficulties = item_difficulties(settings)
    results: dict[str, Summary] = {}
    timing = Timing()
    for model in MODELS:
        for budget in settings.budgets:
            for policy in POLICIES:
                run = simulate(settings, learner, model, budget, policy, reviewer, active,
                               difficulties)
                results[f"{model}|{budget}|{policy}"] = summarise(run, settings.questions)
                timing += Timing(run.choose_seconds, run.build_seconds, run.calls,
                                 run.candidates)
    return results, timing


@dataclass(frozen=True)
class Row:
    """One model, budget and policy, over all learners."""

    model: str
    budget: int
    policy: str
    mean_recall: float
    final_recall: float
    never_asked: float
    asks_per_learner: float
    vs_gain: float
    """Mean recall minus that of ``expected gain``, paired by learner."""
    vs_gain_ci: float
    """1.96 standard errors of that difference."""


@dataclass(frozen=True)
class SelectionCost:
    choose_us: float
    build_us: float
    ratio: float
    candidates_per_call: float
    calls: int


@dataclass(frozen=True)
class Figures:
    settings: Settings
    rows: list[Row]
    selection: SelectionCost
    seconds: float


def run_all(settings: Settings, workers: int) -> Figures:
    """Every learner (in ``workers`` processes), the figures gathered."""
    started = time.perf_counter()
    learners = range(settings.learners)
    if workers <= 1:
        outcomes = [one_learner(settings, learner) for learner in learners]
    else:
        with ProcessPoolExecutor(workers) as pool:
            outcomes = list(pool.map(one_learner, [settings] * settings.learners, learners,
                                     chunksize=max(1, settings.learners // (workers * 8))))
    rows = []
    for model in MODELS:
        for budget in settings.budgets:
            gain = [o[0][f"{model}|{budget}|expected gain"].mean_recall for o in outcomes]
            for policy in POLICIES:
                per = [o[0][f"{model}|{budget}|{policy}"] for o in outcomes]
                diffs = [p.mean_recall - g for p, g in zip(per, gain, strict=True)]
                spread = statistics.stdev(diffs) if len(diffs) > 1 else 0.0
                rows.append(Row(
                    model, budget, policy, statistics.fmean(p.mean_recall for p in per),
                    statistics.fmean(p.final_recall for p in per),
                    sum(p.never_asked for p in per) / max(1, sum(p.read for p in per)),
                    statistics.fmean(p.asks for p in per), statistics.fmean(diffs),
                    1.96 * spread / math.sqrt(len(diffs))))
    timing = sum((timing for _, timing in outcomes), Timing())
    calls = max(1, timing.calls)
    cost = SelectionCost(timing.choose_seconds / calls * 1e6, timing.build_seconds / calls * 1e6,
                         timing.choose_seconds / max(timing.build_seconds, 1e-12),
                         timing.candidates / calls, timing.calls)
    return Figures(settings, rows, cost, time.perf_counter() - started)


def report(figures: Figures) -> str:
    """The figures as a Markdown table."""
    lines = ["| model | budget | policy | mean recall, days 1-D | recall at day D | never asked "
             "| vs expected gain (±1.96 SE) | asks per learner |",
             "|---|---|---|---|---|---|---|---|"]
    for row in figures.rows:
        versus = ("" if row.policy == "expected gain"
                  else f"{row.vs_gain:+.3f} ± {row.vs_gain_ci:.3f}")
        lines.append(f"| {row.model} | {row.budget} | {row.policy} | {row.mean_recall:.3f} "
                     f"| {row.final_recall:.3f} | {row.never_asked:.1%} | {versus} "
                     f"| {row.asks_per_learner:.1f} |")
    cost = figures.selection
    lines += ["", f"choose: {cost.choose_us:.0f} µs a call over {cost.candidates_per_call:.1f} "
              f"candidates; building them (as quiz.pick does, without the database) "
              f"{cost.build_us:.0f} µs; ratio {cost.ratio:.2f} ({cost.calls:,} calls)",
              f"{figures.seconds:.0f} s"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--lessons", type=int, default=40)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--skip", type=float, default=0.15)
    parser.add_argument("--budgets", default="3,5")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    settings = Settings(args.learners, args.days, args.lessons, args.questions, args.skip,
                        tuple(int(b) for b in args.budgets.split(",")), args.seed)
    figures = run_all(settings, args.workers)
    print(json.dumps(asdict(figures), indent=2) if args.json else report(figures))


if __name__ == "__main__":
    main()
