"""Fit the fusion weight, the "is it an answer" model and the default bar on the tuning halves.

For every query of the ``tune`` half of each query set (``bench/lookup_bench.py`` has the sets),
the candidates' evidence is collected once, with and without the model. Then:

1. the lexical weight of the fused score is the one with the best hit@3 at the bar of step 3
   (the models of step 2 fitted for each weight; never-silent hit@3 breaks ties, and the weight
   in use stays unless another is better by more than half a point);
2. two logistic models are fitted, each set weighing the same: "this candidate is a right
   answer", on the top three candidates of each query (every candidate of an unanswerable
   query is wrong), which gives each result its confidence; and "the first three hold a right
   answer", on each query, which decides whether to answer at all;
3. the default bar is the lowest probability at which the best candidate of at least
   ``--target`` of the unanswerable tuning queries is refused (averaged over the sets).

The ``test`` halves are never read. Prints the constants for ``bot/content/fusion.py``::

    python -m bench.calibrate [--target 0.85]
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np

from bench.lookup_bench import (
    TUNED_SETS,
    copies,
    expected,
    hybrid_catalog,
    lesson_folder,
    split_queries,
)
from bot.content import fusion
from bot.content.catalog import Catalog

Sample = tuple[list[fusion.Evidence], set[str]]
TIE = 0.005
"""Differences of hit@3 this small are a question or two: not a reason to change a weight."""


def collect(hybrid: bool) -> dict[str, list[Sample]]:
    """Per set, the evidence for each tuning query and its right answers."""
    out: dict[str, list[Sample]] = {}
    for name in TUNED_SETS:
        with lesson_folder(name) as folder:
            if folder is None:
                continue
            if hybrid:
                catalog, _ = hybrid_catalog(folder)
            else:
                catalog = Catalog(folder)
                catalog.load()
            same = copies(catalog.lessons())
            rows = []
            for query in split_queries(name):
                if query["split"] != "tune":
                    continue
                evidence, used, _ = catalog.evidence(str(query["q"]))
                assert used == hybrid
                rows.append((evidence, set(expected(query, same))))
            out[name] = rows
    return out


def hit3(samples: dict[str, list[Sample]], hybrid: bool) -> float:
    """Macro-averaged hit@3 over answerable queries, never silent."""
    rates = []
    for rows in samples.values():
        answerable = [(e, x) for e, x in rows if x]
        found = sum(any(e.lesson_id in x for _, e in fusion.score(c, hybrid).order[:3])
                    for c, x in answerable)
        rates.append(found / max(1, len(answerable)))
    return float(np.mean(rates))


def design(samples: dict[str, list[Sample]], hybrid: bool,
           answer: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and weights (each set weighs the same): of the top three candidates
    ("is this one right?"), or with ``answer`` of each question ("do the first three hold a
    right one?"; never for an unanswerable question)."""
    xs, ys, ws = [], [], []
    for rows in samples.values():
        weight = 1.0 / max(1, len(rows))
        for evidence, expect in rows:
            scored = fusion.score(evidence, hybrid)
            if not scored.order:
                continue
            if answer:
                xs.append(scored.answer_row)
                ys.append(1.0 if any(e.lesson_id in expect
                                     for _, e in scored.order[:fusion.ANSWER_DEPTH]) else 0.0)
                ws.append(weight)
                continue
            for (_, e), row in list(zip(scored.order, scored.rows, strict=True))[:3]:
                xs.append(row)
                ys.append(1.0 if e.lesson_id in expect else 0.0)
                ws.append(weight)
    return np.array(xs), np.array(ys), np.array(ws)


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Weighted logistic regression by Newton's method (features fixed at 0 keep weight 0)."""
    beta = np.zeros(x.shape[1])
    active = x.std(axis=0) > 0
    active[0] = True
    xa = x[:, active]
    b = np.zeros(xa.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-xa @ b))
        gradient = xa.T @ (w * (y - p)) - l2 * b
        hessian = -(xa.T * (w * p * (1 - p))) @ xa - l2 * np.eye(len(b))
        step = np.linalg.solve(hessian, gradient)
        b -= step
        if np.abs(step).max() < 1e-8:
            break
    beta[active] = b
    return beta


