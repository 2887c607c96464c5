"""Lookup quality on eleven corpora, both halves of every query set, with the baselines.

Corpora: the sample library, npm's and Node.js's documentation (from the machine's Node.js), the
manual pages, Python's and PostgreSQL's documentation (``bench/corpora.py``), and five small
workplace libraries in ``bench/libraries`` (``LIBRARIES``). Every query set is
split in two: ``tune`` (what ``bench/calibrate.py`` fits on) and ``test`` (held out, only
measured); the sets in ``HELD_OUT`` (written by people who had not seen the ranker) are not
fitted on at all. Rankers,
all in the same run on the same lessons:

- ``microlearn``: the default, lexical and semantic evidence fused, calibrated "no answer";
- ``microlearn-lexical``: the same without the model (what a bot whose model cannot load does);
- ``microlearn-ranking`` and ``microlearn-lexical-ranking``: the same two never silent
  (``min_confidence`` 0), to compare their ranking with the baselines that never are;
- ``previous-default``: lexical lookup with the fixed coverage/strength rule it used before;
- ``plain-bm25``: Okapi BM25 over title and text, never silent;
- ``minilm-alone``: the nearest lesson in meaning, never silent.

Usage::

    python -m bench.lookup_bench [--sets man-pages,python-docs] [--show-misses]

Prints one JSON object per set, ranker, split and kind of query.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import corpora
from bench.baseline import PlainBM25
from bench.lessons_bench import NODEJS_PARTS, percentile
from bench.quality import Score, load_queries
from bot.content.catalog import Catalog
from bot.content.model import Lesson
from bot.content.semantic import SemanticIndex
from bot.content.unrelated import REFUSED
from bot.content.vector_cache import VectorCache

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries"
SETS = ("sample", "npm-docs", "nodejs-docs", "man-pages", "python-docs", "postgres-docs",
        "restaurant", "warehouse", "eng-handbook", "sample-workplace", "workplace", "vet-clinic",
        "man-pages-independent", "sample-independent")
HELD_OUT = ("man-pages-independent", "sample-independent", "sample-workplace", "workplace",
            "vet-clinic")
"""Measured here, but bench/calibrate.py never fits on them: written by people who had not seen
the ranker (sample-independent: a reviewer's workplace questions the sample library cannot
answer; sample-workplace: 100 workplace questions about it, half of them unanswerable, written
by a helper who read only the lessons; its halves are kept for comparison; workplace: a
reviewer's own onboarding and compliance library, bench/libraries/workplace, and the 120
questions they wrote about it before any lookup; vet-clinic: another reviewer's library for the
staff of a veterinary clinic, bench/libraries/vet-clinic, and the 100 questions they wrote
before any lookup). The restaurant, warehouse and engineering-handbook libraries (32, 36 and 45
lessons, 100 questions each, 40 of them unanswerable, mostly about the same job) were written
the same way by three more helpers and are tuned on: before them, every tuning set but the
sample library was documentation, whose unanswerable questions stand further from it than a
workplace library's do."""
CORPUS = {"man-pages-independent": "man-pages", "sample-independent": "sample",
          "sample-workplace": "sample"}
"""Query sets that ask about another set's corpus."""
LIBRARIES = ("workplace", "vet-clinic", "restaurant", "warehouse", "eng-handbook")
"""Sets whose lessons are in bench/libraries (small libraries written for the bench)."""
TUNED_SETS = tuple(name for name in SETS if name not in HELD_OUT)
CACHE = corpora.DEFAULT_CACHE / "vectors.sqlite3"

Ranker = Callable[[str], list[str]]


@contextmanager
def lesson_folder(name: str) -> Iterator[Path | None]:
    """The lessons of set ``name`` (None where this machine lacks them)."""
    name = CORPUS.get(name, name)
    if name == "sample":
        yield HERE.parent / "lessons"
    elif name in LIBRARIES:
        yield HERE / "libraries" / name
    elif name == "npm-docs":
        folder = Path("/usr/lib/node_modules/npm/docs/content")
        yield folder if folder.is_dir() else None
    elif name == "nodejs-docs":
        root = Path("/usr/share/doc/nodejs")
        if not root.is_dir():
            yield None
            return
        with tempfile.TemporaryDirectory() as tmp:  # the parts the queries cover, as one folder
            for part in NODEJS_PARTS:
                (Path(tmp) / part).symlink_to(root / part)
            yield Path(tmp)
    else:
        yield corpora.build(name)


def split_queries(name: str) -> list[dict[str, object]]:
    """The query set of ``name``, each query marked ``tune`` or ``test``. Sets written before
    the split alternate within each kind of query, in file order."""
    queries = load_queries(QUERIES / f"{name}.jsonl")
    seen: dict[str, int] = {}
    for query in queries:
        if "split" not in query:
            kind = str(query.get("kind", "other"))
            query["split"] = "tune" if seen.get(kind, 0) % 2 == 0 else "test"
            seen[kind] = seen.get(kind, 0) + 1
    return queries


def available(names: str) -> Iterator[tuple[str, Path]]:
    """Each set of ``names`` (comma-separated) with its lessons; a set whose corpus this
    machine lacks is said skipped."""
    for name in names.split(","):
        with lesson_folder(name) as folder:
            if folder is None:
                print(json.dumps({"set": name, "skipped": "corpus not on this machine"}))
                continue
            yield name, folder


