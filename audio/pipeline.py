"""Listening: source → format conversion → endpointing → Vosk → normalisation, with a trace.

``ListenPipeline`` is built once per device (prepare: model loaded, decoders made,
grammar checked) and then runs over any ``AudioSource``, yielding ``Partial``s
while the owner speaks and one ``Utterance`` per endpoint. Only audio between a
speech start and its endpoint reaches the recogniser, in blocks of
``FEED_BLOCK_MS`` (a kiosk's microphone is always open; decoding silence would
burn its CPU).

Endpoint → final text latency: once the owner has paused for half the trailing
silence (≥ 400 ms), Vosk's segment is finalised right away — as Vosk's own
endpointer does at its rule's threshold — so the lattice work is done while the
endpointer is still waiting. The rest of the pause is held back, not decoded (a
small model hears "요" in a quiet room); if the owner goes on speaking it is
decoded with what follows, in a new segment, else the endpoint has nothing left
to finalise.

Each utterance carries a ``Trace`` (``assistant.protocol``): ``vad-start`` when
speech was detected (t = 0), ``stt-start``, ``stt-partial`` per new partial,
``vad-end`` at the endpoint decision, ``stt-end`` when the final text is ready.
Event times come from the injected clock (``assistant.clock``: monotonic ``t_ms``
for durations, UTC ``at`` for people);
``data.audio_ms`` says where in the stream it happened (audio time). The hub
appends NLU and route stages, the device the reply's TTS stages.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from assistant.protocol import Stage, StageEventType, Trace
from audio.endpointing import FRAME_BYTES, Endpointer, EndpointSettings, EndpointStep, EndReason
from audio.errors import AudioError
from audio.formats import MODEL_FORMAT, StreamConverter
from audio.grammars import GRAMMARS, Grammar, plan_grammar, short_answers
from audio.sources import AudioSource
from audio.stt import Recogniser, SpeechModel, Transcript
from audio.tracing import Clock, SystemClock, TraceRecorder

__all__ = ["Partial", "Utterance", "ListenPipeline"]

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

PARTIAL_INTERVAL_MS = 240  # how often a partial is asked for while speech goes on
FEED_BLOCK_MS = 90  # audio handed to Vosk per call: 3 VAD frames
KEEP_RUNS = 20  # traces kept for the console
SEGMENT_CLOSE_MIN_MS = 400  # a pause this long (or half the trailing silence) closes a segment


@dataclass(frozen=True, slots=True)
class Partial:
    """Text recognised so far in the current utterance (changes as the owner speaks)."""

    text: str
    audio_ms: float
    run_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": "partial", "text": self.text, "audio_ms": round(self.audio_ms, 1),
                "run_id": self.run_id}


@dataclass(frozen=True, slots=True)
class Utterance:
    """One endpointed utterance: its transcript, where it was in the stream, its trace."""

    transcript: Transcript
    trace: Trace
    speech_start_ms: float
    speech_end_ms: float
    endpoint_ms: float
    end_reason: EndReason
    endpoint_to_final_ms: float
    """Wall time from the endpoint decision to the final text (the latency owners feel)."""

    @property
    def text(self) -> str:
        return self.transcript.text

    def to_dict(self) -> dict[str, Any]:
        return {"type": "final", "text": self.text, "transcript": self.transcript.to_dict(),
                "speech_start_ms": round(self.speech_start_ms, 1),
                "speech_end_ms": round(self.speech_end_ms, 1),
                "endpoint_ms": round(self.endpoint_ms, 1), "end_reason": self.end_reason.value,
                "endpoint_to_final_ms": round(self.endpoint_to_final_ms, 1),
                "trace": self.trace.to_dict()}


@dataclass
class _Open:
    """State of the utterance being heard."""

    recorder: TraceRecorder
    start_ms: float
    audio_start_ms: float
    """Where the audio given to the recogniser starts (speech start less the pre-roll)."""
    audio: bytearray = field(default_factory=bytearray)
    pending: bytearray = field(default_factory=bytearray)
    since_partial_ms: float = 0.0
    last_partial: str = ""
    segment_closed: bool = False
    """Vosk's segment was finalised in the current pause (see ``_feed``)."""
    held: bytearray = field(default_factory=bytearray)
    """Pause audio after a finalised segment, decoded only if the owner goes on."""


