"""The speech error family: every failure in ``audio/`` is an ``AudioError`` with a code.

They subclass the hub's ``GuanjiaError`` so a device that reports one over HTTP, or
a CLI command that prints one, uses the same ``{"code", "message"}`` shape. The
message is for people and names the fix where there is one (a command to run, a
flag to pass). Foreign exceptions (wave, PortAudio, Vosk, espeak) are wrapped at
the boundary with ``raise ... from err``.
"""

from __future__ import annotations

from assistant.errors import GuanjiaError, ModelMissing

__all__ = [
    "AudioError",
    "AudioFormatError",
    "EmptyAudio",
    "TruncatedAudio",
    "NoAudioDevice",
    "SttError",
    "SpeechModelMissing",
    "ModelInvalid",
    "ModelDownloadError",
    "TtsError",
]


class AudioError(GuanjiaError):
    """Base of every speech error (code ``audio-error`` unless a subclass says more)."""

    code = "audio-error"


class AudioFormatError(AudioError):
    """The audio cannot be converted to the model's format (codec, width, rate, header)."""

    code = "audio-format"


class EmptyAudio(AudioFormatError):
    """A file or stream that holds no samples at all."""

    code = "audio-empty"


class TruncatedAudio(AudioFormatError):
    """A WAV whose header promises more samples than the file holds."""

    code = "audio-truncated"


class NoAudioDevice(AudioError):
    """No microphone or speaker (or not the one asked for); the message says what exists."""

    http_status = 503
    code = "no-audio-device"


class SttError(AudioError):
    """The recogniser failed (model could not load, decoding failed)."""

    http_status = 503
    code = "stt-failed"


class SpeechModelMissing(AudioError, ModelMissing):
    """The configured Vosk model is not on disk; the message names the command that installs it."""

    http_status = 503
    code = "model-missing"


class ModelInvalid(AudioError):
    """A directory or zip that does not have a Vosk model's layout."""

    code = "model-invalid"


class ModelDownloadError(AudioError):
    """A model download failed (network, HTTP status, size mismatch, corrupt zip)."""

    http_status = 502
    code = "model-download-failed"


class TtsError(AudioError):
    """Speech synthesis failed or the engine is not the one we need (wrong espeak-ng)."""

    http_status = 503
    code = "tts-failed"
