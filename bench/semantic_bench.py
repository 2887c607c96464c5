"""Cost of the optional semantic lookup on this machine: model load, embedding, memory, latency.

Needs the 'semantic' extra. Usage::

    python -m bench.semantic_bench [--count 5000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from bench.generate_library import generate
from bench.lessons_bench import percentile
from bot.content.catalog import Catalog
from bot.content.semantic import SemanticIndex, SentenceEncoder


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB."""
    with open("/proc/self/status") as status:
        for row in status:
            if row.startswith("VmHWM:"):
                return round(int(row.split()[1]) / 1024, 1)
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "lessons"
        queries = [str(q["q"]) for q in generate(folder, args.count)]
        before = peak_rss_mb()
        started = time.perf_counter()
        encoder = SentenceEncoder()
        loaded = time.perf_counter() - started
        index = SemanticIndex(lambda: encoder)
        catalog = Catalog(folder, semantic=index)
        started = time.perf_counter()
        catalog.load()
        lexical_ready = time.perf_counter() - started
        index.wait()
        embedded = time.perf_counter() - started
        latencies = []
        for query in queries[:300]:
            started = time.perf_counter()
            catalog.lookup(query)
            latencies.append((time.perf_counter() - started) * 1000)
        print(json.dumps({
            "figure": "semantic_cost", "lessons": args.count, "model_load_s": round(loaded, 2),
            "lexical_lookup_ready_s": round(lexical_ready, 2),
            "all_embedded_s": round(embedded, 2),
            "embed_ms_per_lesson": round((embedded - lexical_ready) / args.count * 1000, 2),
            "lookup_p50_ms": round(statistics.median(latencies), 2),
            "lookup_p95_ms": round(percentile(latencies, 0.95), 2),
            "peak_rss_mb": peak_rss_mb(), "rss_before_model_mb": before,
        }))


if __name__ == "__main__":
    main()
