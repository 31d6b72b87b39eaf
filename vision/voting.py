"""Greet only when sure, and only once: k-of-n frame voting plus a per-owner cooldown.

One frame's match can be wrong (motion blur, a half-turned head); the same owner
in ``k`` of the last ``n`` frames is not. After a greeting the owner is not
greeted again on this device for ``cooldown_s``. Times are monotonic seconds
from an injected clock, so tests move time by hand.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass

__all__ = ["VoteSettings", "Voter"]


@dataclass(frozen=True)
class VoteSettings:
    """How sure, and how often."""

    k: int = 2
    """Frames that must agree (2: one more frame, ~0.3 s, before the greeting; 3 took 1.7 s under load)."""
    n: int = 3
    """Window of recent frames (frames without a known face count as misses)."""
    cooldown_s: float = 600.0
    """Seconds before the same owner is greeted again on this device."""

    def __post_init__(self) -> None:
        if not 1 <= self.k <= self.n:
            raise ValueError("need 1 <= k <= n")
        if self.cooldown_s < 0:
            raise ValueError("cooldown_s must be >= 0")


class Voter:
    """Feed one identity (or None) per frame; get an owner id back when it is time to greet."""

    def __init__(self, settings: VoteSettings | None = None) -> None:
        self.settings = settings or VoteSettings()
        self._window: deque[str | None] = deque(maxlen=self.settings.n)
        self._greeted_at: dict[str, float] = {}

    def observe(self, owner_id: str | None, now_s: float) -> str | None:
        """Record this frame's identity; return the owner to greet now, else None."""
        self._window.append(owner_id)
        if owner_id is None:
            return None
        votes = Counter(v for v in self._window if v is not None)
        if votes[owner_id] < self.settings.k:
            return None
        last = self._greeted_at.get(owner_id)
        if last is not None and now_s - last < self.settings.cooldown_s:
            return None
        self._greeted_at[owner_id] = now_s
        return owner_id

    def in_cooldown(self, owner_id: str, now_s: float) -> bool:
        last = self._greeted_at.get(owner_id)
        return last is not None and now_s - last < self.settings.cooldown_s
