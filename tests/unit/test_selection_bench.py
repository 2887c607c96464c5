"""The selection benchmark's simulation, run tiny: its rules hold for every policy and model."""

from __future__ import annotations

import pytest

from bench.selection_bench import (
    MODELS,
    POLICIES,
    LearnerRun,
    Settings,
    learning_days,
    run_all,
    simulate,
)
from bot.engine.reviewer import Reviewer

TINY = Settings(learners=5, days=20, lessons=8, questions=3, skip=0.15, budgets=(2, 3), seed=7)


@pytest.fixture(scope="module")
def runs() -> dict[tuple[int, str, int, str], LearnerRun]:
    reviewer = Reviewer()
    return {(learner, model, budget, policy): simulate(TINY, learner, model, budget, policy,
                                                        reviewer)
            for learner in range(TINY.learners) for model in MODELS
            for budget in TINY.budgets for policy in POLICIES}


def test_no_question_is_asked_on_the_day_its_lesson_is_read(
        runs: dict[tuple[int, str, int, str], LearnerRun]) -> None:
    for run in runs.values():
        for day, item, _ in run.asks:
            assert day > run.read_days[item // TINY.questions]


def test_a_day_never_holds_more_asks_than_the_budget_nor_the_same_question_twice(
        runs: dict[tuple[int, str, int, str], LearnerRun]) -> None:
    for (_, _, budget, _), run in runs.items():
        days = [day for day, _, _ in run.asks]
        assert all(days.count(day) <= budget for day in set(days))
        assert len(set(run.asks)) == len(run.asks)


def test_every_policy_reads_on_the_same_days_and_only_on_workdays_taken(
        runs: dict[tuple[int, str, int, str], LearnerRun]) -> None:
    for learner in range(TINY.learners):
        active = learning_days(TINY, learner)
        taken = [day for day, takes_part in enumerate(active) if takes_part]
        expected = taken[:TINY.lessons]
        assert all(day % 7 < 5 for day in taken)
        for model in MODELS:
            for budget in TINY.budgets:
                for policy in POLICIES:
                    run = runs[learner, model, budget, policy]
                    assert run.read_days == expected
                    assert {day for day, _, _ in run.asks} <= set(taken)
                    assert len(run.daily_recall) == TINY.days


def test_the_skipped_days_are_drawn_per_learner_from_the_seed() -> None:
    assert learning_days(TINY, 0) == learning_days(TINY, 0)
    assert learning_days(TINY, 0) != learning_days(TINY, 1)


@pytest.mark.parametrize("policy", POLICIES)
def test_memoised_candidates_pick_as_the_engine_built_ones(policy: str) -> None:
    reviewer = Reviewer()
    for model in MODELS:
        fast = simulate(TINY, 1, model, 3, policy, reviewer)
        engine_built = simulate(TINY, 1, model, 3, policy, reviewer, faithful=True)
        assert fast.asks == engine_built.asks
        assert fast.daily_recall == engine_built.daily_recall


def test_the_figures_cover_every_model_budget_and_policy() -> None:
    figures = run_all(Settings(learners=2, days=15, lessons=5, budgets=(2,), seed=3), workers=1)
    assert {(row.model, row.policy) for row in figures.rows} == {
        (model, policy) for model in MODELS for policy in POLICIES}
    for row in figures.rows:
        assert 0.0 <= row.mean_recall <= 1.0 and 0.0 <= row.never_asked <= 1.0
    assert figures.selection.calls > 0
