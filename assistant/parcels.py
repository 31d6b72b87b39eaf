"""Parcels held at the front desk: logged by the concierge, collected by the owner.

The greeting mentions how many are waiting ("您有两个快递在前台。").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from assistant.errors import BadRequest, Conflict, NotFound
from assistant.estate import EstateConfig
from assistant.models import Owner, Parcel
from assistant.protocol import utc_iso


def log_parcel(db: Session, estate: EstateConfig, now: datetime, actor: str, owner_id: str | None = None,
               unit: str | None = None, carrier: str = "", note: str = "") -> Parcel:
    """Record a parcel received for an owner (or for a unit, when the name on it is unclear).

    :raise BadRequest: neither owner nor unit, an unknown owner, or a unit in no district.
    """
    owner = db.get(Owner, owner_id) if owner_id else None
    if owner_id and owner is None:
        raise BadRequest(f"unknown owner {owner_id!r}", code="unknown-owner")
    unit = unit or (owner.unit if owner else None)
    if not unit:
        raise BadRequest("'owner_id' or 'unit' is required", code="missing-field")
    if estate.district_of_unit(unit) is None:
        raise BadRequest(f"unit {unit!r} is not in the estate", code="unknown-unit")
    parcel = Parcel(owner_id=owner.id if owner else None, unit=unit, carrier=carrier, note=note,
                    logged_by=actor, received_at=now)
    db.add(parcel)
    db.flush()
    return parcel


def collect_parcel(db: Session, parcel_id: int, now: datetime, actor: str) -> Parcel:
    """:raise NotFound: no such parcel. :raise Conflict: already collected."""
    parcel = db.get(Parcel, parcel_id)
    if parcel is None:
        raise NotFound(f"no parcel {parcel_id}")
    if parcel.collected_at is not None:
        raise Conflict(f"parcel {parcel_id} was already collected", code="already-collected")
    parcel.collected_at, parcel.collected_by = now, actor
    return parcel


def waiting_for(db: Session, owner: Owner) -> int:
    """Parcels waiting for this owner: addressed to them, or to their unit with no name."""
    return waiting_count(db, owner.unit, owner.id)


def waiting_count(db: Session, unit: str, owner_id: str | None = None) -> int:
    """Parcels waiting for ``owner_id`` (theirs and their unit's unnamed ones), or for anyone in ``unit``."""
    mine = Parcel.unit == unit if owner_id is None else or_(
        Parcel.owner_id == owner_id, Parcel.owner_id.is_(None) & (Parcel.unit == unit))
    return db.scalar(select(func.count()).select_from(Parcel).where(Parcel.collected_at.is_(None), mine)) or 0


def parcel_dict(parcel: Parcel) -> dict[str, Any]:
    return {"id": parcel.id, "owner_id": parcel.owner_id, "unit": parcel.unit, "carrier": parcel.carrier,
            "note": parcel.note, "status": "collected" if parcel.collected_at else "waiting",
            "received_at": utc_iso(parcel.received_at),
            "collected_at": utc_iso(parcel.collected_at) if parcel.collected_at else None}
