"""Sanity check of a query set over a corpus of ``bench/corpora.py``: every line is a JSON object
with ``q``, ``expect``, ``kind`` and ``split`` (``tune`` or ``test``), every expected page is a
lesson of the corpus, and no page is expected by more than three queries. Prints the number of
queries per kind and split. It runs no lookup.

Usage::

    python -m bench.check_queries postgres-docs     # bench/queries/postgres-docs.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from bench import corpora

QUERIES = Path(__file__).resolve().parent / "queries"


def problems(lines: list[str], lesson_ids: set[str]) -> tuple[list[str], Counter[tuple[str, str]]]:
    """What is wrong with the query set's ``lines``, and how many queries each (kind, split) has."""
    found: list[str] = []
    counts: Counter[tuple[str, str]] = Counter()
    expected: Counter[str] = Counter()
    for number, line in enumerate(lines, 1):
        try:
            query = json.loads(line)
        except json.JSONDecodeError as error:
            found.append(f"line {number}: not JSON ({error})")
            continue
        if not isinstance(query, dict) or set(query) != {"q", "expect", "kind", "split"}:
            found.append(f"line {number}: not an object with q, expect, kind and split")
            continue
        if not isinstance(query["q"], str) or not query["q"].strip():
            found.append(f"line {number}: empty question")
        if query["split"] not in ("tune", "test"):
            found.append(f"line {number}: split {query['split']!r}")
        if not isinstance(query["expect"], list):
            found.append(f"line {number}: expect is not a list")
            continue
        for lesson_id in query["expect"]:
            expected[lesson_id] += 1
            if lesson_id not in lesson_ids:
                found.append(f"line {number}: no page {lesson_id!r}")
        if (query["kind"] == "none") != (not query["expect"]):
            found.append(f"line {number}: kind {query['kind']!r} with expect {query['expect']}")
        counts[(str(query["kind"]), str(query["split"]))] += 1
    found += [f"{lesson_id!r} is expected by {n} queries" for lesson_id, n in expected.items()
              if n > 3]
    return found, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", choices=corpora.CORPORA)
    args = parser.parse_args()
    folder = corpora.build(args.corpus)
    if folder is None:
        raise SystemExit(f"{args.corpus}: its package is missing on this machine")
    lesson_ids = {str(path.relative_to(folder).with_suffix("")) for path in folder.rglob("*.md")}
    lines = (QUERIES / f"{args.corpus}.jsonl").read_text(encoding="utf-8").splitlines()
    found, counts = problems(lines, lesson_ids)
    for kind in sorted({kind for kind, _ in counts}):
        print(f"{kind:12} tune {counts[(kind, 'tune')]:3}  test {counts[(kind, 'test')]:3}")
    print(f"{'all':12} tune {sum(n for (_, s), n in counts.items() if s == 'tune'):3}  "
          f"test {sum(n for (_, s), n in counts.items() if s == 'test'):3}  ({len(lines)} lines)")
    for problem in found:
        print(problem)
    raise SystemExit(1 if found else 0)


if __name__ == "__main__":
    main()
