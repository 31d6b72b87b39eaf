"""Pretrained meaning for English sentences: WordLlama's static token vectors, averaged.

The intent data is a few thousand lines, so an English word the writers never
used ("loo", "stuck", "knackered") carries no signal in the TF-IDF features.
WordLlama (MIT, on PyPI) ships 256-dimensional vectors for the 32,000 tokens of
Llama 2's vocabulary, trained so that averaged they place paraphrases near each
other. Only its two data files are read here: the package's own code needs
numpy 2, which TensorFlow 2.12 (Rasa 3.6) cannot run with.

Chinese gets a zero vector: that vocabulary spells most Chinese characters as
raw bytes, and in cross-validation the vectors lowered Mandarin accuracy.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

from nlu.normalise import detect_language

DIMENSIONS = 256
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"


class SentenceVectors:
    """Unit-length mean token vector for an English sentence; zeros for Chinese or empty text."""

    def __init__(self, vectors: np.ndarray, tokenizer) -> None:
        self._vectors = vectors
        self._tokenizer = tokenizer

    def __call__(self, text: str) -> np.ndarray:
        if not text.strip() or detect_language(text) == "zh":
            return np.zeros(DIMENSIONS, dtype=np.float32)
        ids = self._tokenizer.encode(text, add_special_tokens=False).ids
        if not ids:
            return np.zeros(DIMENSIONS, dtype=np.float32)
        mean = self._vectors[ids].mean(axis=0)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm > 0 else mean

    def many(self, texts: list[str]) -> np.ndarray:
        """One row per text."""
        return np.vstack([self(t) for t in texts]) if texts else np.zeros((0, DIMENSIONS), dtype=np.float32)


def package_dir() -> Path:
    """Where the ``wordllama`` distribution's files are, found without importing its code."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the wordllama package is not installed; run `make setup`")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def load_sentence_vectors() -> SentenceVectors:
    """Load once per process (~0.2 s, 33 MB as float32)."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    root = package_dir()
    vectors = load_file(str(root / _WEIGHTS))["embedding.weight"].astype(np.float32)
    tokenizer = Tokenizer.from_file(str(root / _TOKENIZER))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return SentenceVectors(vectors, tokenizer)
