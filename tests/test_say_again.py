"""Asking to hear the answer again is read as ``repeat`` by rule, when the model read a reply."""

import pytest

from nlu.adapter import IntentScore, NluResult, _heard_again
from nlu.normalise import normalise
from nlu.say_again import asks_to_hear_again


def _result(intent: str, text: str) -> NluResult:
    top = IntentScore(intent, 0.6)
    return NluResult(text=normalise(text).text, source_text=text, lang="en", intent=top, ranking=(top,),
                     entities=())


@pytest.mark.parametrize(
    "text",
    [
        "sorry, what time did you say the plumber is coming",
        "which building did you just say",
        "I didn't catch the name of the cleaner",
        "sorry, I couldn't hear the address",
        "what was the number you just said",
        "你刚才说的是几点",
        "不好意思 没 听 清 麻烦 再 说 一 遍",
        "你 说 几 楼 的 会议室 来着",
        "那个电话号码我没记住",
    ],
)
def test_asking_to_hear_it_again_is_found(text: str) -> None:
    assert asks_to_hear_again(normalise(text).text)


@pytest.mark.parametrize(
    "text",
    [
        "how do you say thank you in French",
        "老师讲了我也没听懂",
        "my light is broken",
        "我家空调坏了",
        "I didn't get my parcel",
        "say that again and you're grounded, young man",
        "i didnt catch the bus this morning so i walked",
        "what do you say we go for a walk after dinner",
    ],
)
def test_other_lines_are_not(text: str) -> None:
    assert not asks_to_hear_again(normalise(text).text)


def test_a_reply_reading_becomes_repeat() -> None:
    result = _heard_again(_result("nlu_fallback", "which day did you say the engineer comes"))
    assert (result.intent.name, result.rule) == ("repeat", "say_again")
    assert result.ranking[0].name == "repeat"


@pytest.mark.parametrize("intent", ["call_butler", "emergency", "parcel_service"])
def test_a_request_that_also_says_it_keeps_its_reading(intent: str) -> None:
    result = _heard_again(_result(intent, "sorry, I didn't catch that, can I talk to a person"))
    assert result.intent.name == intent and result.rule is None
