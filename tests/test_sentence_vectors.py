"""English sentence vectors: paraphrases near, other services far, Chinese left out."""

from __future__ import annotations

import numpy as np
import pytest

from nlu.sentence_vectors import DIMENSIONS, load_sentence_vectors


@pytest.fixture(scope="module")
def vectors():
    return load_sentence_vectors()


def test_a_paraphrase_is_nearer_than_another_service(vectors) -> None:
    blocked = vectors("my toilet is blocked")
    assert blocked @ vectors("the loo won't flush") > blocked @ vectors("book me a court at the gym") + 0.2


def test_vectors_are_unit_length_and_words_unseen_in_the_data_still_count(vectors) -> None:
    v = vectors("knackered lift again")
    assert v.shape == (DIMENSIONS,)
    assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("text", ["厨房 漏水 了", "my 厨房 leaks", "", "   "])
def test_chinese_and_empty_text_get_zeros(vectors, text: str) -> None:
    assert not vectors(text).any()


def test_many_stacks_rows(vectors) -> None:
    rows = vectors.many(["lift broken", "电梯 坏 了"])
    assert rows.shape == (2, DIMENSIONS)
    assert rows[0].any() and not rows[1].any()
    assert vectors.many([]).shape == (0, DIMENSIONS)
