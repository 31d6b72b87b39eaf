"""Custom Rasa components for Guanjia's bilingual pipeline.

Imported by Rasa through the dotted name in ``nlu/config.yml``; a remote
``rasa run`` must have this project installed (it is, in the project's venv).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT, TEXT_TOKENS
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.base import BaseEstimator, TransformerMixin

from nlu.act_cues import DIMENSIONS as ACT_CUE_DIMENSIONS
from nlu.act_cues import load_act_cues
from nlu.sentence_encoder import DIMENSIONS as ENCODER_DIMENSIONS
from nlu.sentence_encoder import load_sentence_encoder
from nlu.sentence_vectors import DIMENSIONS as WORD_VECTOR_DIMENSIONS
from nlu.sentence_vectors import load_sentence_vectors

logger = logging.getLogger(__name__)

# What a sentence can be turned into for the linear model: name → (loader, width).
SENTENCE_EMBEDDINGS: dict[str, tuple[Any, int]] = {
    "wordllama": (load_sentence_vectors, WORD_VECTOR_DIMENSIONS),  # mean of static word vectors; English only
    "use-multilingual": (load_sentence_encoder, ENCODER_DIMENSIONS),  # USE Multilingual v3; both languages
    "act-cues": (load_act_cues, ACT_CUE_DIMENSIONS),  # 0/1 per act cue (cancel, not needed, ask after, ...)
}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class MixedTokenizer(JiebaTokenizer):
    """Jieba for Chinese and English alike, without whitespace and punctuation tokens.

    Rasa's Jieba tokenizer keeps every space of an English sentence as a token
    (its ``token_pattern`` keeps tokens that match nothing), which drowns English
    features in blanks. Dictionaries are loaded and persisted as in the parent.
    """

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Split with Jieba, then drop tokens that hold no letter or digit."""
        tokens = super().tokenize(message, attribute)
        kept = [t for t in tokens if any(ch.isalnum() for ch in t.text)]
        return kept or tokens[:1]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderPrefetch(GraphComponent):
    """Start the sentence encoder as soon as a message is tokenised.

    The linear model needs the encoder's vector only after DIET has run;
    started here, it works in its own process on the second core while DIET
    works on the first
    (``SentenceEncoder.prefetch``). Place it right after the tokenizer; it
    changes no message.
    """

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceEncoderPrefetch:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        encoder = load_sentence_encoder()
        for message in messages:
            encoder.prefetch(linear_input(message))
        return messages


