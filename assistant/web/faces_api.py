"""JSON API for faces and parcels: ``POST /api/v1/devices/<id>/faces``, ``/api/v1/parcels``.

A kiosk sends an embedding (never an image: the face stays on the device) and
gets back the owner, the distance and a greeting, or ``owner: null``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from assistant.arrivals import identify_arrival
from assistant.auth import require_device, require_staff
from assistant.db import get_session
from assistant.errors import BadRequest
from assistant.models import Parcel
from assistant.parcels import collect_parcel, log_parcel, parcel_dict
from assistant.services import get_services
from assistant.web.validation import json_object, optional_str

bp = Blueprint("faces_api", __name__, url_prefix="/api/v1")

MAX_PARCELS = 500


@bp.post("/devices/<device_id>/faces")
def post_face(device_id: str):
    """``{"embedding": [128 floats], "greet"?: bool}`` → ``{"owner", "distance", "greeting"}``.

    ``owner`` is null or ``{"id", "name"}``; ``greeting`` is null or ``{"text", "lang"}``. A kiosk
    voting over frames sends ``"greet": false`` (identify and log only) until it is sure.

    :raise 401/403: no or another device's token. :raise 400: not a list, wrong length, NaN, not numbers.
    """
    from vision.matching import validate_embedding

    services = get_services()
    db = get_session()
    device = require_device(db, device_id)
    body = json_object()
    if "embedding" not in body:
        raise BadRequest("'embedding' is required", code="missing-field")
    try:
        embedding = validate_embedding(body["embedding"])
    except ValueError as err:
        raise BadRequest(str(err), code="bad-embedding") from err
    greet = body.get("greet", True)
    if not isinstance(greet, bool):
        raise BadRequest("'greet' must be true or false", code="wrong-type")
    now = services.clock.now_utc()
    settings = services.settings
    arrival = identify_arrival(db, services.estate, device, embedding, now, greet=greet,
                               threshold=settings.face_threshold, margin=settings.face_margin,
                               cooldown_s=settings.face_greeting_cooldown_s)
    device.last_seen_at = now
    db.commit()
    return jsonify(arrival.to_dict())


@bp.post("/parcels")
def post_parcel():
    """Staff log a parcel: ``{"owner_id"?, "unit"?, "carrier"?, "note"?}`` → the parcel (201)."""
    services = get_services()
    db = get_session()
    staff = require_staff(db)
    body = json_object()
    parcel = log_parcel(db, services.estate, services.clock.now_utc(), f"staff:{staff.id}",
                        owner_id=optional_str(body, "owner_id", 64), unit=optional_str(body, "unit", 16),
                        carrier=optional_str(body, "carrier", 40) or "", note=optional_str(body, "note", 500) or "")
    db.commit()
    return jsonify(parcel_dict(parcel)), 201


@bp.post("/parcels/<int:parcel_id>/collect")
def post_collect(parcel_id: int):
    """Staff hand a parcel over. :raise 404: no such parcel. :raise 409: already collected."""
    services = get_services()
    db = get_session()
    staff = require_staff(db)
    parcel = collect_parcel(db, parcel_id, services.clock.now_utc(), f"staff:{staff.id}")
    db.commit()
    return jsonify(parcel_dict(parcel))


@bp.get("/parcels")
def list_parcels():
    """Parcels, newest first; filters: owner_id, unit, status (waiting | collected)."""
    db = get_session()
    require_staff(db)
    query = select(Parcel).order_by(Parcel.id.desc())
    for arg, column in (("owner_id", Parcel.owner_id), ("unit", Parcel.unit)):
        if request.args.get(arg):
            query = query.where(column == request.args[arg])
    status = request.args.get("status")
    if status not in (None, "waiting", "collected"):
        raise BadRequest("'status' must be waiting or collected", code="bad-filter")
    if status:
        query = query.where(Parcel.collected_at.is_(None) if status == "waiting" else Parcel.collected_at.is_not(None))
    return jsonify({"parcels": [parcel_dict(p) for p in db.scalars(query.limit(MAX_PARCELS))]})
