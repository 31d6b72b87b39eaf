"""Rules for answers too short to trust a statistical model with."""

import pytest

from assistant.dialogue.short_answers import named_service, short_answer


@pytest.mark.parametrize(("text", "intent"), [
    ("报修", "repair_request"), ("我要报修", "repair_request"), ("我想报修一下", "repair_request"),
    ("帮我报个修吧", "repair_request"), ("我要投诉！", "complaint"), ("找管家", "call_butler"),
    ("转人工", "call_butler"), ("a repair", "repair_request"), ("I want to report a repair", "repair_request"),
    ("make a complaint please", "complaint"),
])
def test_a_service_said_by_its_name(text: str, intent: str) -> None:
    assert named_service(text) == intent


@pytest.mark.parametrize("text", [
    "我报修的空调怎么样了", "报修了三次都没人来", "不是投诉", "对", "报修还是投诉", "the repair is taking ages", "",
])
def test_more_than_a_name_goes_to_the_model(text: str) -> None:
    assert named_service(text) is None


@pytest.mark.parametrize(("text", "intent"), [("对的", "affirm"), ("不对", "deny"), ("算了", "cancel"),
                                              ("pardon", "repeat"), ("空调坏了", None)])
def test_yes_no_cancel_and_say_again(text: str, intent: str | None) -> None:
    assert short_answer(text) == intent
