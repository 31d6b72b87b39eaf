"""Vision errors: a code plus a message in Mandarin first, then English.

``vision`` may not import the hub, so these do not subclass ``GuanjiaError``;
the hub wraps them at its boundary (``raise BadRequest(...) from err``) and the
kiosk logs them. The message is for people at the front desk, hence both languages.
"""

from __future__ import annotations

__all__ = ["VisionError", "FrameSourceError", "VisionModelMissing", "PhotoRejected"]


class VisionError(Exception):
    """Base: ``code`` for machines, ``message`` (zh / en) for people."""

    code = "vision-error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class FrameSourceError(VisionError):
    """A camera, stream, video or image that cannot be opened or read."""

    code = "frame-source"


class VisionModelMissing(VisionError):
    """A dlib model file is not on disk; the message names the package that provides it."""

    code = "model-missing"


class PhotoRejected(VisionError):
    """An enrolment photo that cannot be used: no face, several faces, too small, too blurred."""

    code = "photo-rejected"

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}", code)
        self.zh = zh
        self.en = en
