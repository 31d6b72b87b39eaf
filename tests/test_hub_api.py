"""API v1: authentication, bad input on every endpoint, lifecycle, events, metrics."""

from __future__ import annotations

import pytest


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_device_authentication(hub) -> None:
    url = "/api/v1/devices/panel-3-1201/utterances"
    assert hub.client.post(url, json={"text": "你好"}).status_code == 401
    assert hub.client.post(url, json={"text": "你好"}, headers=_auth("nope")).status_code == 401
    wrong = hub.client.post(url, json={"text": "你好"}, headers=_auth(hub.tokens["lobby-1"]))
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "forbidden"
    unknown = hub.client.post("/api/v1/devices/ghost/utterances", json={"text": "你好"},
                              headers=_auth(hub.tokens["lobby-1"]))
    assert unknown.status_code == 403


@pytest.mark.parametrize(("body", "code"), [
    ("{oops", "bad-json"), ([1, 2], "bad-json"), ({}, "missing-field"), ({"text": ""}, "empty-text"),
    ({"text": 5}, "wrong-type"), ({"text": "修" * 501}, "text-too-long"),
    ({"text": "你好", "lang": "fr"}, "bad-lang"), ({"text": "你好", "session_id": 7}, "wrong-type"),
    ({"text": "你好", "owner_id": "o-nobody"}, "unknown-owner"), ({"text": "你好", "trace": "x"}, "wrong-type"),
])
def test_bad_utterances_are_400s(hub, body, code) -> None:
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
    response = hub.client.post("/api/v1/devices/panel-3-1201/utterances",
                               headers=_auth(hub.tokens["panel-3-1201"]), **kwargs)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["code"] == code


def test_bad_input_on_requests_endpoints(hub) -> None:
    staff = hub.staff_headers("s-lishifu")
    assert hub.client.get("/api/v1/requests").status_code == 401
    assert hub.client.get("/api/v1/owners").status_code == 401
    assert hub.client.get("/api/v1/requests?status=bogus", headers=staff).status_code == 400
    assert hub.client.get("/api/v1/requests?limit=many", headers=staff).status_code == 400
    assert hub.client.get("/api/v1/requests/999", headers=staff).status_code == 404
    _, done = hub.conversation("panel-3-1201", "卫生间漏水了", "对")
    rid = done["request"]["id"]
    assert hub.client.post(f"/api/v1/requests/{rid}/explode", headers=staff).status_code == 404
    bad_json = hub.client.post(f"/api/v1/requests/{rid}/ack", data="{", content_type="application/json",
                               headers=staff)
    assert bad_json.status_code == 400
    early = hub.client.post(f"/api/v1/requests/{rid}/feedback", json={"rating": 5}, headers=staff)
    assert early.status_code == 409
    assert hub.client.post(f"/api/v1/requests/{rid}/close", headers=staff).status_code == 409
    assert hub.client.post(f"/api/v1/requests/{rid}/reassign", json={}, headers=staff).status_code == 400
    assert hub.client.post(f"/api/v1/requests/{rid}/reassign", json={"staff_id": "nobody"},
                           headers=staff).status_code == 400
    # a device may not acknowledge
    device = _auth(hub.tokens["panel-3-1201"])
    assert hub.client.post(f"/api/v1/requests/{rid}/ack", headers=device).status_code == 403
    assert hub.client.get("/api/v1/events?since=abc", headers=staff).status_code == 400
    assert hub.client.get("/api/v1/events").status_code == 401


def test_full_lifecycle_with_feedback(hub) -> None:
    _, done = hub.conversation("panel-3-1201", "卫生间漏水了", "对")
    rid = done["request"]["id"]
    staff = hub.staff_headers("s-lishifu")
    for action, status in (("ack", "acknowledged"), ("start", "in_progress"), ("arrive", "in_progress"),
                           ("resolve", "resolved")):
        hub.clock.advance(60)
        response = hub.client.post(f"/api/v1/requests/{rid}/{action}", headers=staff)
        assert response.status_code == 200 and response.get_json()["status"] == status
    rating = hub.client.post(f"/api/v1/requests/{rid}/feedback", json={"rating": 0},
                             headers=_auth(hub.tokens["panel-3-1201"]))
    assert rating.status_code == 400
    rating = hub.client.post(f"/api/v1/requests/{rid}/feedback", json={"rating": 5, "comment": "师傅很专业"},
                             headers=_auth(hub.tokens["panel-3-1201"]))
    body = rating.get_json()
    assert body["status"] == "closed" and body["rating"] == 5
    assert body["acknowledged_at"] and body["started_at"] and body["on_site_at"] and body["resolved_at"]
    history = hub.client.get(f"/api/v1/requests/{rid}", headers=staff).get_json()
    types = [e["type"] for e in history["events"]]
    assert types[:2] == ["created", "assigned"]
    assert {"acknowledged", "en_route", "on_site", "resolved", "feedback", "closed"} <= set(types)
    assert history["trace"]["events"][0]["type"] in {"nlu-start", "vad-start"}


