"""The fine-tuned English sentence transformer: numpy inference equals the Keras network it was trained as,
fine-tuning learns, and the pipeline component asks it only about unsure English lines."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.components import TransformerIntentBlender
from nlu.intent_transformer import MAX_TOKENS, IntentTransformer, load_pretrained, load_tokenizer
from nlu.intent_transformer_training import _build, _get_weights, _pad, _set_pretrained, fine_tune

SENTENCES = [
    "my kitchen is flooded",
    "could you tell me whether the plumber you sent yesterday is still coming this afternoon",
    "hi",
    "please " * 200 + "help",  # beyond MAX_TOKENS: truncated as in training
]


def test_numpy_forward_pass_equals_the_keras_network() -> None:
    import tensorflow as tf

    network = _build(5, dropout=0.1)
    _set_pretrained(network, load_pretrained())
    rng = np.random.default_rng(7)
    network.head.set_weights([rng.normal(0, 0.5, (384, 5)).astype(np.float32), np.zeros(5, np.float32)])
    ours = IntentTransformer(_get_weights(network), list("abcde"))
    ids, mask = _pad([e.ids for e in load_tokenizer().encode_batch(SENTENCES)])
    assert ids.shape[1] == MAX_TOKENS
    expected = tf.nn.softmax(network((tf.constant(ids), tf.constant(mask)), training=False)).numpy()
    got = np.array([ours.probabilities(text) for text in SENTENCES])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert not np.allclose(got[0], got[2], atol=1e-3)  # the head is not flat: the comparison means something


def test_pretrained_sentence_vectors_read_meaning() -> None:
    """Loaded right, the pretrained encoder places a paraphrase nearer than an unrelated request."""
    weights = {**load_pretrained(), "classifier.weight": np.zeros((2, 384), np.float32),
               "classifier.bias": np.zeros(2, np.float32)}
    model = IntentTransformer(weights, ["a", "b"])
    flooded, water, tennis = (model.sentence(t) for t in
                              ("my kitchen is flooded", "water all over the kitchen floor",
                               "I want to book the tennis court"))

    def cosine(x, y):
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert cosine(flooded, water) > 0.5 > 0.2 > cosine(flooded, tennis)


def test_fine_tuning_learns_intents_it_was_not_shown_verbatim() -> None:
    lights = ["the light in my bathroom is broken", "kitchen light not working", "my bedroom lamp keeps flickering",
              "the hallway lights went out", "a bulb in the living room is dead", "lights in the corridor are off",
              "the ceiling light will not turn on", "my balcony light is broken again"]
    parcels = ["is there a parcel for me", "did my package arrive", "can you bring my delivery up",
               "I am expecting a parcel today", "where is my amazon box", "has the courier left anything for me",
               "please keep my parcel at the desk", "any deliveries for flat 1201"]
    weights, classes = fine_tune(lights + parcels, ["repair"] * 8 + ["parcel"] * 8, epochs=8, learning_rate=1e-4)
    model = IntentTransformer(weights, classes)
    unseen = {"the lamp over my desk stopped working": "repair", "did a package come for me": "parcel",
              "no light in the toilet": "repair", "a box was delivered for me, right?": "parcel"}
    right = sum(classes[int(np.argmax(model.probabilities(t)))] == label for t, label in unseen.items())
    assert right == len(unseen)


class _Stub:
    classes = ["complaint", "repair_request"]

    def __init__(self) -> None:
        self.asked: list[str] = []

    def probabilities(self, text: str) -> np.ndarray:
        self.asked.append(text)
        return np.array([0.1, 0.9])


def _message(text: str, ranking: list[tuple[str, float]]) -> Message:
    message = Message({TEXT: text})
    message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking])
    message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]})
    return message


@pytest.mark.parametrize(("text", "top", "asked"), [
    ("the lift is broken again", 0.6, True),  # unsure English: blended
    ("the lift is broken again", 0.85, False),  # sure enough: left as it is
    ("电梯又坏了", 0.6, False),  # Mandarin: never
])
def test_only_unsure_english_lines_consult_the_transformer(text: str, top: float, asked: bool) -> None:
    stub = _Stub()
    blender = TransformerIntentBlender({"weight": 0.4, "consult_below": 0.8}, None, None, model=stub)
    rest = round(1.0 - top, 2)
    message = _message(text, [("complaint", top), ("repair_request", round(rest - 0.1, 2)), ("faq", 0.1)])
    before = [dict(item) for item in message.get(INTENT_RANKING_KEY)]
    blender.process([message])
    assert stub.asked == ([text] if asked else [])
    ranking = {item["name"]: item["confidence"] for item in message.get(INTENT_RANKING_KEY)}
    if asked:  # 0.6·0.6 + 0.4·0.1 = 0.40 against 0.6·0.3 + 0.4·0.9 = 0.54
        assert message.get(INTENT)["name"] == "repair_request"
        assert ranking == pytest.approx({"repair_request": 0.54, "complaint": 0.40, "faq": 0.06})
    else:
        assert message.get(INTENT_RANKING_KEY) == before


def test_the_trained_model_holds_the_transformer(nlu_adapter) -> None:
    """The shipped model carries its fine-tuned transformer (an old model would load without one)."""
    nodes = nlu_adapter.engine._agent.processor.graph_runner._instantiated_nodes.values()  # noqa: SLF001
    loaded = [n._component for n in nodes  # noqa: SLF001
              if isinstance(getattr(n, "_component", None), TransformerIntentBlender)]
    assert loaded and loaded[0]._model is not None  # noqa: SLF001
    assert loaded[0]._model.classes[0] == "activity_booking"  # noqa: SLF001
