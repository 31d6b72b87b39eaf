"""Audio formats, WAV headers, and conversion to the recogniser's 16 kHz mono 16-bit PCM.

Python 3.10's ``wave`` module reads only plain PCM and cannot tell a truncated file
from a short one, so WAV headers are parsed here: PCM 8/16/24/32-bit, IEEE float
32/64-bit and WAVE_FORMAT_EXTENSIBLE of either are accepted; compressed codecs
(A-law, µ-law, ADPCM, MP3-in-WAV) are refused with a message saying so.

Conversion is streaming and exact: ``StreamConverter`` resamples with
``scipy.signal.resample_poly`` on blocks that carry enough context on both sides
for the polyphase filter, so the output equals converting the whole file at once
(a file and a microphone go through the same code).
"""

from __future__ import annotations

import logging
import math
import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from audio.errors import AudioFormatError, EmptyAudio, TruncatedAudio

__all__ = ["AudioFormat", "MODEL_FORMAT", "WavInfo", "read_wav_header", "read_wav",
           "write_wav", "to_float_mono", "float_to_pcm16", "StreamConverter"]

_LOGGER = logging.getLogger(__name__)

_PCM, _FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
_CODEC_NAMES = {0x0002: "MS ADPCM", 0x0006: "A-law", 0x0007: "µ-law", 0x0011: "IMA ADPCM",
                0x0031: "GSM 6.10", 0x0055: "MP3"}
_STREAMED_SIZES = {0, 0xFFFFFFFF}  # writers that could not seek back set these


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """Raw PCM layout: samples per second, bytes per sample, interleaved channels."""

    rate_hz: int
    width_bytes: int = 2
    """1 (unsigned 8-bit), 2, 3, 4 for integers; 4 or 8 for floats."""
    channels: int = 1
    is_float: bool = False

    def __post_init__(self) -> None:
        if not 1000 <= self.rate_hz <= 384_000:
            raise AudioFormatError(f"sample rate {self.rate_hz} Hz is not a plausible audio rate")
        allowed = (4, 8) if self.is_float else (1, 2, 3, 4)
        if self.width_bytes not in allowed:
            kind = "float" if self.is_float else "integer"
            raise AudioFormatError(f"{kind} samples of {self.width_bytes} bytes are not supported "
                                   f"(use {' or '.join(str(w * 8) for w in allowed)}-bit)")
        if not 1 <= self.channels <= 32:
            raise AudioFormatError(f"{self.channels} channels is not supported (1–32)")

    @property
    def frame_bytes(self) -> int:
        """Bytes per sample frame (one sample of every channel)."""
        return self.width_bytes * self.channels

    @property
    def bytes_per_second(self) -> int:
        return self.rate_hz * self.frame_bytes

    def duration_ms(self, nbytes: int) -> float:
        """Milliseconds of audio in ``nbytes`` of this format."""
        return nbytes / self.bytes_per_second * 1000

    def bytes_for_ms(self, milliseconds: float) -> int:
        """Whole frames' worth of bytes for ``milliseconds`` of audio."""
        return int(self.rate_hz * milliseconds / 1000) * self.frame_bytes

    def describe(self) -> str:
        kind = "float" if self.is_float else ("u8" if self.width_bytes == 1 else "s")
        bits = "" if kind == "u8" else str(self.width_bytes * 8)
        return f"{self.rate_hz} Hz, {kind}{bits}, {self.channels} ch"


MODEL_FORMAT = AudioFormat(16_000, 2, 1)
"""What Vosk's small models and webrtcvad want: 16 kHz, signed 16-bit, mono."""


@dataclass(frozen=True, slots=True)
class WavInfo:
    """Where the samples of a WAV file are: format, byte offset and length of ``data``."""

    fmt: AudioFormat
    data_offset: int
    data_bytes: int

    @property
    def duration_ms(self) -> float:
        return self.fmt.duration_ms(self.data_bytes)


