"""A face seen at a device: match it, log it, and maybe greet the owner and tell their butler.

Matching happens on the hub, where the owner registry lives. Every lookup is
logged (owner or nobody, device, time, distance — never the embedding). The hub
greets an owner at most once per device per ``HUB_COOLDOWN_S``: later lookups in
that window still return the owner but no greeting, so a kiosk that restarts (and
forgets its own cooldown) does not greet the same person twice. A greeting
publishes ``owner.arrived`` for the owner's butler and the front desk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.estate import EstateConfig
from assistant.events import publish
from assistant.faces import load_gallery
from assistant.greeting import GreetingContext, RequestNews, compose_greeting, wants_neutral
from assistant.models import OPEN_STATUSES, Device, FaceIdentification, Owner, ServiceRequest
from assistant.parcels import waiting_for

_LOGGER = logging.getLogger(__name__)

HUB_COOLDOWN_S = 600  # seconds: one greeting per owner per device in this window


@dataclass(frozen=True, slots=True)
class Arrival:
    owner: Owner | None
    distance: float | None
    greeting: str | None
    lang: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"owner": None if self.owner is None else {"id": self.owner.id, "name": self.owner.name},
                "distance": None if self.distance is None else round(self.distance, 4),
                "greeting": None if self.greeting is None else {"text": self.greeting, "lang": self.lang}}


def latest_news(db: Session, owner_id: str) -> RequestNews | None:
    """The owner's most recently updated open request, in the words the greeting needs."""
    req = db.scalars(select(ServiceRequest).where(ServiceRequest.owner_id == owner_id,
                                                  ServiceRequest.status.in_(OPEN_STATUSES))
                     .order_by(ServiceRequest.updated_at.desc(), ServiceRequest.id.desc()).limit(1)).first()
    if req is None:
        return None
    item = next((e.get("value") for e in req.entities or [] if e.get("entity") == "facility"), None)
    return RequestNews(req.category, req.status.value, item if isinstance(item, str) else None,
                       on_site=req.on_site_at is not None)


def greeting_for(db: Session, estate: EstateConfig, owner: Owner, now: datetime) -> str:
    """The greeting text for ``owner`` arriving at ``now``."""
    return compose_greeting(GreetingContext(
        name=owner.name, name_en=owner.name_en, honorific=owner.honorific, lang=owner.lang,
        local_time=estate.local(now), birthday=owner.birthday, parcels_waiting=waiting_for(db, owner),
        news=latest_news(db, owner.id), preferences=dict(owner.preferences or {})))


def _greeted_recently(db: Session, owner_id: str, device_id: str, now: datetime, cooldown_s: float) -> bool:
    since = now - timedelta(seconds=cooldown_s)
    return db.scalar(select(FaceIdentification.id).where(
        FaceIdentification.owner_id == owner_id, FaceIdentification.device_id == device_id,
        FaceIdentification.greeted.is_(True), FaceIdentification.at >= since).limit(1)) is not None


def identify_arrival(db: Session, estate: EstateConfig, device: Device, embedding: np.ndarray,
                     now: datetime, greet: bool = True, threshold: float | None = None,
                     margin: float | None = None, cooldown_s: float = HUB_COOLDOWN_S) -> Arrival:
    """Match ``embedding`` against enrolled owners; log it; greet (and publish) unless in cooldown."""
    from vision.matching import DEFAULT_MARGIN, DEFAULT_THRESHOLD

    match = load_gallery(db).match(embedding, DEFAULT_THRESHOLD if threshold is None else threshold,
                                   DEFAULT_MARGIN if margin is None else margin)
    owner = db.get(Owner, match.owner_id) if match.owner_id else None
    greeting = None
    if greet and owner is not None and not _greeted_recently(db, owner.id, device.id, now, cooldown_s):
        greeting = greeting_for(db, estate, owner, now)
        publish(db, "owner.arrived", {
            "owner_id": owner.id, "name": owner.name, "unit": owner.unit, "district": owner.district,
            "butler_id": owner.butler_id, "device_id": device.id, "greeting": greeting,
            "neutral": wants_neutral(owner.preferences or {}), "parcels_waiting": waiting_for(db, owner),
        }, now)
    db.add(FaceIdentification(device_id=device.id, owner_id=owner.id if owner else None,
                              distance=match.distance, outcome=match.reason, greeted=greeting is not None, at=now))
    _LOGGER.info("face lookup on %s: %s (%s, distance %s)%s", device.id, owner.id if owner else "unknown",
                 match.reason, None if match.distance is None else round(match.distance, 3),
                 ", greeted" if greeting else "")
    return Arrival(owner, match.distance, greeting, owner.lang if owner and greeting else None)
