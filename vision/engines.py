"""The three dlib models, loaded once per process on first use (about 0.5 s, ~100 MB).

dlib objects are not documented as thread-safe, so every call into them goes
through ``Engines.lock``; the hub only embeds at enrolment and the kiosk has one
camera thread, so the lock is never contended in practice.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vision.errors import VisionModelMissing

__all__ = ["Engines", "get_engines"]

_LOAD_LOCK = threading.Lock()
_ENGINES: list[Engines] = []  # the one cached instance (a constant list holding it, never rebound)


@dataclass(frozen=True)
class Engines:
    """dlib's HOG frontal detector, 5-point shape predictor and ResNet face embedder."""

    detector: Any
    predictor: Any
    embedder: Any
    lock: threading.Lock

    @property
    def describe(self) -> str:
        return "dlib HOG + 5-point alignment + ResNet-34 (128-d)"


def _model_paths() -> tuple[Path, Path]:
    try:
        import face_recognition_models as frm
    except ImportError as err:
        raise VisionModelMissing("缺少人脸模型包 / the face_recognition_models package is not installed; "
                                 "run `.venv/bin/pip install face-recognition-models==0.3.0`") from err
    predictor = Path(frm.pose_predictor_five_point_model_location())
    embedder = Path(frm.face_recognition_model_location())
    for path in (predictor, embedder):
        if not path.is_file():
            raise VisionModelMissing(f"人脸模型文件缺失 / face model file missing: {path}; "
                                     "reinstall face-recognition-models")
    return predictor, embedder


def get_engines() -> Engines:
    """The process's dlib models, loading them on the first call.

    :raises VisionModelMissing: the model files are not installed.
    """
    if _ENGINES:
        return _ENGINES[0]
    with _LOAD_LOCK:
        if not _ENGINES:
            import dlib

            predictor, embedder = _model_paths()
            _ENGINES.append(Engines(detector=dlib.get_frontal_face_detector(),
                                    predictor=dlib.shape_predictor(str(predictor)),
                                    embedder=dlib.face_recognition_model_v1(str(embedder)),
                                    lock=threading.Lock()))
    return _ENGINES[0]
