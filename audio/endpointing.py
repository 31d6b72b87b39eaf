"""Where an utterance starts and ends: webrtcvad plus a voicing check, tuned for owners.

Why two detectors: webrtcvad (a GMM on band energies) finds speech well in quiet
rooms but also calls steady noise "speech" — white, pink or fan noise at −30 dBFS
is 100 % "speech" to it at every aggressiveness. A frame therefore only *starts* an
utterance when it is also periodic (voiced: the normalised autocorrelation of the
pre-emphasised frame, after its first dip below zero, peaks above
``voicing_threshold`` at a pitch lag of 2–12.5 ms). White, pink and brown noise
never reach 0.37 there; every speech clip in ``shared/data/speech`` has at least a
fifth of its webrtcvad-speech frames above 0.45. Inside an utterance a frame counts as
active while webrtcvad says speech and a voiced frame was heard in the last
``voicing_hangover_ms`` (unvoiced consonants, and noise that continues after the
owner stops does not hold the utterance open).

Endpoint rules, checked on every 30 ms frame:

* ``trailing_silence_ms`` of inactivity ends it (800 ms; the elderly profile waits
  1500 ms, so a 1.2 s mid-sentence pause does not cut an owner off);
* a *short word* — the whole utterance so far is one burst no longer than
  ``short_word_max_ms`` — ends after only ``short_word_trailing_silence_ms`` when a
  short answer is expected (the dialogue state asked a yes/no question) or the
  recogniser says the burst is a complete short answer (是 / 好 / yes);
* ``max_utterance_s`` caps a run-on utterance (or a TV left on);
* the end of the stream ends it.

Vosk's own endpointer (the model's ``conf/model.conf`` rules) runs inside the
recogniser: it closes decoding segments during pauses, so when this endpointer
fires the final text is mostly computed already (see ``audio.stt``).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace
from enum import Enum

import numpy as np

from audio.formats import MODEL_FORMAT

__all__ = ["FRAME_MS", "FRAME_BYTES", "EndpointSettings", "EndReason", "FrameFacts",
           "FrameAnalyser", "EndpointStep", "Endpointer", "PROFILES"]

FRAME_MS = 30  # webrtcvad accepts 10, 20 or 30 ms; 30 is the cheapest per second
FRAME_BYTES = MODEL_FORMAT.bytes_for_ms(FRAME_MS)
_BURST_GAP_MS = 150  # a gap longer than this inside speech starts a new burst
_MIN_LAG, _MAX_LAG = 32, 200  # autocorrelation lags in samples: 500 Hz … 80 Hz pitch


@dataclass(frozen=True, slots=True)
class EndpointSettings:
    """Endpointing parameters; units are in the names. ``for_profile`` gives presets."""

    trailing_silence_ms: int = 800
    """Inactivity that ends an utterance (300–5000)."""
    short_word_max_ms: int = 600
    """Longest single burst treated as a short word such as 是 / 好 / yes (0 disables)."""
    short_word_trailing_silence_ms: int = 350
    """Inactivity that ends a short word (100 … ``trailing_silence_ms``)."""
    max_utterance_s: float = 15.0
    """Hard cap on one utterance, from speech start (2–120)."""
    min_voiced_ms: int = 90
    """Voiced audio needed within ``start_window_ms`` to start (rejects clicks, coughs)."""
    start_window_ms: int = 300
    onset_lead_ms: int = 200
    """Speech kept before the first voiced frame (an initial consonant), if webrtcvad heard it."""
    pre_roll_ms: int = 300
    """Audio before the speech start also given to the recogniser: its features need left
    context (without it Vosk misreads the first syllable), whatever that audio holds."""
    voicing_hangover_ms: int = 300
    voicing_threshold: float = 0.45
    """Autocorrelation peak that makes a frame voiced (0–1)."""
    min_level_dbfs: float = -60.0
    """Frames quieter than this are silence whatever webrtcvad says."""
    aggressiveness: int = 2
    """webrtcvad mode, 0 (lenient) … 3 (strict)."""

    def __post_init__(self) -> None:
        checks = {
            "trailing_silence_ms": 300 <= self.trailing_silence_ms <= 5000,
            "short_word_max_ms": 0 <= self.short_word_max_ms <= 2000,
            "short_word_trailing_silence_ms":
                100 <= self.short_word_trailing_silence_ms <= self.trailing_silence_ms,
            "max_utterance_s": 2 <= self.max_utterance_s <= 120,
            "min_voiced_ms": FRAME_MS <= self.min_voiced_ms <= self.start_window_ms,
            "onset_lead_ms": 0 <= self.onset_lead_ms <= 1000,
            "pre_roll_ms": 0 <= self.pre_roll_ms <= 1000,
            "voicing_threshold": 0 < self.voicing_threshold < 1,
            "aggressiveness": self.aggressiveness in (0, 1, 2, 3),
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"endpoint settings out of range: {', '.join(bad)}")

    @classmethod
    def for_profile(cls, profile: str, **overrides: object) -> EndpointSettings:
        """``normal`` or ``elderly`` (per owner when known), then any field overrides."""
        try:
            base = PROFILES[profile]
        except KeyError:
            raise ValueError(f"unknown endpoint profile {profile!r}: "
                             f"{', '.join(PROFILES)}") from None
        return replace(base, **overrides)  # type: ignore[arg-type]


PROFILES: dict[str, EndpointSettings] = {
    "normal": EndpointSettings(),
    "elderly": EndpointSettings(trailing_silence_ms=1500, short_word_max_ms=800,
                                short_word_trailing_silence_ms=450, max_utterance_s=20.0),
}


class EndReason(str, Enum):
    """Why an utterance ended (goes into the trace)."""

    SILENCE = "silence"
    SHORT_WORD = "short-word"
    MAX_LENGTH = "max-length"
    END_OF_STREAM = "end-of-stream"


@dataclass(frozen=True, slots=True)
class FrameFacts:
    """What the analyser found in one 30 ms frame."""

    speech: bool
    voiced: bool
    level_dbfs: float


class FrameAnalyser:
    """webrtcvad + level gate + voicing for 30 ms frames of 16 kHz mono s16."""

    def __init__(self, settings: EndpointSettings) -> None:
        import webrtcvad

        self._vad = webrtcvad.Vad(settings.aggressiveness)
        self._settings = settings
        samples = FRAME_BYTES // 2
        self._window = np.hanning(samples)
        spectrum = np.fft.rfft(self._window, 1024)
        window_ac = np.fft.irfft(np.abs(spectrum) ** 2)[:samples]
        self._window_ac = window_ac / window_ac[0] + 1e-9  # undoes the window's taper

    def analyse(self, frame: bytes) -> FrameFacts:
        samples = np.frombuffer(frame, "<i2").astype(np.float64)
        energy = float(np.dot(samples, samples)) / len(samples)
        level = 10 * math.log10(energy / 32768.0**2) if energy > 0 else -120.0
        if level < self._settings.min_level_dbfs:
            return FrameFacts(False, False, level)
        speech = self._vad.is_speech(frame, MODEL_FORMAT.rate_hz)
        voiced = speech and self.voicing(samples) >= self._settings.voicing_threshold
        return FrameFacts(speech, voiced, level)

    def voicing(self, samples: np.ndarray) -> float:
        """Peak normalised autocorrelation at pitch lags after its first dip, pre-emphasised."""
        emphasised = np.empty_like(samples)
        emphasised[0] = 0.0
        emphasised[1:] = samples[1:] - 0.97 * samples[:-1]
        spectrum = np.fft.rfft(emphasised * self._window, 1024)
        autocorr = np.fft.irfft(spectrum.real**2 + spectrum.imag**2)[: len(samples)]
        if autocorr[0] <= 0:
            return 0.0
        normalised = autocorr[:_MAX_LAG] / autocorr[0] / self._window_ac[:_MAX_LAG]
        # A pitch peak comes after the autocorrelation has dipped below zero; rumble
        # (brown noise, traffic) stays correlated over every lag and never dips.
        negative = np.flatnonzero(normalised[1:] < 0)
        if negative.size == 0:
            return 0.0
        first = max(int(negative[0]) + 1, _MIN_LAG)
        return float(normalised[first:].max()) if first < _MAX_LAG else 0.0


@dataclass(frozen=True, slots=True)
class EndpointStep:
    """What one frame did: ``audio`` to pass to the recogniser, and a start and/or an end.

    On a start, ``audio`` holds everything from ``audio_start_ms`` (the speech start less
    the pre-roll, bounded by the stream start) up to this frame.
    """

    audio: bytes = b""
    started: bool = False
    audio_start_ms: float | None = None
    ended: EndReason | None = None
    speech_start_ms: float | None = None
    speech_end_ms: float | None = None
    endpoint_ms: float | None = None


class Endpointer:
    """Frame-by-frame utterance detection over one stream (see the module docstring).

    Feed 30 ms frames of 16 kHz mono s16 with ``push``; call ``finish`` at end of
    stream. Timestamps are milliseconds of audio since the stream started.
    """

    def __init__(self, settings: EndpointSettings | None = None,
                 expect_short_answer: bool = False) -> None:
        self.expect_short_answer = expect_short_answer
        self._clock_ms = 0.0
        self.in_speech = False
        self.short_answer_heard = False
        self._ring: deque[tuple[bytes, FrameFacts]] = deque()
        self.reconfigure(settings or EndpointSettings())
        self._reset_utterance()

    def reconfigure(self, settings: EndpointSettings) -> None:
        """New settings (another owner's profile) from the next frame; only between utterances.

        :raise RuntimeError: while an utterance is open (its rules must not change midway).
        """
        if self.in_speech:
            raise RuntimeError("endpoint settings change between utterances, not during one")
        self.settings = settings
        self._analyser = FrameAnalyser(settings)
        keep = (settings.start_window_ms + settings.onset_lead_ms
                + settings.pre_roll_ms) // FRAME_MS + 1
        self._ring = deque(self._ring, maxlen=keep)
        self._window_frames = max(1, settings.start_window_ms // FRAME_MS)
        self._min_voiced_frames = math.ceil(settings.min_voiced_ms / FRAME_MS)
        self._lead_frames = settings.onset_lead_ms // FRAME_MS
        self._pre_roll_frames = settings.pre_roll_ms // FRAME_MS

    def _reset_utterance(self) -> None:
        self._start_ms = 0.0
        self._last_active_ms = 0.0
        self._last_voiced_ms = -1e9
        self._bursts = 0
        self.voiced_ms = 0.0
        self.short_answer_heard = False

    @property
    def trailing_ms(self) -> float:
        """Inactivity since the last active frame of the open utterance (0 outside one)."""
        return self._clock_ms - self._last_active_ms if self.in_speech else 0.0

    def hint_short_answer(self, complete: bool) -> None:
        """The recogniser's view: is what was said so far a complete short answer?"""
        self.short_answer_heard = complete

    def push(self, frame: bytes) -> EndpointStep:
        """Process one 30 ms frame (shorter final frames are padded with silence)."""
        if len(frame) < FRAME_BYTES:
            frame = frame + bytes(FRAME_BYTES - len(frame))
        facts = self._analyser.analyse(frame)
        frame_start = self._clock_ms
        self._clock_ms += FRAME_MS
        if not self.in_speech:
            self._ring.append((frame, facts))
            return self._maybe_start()
        return self._continue(frame, facts, frame_start)

    def finish(self) -> EndpointStep:
        """End of stream: closes an open utterance."""
        if not self.in_speech:
            return EndpointStep()
        return self._end(EndReason.END_OF_STREAM)

    def _maybe_start(self) -> EndpointStep:
        frames = list(self._ring)
        window = frames[-self._window_frames:]
        if sum(1 for _, f in window if f.voiced) < self._min_voiced_frames:
            return EndpointStep()
        first_voiced = next(i for i in range(len(frames) - len(window), len(frames))
                            if frames[i][1].voiced)
        start = first_voiced
        while (start > 0 and frames[start - 1][1].speech
               and first_voiced - (start - 1) <= self._lead_frames):
            start -= 1
        self.in_speech = True
        self._reset_utterance()
        self._start_ms = self._clock_ms - (len(frames) - start) * FRAME_MS
        for offset, (_, facts) in enumerate(frames[start:]):
            frame_end = self._start_ms + (offset + 1) * FRAME_MS
            self._track(facts, frame_end)
        self._ring.clear()
        first = max(0, start - self._pre_roll_frames)
        return EndpointStep(audio=b"".join(f for f, _ in frames[first:]), started=True,
                            speech_start_ms=self._start_ms,
                            audio_start_ms=self._start_ms - (start - first) * FRAME_MS)

    def _track(self, facts: FrameFacts, frame_end: float) -> bool:
        if facts.voiced:
            self._last_voiced_ms = frame_end
            self.voiced_ms += FRAME_MS
        hangover = self.settings.voicing_hangover_ms
        active = facts.speech and frame_end - self._last_voiced_ms <= hangover
        if active:
            if self._bursts == 0 or frame_end - FRAME_MS - self._last_active_ms > _BURST_GAP_MS:
                self._bursts += 1
            self._last_active_ms = frame_end
        return active

    def _continue(self, frame: bytes, facts: FrameFacts, frame_start: float) -> EndpointStep:
        frame_end = frame_start + FRAME_MS
        self._track(facts, frame_end)
        settings = self.settings
        trailing = frame_end - self._last_active_ms
        span = self._last_active_ms - self._start_ms
        short = (self._bursts == 1 and span <= settings.short_word_max_ms
                 and (self.expect_short_answer or self.short_answer_heard))
        reason = None
        if short and trailing >= settings.short_word_trailing_silence_ms:
            reason = EndReason.SHORT_WORD
        elif trailing >= settings.trailing_silence_ms:
            reason = EndReason.SILENCE
        elif frame_end - self._start_ms >= settings.max_utterance_s * 1000:
            reason = EndReason.MAX_LENGTH
        if reason is None:
            return EndpointStep(audio=frame)
        return replace(self._end(reason), audio=frame)

    def _end(self, reason: EndReason) -> EndpointStep:
        step = EndpointStep(ended=reason, speech_start_ms=self._start_ms,
                            speech_end_ms=self._last_active_ms, endpoint_ms=self._clock_ms)
        self.in_speech = False
        self._ring.clear()
        return step
