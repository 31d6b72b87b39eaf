"""Service requests: create, move through the lifecycle, record every change as an event.

new → assigned → acknowledged → in_progress → resolved → closed, or cancelled.
Each change writes a ``RequestEvent`` (who, what, when) and a ``HubEvent`` for the
live stream in the same transaction, so a crash never leaves one without the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.errors import BadRequest, Conflict, NotFound
from assistant.events import publish
from assistant.models import OPEN_STATUSES, UNACKNOWLEDGED, RequestEvent, RequestStatus, ServiceRequest
from assistant.protocol import utc_iso
from assistant.routing import Routing

S = RequestStatus

# action → (statuses it may start from, status it leads to, timestamp column it sets)
TRANSITIONS: dict[str, tuple[tuple[RequestStatus, ...], RequestStatus | None, str | None]] = {
    "ack": ((S.NEW, S.ASSIGNED), S.ACKNOWLEDGED, "acknowledged_at"),
    "start": ((S.NEW, S.ASSIGNED, S.ACKNOWLEDGED), S.IN_PROGRESS, "started_at"),
    "arrive": ((S.NEW, S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS), S.IN_PROGRESS, "on_site_at"),
    "resolve": ((S.NEW, S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS), S.RESOLVED, "resolved_at"),
    "close": ((S.RESOLVED,), S.CLOSED, "closed_at"),
    "cancel": (OPEN_STATUSES, S.CANCELLED, "cancelled_at"),
}


@dataclass(frozen=True, slots=True)
class NewRequest:
    """What the dialogue (or a touch button) knows when it asks for a request."""

    category: str
    text: str
    lang: str
    summary: str = ""
    entities: tuple[dict[str, Any], ...] = ()
    owner_id: str | None = None
    unit: str | None = None
    district: str | None = None
    device_id: str | None = None
    channel: str = "voice"
    trace: dict[str, Any] | None = None


def create_request(session: Session, new: NewRequest, routing: Routing, now: datetime,
                   actor: str) -> ServiceRequest:
    """Insert a routed request with its ``created`` and ``assigned`` events."""
    request = ServiceRequest(
        category=new.category, priority=routing.priority, status=S.ASSIGNED, text=new.text,
        summary=new.summary, lang=new.lang, entities=list(new.entities), owner_id=new.owner_id,
        unit=new.unit, district=new.district, device_id=new.device_id, channel=new.channel,
        assignee_role=routing.assignee.role, assignee_staff_id=routing.assignee.staff_id,
        assignee_name=routing.assignee.name,
        also_notified=[a.to_dict() for a in routing.also_notified],
        escalation_level=routing.level,
        ack_deadline=now + timedelta(seconds=routing.ack_deadline_s),
        created_at=now, updated_at=now, trace=new.trace,
    )
    session.add(request)
    session.flush()
    record(session, request, "created", actor, now,
           {"category": new.category, "channel": new.channel, "text": new.text})
    record(session, request, "assigned", "system", now,
           {"assignee": routing.assignee.to_dict(), "level": routing.level,
            "ack_deadline": utc_iso(request.ack_deadline)})
    for notified in routing.also_notified:
        record(session, request, "notified", "system", now, {"who": notified.to_dict()})
    publish(session, "request.created", request_summary(request), now)
    return request


def record(session: Session, request: ServiceRequest, event_type: str, actor: str, now: datetime,
           data: dict[str, Any] | None = None) -> RequestEvent:
    """Append one event to the request's history."""
    event = RequestEvent(request_id=request.id, type=event_type, actor=actor, at=now, data=data or {})
    session.add(event)
    return event


def add_owner_words(session: Session, request: ServiceRequest, actor: str, now: datetime, text: str) -> None:
    """More words from the owner about an open request ("快来人啊，他起不来了"): kept in its history and
    summary, and every console is told, instead of a second request for the same incident."""
    request.summary = f"{request.summary}；{text}"[:1000]
    request.updated_at = now
    record(session, request, "owner_update", actor, now, {"text": text[:500]})
    publish(session, "request.updated", request_summary(request), now)


def get_request(session: Session, request_id: int) -> ServiceRequest:
    """:raise NotFound: no request with that id."""
    request = session.get(ServiceRequest, request_id)
    if request is None:
        raise NotFound(f"no request {request_id}")
    return request


