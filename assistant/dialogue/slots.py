"""What each request needs before it can be dispatched, and how answers fill it.

A repair needs to know what is broken (a facility, or any description beyond
"I want a repair"); requests about a home need the unit unless it is known from
the panel, the recognised owner or the utterance, or the place is a common area.
"""

from __future__ import annotations

import re

from nlu.adapter import NluResult
from nlu.spoken_numbers import NUMBER_RUN, number_groups, split_unit

# Slots asked for, per category, in order (besides the unit).
REQUIRED_SLOTS: dict[str, tuple[str, ...]] = {
    "repair_request": ("facility",),
    "bill_payment": ("bill_type",),
    "errand": ("item",),
    "visitor_access": ("visitor_name",),
    "activity_booking": ("activity",),
}
NO_UNIT_NEEDED = frozenset({"emergency", "call_butler", "request_status", "faq"})

COMMON_AREAS = re.compile(
    r"大堂|大厅|电梯厅|楼道|走廊|车库|停车场|花园|门口|大门|南门|北门|东门|西门|会所|健身房|泳池|游泳池|"
    r"楼梯|单元门|垃圾房|垃圾站|广场|小区|公共|地库|电梯里"
    r"|\b(?:lobby|hall|corridor|hallway|garage|car park|carpark|parking lot|garden|gate|entrance|"
    r"clubhouse|gym|pool|stairs|staircase|stairwell|lift lobby|elevator lobby|playground|bin room)\b",
    re.I,
)
_GENERIC_REPAIR = re.compile(
    r"^(?:我|我们|你好|您好|麻烦|请|帮我|帮忙|想|要|需要|我要|我想|一下|家里|家|有|东西|点|个|那个|就是|"
    r"报修|维修|修理|修一下|修|坏了|坏|了|啊|呀|吧|嗯|的|,|\.|!|\?|，|。|！|？|\s)*$"
    r"|^(?:hi|hello|please|i|we|need|want|would like|to|a|an|the|some|something|thing|"
    r"repair|fix|fixed|fixing|is|are|broken|maintenance|request|report|make|have|got|can|you|"
    r"help|me|with|my|\W|\s)*$",
    re.I,
)
_UNIT_IN_TEXT = re.compile(r"(?<![\d-])\d{1,2}-(?:\d{1,2}-)?\d{3,4}(?![\d-])")

BILL_KEYWORDS = (
    ("水费", r"水"), ("电费", r"电"), ("燃气费", r"燃气|煤气|天然气"), ("物业费", r"物业|管理费"),
    ("停车费", r"停车|车位"),
    ("water bill", r"\bwater\b"), ("electricity bill", r"\belectric|\bpower\b"),
    ("gas bill", r"\bgas\b"), ("property fee", r"\bproperty\b|\bmanagement\b|\bservice charge\b"),
    ("parking fee", r"\bparking\b"),
)
# A bill_type span that names no bill ("帮我[交个费]", "pay a [bill]"): the model
# sometimes tags the generic words, and the owner must still be asked which bill.
_GENERIC_VALUES: dict[str, re.Pattern[str]] = {
    "bill_type": re.compile(
        r"^(?:交|缴|付|个|一下|下|点|的|那个|这个|费|费用|钱|账单?|单子|"
        r"bills?|fees?|payments?|pay|charges?|the|a|my|\W|\s)*$",
        re.I,
    ),
}
# Answers kept whole when short: who is coming and what to buy are in the owner's words, not a tagged part.
_WHOLE_ANSWER_SLOTS = frozenset({"visitor_name", "item"})
# Leading fillers of a short answer; English ones only as whole words ("actually" keeps its "a").
_FILLERS = re.compile(r"^(?:嗯|啊|呃|那个|就是|我要|我想|是|对|帮我|请|(?:the|a|my|uh|um|er|it's|its|it is)\b)+\s*",
                      re.I)


def slot_values(result: NluResult, slot: str) -> list[str]:
    """Entity values for ``slot`` that say something (generic words such as "交个费" are not a bill type)."""
    generic = _GENERIC_VALUES.get(slot)
    return [v for v in result.entity_values(slot) if not (generic and generic.match(v))]


def describes_problem(result: NluResult) -> bool:
    """True when a repair utterance says what is wrong (entity or any real description)."""
    if any(e.entity in {"facility", "location"} for e in result.entities):
        return True
    return not _GENERIC_REPAIR.match(result.text)


def _says_only(zh_words: str, en_words: str) -> re.Pattern[str]:
    """A pattern for an utterance made of nothing but polite words and ``zh_words`` / ``en_words`` (``|``-joined)."""
    zh_polite = ("我|我们|你好|您好|麻烦|你们|请|帮我|帮忙|想|要|需要|我要|我想|能不能|可以|一下|点|一点|个|"
                 "吗|啊|呀|吧|嗯|的|了")
    en_polite = ("hi|hello|please|i'd|we'd|i|we|need|want|would|like|to|an|a|the|some|something|could|can|you|"
                 "help|me|with|my|for|do")
    return re.compile(rf"^(?:{zh_polite}|{zh_words}|[,.!?，。！？]|\s)*$|^(?:{en_polite}|{en_words}|\W|\s)*$", re.I)


