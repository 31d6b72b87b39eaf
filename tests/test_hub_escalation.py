"""Deadlines and escalation with an injected clock; restart on the same database."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from assistant.app import create_app


def _events(hub, request_id: int) -> list[dict]:
    body = hub.client.get(f"/api/v1/requests/{request_id}", headers=hub.staff_headers("s-gaoyuan")).get_json()
    return body["events"]


def _repair(hub) -> dict:
    _, done = hub.conversation("panel-3-1201", "卫生间漏水了", "对")
    return done["request"]


def test_unacknowledged_repair_escalates_at_five_minutes(hub) -> None:
    request = _repair(hub)
    hub.clock.advance(299)
    assert hub.services.escalator.run_due() == []
    hub.clock.advance(1)
    assert hub.services.escalator.run_due() == [request["id"]]
    escalated = [e for e in _events(hub, request["id"]) if e["type"] == "escalated"]
    assert len(escalated) == 1
    assert escalated[0]["data"]["from"]["level"] == 0
    assert escalated[0]["data"]["to"]["staff_id"] == "s-hemin"  # the other engineer on shift


def test_acknowledged_requests_do_not_escalate(hub) -> None:
    request = _repair(hub)
    response = hub.client.post(f"/api/v1/requests/{request['id']}/ack", headers=hub.staff_headers("s-lishifu"))
    assert response.status_code == 200 and response.get_json()["status"] == "acknowledged"
    hub.clock.advance(3600)
    assert hub.services.escalator.run_due() == []
    ack = [e for e in _events(hub, request["id"]) if e["type"] == "acknowledged"][0]
    assert ack["data"]["within_deadline"] is True


def test_chain_skips_an_empty_step_at_night(hub) -> None:
    night = datetime(2026, 11, 26, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(timezone.utc)
    hub.clock.set(night)
    request = _repair(hub)
    assert request["assignee"]["staff_id"] == "s-maogong"
    hub.clock.advance(301)
    hub.services.escalator.run_due()
    step = [e for e in _events(hub, request["id"]) if e["type"] == "escalated"][0]["data"]
    assert step["to"]["role"] == "duty_manager"
    assert step["skipped"] == ["backup"]


def test_duty_manager_takes_over_outside_butler_hours(hub) -> None:
    late = datetime(2026, 11, 26, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(timezone.utc)
    hub.clock.set(late)
    _, done = hub.conversation("panel-3-1201", "帮我交一下水费", "对")
    assert done["request"]["assignee"]["role"] == "duty_manager"


def test_restart_mid_deadline_escalates_exactly_once(hub, settings, nlu_adapter) -> None:
    request = _repair(hub)
    hub.clock.advance(240)
    restarted = create_app(settings, nlu=nlu_adapter, clock=hub.clock)  # same database file
    second = restarted.extensions["guanjia"].escalator
    hub.clock.advance(61)
    results: list[list[int]] = []
    barrier = threading.Barrier(2)

    def sweep(escalator) -> None:
        barrier.wait()
        results.append(escalator.run_due())

    threads = [threading.Thread(target=sweep, args=(e,)) for e in (hub.services.escalator, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(sum(results, [])) == [request["id"]]
    assert len([e for e in _events(hub, request["id"]) if e["type"] == "escalated"]) == 1


def test_escalation_reaches_the_estate_manager_and_stops(hub) -> None:
    request = _repair(hub)
    for _ in range(6):
        hub.clock.advance(301)
        hub.services.escalator.run_due()
    events = _events(hub, request["id"])
    steps = [e["data"]["to"] for e in events if e["type"] == "escalated"]
    assert steps[0]["role"] == "engineering" and steps[-1]["role"] == "estate_manager"
    # this week's duty manager is the engineering supervisor (s-hemin), who already holds it: skipped
    assert [s["staff_id"] for s in steps] == ["s-hemin", "s-gaoyuan"]
    assert [e["type"] for e in events].count("escalation_exhausted") == 1
