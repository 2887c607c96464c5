"""Lesson library benchmarks: load and index, lookup latency, live-reload latency, memory, quality.

Generates a deterministic library (default 5,000 lessons), then measures in this one process, next
to a plain BM25 baseline run on the same data, and prints one JSON object per figure. Usage::

    python -m bench.lessons_bench [--count 5000] [--reloads 20]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.baseline import PlainBM25
from bench.generate_library import generate
from bench.quality import evaluate, load_queries, rankers
from bot.content.catalog import Catalog
from bot.content.watcher import CatalogWatcher

QUERY_SETS = {
    "sample": (Path(__file__).resolve().parent.parent / "lessons",
               Path(__file__).resolve().parent / "queries" / "sample.jsonl"),
    # Real-world Markdown written by others, where this machine has it (not in the repository).
    "npm-docs": (Path("/usr/lib/node_modules/npm/docs/content"),
                 Path(__file__).resolve().parent / "queries" / "npm-docs.jsonl"),
    "nodejs-docs": (Path("/usr/share/doc/nodejs"),
                    Path(__file__).resolve().parent / "queries" / "nodejs-docs.jsonl"),
}
NODEJS_PARTS = ("api", "contributing")  # the query set covers these, not the changelogs


def emit(**figure: object) -> None:
    """Print one measured figure as a JSON line."""
    print(json.dumps(figure), flush=True)


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0..1) of ``values``, nearest-rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def measure_memory(folder: Path) -> None:
    """Peak resident memory (VmHWM) of a fresh process that loads and indexes ``folder``."""
    code = (
        "import sys\n"
        "def peak():\n"
        "    for row in open('/proc/self/status'):\n"
        "        if row.startswith('VmHWM:'):\n"
        "            return int(row.split()[1])\n"
        "from bot.content.catalog import Catalog\n"
        "base = peak()\n"
        "c = Catalog(sys.argv[1]); c.load(); c.lookup('warm up the index')\n"
        "print(base, peak())\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(folder)], check=True,
                         capture_output=True, text=True).stdout.split()
    emit(figure="peak_rss_mb", value=round(int(out[1]) / 1024, 1),
         after_imports_mb=round(int(out[0]) / 1024, 1), target="<= 200")


def measure_load(folder: Path) -> Catalog:
    """Full load (scan, read, parse, validate, index) timed against the baseline's indexing."""
    started = time.perf_counter()
    catalog = Catalog(folder)
    catalog.load()
    ours = time.perf_counter() - started
    started = time.perf_counter()
    PlainBM25(catalog.lessons())
    plain = time.perf_counter() - started
    emit(figure="load_and_index_s", value=round(ours, 3), lessons=len(catalog.lessons()),
         plain_bm25_index_only_s=round(plain, 3), target="<= 3")
    return catalog


def measure_lookup(catalog: Catalog, queries: list[dict[str, object]]) -> None:
    """Per-query latency of our lookup and of the baseline over the same queries."""
    plain = PlainBM25(catalog.lessons())
    texts = [str(q["q"]) for q in queries] * 3
    ours: list[float] = []
    theirs: list[float] = []
    for text in texts:
        started = time.perf_counter()
        catalog.lookup(text, 5)
        ours.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        plain.search(text, 5)
        theirs.append((time.perf_counter() - started) * 1000)
    emit(figure="lookup_ms", queries=len(texts),
         p50=round(statistics.median(ours), 3), p95=round(percentile(ours, 0.95), 3),
         max=round(max(ours), 3), plain_bm25_p50=round(statistics.median(theirs), 3),
         plain_bm25_p95=round(percentile(theirs, 0.95), 3), target="p95 <= 10")


def measure_reload(catalog: Catalog, rounds: int) -> None:
    """Seconds from a file being saved to the change being visible to lookups."""
    rng = random.Random(3)
    lessons = catalog.lessons()
    delays: list[float] = []
    with CatalogWatcher(catalog):
        for number in range(rounds):
            lesson = rng.choice(lessons)
            # A made-up word no other lesson has, far from the others (no typo match).
            word = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(12)) + str(number)
            path = catalog.root / lesson.path
            text = path.read_text(encoding="utf-8").replace("\n---\n", f"\n---\n{word}. ", 1)
            started = time.perf_counter()
            path.write_text(text, encoding="utf-8")
            while not _found(catalog, word, lesson.id):
                if time.perf_counter() - started > 10:
                    raise SystemExit(f"change to {lesson.path} not visible after 10 s")
                time.sleep(0.002)
            delays.append(time.perf_counter() - started)
    emit(figure="change_visible_s", rounds=rounds, p50=round(statistics.median(delays), 3),
         p95=round(percentile(delays, 0.95), 3), max=round(max(delays), 3), target="<= 1")


def _found(catalog: Catalog, word: str, lesson_id: str) -> bool:
    result = catalog.lookup(word, 1)
    return bool(result.hits) and result.hits[0].lesson.id == lesson_id and not result.corrections


def measure_quality(name: str, catalog: Catalog, queries: list[dict[str, object]]) -> None:
    """hit@1, hit@3 and no-answer handling, ours against the baseline."""
    for ranker_name, ranker in rankers(catalog).items():
        for kind, score in evaluate(ranker, queries).items():
            emit(figure="quality", set=name, ranker=ranker_name, kind=kind, **score.row())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--reloads", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "lessons"
        queries = generate(folder, args.count)
        catalog = measure_load(folder)
        measure_lookup(catalog, queries)
        measure_reload(catalog, args.reloads)
        measure_memory(folder)
        measure_quality(f"generated-{args.count}", catalog, queries)
    for name, (lessons, query_file) in QUERY_SETS.items():
        if not lessons.is_dir() or not query_file.is_file():
            emit(figure="quality", set=name, skipped=f"{lessons} or {query_file} not found")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            if name == "nodejs-docs":  # link the parts the queries cover into one folder
                for part in NODEJS_PARTS:
                    (Path(tmp) / part).symlink_to(lessons / part)
                lessons = Path(tmp)
            catalog = Catalog(lessons)
            catalog.load()
        queries = load_queries(query_file)
        measure_lookup(catalog, queries)
        measure_quality(name, catalog, queries)


if __name__ == "__main__":
    main()
