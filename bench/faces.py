"""Face benchmark: model load, detection and embedding per face, matching, a kiosk frame.

The machine is shared and noisy, so every timing is compared with a baseline
measured in the same run, interleaved: a fixed numpy workload (a 256x256
float32 matrix product, 8 times) whose cost tracks the CPU we actually got.
Prints figures, then one JSON line.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.shared_data import FACES  # noqa: E402  (the team share; GUANJIA_SHARED_DATA moves it)
from vision.engines import get_engines  # noqa: E402
from vision.faces import detect_faces, embed_face  # noqa: E402
from vision.frames import read_image  # noqa: E402
from vision.matching import Gallery  # noqa: E402

ROUNDS = 3
N_IMAGES = 20
BASELINE = np.random.default_rng(0).standard_normal((256, 256)).astype(np.float32)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def baseline_ms() -> float:
    started = time.perf_counter()
    product = BASELINE
    for _ in range(8):
        product = (product @ BASELINE) / 256
    return (time.perf_counter() - started) * 1000


def kiosk_frame(image: np.ndarray) -> np.ndarray:
    """The probe pasted into a 640x480 frame, as the kiosk camera would deliver it."""
    import cv2

    frame = np.full((480, 640, 3), 110, np.uint8)
    scale = min(1.0, 300 / max(image.shape[:2]))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame[80:80 + small.shape[0], 150:150 + small.shape[1]] = small
    return frame


def main() -> None:
    if not (FACES / "gallery").is_dir():
        sys.exit(f"face set missing: {FACES}")
    started = time.perf_counter()
    get_engines()
    load_s = time.perf_counter() - started
    paths = sorted((FACES / "probes").rglob("*.jpg"))[:N_IMAGES]
    images = [read_image(p) for p in paths]
    frames = [kiosk_frame(i) for i in images]
    detect, embed, frame_ms, base = [], [], [], []
    for _ in range(ROUNDS):  # interleave so the baseline sees the same machine load
        for image, frame in zip(images, frames, strict=True):
            base.append(baseline_ms())
            t0 = time.perf_counter()
            boxes = detect_faces(image)
            t1 = time.perf_counter()
            embed_face(image, boxes[0])
            t2 = time.perf_counter()
            detect.append((t1 - t0) * 1000)
            embed.append((t2 - t1) * 1000)
            t3 = time.perf_counter()
            embed_face(frame, detect_faces(frame, upsample=None)[0])  # the greeter's live-frame mode
            frame_ms.append((time.perf_counter() - t3) * 1000)
    rng = np.random.default_rng(1)
    big = Gallery({f"o-{i}": [rng.standard_normal(128).astype(np.float32) * 0.09 for _ in range(3)]
                   for i in range(2000)})
    probe = rng.standard_normal(128).astype(np.float32) * 0.09
    match = []
    for _ in range(50):
        t0 = time.perf_counter()
        big.match(probe)
        match.append((time.perf_counter() - t0) * 1000)
    p50 = statistics.median
    figures = {
        "bench": "faces", "images": len(images), "rounds": ROUNDS, "model_load_s": round(load_s, 2),
        "detect_ms_p50": round(p50(detect), 1), "detect_ms_p95": round(percentile(detect, 0.95), 1),
        "embed_ms_p50": round(p50(embed), 1), "embed_ms_p95": round(percentile(embed, 0.95), 1),
        "kiosk_frame_ms_p50": round(p50(frame_ms), 1), "kiosk_frame_ms_p95": round(percentile(frame_ms, 0.95), 1),
        "match_2000_owners_ms_p50": round(p50(match), 2),
        "baseline_ms_p50": round(p50(base), 2),
        "embed_over_baseline": round(p50(embed) / p50(base), 2),
        "detect_over_baseline": round(p50(detect) / p50(base), 2),
    }
    print(f"models load           {figures['model_load_s']} s")
    print(f"detect (HOG, 640 px)  p50 {figures['detect_ms_p50']} ms  p95 {figures['detect_ms_p95']} ms"
          f"  → {figures['detect_over_baseline']}x baseline")
    print(f"embed (ResNet)        p50 {figures['embed_ms_p50']} ms  p95 {figures['embed_ms_p95']} ms"
          f"  → {figures['embed_over_baseline']}x baseline")
    print(f"kiosk frame 640x480   p50 {figures['kiosk_frame_ms_p50']} ms  p95 {figures['kiosk_frame_ms_p95']} ms"
          " (detect + embed)")
    print(f"match, 2000 owners    p50 {figures['match_2000_owners_ms_p50']} ms")
    print(f"baseline (numpy)      p50 {figures['baseline_ms_p50']} ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
