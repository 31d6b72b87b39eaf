"""JSON API v1 (the contract in DESIGN.md that outside tests use).

Views parse input, call a service function and serialise the result; routing,
dialogue and escalation logic live elsewhere.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assistant.auth import require_device, require_principal, require_staff
from assistant.db import get_session
from assistant.devices import device_place
from assistant.dialogue.manager import Outcome, Turn
from assistant.dialogue.short_answers import apply_named_service
from assistant.errors import BadRequest, Forbidden, NotFound, ServiceUnavailable
from assistant.models import Owner, RequestStatus, ServiceRequest, Staff, Utterance
from assistant.protocol import StageEventType, Trace, utc_iso
from assistant.requests import TRANSITIONS, add_feedback, apply_action, get_request, reassign, request_summary
from assistant.services import get_services
from assistant.web.validation import json_object, optional_str, text_field

bp = Blueprint("api", __name__, url_prefix="/api/v1")

LANGS = {"zh", "en"}
CHANNELS = {"voice", "text", "touch"}
MAX_LIST = 500


def parse_text(text: str):
    """Run the NLU, turning its errors into hub errors."""
    from nlu.adapter import NluError

    services = get_services()
    try:
        return services.nlu.parse(text)
    except NluError as err:
        if err.code in {"empty-text", "text-too-long", "bad-text"}:
            raise BadRequest(err.message, code=err.code) from err
        raise ServiceUnavailable(err.message, code=err.code) from err


@bp.post("/parse")
def parse():
    """``{"text"}`` → intent, ranking and entities of the normalised text.

    A service said by its bare name (报修, "a repair") is read as the dialogue reads it.
    """
    services = get_services()
    body = json_object()
    text = text_field(body, "text", services.settings.max_text_chars)
    return jsonify(apply_named_service(parse_text(text)).to_dict())


# --- devices -------------------------------------------------------------------------


@bp.post("/devices/<device_id>/utterances")
def post_utterance(device_id: str):
    """One utterance from a kiosk or panel → reply, expectation and (maybe) a request.

    An optional client-chosen ``id`` makes retries safe: the same id returns the
    stored answer and never creates a second request.
    """
    services = get_services()
    db = get_session()
    device = require_device(db, device_id)
    body = json_object()
    text = text_field(body, "text", services.settings.max_text_chars)
    client_id = optional_str(body, "id", 80)
    session_id = optional_str(body, "session_id", 64)
    owner_id = optional_str(body, "owner_id", 64)
    lang = optional_str(body, "lang", 8)
    channel = optional_str(body, "channel", 16) or "voice"
    if lang is not None and lang not in LANGS:
        raise BadRequest("'lang' must be 'zh' or 'en'", code="bad-lang")
    if channel not in CHANNELS:
        raise BadRequest(f"'channel' must be one of {sorted(CHANNELS)}", code="bad-channel")
    trace_raw = body.get("trace")
    if trace_raw is not None and not isinstance(trace_raw, dict):
        raise BadRequest("'trace' must be an object", code="wrong-type")
    if client_id:
        stored = _stored_response(db, device_id, client_id)
        if stored is not None:
            return jsonify(stored)

    started = time.perf_counter()
    trace = Trace.from_dict(trace_raw) if trace_raw else Trace()
    trace.mark(StageEventType.NLU_START)
    result = parse_text(text)
    trace.mark(StageEventType.NLU_END, {"intent": result.intent.name,
                                        "confidence": round(result.intent.confidence, 3)})
    services.metrics.parse_seconds.observe(result.parse_ms / 1000)
    trace.mark(StageEventType.ROUTE_START)
    turn = Turn(device_id=device.id, device_kind=device.kind, device_unit=device.unit, text=text,
                session_id=session_id, owner_id=owner_id, lang=lang, channel=channel,
                trace=None)
    outcome = services.dialogue.handle(db, turn, result)
    trace.mark(StageEventType.ROUTE_END, {"request_id": outcome.request.id if outcome.request else None})
    if outcome.created and outcome.request is not None:
        outcome.request.trace = trace.to_dict()
    response = _utterance_response(outcome)
    device.last_seen_at = services.clock.now_utc()
    _publish_subtitle(db, device, text, client_id, response, services.clock.now_utc())
    db.add(Utterance(device_id=device.id, client_id=client_id, session_id=outcome.session_id,
                     owner_id=owner_id, text=text, intent=result.intent.name,
                     confidence=result.intent.confidence,
                     request_id=outcome.request.id if outcome.request else None,
                     response=response, at=services.clock.now_utc()))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()  # the same client id raced in twice: answer with the first
        stored = _stored_response(db, device_id, client_id) if client_id else None
        if stored is None:
            raise
        return jsonify(stored)
    services.metrics.utterances.labels(result.intent.name).inc()
    services.metrics.utterance_seconds.observe(time.perf_counter() - started)
    return jsonify(response)


def _publish_subtitle(db, device, text: str, client_id: str | None, response: dict[str, Any], now) -> None:
    """Tell the device's own screen what was heard and answered (live subtitles for voice turns)."""
    from assistant.events import publish

    publish(db, "device.utterance", {
        "device_id": device.id, "unit": device.unit, "client_id": client_id, "text": text,
        "reply": response["reply"]["text"], "expect": response["expect"], "session_id": response["session_id"],
        "request_id": (response["request"] or {}).get("id")}, now)


