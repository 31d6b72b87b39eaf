"""The console, kiosk and panel in a real browser (Debian's chromium driven by Playwright).

The real app (trained Rasa model, SQLite file) is served by werkzeug in a
background thread; staff log in through the form, devices use their tokens.
Screenshots go to ``test-artifacts/screenshots/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
WAIT_MS = 20_000
KIOSK = {"width": 1080, "height": 1920}
PANEL = {"width": 1280, "height": 800}
CONSOLE = {"width": 1440, "height": 900}


@dataclass
class LiveHub:
    """The app served on a real port, plus a test client for the API side of each scenario."""

    app: Any
    base: str
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, method: str, path: str, token: str, **kwargs: Any) -> Any:
        """Call the hub over HTTP (Playwright's event loop owns this thread, and Rasa needs its own)."""
        import requests

        response = requests.request(method, self.base + path, headers={"Authorization": f"Bearer {token}"},
                                    timeout=60, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def staff_token(self, staff_id: str) -> str:
        from assistant.auth import hash_token, new_token
        from assistant.db import session_scope
        from assistant.models import StaffToken

        token = new_token()
        services = self.app.extensions["guanjia"]
        with session_scope(services.sessions) as db:
            db.add(StaffToken(token_hash=hash_token(token), staff_id=staff_id, created_at=services.clock.now_utc()))
        return token

    def say(self, device: str, *texts: str, **extra: Any) -> dict:
        answer: dict = {}
        for text in texts:
            body = {"text": text, **extra}
            if answer:
                body["session_id"] = answer["session_id"]
            answer = self.api("POST", f"/api/v1/devices/{device}/utterances", self.tokens[device], json=body)
        return answer


@pytest.fixture
def live(settings, nlu_adapter, fake_clock) -> Iterator[LiveHub]:
    from assistant.app import create_app
    from assistant.db import session_scope
    from assistant.devices import register_device
    from assistant.models import Announcement

    app = create_app(settings, nlu=nlu_adapter, clock=fake_clock)
    services = app.extensions["guanjia"]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-hub", daemon=True)
    thread.start()
    hub = LiveHub(app, f"http://127.0.0.1:{server.port}")
    with session_scope(services.sessions) as db:
        for device, kind, unit in (("lobby-1", "kiosk", None), ("panel-3-1201", "panel", "3-1201")):
            hub.tokens[device] = register_device(db, services.estate, fake_clock, device, kind, unit)
        db.add(Announcement(text_zh="本周六上午十点会所举办中秋游园会，欢迎参加。",
                            text_en="Mid-Autumn garden party at the clubhouse, Saturday 10 am.",
                            unit=None, author="test", at=fake_clock.now_utc()))
    try:
        yield hub
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def console_page(browser, live: LiveHub, staff_id: str):
    page = browser.new_context(viewport=CONSOLE, locale="zh-CN").new_page()
    page.goto(f"{live.base}/console/")
    assert "/login" in page.url
    page.fill("#staff_id", staff_id)
    page.fill("#password", "demo")
    page.click("#login")
    page.wait_for_url(re.compile(r".*/console/$"))
    page.wait_for_selector("body[data-live='1']", timeout=WAIT_MS)
    return page


def screen_page(browser, live: LiveHub, kind: str, device: str, viewport: dict[str, int]):
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    page.goto(f"{live.base}/{kind}/{device}?token={live.tokens[device]}")
    page.wait_for_selector("body[data-live='1']", timeout=WAIT_MS)
    assert "token=" not in page.url  # the token is kept, not left in the address bar
    return page


def test_live_queue_ack_stops_countdown_and_timeline_shows_it(browser, live: LiveHub) -> None:
    page = console_page(browser, live, "s-lishifu")  # engineering: the repair queue
    page.click("#chime-toggle")
    answer = live.say("panel-3-1201", "卫生间漏水了", "对", owner_id="o-wang-jianguo")
    req = answer["request"]
    assert req["category"] == "repair_request"
    row = page.wait_for_selector(f"#req-{req['id']}", timeout=WAIT_MS)
    assert "prio-repair" in row.get_attribute("class")
    assert "3-1201" in row.inner_text() and "王建国" in row.inner_text()
    countdown = page.locator(f"#req-{req['id']} .countdown")
    page.wait_for_function(f"document.querySelector('#req-{req['id']} .countdown').textContent.match(/^0[45]:\\d\\d$/)")
    assert int(page.evaluate("document.body.dataset.chimes")) >= 2  # the toggle's test beep and the new request
    live.api("POST", "/api/v1/devices/lobby-1/requests", live.tokens["lobby-1"],
             json={"category": "repair_request", "text": "大堂电梯按钮不亮了"})
    page.wait_for_selector("tr.req >> text=大堂电梯按钮不亮了", timeout=WAIT_MS)
    shot(page, "console-queue")

    page.click(f"#req-{req['id']} button[data-action='ack']")
    page.wait_for_function(f"document.querySelector('#req-{req['id']}').dataset.status === 'acknowledged'")
    stopped = countdown.inner_text()
    assert "已确认" in stopped and "stopped" in countdown.get_attribute("class")
    page.wait_for_timeout(1500)
    assert countdown.inner_text() == stopped  # no longer counting
    assert page.locator(f"#req-{req['id']} .status").inner_text() == "已确认"

    page.click(f"#req-{req['id']} a[href$='/requests/{req['id']}']")
    page.wait_for_selector("#timeline")
    timeline = page.locator("#timeline").inner_text()
    assert "确认受理" in timeline and "李强" in timeline and "按时" in timeline
    assert "卫生间漏水了" in page.locator("#said").inner_text()
    shot(page, "console-request")

    page.goto(f"{live.base}/console/analysis/")
    page.wait_for_function("Chart.getChart('chart-day') && Chart.getChart('chart-category')")
    assert page.locator("#total").inner_text() == "2"
    shot(page, "console-analysis")


def test_kiosk_sos_reaches_security_at_once(browser, live: LiveHub) -> None:
    security = console_page(browser, live, "s-xubao")
    kiosk = screen_page(browser, live, "kiosk", "lobby-1", KIOSK)
    assert kiosk.locator("#greeting").inner_text().endswith("好")
    kiosk.click("#sos")
    kiosk.wait_for_selector("#reply-line:not([hidden]) >> text=已发出紧急求助", timeout=WAIT_MS)
    card = kiosk.wait_for_selector("#requests li.prio-emergency", timeout=WAIT_MS)
    assert "紧急求助" in card.inner_text() and "已派单" in card.inner_text()
    row = security.wait_for_selector("tr.req.prio-emergency", timeout=WAIT_MS)
    assert "紧急求助" in row.inner_text()
    request_id = int(row.get_attribute("data-id"))
    shot(kiosk, "kiosk-sos")
    shot(security, "console-security-sos")

    security.click(f"#req-{request_id} button[data-action='start']")  # en route: the kiosk follows live
    kiosk.wait_for_selector("#requests li.prio-emergency >> text=在路上", timeout=WAIT_MS)
    kiosk.click("#call-butler")
    kiosk.wait_for_selector("#reply-line >> text=已通知您的管家", timeout=WAIT_MS)
    staff = live.staff_token("s-gaoyuan")
    listed = live.api("GET", "/api/v1/requests?category=emergency", staff)["requests"]
    assert [r["id"] for r in listed] == [request_id] and listed[0]["channel"] == "touch"
    assert live.api("GET", "/api/v1/requests?category=call_butler", staff)["requests"]


def test_script_in_an_utterance_is_shown_as_text(browser, live: LiveHub) -> None:
    evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    kiosk = screen_page(browser, live, "kiosk", "lobby-1", KIOSK)
    kiosk.fill("#text", evil)
    kiosk.click("#typed button[type=submit]")
    kiosk.wait_for_selector("#reply-line:not([hidden])", timeout=WAIT_MS)
    assert kiosk.locator("#heard").inner_text() == evil
    assert kiosk.evaluate("window.__pwned") is None
    assert kiosk.locator("#heard img").count() == 0

    manager = console_page(browser, live, "s-gaoyuan")
    live.api("POST", "/api/v1/devices/panel-3-1201/requests", live.tokens["panel-3-1201"],
             json={"category": "call_butler", "text": evil})
    cell = manager.wait_for_selector("tr.req td.text >> text=window.__pwned", timeout=WAIT_MS)
    assert evil in cell.inner_text()
    manager.reload()
    manager.wait_for_selector("body[data-live='1']", timeout=WAIT_MS)
    assert evil in manager.locator("tr.req td.text").first.inner_text()
    assert manager.evaluate("window.__pwned") is None and manager.locator("td.text img").count() == 0


def test_butler_cannot_open_another_districts_owner(browser, live: LiveHub) -> None:
    page = console_page(browser, live, "s-zhaolei")  # west district
    assert page.goto(f"{live.base}/console/owners/o-wang-jianguo").status == 403  # east
    assert page.goto(f"{live.base}/console/owners/o-sun-deming").status == 200  # west
    assert "孙德明" in page.locator("#owner-name").inner_text()
    shot(page, "console-owner")


def test_panel_readback_status_and_announcements(browser, live: LiveHub) -> None:
    panel = screen_page(browser, live, "panel", "panel-3-1201", PANEL)
    panel.wait_for_selector("#announcements >> text=中秋游园会", timeout=WAIT_MS)
    panel.fill("#text", "卫生间漏水了")
    panel.click("#typed button[type=submit]")
    panel.wait_for_selector("#confirm:not([hidden])", timeout=WAIT_MS)
    assert "卫生间漏水了" in panel.locator("#heard").inner_text()
    assert panel.locator("#reply").inner_text()  # the read-back
    panel.click("#confirm-yes")
    card = panel.wait_for_selector("#requests li.prio-repair", timeout=WAIT_MS)
    assert "已派单" in card.inner_text()
    request_id = int(card.get_attribute("data-id"))
    engineer = live.staff_token("s-lishifu")
    live.api("POST", f"/api/v1/requests/{request_id}/ack", engineer)
    panel.wait_for_selector(f"#requests li[data-id='{request_id}'] .status >> text=已确认", timeout=WAIT_MS)
    live.api("POST", f"/api/v1/requests/{request_id}/start", engineer)
    panel.wait_for_selector(f"#requests li[data-id='{request_id}'] .status >> text=在路上", timeout=WAIT_MS)
    live.say("panel-3-1201", "我想预约周六的会所")  # a voice turn from the device: shown as a subtitle
    panel.wait_for_selector("#heard >> text=我想预约周六的会所", timeout=WAIT_MS)
    shot(panel, "panel")
    panel.click("#lang")
    assert panel.locator("#sos").inner_text() == "SOS emergency"
    assert "on the way" in panel.locator(f"#requests li[data-id='{request_id}'] .status").inner_text()
    shot(panel, "panel-english")


def test_kiosk_fonts_are_large(browser, live: LiveHub) -> None:
    kiosk = screen_page(browser, live, "kiosk", "lobby-1", KIOSK)
    sizes = kiosk.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter((n) => n.offsetParent !== null
                       && [...n.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim()))
        .map((n) => [n.id || n.className || n.tagName, parseFloat(getComputedStyle(n).fontSize)])""")
    small = [s for s in sizes if s[1] < 32]
    assert not small, small
    shot(kiosk, "kiosk")


def test_kiosk_greets_a_recognised_owner_and_files_requests_under_them(browser, live: LiveHub) -> None:
    from assistant.db import session_scope
    from assistant.events import publish

    kiosk = screen_page(browser, live, "kiosk", "lobby-1", KIOSK)
    services = live.app.extensions["guanjia"]
    with session_scope(services.sessions) as db:
        arrival = {"owner_id": "o-wang-jianguo", "name": "王建国", "unit": "3-1201", "device_id": "lobby-1",
                   "greeting": "王先生，上午好，欢迎回家。", "neutral": False}
        publish(db, "owner.arrived", arrival, services.clock.now_utc())
    kiosk.wait_for_selector("#reply >> text=欢迎回家", timeout=WAIT_MS)
    assert "王建国" in kiosk.locator("#greeting").inner_text()
    kiosk.click("#call-butler")
    kiosk.wait_for_selector("#requests li", timeout=WAIT_MS)
    listed = live.api("GET", "/api/v1/requests?category=call_butler", live.staff_token("s-gaoyuan"))["requests"]
    assert listed[0]["owner_id"] == "o-wang-jianguo" and listed[0]["unit"] == "3-1201"
    assert listed[0]["assignee"]["staff_id"] == "s-wangjun"  # his own butler
    shot(kiosk, "kiosk-greeting")
