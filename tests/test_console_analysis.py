"""Weekly analysis figures: pure functions over requests built in memory (no app, no model)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from assistant.analysis import Week, ack_in_time, report_csv, wait_s, weekly_report
from assistant.models import RequestEvent, RequestStatus, ServiceRequest

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 27, 4, 0, tzinfo=timezone.utc)  # Friday noon in Shanghai


def make(id_: int, category: str, created: datetime, *, district: str = "east", owner: str | None = "o-a",
         acked_after_s: float | None = None, within: bool | None = None, on_site_after_min: float | None = None,
         deadline_s: float = 300) -> ServiceRequest:
    req = ServiceRequest(id=id_, category=category, priority="repair" if category == "repair_request" else "normal",
                         status=RequestStatus.ASSIGNED, text="t", summary="s", owner_id=owner, unit="3-1201",
                         district=district, channel="voice", assignee_role="engineering", assignee_name="李强",
                         created_at=created, updated_at=created)
    req.events = []
    if acked_after_s is not None:
        req.status = RequestStatus.ACKNOWLEDGED
        req.acknowledged_at = created + timedelta(seconds=acked_after_s)
        req.events.append(RequestEvent(type="acknowledged", actor="staff:x", at=req.acknowledged_at,
                                       data={"within_deadline": within}))
    else:
        req.ack_deadline = created + timedelta(seconds=deadline_s)
    if on_site_after_min is not None:
        req.status = RequestStatus.IN_PROGRESS
        req.on_site_at = created + timedelta(minutes=on_site_after_min)
    return req


def local(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=ZONE).astimezone(timezone.utc)


def test_week_is_local_monday_to_monday() -> None:
    week = Week.containing(NOW, ZONE)
    assert week.start == MONDAY
    assert week.begins_utc == datetime(2026, 11, 22, 16, tzinfo=timezone.utc)
    assert len(week.days) == 7 and week.days[-1] == date(2026, 11, 29)
    # 00:30 on Monday in Shanghai is still Sunday in UTC, but belongs to the new week
    assert Week.containing(datetime(2026, 11, 22, 16, 30, tzinfo=timezone.utc), ZONE).start == MONDAY


def test_acknowledgement_verdicts() -> None:
    assert ack_in_time(make(1, "repair_request", local(24, 9), acked_after_s=60, within=True), NOW) is True
    assert ack_in_time(make(2, "repair_request", local(24, 9), acked_after_s=900, within=False), NOW) is False
    assert ack_in_time(make(3, "repair_request", local(24, 9)), NOW) is False  # never acknowledged, overdue
    pending = make(4, "repair_request", NOW - timedelta(seconds=10))
    assert ack_in_time(pending, NOW) is None  # still has time
    assert wait_s(pending, NOW) == 10


def test_weekly_report_figures() -> None:
    requests = [
        make(1, "repair_request", local(23, 9), acked_after_s=60, within=True, on_site_after_min=20),
        make(2, "repair_request", local(24, 10), acked_after_s=400, within=False, on_site_after_min=40,
             owner="o-b"),
        make(3, "parcel_service", local(24, 23), acked_after_s=30, within=True, district="west", owner="o-c"),
        make(4, "parcel_service", local(26, 8), district="west", owner="o-c", deadline_s=900),
    ]
    report = weekly_report(requests, Week(MONDAY, ZONE), NOW, {"o-b": "李四", "o-c": "王五"})
    assert report.total == 4
    assert report.by_category == {"repair_request": 2, "parcel_service": 2}
    assert report.by_day["2026-11-24"] == 2 and report.by_day["2026-11-25"] == 0 and len(report.by_day) == 7
    assert report.by_category_day["parcel_service"]["2026-11-26"] == 1
    assert (report.acked_in_time, report.ack_judged) == (2, 4) and report.ack_within_pct == 50.0
    assert report.repair_onsite_median_min == 30.0 and report.repair_onsite_mean_min == 30.0
    assert report.top_needs == {"east": [("repair_request", 2)], "west": [("parcel_service", 2)]}
    longest = report.longest_waits[0]
    assert longest["owner_id"] == "o-c" and longest["name"] == "王五" and longest["request_id"] == 4


def test_empty_week() -> None:
    report = weekly_report([], Week(MONDAY, ZONE), NOW)
    assert report.total == 0 and report.ack_within_pct is None and report.repair_onsite_median_min is None
    assert sum(report.by_day.values()) == 0 and report.longest_waits == []


def test_csv_rows() -> None:
    rows = report_csv([make(7, "repair_request", local(24, 9), acked_after_s=60, within=True,
                            on_site_after_min=12.5)], Week(MONDAY, ZONE), NOW, {"o-a": "张三"})
    lines = rows.lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("id,created_local,district")
    assert lines[1] == "7,2026-11-24 09:00,east,3-1201,张三,repair_request,repair,in_progress,voice,李强,60,yes,12.5,"