Models = tuple[tuple[float, ...], tuple[float, ...]]


def bar(samples: dict[str, list[Sample]], hybrid: bool, models: Models, target: float) -> float:
    """The lowest bar that refuses ``target`` of the unanswerable tuning queries on average."""
    for threshold in np.arange(0.05, 0.96, 0.01):
        rates = []
        for rows in samples.values():
            refused = [not fusion.decide(fusion.rank(e, hybrid, *models), 3, threshold)
                       for e, x in rows if not x]
            rates.append(np.mean(refused) if refused else 1.0)
        if np.mean(rates) >= target:
            return round(float(threshold), 2)
    return 0.95


def answered(samples: dict[str, list[Sample]], hybrid: bool, models: Models,
             threshold: float) -> float:
    """Macro-averaged hit@3 over answerable tuning queries at ``threshold`` (silence misses)."""
    rates = []
    for rows in samples.values():
        found = [any(r.evidence.lesson_id in x for r in fusion.decide(
            fusion.rank(e, hybrid, *models), 3, threshold)) for e, x in rows if x]
        rates.append(float(np.mean(found)) if found else 0.0)
    return round(float(np.mean(rates)), 3)


def fitted(samples: dict[str, list[Sample]], hybrid: bool) -> Models:
    """The candidate and answer models fitted on ``samples``."""
    return (tuple(round(float(v), 3) for v in fit(*design(samples, hybrid, False))),
            tuple(round(float(v), 3) for v in fit(*design(samples, hybrid, True))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", type=float, default=0.85)
    args = parser.parse_args()
    result: dict[str, object] = {}
    for hybrid in (True, False):
        samples = collect(hybrid)
        if hybrid:
            # The weight is judged by what the learner gets: hit@3 with the bar that refuses
            # the target share of unanswerable questions (never-silent hit@3 breaks ties).
            weights: dict[float, tuple[float, float]] = {}
            current = fusion.LEXICAL_WEIGHT
            for weight in (0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.2):
                fusion.LEXICAL_WEIGHT = weight
                trial = fitted(samples, True)
                weights[weight] = (answered(samples, True, trial,
                                            bar(samples, True, trial, args.target)),
                                   round(hit3(samples, True), 3))
            # The weight in use stays unless another beats it by more than the noise of a
            # few questions (half a point of hit@3 at the bar).
            best = max(weights, key=lambda k: weights[k])
            if current in weights and weights[best][0] - weights[current][0] <= TIE:
                best = current
            fusion.LEXICAL_WEIGHT = best
            result["LEXICAL_WEIGHT"] = fusion.LEXICAL_WEIGHT
            result["hit3_at_bar_and_never_silent_by_weight"] = weights
        models = fitted(samples, hybrid)
        key = "HYBRID" if hybrid else "LEXICAL"
        result[f"{key}_COEFFICIENTS"], result[f"{key}_ANSWER_COEFFICIENTS"] = models
        result[f"{key}_BAR"] = bar(samples, hybrid, models, args.target)
        result[f"{key}_TUNE_HIT3_AT_BAR"] = answered(samples, hybrid, models,
                                                     float(result[f"{key}_BAR"]))
        result[f"{key}_SETS"] = sorted(samples)
    # One bar in the config for both modes: the lexical model's bias is shifted so that its
    # own bar falls on the hybrid one (the same share of unanswerable questions refused).
    def logit(p: float) -> float:
        return math.log(p / (1 - p))

    hybrid_bar, lexical_bar = float(result["HYBRID_BAR"]), float(result["LEXICAL_BAR"])
    lexical = list(result["LEXICAL_ANSWER_COEFFICIENTS"])  # type: ignore[call-overload]
    lexical[0] = round(lexical[0] + logit(hybrid_bar) - logit(lexical_bar), 3)
    result["LEXICAL_ANSWER_COEFFICIENTS_ON_HYBRID_BAR"] = tuple(lexical)
    result["MIN_CONFIDENCE"] = hybrid_bar
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
