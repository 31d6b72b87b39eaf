"""The camera greeter: frames → largest face → embedding → hub → vote → greet once.

Per frame the greeter embeds the largest face and asks the hub who it is
without greeting (``greet: false``: the hub logs the lookup). When the same owner
wins ``k`` of the last ``n`` frames, and this device has not greeted them within
its cooldown, it asks once more with ``greet: true``; the hub composes the
greeting (and applies its own cooldown, so a restarted kiosk does not greet
twice), and the greeter speaks or prints it. Unknown faces are neither stored
nor sent anywhere but the hub's matcher.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from kiosk.hub_client import HubClient, HubError
from vision.faces import faces_in
from vision.frames import Frame
from vision.voting import Voter, VoteSettings

_LOGGER = logging.getLogger(__name__)

LIVE_MIN_FACE_PX = 40
"""Smaller faces are people far across the lobby: not greeted, not sent."""


@dataclass(frozen=True, slots=True)
class Greeting:
    """A greeting the kiosk said, with the frame that triggered it and timings (ms)."""

    owner_id: str
    text: str
    lang: str | None
    frame_index: int
    frame_t_ms: float
    first_seen_index: int
    first_seen_t_ms: float
    wall_ms_since_first_seen: float


class Greeter:
    """Feed frames; say greetings. ``say`` is TTS on a kiosk, ``print`` or a list's append elsewhere."""

    def __init__(self, client: HubClient, say: Callable[[str, str | None], None],
                 votes: VoteSettings | None = None, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.say = say
        self.voter = Voter(votes)
        self._monotonic = monotonic
        self._first_seen: dict[str, tuple[int, float, float]] = {}  # owner → (frame index, frame t_ms, wall s)

    def process(self, frame: Frame) -> Greeting | None:
        """Handle one frame; return the greeting if one was said."""
        started = self._monotonic()
        faces = [f for f in faces_in(frame.image, max_faces=1, upsample=None)  # fast path for live frames
                 if f.box.width >= LIVE_MIN_FACE_PX]
        owner_id = None
        if faces:
            try:
                answer = self.client.identify([float(v) for v in faces[0].embedding], greet=False)
            except HubError as err:
                _LOGGER.warning("device %s: face lookup failed (%s)", self.client.device_id, err.code)
                answer = None
            owner_id = answer.owner_id if answer else None
        now = self._monotonic()
        if owner_id is not None and not self.voter.in_cooldown(owner_id, now):
            self._first_seen.setdefault(owner_id, (frame.index, frame.t_ms, started))
        chosen = self.voter.observe(owner_id, now)
        if chosen is None:
            return None
        try:
            answer = self.client.identify([float(v) for v in faces[0].embedding], greet=True)
        except HubError as err:
            _LOGGER.warning("device %s: greeting request failed (%s)", self.client.device_id, err.code)
            return None
        if answer.owner_id != chosen or not answer.greeting:
            return None  # the hub greeted them here recently, or changed its mind
        first_index, first_t_ms, first_wall = self._first_seen.pop(chosen)
        self.say(answer.greeting, answer.lang)
        _LOGGER.info("device %s greeted %s at frame %d", self.client.device_id, chosen, frame.index)
        return Greeting(chosen, answer.greeting, answer.lang, frame.index, frame.t_ms, first_index, first_t_ms,
                        (self._monotonic() - first_wall) * 1000)

    def run(self, frames: Iterable[Frame]) -> Iterator[Greeting]:
        """Process every frame; yield each greeting said."""
        for frame in frames:
            greeting = self.process(frame)
            if greeting is not None:
                yield greeting
