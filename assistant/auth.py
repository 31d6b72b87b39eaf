"""Who is calling: devices and staff present bearer tokens; staff may also log in (console).

Only SHA-256 hashes of tokens are stored. Missing or unknown credentials → 401;
a valid device token used for another device's URL → 403.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import request, session
from sqlalchemy.orm import Session

from assistant.errors import Forbidden, Unauthorized
from assistant.models import Device, Staff, StaffToken


def new_token() -> str:
    """A fresh random token (shown once, stored hashed)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.args.get("access_token") or None  # EventSource cannot set headers


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a device or a staff member."""

    kind: str  # "device" | "staff"
    id: str
    role: str | None = None
    district: str | None = None
    unit: str | None = None

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.id}"


def _device_for(db: Session, token: str) -> Device | None:
    return db.query(Device).filter_by(token_hash=hash_token(token)).one_or_none()


def _staff_for(db: Session, token: str) -> Staff | None:
    row = db.get(StaffToken, hash_token(token))
    if row is None:
        return None
    staff = db.get(Staff, row.staff_id)
    return staff if staff is not None and staff.active else None


def require_device(db: Session, device_id: str) -> Device:
    """The device behind the bearer token, which must be ``device_id``.

    :raise Unauthorized: no token, or a token no device has.
    :raise Forbidden: the token belongs to another device.
    """
    token = bearer_token()
    if not token:
        raise Unauthorized("a device token is required (Authorization: Bearer <token>)")
    device = _device_for(db, token)
    if device is None:
        raise Unauthorized("unknown device token")
    if device.id != device_id:
        raise Forbidden(f"this token is not for device {device_id!r}")
    return device


def current_staff(db: Session) -> Staff | None:
    """The staff member logged in to the console or presenting a staff token."""
    token = bearer_token()
    if token:
        return _staff_for(db, token)
    staff_id = session.get("staff_id")
    if staff_id:
        staff = db.get(Staff, staff_id)
        return staff if staff is not None and staff.active else None
    return None


def require_staff(db: Session) -> Staff:
    """:raise Unauthorized: neither a staff token nor a console login."""
    staff = current_staff(db)
    if staff is None:
        raise Unauthorized("staff login or staff API token required")
    return staff


def require_principal(db: Session) -> Principal:
    """A staff member or a device, whichever the credentials name.

    :raise Unauthorized: no valid credentials.
    """
    staff = current_staff(db)
    if staff is not None:
        return Principal("staff", staff.id, staff.role, staff.district)
    token = bearer_token()
    device = _device_for(db, token) if token else None
    if device is None:
        raise Unauthorized("a device or staff token is required")
    return Principal("device", device.id, unit=device.unit)
