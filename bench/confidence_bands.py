"""How often lookup's answers are right, by how sure it was (the first result's confidence).

Every query of every set of ``bench/lookup_bench.py``, both halves, at the default bar; the
answers bucketed by confidence: how many, of those to answerable questions how many had a
right lesson first and in the top three, and how many answered an unanswerable question.
What the hedge of an unsure answer (``bot.engine.lessons.SURE``) was chosen on::

    python -m bench.confidence_bands [--refuse-unrelated 0]
"""

from __future__ import annotations

import argparse
from collections import defaultdict

from bench.lookup_bench import SETS, copies, expected, hybrid_catalog, lesson_folder, split_queries
from bot.content import fusion

BANDS = ((fusion.MIN_CONFIDENCE, 0.6), (0.6, 0.8), (0.8, 0.9), (0.9, 1.01))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refuse-unrelated", type=float, default=None,
                        help="the library's floor of confidence (default: the bot's)")
    args = parser.parse_args()
    totals: dict[tuple[float, float], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for name in SETS:
        with lesson_folder(name) as folder:
            if folder is None:
                print(f"{name}: not on this machine, left out")
                continue
            catalog, _ = hybrid_catalog(folder)
            if args.refuse_unrelated is not None:
                catalog.refuse_unrelated = args.refuse_unrelated
            same = copies(catalog.lessons())
            for query in split_queries(name):
                hits = catalog.lookup(str(query["q"]), 3).hits
                if not hits:
                    continue
                confidence = hits[0].confidence or 0.0
                band = next(b for b in BANDS if b[0] <= confidence < b[1])
                right = set(expected(query, same))
                ids = [hit.lesson.id for hit in hits]
                counts = totals[band]
                if right:
                    counts[0] += 1
                    counts[1] += ids[0] in right
                    counts[2] += bool(right & set(ids))
                else:
                    counts[3] += 1
    print("confidence | answers | answerable: right first / in top three | to unanswerable | "
          "holding no right lesson")
    for (low, high), (answerable, first, top, unanswerable) in sorted(totals.items()):
        wrong = answerable - top + unanswerable
        print(f"{low:.2f}-{min(high, 1.0):.2f} | {answerable + unanswerable} | "
              f"{first / max(1, answerable):.1%} / {top / max(1, answerable):.1%} | "
              f"{unanswerable} | {wrong / max(1, answerable + unanswerable):.1%}")


if __name__ == "__main__":
    main()
