"""The greeting policy: a pure function, so every case is one line."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from assistant.greeting import GreetingContext, RequestNews, compose_greeting, part_of_day, wants_neutral

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVENING = datetime(2026, 11, 26, 19, 30, tzinfo=SHANGHAI)


def ctx(**kw) -> GreetingContext:
    base = {"name": "王建国", "honorific": "先生", "lang": "zh", "local_time": EVENING}
    return GreetingContext(**{**base, **kw})


def test_the_seed_example() -> None:
    assert compose_greeting(ctx(parcels_waiting=2)) == "王先生，晚上好，欢迎回家。您有两个快递在前台。"


@pytest.mark.parametrize(("hour", "zh", "en"), [
    (7, "早上好", "Good morning"), (11, "早上好", "Good morning"), (12, "下午好", "Good afternoon"),
    (17, "下午好", "Good afternoon"), (18, "晚上好", "Good evening"), (2, "晚上好", "Good evening"),
])
def test_time_of_day_in_the_estate_zone(hour, zh, en) -> None:
    local = datetime(2026, 11, 26, hour, 5, tzinfo=SHANGHAI)
    assert compose_greeting(ctx(local_time=local)) == f"王先生，{zh}，欢迎回家。"
    assert compose_greeting(ctx(local_time=local, lang="en", name="John Smith", name_en="John Smith")) == \
        f"{en}, Mr Smith. Welcome home."


def test_utc_time_is_converted_by_the_caller() -> None:
    utc = datetime(2026, 11, 26, 2, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 in Shanghai
    assert part_of_day(utc.astimezone(SHANGHAI)) == "morning" and part_of_day(utc) == "evening"


def test_honorifics_surnames_and_preferred_address() -> None:
    assert compose_greeting(ctx(name="李美芳", honorific="女士")).startswith("李女士，")
    assert compose_greeting(ctx(name="欧阳娜娜", honorific="女士")).startswith("欧阳女士，")
    assert compose_greeting(ctx(preferences={"称呼": "王老"})).startswith("王老，晚上好")
    assert compose_greeting(ctx(name="Emma Brown", name_en="Emma Brown", honorific="女士", lang="en")) == \
        "Good evening, Ms Brown. Welcome home."
    # an English speaker with no romanised name on file is not given a made-up spelling
    assert compose_greeting(ctx(lang="en")) == "Good evening, 王先生. Welcome home."
    # a foreign owner greeted in Chinese keeps their own name
    assert compose_greeting(ctx(name="John Smith", name_en="John Smith")).startswith("Mr Smith，晚上好")


def test_birthday() -> None:
    today = EVENING.date()
    born = date(1946, today.month, today.day)
    assert compose_greeting(ctx(birthday=born)) == "王先生，晚上好，欢迎回家。祝您生日快乐！"
    assert "Happy birthday!" in compose_greeting(ctx(birthday=born, lang="en", name_en="Jianguo Wang"))
    assert "生日" not in compose_greeting(ctx(birthday=date(1946, 3, 12)))
    leap = date(2000, 2, 29)
    assert "生日快乐" in compose_greeting(ctx(birthday=leap, local_time=datetime(2027, 2, 28, 9, tzinfo=SHANGHAI)))
    assert "生日快乐" not in compose_greeting(ctx(birthday=leap, local_time=datetime(2028, 2, 28, 9,
                                                                                 tzinfo=SHANGHAI)))


def test_parcels() -> None:
    assert compose_greeting(ctx(parcels_waiting=1)).endswith("您有一个快递在前台。")
    assert compose_greeting(ctx(parcels_waiting=12)).endswith("您有12个快递在前台。")
    assert compose_greeting(ctx(lang="en", name_en="John Smith", parcels_waiting=2)).endswith(
        "You have two parcels at the front desk.")
    assert compose_greeting(ctx(lang="en", name_en="John Smith", parcels_waiting=1)).endswith(
        "You have a parcel at the front desk.")


@pytest.mark.parametrize(("news", "zh", "en"), [
    (RequestNews("repair_request", "in_progress", "空调"), "您报修的空调师傅已经在路上。",
     "The engineer for your repair is on the way."),
    (RequestNews("repair_request", "in_progress", None, on_site=True), "您报修的维修师傅已经在处理了。",
     "The engineer for your repair is working on it now."),
    (RequestNews("repair_request", "acknowledged", "水管"), "您的报修已经受理，水管师傅会尽快上门。",
     "Your repair request has been accepted; an engineer will come soon."),
    (RequestNews("repair_request", "assigned"), "您的报修已经通知工程部。",
     "Your repair request has been passed to engineering."),
    (RequestNews("cleaning_request", "in_progress"), "您的保洁请求正在处理中。",
     "Your cleaning request is being handled."),
    (RequestNews("errand", "acknowledged"), "您的代办请求已经受理。", "Your errand request has been accepted."),
])
def test_news_on_an_open_request(news, zh, en) -> None:
    assert compose_greeting(ctx(news=news)) == f"王先生，晚上好，欢迎回家。{zh}"
    assert compose_greeting(ctx(news=news, lang="en", name_en="Jianguo Wang")) == \
        f"Good evening, Mr Wang. Welcome home. {en}"


def test_everything_at_once_stays_short_and_ordered() -> None:
    today = EVENING.date()
    text = compose_greeting(ctx(birthday=date(1946, today.month, today.day), parcels_waiting=2,
                                news=RequestNews("repair_request", "in_progress", "空调")))
    assert text == "王先生，晚上好，欢迎回家。祝您生日快乐！您有两个快递在前台。您报修的空调师傅已经在路上。"


@pytest.mark.parametrize("prefs", [{"greet_by_name": False}, {"greet_by_name": "false"},
                                   {"public_greeting": "neutral"}])
def test_owner_who_wants_no_name_in_public_gets_a_neutral_greeting(prefs) -> None:
    today = EVENING.date()
    full = ctx(preferences=prefs, birthday=date(1990, today.month, today.day), parcels_waiting=2,
               news=RequestNews("repair_request", "in_progress", "空调"))
    assert wants_neutral(prefs)
    assert compose_greeting(full) == "晚上好，欢迎回家。"
    english = GreetingContext(name="John Smith", name_en="John Smith", honorific="先生", lang="en",
                              local_time=EVENING, preferences=prefs, parcels_waiting=3)
    assert compose_greeting(english) == "Good evening. Welcome home."


def test_default_is_to_greet_by_name() -> None:
    assert not wants_neutral({}) and not wants_neutral({"greet_by_name": True, "称呼": "王老"})