class ListenPipeline:
    """Prepared listening for one device; ``run(source)`` yields ``Partial`` and ``Utterance``.

    ``include_rejected`` also yields utterances the result check rejected (the kiosk
    then asks the owner to repeat); otherwise they are logged and dropped.
    """

    def __init__(self, model: SpeechModel, lang: str, *,
                 endpoint: EndpointSettings | None = None,
                 grammar: Grammar | str | None = None, expect_short_answer: bool = False,
                 include_rejected: bool = False, clock: Clock | None = None) -> None:
        self.model = model
        self.lang = lang
        self.endpoint = endpoint or EndpointSettings()
        self.include_rejected = include_rejected
        self.expect_short_answer = expect_short_answer
        self._clock = clock or SystemClock()
        self._short = short_answers(lang) | short_answers()
        self.recogniser = Recogniser(model)
        self._open: _Open | None = None
        self.warnings: tuple[str, ...] = ()
        self.set_grammar(grammar)
        self.recent: deque[Trace] = deque(maxlen=KEEP_RUNS)

    @property
    def _close_after_ms(self) -> float:
        return max(SEGMENT_CLOSE_MIN_MS, self.endpoint.trailing_silence_ms / 2)

    def set_endpoint(self, endpoint: EndpointSettings) -> None:
        """The owner changed (e.g. an elderly owner was recognised): from the next utterance."""
        self.endpoint = endpoint

    def _expects_short_answer(self) -> bool:
        return self.expect_short_answer or (self.grammar is not None
                                            and self.grammar.name == "yes_no")

    def set_grammar(self, grammar: Grammar | str | None) -> None:
        """Dialogue state changed: restrict recognition to ``grammar`` (by name) or open it.

        Takes effect from the next utterance (one being heard keeps its decoders).
        """
        if isinstance(grammar, str):
            try:
                grammar = GRAMMARS[grammar]
            except KeyError:
                raise AudioError(f"unknown grammar {grammar!r}; known: {', '.join(GRAMMARS)}",
                                 code="grammar-unknown") from None
        plan = plan_grammar(grammar, self.lang, self.model) if grammar else None
        self.recogniser.set_grammar(plan)
        self.grammar = grammar
        self.warnings = plan.warnings if plan else ()

    def run(self, source: AudioSource) -> Iterator[Partial | Utterance]:
        """Listen to ``source`` until it ends (a microphone ends when closed)."""
        converter = StreamConverter(source.fmt, MODEL_FORMAT)
        endpointer = Endpointer(self.endpoint, self._expects_short_answer())
        self._open = None
        buffer = bytearray()
        for chunk in source:
            buffer += converter.convert(chunk.audio)
            whole = len(buffer) - len(buffer) % FRAME_BYTES
            for offset in range(0, whole, FRAME_BYTES):
                yield from self._step(endpointer, endpointer.push(bytes(buffer[offset:offset
                                                                              + FRAME_BYTES])))
            del buffer[:whole]
        buffer += converter.flush()
        for offset in range(0, len(buffer), FRAME_BYTES):
            yield from self._step(endpointer, endpointer.push(bytes(buffer[offset:offset
                                                                          + FRAME_BYTES])))
        yield from self._step(endpointer, endpointer.finish())

    def _step(self, endpointer: Endpointer, step: EndpointStep) -> Iterator[Partial | Utterance]:
        if not endpointer.in_speech and not step.ended:  # idle: apply the dialogue's state
            if endpointer.settings is not self.endpoint:
                endpointer.reconfigure(self.endpoint)
            endpointer.expect_short_answer = self._expects_short_answer()
        if step.started:
            assert step.speech_start_ms is not None and step.audio_start_ms is not None
            recorder = TraceRecorder(clock=self._clock)
            recorder.mark(StageEventType.VAD_START, audio_ms=step.speech_start_ms)
            self.recogniser.begin(step.audio_start_ms)
            recorder.mark(StageEventType.STT_START, model=self.model.name, lang=self.lang)
            self._open = _Open(recorder, step.speech_start_ms, step.audio_start_ms)
        current = self._open
        if current is None:
            return
        current.pending += step.audio
        if step.ended:
            current.recorder.mark(StageEventType.VAD_END, audio_ms=step.speech_end_ms,
                                  endpoint_audio_ms=step.endpoint_ms, reason=step.ended.value)
            yield from self._finish(current, step, endpointer.voiced_ms)
        elif len(current.pending) >= MODEL_FORMAT.bytes_for_ms(FEED_BLOCK_MS):
            yield from self._feed(current, endpointer)

    def _feed(self, current: _Open, endpointer: Endpointer) -> Iterator[Partial]:
        pcm = bytes(current.pending)
        current.pending.clear()
        current.audio += pcm
        pausing = endpointer.trailing_ms >= self._close_after_ms
        if pausing and current.segment_closed:
            current.held += pcm  # silence after a finalised segment: nothing to decode yet
            return
        if not pausing:
            current.segment_closed = False
        closed = self._accept(current, bytes(current.held) + pcm)  # the owner went on
        current.held.clear()
        if pausing:  # finalise now, not after the endpoint
            self._guarded(current, self.recogniser.close_segment)
            current.segment_closed = closed = True
        current.since_partial_ms += MODEL_FORMAT.duration_ms(len(pcm))
        if not closed and current.since_partial_ms < PARTIAL_INTERVAL_MS:
            return
        current.since_partial_ms = 0.0
        text = self.recogniser.partial()
        endpointer.hint_short_answer(text.replace(" ", "").lower() in self._short)
        if text and text != current.last_partial:
            current.last_partial = text
            audio_ms = current.audio_start_ms + MODEL_FORMAT.duration_ms(len(current.audio))
            current.recorder.mark(StageEventType.STT_PARTIAL, text=text, audio_ms=audio_ms)
            yield Partial(text, audio_ms, current.recorder.trace.run_id)

    def _accept(self, current: _Open, pcm: bytes) -> bool:
        return self._guarded(current, lambda: self.recogniser.accept(pcm))

    def _guarded(self, current: _Open, call: Callable[[], _T]) -> _T:
        """Run a recogniser call; on failure the trace gets the error and decoders are dropped."""
        try:
            return call()
        except AudioError as err:
            current.recorder.error(Stage.STT, err.code, err.message)
            self.recent.append(current.recorder.trace)
            self._open = None
            self.recogniser.abort()
            raise

    def _finish(self, current: _Open, step: EndpointStep,
                voiced_ms: float) -> Iterator[Utterance]:
        self._open = None
        endpoint_at = self._clock.monotonic()
        pcm = bytes(current.pending)
        current.audio += pcm
        if not current.segment_closed and current.held + pcm:
            self._accept(current, bytes(current.held) + pcm)
        audio = bytes(current.audio)
        transcript = self._guarded(current, lambda: self.recogniser.finish(audio, self.lang))
        latency_ms = (self._clock.monotonic() - endpoint_at) * 1000
        recorder = current.recorder
        recorder.mark(StageEventType.STT_END, text=transcript.text,
                      accepted=transcript.accepted, confidence=round(transcript.confidence, 3),
                      **({"reason": transcript.verdict.reason} if transcript.verdict.reason
                         else {}))
        self.recent.append(recorder.trace)
        assert step.ended is not None and step.speech_end_ms is not None
        run_id = recorder.trace.run_id
        if not transcript.words:
            _LOGGER.info("run %s: %.0f ms of speech gave no words", run_id, voiced_ms)
        elif not transcript.accepted and not self.include_rejected:
            _LOGGER.info("run %s: result rejected (%s)", run_id, transcript.verdict.reason)
        else:
            yield Utterance(transcript, recorder.trace, current.start_ms, step.speech_end_ms,
                            step.endpoint_ms or step.speech_end_ms, step.ended, latency_ms)
        self.recogniser.prepare()  # fresh decoders for the next owner, built in idle time