def hybrid_catalog(folder: Path, cache: Path | None = CACHE,
                   index: SemanticIndex | None = None) -> tuple[Catalog, SemanticIndex]:
    """The default lookup over ``folder``, embeddings ready (from the cache where possible);
    ``index``: another model's, instead of the bundled one."""
    index = index or SemanticIndex(cache=VectorCache(cache))
    catalog = Catalog(folder, semantic=index, refuse_unrelated=REFUSED)
    catalog.load()
    catalog.wait_for_meaning(None)  # and the library's floor of confidence measured
    if index.error is not None:
        raise SystemExit(f"the model failed: {index.error}")
    return catalog, index


def never_silent(catalog: Catalog) -> Ranker:
    """Lookup on ``catalog`` with no "no answer" bar."""
    def ranker(query: str) -> list[str]:
        bar, catalog.min_confidence = catalog.min_confidence, 0.0
        share, catalog.refuse_unrelated = catalog.refuse_unrelated, 0.0
        try:
            return [hit.lesson.id for hit in catalog.lookup(query, 3).hits]
        finally:
            catalog.min_confidence, catalog.refuse_unrelated = bar, share
    return ranker


def rankers(folder: Path) -> tuple[dict[str, Ranker], list[Lesson]]:
    """Every ranker compared, over the same lessons, and those lessons."""
    hybrid, index = hybrid_catalog(folder)
    lexical = Catalog(folder, refuse_unrelated=REFUSED)  # as the bot: no model, so no floor
    lexical.load()
    plain = PlainBM25(lexical.lessons())
    return {
        "microlearn": lambda q: [hit.lesson.id for hit in hybrid.lookup(q, 3).hits],
        "microlearn-lexical": lambda q: [hit.lesson.id for hit in lexical.lookup(q, 3).hits],
        "microlearn-ranking": never_silent(hybrid),
        "microlearn-lexical-ranking": never_silent(lexical),
        "previous-default": lambda q: [
            hit.lesson.id for hit in lexical._index.search(q, 3).hits],
        "plain-bm25": lambda q: [lesson.id for lesson in plain.search(q, 3)],
        "minilm-alone": lambda q: [lesson_id for lesson_id, _ in index.search(q, 3)],
    }, lexical.lessons()


def copies(lessons: list[Lesson]) -> dict[str, list[str]]:
    """Each lesson's id with the ids of lessons of the same title and text (a manual page
    installed under each of its names): giving any of them is giving the expected page."""
    groups: dict[tuple[str, str], list[str]] = {}
    for lesson in lessons:
        groups.setdefault(lesson.content, []).append(lesson.id)
    return {lesson_id: group for group in groups.values() for lesson_id in group}


def expected(query: dict[str, object], same: dict[str, list[str]]) -> list[str]:
    """The lessons that answer ``query``, with their copies (``same`` from :func:`copies`)."""
    return list(dict.fromkeys(copy for e in query["expect"]  # type: ignore[attr-defined]
                              for copy in same.get(str(e), [str(e)])))


def evaluate(
    name: str, ranker: Ranker, queries: list[dict[str, object]],
    same: dict[str, list[str]] | None = None,
) -> tuple[dict[tuple[str, str], Score], list[float]]:
    """Scores by (split, kind) including ("all", "all") and (split, "all"), and latencies.
    ``same`` (from :func:`copies`) counts an identical copy of an expected lesson as right."""
    scores: dict[tuple[str, str], Score] = {}
    latencies = []
    for query in queries:
        text = str(query["q"])
        expect = expected(query, same or {})
        started = time.perf_counter()
        got = ranker(text)
        latencies.append((time.perf_counter() - started) * 1000)
        split, kind = str(query["split"]), str(query.get("kind", "other"))
        for key in {(split, kind), (split, "all"), ("all", "all"), ("all", kind)}:
            scores.setdefault(key, Score()).add(expect, got, text)
    return scores, latencies


def paraphrase_hit3(scores: dict[tuple[str, str], Score], split: str) -> float:
    """hit@3 over the paraphrases of ``split``."""
    score = scores.get((split, "paraphrase"))
    return score.row()["hit@3"] if score else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--rankers", default="")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    only = set(filter(None, args.rankers.split(",")))
    for name, folder in available(args.sets):
        queries = split_queries(name)
        chosen, lessons = rankers(folder)
        for ranker_name, ranker in chosen.items():
            if only and ranker_name not in only:
                continue
            ranker(str(queries[0]["q"]))  # warm: first-call costs are not lookups
            scores, latencies = evaluate(name, ranker, queries, copies(lessons))
            for (split, kind), score in sorted(scores.items()):
                row = {"set": name, "files": len(lessons), "ranker": ranker_name, "split": split,
                       "kind": kind, **score.row()}
                if (split, kind) == ("all", "all"):
                    row["p50_ms"] = round(statistics.median(latencies), 2)
                    row["p95_ms"] = round(percentile(latencies, 0.95), 2)
                print(json.dumps(row), flush=True)
            if args.show_misses and ranker_name == "microlearn":
                print("\n".join(scores[("all", "all")].misses))


if __name__ == "__main__":
    main()