def read_wav_header(path: Path) -> WavInfo:
    """Parse a RIFF/WAVE header.

    :raise EmptyAudio: a 0-byte file, or a header with no samples.
    :raise TruncatedAudio: the file ends before the header or the samples it announces.
    :raise AudioFormatError: not a WAV, or a codec/width we do not decode.
    """
    size = path.stat().st_size
    if size == 0:
        raise EmptyAudio(f"{path} is empty (0 bytes)")
    with path.open("rb") as handle:
        riff = handle.read(12)
        if len(riff) < 12 or riff[:4] not in (b"RIFF", b"RIFX", b"RF64") or riff[8:12] != b"WAVE":
            if riff[:4] == b"RIFF" and len(riff) < 12:
                raise TruncatedAudio(f"{path} is truncated: it ends inside the RIFF header")
            raise AudioFormatError(f"{path} is not a WAV file (no RIFF/WAVE header)")
        if riff[:4] != b"RIFF":
            raise AudioFormatError(f"{path}: {riff[:4].decode()} WAV files are not supported; "
                                   "convert to a little-endian RIFF WAV")
        fmt: AudioFormat | None = None
        while True:
            header = handle.read(8)
            if len(header) < 8:
                what = "the 'data' chunk" if fmt else "the 'fmt ' chunk"
                raise TruncatedAudio(f"{path} is truncated: it ends before {what}")
            chunk_id, chunk_size = header[:4], struct.unpack("<I", header[4:])[0]
            if chunk_id == b"fmt ":
                fmt = _parse_fmt(path, handle.read(chunk_size))
                handle.seek(chunk_size & 1, 1)
            elif chunk_id == b"data":
                if fmt is None:
                    raise AudioFormatError(f"{path}: 'data' comes before 'fmt ' (corrupt header)")
                return _data_info(path, fmt, handle.tell(), chunk_size, size)
            else:
                handle.seek(chunk_size + (chunk_size & 1), 1)


def _parse_fmt(path: Path, body: bytes) -> AudioFormat:
    if len(body) < 16:
        raise TruncatedAudio(f"{path} is truncated: its 'fmt ' chunk is {len(body)} bytes")
    tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == _EXTENSIBLE:
        if len(body) < 40:
            raise AudioFormatError(f"{path}: WAVE_FORMAT_EXTENSIBLE header too short")
        tag = struct.unpack("<H", body[24:26])[0]
    if tag not in (_PCM, _FLOAT):
        name = _CODEC_NAMES.get(tag, f"format 0x{tag:04x}")
        raise AudioFormatError(f"{path} is {name}-encoded; only PCM and float WAV are supported "
                               "(convert it to 16-bit PCM)")
    if channels == 0 or block_align == 0:
        raise AudioFormatError(f"{path}: header says {channels} channels, block {block_align}")
    width = block_align // channels
    if bits and math.ceil(bits / 8) != width:
        _LOGGER.debug("%s: %d-bit samples in %d-byte containers", path, bits, width)
    return AudioFormat(rate, width, channels, is_float=tag == _FLOAT)


def _data_info(path: Path, fmt: AudioFormat, offset: int, declared: int, size: int) -> WavInfo:
    available = size - offset
    if declared in _STREAMED_SIZES and available > 0:
        _LOGGER.info("%s: streamed WAV (data size %d in header); reading to end of file",
                     path, declared)
        declared = available - available % fmt.frame_bytes
    if declared > available or declared % fmt.frame_bytes:
        raise TruncatedAudio(f"{path} is truncated: its header announces {declared} bytes of "
                             f"audio but the file holds {available}")
    if declared == 0:
        raise EmptyAudio(f"{path} holds no audio samples")
    return WavInfo(fmt, offset, declared)


def read_wav(path: Path) -> tuple[AudioFormat, bytes]:
    """The whole sample data of a WAV file and its format (see ``read_wav_header``)."""
    info = read_wav_header(path)
    with path.open("rb") as handle:
        handle.seek(info.data_offset)
        return info.fmt, handle.read(info.data_bytes)


def write_wav(target: Path | BinaryIO, pcm: bytes, fmt: AudioFormat = MODEL_FORMAT) -> None:
    """Write integer PCM as a WAV file (float formats are converted by the caller)."""
    if fmt.is_float:
        raise AudioFormatError("write_wav writes integer PCM; convert float samples first")
    with wave.open(target if not isinstance(target, Path) else str(target), "wb") as out:
        out.setnchannels(fmt.channels)
        out.setsampwidth(fmt.width_bytes)
        out.setframerate(fmt.rate_hz)
        out.writeframes(pcm)


