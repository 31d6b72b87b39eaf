"""Vosk behind our own types: ``SpeechModel``, a streaming ``Recogniser``, ``Transcript``.

Vosk is imported here (and in the model manager) only; callers get ``Transcript``
and ``Word`` and never a Vosk JSON string. Vosk's own endpointer (the model's
``conf/model.conf`` rules) closes segments inside an utterance: ``accept`` returns
True then, and the segment's words are final already.

Each utterance gets fresh decoders: a reused Vosk recogniser carries adaptation
state from one utterance into the next (the same clip decodes differently
depending on what came before), which would make one owner's words depend on the
previous owner's. Building a decoder costs ~100 ms on a lookahead model, so the
next ones are built in idle time (``prepare``, after an utterance is delivered),
never between the endpoint and the final text. Word times are turned into
milliseconds of the *stream* here.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audio.confidence import UNCERTAIN_WORD, Verdict, judge_grammar, judge_open
from audio.errors import SttError
from audio.grammars import UNK, GrammarPlan
from audio.layout import ModelLayout, inspect_model

__all__ = ["Word", "Transcript", "SpeechModel", "Recogniser"]

_LOGGER = logging.getLogger(__name__)
_VOSK_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word; times are ms of the stream, ``conf`` is Vosk's posterior (0–1)."""

    text: str
    start_ms: float
    end_ms: float
    conf: float

    def to_dict(self) -> dict[str, Any]:
        return {"word": self.text, "start_ms": round(self.start_ms, 1),
                "end_ms": round(self.end_ms, 1), "conf": round(self.conf, 3)}


@dataclass(frozen=True, slots=True)
class Transcript:
    """The final result of one utterance, normalised as the NLU expects it.

    ``accepted`` is False when the result check (``audio.confidence``) rejected it;
    ``text`` is then still given, for logs, but should not be acted on.
    """

    text: str
    raw_text: str
    words: tuple[Word, ...]
    lang: str
    model: str
    verdict: Verdict
    grammar: str | None = None
    grammar_fallback: bool = False
    """A grammar was active but the answer was out of grammar: this is the open decode."""
    warnings: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.verdict.accepted

    @property
    def confidence(self) -> float:
        return self.verdict.confidence

    @property
    def uncertain_words(self) -> tuple[str, ...]:
        return tuple(w.text for w in self.words if w.conf < UNCERTAIN_WORD)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "raw_text": self.raw_text, "lang": self.lang,
                               "model": self.model, "accepted": self.accepted,
                               "confidence": round(self.confidence, 3),
                               "words": [w.to_dict() for w in self.words],
                               "check": self.verdict.to_dict()}
        if self.grammar:
            out["grammar"] = self.grammar
            out["grammar_fallback"] = self.grammar_fallback
        if self.uncertain_words:
            out["uncertain_words"] = list(self.uncertain_words)
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


class SpeechModel:
    """A loaded Vosk model plus what its layout allows (rate, runtime grammars, vocabulary).

    :raise ModelInvalid: the directory is not a model; :raise SttError: Vosk cannot load it.
    """

    def __init__(self, path: Path, name: str | None = None, lang: str = "") -> None:
        self.layout: ModelLayout = inspect_model(Path(path))
        self.name = name or self.layout.root.name
        self.lang = lang
        self.rate_hz = self.layout.rate_hz
        self.runtime_grammar = self.layout.runtime_grammar
        self._words: frozenset[str] | None = None
        if self.layout.words_file is not None:
            self._words = frozenset(line.split(maxsplit=1)[0] for line in
                                    self.layout.words_file.read_text("utf-8").splitlines()
                                    if line.strip())
        import vosk

        with _VOSK_LOCK:
            vosk.SetLogLevel(-1)  # Kaldi's LOG lines; warnings still reach stderr
            try:
                self._vosk = vosk.Model(str(self.layout.root))
            except Exception as err:  # vosk raises a bare Exception
                raise SttError(f"Vosk could not load the model in {self.layout.root}: {err}",
                               code="stt-model-load") from err
        _LOGGER.info("loaded Vosk model %s (%s, %s)", self.name, self.layout.graph, path)

    def has_word(self, word: str) -> bool:
        """In the vocabulary? ``graph/words.txt`` when shipped, else Vosk's own symbol table."""
        if self._words is not None:
            return word in self._words
        return self._vosk.vosk_model_find_word(word) >= 0

    def decoder(self, phrases: Sequence[str] | None = None) -> Any:
        """A new Vosk decoder (open, or restricted to ``phrases``) with word timings."""
        import vosk

        try:
            if phrases:
                rec = vosk.KaldiRecognizer(self._vosk, self.rate_hz,
                                           json.dumps(list(phrases), ensure_ascii=False))
            else:
                rec = vosk.KaldiRecognizer(self._vosk, self.rate_hz)
        except Exception as err:
            raise SttError(f"Vosk could not create a recogniser: {err}") from err
        rec.SetWords(True)
        return rec


