"""``guanjia serve --demo``: devices with known tokens and a few live requests to look at.

Only for demonstrations: the tokens below are public. Seeding is idempotent.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from assistant.db import session_scope
from assistant.devices import register_device
from assistant.events import publish
from assistant.models import Announcement, Device, ServiceRequest
from assistant.parcels import log_parcel
from assistant.requests import NewRequest, apply_action, create_request
from assistant.services import Services

_LOGGER = logging.getLogger(__name__)

DEMO_DEVICES = (
    ("lobby-1", "kiosk", None, "demo-lobby-1"),
    ("panel-3-1201", "panel", "3-1201", "demo-panel-3-1201"),
    ("panel-2-0601", "panel", "2-0601", "demo-panel-2-0601"),
    ("panel-6-2202", "panel", "6-2202", "demo-panel-6-2202"),
)
# Every demo staff member's console password (set by the demo estate file; public: demo only).
DEMO_PASSWORD = "demo"
DEMO_LOGINS = ("s-wangjun (east butler)", "s-zhaolei (west butler)", "s-lishifu (engineering)",
               "s-xubao (security)", "s-sunli (duty manager)", "s-gaoyuan (estate manager)")
DEMO_PARCELS = (("o-wang-jianguo", "顺丰"), ("o-wang-jianguo", "京东"), ("o-smith-john", "EMS"))
DEMO_REQUESTS = (
    ("repair_request", "o-zhang-wei", "1-0802", "厨房水龙头一直滴水", None),
    ("parcel_service", "o-smith-john", "2-0601", "Is there a parcel for me?", "ack"),
    ("cleaning_request", "o-zheng-lan", "6-2202", "楼道里有垃圾，麻烦来清理一下", "start"),
    ("complaint", "o-xu-jing", "3-1803", "楼上装修太吵了，周末一早就开始", None),
    ("health_service", "o-tan-guoqiang", "7-2101", "想约下周二上午量血压", "resolve"),
)


def seed_demo(services: Services) -> None:
    """Register the demo devices and, on an empty database, some requests in several states."""
    _LOGGER.info("demo console: /login as %s, password %r; screens: %s", ", ".join(DEMO_LOGINS), DEMO_PASSWORD,
                 ", ".join(f"/{kind}/{d}?token={t}" for d, kind, _, t in DEMO_DEVICES))
    with session_scope(services.sessions) as db:
        for device_id, kind, unit, token in DEMO_DEVICES:
            if db.get(Device, device_id) is None:
                register_device(db, services.estate, services.clock, device_id, kind, unit, token=token)
        if db.scalar(select(func.count()).select_from(ServiceRequest)):
            return
        now = services.clock.now_utc()
        for offset, (category, owner_id, unit, text, action) in enumerate(DEMO_REQUESTS):
            when = now - timedelta(minutes=3 * (len(DEMO_REQUESTS) - offset))
            owner = services.estate.owner_by_id(owner_id)
            district = services.estate.district_of_unit(unit)
            routing = services.router.route(category, when, unit=unit, owner=owner)
            lang = "en" if text.isascii() else "zh"
            request = create_request(db, NewRequest(
                category=category, text=text, lang=lang, summary=f"{unit} {text}", owner_id=owner_id,
                unit=unit, district=district.id if district else None, device_id="demo", channel="text",
            ), routing, when, "system:demo")
            if action:
                apply_action(db, request, action, f"staff:{routing.assignee.staff_id}", when + timedelta(minutes=1))
        for owner_id, carrier in DEMO_PARCELS:  # waiting at the front desk: the greeting mentions them
            log_parcel(db, services.estate, now, "system:demo", owner_id=owner_id, carrier=carrier)
        db.add(Announcement(text_zh="本周六上午十点会所举办中秋游园会，欢迎参加。",
                            text_en="Mid-Autumn garden party at the clubhouse, Saturday 10 am. All welcome.",
                            unit=None, author="system:demo", at=now))
        publish(db, "announcement", {"text_zh": "本周六上午十点会所举办中秋游园会，欢迎参加。",
                                     "text_en": "Mid-Autumn garden party at the clubhouse, Saturday 10 am.",
                                     "unit": None}, now)
    _LOGGER.info("demo estate seeded; device tokens: %s",
                 ", ".join(f"{d}={t}" for d, _, _, t in DEMO_DEVICES))