class _StoredModelComponent(GraphComponent):
    """A trainable component whose fitted model is kept in Rasa's model storage (config, storage, model)."""

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: Any | None = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> _StoredModelComponent:
        return cls(config, model_storage, resource)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentBlender(_StoredModelComponent):
    """Blend DIET's intent ranking with a linear TF-IDF classifier's.

    On held-out owners' phrasing a logistic regression over character and word
    n-grams and DIET make different mistakes: DIET generalises across word
    order, the linear model holds on to rare telling words. Averaging their
    probabilities beats either alone (see nlu/data/README.md for the figures).
    Must come after DIETClassifier and before FallbackClassifier, so the
    fallback thresholds apply to the blended confidences.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"diet_weight": 0.5, "C": 20.0, "char_ngram_max": 3, "sentence_vector_weight": 0.0,
                "sentence_encoder_weight": 0.0, "act_cue_weight": 0.0, "ranking_length": 10}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: Any | None = None) -> None:
        super().__init__(config, model_storage, resource, model)
        self._fast = FastLinearScorer.from_pipeline(model) if model is not None else None

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentBlender:
        import joblib

        try:
            with model_storage.read_from(resource) as model_dir:
                model = joblib.load(model_dir / "linear_intents.joblib")  # our own training output
        except (ValueError, FileNotFoundError, AttributeError) as err:
            # A model from an older version of this module: DIET's ranking alone until it is retrained.
            logger.warning("linear intent model not loaded (%s); run `guanjia nlu train`", err)
            model = None
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        import joblib

        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        if examples:
            self._model = build_linear_intent_model(self.config)
            self._model.fit([linear_input(m) for m in examples], [m.get(INTENT) for m in examples])
            self._fast = FastLinearScorer.from_pipeline(self._model)
            with self._storage.write_to(self._resource) as model_dir:
                joblib.dump(self._model, model_dir / "linear_intents.joblib")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        if self._fast is not None:
            classes = self._fast.classes
            probabilities = [self._fast.probabilities(linear_input(m)) for m in messages]
        else:
            classes = list(self._model.classes_)
            probabilities = self._model.predict_proba([linear_input(m) for m in messages])
        weight = float(self.config["diet_weight"])
        for message, linear in zip(messages, probabilities, strict=True):
            blended = {name: (1.0 - weight) * float(p) for name, p in zip(classes, linear, strict=True)}
            for item in message.get(INTENT_RANKING_KEY) or []:
                blended[item["name"]] = blended.get(item["name"], 0.0) + weight * float(item["confidence"])
            _set_ranking(message, blended, int(self.config["ranking_length"]))
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TransformerIntentBlender(_StoredModelComponent):
    """A fine-tuned pretrained sentence transformer, consulted when the classifiers before it are unsure.

    DIET and the TF-IDF regression read which words a line holds; the
    transformer (``nlu.intent_transformer``) reads how they are put together,
    which is what most of their misses turn on. It is trained on the lines of
    both languages; Chinese characters get rows of their own in its word
    table. It costs about twice the rest of a parse, so it is asked only when
    the blended ranking's top confidence is below ``consult_below``; its
    probabilities then get ``weight`` of the blend. On the held-out split that
    asks it for a quarter of the lines and keeps nearly all it gains when asked
    for every line (nlu/data/README.md). Place after ``LinearIntentBlender``
    and before FallbackClassifier.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"epochs": 6, "learning_rate": 1e-4, "layers": 6, "weight": 0.4, "consult_below": 0.8,
                "ranking_length": 10}

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> TransformerIntentBlender:
        import json

        import numpy as np

        from nlu.intent_transformer import IntentTransformer

        try:
            with model_storage.read_from(resource) as model_dir:
                classes = json.loads((model_dir / "classes.json").read_text(encoding="utf-8"))
                chars_file = model_dir / "chars.json"  # absent in a model trained on English alone
                chars = json.loads(chars_file.read_text(encoding="utf-8")) if chars_file.exists() else []
                with np.load(model_dir / "weights.npz") as stored:
                    weights = {name: stored[name] for name in stored.files}
            model = IntentTransformer(weights, classes, chars)
        except (ValueError, FileNotFoundError, KeyError) as err:
            logger.warning("intent transformer not loaded (%s); run `guanjia nlu train`", err)
            model = None
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        import json

        import numpy as np

        from nlu.intent_transformer import IntentTransformer
        from nlu.intent_transformer_training import fine_tune

        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            return self._resource
        weights, classes, chars = fine_tune([m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples],
                                            epochs=int(self.config["epochs"]), layers=int(self.config["layers"]),
                                            learning_rate=float(self.config["learning_rate"]))
        with self._storage.write_to(self._resource) as model_dir:
            np.savez(model_dir / "weights.npz", **weights)
            (model_dir / "classes.json").write_text(json.dumps(classes), encoding="utf-8")
            (model_dir / "chars.json").write_text(json.dumps(chars, ensure_ascii=False), encoding="utf-8")
        self._model = IntentTransformer(weights, classes, chars)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        weight, consult_below = float(self.config["weight"]), float(self.config["consult_below"])
        for message in messages:
            text = message.get(TEXT) or ""
            ranking = message.get(INTENT_RANKING_KEY) or []
            if not text.strip() or not ranking:
                continue
            if float(ranking[0]["confidence"]) >= consult_below or not self._model.reads(text):
                continue
            blended = {item["name"]: (1.0 - weight) * float(item["confidence"]) for item in ranking}
            for name, p in zip(self._model.classes, self._model.probabilities(text), strict=True):
                blended[name] = blended.get(name, 0.0) + weight * float(p)
            _set_ranking(message, blended, int(self.config["ranking_length"]))
        return messages


def _set_ranking(message: Message, scores: dict[str, float], length: int) -> None:
    """Make ``scores`` the message's intent and ranking (best first, ``length`` long)."""
    ranking = sorted(({"name": k, "confidence": v} for k, v in scores.items()), key=lambda item: -item["confidence"])
    message.set(INTENT, ranking[0], add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking[:length], add_to_output=True)