@dataclass
class _Decoder:
    """One Vosk decoder and the bookkeeping to place its words in the stream."""

    vosk: Any
    segments: list[dict[str, Any]] = field(default_factory=list)

    def accept(self, pcm: bytes) -> bool:
        if not self.vosk.AcceptWaveform(pcm):
            return False
        self.close()
        return True

    def close(self) -> None:
        segment = json.loads(self.vosk.Result())
        if segment.get("result"):
            self.segments.append(segment)

    def partial(self) -> str:
        parts = [s.get("text", "") for s in self.segments]
        parts.append(json.loads(self.vosk.PartialResult()).get("partial", ""))
        return " ".join(p for p in parts if p)

    def finish(self, stream_start_ms: float) -> list[Word]:
        """Final words; Vosk's times (seconds since this decoder's first sample) → stream ms."""
        self.segments.append(json.loads(self.vosk.FinalResult()))
        return [Word(w["word"], w["start"] * 1000 + stream_start_ms,
                     w["end"] * 1000 + stream_start_ms, float(w.get("conf", 1.0)))
                for seg in self.segments for w in seg.get("result", [])]


class Recogniser:
    """Streaming recognition of one utterance at a time: ``begin``, ``accept``…, ``finish``.

    With an active grammar two decoders run: the grammar one (primary: partials and
    the answer) and an open one, whose text replaces the answer when the grammar
    result is out of grammar (the owner said something else than yes or no).
    """

    def __init__(self, model: SpeechModel, plan: GrammarPlan | None = None) -> None:
        self.model = model
        self.plan: GrammarPlan | None = None
        self._open: _Decoder | None = None
        self._grammar: _Decoder | None = None
        self._stream_start_ms = 0.0
        self._hearing = False
        self._next_plan: GrammarPlan | None = None
        self._plan_changed = False
        self.set_grammar(plan)

    def set_grammar(self, plan: GrammarPlan | None) -> None:
        """Switch dialogue state; an inactive plan means open recognition.

        During an utterance the change waits for its end (its decoders are kept).
        """
        for warning in plan.warnings if plan else ():
            _LOGGER.warning("%s", warning)
        self._next_plan, self._plan_changed = plan, True
        if not self._hearing:
            self.prepare()

    def prepare(self) -> None:
        """Build fresh decoders for the next utterance, if not done yet (~100 ms, idle time)."""
        if self._hearing:
            return
        if self._plan_changed:
            self.plan, self._grammar, self._plan_changed = self._next_plan, None, False
        if self._open is None:
            self._open = _Decoder(self.model.decoder())
        if self._grammar is None and self.plan is not None and self.plan.active:
            self._grammar = _Decoder(self.model.decoder(self.plan.vosk_phrases))

    @property
    def _primary(self) -> _Decoder:
        decoder = self._grammar or self._open
        assert decoder is not None, "begin() first"
        return decoder

    def abort(self) -> None:
        """Drop the utterance being heard (decoding failed): fresh decoders next time."""
        self._open = self._grammar = None
        self._hearing = False
        self.prepare()

    def begin(self, stream_start_ms: float) -> None:
        """A new utterance whose first sample is at ``stream_start_ms`` of the stream."""
        self.prepare()
        self._hearing = True
        self._stream_start_ms = stream_start_ms

    def _decoders(self) -> list[_Decoder]:
        return [d for d in (self._grammar, self._open) if d is not None]

    def accept(self, pcm: bytes) -> bool:
        """Feed 16 kHz mono s16; True when Vosk's endpointer closed a segment of the primary."""
        try:
            closed = [decoder.accept(pcm) for decoder in self._decoders()]
        except Exception as err:
            raise SttError(f"Vosk failed while decoding: {err}", code="stt-stream-failed") from err
        return closed[0]

    def partial(self) -> str:
        """What the primary decoder has so far (closed segments plus the current partial)."""
        return self._primary.partial()

    def close_segment(self) -> None:
        """Finalise what was said so far (the owner is pausing); decoding continues after.

        The costly part of a final result (lattice determinisation, word alignment)
        then happens during the pause instead of after the endpoint.
        """
        try:
            for decoder in self._decoders():
                decoder.close()
        except Exception as err:
            raise SttError(f"Vosk failed to close a segment: {err}",
                           code="stt-stream-failed") from err

    def finish(self, audio: bytes, lang: str) -> Transcript:
        """Final words, the result check (``audio.confidence``) and normalised text."""
        from nlu.normalise import normalise

        start = self._stream_start_ms
        open_decoder, grammar_decoder = self._open, self._grammar
        assert open_decoder is not None, "begin() first"
        self._open = self._grammar = None  # used up: prepare() builds fresh ones
        self._hearing = False
        try:
            open_words = open_decoder.finish(start)
            grammar_words = grammar_decoder.finish(start) if grammar_decoder else None
        except Exception as err:  # vosk raises bare exceptions
            raise SttError(f"Vosk failed to finish the utterance: {err}",
                           code="stt-final-failed") from err
        if grammar_words is not None:
            assert self.plan is not None
            verdict = judge_grammar(grammar_words, self.plan, audio)
            words, fallback = grammar_words, False
            if not verdict.accepted:
                words, fallback = open_words, True
                verdict = judge_open(open_words, audio)
        else:
            words, fallback = open_words, False
            verdict = judge_open(words, audio)
        words = [w for w in words if w.text != UNK]
        raw = " ".join(w.text for w in words)
        plan = self.plan
        return Transcript(text=normalise(raw).text, raw_text=raw, words=tuple(words), lang=lang,
                          model=self.model.name, verdict=verdict,
                          grammar=plan.grammar.name if plan and plan.active else None,
                          grammar_fallback=fallback,
                          warnings=plan.warnings if plan else ())
