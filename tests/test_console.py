"""Console login, CSRF, logout, permissions, actions, screens' device API and the CSV export (Flask test client)."""

from __future__ import annotations

import csv
import io
import re

import pytest

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client, url: str = "/login") -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, staff_id: str, password: str = "demo"):
    token = csrf_from(client)
    return client.post("/login", data={"staff_id": staff_id, "password": password, "csrf_token": token})


def repair_request(hub) -> dict:
    answers = hub.conversation("panel-3-1201", "卫生间漏水了", "对", owner_id="o-wang-jianguo")
    return answers[-1]["request"]


def test_console_needs_login(client) -> None:
    response = client.get("/console/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_without_csrf_token_is_refused(client) -> None:
    response = client.post("/login", data={"staff_id": "s-wangjun", "password": "demo"})
    assert response.status_code == 400
    assert client.get("/console/").status_code == 302


def test_wrong_password_is_refused(client) -> None:
    response = login(client, "s-wangjun", "wrong-password")
    assert response.status_code == 401
    assert "工号或密码不正确" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_login_logout_round_trip(client) -> None:
    response = login(client, "s-wangjun")
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/")
    page = client.get("/console/").get_data(as_text=True)
    assert "王军" in page and "待办队列" in page
    assert client.post("/logout").status_code == 400  # no CSRF token: not logged out
    assert client.get("/console/").status_code == 200
    token = csrf_from(client, "/console/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/").status_code == 302


def test_login_redirects_only_within_the_site(client) -> None:
    token = csrf_from(client)
    response = client.post("/login?next=//evil.example/", data={"staff_id": "s-wangjun", "password": "demo",
                                                                "csrf_token": token})
    assert response.headers["Location"].endswith("/console/")


def test_english_console(client) -> None:
    login(client, "s-gaoyuan")
    assert "Queue" in client.get("/console/?lang=en").get_data(as_text=True)
    assert "Queue" in client.get("/console/").get_data(as_text=True)  # remembered


def test_butler_cannot_open_another_districts_owner(client) -> None:
    login(client, "s-zhaolei")  # west butler
    assert client.get("/console/owners/o-wang-jianguo").status_code == 403  # east (3-1201)
    assert client.get("/console/owners/o-sun-deming").status_code == 200  # west (5-0101)
    assert client.get("/console/owners/nobody").status_code == 404
    listed = client.get("/console/owners").get_data(as_text=True)
    assert "孙德明" in listed and "王建国" not in listed


def test_request_visibility_follows_role(hub) -> None:
    req = repair_request(hub)
    west = hub.app.test_client()
    login(west, "s-zhaolei")
    assert west.get(f"/console/requests/{req['id']}").status_code == 404
    assert "卫生间漏水了" not in west.get("/console/").get_data(as_text=True)
    engineer = hub.app.test_client()
    login(engineer, "s-lishifu")
    assert engineer.get(f"/console/requests/{req['id']}").status_code == 200
    assert "卫生间漏水了" in engineer.get("/console/").get_data(as_text=True)
    assert engineer.get("/console/owners/o-wang-jianguo").status_code == 200  # owner of a visible request
    assert engineer.get("/console/owners/o-zheng-lan").status_code == 403


def test_console_actions_need_the_csrf_header(hub) -> None:
    req = repair_request(hub)
    staff = hub.app.test_client()
    login(staff, "s-lishifu")
    url = f"/console/requests/{req['id']}/ack"
    assert staff.post(url, json={}).status_code == 400
    token = csrf_from(staff, "/console/")
    response = staff.post(url, json={}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["status"] == "acknowledged"
    arrived = staff.post(f"/console/requests/{req['id']}/arrive", json={}, headers={"X-CSRFToken": token})
    assert arrived.status_code == 200
    page = staff.get(f"/console/requests/{req['id']}").get_data(as_text=True)
    assert "确认受理" in page and "到场" in page and "按时" in page
    assert staff.post(f"/console/requests/{req['id']}/explode", json={},
                      headers={"X-CSRFToken": token}).status_code == 404
    reassigned = staff.post(f"/console/requests/{req['id']}/reassign", json={"staff_id": "s-maogong"},
                            headers={"X-CSRFToken": token})
    assert reassigned.get_json()["assignee"]["staff_id"] == "s-maogong"


def test_api_stays_token_only_and_csrf_exempt(hub) -> None:
    staff = hub.staff_headers("s-lishifu")
    req = repair_request(hub)  # device POSTs with a bearer token, no CSRF token
    assert hub.client.post(f"/api/v1/requests/{req['id']}/ack", headers=staff).status_code == 200


def test_request_page_shows_stage_timings(hub) -> None:
    trace = {"run_id": "r1", "events": [{"type": "vad-start", "t_ms": 0}, {"type": "vad-end", "t_ms": 1500},
                                        {"type": "stt-start", "t_ms": 1500}, {"type": "stt-end", "t_ms": 1900}]}
    answers = hub.conversation("panel-3-1201", "卫生间漏水了", "对", trace=trace)
    client = hub.app.test_client()
    login(client, "s-gaoyuan")
    page = client.get(f"/console/requests/{answers[-1]['request']['id']}").get_data(as_text=True)
    assert "语音处理各阶段耗时" in page and "1500.0" in page and "400.0" in page


def test_owner_text_is_escaped(hub) -> None:
    response = hub.client.post("/api/v1/devices/panel-3-1201/requests",
                               json={"category": "call_butler", "text": "<script>alert(1)</script>"},
                               headers={"Authorization": f"Bearer {hub.tokens['panel-3-1201']}"})
    assert response.status_code == 201
    client = hub.app.test_client()
    login(client, "s-gaoyuan")
    page = client.get("/console/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_preferences_form(client) -> None:
    login(client, "s-wangjun")
    url = "/console/owners/o-wang-jianguo"
    assert "龙井" in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/preferences", data={"key_0": "饮品", "value_0": "普洱"}).status_code == 400
    token = csrf_from(client, url)
    response = client.post(f"{url}/preferences", data={"csrf_token": token, "key_0": "饮品", "value_0": "普洱",
                                                       "key_1": "<b>x</b>", "value_1": "y"})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "普洱" in page and "龙井" not in page and "已保存" in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_csv_export(hub) -> None:
    req = repair_request(hub)
    hub.client.post(f"/api/v1/requests/{req['id']}/ack", headers=hub.staff_headers("s-lishifu"))
    client = hub.app.test_client()
    login(client, "s-gaoyuan")
    response = client.get("/console/analysis/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1
    assert rows[0]["category"] == "repair_request" and rows[0]["unit"] == "3-1201"
    assert rows[0]["owner"] == "王建国" and rows[0]["ack_in_time"] == "yes"
    west = hub.app.test_client()
    login(west, "s-zhaolei")
    assert len(west.get("/console/analysis/export.csv").get_data(as_text=True).strip().splitlines()) == 1
    page = client.get("/console/analysis/").get_data(as_text=True)
    assert "每周分析" in page and "100.0%" in page and "chart.umd.min.js" in page
    assert client.get("/console/analysis/?week=not-a-date").status_code == 400


def test_vendored_chart_library_is_served_with_its_licence(client) -> None:
    response = client.get("/assets/vendor/chart.umd.min.js")
    assert response.status_code == 200 and b"Chart.js v4" in response.data[:200]
    assert client.get("/assets/vendor/chart.js.LICENSE.txt").status_code == 200


@pytest.mark.parametrize("url,status", [("/kiosk/lobby-1", 200), ("/panel/panel-3-1201", 200),
                                        ("/kiosk/panel-3-1201", 404), ("/panel/nope", 404)])
def test_screen_pages(hub, url: str, status: int) -> None:
    response = hub.client.get(url)
    assert response.status_code == status
    if status == 200:
        assert "紧急求助" in response.get_data(as_text=True)


def test_screen_state_needs_the_device_token(hub) -> None:
    assert hub.client.get("/api/v1/devices/panel-3-1201/screen").status_code == 401
    other = {"Authorization": f"Bearer {hub.tokens['panel-2-0601']}"}
    assert hub.client.get("/api/v1/devices/panel-3-1201/screen", headers=other).status_code == 403
    req = repair_request(hub)
    mine = {"Authorization": f"Bearer {hub.tokens['panel-3-1201']}"}
    state = hub.client.get("/api/v1/devices/panel-3-1201/screen", headers=mine).get_json()
    assert state["device"]["unit"] == "3-1201"
    assert [r["id"] for r in state["requests"]] == [req["id"]]
    kiosk = {"Authorization": f"Bearer {hub.tokens['lobby-1']}"}
    assert hub.client.get("/api/v1/devices/lobby-1/screen", headers=kiosk).get_json()["requests"] == []



def test_subtitles_reach_only_the_devices_own_stream(hub) -> None:
    hub.say("panel-3-1201", "卫生间漏水了", id="c-1")
    mine = hub.client.get(f"/api/v1/events?since=0&max_s=1&access_token={hub.tokens['panel-3-1201']}",
                          buffered=False)
    frames = hub.read_events(mine, 1)
    assert frames[0]["type"] == "device.utterance"
    assert frames[0]["data"]["text"] == "卫生间漏水了" and frames[0]["data"]["client_id"] == "c-1"
    assert frames[0]["data"]["reply"]
    other = hub.client.get(f"/api/v1/events?since=0&max_s=1&access_token={hub.tokens['panel-2-0601']}",
                           buffered=False)
    assert hub.read_events(other, 1) == []
    staff = hub.client.get("/api/v1/events?since=0&max_s=1", headers=hub.staff_headers("s-gaoyuan"),
                           buffered=False)
    assert hub.read_events(staff, 1) == []


def test_console_session_opens_the_event_stream(hub) -> None:
    client = hub.app.test_client()
    login(client, "s-gaoyuan")
    repair_request(hub)
    response = client.get("/api/v1/events?since=0&max_s=1", buffered=False)
    assert response.status_code == 200
    assert hub.read_events(response, 1)[0]["type"] == "request.created"


def test_account_from_staff_add_survives_a_restart(settings, nlu_adapter, fake_clock) -> None:
    from click.testing import CliRunner

    from assistant.app import create_app
    from assistant.cli_admin import staff_group

    create_app(settings, nlu=nlu_adapter, clock=fake_clock)
    result = CliRunner().invoke(staff_group, ["add", "s-new", "--name", "新管家", "--role", "butler",
                                              "--district", "east", "--password", "a-long-password"],
                                env={"GUANJIA_VAR_DIR": str(settings.var_dir)})
    assert result.exit_code == 0, result.output
    restarted = create_app(settings, nlu=nlu_adapter, clock=fake_clock)  # re-reads the estate file
    client = restarted.test_client()
    assert login(client, "s-new", "a-long-password").status_code == 302
    assert "新管家" in client.get("/console/").get_data(as_text=True)
