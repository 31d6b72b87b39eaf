"""What the kiosk says when it recognises an owner: a pure function of what the hub knows.

"王先生，晚上好，欢迎回家。您有两个快递在前台。" — form of address, time of day in
the estate's time zone, birthday, parcels at the front desk, news on an open
request, in the owner's language. An owner who asked not to be named in public
(``preferences.greet_by_name: false`` or ``preferences.public_greeting: neutral``)
gets only "晚上好，欢迎回家。": no name, and nothing personal that would tell the
lobby who they are (birthday, parcels, repairs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

__all__ = ["RequestNews", "GreetingContext", "compose_greeting", "wants_neutral", "part_of_day"]

_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "令狐", "夏侯")
_ZH_COUNT = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}
_EN_COUNT = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
             10: "ten"}
_DAYPART = {"morning": ("早上好", "Good morning"), "afternoon": ("下午好", "Good afternoon"),
            "evening": ("晚上好", "Good evening")}
_CATEGORY = {
    "zh": {"repair_request": "报修", "cleaning_request": "保洁", "parcel_service": "快递", "visitor_access": "访客登记",
           "parking": "停车", "bill_payment": "代缴", "errand": "代办", "complaint": "投诉",
           "activity_booking": "活动预约", "home_watch": "房屋代管", "health_service": "健康服务",
           "call_butler": "管家服务", "emergency": "求助"},
    "en": {"repair_request": "repair", "cleaning_request": "cleaning", "parcel_service": "parcel",
           "visitor_access": "visitor", "parking": "parking", "bill_payment": "bill payment", "errand": "errand",
           "complaint": "complaint", "activity_booking": "booking", "home_watch": "home-watch",
           "health_service": "health service", "call_butler": "butler", "emergency": "help"},
}


@dataclass(frozen=True, slots=True)
class RequestNews:
    """The owner's most recently updated open request."""

    category: str
    status: str  # a RequestStatus value
    item: str | None = None  # the facility entity, e.g. 空调
    on_site: bool = False


@dataclass(frozen=True, slots=True)
class GreetingContext:
    """Everything the greeting may mention; ``local_time`` is in the estate's time zone."""

    name: str
    honorific: str  # 先生 | 女士
    lang: str
    local_time: datetime
    name_en: str = ""
    birthday: date | None = None
    parcels_waiting: int = 0
    news: RequestNews | None = None
    preferences: dict[str, Any] = field(default_factory=dict)


def wants_neutral(preferences: dict[str, Any]) -> bool:
    """True if the owner chose not to be named in public."""
    flag = preferences.get("greet_by_name", True)
    if isinstance(flag, str):
        flag = flag.strip().lower() not in {"false", "no", "0", "否"}
    return flag is False or str(preferences.get("public_greeting", "")).lower() == "neutral"


def part_of_day(local: datetime) -> str:
    """morning 04:00–11:59, afternoon 12:00–17:59, evening otherwise."""
    if 4 <= local.hour < 12:
        return "morning"
    return "afternoon" if 12 <= local.hour < 18 else "evening"


def _is_birthday(birthday: date | None, today: date) -> bool:
    if birthday is None:
        return False
    if birthday.month == 2 and birthday.day == 29 and not (today.year % 4 == 0 and
                                                            (today.year % 100 != 0 or today.year % 400 == 0)):
        return (today.month, today.day) == (2, 28)
    return (today.month, today.day) == (birthday.month, birthday.day)


def _address_zh(ctx: GreetingContext) -> str:
    preferred = ctx.preferences.get("称呼")
    if isinstance(preferred, str) and preferred.strip():
        return preferred.strip()
    name = ctx.name.strip()
    if name.isascii():  # a foreign owner greeted in Chinese: 史密斯先生 is unknown, so Mr Smith
        return _address_en(ctx)
    surname = next((s for s in _COMPOUND_SURNAMES if name.startswith(s)), name[:1])
    return f"{surname}{ctx.honorific}"


def _address_en(ctx: GreetingContext) -> str:
    preferred = ctx.preferences.get("address_as")
    if isinstance(preferred, str) and preferred.strip():
        return preferred.strip()
    name = (ctx.name_en or ctx.name).strip()
    if not name.isascii():  # no romanised name on file: 王先生 is better than a wrong spelling
        return f"{name[:1]}{ctx.honorific}"
    title = "Mr" if ctx.honorific == "先生" else "Ms"
    return f"{title} {name.split()[-1]}"


def _news_zh(news: RequestNews) -> str:
    label = _CATEGORY["zh"].get(news.category, "服务")
    if news.category == "repair_request":
        worker = f"{news.item}师傅" if news.item else "维修师傅"
        if news.on_site:
            return f"您报修的{worker}已经在处理了。"
        if news.status == "in_progress":
            return f"您报修的{worker}已经在路上。"
        if news.status == "acknowledged":
            return f"您的报修已经受理，{worker}会尽快上门。"
        return "您的报修已经通知工程部。"
    if news.status == "in_progress":
        return f"您的{label}请求正在处理中。"
    if news.status == "acknowledged":
        return f"您的{label}请求已经受理。"
    return f"您的{label}请求已经通知相关同事。"


def _news_en(news: RequestNews) -> str:
    label = _CATEGORY["en"].get(news.category, "service")
    if news.category == "repair_request":
        who = "The engineer for your repair"
        if news.on_site:
            return f"{who} is working on it now."
        if news.status == "in_progress":
            return f"{who} is on the way."
        if news.status == "acknowledged":
            return "Your repair request has been accepted; an engineer will come soon."
        return "Your repair request has been passed to engineering."
    if news.status == "in_progress":
        return f"Your {label} request is being handled."
    if news.status == "acknowledged":
        return f"Your {label} request has been accepted."
    return f"Your {label} request has been passed on."


def parcels_waiting(count: int, lang: str) -> str:
    """"您有两个快递在前台。" / "You have two parcels at the front desk." (count ≥ 1)."""
    return _parcels_en(count) if lang == "en" else _parcels_zh(count)


def _parcels_zh(count: int) -> str:
    return f"您有{_ZH_COUNT.get(count, str(count))}个快递在前台。"


def _parcels_en(count: int) -> str:
    if count == 1:
        return "You have a parcel at the front desk."
    return f"You have {_EN_COUNT.get(count, str(count))} parcels at the front desk."


def compose_greeting(ctx: GreetingContext) -> str:
    """The sentence(s) to say and show, in the owner's language (zh unless ``lang`` is en)."""
    zh_part, en_part = _DAYPART[part_of_day(ctx.local_time)]
    english = ctx.lang == "en"
    if wants_neutral(ctx.preferences):
        return f"{en_part}. Welcome home." if english else f"{zh_part}，欢迎回家。"
    if english:
        parts = [f"{en_part}, {_address_en(ctx)}. Welcome home."]
        if _is_birthday(ctx.birthday, ctx.local_time.date()):
            parts.append("Happy birthday!")
        if ctx.parcels_waiting > 0:
            parts.append(_parcels_en(ctx.parcels_waiting))
        if ctx.news is not None:
            parts.append(_news_en(ctx.news))
        return " ".join(parts)
    text = f"{_address_zh(ctx)}，{zh_part}，欢迎回家。"
    if _is_birthday(ctx.birthday, ctx.local_time.date()):
        text += "祝您生日快乐！"
    if ctx.parcels_waiting > 0:
        text += _parcels_zh(ctx.parcels_waiting)
    if ctx.news is not None:
        text += _news_zh(ctx.news)
    return text
