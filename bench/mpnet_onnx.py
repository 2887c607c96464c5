"""all-mpnet-base-v2 through onnxruntime with int8 weights: the numpy model of
``bench.mpnet_trial`` written out as an ONNX graph by hand (no PyTorch), quantized, and run
with one thread. A trial of what the second model would cost at its cheapest.

Quantizing every matrix product to int8 as onnxruntime's dynamic quantization does bent the
vectors (cosine 0.72 with the float model; 0.88 with a scale per output channel): the inputs of
each layer's second feed-forward product (``output.dense``, after the GELU) hold a few channels
far larger than the rest, and one int8 scale per row of activations loses the others. Those
channels are scaled down before the product and its weights scaled up to match (SmoothQuant,
``alpha`` of the activation's range moved into the weights), measured on a few pages of the
corpus; then int8 keeps a cosine of 0.98-0.99. Needs ``onnx`` and ``onnxruntime`` (not
microlearn's dependencies)::

    python -m bench.mpnet_trial --model-dir all-mpnet-base-v2 --runtime onnx-int8 --fused
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.mpnet_trial import EPS, HEADS, LAYERS, WIDTH, MPNet, _buckets, _norm
from bot.content.embedding import MAX_TOKENS, _erf

ALPHA = 0.8


def smoothing(model: MPNet, texts: Sequence[str], alpha: float = ALPHA) -> dict[int, Any]:
    """Per layer, the scale of each input channel of ``output.dense``: its largest activation
    over ``texts`` to the power ``alpha`` over its largest weight to the power ``1 - alpha``."""
    w = model.w
    largest: dict[int, Any] = {}
    for text in texts:
        row = model.tokenizer.encode(text, MAX_TOKENS)
        length = len(row)
        x = (w["embeddings.word_embeddings.weight"][row]
             + w["embeddings.position_embeddings.weight"][np.arange(length) + 2])
        x = _norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head = WIDTH // HEADS
        bias = w["encoder.relative_attention_bias.weight"][_buckets(length)].transpose(2, 0, 1)
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."
            a = p + "attention.attn."
            q, k, v = ((x @ w[a + n + ".weight"] + w[a + n + ".bias"]).reshape(
                length, HEADS, head).transpose(1, 0, 2) for n in "qkv")
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(head) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(length, WIDTH)
            x = _norm(context @ w[a + "o.weight"] + w[a + "o.bias"] + x,
                      w[p + "attention.LayerNorm.weight"], w[p + "attention.LayerNorm.bias"])
            hidden = x @ w[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"]
            hidden = 0.5 * hidden * (1.0 + _erf(hidden / math.sqrt(2.0)))
            largest[layer] = np.maximum(largest.get(layer, 0.0), np.abs(hidden).max(0))
            x = _norm(hidden @ w[p + "output.dense.weight"] + w[p + "output.dense.bias"] + x,
                      w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    scales = {}
    for layer, activation in largest.items():
        weight = np.abs(w[f"encoder.layer.{layer}.output.dense.weight"]).max(1)
        scales[layer] = (np.maximum(activation, 1e-5) ** alpha
                         / np.maximum(weight, 1e-5) ** (1 - alpha)).astype(np.float32)
    return scales


def write_graph(model: MPNet, path: Path, scales: dict[int, Any]) -> None:
    """The encoder (embeddings' layer norm to the last layer) as an ONNX file: inputs the
    summed embeddings and the attention bias (relative positions and padding), output the
    last hidden states. Token lookup and pooling stay in numpy."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = model.w
    nodes: list[Any] = []
    weights: list[Any] = []

    def constant(name: str, value: Any) -> str:
        weights.append(numpy_helper.from_array(np.ascontiguousarray(value, np.float32)
                                               if value.dtype != np.int64 else value, name))
        return name

    def op(kind: str, inputs: list[str], name: str = "", **attributes: Any) -> str:
        out = f"t{len(nodes)}"
        nodes.append(helper.make_node(kind, inputs, [out], name=name or out, **attributes))
        return out

    def linear(x: str, prefix: str, weight: Any = None) -> str:
        matrix = w[prefix + ".weight"] if weight is None else weight
        product = op("MatMul", [x, constant(prefix + ".weight", matrix)], name=prefix)
        return op("Add", [product, constant(prefix + ".bias", w[prefix + ".bias"])])

    def norm(x: str, prefix: str) -> str:
        return op("LayerNormalization", [x, constant(prefix + ".weight", w[prefix + ".weight"]),
                                          constant(prefix + ".bias", w[prefix + ".bias"])],
                  axis=-1, epsilon=EPS)

    head = WIDTH // HEADS
    split = constant("split_heads", np.array([0, 0, HEADS, head], dtype=np.int64))
    join = constant("join_heads", np.array([0, 0, WIDTH], dtype=np.int64))
    scale = constant("scale", np.array(1 / math.sqrt(head)))
    root2 = constant("root2", np.array(math.sqrt(2.0)))
    one, half = constant("one", np.array(1.0)), constant("half", np.array(0.5))
    x = norm("embedded", "embeddings.LayerNorm")
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."
        a = p + "attention.attn."
        q, k, v = (op("Transpose", [op("Reshape", [linear(x, a + n), split])], perm=[0, 2, 1, 3])
                   for n in "qkv")
        scores = op("Add", [op("Mul", [op("MatMul", [q, op("Transpose", [k], perm=[0, 1, 3, 2])]),
                                       scale]), "bias"])
        context = op("MatMul", [op("Softmax", [scores], axis=-1), v])
        context = op("Reshape", [op("Transpose", [context], perm=[0, 2, 1, 3]), join])
        x = norm(op("Add", [linear(context, a + "o"), x]), p + "attention.LayerNorm")
        hidden = linear(x, p + "intermediate.dense")
        hidden = op("Mul", [op("Mul", [hidden, half]),
                            op("Add", [op("Erf", [op("Div", [hidden, root2])]), one])])
        weight = w[p + "output.dense.weight"]
        if layer in scales:
            hidden = op("Mul", [hidden, constant(f"smooth{layer}", 1 / scales[layer])])
            weight = weight * scales[layer][:, None]
        x = norm(op("Add", [linear(hidden, p + "output.dense", weight), x]), p + "output.LayerNorm")
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    graph = helper.make_graph(
        nodes, "all-mpnet-base-v2",
        [helper.make_tensor_value_info("embedded", TensorProto.FLOAT, ["b", "l", WIDTH]),
         helper.make_tensor_value_info("bias", TensorProto.FLOAT, ["b", HEADS, "l", "l"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["b", "l", WIDTH])], weights)
    model_proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model_proto.ir_version = 8
    onnx.save(model_proto, str(path), save_as_external_data=True, location=path.name + ".data")


class OnnxMPNet(MPNet):
    """all-mpnet-base-v2 with int8 weights on onnxruntime, one thread: texts in, unit
    768-dimensional vectors out (as :class:`bench.mpnet_trial.MPNet`, whose tokenizer,
    embeddings and pooling it shares)."""

    def __init__(self, model: MPNet, folder: Path, calibration: Sequence[str],
                 alpha: float = ALPHA, quantize: bool = True) -> None:
        import onnxruntime
        from onnxruntime.quantization import QuantType, quantize_dynamic

        self.w, self.tokenizer = model.w, model.tokenizer
        folder.mkdir(parents=True, exist_ok=True)
        plain = folder / (f"mpnet-smooth{alpha}.onnx" if quantize else "mpnet.onnx")
        if not plain.exists():
            write_graph(model, plain, smoothing(model, calibration, alpha) if quantize else {})
        chosen = plain
        if quantize:
            chosen = folder / f"mpnet-smooth{alpha}-int8.onnx"
            if not chosen.exists():
                quantize_dynamic(str(plain), str(chosen), weight_type=QuantType.QInt8,
                                 per_channel=True, extra_options={"MatMulConstBOnly": True})
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(chosen), options,
                                                    providers=["CPUExecutionProvider"])

    def _forward(self, rows: list[list[int]]) -> Any:
        embedded, bias, mask = self._inputs(rows)
        hidden = self.session.run(None, {"embedded": embedded, "bias": bias})[0]
        return self._pooled(hidden, mask)
