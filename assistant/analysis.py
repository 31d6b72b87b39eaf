"""Weekly analysis of owners' needs (the service standard asks butlers for it every week).

Pure functions over already-loaded requests (with their events), so the figures
are testable without Flask; ``load_week`` is the one query. Days are the
estate's local days; "now" is passed in, never read from a clock here.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assistant.models import ServiceRequest

TOP_NEEDS = 3
LONGEST_WAITS = 5


@dataclass(frozen=True, slots=True)
class Week:
    """Seven local days starting on ``start`` (a Monday), as a UTC half-open interval."""

    start: date
    zone: ZoneInfo

    @classmethod
    def containing(cls, moment: datetime, zone: ZoneInfo) -> Week:
        local = moment.astimezone(zone).date()
        return cls(local - timedelta(days=local.weekday()), zone)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(7)]

    @property
    def begins_utc(self) -> datetime:
        return datetime.combine(self.start, time(0), self.zone)

    @property
    def ends_utc(self) -> datetime:
        return datetime.combine(self.start + timedelta(days=7), time(0), self.zone)


@dataclass(slots=True)
class WeeklyReport:
    """The week's figures, ready for the page, the charts and the CSV."""

    week: Week
    total: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_day: dict[str, int] = field(default_factory=dict)
    by_category_day: dict[str, dict[str, int]] = field(default_factory=dict)
    acked_in_time: int = 0
    ack_judged: int = 0
    repair_onsite_min: list[float] = field(default_factory=list)
    top_needs: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    longest_waits: list[dict[str, object]] = field(default_factory=list)

    @property
    def ack_within_pct(self) -> float | None:
        return round(100 * self.acked_in_time / self.ack_judged, 1) if self.ack_judged else None

    @property
    def repair_onsite_median_min(self) -> float | None:
        return round(statistics.median(self.repair_onsite_min), 1) if self.repair_onsite_min else None

    @property
    def repair_onsite_mean_min(self) -> float | None:
        return round(statistics.fmean(self.repair_onsite_min), 1) if self.repair_onsite_min else None


def load_week(db: Session, week: Week) -> list[ServiceRequest]:
    """Requests created in the week, with their events (one query each)."""
    stmt = (select(ServiceRequest).options(selectinload(ServiceRequest.events))
            .where(ServiceRequest.created_at >= week.begins_utc, ServiceRequest.created_at < week.ends_utc)
            .order_by(ServiceRequest.id))
    return list(db.scalars(stmt))


def ack_in_time(req: ServiceRequest, now: datetime) -> bool | None:
    """Whether the first acknowledgement met its deadline; None while it still may.

    The deadline is cleared on acknowledgement, so the verdict recorded in the
    acknowledging event is used; an unacknowledged request past its deadline is late.
    """
    for event in req.events:
        if "within_deadline" in (event.data or {}):
            return bool(event.data["within_deadline"])
    if req.acknowledged_at is None and req.ack_deadline is not None:
        return False if now > req.ack_deadline else None
    return None


def wait_s(req: ServiceRequest, now: datetime) -> float:
    """How long the owner waited for someone to acknowledge (still waiting: until now)."""
    end = req.acknowledged_at or (req.cancelled_at if req.cancelled_at else now)
    return max(0.0, (end - req.created_at).total_seconds())


def onsite_min(req: ServiceRequest) -> float | None:
    """Minutes from the request to the engineer on site (None if not yet there)."""
    if req.on_site_at is None:
        return None
    return (req.on_site_at - req.created_at).total_seconds() / 60


def weekly_report(requests: Iterable[ServiceRequest], week: Week, now: datetime,
                  owner_names: dict[str, str] | None = None) -> WeeklyReport:
    """Every figure of the weekly page from the week's requests."""
    names = owner_names or {}
    report = WeeklyReport(week)
    by_category: Counter[str] = Counter()
    by_day: Counter[str] = Counter({d.isoformat(): 0 for d in week.days})
    matrix: dict[str, Counter[str]] = defaultdict(Counter)
    by_district: dict[str, Counter[str]] = defaultdict(Counter)
    longest: dict[str, dict[str, object]] = {}
    for req in requests:
        day = req.created_at.astimezone(week.zone).date().isoformat()
        report.total += 1
        by_category[req.category] += 1
        by_day[day] += 1
        matrix[req.category][day] += 1
        by_district[req.district or "—"][req.category] += 1
        verdict = ack_in_time(req, now)
        if verdict is not None:
            report.ack_judged += 1
            report.acked_in_time += verdict
        if req.category == "repair_request" and (minutes := onsite_min(req)) is not None:
            report.repair_onsite_min.append(minutes)
        if req.owner_id:
            waited = wait_s(req, now)
            best = longest.get(req.owner_id)
            if best is None or waited > float(best["wait_s"]):  # type: ignore[arg-type]
                longest[req.owner_id] = {"owner_id": req.owner_id, "name": names.get(req.owner_id, req.owner_id),
                                         "unit": req.unit or "", "request_id": req.id, "category": req.category,
                                         "wait_s": round(waited)}
    report.by_category = dict(by_category.most_common())
    report.by_day = dict(sorted(by_day.items()))
    report.by_category_day = {c: {d.isoformat(): matrix[c][d.isoformat()] for d in week.days}
                              for c in report.by_category}
    report.top_needs = {d: counts.most_common(TOP_NEEDS) for d, counts in sorted(by_district.items())}
    report.longest_waits = sorted(longest.values(), key=lambda r: -float(r["wait_s"]))[:LONGEST_WAITS]  # type: ignore
    return report


CSV_COLUMNS = ("id", "created_local", "district", "unit", "owner", "category", "priority", "status", "channel",
               "assignee", "ack_wait_s", "ack_in_time", "onsite_min", "resolved_local")


def report_csv(requests: Sequence[ServiceRequest], week: Week, now: datetime,
               owner_names: dict[str, str] | None = None) -> str:
    """One row per request of the week (UTF-8 with BOM, so spreadsheet programs show Chinese)."""
    names = owner_names or {}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for req in requests:
        verdict = ack_in_time(req, now)
        minutes = onsite_min(req)
        writer.writerow([
            req.id, _local(req.created_at, week.zone), req.district or "", req.unit or "",
            names.get(req.owner_id or "", req.owner_id or ""), req.category, req.priority, req.status.value,
            req.channel, req.assignee_name or req.assignee_role, round(wait_s(req, now)),
            "" if verdict is None else ("yes" if verdict else "no"),
            "" if minutes is None else round(minutes, 1), _local(req.resolved_at, week.zone),
        ])
    return out.getvalue()


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""
