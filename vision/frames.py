"""Frames from OpenCV: a camera index, an RTSP/HTTP URL, a video file or a still image.

Every source yields ``Frame`` records with the frame's own time (``t_ms`` from the
start of the source: a video's timestamps, a camera's monotonic clock), so the
same greeter code runs on a camera in the lobby and on a video file in a test.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vision.errors import FrameSourceError

__all__ = ["Frame", "read_image", "open_frames", "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


@dataclass(frozen=True, slots=True)
class Frame:
    """One BGR image and where it sits in its source (``t_ms`` from the first frame)."""

    index: int
    t_ms: float
    image: np.ndarray


def read_image(path: Path | str) -> np.ndarray:
    """A still image as BGR.

    :raises FrameSourceError: missing or not an image OpenCV can decode.
    """
    import cv2

    data = np.fromfile(str(path), dtype=np.uint8) if Path(path).is_file() else None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data is not None and data.size else None
    if image is None:
        raise FrameSourceError(f"无法读取图片 / cannot read image {path}")
    return image


def decode_image(data: bytes) -> np.ndarray:
    """Uploaded image bytes as BGR.

    :raises FrameSourceError: not an image OpenCV can decode.
    """
    import cv2

    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        raise FrameSourceError("无法识别的图片格式 / not an image (use JPEG or PNG)", code="bad-image")
    return image


def _spec(source: str | int | Path) -> str | int:
    if isinstance(source, int):
        return source
    text = str(source)
    return int(text) if text.isdigit() else text


def open_frames(source: str | int | Path, max_frames: int | None = None, every: int = 1) -> Iterator[Frame]:
    """Yield frames from ``source`` (camera index, URL, video file, image file), every ``every``-th.

    :raises FrameSourceError: the source cannot be opened (the message names it).
    """
    spec = _spec(source)
    if isinstance(spec, str) and Path(spec).suffix.lower() in IMAGE_SUFFIXES:
        yield Frame(0, 0.0, read_image(spec))
        return
    if isinstance(spec, str) and "://" not in spec and not Path(spec).is_file():
        raise FrameSourceError(f"找不到视频文件 / no such video file: {spec}")
    import cv2

    capture = cv2.VideoCapture(spec)
    if not capture.isOpened():
        raise FrameSourceError(f"无法打开摄像头或视频 / cannot open camera or video {spec!r}")
    live = isinstance(spec, int) or "://" in str(spec)
    started = time.monotonic()
    index = yielded = 0
    try:
        while max_frames is None or yielded < max_frames:
            ok, image = capture.read()
            if not ok or image is None:
                break
            if index % every == 0:
                t_ms = (time.monotonic() - started) * 1000 if live else capture.get(cv2.CAP_PROP_POS_MSEC)
                yield Frame(index, float(t_ms), image)
                yielded += 1
            index += 1
    finally:
        capture.release()
