"""Evaluate the face pipeline on a folder laid out like ``shared/data/faces``.

``gallery/<person>/*.jpg`` are enrolled (through the same photo checks as a real
enrolment), ``probes/<person>/*.jpg`` must be identified as that person and
``strangers/*.jpg`` must stay unknown. Reports top-1 at the chosen threshold,
false accepts, a threshold sweep and per-step timings.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vision.errors import PhotoRejected
from vision.faces import check_enrolment_photo, faces_in
from vision.frames import read_image
from vision.matching import DEFAULT_MARGIN, DEFAULT_THRESHOLD, Gallery

__all__ = ["EvalSet", "embed_folder", "evaluate", "sweep"]

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
SWEEP = tuple(round(0.30 + 0.025 * i, 3) for i in range(15))  # 0.30 … 0.65


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES) if folder.is_dir() else []


@dataclass
class EvalSet:
    """Embeddings of a folder: enrolled per person, probes with their truth, strangers."""

    gallery: dict[str, list[np.ndarray]] = field(default_factory=dict)
    probes: list[tuple[str, str, np.ndarray | None]] = field(default_factory=list)  # (path, person, embedding)
    strangers: list[tuple[str, np.ndarray | None]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (path, code)
    detect_ms: list[float] = field(default_factory=list)
    embed_ms: list[float] = field(default_factory=list)


def _largest(path: Path, out: EvalSet) -> np.ndarray | None:
    faces = faces_in(read_image(path), max_faces=1)
    if not faces:
        return None
    out.detect_ms.append(faces[0].detect_ms)
    out.embed_ms.append(faces[0].embed_ms)
    return faces[0].embedding


def embed_folder(root: Path) -> EvalSet:
    """Detect and embed every image under ``root`` (the slow part: ~0.1 s an image)."""
    out = EvalSet()
    for path in _images(root / "gallery"):
        try:
            face = check_enrolment_photo(read_image(path))
        except PhotoRejected as err:
            out.rejected.append((str(path.relative_to(root)), err.code))
            continue
        out.detect_ms.append(face.detect_ms)
        out.embed_ms.append(face.embed_ms)
        out.gallery.setdefault(path.parent.name, []).append(face.embedding)
    for path in _images(root / "probes"):
        out.probes.append((str(path.relative_to(root)), path.parent.name, _largest(path, out)))
    for path in _images(root / "strangers"):
        out.strangers.append((str(path.relative_to(root)), _largest(path, out)))
    return out


def _score(data: EvalSet, gallery: Gallery, threshold: float, margin: float) -> dict[str, Any]:
    correct = wrong = unknown = 0
    for _, person, embedding in data.probes:
        match = gallery.match(embedding, threshold, margin) if embedding is not None else None
        if match is None or match.owner_id is None:
            unknown += 1
        elif match.owner_id == person:
            correct += 1
        else:
            wrong += 1
    false_accepts = sum(1 for _, e in data.strangers
                        if e is not None and gallery.match(e, threshold, margin).owner_id is not None)
    n = max(1, len(data.probes))
    return {"threshold": threshold, "margin": margin, "top1": round(correct / n, 4), "probe_unknown": unknown,
            "probe_wrong": wrong, "false_accepts": false_accepts}


def sweep(data: EvalSet, margin: float = DEFAULT_MARGIN, thresholds: tuple[float, ...] = SWEEP
          ) -> list[dict[str, Any]]:
    """Top-1 and false accepts at each threshold (same margin)."""
    gallery = Gallery(data.gallery)
    return [_score(data, gallery, t, margin) for t in thresholds]


def leave_people_out(data: EvalSet, threshold: float, margin: float, gallery_size: int = 10, rounds: int = 40,
                     seed: int = 0) -> dict[str, Any]:
    """How the threshold generalises to people it has never seen.

    Enrol a random ``gallery_size`` of the gallery; the probes of everyone left
    out join the strangers as impostors. Repeated ``rounds`` times with a fixed
    seed, so the figure is stable between runs.
    """
    import random

    rng = random.Random(seed)
    people = sorted(data.gallery)
    size = min(gallery_size, max(1, len(people) - 1))
    accepted = impostors = correct = genuine = 0
    for _ in range(rounds if len(people) > 1 else 0):
        chosen = set(rng.sample(people, size))
        gallery = Gallery({p: data.gallery[p] for p in chosen})
        others = [e for _, e in data.strangers] + [e for _, p, e in data.probes if p not in chosen]
        for embedding in (e for e in others if e is not None):
            impostors += 1
            accepted += gallery.match(embedding, threshold, margin).owner_id is not None
        for person, embedding in ((p, e) for _, p, e in data.probes if p in chosen and e is not None):
            genuine += 1
            correct += gallery.match(embedding, threshold, margin).owner_id == person
    return {"gallery_size": size, "rounds": rounds, "impostor_lookups": impostors,
            "false_accept_rate": round(accepted / max(1, impostors), 4), "top1": round(correct / max(1, genuine), 4)}


def _p50(values: list[float]) -> float:
    return round(statistics.median(values), 1) if values else 0.0


def evaluate(data: EvalSet, threshold: float = DEFAULT_THRESHOLD, margin: float = DEFAULT_MARGIN) -> dict[str, Any]:
    """The summary ``guanjia faces eval --json`` prints."""
    gallery = Gallery(data.gallery)
    summary = _score(data, gallery, threshold, margin)
    same = [gallery.distances(e)[p] for _, p, e in data.probes if e is not None and p in gallery.owner_ids]
    strangers = [min(gallery.distances(e).values()) for _, e in data.strangers if e is not None and len(gallery)]
    summary.update({
        "enrolled": len(gallery), "probes": len(data.probes), "strangers": len(data.strangers),
        "gallery_rejected": data.rejected,
        "probes_without_face": sum(e is None for _, _, e in data.probes),
        "strangers_without_face": sum(e is None for _, e in data.strangers),
        "same_person_distance_max": round(max(same), 4) if same else None,
        "same_person_distance_p95": round(float(np.percentile(same, 95)), 4) if same else None,
        "stranger_distance_min": round(min(strangers), 4) if strangers else None,
        "detect_ms_p50": _p50(data.detect_ms), "embed_ms_p50": _p50(data.embed_ms),
        "embed_ms_max": round(max(data.embed_ms), 1) if data.embed_ms else 0.0,
        "sweep": sweep(data, margin),
        "leave_out": leave_people_out(data, threshold, margin),
    })
    return summary
