"""Whether to believe a final result: Vosk's word confidence is not trusted alone.

Vosk's confidence is a lattice posterior: under a grammar it is relative to the
few allowed phrases, so speech that is not an answer at all is forced onto one
with confidence 1.0 (the Korean test model, asked for 식당/커피, hears "커피 한
잔 드시겠어요" as "커피 커피 식당" at 1.0). Each result is therefore checked
against the audio itself, counted in syllables: energy peaks of the 250–2500 Hz
band envelope (10 ms hop, ≥ 2 dB prominence, ≥ 80 ms apart, within 25 dB of the
loudest). The count runs ~0.7× the true syllables on read speech; the rules below
are set with that margin.

The rule, open recognition:
  * reject (``low-confidence``) when the mean word confidence is below 0.55 AND the
    text has fewer than 0.8 syllables per syllable heard — unsure *and* too little
    text for the speech: noise, a cough, another language. Either alone is common
    in good results (short function words score low; fast speech merges peaks).
  * words below 0.5 are kept and listed as uncertain (the dialogue may read them back).

Under a grammar (confidence ignored):
  * accept only if every phrase has one meaning (affirm / deny / cancel …), there are
    at most ``max_phrases`` of them, nothing is ``[unk]``, and the speech heard is
    no longer than ``max_syllables`` — a yes/no answer is short;
  * otherwise ``out-of-grammar``: the caller uses the open decode instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from audio.grammars import UNK, GrammarPlan, split_phrases

if TYPE_CHECKING:
    from audio.stt import Word

__all__ = ["Verdict", "LOW_CONFIDENCE", "MIN_COVERAGE", "UNCERTAIN_WORD", "text_syllables",
           "heard_syllables", "judge_open", "judge_grammar"]

LOW_CONFIDENCE = 0.55
MIN_COVERAGE = 0.8
UNCERTAIN_WORD = 0.5
_SYLLABLE_CHAR = re.compile(r"[\uac00-\ud7a3\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z']+", re.I)
_VOWEL_GROUP = re.compile(r"[aeiouy]+", re.I)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision on one result, with the figures it was based on (for the trace)."""

    accepted: bool
    reason: str | None = None
    meaning: str | None = None
    confidence: float = 0.0
    heard_syllables: int | None = None
    text_syllables: int = 0

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"accepted": self.accepted,
                                  "confidence": round(self.confidence, 3),
                                  "text_syllables": self.text_syllables}
        if self.reason:
            out["reason"] = self.reason
        if self.meaning:
            out["meaning"] = self.meaning
        if self.heard_syllables is not None:
            out["heard_syllables"] = self.heard_syllables
        return out


def text_syllables(text: str) -> int:
    """Syllables written: one per Hangul block or CJK character, vowel groups in Latin words."""
    count = len(_SYLLABLE_CHAR.findall(text))
    for word in _LATIN_WORD.findall(text):
        count += max(1, len(_VOWEL_GROUP.findall(word)))
    return count


def heard_syllables(pcm: bytes, rate_hz: int = 16_000) -> int:
    """Syllable nuclei in 16-bit mono audio (band-envelope peaks; see the module docstring)."""
    from scipy.signal import butter, find_peaks, sosfilt

    samples = np.frombuffer(pcm, "<i2").astype(np.float64)
    hop = rate_hz // 100
    frames = len(samples) // hop
    if frames < 3:
        return 0
    band = sosfilt(butter(4, [250, 2500], btype="band", fs=rate_hz, output="sos"), samples)
    energy = (band[: frames * hop].reshape(frames, hop) ** 2).mean(axis=1)
    smooth = np.hanning(7)
    energy = np.convolve(energy, smooth / smooth.sum(), "same")
    level = 10 * np.log10(energy + 1e-3)
    peaks, _ = find_peaks(level, prominence=2.0, distance=8, height=level.max() - 25)
    return len(peaks)


def _mean_confidence(words: Sequence[Word]) -> float:
    return float(np.mean([w.conf for w in words])) if words else 0.0


def judge_open(words: Sequence[Word], pcm: bytes) -> Verdict:
    """Open-recognition rule: reject only when confidence is low AND text is too short."""
    real = [w for w in words if w.text != UNK]
    if not real:
        return Verdict(False, "empty")
    confidence = _mean_confidence(real)
    written = text_syllables(" ".join(w.text for w in real))
    if confidence >= LOW_CONFIDENCE:
        return Verdict(True, confidence=confidence, text_syllables=written)
    heard = heard_syllables(pcm)
    if written < MIN_COVERAGE * heard:
        return Verdict(False, "low-confidence", confidence=confidence, heard_syllables=heard,
                       text_syllables=written)
    return Verdict(True, confidence=confidence, heard_syllables=heard, text_syllables=written)


def judge_grammar(words: Sequence[Word], plan: GrammarPlan, pcm: bytes) -> Verdict:
    """Grammar rule: one meaning, few phrases, short speech; confidence is not consulted."""
    texts = [w.text for w in words]
    confidence = _mean_confidence(words)
    written = text_syllables(" ".join(t for t in texts if t != UNK))
    if not texts:
        return Verdict(False, "empty")
    heard = heard_syllables(pcm)
    meanings = None if UNK in texts else split_phrases(texts, plan.meanings)
    grammar = plan.grammar
    plausible = (meanings is not None and len(set(meanings)) == 1
                 and len(meanings) <= grammar.max_phrases and heard <= grammar.max_syllables)
    if not plausible:
        return Verdict(False, "out-of-grammar", confidence=confidence, heard_syllables=heard,
                       text_syllables=written)
    assert meanings is not None
    return Verdict(True, meaning=meanings[0], confidence=confidence, heard_syllables=heard,
                   text_syllables=written)
