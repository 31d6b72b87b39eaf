"""The English sentence encoder: rebuilt faithfully from its TF.js files, meaning-aware, Chinese left out."""

from __future__ import annotations

import numpy as np
import pytest

from nlu.sentence_encoder import DIMENSIONS, fetch_encoder, load_sentence_encoder


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
