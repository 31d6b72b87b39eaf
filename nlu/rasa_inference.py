"""Parse-time shortcuts through Rasa 3.6's plumbing: same numbers, less Python.

A parse of a long sentence cost ~22 ms at p95, and py-spy showed the model's
own arithmetic was under a tenth of it. The rest was plumbing, which these
replace with equivalents that produce identical features and rankings
(``tests/test_nlu_inference.py`` compares each against Rasa's own):

- tf.function argument handling: every DIET call re-canonicalised its inputs
  against the signature and looked the traced graph up again (a fifth of a
  parse). The traced concrete function is now called directly with tensors of
  the signature's dtypes, built as ``EagerTensor``s (what ``tf.convert_to_tensor``
  builds for an array, without its ~50 µs of dispatch per input).
- sparse feature joins: each featurizer's matrix was deep-copied and joined
  pairwise, building a scipy matrix per join. All are now joined in one go.
- count vectors: sklearn re-analysed every token of every parse. A token's
  (or sentence's) counts are now cached, as the vocabulary is fixed after
  training.
- DIET's "fake" (empty) features were deep copies of real ones, matrix and all.
- DIET's CRF decoded the entity tags inside the TF graph with three while
  loops, one step per token, each step dozens of graph nodes: half of a long
  sentence's graph time. The graph now returns the CRF's potentials, and the
  same Viterbi decode runs in numpy (``crf_decode``), a few array operations
  per token.
- the graph: dask scheduled the same fixed chain of nodes on every parse
  (applied to one loaded model's runner), and the
  processor compared an empty domain with an empty domain.

``LocalRasa`` installs them once it has loaded a model. They patch Rasa's classes
for the whole process, which is harmless because each gives exactly Rasa's
result; ``GUANJIA_NLU_STOCK_RASA=1`` turns them all off.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import scipy.sparse

__all__ = ["use_fast_inference", "CachedCounts", "combine_sparse", "crf_decode", "STOCK"]

#: Rasa's original functions, by name, kept so tests can compare against them.
STOCK: dict[str, Callable[..., Any]] = {}
_CACHE_LIMIT = 50_000


def use_fast_inference(agent: Any) -> None:
    """Speed up parsing with a loaded ``Agent``: Rasa's classes once per process, then this agent."""
    if os.environ.get("GUANJIA_NLU_STOCK_RASA") == "1":
        return
    if not STOCK:
        _use_direct_predict()
        _use_one_shot_feature_joins()
        _use_cached_count_vectors()
        _use_light_fake_features()
    _run_sequentially(agent.processor.graph_runner)
    _skip_empty_domain_check(agent.processor)


def combine_sparse(matrices: list[scipy.sparse.spmatrix]) -> scipy.sparse.coo_matrix:
    """Join sparse matrices side by side (same rows), as one COO matrix."""
    coos = [m.tocoo() for m in matrices]
    rows = coos[0].shape[0]
    for m in coos[1:]:
        if m.shape[0] != rows:
            raise ValueError(f"Cannot combine sparse features as sequence dimensions do not match: "
                             f"{rows} != {m.shape[0]}.")
    offsets = np.cumsum([0] + [m.shape[1] for m in coos])
    columns = np.concatenate([m.col + offset for m, offset in zip(coos, offsets[:-1], strict=True)])
    return scipy.sparse.coo_matrix(
        (np.concatenate([m.data for m in coos]), (np.concatenate([m.row for m in coos]), columns)),
        shape=(rows, int(offsets[-1])))


def _use_one_shot_feature_joins() -> None:
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message

    stock = Message._combine_features
    STOCK["Message._combine_features"] = stock

    def combine_features(features: list[Features], featurizers: list[str]) -> Features | None:
        if len(features) < 2 or not all(f.is_sparse() for f in features):
            return stock(features, featurizers)
        first = features[0]
        return Features(combine_sparse([f.features for f in features]), first.type, first.attribute,
                        featurizers)

    Message._combine_features = staticmethod(combine_features)


class CachedCounts:
    """A fitted sklearn ``CountVectorizer``'s ``transform``, cached per document.

    Rasa transforms each token as its own document (sequence features) and the
    joined sentence (sentence features); tokens repeat from parse to parse.
    Returns the COO matrix Rasa would build: sorted columns, the vectorizer's dtype.
    """

    def __init__(self, vectorizer: Any) -> None:
        vectorizer._check_vocabulary()  # as sklearn's transform: a loaded vocabulary is only validated here
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._binary = bool(vectorizer.binary)
        self._dtype = vectorizer.dtype
        self._rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _row(self, doc: str) -> tuple[np.ndarray, np.ndarray]:
        row = self._rows.get(doc)
        if row is None:
            counts: dict[int, int] = {}
            for feature in self._analyze(doc):
                index = self._vocabulary.get(feature)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            columns = np.array(sorted(counts), dtype=np.int32)
            values = np.array([1 if self._binary else counts[c] for c in columns.tolist()], dtype=self._dtype)
            row = (columns, values)
            if len(self._rows) >= _CACHE_LIMIT:
                self._rows.clear()
            self._rows[doc] = row
        return row

    def transform(self, docs: list[str]) -> scipy.sparse.coo_matrix:
        rows = [self._row(doc) for doc in docs]
        row_ids = np.repeat(np.arange(len(rows), dtype=np.int32), [len(c) for c, _ in rows])
        columns = np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, np.int32)
        values = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, self._dtype)
        return scipy.sparse.coo_matrix((values, (row_ids, columns)), shape=(len(docs), len(self._vocabulary)))