# An errand or a booking that says only that it is one ("帮我买点东西", "run an errand for me", "我想预约一下"):
# ask what it is. Anything more ("帮我叫辆出租车去机场", "会所包间请朋友吃饭") says it, tagged or not.
_GENERIC_ERRAND = _says_only("些|一些|东西|事|事情|买|代买|代办|办|跑腿|跑个腿|跑一趟|去",
                             "things|stuff|few|bits|done|run|errand|errands|buy|get|shopping|pick|up")
_GENERIC_BOOKING = _says_only("一个|预约|预订|预定|订|约|报名|报个名|登记|活动|场地",
                              "make|book|booking|reserve|reservation|sign|up|join|activity")


def says_what_to_book(result: NluResult) -> bool:
    """True when a booking says what it is for, even if no activity or facility was tagged ("会所包间请朋友吃饭")."""
    return not _GENERIC_BOOKING.match(result.text)


def says_what_to_do(result: NluResult) -> bool:
    """True when an errand says what it is, even with no item: a taxi to book, a form to hand in."""
    return not _GENERIC_ERRAND.match(result.text)


def missing_slots(category: str, result: NluResult, filled: dict[str, str]) -> list[str]:
    """Slots of ``category`` that neither the utterance nor earlier answers filled."""
    missing = []
    for slot in REQUIRED_SLOTS.get(category, ()):
        if slot in filled:
            continue
        if slot == "facility" and describes_problem(result):
            continue
        if slot == "activity" and (result.entity_values("facility") or says_what_to_book(result)):
            continue
        if slot == "item" and says_what_to_do(result):
            continue
        if slot_values(result, slot):
            continue
        missing.append(slot)
    return missing


def is_common_area(text: str, result: NluResult | None = None) -> bool:
    """The request is about a shared place (lobby, garage, ...), so no flat number is needed."""
    locations = " ".join(result.entity_values("location")) if result else ""
    return bool(COMMON_AREAS.search(locations or text))


def unit_in(result: NluResult) -> str | None:
    """A flat number said in the utterance (already normalised to ``3-1201``)."""
    values = result.entity_values("unit")
    if values and _UNIT_IN_TEXT.fullmatch(values[0]):
        return values[0]
    match = _UNIT_IN_TEXT.search(result.text)
    return match.group() if match else None


# An answer to "which flat?" that is only a flat number in words: "three twelve oh one",
# "it's flat three one two zero one".
_SPOKEN_UNIT_ANSWER = re.compile(
    rf"^(?:(?:it'?s|it is|i'?m in|i live in|we'?re in|my flat is|flat|unit|apartment|room|number|no|"
    rf"um|uh|er|erm|yes|oh)[ ,]+)*(?P<run>{NUMBER_RUN})(?:[ ,]+please)?[ .!]*$",
    re.I,
)


def spoken_unit_answer(text: str) -> str | None:
    """``3-1201`` for an answer that is a flat number read out in one breath, building first."""
    match = _SPOKEN_UNIT_ANSWER.match(text.strip())
    groups = number_groups(match.group("run")) if match else None
    unit = split_unit(groups) if groups else None
    return f"{unit[0]}-{unit[1]}" if unit else None


def answer_for_slot(slot: str, result: NluResult) -> str | None:
    """The value an answer gives for ``slot``, or ``None`` if it does not answer it."""
    if slot == "unit":
        return unit_in(result) or spoken_unit_answer(result.text)
    text = result.text.strip()
    stripped = _FILLERS.sub("", text).strip(" ,.。，!！?？")
    if slot in _WHOLE_ANSWER_SLOTS and 0 < len(stripped) <= 40:
        return stripped  # "我表弟 张三" is who comes, not the "我表弟" the model tagged
    values = slot_values(result, slot)
    if slot == "activity" and not values:
        values = result.entity_values("facility")
    if values:
        return values[0]
    if slot == "bill_type":
        for value, pattern in BILL_KEYWORDS:
            if re.search(pattern, text, re.I) and (value.isascii() == (result.lang == "en")):
                return value
        return None
    # Free-text slots: a short answer is the answer ("厨房的水龙头", "two bags of rice").
    if 0 < len(stripped) <= 40:
        return stripped
    return None


def added_detail(said: str) -> str | None:
    """What an answer to a read-back adds ("西红柿鸡蛋还有一斤猪肉"), fillers stripped; None if empty or long."""
    stripped = _FILLERS.sub("", said.strip()).strip(" ,.。，!！?？")
    return stripped if 2 <= len(stripped) <= 60 else None
