"""Lookup quality over a query set: hit@1, hit@3 and how well "no answer" is recognised.

A query set is JSON Lines: ``{"q": ..., "expect": [lesson ids], "kind": ...}``; an empty
``expect`` means no lesson answers the query. Usage::

    python -m bench.quality LESSON_DIR QUERIES.jsonl [--lexical] [--show-misses]

"microlearn" is lookup as the bot answers with its default settings (meaning and words, the
calibrated "no answer", its embedding cache); "microlearn-lexical" words alone, as when the
model cannot load (``--lexical`` scores only that and the baseline); "plain-bm25" the baseline.
``bench/lookup_bench.py`` runs every set with both halves and all baselines.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.baseline import PlainBM25
from bot.content.catalog import Catalog

Ranker = Callable[[str], list[str]]


@dataclass
class Score:
    """Counts for one ranker over one query set (overall and per query kind)."""

    answerable: int = 0
    hit1: int = 0
    hit3: int = 0
    empty_when_answerable: int = 0
    no_answer: int = 0
    no_answer_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, expect: list[str], got: list[str], query: str) -> None:
        """Record one query's result."""
        if expect:
            self.answerable += 1
            self.hit1 += bool(got[:1]) and got[0] in expect
            self.hit3 += any(g in expect for g in got[:3])
            self.empty_when_answerable += not got
            if not any(g in expect for g in got[:3]):
                self.misses.append(f"MISS  {query!r}: expected {expect}, got {got[:3]}")
        else:
            self.no_answer += 1
            self.no_answer_right += not got
            if got:
                self.misses.append(f"FALSE {query!r}: expected nothing, got {got[:3]}")

    def row(self) -> dict[str, float | int]:
        """The figures as percentages."""
        def pct(part: int, whole: int) -> float:
            return round(100 * part / whole, 1) if whole else float("nan")
        return {
            "answerable": self.answerable,
            "hit@1": pct(self.hit1, self.answerable),
            "hit@3": pct(self.hit3, self.answerable),
            "silent_on_answerable": pct(self.empty_when_answerable, self.answerable),
            "no_answer_queries": self.no_answer,
            "no_answer_right": pct(self.no_answer_right, self.no_answer),
        }


def load_queries(path: Path) -> list[dict[str, object]]:
    """Read a JSON Lines query set."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def evaluate(ranker: Ranker, queries: list[dict[str, object]]) -> dict[str, Score]:
    """Score ``ranker`` on ``queries``: key "all" plus one key per query kind."""
    scores: dict[str, Score] = {"all": Score()}
    for query in queries:
        text = str(query["q"])
        expect = [str(e) for e in query["expect"]]  # type: ignore[attr-defined]
        got = ranker(text)
        kind = str(query.get("kind", "other"))
        scores["all"].add(expect, got, text)
        scores.setdefault(kind, Score()).add(expect, got, text)
    return scores


def rankers(catalog: Catalog) -> dict[str, Ranker]:
    """Our lookup and the plain baseline over the same catalog."""
    plain = PlainBM25(catalog.lessons())
    return {
        "microlearn": lambda q: [hit.lesson.id for hit in catalog.lookup(q, 3).hits],
        "plain-bm25": lambda q: [lesson.id for lesson in plain.search(q, 3)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lessons", type=Path)
    parser.add_argument("queries", type=Path)
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--lexical", action="store_true",
                        help="words only: leave out the bot's lookup by meaning (as when its "
                             "model cannot load)")
    parser.add_argument("--semantic", action="store_true", help=argparse.SUPPRESS)
    """The default since lookup by meaning became the bot's; kept so older commands run."""
    args = parser.parse_args()
    queries = load_queries(args.queries)
    catalog = Catalog(args.lessons)
    catalog.load()
    chosen: dict[str, Ranker] = {}
    if not args.lexical:
        # Scored as the bot answers: its default [lookup] settings and embedding cache. (Not
        # imported at the top: the other benchmarks import this module, and their memory
        # figures would count pydantic.)
        from bot.config import LookupSettings
        from bot.content.library import open_catalog

        bot = open_catalog(args.lessons, LookupSettings())
        bot.load()
        bot.wait_for_meaning(None)
        chosen["microlearn"] = lambda q: [h.lesson.id for h in bot.lookup(q, 3).hits]
    words = rankers(catalog)
    chosen["microlearn-lexical"] = words["microlearn"]
    chosen["plain-bm25"] = words["plain-bm25"]
    for name, ranker in chosen.items():
        scores = evaluate(ranker, queries)
        for kind, score in scores.items():
            print(json.dumps({"ranker": name, "kind": kind, **score.row()}))
        if args.show_misses and name.startswith("microlearn"):
            print("\n".join(scores["all"].misses))


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):  # piped into head
        main()
