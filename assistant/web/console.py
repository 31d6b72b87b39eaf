"""The butler console: live queue, request pages with their timeline, owner profiles.

Staff see only what ``assistant.visibility`` lets them see; a request they may
not see is a 404 (its existence is not revealed), an owner outside their remit
a 403. Actions are JSON posts carrying the CSRF token in ``X-CSRFToken``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from jinja2 import TemplateNotFound
from sqlalchemy import select

from assistant.db import get_session
from assistant.errors import NotFound
from assistant.models import OPEN_STATUSES, Owner, ServiceRequest, Staff
from assistant.protocol import STAGE_ORDER, StageEventType, Trace, utc_iso
from assistant.requests import TRANSITIONS, apply_action, request_summary
from assistant.routing import PRIORITY_ORDER
from assistant.services import get_services
from assistant.visibility import staff_can_see, staff_can_see_owner
from assistant.web.auth_views import login_required
from assistant.web.i18n import console_lang, words

bp = Blueprint("console", __name__, url_prefix="/console")

CONSOLE_ACTIONS = ("ack", "start", "arrive", "resolve", "cancel")
EVENT_FIELDS = {"zh": {"note": "备注", "comment": "评语", "rating": "评分", "level": "升级级别"},
                "en": {"note": "note", "comment": "comment", "rating": "rating", "level": "level"}}
MAX_QUEUE = 500
MAX_PREFERENCES = 30


@bp.app_context_processor
def inject_words() -> dict[str, Any]:
    """``t`` (this language's tables) and ``lang`` in every template."""
    lang = console_lang()
    return {"lang": lang, "t": words(lang)}


@bp.app_template_filter("district_name")
def district_name(district_id: str | None) -> str:
    """A district id as its name in the console's language (东区 rather than east)."""
    for district in get_services().estate.districts:
        if district.id == district_id:
            return district.name if console_lang() == "zh" else (district.name_en or district.name)
    return district_id or "—"


@bp.app_template_filter("localtime")
def localtime(moment, fmt: str = "%m-%d %H:%M:%S") -> str:
    """A UTC datetime as estate-local wall time (what staff read on the wall clock)."""
    if moment is None:
        return "—"
    return get_services().estate.local(moment).strftime(fmt)


def can_see(summary: dict[str, Any]) -> bool:
    staff: Staff = g.staff
    return staff_can_see(staff.role, staff.district, staff.id, summary)


def get_visible_request(request_id: int) -> ServiceRequest:
    """:raise 404: no such request, or one this staff member may not see."""
    req = get_session().get(ServiceRequest, request_id)
    if req is None or not can_see(request_summary(req)):
        abort(404, description=f"no request {request_id}")
    return req


def get_visible_owner(owner_id: str) -> Owner:
    """:raise 404: no such owner. :raise 403: an owner outside this staff member's remit."""
    db = get_session()
    owner = db.get(Owner, owner_id)
    if owner is None:
        abort(404, description=f"no owner {owner_id}")
    staff: Staff = g.staff
    sees_request = any(can_see(request_summary(r)) for r in
                       db.scalars(select(ServiceRequest).where(ServiceRequest.owner_id == owner_id).limit(200)))
    if not staff_can_see_owner(staff.role, staff.district, owner.district, owner.butler_id, staff.id, sees_request):
        abort(403, description="this owner is outside your district")
    return owner


def owner_directory() -> dict[str, dict[str, str]]:
    """Owner id → display name and unit, for rows the live stream adds."""
    rows = get_session().scalars(select(Owner))
    return {o.id: {"name": f"{o.name}{o.honorific}" if not o.name.isascii() else o.name, "unit": o.unit,
                   "elderly": o.elderly} for o in rows}


def _queue_order(summary: dict[str, Any]) -> tuple[int, str, int]:
    return PRIORITY_ORDER.get(summary["priority"], 9), summary["ack_deadline"] or "~", summary["id"]


@bp.get("/")
@login_required
def queue():
    """Open requests this staff member may see, most urgent first; the page keeps itself live."""
    db = get_session()
    rows = db.scalars(select(ServiceRequest).where(ServiceRequest.status.in_(OPEN_STATUSES))
                      .order_by(ServiceRequest.id.desc()).limit(MAX_QUEUE))
    summaries = sorted((s for s in map(request_summary, rows) if can_see(s)), key=_queue_order)
    return render_template("console/queue.html", requests=summaries, owners=owner_directory(),
                           staff_list=_staff_choices(), server_now=utc_iso(get_services().clock.now_utc()))


@bp.get("/requests/<int:request_id>")
@login_required
def request_page(request_id: int):
    """One request: what was said, the full event timeline and the voice pipeline's stage timings."""
    req = get_visible_request(request_id)
    owner = get_session().get(Owner, req.owner_id) if req.owner_id else None
    lang = console_lang()
    timeline = [{"at": e.at, "type": e.type, "actor": _actor_name(e.actor, lang),
                 # a confirmed request is created by the owner's "yes": show what they asked for instead
                 "detail": req.summary if e.type == "created" else describe_event(e.data, lang)}
                for e in req.events]
    return render_template("console/request.html", req=req, summary=request_summary(req), owner=owner,
                           timeline=timeline, stages=stage_timings(req.trace), staff_list=_staff_choices(),
                           roles=sorted(words(lang)["role"].items()),
                           server_now=utc_iso(get_services().clock.now_utc()))


@bp.post("/requests/<int:request_id>/<action>")
@login_required
def act(request_id: int, action: str):
    """ack | start | arrive | resolve | cancel | reassign, by the logged-in staff member (JSON)."""
    from assistant.web.api import _reassign
    from assistant.web.validation import json_object

    services = get_services()
    db = get_session()
    req = get_visible_request(request_id)
    now = services.clock.now_utc()
    actor = f"staff:{g.staff.id}"
    if action == "reassign":
        _reassign(db, req, json_object(), actor, now)
    elif action in CONSOLE_ACTIONS and action in TRANSITIONS:
        apply_action(db, req, action, actor, now)
    else:
        raise NotFound(f"unknown action {action!r}")
    db.commit()
    return jsonify(request_summary(req))


@bp.get("/owners")
@login_required
def owners():
    """Owners this staff member may open, by unit."""
    db = get_session()
    staff: Staff = g.staff
    rows = db.scalars(select(Owner).order_by(Owner.unit, Owner.id)).all()
    visible = [o for o in rows if staff_can_see_owner(staff.role, staff.district, o.district, o.butler_id,
                                                      staff.id)]
    return render_template("console/owners.html", owners=visible)


@bp.get("/owners/<owner_id>")
@login_required
def owner_page(owner_id: str):
    """Profile: who, where, butler, preferences (editable), vehicles, family, history, consent."""
    owner = get_visible_owner(owner_id)
    db = get_session()
    butler = db.get(Staff, owner.butler_id) if owner.butler_id else None
    history = db.scalars(select(ServiceRequest).where(ServiceRequest.owner_id == owner.id)
                         .order_by(ServiceRequest.id.desc()).limit(100)).all()
    return render_template("console/owner.html", owner=owner, butler=butler, history=history,
                           has_faces_partial=_template_exists("console/_owner_faces.html"))


@bp.post("/owners/<owner_id>/preferences")
@login_required
def save_preferences(owner_id: str):
    """Replace the owner's preferences with the form's non-empty rows (kept across estate-file syncs)."""
    owner = get_visible_owner(owner_id)
    prefs: dict[str, str] = {}
    for i in range(MAX_PREFERENCES):
        key = (request.form.get(f"key_{i}") or "").strip()[:40]
        value = (request.form.get(f"value_{i}") or "").strip()[:200]
        if key and value:
            prefs[key] = value
    owner.preferences = prefs
    get_session().commit()
    flash(words(console_lang())["ui"]["saved"])
    return redirect(url_for("console.owner_page", owner_id=owner.id))


def stage_timings(trace: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Per-stage durations (ms) of a stored voice trace, in pipeline order; empty without a trace."""
    if not trace:
        return []
    parsed = Trace.from_dict(trace)
    types = {e.type.value for e in parsed.events}
    out = []
    for stage in STAGE_ORDER:
        start, end = f"{stage.value}-start", f"{stage.value}-end"
        if start in types and end in types:
            ms = parsed.duration_ms(StageEventType(start), StageEventType(end))
            out.append({"stage": stage.value, "ms": round(ms or 0.0, 1)})
    if parsed.events:
        out.append({"stage": "total", "ms": round(parsed.last_t_ms, 1)})
    return out


def describe_event(data: dict[str, Any], lang: str) -> str:
    """A one-line, human description of a timeline event's data (escaped by the template)."""
    roles = words(lang)["role"]
    parts: list[str] = []
    for key in ("assignee", "who", "to"):
        who = data.get(key)
        if isinstance(who, dict):
            parts.append(f"{who.get('name') or ''} ({roles.get(who.get('role') or '', who.get('role') or '')})")
    if "text" in data:
        parts.append(f"“{data['text']}”")
    if "within_deadline" in data:
        ok = data["within_deadline"]
        parts.append(("按时" if ok else "超时") if lang == "zh" else ("in time" if ok else "late"))
    for key in ("note", "comment", "rating", "level"):
        if data.get(key) not in (None, "", 0):
            parts.append(f"{EVENT_FIELDS[lang].get(key, key)}: {data[key]}")
    return " · ".join(p for p in parts if p.strip())


def _actor_name(actor: str, lang: str) -> str:
    kind, _, ident = actor.partition(":")
    if kind == "staff":
        staff = get_session().get(Staff, ident)
        return staff.name if staff else ident
    if kind == "system":
        return "系统" if lang == "zh" else "system"
    return actor


def _staff_choices() -> list[dict[str, str]]:
    rows = get_session().scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.role, Staff.id))
    return [{"id": s.id, "name": s.name, "role": s.role} for s in rows]


def _template_exists(name: str) -> bool:
    from flask import current_app

    try:
        current_app.jinja_env.get_template(name)
    except TemplateNotFound:
        return False
    return True