def apply_action(session: Session, request: ServiceRequest, action: str, actor: str, now: datetime,
                 note: str | None = None) -> ServiceRequest:
    """Move a request by a lifecycle action.

    :raise BadRequest: unknown action.
    :raise Conflict: the action is not allowed from the current status.
    """
    if action not in TRANSITIONS:
        raise BadRequest(f"unknown action {action!r}", code="bad-action")
    allowed_from, to_status, stamp = TRANSITIONS[action]
    if request.status not in allowed_from:
        raise Conflict(f"cannot {action} a request that is {request.status.value}",
                       code="invalid-transition")
    data: dict[str, Any] = {"from": request.status.value}
    if request.status in UNACKNOWLEDGED and action != "cancel":
        # Any first action by staff counts as the acknowledgement.
        request.acknowledged_at = request.acknowledged_at or now
        data["within_deadline"] = bool(request.ack_deadline and now <= request.ack_deadline)
        request.ack_deadline = None
    if action == "cancel":
        request.ack_deadline = None
    if to_status is not None:
        request.status = to_status
    if stamp and getattr(request, stamp) is None:
        setattr(request, stamp, now)
    request.updated_at = now
    data["to"] = request.status.value
    if note:
        data["note"] = note[:500]
    record(session, request, _EVENT_NAMES.get(action, action), actor, now, data)
    publish(session, "request.updated", request_summary(request), now)
    return request


_EVENT_NAMES = {"ack": "acknowledged", "start": "en_route", "arrive": "on_site",
                "resolve": "resolved", "close": "closed", "cancel": "cancelled"}


def reassign(session: Session, request: ServiceRequest, role: str, staff_id: str | None,
             staff_name: str | None, actor: str, now: datetime, deadline: timedelta) -> ServiceRequest:
    """Hand the request to someone else; they get a fresh acknowledgement deadline.

    :raise Conflict: the request is no longer open.
    """
    if request.status not in OPEN_STATUSES:
        raise Conflict(f"cannot reassign a request that is {request.status.value}",
                       code="invalid-transition")
    before = {"role": request.assignee_role, "staff_id": request.assignee_staff_id,
              "name": request.assignee_name}
    request.assignee_role, request.assignee_staff_id = role, staff_id
    request.assignee_name = staff_name
    request.status = S.ASSIGNED
    request.acknowledged_at = None
    request.ack_deadline = now + deadline
    request.updated_at = now
    record(session, request, "reassigned", actor, now,
           {"from": before, "to": {"role": role, "staff_id": staff_id, "name": staff_name},
            "ack_deadline": utc_iso(request.ack_deadline)})
    publish(session, "request.updated", {**request_summary(request), "previous_assignee": before}, now)
    return request


def add_feedback(session: Session, request: ServiceRequest, rating: int, comment: str | None,
                 actor: str, now: datetime) -> ServiceRequest:
    """Owner's rating (1–5) and comment; a resolved request is then closed.

    :raise BadRequest: rating out of range.
    :raise Conflict: the request is not resolved or closed yet.
    """
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise BadRequest("rating must be an integer from 1 to 5", code="bad-rating")
    if request.status not in (S.RESOLVED, S.CLOSED):
        raise Conflict("feedback is given after the request is resolved", code="invalid-transition")
    request.rating, request.comment = rating, (comment or None)
    record(session, request, "feedback", actor, now, {"rating": rating, "comment": comment})
    if request.status == S.RESOLVED:
        apply_action(session, request, "close", actor, now, note="closed after feedback")
    else:
        request.updated_at = now
        publish(session, "request.updated", request_summary(request), now)
    return request


def open_requests_by_staff(session: Session) -> dict[str, int]:
    """How many open requests each person holds (to spread new work)."""
    rows = session.execute(
        select(ServiceRequest.assignee_staff_id, func.count())
        .where(ServiceRequest.status.in_(OPEN_STATUSES))
        .group_by(ServiceRequest.assignee_staff_id)
    )
    return {staff_id: count for staff_id, count in rows if staff_id}


def request_summary(request: ServiceRequest) -> dict[str, Any]:
    """The request as the API and the live stream show it."""
    return {
        "id": request.id,
        "category": request.category,
        "priority": request.priority,
        "status": request.status.value,
        "summary": request.summary,
        "text": request.text,
        "lang": request.lang,
        "owner_id": request.owner_id,
        "unit": request.unit,
        "district": request.district,
        "device_id": request.device_id,
        "channel": request.channel,
        "entities": request.entities,
        "assignee": {"role": request.assignee_role, "staff_id": request.assignee_staff_id,
                     "name": request.assignee_name},
        "also_notified": request.also_notified,
        "escalation_level": request.escalation_level,
        "ack_deadline": utc_iso(request.ack_deadline) if request.ack_deadline else None,
        "created_at": utc_iso(request.created_at),
        "updated_at": utc_iso(request.updated_at),
        "acknowledged_at": _iso(request.acknowledged_at),
        "started_at": _iso(request.started_at),
        "on_site_at": _iso(request.on_site_at),
        "resolved_at": _iso(request.resolved_at),
        "closed_at": _iso(request.closed_at),
        "cancelled_at": _iso(request.cancelled_at),
        "rating": request.rating,
        "comment": request.comment,
    }


def _iso(moment: datetime | None) -> str | None:
    return utc_iso(moment) if moment else None
