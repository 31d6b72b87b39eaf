"""The kiosk greeter end to end: a video made of still frames, the real hub, one greeting."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import cv2
import numpy as np
from sqlalchemy import select

from assistant.db import session_scope
from assistant.faces import enroll_owner
from assistant.models import FaceIdentification, HubEvent
from kiosk.greeter import Greeter
from kiosk.hub_client import HubClient
from tests.faces_support import faces_dir, photo
from vision.frames import open_frames, read_image

FPS = 10
SIZE = (640, 480)


class FlaskTransport:
    """``requests``-shaped posts onto Flask's test client (the same routes, no socket)."""

    def __init__(self, client) -> None:
        self.client = client

    def post(self, url: str, *, json: Any, headers: dict[str, str], timeout: float):
        response = self.client.post(url.removeprefix("http://hub"), json=json, headers=headers)
        return SimpleNamespace(status_code=response.status_code, json=response.get_json)  # requests' shape


def _frame_with(relative: str | None, shift: int) -> np.ndarray:
    frame = np.full((SIZE[1], SIZE[0], 3), 110, np.uint8)
    cv2.rectangle(frame, (20, 300), (160, 470), (60, 90, 140), -1)  # a lobby plant pot
    if relative is not None:
        face = read_image(faces_dir() / relative)
        h, w = face.shape[:2]
        top, left = 100 + shift, 200 + 3 * shift
        frame[top:top + h, left:left + w] = face
    return frame


def _video(path, plan: list[tuple[str | None, int]]) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, SIZE)
    assert writer.isOpened()
    for relative, count in plan:
        for i in range(count):
            writer.write(_frame_with(relative, i % 4))
    writer.release()


def test_video_greets_once_not_on_every_frame(hub, tmp_path) -> None:
    services = hub.services
    with session_scope(services.sessions) as db:
        enroll_owner(db, "o-zhang-wei", [photo("gallery/jackie_chan/1.jpg"), photo("gallery/jackie_chan/2.jpg")],
                     "林娜 (front desk)", "test", hub.clock.now_utc(), services.settings.var_dir)
    video = tmp_path / "lobby.avi"
    known = "probes/jackie_chan/1.jpg"
    # empty lobby, a stranger passes, the owner walks in and lingers, leaves, comes back within the cooldown
    _video(video, [(None, 4), ("strangers/3.jpg", 5), (None, 2), (known, 10), (None, 3), (known, 6)])
    said: list[tuple[str, str | None]] = []
    client = HubClient("http://hub", "lobby-1", hub.tokens["lobby-1"], transport=FlaskTransport(hub.client))
    greeter = Greeter(client, lambda text, lang: said.append((text, lang)))
    greetings = list(greeter.run(open_frames(video)))

    assert len(greetings) == 1 and len(said) == 1
    greeting = greetings[0]
    assert greeting.owner_id == "o-zhang-wei" and greeting.text.startswith("张先生，早上好，欢迎回家。")
    assert greeting.first_seen_index == 11  # the first frame showing the owner
    assert greeting.frame_index == greeting.first_seen_index + 1  # k = 2 agreeing frames
    print(f"first known frame -> greeting: {greeting.wall_ms_since_first_seen:.0f} ms wall, "
          f"{greeting.frame_t_ms - greeting.first_seen_t_ms:.0f} ms of video")
    with session_scope(services.sessions) as db:
        rows = db.scalars(select(FaceIdentification)).all()
        arrivals = db.scalars(select(HubEvent).where(HubEvent.type == "owner.arrived")).all()
    assert len(arrivals) == 1
    assert sum(r.greeted for r in rows) == 1
    assert sum(r.owner_id is None for r in rows) >= 5  # the stranger's frames: logged as unknown, nothing stored
    assert all(r.owner_id in (None, "o-zhang-wei") for r in rows)
