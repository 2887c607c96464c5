"""A learned ranking of the default lookup's candidates, against the fused score, in one run.

The fused score (similarity + a share of strength x coverage, ``bot.content.fusion``) has one
fitted constant. This trial asks whether a richer ranking over the same candidates does
better: a logistic model of "this candidate is right" over fourteen features of each candidate
(its similarity, distinctness, coverage, strength and their product, its lexical score as a
share of the question's best, its similarity below the best, the similarity of each of its
three vectors alone, the reciprocal of its rank by meaning and by words, and its fused score
below the best), fitted on the tuning halves. Candidates are ranked by the model; hit@3 is
never silent (the bar is another matter: this is the ranking alone).

Reported: each tuning half ranked by a model fitted on the other sets' tuning halves (leave
one set out), then every held-out half and held-out set ranked by the model fitted on all
tuning halves, with the fused score's hit@3 beside each::

    python -m bench.ltr_trial [--sets a,b,c]

Measured on 2026-12-06: docs/lookup.md ("Tried and not kept").
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bench.calibrate import fit
from bench.lookup_bench import (
    SETS,
    TUNED_SETS,
    available,
    copies,
    expected,
    hybrid_catalog,
    split_queries,
)
from bot.content import fusion, semantic
from bot.content.question import for_model, with_corrections

Row = dict[str, Any]


def per_vector(index: semantic.SemanticIndex, question: str,
               corrections: Mapping[str, str]) -> dict[str, tuple[float, ...]]:
    """Each lesson's similarity to ``question`` by each of its vectors, read as lookup reads
    the question (:meth:`SemanticIndex.similarities`)."""
    vocabulary = index._encoder if isinstance(index._encoder, semantic.Vocabulary) else None
    query = with_corrections(question, {
        word: right for word, right in corrections.items()
        if len(word) >= semantic.MIN_CORRECTED
        and (vocabulary is None or not vocabulary.knows(word))})
    vector = index._query_vector(for_model(query))
    columns = [matrix @ vector for matrix in index._matrices]
    return {lesson_id: tuple(float(c[k]) for c in columns)
            for k, lesson_id in enumerate(index._ids)}


def collect(names: Sequence[str]) -> dict[str, list[Row]]:
    """Every question of ``names`` with its candidates' evidence and per-vector similarities."""
    out: dict[str, list[Row]] = {}
    for name, folder in available(",".join(names)):
        catalog, index = hybrid_catalog(folder)
        same = copies(catalog.lessons())
        rows = []
        for query in split_queries(name):
            evidence, used, corrections = catalog.evidence(str(query["q"]))
            per = per_vector(index, str(query["q"]), corrections) if used else {}
            rows.append({"split": query["split"], "kind": query.get("kind"),
                         "expect": set(expected(query, same)), "evidence": evidence,
                         "per": per})
        out[name] = rows
    return out


def features(row: Row) -> tuple[list[list[float]], list[str]]:
    """The feature rows of a question's candidates, and their lesson ids."""
    evidence: list[fusion.Evidence] = row["evidence"]
    best_lexical = max(e.lexical for e in evidence) or 1.0
    best_similarity = max(e.similarity for e in evidence)
    by_meaning = {e.lesson_id: r for r, e in
                  enumerate(sorted(evidence, key=lambda e: -e.similarity))}
    by_words = {e.lesson_id: r for r, e in enumerate(sorted(evidence, key=lambda e: -e.lexical))}
    fused = {e.lesson_id: fusion.fused_score(e, True) for e in evidence}
    best_fused = max(fused.values())
    xs = []
    for e in evidence:
        vectors = (*row["per"].get(e.lesson_id, ()), 0.0, 0.0, 0.0)[:3]
        xs.append([1.0, e.similarity, e.distinct, e.coverage, e.strength,
                   e.coverage * e.strength, e.lexical / best_lexical,
                   e.similarity - best_similarity, *vectors,
                   1.0 / (1 + by_meaning[e.lesson_id]), 1.0 / (1 + by_words[e.lesson_id]),
                   fused[e.lesson_id] - best_fused])
    return xs, [e.lesson_id for e in evidence]


def design(halves: Sequence[list[Row]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every candidate of every answerable question, each half weighing the same."""
    xs, ys, ws = [], [], []
    for rows in halves:
        answerable = [r for r in rows if r["expect"] and r["evidence"]]
        for row in answerable:
            found, ids = features(row)
            xs += found
            ys += [1.0 if i in row["expect"] else 0.0 for i in ids]
            ws += [1.0 / len(answerable)] * len(ids)
    return np.array(xs), np.array(ys), np.array(ws)


def hit3(rows: list[Row], beta: np.ndarray | None) -> float | None:
    """Never-silent hit@3 over the answerable questions: by the fused score, or by ``beta``."""
    answerable = [r for r in rows if r["expect"]]
    if not answerable:
        return None
    hits = 0
    for row in answerable:
        if not row["evidence"]:
            continue
        if beta is None:
            top = [e.lesson_id for _, e in fusion.score(row["evidence"], True).order[:3]]
        else:
            found, ids = features(row)
            top = [ids[k] for k in np.argsort(-(np.array(found) @ beta))[:3]]
        hits += any(i in row["expect"] for i in top)
    return round(100 * hits / len(answerable), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    args = parser.parse_args()
    sets = collect(args.sets.split(","))
    tuned = [name for name in TUNED_SETS if name in sets]

    def half(name: str, split: str) -> list[Row]:
        return [r for r in sets[name] if r["split"] == split]

    for name in tuned:
        beta = fit(*design([half(other, "tune") for other in tuned if other != name]))
        print(json.dumps({"set": name, "half": "tuning, left out", "fused": hit3(
            half(name, "tune"), None), "learned": hit3(half(name, "tune"), beta)}))
    beta = fit(*design([half(name, "tune") for name in tuned]))
    for name, rows in sets.items():
        held = half(name, "test") if name in tuned else rows
        paraphrases = [r for r in held if r["kind"] == "paraphrase"]
        print(json.dumps({"set": name, "half": "held-out", "fused": hit3(held, None),
                          "learned": hit3(held, beta),
                          "paraphrase": [hit3(paraphrases, None), hit3(paraphrases, beta)]}))
    print(json.dumps({"coefficients": [round(float(b), 2) for b in beta]}))


if __name__ == "__main__":
    main()
