"""The device's side of the hub API (HTTP with the device token), as far as the greeter needs it.

The transport is any object with ``post(url, json=, headers=, timeout=)`` returning
a response with ``status_code`` and ``json()`` — a ``requests.Session`` in the
lobby, an adapter over Flask's test client in tests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

_LOGGER = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 5.0


class HubError(Exception):
    """The hub answered with an error or could not be reached; ``code`` as the hub gave it."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class Transport(Protocol):
    def post(self, url: str, *, json: Any, headers: dict[str, str], timeout: float) -> Any: ...


@dataclass(frozen=True, slots=True)
class FaceAnswer:
    """The hub's answer to one embedding."""

    owner_id: str | None
    owner_name: str | None
    distance: float | None
    greeting: str | None
    lang: str | None

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> FaceAnswer:
        owner = body.get("owner") or {}
        greeting = body.get("greeting") or {}
        return cls(owner.get("id"), owner.get("name"), body.get("distance"), greeting.get("text"),
                   greeting.get("lang"))


class HubClient:
    """Calls the hub as one device."""

    def __init__(self, base_url: str, device_id: str, token: str, transport: Transport | None = None) -> None:
        if transport is None:
            import requests

            transport = requests.Session()
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self._headers = {"Authorization": f"Bearer {token}"}
        self._transport = transport

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base_url}/api/v1/devices/{self.device_id}{path}"
        try:
            response = self._transport.post(url, json=body, headers=self._headers, timeout=REQUEST_TIMEOUT_S)
        except OSError as err:  # requests' ConnectionError and timeouts are OSErrors
            raise HubError("hub-unreachable", f"cannot reach the hub at {self.base_url}: {err}") from err
        payload = response.json()
        if response.status_code >= 400:
            error = (payload or {}).get("error", {})
            raise HubError(error.get("code", "error"), error.get("message", ""), response.status_code)
        return payload

    def identify(self, embedding: list[float], greet: bool) -> FaceAnswer:
        """Who is this? With ``greet`` the hub may also greet (its cooldown permitting)."""
        return FaceAnswer.from_dict(self._post("/faces", {"embedding": embedding, "greet": greet}))
