"""Shared helpers for the face tests: the shared photo set and embeddings computed once."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from shared_data import FACES


def faces_dir() -> Path:
    """The shared face set; fail (never skip) when it is absent."""
    if not (FACES / "gallery").is_dir():
        pytest.fail(f"face test set missing: expected {FACES} (gallery/, probes/, strangers/, multi/)", pytrace=False)
    return FACES


@functools.cache
def embedding_of(relative: str) -> np.ndarray:
    """The largest face's embedding in a photo of the shared set (cached for the session)."""
    from vision.faces import faces_in
    from vision.frames import read_image

    faces = faces_in(read_image(faces_dir() / relative), max_faces=1)
    assert faces, f"no face in {relative}"
    return faces[0].embedding


def photo(relative: str):
    from assistant.faces import Photo

    path = faces_dir() / relative
    return Photo(path.name, path.read_bytes())
