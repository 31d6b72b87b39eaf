"""``GET /api/v1/events``: the live stream as Server-Sent Events, resumable by ``Last-Event-ID``."""

from __future__ import annotations

from flask import Blueprint, Response, request, stream_with_context

from assistant.auth import require_principal
from assistant.db import get_session
from assistant.errors import BadRequest
from assistant.events import latest_event_id, stream_events
from assistant.models import HubEvent
from assistant.services import get_services
from assistant.visibility import device_can_see, staff_can_see, staff_can_see_arrival

bp = Blueprint("events", __name__, url_prefix="/api/v1")

STREAM_MAX_S = 30 * 60  # clients reconnect (with Last-Event-ID) after this


@bp.get("/events")
def events():
    """Stream events after ``Last-Event-ID`` (or ``?since=``), or from now when neither is given."""
    services = get_services()
    db = get_session()
    principal = require_principal(db)
    raw = request.headers.get("Last-Event-ID") or request.args.get("since")
    if raw is None:
        last_id = latest_event_id(db)
    else:
        try:
            last_id = max(0, int(raw))
        except ValueError as err:
            raise BadRequest("Last-Event-ID must be an event id", code="bad-event-id") from err
    db.close()

    if principal.kind == "staff":
        def accept(row: HubEvent) -> bool | str:
            if row.type.startswith("request."):
                if staff_can_see(principal.role or "", principal.district, principal.id, row.data):
                    return True
                previous = row.data.get("previous_assignee") or {}
                # reassigned away from someone who now cannot see it: their queue drops it live
                return "request.removed" if previous.get("staff_id") == principal.id else False
            if row.type == "owner.arrived":
                return staff_can_see_arrival(principal.role or "", principal.id, row.data)
            return row.type != "device.utterance"  # subtitles are for the device's own screen
    else:
        def accept(row: HubEvent) -> bool:
            return device_can_see(principal.id, principal.unit, row.type, row.data)

    try:
        max_s = min(float(request.args.get("max_s", STREAM_MAX_S)), STREAM_MAX_S)
    except ValueError as err:
        raise BadRequest("'max_s' must be a number of seconds", code="bad-filter") from err
    frames = stream_events(services.sessions, services.bus, last_id, accept, max_s=max_s)
    response = Response(stream_with_context(frames), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response
