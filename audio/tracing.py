"""Marks on a ``Trace`` from the injected clock (``assistant.clock``).

``Trace.mark`` reads ``time.monotonic`` and the wall clock itself; tests and
benchmarks need their own clock, and a device that continues a trace the hub
returned (to add the reply's TTS marks) must continue its timeline. A recorder
does both: its ``t_ms`` is the trace's last mark when the recorder was made plus
the clock's monotonic time since then, and ``at`` is the clock's UTC time.
"""

from __future__ import annotations

from typing import Any

from assistant.clock import Clock, SystemClock
from assistant.protocol import Stage, StageEvent, StageEventType, Trace, utc_iso

__all__ = ["Clock", "SystemClock", "TraceRecorder"]


class TraceRecorder:
    """Adds timestamped events to one trace."""

    def __init__(self, trace: Trace | None = None, clock: Clock | None = None) -> None:
        self.trace = trace if trace is not None else Trace()
        self._clock = clock or SystemClock()
        self._base_ms = self.trace.last_t_ms
        self._t0 = self._clock.monotonic()

    def now_ms(self) -> float:
        return self._base_ms + (self._clock.monotonic() - self._t0) * 1000

    def mark(self, event_type: StageEventType, **data: Any) -> StageEvent:
        """Record ``event_type`` now, with ``data`` (omitted when empty)."""
        event = StageEvent(event_type, self.now_ms(), utc_iso(self._clock.now_utc()),
                           data or None)
        self.trace.events.append(event)
        return event

    def error(self, stage: Stage, code: str, message: str) -> StageEvent:
        """The ``error`` event: which stage failed, with the error's code."""
        return self.mark(StageEventType.ERROR, stage=stage.value, code=code, message=message)
