"""Shared fixtures: one real Rasa model per test session, real SQLite per test.

Tests that need a model fail with the command that builds it; they never skip:
CI always has the models (`make test` trains them first).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def _model(split: str) -> Path:
    import os

    from nlu.training import find_model

    override = os.environ.get(f"GUANJIA_TEST_MODEL_{split.upper()}")  # for debugging with another model
    if override:
        return Path(override)
    path, current = find_model(ROOT / "models" / "nlu", split)  # type: ignore[arg-type]
    if path is None or not current:
        flag = "" if split == "all" else " --split train"
        pytest.fail(f"no current NLU model ({split}); run `make models` or "
                    f"`.venv/bin/guanjia nlu train{flag}`", pytrace=False)
    return path


@pytest.fixture(scope="session")
def nlu_adapter():
    """The production NLU model, loaded and warmed once for the whole session."""
    from nlu.adapter import load_adapter

    return load_adapter(_model("all"))


@pytest.fixture(scope="session")
def held_out_adapter():
    """The model trained without the held-out split (for honest accuracy figures)."""
    from nlu.adapter import load_adapter

    return load_adapter(_model("train"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var", testing=True, secret_key="test-secret", run_workers=False)


@pytest.fixture
def fake_clock():
    """Thursday 2026-11-26 10:00 in Shanghai (02:00 UTC): everyone's shift is on."""
    from assistant.clock import FakeClock

    return FakeClock()


@pytest.fixture
def app(settings: Settings, nlu_adapter, fake_clock):
    from assistant.app import create_app

    return create_app(settings, nlu=nlu_adapter, clock=fake_clock)


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Hub:
    """A hub under test with helpers to register devices, get staff tokens and talk."""

    app: Any
    client: Any
    clock: Any
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def services(self):
        return self.app.extensions["guanjia"]

    def add_device(self, device_id: str, kind: str, unit: str | None = None) -> str:
        from assistant.db import session_scope
        from assistant.devices import register_device

        with session_scope(self.services.sessions) as db:
            token = register_device(db, self.services.estate, self.clock, device_id, kind, unit)
        self.tokens[device_id] = token
        return token

    def staff_headers(self, staff_id: str) -> dict[str, str]:
        from assistant.auth import hash_token, new_token
        from assistant.db import session_scope
        from assistant.models import StaffToken

        token = new_token()
        with session_scope(self.services.sessions) as db:
            db.add(StaffToken(token_hash=hash_token(token), staff_id=staff_id, created_at=self.clock.now_utc()))
        return {"Authorization": f"Bearer {token}"}

    def say(self, device_id: str, text: str, session_id: str | None = None, **extra: Any) -> dict:
        body = {"text": text, **extra}
        if session_id:
            body["session_id"] = session_id
        response = self.client.post(f"/api/v1/devices/{device_id}/utterances", json=body,
                                    headers={"Authorization": f"Bearer {self.tokens[device_id]}"})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    @staticmethod
    def read_events(response: Any, count: int) -> list[dict]:
        """Up to ``count`` Server-Sent Events from a streamed test-client response."""
        events, buffer = [], ""
        for chunk in response.response:
            buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
            while "\n\n" in buffer:
                frame, buffer = buffer.split("\n\n", 1)
                lines = dict(line.split(": ", 1) for line in frame.splitlines() if ": " in line)
                if "event" in lines:
                    events.append({"id": int(lines["id"]), "type": lines["event"], **json.loads(lines["data"])})
                    if len(events) >= count:
                        return events
        return events

    def conversation(self, device_id: str, *texts: str, **extra: Any) -> list[dict]:
        """Say several things in one session; return every response."""
        answers: list[dict] = []
        for text in texts:
            answers.append(self.say(device_id, text, answers[-1]["session_id"] if answers else None, **extra))
        return answers


@pytest.fixture
def hub(app, client, fake_clock) -> Hub:
    """The demo estate with a panel in 3-1201, a panel in 2-0601 and a lobby kiosk."""
    h = Hub(app, client, fake_clock)
    h.add_device("panel-3-1201", "panel", "3-1201")
    h.add_device("panel-2-0601", "panel", "2-0601")
    h.add_device("lobby-1", "kiosk")
    return h
