"""Device registration: kiosks and panels get a token (shown once, stored hashed)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from assistant.auth import hash_token, new_token
from assistant.clock import Clock
from assistant.errors import BadRequest, Conflict
from assistant.estate import EstateConfig
from assistant.models import Device

DEVICE_KINDS = ("kiosk", "panel")
_PLACE_NAMES = {"kiosk": "大堂屏", "panel": "户内面板"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def device_place(kind: str, device_id: str) -> str:
    """Where a request came from when no unit is known, as a butler reads it: "大堂屏 lobby-1"."""
    return f"{_PLACE_NAMES.get(kind, kind)} {device_id}"


def register_device(db: Session, estate: EstateConfig, clock: Clock, device_id: str, kind: str,
                    unit: str | None = None, token: str | None = None, replace: bool = False) -> str:
    """Add (or re-key) a device and return its token.

    :raise BadRequest: bad id, kind, or a unit not in the estate; a panel without a unit.
    :raise Conflict: the device exists and ``replace`` is false.
    """
    if not _ID_RE.match(device_id):
        raise BadRequest(f"device id {device_id!r}: use lower-case letters, digits, '.', '_' or '-'")
    if kind not in DEVICE_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(DEVICE_KINDS)}")
    if kind == "panel" and not unit:
        raise BadRequest("a panel needs --unit (the flat it hangs in)")
    if unit and estate.district_of_unit(unit) is None:
        raise BadRequest(f"unit {unit!r} is not in any district of {estate.name}")
    token = token or new_token()
    existing = db.get(Device, device_id)
    if existing is not None and not replace:
        raise Conflict(f"device {device_id!r} exists; use --replace to issue a new token")
    device = existing or Device(id=device_id, created_at=clock.now_utc())
    device.kind, device.unit, device.token_hash = kind, unit, hash_token(token)
    db.add(device)
    db.flush()
    return token
