"""Marks on a ``Trace`` from an injected monotonic clock.

``Trace.mark`` reads ``time.monotonic`` itself; tests and benchmarks need their
own clock, and a device that continues a trace the hub returned (to add the
reply's TTS marks) must continue its timeline. A recorder does both: its
``t_ms`` is the trace's last mark when the recorder was made, plus the clock's
elapsed time since then.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from assistant.protocol import Stage, StageEvent, StageEventType, Trace

__all__ = ["Clock", "TraceRecorder"]

Clock = Callable[[], float]
"""Monotonic seconds (``time.monotonic`` in production, a fake in tests)."""


class TraceRecorder:
    """Adds timestamped events to one trace."""

    def __init__(self, trace: Trace | None = None, clock: Clock = time.monotonic) -> None:
        self.trace = trace if trace is not None else Trace()
        self._clock = clock
        self._base_ms = self.trace.last_t_ms
        self._t0 = clock()

    def now_ms(self) -> float:
        return self._base_ms + (self._clock() - self._t0) * 1000

    def mark(self, event_type: StageEventType, **data: Any) -> StageEvent:
        """Record ``event_type`` now, with ``data`` (omitted when empty)."""
        return self.trace.mark(event_type, data or None, t_ms=self.now_ms())

    def error(self, stage: Stage, code: str, message: str) -> StageEvent:
        """The ``error`` event: which stage failed, with the error's code."""
        return self.mark(StageEventType.ERROR, stage=stage.value, code=code, message=message)
