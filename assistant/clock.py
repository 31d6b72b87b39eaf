"""Injected clocks: wall time for deadlines (stored in the DB), monotonic for durations.

Nothing else calls ``time.time()`` or ``datetime.now()``; tests move a
``FakeClock`` forward instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now_utc(self) -> datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """The real clock."""

    def now_utc(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to (thread-safe)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
        self._mono = 1000.0
        self._lock = threading.Lock()

    def now_utc(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._mono += max(0.0, (moment - self._now).total_seconds())
            self._now = moment