def to_float_mono(pcm: bytes, fmt: AudioFormat) -> np.ndarray:
    """Samples in [-1, 1) as float64, channels averaged (``pcm`` must hold whole frames)."""
    width = fmt.width_bytes
    if fmt.is_float:
        samples = np.frombuffer(pcm, "<f4" if width == 4 else "<f8").astype(np.float64)
    elif width == 1:
        samples = (np.frombuffer(pcm, np.uint8).astype(np.float64) - 128.0) / 128.0
    elif width == 2:
        samples = np.frombuffer(pcm, "<i2") / 32768.0
    elif width == 3:
        raw = np.frombuffer(pcm, np.uint8).reshape(-1, 3).astype(np.int32)
        joined = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        samples = np.where(joined >= 1 << 23, joined - (1 << 24), joined) / float(1 << 23)
    else:
        samples = np.frombuffer(pcm, "<i4") / float(1 << 31)
    if fmt.channels > 1:
        samples = samples.reshape(-1, fmt.channels).mean(axis=1)
    return samples


def float_to_pcm16(samples: np.ndarray) -> bytes:
    """Round and clip float samples in [-1, 1) to signed 16-bit little-endian bytes."""
    return np.clip(np.rint(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()


class StreamConverter:
    """Convert a stream in any ``AudioFormat`` to 16 kHz mono s16, chunk by chunk.

    Output equals converting the whole stream at once: each resampling block is
    processed with ``margin`` input samples of real context on both sides (the
    polyphase filter's reach), which costs ``margin`` samples of delay (≤ 10 ms).
    Partial sample frames at the end of a chunk are kept for the next one.
    """

    def __init__(self, fmt: AudioFormat, target: AudioFormat = MODEL_FORMAT) -> None:
        if target != MODEL_FORMAT:
            raise AudioFormatError("the converter only produces 16 kHz mono s16")
        self.fmt = fmt
        self.passthrough = fmt == target
        gcd = math.gcd(fmt.rate_hz, target.rate_hz)
        self._up, self._down = target.rate_hz // gcd, fmt.rate_hz // gcd
        half_len = 10 * max(self._up, self._down)  # scipy's default filter half-length
        reach = math.ceil(half_len / self._up) + 1
        self._margin = math.ceil(reach / self._down) * self._down
        self._leftover = b""
        self._history = np.zeros(self._margin)
        self._pending = np.zeros(0)
        self._inputs = 0
        self._outputs = 0

    def convert(self, pcm: bytes) -> bytes:
        """Converted bytes for ``pcm`` (possibly fewer: some wait for right-hand context)."""
        if self.passthrough:
            return pcm
        data = self._leftover + pcm
        whole = len(data) - len(data) % self.fmt.frame_bytes
        self._leftover = data[whole:]
        if whole == 0:
            return b""
        samples = to_float_mono(data[:whole], self.fmt)
        self._inputs += len(samples)
        if self._up == self._down:
            return float_to_pcm16(samples)
        self._pending = np.concatenate([self._pending, samples])
        usable = len(self._pending) - self._margin
        block = usable - usable % self._down
        return self._resample(block) if block > 0 else b""

    def flush(self) -> bytes:
        """The rest of the stream (the end padded with silence, as whole-file conversion does)."""
        if self.passthrough or self._up == self._down:
            if self._leftover:
                _LOGGER.warning("dropping %d bytes of a partial sample frame at end of stream",
                                len(self._leftover))
            return b""
        block = len(self._pending)
        pad = (-block) % self._down + self._margin
        self._pending = np.concatenate([self._pending, np.zeros(pad)])
        out = self._resample(block + (-block) % self._down)
        total = math.ceil(self._inputs * self._up / self._down)
        excess = self._outputs - total
        if excess > 0:
            out = out[: len(out) - 2 * excess]
            self._outputs = total
        return out

    def _resample(self, block: int) -> bytes:
        from scipy.signal import resample_poly

        margin = self._margin
        segment = np.concatenate([self._history, self._pending[: block + margin]])
        resampled = resample_poly(segment, self._up, self._down)
        start = margin * self._up // self._down
        out = resampled[start: start + block * self._up // self._down]
        self._history = np.concatenate([self._history, self._pending[:block]])[-margin:]
        self._pending = self._pending[block:]
        self._outputs += len(out)
        return float_to_pcm16(out)
