"""The kiosk (portrait 1080×1920) and panel (1280×800) screens.

The page itself holds nothing private: it is a shell whose script presents the
device token, given once as ``?token=`` by whoever installs the screen and then
kept in the browser's localStorage (the kiosk browser is the device). With it
the script calls the device API (utterances, one-touch requests), this
module's ``/api/v1/devices/<id>/screen`` for what to show on start, and the
device-scoped event stream (``/api/v1/events?access_token=``), which
``assistant.visibility.device_can_see`` limits to the device's own requests,
its unit's requests and its announcements.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, jsonify, render_template
from sqlalchemy import or_, select

from assistant.auth import require_device
from assistant.db import get_session
from assistant.models import OPEN_STATUSES, Announcement, Device, ServiceRequest
from assistant.protocol import utc_iso
from assistant.requests import request_summary
from assistant.services import get_services
from assistant.web.i18n import SCREEN_TEXT, STATUS_NAMES

bp = Blueprint("screens", __name__)
api_bp = Blueprint("screen_api", __name__, url_prefix="/api/v1")

RECENT_REQUESTS = timedelta(hours=24)
MAX_ANNOUNCEMENTS = 5


def _screen(device_id: str, kind: str):
    """Render the shell for a registered device of this kind.

    :raise 404: no such device, or the device is of another kind.
    """
    device = get_session().get(Device, device_id)
    if device is None or device.kind != kind:
        abort(404, description=f"no {kind} {device_id!r}")
    estate = get_services().estate
    return render_template(f"screens/{kind}.html", device=device, estate=estate,
                           text={"screen": SCREEN_TEXT, "status": STATUS_NAMES})


@bp.get("/kiosk/<device_id>")
def kiosk(device_id: str):
    return _screen(device_id, "kiosk")


@bp.get("/panel/<device_id>")
def panel(device_id: str):
    return _screen(device_id, "panel")


@api_bp.get("/devices/<device_id>/screen")
def screen_state(device_id: str):
    """What a screen shows when it starts: its unit, open requests of the last day, announcements."""
    services = get_services()
    db = get_session()
    device = require_device(db, device_id)
    now = services.clock.now_utc()
    rows: list[ServiceRequest] = []
    if device.unit:  # a lobby kiosk is public: it shows only what is asked in front of it, live
        rows = list(db.scalars(
            select(ServiceRequest).where(or_(ServiceRequest.device_id == device.id,
                                             ServiceRequest.unit == device.unit),
                                         ServiceRequest.status.in_(OPEN_STATUSES),
                                         ServiceRequest.created_at >= now - RECENT_REQUESTS)
            .order_by(ServiceRequest.id.desc()).limit(20)))
    notices = db.scalars(select(Announcement).where(or_(Announcement.unit.is_(None), Announcement.unit == device.unit))
                         .order_by(Announcement.id.desc()).limit(MAX_ANNOUNCEMENTS))
    return jsonify({
        "device": {"id": device.id, "kind": device.kind, "unit": device.unit},
        "now": utc_iso(now),
        "requests": [request_summary(r) for r in rows],
        "announcements": [{"id": a.id, "text_zh": a.text_zh, "text_en": a.text_en, "at": utc_iso(a.at)}
                          for a in notices],
    })
