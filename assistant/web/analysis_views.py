"""Weekly analysis page (charts by the vendored Chart.js) and its CSV export.

Each staff member's figures cover the requests they may see, so a butler's
week is their district's week and a manager's the whole estate's.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, g, render_template, request
from sqlalchemy import select

from assistant.analysis import Week, load_week, report_csv, weekly_report
from assistant.db import get_session
from assistant.models import Owner, ServiceRequest
from assistant.requests import request_summary
from assistant.services import get_services
from assistant.visibility import staff_can_see
from assistant.web.auth_views import login_required

bp = Blueprint("analysis", __name__, url_prefix="/console/analysis")


def _week() -> Week:
    """``?week=YYYY-MM-DD`` (any day of it), or the current week.

    :raise 400: a malformed date.
    """
    services = get_services()
    zone = services.estate.zone
    raw = request.args.get("week")
    if not raw:
        return Week.containing(services.clock.now_utc(), zone)
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        abort(400, description="week must be a date like 2026-11-23")
    return Week(day - timedelta(days=day.weekday()), zone)


def _visible_week(week: Week) -> list[ServiceRequest]:
    staff = g.staff
    return [r for r in load_week(get_session(), week)
            if staff_can_see(staff.role, staff.district, staff.id, request_summary(r))]


def _owner_names() -> dict[str, str]:
    return {o.id: o.name for o in get_session().scalars(select(Owner))}


@bp.get("/")
@login_required
def weekly():
    week = _week()
    report = weekly_report(_visible_week(week), week, get_services().clock.now_utc(), _owner_names())
    return render_template("console/analysis.html", report=report, week=week,
                           previous=(week.start - timedelta(days=7)).isoformat(),
                           following=(week.start + timedelta(days=7)).isoformat())


@bp.get("/export.csv")
@login_required
def export_csv():
    week = _week()
    body = report_csv(_visible_week(week), week, get_services().clock.now_utc(), _owner_names())
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=guanjia-week-{week.start.isoformat()}.csv"})
