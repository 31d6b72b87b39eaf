"""The parse-time shortcuts (nlu/rasa_inference.py) must give exactly what Rasa gives."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from sklearn.feature_extraction.text import CountVectorizer

from nlu.rasa_inference import STOCK, CachedCounts, combine_sparse, crf_decode

TEXTS = ["我 家 卫生间 漏水 了", "三栋 3-1201 的 空调 坏 了", "the kitchen light is broken",
         "The LIFT is broken again!", "有 我 的 快递 吗", "快递 快递 快递", "qqq zzz", "对"]


def _same(left: scipy.sparse.spmatrix, right: scipy.sparse.spmatrix) -> None:
    left, right = left.tocsr(), right.tocsr()
    assert left.shape == right.shape
    assert left.dtype == right.dtype
    assert (left != right).nnz == 0


def test_one_shot_join_equals_pairwise_hstack() -> None:
    rng = np.random.default_rng(7)
    parts = [scipy.sparse.random(5, n, density=0.3, random_state=rng, format="coo", dtype=dtype)
             for n, dtype in ((3, np.float32), (40, np.int64), (17, np.float64))]
    joined = combine_sparse(parts)
    _same(joined, scipy.sparse.hstack(parts))
    assert joined.format == "coo"
    with pytest.raises(ValueError, match="sequence dimensions do not match"):
        combine_sparse([parts[0], scipy.sparse.coo_matrix((4, 2))])


@pytest.mark.parametrize("options", [
    {"analyzer": "word", "ngram_range": (1, 2)},
    {"analyzer": "char_wb", "ngram_range": (1, 4)},
    {"analyzer": "char_wb", "ngram_range": (1, 3), "binary": True},
])
def test_cached_counts_equal_sklearn_transform(options: dict) -> None:
    fitted = CountVectorizer(**options).fit(TEXTS[:5])
    loaded = CountVectorizer(vocabulary=fitted.vocabulary_, **options)  # as Rasa loads a model
    counts = CachedCounts(loaded)
    for docs in ([t for text in TEXTS for t in text.split()], TEXTS, ["完全 没 见过"], TEXTS):  # twice: cached
        _same(counts.transform(docs), fitted.transform(docs).tocoo())


def test_numpy_crf_decode_equals_rasa_crf_layer() -> None:
    """Padded batches, one-token and empty sequences, near-ties: same tags, same confidences to float32 rounding."""
    import tensorflow as tf
    from rasa.utils.tensorflow.layers import CRF

    rng = np.random.default_rng(7)
    tags = 13
    layer = CRF(tags, reg_lambda=0.001, scale_loss=False)
    layer.build(None)
    transitions = rng.normal(0, 2, (tags, tags)).astype(np.float32)
    layer.transition_params.assign(transitions)
    cases = [(rng.normal(0, 3, (5, 17, tags)).astype(np.float32), [17, 1, 9, 0, 2]),
             (rng.normal(0, 3, (1, 1, tags)).astype(np.float32), [1]),
             (rng.normal(0, 3, (1, 40, tags)).astype(np.float32), [40]),
             (np.round(rng.normal(0, 1, (3, 12, tags)), 0).astype(np.float32), [12, 6, 11])]  # many equal sums
    for potentials, lengths in cases:
        want_tags, want_scores = (t.numpy() for t in layer(tf.constant(potentials), tf.constant(lengths)))
        mask = (np.arange(potentials.shape[1])[None, :] < np.array(lengths)[:, None]).astype(np.float32)
        got_tags, got_scores = crf_decode(potentials, transitions, mask)
        assert got_tags.dtype == want_tags.dtype and got_scores.dtype == want_scores.dtype
        np.testing.assert_array_equal(got_tags, want_tags)
        np.testing.assert_allclose(got_scores, want_scores, rtol=1e-6, atol=1e-7)


def test_crf_decoding_stays_in_the_graph_when_entity_tags_feed_role_or_group_tags() -> None:
    from types import SimpleNamespace

    from nlu.rasa_inference import _crf_transitions

    transitions = np.eye(3, dtype=np.float32)
    layer = SimpleNamespace(transition_params=SimpleNamespace(numpy=lambda: transitions))

    def model(*tag_counts: tuple[str, int]) -> SimpleNamespace:
        return SimpleNamespace(_entity_tag_specs=[SimpleNamespace(tag_name=n, num_tags=k) for n, k in tag_counts],
                               _tf_layers={f"crf.{n}": layer for n, _ in tag_counts})

    assert list(_crf_transitions(model(("entity", 3), ("role", 0), ("group", 0)))) == ["entity"]
    assert _crf_transitions(model(("entity", 3), ("role", 4))) == {}
    assert _crf_transitions(model(("entity", 3), ("group", 2))) == {}
    assert _crf_transitions(SimpleNamespace()) == {}  # not a DIET model


def test_loaded_model_parses_exactly_as_stock_rasa(held_out_adapter, monkeypatch) -> None:
    """The real model, parsed with the shortcuts and then with Rasa's own code paths."""
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
    from rasa.shared.nlu.training_data.message import Message
    from rasa.utils.tensorflow import model_data_utils
    from rasa.utils.tensorflow.models import RasaModel

    assert len(STOCK) == 4, "the shortcuts are not installed, so this test would compare Rasa with itself"
    texts = ["我家卫生间漏水了", "三 栋 一 二 零 一 的 空调 不 制冷 了 麻烦 下午 三点半 来 修",
             "my kitchen light is broken", "有人被困在电梯里了", "会所几点开门", "对", "hmm",
             "could you book the tennis court for tomorrow at 10", "楼上 天天 半夜 装修 吵死 了 你们 管 不管"]
    fast = [held_out_adapter.parse(t).to_dict() for t in texts]

    processor = held_out_adapter.engine._agent.processor
    diet = next(node._component.model for node in processor.graph_runner._instantiated_nodes.values()
                if type(node._component).__name__ == "DIETClassifier")
    assert list(diet.__dict__["_guanjia_direct"][2]) == ["entity"], "entity tags were not decoded in numpy"
    monkeypatch.setattr(processor.graph_runner, "run", DaskGraphRunner.run.__get__(processor.graph_runner))
    monkeypatch.delattr(processor, "_check_for_unseen_features")  # back to the class's own check
    monkeypatch.setattr(RasaModel, "_rasa_predict", STOCK["RasaModel._rasa_predict"])
    monkeypatch.setattr(Message, "_combine_features", staticmethod(STOCK["Message._combine_features"]))
    monkeypatch.setattr(CountVectorsFeaturizer, "_create_features",
                        STOCK["CountVectorsFeaturizer._create_features"])
    monkeypatch.setattr(model_data_utils, "_create_fake_features", STOCK["model_data_utils._create_fake_features"])
    stock = [held_out_adapter.parse(t).to_dict() for t in texts]
    assert fast == stock