def _use_cached_count_vectors() -> None:
    from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    STOCK["CountVectorsFeaturizer._create_features"] = CountVectorsFeaturizer._create_features

    def create_features(self: CountVectorsFeaturizer, attribute: str,
                        all_tokens: list[list[str]]) -> tuple[list[Any], list[Any]]:
        vectorizer = self.vectorizers.get(attribute)
        if not vectorizer:
            return [None], [None]
        cache = self.__dict__.setdefault("_guanjia_counts", {})
        sequence_features: list[Any] = []
        sentence_features: list[Any] = []
        for tokens in all_tokens:
            if not tokens:
                sequence_features.append(None)
                sentence_features.append(None)
                continue
            counts = cache.get(attribute)
            if counts is None:
                counts = cache[attribute] = CachedCounts(vectorizer)
            sequence_features.append(counts.transform(tokens))
            sentence_features.append(counts.transform([" ".join(tokens)])
                                     if attribute in DENSE_FEATURIZABLE_ATTRIBUTES else None)
        return sequence_features, sentence_features

    CountVectorsFeaturizer._create_features = create_features


def _use_light_fake_features() -> None:
    import rasa.utils.tensorflow.model_data_utils as model_data_utils

    STOCK["model_data_utils._create_fake_features"] = model_data_utils._create_fake_features

    def create_fake_features(all_features: list[list[list[Any]]]) -> list[Any]:
        example = next(features for per_example in all_features for features in per_example
                       if features is not None)
        fakes = []
        for features in example:
            fake = copy.copy(features)  # shares only immutable strings and the origin list
            shape = (0, features.features.shape[-1])
            fake.features = (np.zeros(shape, features.features.dtype) if features.is_dense()
                             else scipy.sparse.coo_matrix(shape, dtype=features.features.dtype))
            fake._cached_fingerprint = None
            fakes.append(fake)
        return fakes

    model_data_utils._create_fake_features = create_fake_features


def _use_direct_predict() -> None:
    import tensorflow as tf
    from keras.utils import tf_utils
    from rasa.shared.constants import DIAGNOSTIC_DATA
    from rasa.utils.tensorflow.models import RasaModel
    from tensorflow.python.eager import context
    from tensorflow.python.framework.ops import EagerTensor  # what convert_to_tensor builds, minus its dispatch

    stock = RasaModel._rasa_predict
    STOCK["RasaModel._rasa_predict"] = stock

    def rasa_predict(self: RasaModel, batch_in: tuple[np.ndarray, ...]) -> dict[str, Any]:
        direct = self.__dict__.get("_guanjia_direct")
        if direct is None:
            outputs = stock(self, batch_in)  # traces the graph the Rasa way, once
            if not self._run_eagerly and self._tf_predict_step is not None:
                crfs = _crf_transitions(self)
                if crfs:
                    with _crf_layers_return_potentials():
                        function = tf.function(self.predict_step, input_signature=self._dynamic_signature(batch_in)
                                               ).get_concrete_function()
                else:
                    function = self._tf_predict_step.get_concrete_function()
                dtypes = [spec.dtype.as_datatype_enum
                          for spec in tf.nest.flatten(function.structured_input_signature[0])]
                self.__dict__["_guanjia_direct"] = (function, dtypes, crfs)
            return outputs
        function, dtypes, crfs = direct
        if len(batch_in) != len(dtypes):
            return stock(self, batch_in)
        device = context.context().device_name
        tensors = [EagerTensor(x, device, d) for x, d in zip(batch_in, dtypes, strict=True)]
        outputs = tf_utils.sync_to_numpy_or_python_type(function._call_flat(tensors, function.captured_inputs))
        for name, transitions in crfs.items():
            outputs[f"e_{name}_ids"], outputs[f"e_{name}_scores"] = crf_decode(
                outputs[f"e_{name}_ids"], transitions, outputs[f"e_{name}_scores"])
        if DIAGNOSTIC_DATA in outputs:
            outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
        return outputs

    RasaModel._rasa_predict = rasa_predict


def _crf_transitions(model: Any) -> dict[str, np.ndarray]:
    """The transition matrix of each CRF a loaded DIET decodes with, by tag name; empty if not decodable in numpy.

    Only a model with the entity CRF alone qualifies: with roles or groups, the
    graph feeds the decoded entity tags into the next CRF, so decoding must stay
    in the graph.
    """
    specs = [spec for spec in getattr(model, "_entity_tag_specs", None) or [] if spec.num_tags > 0]
    if len(specs) != 1:
        return {}
    layer = model._tf_layers.get(f"crf.{specs[0].tag_name}")
    if layer is None or not hasattr(layer, "transition_params"):
        return {}
    return {specs[0].tag_name: layer.transition_params.numpy()}


