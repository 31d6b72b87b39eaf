"""Who is this? The nearest enrolled owner, if near enough and clearly nearer than the next.

Distances are Euclidean between dlib's 128-d embeddings. An owner's distance is
the smallest over their enrolled embeddings. A face is identified only when the
best owner is within ``threshold`` *and* the runner-up owner is at least
``margin`` further away; anything else is unknown (never a guess), because
greeting the wrong person by name in a lobby is worse than not greeting.

The defaults come from ``guanjia faces eval`` on the shared face set (30 people,
65 probes, 24 strangers). Same-person distances reach 0.55 (p95 0.45) and the
nearest stranger is at 0.41, so dlib's usual 0.6 accepts 4 of 24 strangers even
with the margin (10 without). With a 0.02 margin no stranger is accepted for any
threshold up to 0.525, and top-1 reaches 98.5 % from 0.50: 0.50 is the lowest
threshold that meets the accuracy target, which keeps the widest gap (0.05) to
the first false accept at 0.55. The kiosk's k-of-n vote adds a second guard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from vision.faces import EMBEDDING_DIM

__all__ = ["Gallery", "Match", "DEFAULT_THRESHOLD", "DEFAULT_MARGIN", "validate_embedding"]

DEFAULT_THRESHOLD = 0.50
"""Largest accepted distance to the best owner."""
DEFAULT_MARGIN = 0.02
"""Smallest gap between the best and the second-best owner's distances."""


def validate_embedding(values: object) -> np.ndarray:
    """A JSON list of 128 finite numbers → float32 vector.

    :raises ValueError: not a list, wrong length, non-numbers, NaN or infinity (the message says which).
    """
    if not isinstance(values, list):
        raise ValueError("'embedding' must be a list of numbers")
    if len(values) != EMBEDDING_DIM:
        raise ValueError(f"'embedding' must have {EMBEDDING_DIM} numbers, got {len(values)}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise ValueError("'embedding' must contain only numbers")
    vector = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(vector)):
        raise ValueError("'embedding' contains NaN or infinity")
    if np.abs(vector).max() > 10:
        raise ValueError("'embedding' values are out of range for a face embedding")
    return vector.astype(np.float32)


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome of one lookup; ``owner_id`` is None when the face stays unknown."""

    owner_id: str | None
    distance: float | None
    """Distance to the nearest owner (None with an empty gallery)."""
    nearest_id: str | None
    second_distance: float | None
    reason: str
    """``match`` | ``too-far`` | ``ambiguous`` | ``empty-gallery``."""


class Gallery:
    """Enrolled embeddings, one matrix for fast lookups."""

    def __init__(self, embeddings: Mapping[str, Iterable[np.ndarray]]) -> None:
        ids: list[str] = []
        rows: list[np.ndarray] = []
        for owner_id, vectors in embeddings.items():
            for vector in vectors:
                ids.append(owner_id)
                rows.append(np.asarray(vector, dtype=np.float32))
        self._ids = np.asarray(ids)
        self._matrix = np.vstack(rows) if rows else np.zeros((0, EMBEDDING_DIM), np.float32)
        self.owner_ids = sorted(set(ids))

    def __len__(self) -> int:
        return len(self.owner_ids)

    def distances(self, embedding: np.ndarray) -> dict[str, float]:
        """Each owner's smallest distance to ``embedding``."""
        if not len(self._ids):
            return {}
        per_row = np.linalg.norm(self._matrix - embedding[None, :], axis=1)
        out: dict[str, float] = {}
        for owner_id, distance in zip(self._ids.tolist(), per_row.tolist(), strict=True):
            if distance < out.get(owner_id, np.inf):
                out[owner_id] = distance
        return out

    def match(self, embedding: np.ndarray, threshold: float = DEFAULT_THRESHOLD,
              margin: float = DEFAULT_MARGIN) -> Match:
        """The owner this face belongs to, or an unknown ``Match`` saying why."""
        ranked = sorted(self.distances(embedding).items(), key=lambda item: item[1])
        if not ranked:
            return Match(None, None, None, None, "empty-gallery")
        best_id, best = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else None
        if best > threshold:
            return Match(None, best, best_id, second, "too-far")
        if second is not None and second - best < margin:
            return Match(None, best, best_id, second, "ambiguous")
        return Match(best_id, best, best_id, second, "match")
