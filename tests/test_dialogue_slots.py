"""Which details a request still needs: generic words tagged as a bill type do not count."""

from __future__ import annotations

import pytest

from assistant.dialogue.slots import answer_for_slot, missing_slots
from nlu.adapter import Entity, IntentScore, NluResult


def _result(text: str, lang: str, *entities: tuple[str, str]) -> NluResult:
    found = tuple(Entity(name, value, text.find(value), text.find(value) + len(value)) for name, value in entities)
    return NluResult(text, text, lang, IntentScore("bill_payment", 0.9), (), found)


@pytest.mark.parametrize(("text", "lang", "value"), [
    ("帮我交个费", "zh", "交个费"),
    ("帮我缴一下费用", "zh", "费用"),
    ("please help me pay a bill", "en", "bill"),
    ("I need to pay the fees", "en", "the fees"),
])
def test_generic_words_tagged_as_bill_type_still_ask_which_bill(text: str, lang: str, value: str) -> None:
    result = _result(text, lang, ("bill_type", value))
    assert missing_slots("bill_payment", result, {}) == ["bill_type"]
    assert answer_for_slot("bill_type", result) is None


@pytest.mark.parametrize(("text", "lang", "value"), [
    ("帮我交一下暖气费", "zh", "暖气费"),
    ("交 水电费", "zh", "水电费"),
    ("pay my water bill", "en", "water bill"),
    ("the cable bill is due", "en", "cable"),
])
def test_a_named_bill_fills_the_slot(text: str, lang: str, value: str) -> None:
    result = _result(text, lang, ("bill_type", value))
    assert missing_slots("bill_payment", result, {}) == []
    assert answer_for_slot("bill_type", result) == value


def test_a_bare_answer_names_the_bill_by_keyword() -> None:
    assert answer_for_slot("bill_type", _result("水费", "zh")) == "水费"
    assert answer_for_slot("bill_type", _result("the gas one", "en")) == "gas bill"


@pytest.mark.parametrize(("slot", "text", "tagged", "value"), [
    ("visitor_name", "我表弟张三", "我表弟", "我表弟张三"),
    ("visitor_name", "嗯 my cousin Kevin Li", "my cousin", "my cousin Kevin Li"),
    ("item", "two bags of rice and some eggs", "rice", "two bags of rice and some eggs"),
])
def test_who_comes_and_what_to_buy_are_kept_whole(slot: str, text: str, tagged: str, value: str) -> None:
    assert answer_for_slot(slot, _result(text, "zh" if not text.isascii() else "en", (slot, tagged))) == value


@pytest.mark.parametrize(("text", "missing"), [
    ("帮我买点东西", ["item"]),
    ("帮我跑个腿", ["item"]),
    ("can you run an errand for me", ["item"]),
    ("帮我叫辆出租车去机场", []),  # says what to do; there is nothing to buy
    ("could you get me a taxi to the airport at 6 tomorrow morning", []),
    ("pick up my dry cleaning please", []),
    ("帮我把这个表交到居委会", []),
])
def test_an_errand_is_asked_what_it_is_only_when_it_does_not_say(text: str, missing: list[str]) -> None:
    assert missing_slots("errand", _result(text, "en" if text.isascii() else "zh"), {}) == missing


@pytest.mark.parametrize(("text", "value"), [
    ("actually make it two bottles", "actually make it two bottles"),  # "actually" keeps its "a"
    ("a bottle of soy sauce", "bottle of soy sauce"),
    ("嗯那个两箱矿泉水", "两箱矿泉水"),
])
def test_fillers_are_whole_words(text: str, value: str) -> None:
    assert answer_for_slot("item", _result(text, "en" if text.isascii() else "zh")) == value


@pytest.mark.parametrize(("text", "missing"), [
    ("我想预约一下", ["activity"]),
    ("帮我报个名", ["activity"]),
    ("I'd like to make a booking", ["activity"]),
    ("我想预约周六上午的会所包间请朋友吃饭", []),  # says what, though nothing was tagged
    ("can I sign up for the Saturday pottery workshop", []),
])
def test_a_booking_is_asked_what_for_only_when_it_does_not_say(text: str, missing: list[str]) -> None:
    assert missing_slots("activity_booking", _result(text, "en" if text.isascii() else "zh"), {}) == missing
