"""Playing a reply: to the speaker or a WAV file, stopped by barge-in, traced.

``speak`` writes the synthesiser's stream to a sink in ``BLOCK_MS`` blocks and,
between blocks, lets a ``BargeIn`` monitor hear as much microphone audio as was
just played (a duplex device runs both at the same clock). When the monitor's
endpointer detects the start of speech, playback stops and synthesis is
cancelled: an owner who starts talking is never talked over.

Echo: the monitor hears the reply too. Its voicing-based start (see
``audio.endpointing``) needs the owner's voice above the reply's echo, so a
device needs its audio stack's echo cancellation (PipeWire/PulseAudio
``module-echo-cancel``) or a directional microphone for barge-in to work well.

Trace: ``tts-start`` (voice, rate, characters), ``tts-first-audio`` when the first
block reaches the sink, ``tts-end`` (``played_ms``, ``stopped``: ``barge-in`` or absent).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from assistant.protocol import Stage, StageEventType
from audio.endpointing import FRAME_BYTES, Endpointer, EndpointSettings
from audio.errors import AudioError, NoAudioDevice
from audio.formats import MODEL_FORMAT, AudioFormat, StreamConverter
from audio.sources import AudioSource, resolve_device
from audio.tracing import TraceRecorder
from audio.tts import Synthesiser

__all__ = ["AudioSink", "WavSink", "SpeakerSink", "BargeIn", "SpeakResult", "speak", "BLOCK_MS"]

_LOGGER = logging.getLogger(__name__)

BLOCK_MS = 60  # playback granularity: how late a barge-in can stop the reply


class AudioSink(Protocol):
    """Where reply audio goes; ``write`` may block while a device plays."""

    def open(self, fmt: AudioFormat) -> None: ...

    def write(self, pcm: bytes) -> None: ...

    def close(self, aborted: bool = False) -> None: ...


class WavSink:
    """A WAV file (the reply as a file: ``guanjia say --out``)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._wave: Any = None

    def open(self, fmt: AudioFormat) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._wave = wave.open(str(self.path), "wb")  # noqa: SIM115 - closed in close()
        self._wave.setnchannels(fmt.channels)
        self._wave.setsampwidth(fmt.width_bytes)
        self._wave.setframerate(fmt.rate_hz)

    def write(self, pcm: bytes) -> None:
        self._wave.writeframes(pcm)

    def close(self, aborted: bool = False) -> None:
        if self._wave is not None:
            self._wave.close()
            self._wave = None


class SpeakerSink:
    """A sound card through sounddevice; ``close(aborted=True)`` drops what is buffered.

    :raise NoAudioDevice: at construction, when there is no such output device.
    """

    def __init__(self, device: str | int | None = None) -> None:
        self.device = resolve_device(device, "output")
        self._stream: Any = None

    def open(self, fmt: AudioFormat) -> None:
        import sounddevice as sd

        try:
            self._stream = sd.RawOutputStream(samplerate=fmt.rate_hz, channels=fmt.channels,
                                              dtype="int16", device=self.device)
            self._stream.start()
        except sd.PortAudioError as err:
            raise NoAudioDevice(f"cannot open the speaker: {err}") from err

    def write(self, pcm: bytes) -> None:
        self._stream.write(pcm)

    def close(self, aborted: bool = False) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            (stream.abort if aborted else stream.stop)()
            stream.close()


class BargeIn:
    """Listens to the microphone while a reply plays; ``heard`` once the owner speaks."""

    def __init__(self, source: AudioSource, settings: EndpointSettings | None = None) -> None:
        self.source = source
        self._chunks = iter(source)
        self._converter = StreamConverter(source.fmt, MODEL_FORMAT)
        self._endpointer = Endpointer(settings)
        self._buffer = bytearray()
        self.heard_ms: float | None = None
        """Stream time (ms of microphone audio) at which speech started, once heard."""
        self._listened_ms = 0.0

    def listen(self, duration_ms: float) -> bool:
        """Consume ``duration_ms`` more microphone audio; True when speech has started."""
        target = self._listened_ms + duration_ms
        while self.heard_ms is None and self._listened_ms < target:
            if len(self._buffer) < FRAME_BYTES:
                chunk = next(self._chunks, None)
                if chunk is None:
                    self._listened_ms = target  # the microphone ended: nothing more to hear
                    break
                self._buffer += self._converter.convert(chunk.audio)
                continue
            frame = bytes(self._buffer[:FRAME_BYTES])
            del self._buffer[:FRAME_BYTES]
            self._listened_ms += MODEL_FORMAT.duration_ms(FRAME_BYTES)
            step = self._endpointer.push(frame)
            if step.started:
                self.heard_ms = step.speech_start_ms
        return self.heard_ms is not None


@dataclass(frozen=True, slots=True)
class SpeakResult:
    """How a reply went: how much was played and whether the owner cut in."""

    played_ms: float
    first_audio_ms: float | None
    """Clock time from the call to the first audio reaching the sink."""
    barged_in: bool


def speak(synthesiser: Synthesiser, text: str, sink: AudioSink, *, lang: str = "zh",
          rate: str | int = "normal", barge_in: BargeIn | None = None,
          recorder: TraceRecorder | None = None) -> SpeakResult:
    """Synthesise ``text`` into ``sink``, stopping early if ``barge_in`` hears the owner."""
    recorder = recorder or TraceRecorder()
    start_ms = recorder.now_ms()
    recorder.mark(StageEventType.TTS_START, lang=lang, rate=str(rate), chars=len(text))
    stop = threading.Event()
    fmt = synthesiser.fmt
    block_bytes = fmt.bytes_for_ms(BLOCK_MS)
    played = 0
    first_audio_ms: float | None = None
    sink.open(fmt)
    try:
        with contextlib.closing(synthesiser.synthesise(text, lang, rate, stop)) as stream:
            for block in _blocks(stream, block_bytes):
                sink.write(block)
                if first_audio_ms is None:
                    first_audio_ms = recorder.mark(StageEventType.TTS_FIRST_AUDIO).t_ms - start_ms
                played += len(block)
                if barge_in is not None and barge_in.listen(fmt.duration_ms(len(block))):
                    stop.set()
                    break
    except AudioError as err:
        recorder.error(Stage.TTS, err.code, err.message)
        sink.close(aborted=True)
        raise
    sink.close(aborted=stop.is_set())
    played_ms = fmt.duration_ms(played)
    extra = {"stopped": "barge-in", "heard_ms": barge_in.heard_ms} if stop.is_set() else {}
    recorder.mark(StageEventType.TTS_END, played_ms=round(played_ms, 1), **extra)
    if stop.is_set():
        _LOGGER.info("run %s: reply stopped by barge-in after %.0f ms", recorder.trace.run_id,
                     played_ms)
    return SpeakResult(played_ms, first_audio_ms, stop.is_set())


def _blocks(stream: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Re-cut a stream of arbitrary buffers into ``size``-byte blocks (last one shorter)."""
    pending = bytearray()
    for chunk in stream:
        pending += chunk
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)
