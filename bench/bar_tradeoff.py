"""The default lookup at other bars: hit@3 / right "no answer" per set and half, and their
mean over the held-out halves and sets (what docs/lookup.md's table of ``min_confidence``
shows). Each bar is the lookup of ``bench/lookup_bench.py`` with ``min_confidence`` set to it,
the library's floor of confidence included (the higher of the two decides).

Usage::

    python -m bench.bar_tradeoff [--bars 0.3,0.39,0.48,0.6] [--sets man-pages,workplace]
        [--refuse 0,0.9,0.93]

``--refuse`` sets the share of the built-in unrelated questions the library's floor refuses
(``[lookup] refuse_unrelated``; 0 turns the floor off): each share is measured at each bar.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics

from bench.lookup_bench import (
    HELD_OUT,
    SETS,
    copies,
    evaluate,
    hybrid_catalog,
    lesson_folder,
    split_queries,
)
from bot.content.unrelated import REFUSED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bars", default="0.3,0.39,0.45,0.48,0.52,0.55,0.6,0.65")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--refuse", default=str(REFUSED))
    args = parser.parse_args()
    bars = [float(bar) for bar in args.bars.split(",")]
    shares = [float(share) for share in args.refuse.split(",")]
    grid = [(share, bar) for share in shares for bar in bars]
    held: dict[tuple[float, float], tuple[list[float], list[float]]] = {
        point: ([], []) for point in grid}
    for name in args.sets.split(","):
        with lesson_folder(name) as folder:
            if folder is None:
                print(json.dumps({"set": name, "skipped": "corpus not on this machine"}))
                continue
            catalog, _ = hybrid_catalog(folder)
            same = copies(catalog.lessons())
            queries = split_queries(name)
            for share, bar in grid:
                # The floor keeps the confidences it measured: a share is a quantile of them.
                catalog.min_confidence, catalog.refuse_unrelated = bar, share
                scores, _ = evaluate(name, lambda q, c=catalog: [
                    hit.lesson.id for hit in c.lookup(q, 3).hits], queries, same)
                for split in ("tune", "test"):
                    if (split, "all") not in scores:
                        continue
                    row = scores[(split, "all")].row()
                    print(json.dumps({"set": name, "refuse": share, "bar": bar, "split": split,
                                      "hit@3": row["hit@3"],
                                      "no_answer_right": row["no_answer_right"]}), flush=True)
                    if split == "test" or name in HELD_OUT:
                        hits, refused = held[(share, bar)]
                        if not math.isnan(row["hit@3"]):
                            hits.append(float(row["hit@3"]))
                        if row["no_answer_queries"]:
                            refused.append(float(row["no_answer_right"]))
    for (share, bar), (hits, refused) in held.items():
        print(json.dumps({"set": "held-out mean", "refuse": share, "bar": bar,
                          "hit@3": round(statistics.mean(hits), 1) if hits else None,
                          "no_answer_right": round(statistics.mean(refused), 1)
                          if refused else None}))


if __name__ == "__main__":
    main()