@contextlib.contextmanager
def _crf_layers_return_potentials() -> Iterator[None]:
    """While DIET's prediction graph is traced: each CRF layer outputs its potentials and mask, not a decode."""
    import tensorflow as tf
    from rasa.utils.tensorflow.layers import CRF

    stock = CRF.call

    def call(self: CRF, logits: Any, sequence_lengths: Any) -> tuple[Any, Any]:
        return logits, tf.sequence_mask(sequence_lengths, maxlen=tf.shape(logits)[1], dtype=tf.float32)

    CRF.call = call
    try:
        yield
    finally:
        CRF.call = stock


def crf_decode(potentials: np.ndarray, transitions: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rasa's ``CRF`` layer (``crf_decode``, then zeros past each length), in numpy.

    ``potentials`` is [batch, steps, tags], ``mask`` [batch, steps] (1 within
    each sequence). Returns the best tag sequence, [batch, steps] int32, and the
    "confidence" of each tag, [batch, steps] float32, as Rasa computes it: for
    the last token the softmax maximum of its Viterbi scores; for each earlier
    one the softmax maximum, over the previous tag, of the step into one tag of
    the next token. Which tag: the next token's chosen tag for the last step,
    and after that the previous confidence truncated to an integer (so tag 0,
    unless it was exactly 1), because Rasa's backward scan indexes by the value
    it carries, which for confidences is the confidence itself. Kept, since
    these must be Rasa's numbers. Sums are float32, in Rasa's order, so the
    tags are the same; the confidences agree to float32 rounding.
    """
    batch, steps, _ = potentials.shape
    tags = np.zeros((batch, steps), np.int32)
    scores = np.zeros((batch, steps), np.float32)
    for row in range(batch):
        length = int(mask[row].sum())
        if length == 0:
            continue
        alphas = [potentials[row, 0]]
        backpointers = []
        for step in range(1, length):
            through = alphas[-1][:, None] + transitions  # [previous tag, tag]
            backpointers.append(through.argmax(axis=0))
            alphas.append(potentials[row, step] + through.max(axis=0))
        last = alphas[-1]
        tags[row, length - 1] = last.argmax()
        scores[row, length - 1] = _softmax_max(last)
        column = int(tags[row, length - 1])
        for step in range(length - 2, -1, -1):
            tags[row, step] = backpointers[step][tags[row, step + 1]]
            scores[row, step] = _softmax_max(alphas[step] + transitions[:, column])
            column = int(scores[row, step])  # Rasa's scan carries the confidence, not the tag, as its index
    return tags, scores


def _softmax_max(scores: np.ndarray) -> np.float32:
    shifted = np.exp(scores - scores.max())
    return np.float32(shifted.max() / shifted.sum())


def _skip_empty_domain_check(processor: Any) -> None:
    """Drop the per-parse check of an NLU-only model's results against its (empty) domain.

    Rasa returns from that check at once when the domain is empty, but finds
    out by building and comparing two domain dicts on every parse (~0.3 ms).
    A loaded model's domain does not change, so it is asked once.
    """
    if processor.domain is None or processor.domain.is_empty():
        processor._check_for_unseen_features = lambda parse_data: None


def _run_sequentially(runner: Any) -> None:
    """Make a loaded model's ``DaskGraphRunner`` run its nodes in a fixed order, without dask.

    Rasa rebuilds the minimal graph and hands it to dask's synchronous
    scheduler on every parse; dask then runs the nodes one after another
    anyway, after ~1.5 ms of bookkeeping. The order for a set of targets is
    worked out once and reused. Exceptions surface exactly as before.
    """
    from rasa.engine.exceptions import GraphRunError

    plans: dict[tuple[str, ...], tuple[dict[str, tuple[Any, ...]], list[str]]] = {}

    def plan_for(targets: tuple[str, ...]) -> tuple[dict[str, tuple[Any, ...]], list[str]]:
        plan = plans.get(targets)
        if plan is None:
            graph = runner._build_dask_graph(runner._graph_schema.minimal_graph_schema(list(targets)))
            order: list[str] = []
            placed: set[str] = set()

            def place(name: str) -> None:
                if name in placed or name not in graph:
                    return
                placed.add(name)
                for need in graph[name][1:]:
                    place(need)
                order.append(name)

            for name in graph:
                place(name)
            plan = plans[targets] = (graph, order)
        return plan

    def run(inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        run_targets = tuple(targets or runner._graph_schema.target_names)
        graph, order = plan_for(run_targets)
        values: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in graph:
                raise GraphRunError(f"Input value '{value}' clashes with a node name. Make sure that none of "
                                    f"the input names passed to the `run` method are the same as node names "
                                    f"in the graph schema.")
            values[name] = (name, value)  # what dask passes a node for a literal input
        try:
            for name in order:
                node, *needs = graph[name]
                values[name] = node(*(values[need] for need in needs))
        except RuntimeError as err:
            raise GraphRunError("Error running runner.") from err
        return dict(values[name] for name in run_targets)  # each node returns (its name, its output)

    runner.run = run