class FastLinearScorer:
    """The fitted linear model, scored for one text at a time.

    sklearn's ``predict_proba`` on a single sentence spends ~9 ms validating
    inputs and building sparse matrices; the arithmetic is a few hundred
    multiply-adds. This does the same sums (sublinear tf, idf, l2 norm per
    vectorizer, the sentence vector, softmax) over the fitted vocabularies in
    ~0.3 ms, with results equal to ``predict_proba`` to 1e-12
    (tests/test_nlu_components.py).
    """

    def __init__(self, parts: list[tuple[Any, dict[str, int], Any, int]], dense: list[tuple[Any, float, int, int]],
                 weights: Any, bias: Any, classes: list[str]) -> None:
        self._parts = parts
        self._dense = dense
        self._weights = weights
        self._bias = bias
        self.classes = classes

    @classmethod
    def from_pipeline(cls, pipeline: Any) -> FastLinearScorer | None:
        """Wrap a pipeline built by ``build_linear_intent_model``; None if it is shaped otherwise."""
        import numpy as np

        union, classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
        parts, dense, offset = [], [], 0
        for _, step in getattr(union, "transformer_list", []):
            if isinstance(step, SentenceEmbedding):
                # Loaded here, at model load, so the first request does not pay for it.
                load, width = SENTENCE_EMBEDDINGS[step.embedding]
                dense.append((load(), step.scale, offset, width))
                offset += width
                continue
            if not (step.sublinear_tf and step.use_idf and step.norm == "l2"):
                return None
            parts.append((step.build_analyzer(), step.vocabulary_, step.idf_, offset))
            offset += len(step.vocabulary_)
        if not parts or classifier.coef_.shape != (len(classifier.classes_), offset) or len(classifier.classes_) < 3:
            return None
        return cls(parts, dense, np.ascontiguousarray(classifier.coef_.T), classifier.intercept_.copy(),
                   [str(c) for c in classifier.classes_])

    def probabilities(self, text: str) -> Any:
        """Class probabilities for ``text``, in the order of ``classes``."""
        import numpy as np

        scores = self._bias.copy()
        for analyse, vocabulary, idf, offset in self._parts:
            counts = Counter(i for i in map(vocabulary.get, analyse(text)) if i is not None)
            if not counts:
                continue
            index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[index]
            values /= np.sqrt(values @ values)
            scores += values @ self._weights[index + offset]
        for embed, scale, offset, width in self._dense:
            vector = embed(text)
            if vector.any():
                scores += scale * (vector @ self._weights[offset:offset + width])
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()


class SentenceEmbedding(BaseEstimator, TransformerMixin):
    """sklearn step: the linear model's text → a fixed sentence embedding (pretrained vectors, act cues), scaled.

    ``embedding`` names one of ``SENTENCE_EMBEDDINGS``. The scale sets how much
    it weighs against the two TF-IDF views (each of unit length); see
    nlu/data/README.md for the cross-validated choices. The embedder is loaded
    once per process and never pickled into the model.
    """

    def __init__(self, scale: float = 0.5, embedding: str = "wordllama") -> None:
        self.scale = scale
        self.embedding = embedding

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.get("embedding") not in SENTENCE_EMBEDDINGS:  # a model trained before this version
            raise ValueError(f"unknown sentence embedding {state.get('embedding')!r}; retrain the model")
        super().__setstate__(state)

    def fit(self, texts: list[str], y: Any = None) -> SentenceEmbedding:
        return self

    def transform(self, texts: list[str]) -> Any:
        load, _ = SENTENCE_EMBEDDINGS[self.embedding]
        return load().many(list(texts)).astype("float64") * self.scale


def linear_input(message: Message) -> str:
    """Text for the linear model: the tokens joined by spaces (Jieba's words, lower-cased)."""
    tokens = message.get(TEXT_TOKENS) or []
    return " ".join(t.text.lower() for t in tokens) if tokens else (message.get(TEXT) or "").lower()


def build_linear_intent_model(config: dict[str, Any]):
    """TF-IDF over word 1-2-grams and character n-grams (sentence embeddings, act cues), then logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    views = [
        TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, int(config["char_ngram_max"])), sublinear_tf=True),
    ]
    if float(config.get("sentence_vector_weight", 0.0)) > 0:
        views.append(SentenceEmbedding(float(config["sentence_vector_weight"]), "wordllama"))
    if float(config.get("sentence_encoder_weight", 0.0)) > 0:
        views.append(SentenceEmbedding(float(config["sentence_encoder_weight"]), "use-multilingual"))
    if float(config.get("act_cue_weight", 0.0)) > 0:
        views.append(SentenceEmbedding(float(config["act_cue_weight"]), "act-cues"))
    features = make_union(*views)
    return make_pipeline(features, LogisticRegression(C=float(config["C"]), max_iter=3000))
