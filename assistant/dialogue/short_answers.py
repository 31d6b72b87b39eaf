"""Short answers recognised by rule: yes, no, cancel, say-again, and a service said by its name.

At a read-back the owner answers in a word or two, and the device listens with
a yes/no grammar; such answers must not depend on a statistical model's mood.
Only short utterances are matched, so "不是这个问题，是空调坏了" still goes to the NLU.
"""

from __future__ import annotations

import re

from assistant.dialogue.replies import CATEGORY_NAMES
from nlu.adapter import NluResult, ruled

_ZH = {
    "affirm": r"(?:嗯+|是+|是的|是啊|是呀|对+|对的|对啊|对呀|没错|不错|好+|好的|好啊|好吧|行+|行啊|可以|中|成|"
              r"没问题|就这样|就这么办|确认|确定|要的|需要|麻烦了|麻烦你了|谢谢)",
    "deny": r"(?:不+|不是|不对|错了|不是的|没有|不行|不要这个|说错了)",
    "cancel": r"(?:取消|算了|不用了|不要了|不需要了|别弄了|不弄了|拉倒|甭了)",
    "repeat": r"(?:啥|什么|你说啥|你说什么|再说一遍|再说一次|没听清|没听清楚|听不清|请再说一遍|重复一遍|说慢点)",
}
_EN = {
    "affirm": r"(?:yes|yeah|yep|yup|sure|ok|okay|correct|right|that'?s right|go ahead|please do|do it|fine|"
              r"absolutely|of course|yes please|sounds good)",
    "deny": r"(?:no|nope|wrong|that'?s wrong|not right|incorrect|no that'?s not it)",
    "cancel": r"(?:cancel|cancel it|never ?mind|forget it|stop|no thanks|don'?t bother)",
    "repeat": r"(?:what|pardon|sorry|come again|say (?:that|it) again|repeat|again|i didn'?t catch that)",
}
_PUNCT = r"[\s,.!?，。！？~、…]*"
_PATTERNS = {
    intent: (re.compile(f"^{_PUNCT}(?:{_ZH[intent]}{_PUNCT})+$"),
             re.compile(f"^{_PUNCT}(?:(?:{_EN[intent]}){_PUNCT})+$", re.I))
    for intent in _ZH
}
_ORDER = ("cancel", "repeat", "deny", "affirm")


def short_answer(text: str) -> str | None:
    """``affirm`` / ``deny`` / ``cancel`` / ``repeat`` for a short answer, else ``None``."""
    text = text.strip()
    if not text or len(text) > 24:
        return None
    for intent in _ORDER:
        zh, en = _PATTERNS[intent]
        if zh.match(text) or en.match(text):
            return intent
    return None


# What the assistant itself tells owners to say ("您可以说“报修”，或者“找管家”"), so it must never
# depend on the model: the bare word 报修 sits mostly in status and complaint lines of the data.
# The names are the replies' own (CATEGORY_NAMES), plus the other ways owners say them.
_ASK = r"(?:我|俺)?(?:想|要|想要|得|需要)?(?:请|麻烦|帮我|给我|帮忙)?"
_OTHER_NAMES = {
    "zh": {"repair_request": ("报个修", "修东西"), "complaint": ("提个投诉",), "cleaning_request": ("叫保洁", "约保洁"),
           "visitor_access": ("登记访客",), "bill_payment": ("缴费", "交费"), "errand": ("代买", "代办"),
           "activity_booking": ("预约活动",), "home_watch": (), "health_service": (),
           "call_butler": ("叫管家", "转人工")},
    "en": {"repair_request": ("repair", "report a repair"), "complaint": ("complaint", "make a complaint"),
           "call_butler": ("butler", "my butler", "talk to my butler")},
}


def _names(lang: str, intent: str) -> str:
    return "|".join(map(re.escape, (CATEGORY_NAMES[lang][intent], *_OTHER_NAMES[lang][intent])))


_SERVICE_PATTERNS = [
    (intent, re.compile(f"^{_PUNCT}{_ASK}(?:{_names('zh', intent)})(?:一下)?[吧啊呀了]*{_PUNCT}$"))
    for intent in _OTHER_NAMES["zh"]
] + [
    (intent, re.compile(f"^{_PUNCT}(?:i want to |i'?d like to |please )?(?:{_names('en', intent)})"
                        f"{_PUNCT}(?:please)?{_PUNCT}$", re.I))
    for intent in _OTHER_NAMES["en"]
]

def named_service(text: str) -> str | None:
    """The service an utterance only names ("报修", "我要投诉", "找管家", "a repair"), else ``None``."""
    text = text.strip()
    if not text or len(text) > 40:
        return None
    return next((intent for intent, pattern in _SERVICE_PATTERNS if pattern.match(text)), None)


def apply_named_service(result: NluResult) -> NluResult:
    """``result`` as the service it only names (报修, "a repair"), by rule; an emergency reading stands.

    The hub's /api/v1/parse and the dialogue (when no question is open) read a bare name alike.
    """
    named = named_service(result.text)
    if named is None or result.intent.name in {named, "emergency"}:
        return result
    return ruled(result, named, "named_service")
