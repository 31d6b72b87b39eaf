"""The English sentence encoder: the TF.js graph's arithmetic in numpy, meaning-aware, Chinese left out."""

from __future__ import annotations

import base64
import json
import os
import signal
import time

import numpy as np
import pytest

from nlu.sentence_encoder import DIMENSIONS, UseLite, _read_weights, encoder_dir, fetch_encoder, load_sentence_encoder


@pytest.fixture(scope="module")
def encoder():
    return load_sentence_encoder()


def test_pieces_are_sentencepiece_segments(encoder) -> None:
    # "▁the" is one piece of the vocabulary; an unseen word falls into several pieces, never into <unk>.
    assert encoder.piece_ids("the") == [9]
    pieces = encoder.piece_ids("knackered boiler")
    assert len(pieces) > 2 and 0 not in pieces


def test_a_paraphrase_is_nearer_than_another_service(encoder) -> None:
    boiler = encoder("send someone to look at my boiler it makes no hot water")
    court = encoder("book me a tennis court for saturday")
    assert boiler @ encoder("the water heater is broken") > boiler @ court + 0.2


def test_vectors_are_unit_length(encoder) -> None:
    v = encoder("the lift is stuck between floors")
    assert v.shape == (DIMENSIONS,)
    assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("text", ["厨房 漏水 了", "my 厨房 leaks", "", "   "])
def test_chinese_and_empty_text_get_zeros(encoder, text: str) -> None:
    assert not encoder(text).any()


def test_a_batch_equals_one_by_one(encoder) -> None:
    texts = ["lift broken", "电梯 坏 了", "is my parcel at the front desk"]
    rows = encoder.many(texts)
    assert rows.shape == (3, DIMENSIONS)
    assert not rows[1].any()
    for text, row in zip(texts, rows, strict=True):
        np.testing.assert_allclose(row, encoder(text), atol=1e-5)


def test_a_prefetched_sentence_gives_the_same_vector(encoder) -> None:
    text = "could someone bring my parcel up to the flat"
    direct = encoder.many([text])[0]
    encoder.prefetch(text)
    encoder.prefetch("电梯 坏 了")  # Chinese: nothing to start
    np.testing.assert_allclose(encoder(text), direct, atol=1e-6)
    assert not encoder._pending


def tensorflow_reference():
    """The TF.js graph itself, rebuilt for TensorFlow: what ``UseLite`` must compute."""
    import tensorflow as tf
    from google.protobuf import json_format

    files = encoder_dir()
    model_json = json.loads((files / "model.json").read_text(encoding="utf-8"))
    weights = _read_weights(files)
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
    output = next(n.name for n in graph.node if n.name.endswith("l2_normalize")) + ":0"

    def embed(indices, values):
        return tf.graph_util.import_graph_def(
            graph, input_map={"indices": indices, "values": values}, return_elements=[output])[0]

    run = tf.compat.v1.wrap_function(embed, [tf.TensorSpec([None, 2], tf.int64), tf.TensorSpec([None], tf.int64)])

    def encode(batch: list[list[int]]) -> np.ndarray:
        indices = np.array([[k, j] for k, ids in enumerate(batch) for j in range(len(ids))], dtype=np.int64)
        values = np.array([x for ids in batch for x in ids], dtype=np.int64)
        return run(indices, values).numpy()

    return encode


def test_numpy_arithmetic_equals_the_tensorflow_graph() -> None:
    model, reference = UseLite(encoder_dir()), tensorflow_reference()
    texts = ["hi", "the lift is stuck between floors", "could you please send someone round to look at the "
             "boiler in my flat because there has been no hot water since yesterday evening",
             "booking", "is my parcel at the front desk or did the courier take it back",
             " ".join(["the tap in the kitchen keeps dripping all night"] * 15)]  # over the graph's 128 pieces
    pieces = [model.piece_ids(t) for t in texts]
    assert max(map(len, pieces)) > 128
    # One batch: the graph pads the shorter sentences and masks the padding, so this also checks the masking.
    expected = reference(pieces)
    for text, row in zip(texts, expected, strict=True):
        np.testing.assert_allclose(model.encode(text), row, atol=1e-5)


def running_worker(encoder):
    """The encoder's worker process, started by an English prefetch and answering."""
    encoder.prefetch("warm the worker up")
    encoder("warm the worker up")
    assert encoder._worker is not None
    return encoder._worker


def test_a_dead_worker_costs_nothing_but_time(encoder) -> None:
    text = "the intercom at the gate does not ring my flat"
    direct = encoder.many([text])[0]
    dead = running_worker(encoder)
    dead._process.kill()
    dead._process.wait()
    encoder.prefetch(text)  # the write may or may not notice yet; the read will
    np.testing.assert_allclose(encoder(text), direct, atol=1e-6)
    encoder.prefetch(text)  # a new worker is started
    np.testing.assert_allclose(encoder(text), direct, atol=1e-6)
    assert encoder._worker is not None and encoder._worker._process.poll() is None


def test_a_hung_worker_is_replaced_within_its_timeout(encoder) -> None:
    text = "nobody has collected the rubbish from our floor this week"
    direct = encoder.many([text])[0]
    hung = running_worker(encoder)
    hung._timeout_s = 0.2
    os.kill(hung.pid, signal.SIGSTOP)
    encoder.prefetch(text)
    started = time.monotonic()
    np.testing.assert_allclose(encoder(text), direct, atol=1e-6)
    assert time.monotonic() - started < 2.0
    assert encoder._worker is None and hung._process.poll() is not None  # killed, not left stopped


def test_fetching_again_keeps_the_files(encoder) -> None:
    # Already installed: nothing is downloaded (the URL would fail if it were tried).
    assert fetch_encoder(url="http://127.0.0.1:9/unreachable").is_dir()


def test_a_tampered_download_is_refused_and_installs_nothing(tmp_path) -> None:
    bogus = tmp_path / "model.tgz"
    bogus.write_bytes(b"not the model")
    target = tmp_path / "encoder"
    with pytest.raises(RuntimeError, match="SHA-512"):
        fetch_encoder(target, url=bogus.as_uri())
    assert not target.exists()
