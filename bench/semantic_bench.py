"""Cost of lookup by meaning on this machine: model load, embedding, warm start, latency, memory.

A generated library of ``--count`` lessons is embedded once into an empty cache (cold), then a
fresh process loads the same library with that cache and the parsed lessons kept beside it (warm:
what every restart costs, as the bot does it) and answers distinct questions. Usage::

    python -m bench.semantic_bench [--count 5000]
"""

from __future__ import annotations

import argparse
import json
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
from bot.content.semantic import SemanticIndex
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
    texts = sum(1 + bool(lesson.questions) for lesson in catalog.lessons())
    return {"model_load_s": round(loaded, 2), "lexical_ready_s": round(lexical_ready, 2),
            "cold_embed_s": round(embedded, 1), "texts": texts,
            "embed_ms_per_text": round(embedded / max(1, texts) * 1000, 2),
            "cold_peak_rss_mb": rss_mb("VmHWM")}


def warm(folder: Path, cache: Path, queries: list[str]) -> dict[str, object]:
    """Restart on a warm cache, then answer ``queries`` (each once)."""
    before = rss_mb()
    started = time.perf_counter()
    index = SemanticIndex(cache=VectorCache(cache))
    catalog = Catalog(folder, semantic=index, cache=LessonCache(lesson_cache_path(cache)))
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
    return {"warm_lexical_ready_s": round(lexical_ready, 2), "warm_semantic_ready_s": round(ready, 2),
            "queries": len(latencies), "lookup_p50_ms": round(statistics.median(latencies), 2),
            "lookup_p95_ms": round(percentile(latencies, 0.95), 2),
            "lookup_max_ms": round(max(latencies), 2),
            "rss_before_mb": before, "rss_after_mb": rss_mb(), "peak_rss_mb": rss_mb("VmHWM")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--warm", nargs=2, metavar=("FOLDER", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.warm:  # the second, fresh process
        queries = json.loads(sys.stdin.read())
        print(json.dumps(warm(Path(args.warm[0]), Path(args.warm[1]), queries)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder, cache = Path(tmp) / "lessons", Path(tmp) / "vectors.sqlite3"
        generated = list(dict.fromkeys(str(q["q"]) for q in generate(folder, args.count)))
        figures: dict[str, object] = {"figure": "semantic_cost", "lessons": args.count}
        figures.update(cold(folder, cache))
        again = subprocess.run(
            [sys.executable, "-m", "bench.semantic_bench", "--warm", str(folder), str(cache)],
            input=json.dumps(generated[:args.queries]), capture_output=True, text=True,
            check=False)
        if again.returncode:
            raise SystemExit(f"the warm run failed:\n{again.stderr}")
        figures.update(json.loads(again.stdout))
        figures["cache_mb"] = round(cache.stat().st_size / 2**20, 1)
        figures["lesson_cache_mb"] = round(lesson_cache_path(cache).stat().st_size / 2**20, 1)
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
