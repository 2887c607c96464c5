"""A lesson folder's first load and its warm loads (its lessons read back from the lesson
cache), in one process, with how many of its lessons link to files: a lesson whose links
cannot be vouched for is parsed again at every start. Usage::

    python -m bench.warm_load FOLDER [FOLDER ...] [--runs 3]

Prints one JSON line per folder: lessons, lessons linking to files, the first load's seconds
and each warm load's.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bot.content.catalog import Catalog
from bot.content.lesson_cache import LessonCache


def measure(folder: Path, runs: int) -> dict[str, object]:
    """Load ``folder`` with an empty lesson cache, then ``runs`` times with it warm."""
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "lessons.sqlite3"
        seconds = []
        catalog = None
        for _ in range(runs + 1):
            catalog = Catalog(folder, cache=LessonCache(cache))
            started = time.perf_counter()
            catalog.load()
            seconds.append(round(time.perf_counter() - started, 3))
        assert catalog is not None
        lessons = catalog.lessons()
        return {"folder": str(folder), "lessons": len(lessons),
                "linking": sum(1 for lesson in lessons if lesson.links),
                "first_s": seconds[0], "warm_s": seconds[1:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for folder in args.folders:
        print(json.dumps(measure(folder, args.runs)), flush=True)


if __name__ == "__main__":
    main()
