"""Routing and the escalation chain: pure functions of the estate and the time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from assistant.errors import ConfigError
from assistant.estate import DEMO_ESTATE, load_estate
from assistant.routing import LEVEL_DUTY_MANAGER, Router

SHANGHAI = ZoneInfo("Asia/Shanghai")
ESTATE = load_estate(DEMO_ESTATE)
ROUTER = Router(ESTATE)
OWNER = ESTATE.owner_by_id("o-wang-jianguo")  # 3-1201, east district, butler s-wangjun


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, Shanghai time (26th is a Thursday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(timezone.utc)


def test_repair_goes_to_the_engineer_on_shift_with_five_minutes() -> None:
    day = ROUTER.route("repair_request", local(26, 10), owner=OWNER)
    assert (day.assignee.role, day.assignee.staff_id, day.ack_deadline_s) == ("engineering", "s-lishifu", 300)
    night = ROUTER.route("repair_request", local(26, 2), owner=OWNER)
    assert night.assignee.staff_id == "s-maogong"
    assert night.priority == "repair"


def test_butler_work_goes_to_the_own_butler_in_hours_and_the_duty_manager_outside() -> None:
    day = ROUTER.route("bill_payment", local(26, 10), owner=OWNER)
    assert (day.assignee.role, day.assignee.staff_id, day.ack_deadline_s) == ("butler", "s-wangjun", 900)
    late = ROUTER.route("bill_payment", local(26, 23, 30), owner=OWNER)
    assert late.assignee.role == "duty_manager"
    assert late.level == LEVEL_DUTY_MANAGER
    assert late.assignee.staff_id == ESTATE.duty_rotation.on_duty(local(26, 23, 30).astimezone(SHANGHAI).date())


def test_butler_follows_the_unit_when_the_owner_is_unknown() -> None:
    west = ROUTER.route("errand", local(26, 10), unit="6-2202")
    assert west.assignee.staff_id in {"s-zhaolei", "s-chenjing"}


def test_emergency_alerts_security_the_duty_manager_and_the_own_butler_at_once() -> None:
    routing = ROUTER.route("emergency", local(26, 3), owner=OWNER)
    assert routing.assignee.role == "security" and routing.assignee.staff_id == "s-fengan"
    notified = {(n.role, n.staff_id) for n in routing.also_notified}
    assert ("butler", "s-wangjun") in notified  # the butler's phone is on 24 h
    assert any(role == "duty_manager" for role, _ in notified)
    assert routing.ack_deadline_s == 60 and routing.priority == "emergency"


def test_complaint_goes_to_the_butler_with_the_duty_manager_informed() -> None:
    routing = ROUTER.route("complaint", local(26, 10), owner=OWNER)
    assert routing.assignee.staff_id == "s-wangjun"
    assert [n.role for n in routing.also_notified] == ["duty_manager"]


@pytest.mark.parametrize(("category", "role"), [
    ("cleaning_request", "cleaning"), ("parcel_service", "concierge"), ("visitor_access", "concierge"),
    ("parking", "security"), ("errand", "butler"), ("activity_booking", "butler"), ("home_watch", "butler"),
    ("health_service", "health_butler"), ("call_butler", "butler"),
])
def test_every_category_has_its_role_in_hours(category: str, role: str) -> None:
    assert ROUTER.route(category, local(26, 10), owner=OWNER).assignee.role == role


def test_roles_out_of_service_hand_over_to_the_duty_manager() -> None:
    assert ROUTER.route("cleaning_request", local(26, 23), owner=OWNER).assignee.role == "duty_manager"
    assert ROUTER.route("health_service", local(26, 21), owner=OWNER).assignee.role == "duty_manager"
    # cleaning's evening rounds run to 22:00 in summer, 21:00 in winter
    assert ROUTER.route("cleaning_request", local(26, 21, 30), owner=OWNER).assignee.role == "duty_manager"
    summer = datetime(2026, 7, 2, 21, 30, tzinfo=SHANGHAI).astimezone(timezone.utc)
    assert ROUTER.route("cleaning_request", summer, owner=OWNER).assignee.role == "cleaning"


def test_duty_manager_rotates_weekly() -> None:
    managers = [ROUTER.duty_manager(local(5, 12) + timedelta(weeks=w)).staff_id for w in range(5)]
    assert len(set(managers[:4])) == 4 and managers[4] == managers[0]


def test_escalation_chain_backup_then_duty_manager_then_estate_manager() -> None:
    now = local(26, 10)
    step = ROUTER.next_step(0, "bill_payment", now, "3-1201", OWNER, "s-wangjun")
    assert step is not None and step[0].staff_id == "s-liuxin"  # the district's other butler
    step = ROUTER.next_step(step[1], "bill_payment", now, "3-1201", OWNER, "s-liuxin")
    assert step is not None and step[0].role == "duty_manager"
    step = ROUTER.next_step(step[1], "bill_payment", now, "3-1201", OWNER, step[0].staff_id)
    assert step is not None and step[0].role == "estate_manager"
    assert ROUTER.next_step(step[1], "bill_payment", now, "3-1201", OWNER, step[0].staff_id) is None


def test_escalation_skips_a_step_with_nobody_on_duty() -> None:
    # 02:00: one engineer on the night shift, so no "next on shift" → straight to the duty manager
    step = ROUTER.next_step(0, "repair_request", local(26, 2), "3-1201", OWNER, "s-maogong")
    assert step is not None and step[0].role == "duty_manager" and step[1] == LEVEL_DUTY_MANAGER
    # 10:00: two engineers on shift → the other one first
    step = ROUTER.next_step(0, "repair_request", local(26, 10), "3-1201", OWNER, "s-lishifu")
    assert step is not None and step[0].staff_id == "s-hemin"


def test_estate_file_problems_are_all_reported(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEMO_ESTATE.read_text(encoding="utf-8"))
    raw["owners"][0]["unit"] = "twelve-oh-one"
    raw["districts"][0]["butlers"] = ["s-wangjun", "s-lishifu"]
    raw["owners"].append(dict(raw["owners"][1], id="o-nowhere", unit="9-0101"))
    path = tmp_path / "estate.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_estate(path)
    message = caught.value.message
    assert "owners.0.unit" in message and "3-1201" in message


def test_estate_cross_references_are_checked(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEMO_ESTATE.read_text(encoding="utf-8"))
    raw["districts"][0]["butlers"] = ["s-wangjun", "s-lishifu"]
    raw["owners"].append(dict(raw["owners"][1], id="o-nowhere", unit="9-0101"))
    path = tmp_path / "estate.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_estate(path)
    assert "s-lishifu' is not a butler" in caught.value.message
    assert "building 9" in caught.value.message


def test_not_yaml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_estate(path)