def _stored_response(db, device_id: str, client_id: str) -> dict[str, Any] | None:
    row = db.scalars(select(Utterance).where(Utterance.device_id == device_id,
                                             Utterance.client_id == client_id)).first()
    return row.response if row is not None else None


def _utterance_response(outcome: Outcome) -> dict[str, Any]:
    req = outcome.request
    return {
        "session_id": outcome.session_id,
        "reply": outcome.reply.to_dict(),
        "intent": {"name": outcome.nlu.intent.name, "confidence": round(outcome.nlu.intent.confidence, 4)},
        "entities": [e.to_dict() for e in outcome.nlu.entities],
        "expect": outcome.expect,
        "request": None if req is None else {
            "id": req.id, "category": req.category, "priority": req.priority, "status": req.status.value,
            "assignee": {"role": req.assignee_role, "staff_id": req.assignee_staff_id,
                         "name": req.assignee_name},
            "also_notified": req.also_notified,
            "ack_deadline": utc_iso(req.ack_deadline) if req.ack_deadline else None,
        },
    }


@bp.post("/devices/<device_id>/requests")
def post_touch_request(device_id: str):
    """A one-touch request from a screen button (SOS, call my butler, common requests).

    Emergencies and "call my butler" are dispatched at once; the body may carry
    ``category``, ``text``, ``owner_id`` and ``lang``.
    """
    from assistant.requests import NewRequest, create_request
    from assistant.routing import SERVICE_CATEGORIES

    services = get_services()
    db = get_session()
    device = require_device(db, device_id)
    body = json_object()
    category = optional_str(body, "category", 32)
    if category not in SERVICE_CATEGORIES:
        raise BadRequest(f"'category' must be one of {sorted(SERVICE_CATEGORIES)}", code="bad-category")
    text = optional_str(body, "text", services.settings.max_text_chars) or ""
    owner_id = optional_str(body, "owner_id", 64)
    lang = optional_str(body, "lang", 8) or "zh"
    owner = services.estate.owner_by_id(owner_id) if owner_id else None
    if owner_id and owner is None:
        raise BadRequest(f"unknown owner {owner_id!r}", code="unknown-owner")
    unit = device.unit or (owner.unit if owner else None)
    district = services.estate.district_of_unit(unit or "")
    now = services.clock.now_utc()
    routing = services.router.route(category, now, unit=unit, owner=owner)
    place = unit or device_place(device.kind, device.id)
    label = text or {"emergency": "SOS 一键求助", "call_butler": "一键呼叫管家"}.get(category, category)
    new = NewRequest(category=category, text=text or label, lang=lang if lang in LANGS else "zh",
                     summary=f"{place} {label}", owner_id=owner.id if owner else None, unit=unit,
                     district=district.id if district else None, device_id=device.id, channel="touch")
    created = create_request(db, new, routing, now, f"device:{device.id}")
    db.commit()
    return jsonify({"request": request_summary(created)}), 201


@bp.post("/devices/<device_id>/status")
def post_device_status(device_id: str):
    """A device reports its state (online, camera, microphone); shown live on the console."""
    from assistant.events import publish

    services = get_services()
    db = get_session()
    device = require_device(db, device_id)
    body = json_object()
    status = optional_str(body, "status", 32) or "online"
    detail = body.get("detail")
    if detail is not None and not isinstance(detail, dict):
        raise BadRequest("'detail' must be an object", code="wrong-type")
    now = services.clock.now_utc()
    device.last_seen_at = now
    publish(db, "device.status", {"device_id": device.id, "kind": device.kind, "unit": device.unit,
                                  "status": status, "detail": detail or {}}, now)
    db.commit()
    return jsonify({"ok": True})


