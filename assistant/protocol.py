"""Messages that cross the device ↔ hub boundary (stdlib only: devices import this).

Wyoming-style: frozen dataclasses with ``to_dict()``/``from_dict()``; optional
keys go out only when set and come back with ``.get``; every dict carries a
protocol version. Raw audio and face images never travel in JSON.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

__all__ = ["PROTOCOL_VERSION", "Stage", "STAGE_ORDER", "StageEventType", "StageEvent", "Trace",
           "utc_iso"]

PROTOCOL_VERSION = 1


def utc_iso(moment: datetime | None = None) -> str:
    """UTC timestamp in ISO 8601 with milliseconds and a ``Z`` (for people and logs)."""
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Stage(str, Enum):
    """Stages of one voice interaction, in the order they run."""

    VAD = "vad"
    STT = "stt"
    NLU = "nlu"
    ROUTE = "route"
    TTS = "tts"


STAGE_ORDER: tuple[Stage, ...] = (Stage.VAD, Stage.STT, Stage.NLU, Stage.ROUTE, Stage.TTS)


class StageEventType(str, Enum):
    """Wire names of trace events: ``<stage>-start`` / ``<stage>-end`` pairs, marks, errors."""

    VAD_START = "vad-start"  # speech started
    VAD_END = "vad-end"  # endpoint: the speaker stopped
    STT_START = "stt-start"
    STT_PARTIAL = "stt-partial"
    STT_END = "stt-end"  # final transcript
    NLU_START = "nlu-start"
    NLU_END = "nlu-end"
    ROUTE_START = "route-start"
    ROUTE_END = "route-end"
    TTS_START = "tts-start"
    TTS_FIRST_AUDIO = "tts-first-audio"
    TTS_END = "tts-end"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class StageEvent:
    """One timestamped event: ``t_ms`` since the run started (for durations), ``at`` for people."""

    type: StageEventType
    t_ms: float
    at: str = field(default_factory=utc_iso)
    data: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type.value, "t_ms": round(self.t_ms, 1), "at": self.at}
        if self.data:
            out["data"] = self.data
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> StageEvent:
        return cls(StageEventType(raw["type"]), float(raw["t_ms"]), raw.get("at") or utc_iso(),
                   raw.get("data"))


@dataclass
class Trace:
    """The timeline of one utterance, from speech start to first audio of the reply.

    The device records VAD/STT stages and sends the trace with the utterance;
    the hub appends NLU/route stages and stores it with the request.
    """

    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    events: list[StageEvent] = field(default_factory=list)
    _t0: float = field(default_factory=time.monotonic, repr=False)

    def mark(self, event_type: StageEventType, data: dict[str, Any] | None = None,
             t_ms: float | None = None) -> StageEvent:
        """Record an event now (or at ``t_ms`` from the audio clock) and return it."""
        when = (time.monotonic() - self._t0) * 1000 if t_ms is None else t_ms
        event = StageEvent(event_type, when, data=data)
        self.events.append(event)
        return event

    def rebase(self, offset_ms: float) -> None:
        """Shift this trace's clock so that hub-side marks continue a device-side trace."""
        self._t0 = time.monotonic() - offset_ms / 1000

    @property
    def last_t_ms(self) -> float:
        return max((e.t_ms for e in self.events), default=0.0)

    def duration_ms(self, start: StageEventType, end: StageEventType) -> float | None:
        """Time between the first ``start`` and the last ``end`` event, if both happened."""
        starts = [e.t_ms for e in self.events if e.type == start]
        ends = [e.t_ms for e in self.events if e.type == end]
        return ends[-1] - starts[0] if starts and ends else None

    def to_dict(self) -> dict[str, Any]:
        return {"version": PROTOCOL_VERSION, "run_id": self.run_id,
                "events": [e.to_dict() for e in self.events]}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Trace:
        """Rebuild a trace; unknown event types are dropped rather than failing the utterance."""
        events = []
        for item in raw.get("events") or []:
            try:
                events.append(StageEvent.from_dict(item))
            except (KeyError, ValueError, TypeError):
                continue
        trace = cls(run_id=str(raw.get("run_id") or uuid.uuid4().hex[:12]), events=events)
        trace.rebase(trace.last_t_ms)
        return trace
