"""Cost of lookup by meaning on this machine: model load, embedding, warm start, latency, memory.

A generated library of ``--count`` lessons is embedded once into an empty cache (cold), then a
fresh process loads the same library with that cache and the parsed lessons kept beside it (warm:
what every restart costs, as the bot does it) and answers distinct questions. Usage::

    python -m bench.semantic_bench [--count 5000] [--runs 5] [--keep DIR]

``--keep DIR`` keeps the library and its caches, so that later runs (of this tree, or of
another commit with ``--warm DIR/lessons DIR/vectors.sqlite3 < DIR/queries.json``) measure warm
restarts only, without the ten minutes of the first embedding.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate_library import generate
from bench.lessons_bench import percentile
from bot.content.catalog import Catalog
from bot.content.embedding import MiniLM
from bot.content.lesson_cache import LessonCache, lesson_cache_path
from bot.content.semantic import SemanticIndex, lesson_texts
from bot.content.unrelated import REFUSED
from bot.content.vector_cache import VectorCache


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (VmRSS now, VmHWM at its peak) in MB."""
    with open("/proc/self/status") as status:
        for row in status:
            if row.startswith(f"{field}:"):
                return round(int(row.split()[1]) / 1024, 1)
    return float("nan")


def cold(folder: Path, cache: Path) -> dict[str, object]:
    """Embed the whole library into an empty cache."""
    started = time.perf_counter()
    model = MiniLM.load()
    loaded = time.perf_counter() - started
    index = SemanticIndex(lambda: model, VectorCache(cache))
    catalog = Catalog(folder, semantic=index, cache=LessonCache(lesson_cache_path(cache)))
    started = time.perf_counter()
    catalog.load()
    lexical_ready = time.perf_counter() - started
    index.wait()
    embedded = time.perf_counter() - started - lexical_ready
    texts = sum(sum(1 for text in lesson_texts(lesson) if text) for lesson in catalog.lessons())
    return {"model_load_s": round(loaded, 2), "lexical_ready_s": round(lexical_ready, 2),
            "cold_embed_s": round(embedded, 1), "texts": texts,
            "embed_ms_per_text": round(embedded / max(1, texts) * 1000, 2),
            "cold_peak_rss_mb": rss_mb("VmHWM")}


def warm(folder: Path, cache: Path, queries: list[str]) -> dict[str, object]:
    """Restart on a warm cache, then answer ``queries`` (each once)."""
    before = rss_mb()
    started = time.perf_counter()
    index = SemanticIndex(cache=VectorCache(cache))
    # As the bot runs: the library's floor of confidence is measured in the background, on
    # the first lookups with meaning, while these lookups go on.
    catalog = Catalog(folder, semantic=index, cache=LessonCache(lesson_cache_path(cache)),
                      refuse_unrelated=REFUSED)
    catalog.load()
    lexical_ready = time.perf_counter() - started
    index.wait()
    ready = time.perf_counter() - started
    assert index.usable, index.error
    latencies = []
    for query in queries:
        begun = time.perf_counter()
        catalog.lookup(query)
        latencies.append((time.perf_counter() - begun) * 1000)
    catalog._floor.join()
    floor = catalog._floor.measured_at - started if catalog._floor.measured_at else float("nan")
    return {"warm_lexical_ready_s": round(lexical_ready, 2), "warm_semantic_ready_s": round(ready, 2),
            "floor_ready_s": round(floor, 2),
            "queries": len(latencies), "lookup_p50_ms": round(statistics.median(latencies), 2),
            "lookup_p95_ms": round(percentile(latencies, 0.95), 2),
            "lookup_max_ms": round(max(latencies), 2),
            "rss_before_mb": before, "rss_after_mb": rss_mb(), "peak_rss_mb": rss_mb("VmHWM")}


def warm_runs(folder: Path, cache: Path, queries: list[str], runs: int) -> dict[str, object]:
    """``runs`` warm restarts, each in a fresh process: the median of each figure, and every
    run's time until lookup by meaning is ready."""
    results = []
    for _ in range(runs):
        again = subprocess.run(
            [sys.executable, "-m", "bench.semantic_bench", "--warm", str(folder), str(cache)],
            input=json.dumps(queries), capture_output=True, text=True, check=False)
        if again.returncode:
            raise SystemExit(f"the warm run failed:\n{again.stderr}")
        results.append(json.loads(again.stdout))
    figures: dict[str, object] = {
        name: round(statistics.median(result[name] for result in results), 2)
        for name in results[0] if name != "queries"}
    figures["queries"] = results[0]["queries"]
    if runs > 1:
        figures["warm_semantic_ready_runs_s"] = [r["warm_semantic_ready_s"] for r in results]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=1,
                        help="warm restarts to measure (medians are reported)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the library and its caches in DIR; when DIR holds them "
                             "already, only the warm restarts are measured")
    parser.add_argument("--warm", nargs=2, metavar=("FOLDER", "CACHE"),
                        help="measure one warm restart on FOLDER with the embedding cache CACHE "
                             "(the questions as a JSON list on stdin) and print its figures")
    parser.add_argument("--unparsed", action="store_true",
                        help="with --warm: start without the parsed lessons (as after an "
                             "upgrade: every lesson is parsed and kept again)")
    args = parser.parse_args()
    if args.warm:  # the second, fresh process
        queries = json.loads(sys.stdin.read())
        if args.unparsed:
            lesson_cache_path(Path(args.warm[1])).unlink(missing_ok=True)
        print(json.dumps(warm(Path(args.warm[0]), Path(args.warm[1]), queries)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        folder, cache = where / "lessons", where / "vectors.sqlite3"
        asked = where / "queries.json"
        figures: dict[str, object] = {"figure": "semantic_cost", "lessons": args.count}
        if not asked.exists():  # a kept folder is complete once its questions are written
            shutil.rmtree(folder, ignore_errors=True)
            cache.unlink(missing_ok=True)
            lesson_cache_path(cache).unlink(missing_ok=True)
            generated = list(dict.fromkeys(str(q["q"]) for q in generate(folder, args.count)))
            figures.update(cold(folder, cache))
            asked.write_text(json.dumps(generated[:args.queries]), encoding="utf-8")
        else:
            figures["lessons"] = sum(1 for _ in folder.rglob("*.md"))
        figures.update(warm_runs(folder, cache, json.loads(asked.read_text(encoding="utf-8")),
                                 args.runs))
        figures["cache_mb"] = round(cache.stat().st_size / 2**20, 1)
        figures["lesson_cache_mb"] = round(lesson_cache_path(cache).stat().st_size / 2**20, 1)
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