# --- requests (staff) ---------------------------------------------------------------------


@bp.get("/requests")
def list_requests():
    """Requests, newest first; filters: status, role, staff_id, owner_id, category, limit."""
    db = get_session()
    require_staff(db)
    query = select(ServiceRequest).order_by(ServiceRequest.id.desc())
    status = request.args.get("status")
    if status:
        try:
            statuses = [RequestStatus(s) for s in status.split(",")]
        except ValueError as err:
            raise BadRequest(f"unknown status in {status!r}", code="bad-filter") from err
        query = query.where(ServiceRequest.status.in_(statuses))
    for arg, column in (("role", ServiceRequest.assignee_role), ("staff_id", ServiceRequest.assignee_staff_id),
                        ("owner_id", ServiceRequest.owner_id), ("category", ServiceRequest.category),
                        ("unit", ServiceRequest.unit), ("district", ServiceRequest.district)):
        value = request.args.get(arg)
        if value:
            query = query.where(column == value)
    try:
        limit = min(int(request.args.get("limit", 100)), MAX_LIST)
    except ValueError as err:
        raise BadRequest("'limit' must be a number", code="bad-filter") from err
    rows = db.scalars(query.limit(max(limit, 1))).all()
    return jsonify({"requests": [request_summary(r) for r in rows]})


@bp.get("/requests/<int:request_id>")
def show_request(request_id: int):
    """One request with its full event history and the voice pipeline's trace."""
    db = get_session()
    require_staff(db)
    req = get_request(db, request_id)
    body = request_summary(req)
    body["events"] = [{"id": e.id, "type": e.type, "actor": e.actor, "at": utc_iso(e.at), "data": e.data}
                      for e in req.events]
    body["trace"] = req.trace
    return jsonify(body)


@bp.post("/requests/<int:request_id>/<action>")
def act_on_request(request_id: int, action: str):
    """ack | start | arrive | resolve | close | cancel | reassign | feedback."""
    services = get_services()
    db = get_session()
    principal = require_principal(db)
    body = json_object() if request.get_data() else {}
    req = get_request(db, request_id)
    now = services.clock.now_utc()
    if principal.kind == "device" and (action not in {"cancel", "feedback"} or req.device_id != principal.id):
        raise Forbidden("devices may only cancel or rate their own requests")
    if action == "reassign":
        _reassign(db, req, body, principal.actor, now)
    elif action == "feedback":
        rating = body.get("rating")
        comment = optional_str(body, "comment", 1000)
        add_feedback(db, req, rating, comment, principal.actor, now)
    elif action in TRANSITIONS:
        apply_action(db, req, action, principal.actor, now, note=optional_str(body, "note", 500))
    else:
        raise NotFound(f"unknown action {action!r}")
    db.commit()
    return jsonify(request_summary(req))


def _reassign(db, req: ServiceRequest, body: dict[str, Any], actor: str, now) -> None:
    services = get_services()
    staff_id = optional_str(body, "staff_id", 64)
    role = optional_str(body, "role", 32)
    if staff_id:
        staff = db.get(Staff, staff_id)
        if staff is None or not staff.active:
            raise BadRequest(f"unknown staff {staff_id!r}", code="unknown-staff")
        target_role, name = role or staff.role, staff.name
    elif role:
        people = services.router.on_duty(role, now)
        if role == "duty_manager":
            who = services.router.duty_manager(now)
            staff_id, name, target_role = who.staff_id, who.name, role
        elif people:
            staff_id, name, target_role = people[0].id, people[0].name, role
        else:
            raise BadRequest(f"nobody with role {role!r} is on duty", code="nobody-on-duty")
    else:
        raise BadRequest("'staff_id' or 'role' is required", code="missing-field")
    reassign(db, req, target_role, staff_id, name, actor, now, services.router.deadline(req.category))


# --- owners ------------------------------------------------------------------------------


@bp.get("/owners")
def list_owners():
    """Owners (staff only): id, name, unit, district, language."""
    db = get_session()
    require_staff(db)
    rows = db.scalars(select(Owner).order_by(Owner.unit, Owner.id)).all()
    return jsonify({"owners": [{"id": o.id, "name": o.name, "unit": o.unit, "district": o.district,
                                "language": o.lang} for o in rows]})
