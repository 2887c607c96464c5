"""Generate a large, deterministic lesson library for benchmarks, with a query set over it.

Sentences come from the sample library (real English, real Markdown); every generated lesson also
gets a unique pair of made-up key words in its title, tags and body, so a query for that pair has
exactly one right answer. Usage::

    python -m bench.generate_library OUT_DIR [--count 5000]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from bot.content.catalog import Catalog

SAMPLE = Path(__file__).resolve().parent.parent / "lessons"
SYLLABLES = ("ka lo mi ru te va zo ne pi da fu gre blo sta qui tor vel mar sen dri pel cor "
             "lin bra fen gol hur jax ken lum nor pax rin sol tam ush vin wex yor zel").split()
VERBS = ("Handle", "Review", "Set up", "Understand", "Fix", "Plan", "Share", "Check", "Use",
         "Protect", "Clean up", "Measure")


def _pseudowords(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    words: list[str] = []
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3))))
        if len(word) >= 5 and word not in taken:
            taken.add(word)
            words.append(word)
    return words


def _sentences() -> list[str]:
    catalog = Catalog(SAMPLE)
    catalog.load()
    found: list[str] = []
    for lesson in catalog.lessons():
        for paragraph in lesson.body.split("\n\n"):
            if paragraph.startswith(("#", "```", "-", "1.", "|", ">")):
                continue
            found.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", paragraph)
                         if len(s.split()) >= 6)
    return found


def generate(out: Path, count: int = 5000, seed: int = 7) -> list[dict[str, object]]:
    """Write ``count`` lessons under ``out``; return queries with their expected lesson ids."""
    rng = random.Random(seed)
    sentences = _sentences()
    taken: set[str] = set()
    pool_a = _pseudowords(rng, max(10, count // 10), taken)
    pool_b = _pseudowords(rng, max(10, count // 10), taken)
    unused = _pseudowords(rng, 200, taken)
    pairs: set[tuple[str, str]] = set()
    queries: list[dict[str, object]] = []
    topics = [f"topic{n:02d}" for n in range(50)]
    for number in range(count):
        while True:
            pair = (rng.choice(pool_a), rng.choice(pool_b))
            if pair not in pairs:
                pairs.add(pair)
                break
        first, second = pair
        topic = topics[number % len(topics)]
        lesson_id = f"{topic}/lesson{number:05d}"
        verb = rng.choice(VERBS)
        title = f"{verb} the {first} {second}"
        body = []
        for paragraph in range(rng.randint(4, 7)):
            chosen = rng.sample(sentences, rng.randint(3, 5))
            if paragraph in (0, 2):
                chosen.insert(1, f"The {first} {second} matters because it changes how you work.")
            body.append(" ".join(chosen))
        quiz = []
        for question in range(3):
            right = rng.randrange(3)
            picks = rng.sample(sentences, 3)  # distinct: a repeated choice is an error
            choices = "\n".join(f"- [{'x' if i == right else ' '}] {picks[i][:80]}"
                                for i in range(3))
            quiz.append(f"### What is true of the {first} ({question + 1})?\n{choices}\n"
                        f"> {rng.choice(sentences)[:150]}\n")
        track = f"track{number // 20:03d}"
        text = (f"---\ntitle: {title}\ntopic: {topic}\ntags: [{first}, {second}]\n"
                f"track: {track}\norder: {number % 20 + 1}\nminutes: 3\n"
                f"objective: {verb} the {first} {second} with confidence\n---\n"
                + "\n\n".join(body) + "\n\n## Quiz\n\n" + "\n".join(quiz))
        path = out / f"{lesson_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if number % max(1, count // 300) == 0:
            queries.extend(_queries(rng, lesson_id, first, second))
    for number in range(100):
        a, b = rng.sample(unused, 2)
        q = (f"how do I {rng.choice(VERBS).lower()} a {a} {b}" if number % 2
             else f"{a} {rng.choice(sentences).split()[-1].strip('.').lower()}")
        queries.append({"q": q, "expect": [], "kind": "no-answer"})
    return queries


def _typo(rng: random.Random, word: str) -> str:
    position = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "swap", "double", "replace"))
    if kind == "drop":
        return word[:position] + word[position + 1:]
    if kind == "swap":
        return word[:position] + word[position + 1] + word[position] + word[position + 2:]
    if kind == "double":
        return word[:position] + word[position] + word[position:]
    return word[:position] + rng.choice("aeiou") + word[position + 1:]


def _queries(rng: random.Random, lesson_id: str, a: str, b: str) -> list[dict[str, object]]:
    return [
        {"q": f"{a} {b}", "expect": [lesson_id], "kind": "keyword"},
        {"q": f"how do I deal with the {a} {b}?", "expect": [lesson_id], "kind": "question"},
        {"q": f"{_typo(rng, a)} {b}", "expect": [lesson_id], "kind": "typo"},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    queries = generate(args.out, args.count)
    (args.out / "_queries.jsonl").write_text(
        "".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    print(f"{args.count} lessons and {len(queries)} queries in {args.out}")


if __name__ == "__main__":
    main()
