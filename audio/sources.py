"""Where audio comes from: a WAV file, a raw PCM stream, or a microphone.

Every source yields ``AudioChunk``s in its own format; the pipeline converts them.
Timestamps advance by the audio's duration, never by wall time, so a file read at
full speed and a microphone heard in real time give the same timeline. Headers and
devices are checked when a source is built (prepare, then run): a bad file or a
missing microphone fails before any audio flows.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from audio.errors import AudioError, EmptyAudio, NoAudioDevice
from audio.formats import MODEL_FORMAT, AudioFormat, read_wav_header

__all__ = ["AudioChunk", "AudioSource", "WavFileSource", "RawPcmSource", "MicrophoneSource",
           "list_devices", "resolve_device"]

_LOGGER = logging.getLogger(__name__)

DEFAULT_CHUNK_MS = 100  # file reads; the pipeline re-frames to 30 ms anyway


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """Raw audio bytes in ``fmt``, starting ``timestamp_ms`` after the stream started."""

    audio: bytes
    fmt: AudioFormat
    timestamp_ms: float

    @property
    def duration_ms(self) -> float:
        return self.fmt.duration_ms(len(self.audio))


class AudioSource(Protocol):
    """Anything the pipeline can listen to."""

    fmt: AudioFormat
    name: str

    def __iter__(self) -> Iterator[AudioChunk]: ...

    def close(self) -> None: ...


class _StreamTimeline:
    """Turns consecutive byte counts into chunk timestamps (audio time, not wall time)."""

    def __init__(self, fmt: AudioFormat) -> None:
        self.fmt = fmt
        self.total_bytes = 0

    def chunk(self, audio: bytes) -> AudioChunk:
        chunk = AudioChunk(audio, self.fmt, self.fmt.duration_ms(self.total_bytes))
        self.total_bytes += len(audio)
        return chunk


class WavFileSource:
    """A WAV file of any PCM/float layout, read in ``chunk_ms`` pieces.

    :raise EmptyAudio / TruncatedAudio / AudioFormatError: at construction.
    """

    def __init__(self, path: Path, chunk_ms: int = DEFAULT_CHUNK_MS) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise AudioError(f"{self.path}: no such file", code="audio-not-found")
        self.info = read_wav_header(self.path)
        self.fmt = self.info.fmt
        self.name = str(self.path)
        self._chunk_bytes = max(self.fmt.frame_bytes, self.fmt.bytes_for_ms(chunk_ms))

    def __iter__(self) -> Iterator[AudioChunk]:
        timeline = _StreamTimeline(self.fmt)
        with self.path.open("rb") as handle:
            handle.seek(self.info.data_offset)
            remaining = self.info.data_bytes
            while remaining > 0:
                data = handle.read(min(self._chunk_bytes, remaining))
                if not data:
                    break
                remaining -= len(data)
                yield timeline.chunk(data)

    def close(self) -> None:
        """Nothing to release: the file is opened per iteration."""


class RawPcmSource:
    """Headerless PCM from a binary stream (a pipe, stdin, a socket file) in a stated format.

    :raise EmptyAudio: while iterating, if the stream ends without a single sample.
    """

    def __init__(self, stream: BinaryIO, fmt: AudioFormat, chunk_ms: int = DEFAULT_CHUNK_MS,
                 name: str = "raw stream") -> None:
        self.stream = stream
        self.fmt = fmt
        self.name = name
        self._chunk_bytes = max(fmt.frame_bytes, fmt.bytes_for_ms(chunk_ms))

    def __iter__(self) -> Iterator[AudioChunk]:
        timeline = _StreamTimeline(self.fmt)
        while True:
            data = self.stream.read(self._chunk_bytes)
            if not data:
                break
            yield timeline.chunk(data)
        if timeline.total_bytes == 0:
            raise EmptyAudio(f"{self.name} ended without any audio")

    def close(self) -> None:
        self.stream.close()


def _sounddevice() -> Any:
    """Import sounddevice, turning a missing PortAudio into a clear ``NoAudioDevice``."""
    try:
        import sounddevice
    except OSError as err:  # the PortAudio shared library is absent
        raise NoAudioDevice("PortAudio is not installed (Debian: apt-get install libportaudio2); "
                            "files still work: use --wav FILE") from err
    return sounddevice


def list_devices(kind: str = "input") -> list[tuple[int, str]]:
    """``(index, name)`` of the devices that can record (``input``) or play (``output``)."""
    sd = _sounddevice()
    key = "max_input_channels" if kind == "input" else "max_output_channels"
    try:
        devices = sd.query_devices()
    except sd.PortAudioError as err:
        raise NoAudioDevice(f"PortAudio cannot list audio devices: {err}") from err
    return [(index, dev["name"]) for index, dev in enumerate(devices) if dev[key] > 0]


def resolve_device(device: str | int | None, kind: str = "input") -> int:
    """The device index for a name (case-insensitive substring), an index, or the default.

    :raise NoAudioDevice: no such device, or none at all; the message lists what exists.
    """
    available = list_devices(kind)
    hint = ("use --wav FILE to listen to a file" if kind == "input"
            else "use --out FILE to write a WAV instead")
    if not available:
        raise NoAudioDevice(f"no audio {kind} device found on this machine; {hint}")
    listing = "; ".join(f"{i}: {name}" for i, name in available)
    if device is None:
        sd = _sounddevice()
        default = sd.default.device[0 if kind == "input" else 1]
        return default if default is not None and default >= 0 else available[0][0]
    if isinstance(device, int) or str(device).isdigit():
        index = int(device)
        if any(i == index for i, _ in available):
            return index
        raise NoAudioDevice(f"no audio {kind} device with index {index}; available: {listing}")
    matches = [i for i, name in available if str(device).lower() in name.lower()]
    if not matches:
        raise NoAudioDevice(f"no audio {kind} device named {device!r}; available: {listing}")
    return matches[0]


class MicrophoneSource:
    """Live capture through sounddevice (PortAudio).

    The PortAudio callback only enqueues bytes; iteration drains the queue until
    ``close()`` puts the ``None`` sentinel. The device is opened at 16 kHz mono when
    it supports that, else at its own rate (the pipeline resamples).

    :raise NoAudioDevice: at construction, when the device does not exist.
    """

    def __init__(self, device: str | int | None = None, block_ms: int = 30) -> None:
        sd = _sounddevice()
        self.device = resolve_device(device, "input")
        info = sd.query_devices(self.device)
        self.name = str(info["name"])
        rate = MODEL_FORMAT.rate_hz
        try:
            sd.check_input_settings(device=self.device, samplerate=rate, channels=1,
                                    dtype="int16")
        except sd.PortAudioError:
            rate = int(info["default_samplerate"])
        self.fmt = AudioFormat(rate, 2, 1)
        self._block_frames = max(1, rate * block_ms // 1000)
        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self._stream: Any = None
        self.overflows = 0

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        if status:
            self.overflows += 1
        self._queue.put(bytes(indata))

    def __iter__(self) -> Iterator[AudioChunk]:
        sd = _sounddevice()
        timeline = _StreamTimeline(self.fmt)
        try:
            self._stream = sd.RawInputStream(samplerate=self.fmt.rate_hz, channels=1,
                                             dtype="int16", device=self.device,
                                             blocksize=self._block_frames,
                                             callback=self._callback)
            self._stream.start()
        except sd.PortAudioError as err:
            raise NoAudioDevice(f"cannot open microphone {self.name!r}: {err}") from err
        _LOGGER.info("listening on %s (%s)", self.name, self.fmt.describe())
        while True:
            data = self._queue.get()
            if data is None:
                break
            yield timeline.chunk(data)
        if self.overflows:
            _LOGGER.warning("microphone %s overflowed %d times", self.name, self.overflows)

    def close(self) -> None:
        """Stop capture and end iteration (safe to call from another thread)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()
        self._queue.put(None)
