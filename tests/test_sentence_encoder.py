"""The multilingual sentence encoder: meaning-aware in both languages, computed alike in the worker and here."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from nlu.sentence_encoder import DIMENSIONS, encoder_input, load_sentence_encoder


@pytest.fixture(scope="module")
def encoder():
    return load_sentence_encoder()


def test_a_paraphrase_is_nearer_than_another_service(encoder) -> None:
    boiler = encoder("send someone to look at my boiler it makes no hot water")
    court = encoder("book me a tennis court for saturday")
    assert boiler @ encoder("the water heater is broken") > boiler @ court + 0.2


def test_a_chinese_symptom_is_nearer_its_request_than_another_service(encoder) -> None:
    flood = encoder("厨房地上全是水")
    assert flood @ encoder("我家厨房漏水了") > flood @ encoder("帮我订明天的网球场") + 0.2


def test_the_same_request_in_either_language_lies_close(encoder) -> None:
    lift = encoder("电梯坏了")
    assert lift @ encoder("the lift is broken") > lift @ encoder("any parcels for me") + 0.1


@pytest.mark.parametrize("text", ["the lift is stuck between floors", "电梯 卡 在 两 层 中间", "wc 坏 了"])
def test_vectors_are_unit_length(encoder, text: str) -> None:
    v = encoder(text)
    assert v.shape == (DIMENSIONS,)
    assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-4)


def test_jieba_spaces_between_chinese_words_are_not_read(encoder) -> None:
    # The linear model's text is Jieba's words joined by spaces; the spaces must not change the vector.
    assert encoder_input(" 我 家 厨房 漏水 了 call me ") == "我家厨房漏水了 call me"
    np.testing.assert_array_equal(encoder.many(["我 家 厨房 漏水 了"])[0], encoder.many(["我家厨房漏水了"])[0])


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_text_gets_zeros(encoder, text: str) -> None:
    assert not encoder(text).any()


def test_a_batch_equals_one_by_one(encoder) -> None:
    texts = ["lift broken", "电梯 坏 了", "", "is my parcel at the front desk"]
    rows = encoder.many(texts)
    assert rows.shape == (4, DIMENSIONS)
    assert not rows[2].any()
    for text, row in zip(texts, rows, strict=True):
        np.testing.assert_array_equal(row, encoder(text))


@pytest.mark.parametrize("text", ["could someone bring my parcel up to the flat", "麻烦 把 我 的 快递 送 上来"])
def test_a_prefetched_sentence_gives_the_same_vector(encoder, text: str) -> None:
    direct = encoder.many([text])[0]
    encoder.prefetch(text)
    encoder.prefetch("   ")  # nothing to start
    assert list(encoder._pending) == [text]
    np.testing.assert_allclose(encoder(text), direct, atol=1e-6)
    assert not encoder._pending


def running_worker(encoder):
    """The encoder's worker process, started by a prefetch and answering."""
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
