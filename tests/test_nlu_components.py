"""The blender's fast scorer must give exactly what sklearn's predict_proba gives."""

from __future__ import annotations

import numpy as np
import pytest

from nlu.components import FastLinearScorer, build_linear_intent_model

TRAIN = [
    ("我 家 卫生间 漏水 了", "repair_request"), ("空调 坏 了 修 一下", "repair_request"),
    ("the kitchen light is broken", "repair_request"), ("有 我 的 快递 吗", "parcel_service"),
    ("any parcels for me", "parcel_service"), ("帮 我 把 快递 送 上来", "parcel_service"),
    ("楼上 太 吵 了 你们 管 不管", "complaint"), ("the noise upstairs is unbearable", "complaint"),
    ("对", "affirm"), ("yes please", "affirm"), ("修 空调 的 别 来 了", "cancel"),
    ("we won t need the plumber", "cancel"), ("空调 修 好 了 没", "request_status"),
]


@pytest.fixture(scope="module", params=[(0.0, 0.0, 0.0), (0.5, 0.0, 0.0), (0.5, 1.0, 0.0), (0.5, 0.5, 1.0)],
                ids=["tfidf", "tfidf+vectors", "tfidf+vectors+encoder", "tfidf+vectors+encoder+cues"])
def pipeline(request):
    vectors, encoder, cues = request.param
    model = build_linear_intent_model({"C": 30.0, "char_ngram_max": 3, "sentence_vector_weight": vectors,
                                       "sentence_encoder_weight": encoder, "act_cue_weight": cues})
    model.fit([t for t, _ in TRAIN], [i for _, i in TRAIN])
    return model


@pytest.mark.parametrize("text", ["我 家 卫生间 漏水 了", "快递 快递 快递", "the light upstairs is noisy",
                                  "完全 没 见过 的 话", "qqq zzz", "",
                                  "my loo is blocked", "wc 坏 了", "电梯 修 好 了 没 有", "don t send anyone"])
def test_fast_scores_equal_predict_proba(pipeline, text: str) -> None:
    scorer = FastLinearScorer.from_pipeline(pipeline)
    assert scorer is not None
    assert scorer.classes == [str(c) for c in pipeline.classes_]
    np.testing.assert_allclose(scorer.probabilities(text), pipeline.predict_proba([text])[0], atol=1e-12)


def test_a_pipeline_of_another_shape_is_not_wrapped(pipeline) -> None:
    pipeline.steps[0][1].transformer_list[0][1].sublinear_tf = False
    try:
        assert FastLinearScorer.from_pipeline(pipeline) is None
    finally:
        pipeline.steps[0][1].transformer_list[0][1].sublinear_tf = True


def test_a_saved_model_scores_the_same_after_loading(pipeline, tmp_path) -> None:
    """The blender stores its model with joblib; the sentence vectors and encoder are not pickled into it."""
    import joblib

    joblib.dump(pipeline, tmp_path / "linear.joblib")
    assert (tmp_path / "linear.joblib").stat().st_size < 1_000_000
    loaded = FastLinearScorer.from_pipeline(joblib.load(tmp_path / "linear.joblib"))
    text = "the loo upstairs is blocked"
    np.testing.assert_allclose(loaded.probabilities(text), pipeline.predict_proba([text])[0], atol=1e-12)


def test_a_model_from_an_older_embedding_is_refused_on_loading(tmp_path) -> None:
    """A model pickled with an embedding this version no longer has must not load half-working."""
    import joblib

    model = build_linear_intent_model({"C": 30.0, "char_ngram_max": 3, "sentence_vector_weight": 0.5})
    model.fit([t for t, _ in TRAIN], [i for _, i in TRAIN])
    model.steps[0][1].transformer_list[-1][1].embedding = "use-lite"  # the English-only encoder of 2026-11
    joblib.dump(model, tmp_path / "linear.joblib")
    with pytest.raises(ValueError, match="retrain"):
        joblib.load(tmp_path / "linear.joblib")