def test_reassign_gives_a_fresh_deadline(hub) -> None:
    _, done = hub.conversation("panel-3-1201", "卫生间漏水了", "对")
    rid = done["request"]["id"]
    hub.clock.advance(200)
    response = hub.client.post(f"/api/v1/requests/{rid}/reassign", json={"staff_id": "s-hemin"},
                               headers=hub.staff_headers("s-gaoyuan"))
    body = response.get_json()
    assert body["assignee"]["staff_id"] == "s-hemin" and body["status"] == "assigned"
    hub.clock.advance(200)
    assert hub.services.escalator.run_due() == []


def test_owners_list_for_staff(hub) -> None:
    owners = hub.client.get("/api/v1/owners", headers=hub.staff_headers("s-wangjun")).get_json()["owners"]
    assert len(owners) >= 20
    assert {"id", "name", "unit", "district", "language"} <= set(owners[0])


def test_touch_sos_creates_an_emergency(hub) -> None:
    response = hub.client.post("/api/v1/devices/lobby-1/requests", json={"category": "emergency"},
                               headers=_auth(hub.tokens["lobby-1"]))
    assert response.status_code == 201
    assert response.get_json()["request"]["assignee"]["role"] == "security"
    assert response.get_json()["request"]["summary"].startswith("大堂屏 lobby-1")  # no unit: say where, readably
    bad = hub.client.post("/api/v1/devices/lobby-1/requests", json={"category": "pizza"},
                          headers=_auth(hub.tokens["lobby-1"]))
    assert bad.status_code == 400



def test_event_stream_delivers_and_resumes(hub) -> None:
    staff = hub.staff_headers("s-gaoyuan")
    hub.conversation("panel-3-1201", "卫生间漏水了", "对")
    response = hub.client.get("/api/v1/events?since=0&max_s=2", headers=staff, buffered=False)
    assert response.mimetype == "text/event-stream"
    first = hub.read_events(response, 1)
    assert first[0]["type"] == "request.created"
    response.close()
    hub.client.post(f"/api/v1/requests/{first[0]['data']['id']}/ack", headers=staff)
    resumed = hub.client.get("/api/v1/events?max_s=2", headers={**staff, "Last-Event-ID": str(first[0]["id"])},
                             buffered=False)
    later = hub.read_events(resumed, 1)
    assert later[0]["id"] > first[0]["id"] and later[0]["type"] == "request.updated"
    resumed.close()


def test_a_request_reassigned_away_leaves_the_old_assignees_stream(hub) -> None:
    manager = hub.staff_headers("s-gaoyuan")
    created = hub.client.post("/api/v1/devices/lobby-1/requests", json={"category": "parcel_service"},
                              headers=_auth(hub.tokens["lobby-1"])).get_json()["request"]
    rid = created["id"]
    hub.client.post(f"/api/v1/requests/{rid}/reassign", json={"staff_id": "s-hemin"}, headers=manager)
    hub.client.post(f"/api/v1/requests/{rid}/reassign", json={"role": "concierge"}, headers=manager)
    engineer = hub.client.get("/api/v1/events?since=0&max_s=1", headers=hub.staff_headers("s-hemin"),
                              buffered=False)
    seen = hub.read_events(engineer, 3)
    assert [(e["type"], e["data"]["id"]) for e in seen] == [("request.updated", rid), ("request.removed", rid)]
    other = hub.client.get("/api/v1/events?since=0&max_s=1", headers=hub.staff_headers("s-lishifu"),
                           buffered=False)
    assert hub.read_events(other, 1) == []


def test_butler_stream_is_scoped_to_the_district(hub) -> None:
    hub.conversation("panel-2-0601", "please pay my water bill", "yes")  # east district
    west = hub.client.get("/api/v1/events?since=0&max_s=1", headers=hub.staff_headers("s-zhaolei"),
                          buffered=False)
    assert hub.read_events(west, 1) == []


def test_metrics_are_prometheus_text(hub) -> None:
    hub.conversation("panel-3-1201", "卫生间漏水了", "对")
    text = hub.client.get("/metrics").get_data(as_text=True)
    assert 'guanjia_requests{category="repair_request",status="assigned"} 1.0' in text
    assert "guanjia_utterance_seconds_bucket" in text
    assert "guanjia_escalations_total" in text
