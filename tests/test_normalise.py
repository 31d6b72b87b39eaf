"""Normalisation: the canonical text every NLU caller and the training data share."""

import pytest

from nlu.normalise import chinese_to_int, detect_language, normalise
from nlu.spoken_numbers import number_groups, split_unit


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("我 家 水管 漏水 了", "我家水管漏水了"),
        ("三栋一二零一", "3-1201"),
        ("三 栋 一 二 零 一 的 灯 不 亮 了", "3-1201的灯不亮了"),
        ("３号楼１２０１室空调坏了", "3-1201空调坏了"),
        ("五号楼八零二", "5-802"),
        ("三栋一千二百零一", "3-1201"),
        ("5栋2单元802", "5-2-802"),
        ("building 3 room 1201", "3-1201"),
        ("3 - 1201", "3-1201"),
        ("下午三点半", "15:30"),
        ("下午 三 点 半 来", "15:30来"),
        ("明天上午十点", "明天10:00"),
        ("今晚八点", "今晚20:00"),
        ("凌晨两点", "02:00"),
        ("中午十二点", "12:00"),
        ("九点一刻", "9:15"),
        ("15点30分", "15:30"),
        ("at 3 pm", "at 15:00"),
        ("three thirty p m", "15:30"),
        ("三栋一二零一 下午三点半 来修", "3-1201 15:30来修"),
        ("三栋一二零一下午三点半来修", "3-1201 15:30来修"),
        ("three dash twelve oh one", "3-1201"),
        ("block three flat twelve oh one is flooded", "3-1201 is flooded"),
        ("flat twelve oh one in building three", "3-1201"),
        ("building three one two zero one", "3-1201"),
        ("building five room eight hundred and two", "5-802"),
        ("can someone come at half past three", "can someone come at 3:30"),
        ("quarter to four in the afternoon", "15:45"),
        ("at seven tonight", "at 19:00 tonight"),
        ("at half six this evening", "at 18:30 this evening"),
        ("book a taxi for five thirty tomorrow morning", "book a taxi for 05:30 tomorrow morning"),
        ("drilling until eleven at night", "drilling until 23:00"),
        ("the plumber comes at ten, please let him in", "the plumber comes at 10:00, please let him in"),
        ("ＨＥＬＬＯ，你好！", "HELLO,你好!"),
        ("  my   sink is  leaking ", "my sink is leaking"),
    ],
)
def test_normalises(source: str, expected: str) -> None:
    assert normalise(source).text == expected


@pytest.mark.parametrize("text", [
    "快一点", "有一点漏水", "慢一点说", "2026-11-26", "电话13812345678",
    # English numbers that are not a flat or a clock time
    "the leak is at twelve oh one", "there are two of us", "stuck at ninety percent for ages",
    "hemmed in by two others", "my dad is eighty six", "born in nineteen fifty", "ten minutes ago",
    "the one on the left", "at one of the gates", "about ten people", "open from five to six",
])
def test_leaves_non_units_and_non_times_alone(text: str) -> None:
    assert normalise(text).text == text


@pytest.mark.parametrize("text", ["凌晨两点", "我 家 三 栋 一 二 零 一", "下午3:30", "at 3 pm", "５栋",
                                  "at seven tonight", "three dash twelve oh one", "at half past three"])
def test_is_idempotent(text: str) -> None:
    once = normalise(text).text
    assert normalise(once).text == once


def test_spans_point_back_into_the_source() -> None:
    norm = normalise("麻烦 三 栋 一 二 零 一 的 灯 不 亮 了")
    start = norm.text.index("3-1201")
    src_start, src_end = norm.source_span(start, start + len("3-1201"))
    assert norm.source[src_start:src_end] == "三 栋 一 二 零 一"
    assert norm.target_span(src_start, src_end) == (start, start + 6)
    lamp = norm.source.index("灯")
    assert norm.text[slice(*norm.target_span(lamp, lamp + 1))] == "灯"


def test_chinese_numbers() -> None:
    assert chinese_to_int("一二零一") == 1201
    assert chinese_to_int("八百零二") == 802
    assert chinese_to_int("十二") == 12
    assert chinese_to_int("两") == 2
    assert chinese_to_int("一千二百零一") == 1201
    assert chinese_to_int("abc") is None


def test_detects_language() -> None:
    assert detect_language("my 空调 is broken") == "zh"
    assert detect_language("my AC is broken") == "en"


@pytest.mark.parametrize(("run", "groups"), [
    ("three twelve oh one", ["3", "12", "0", "1"]),
    ("one two zero one", ["1", "2", "0", "1"]),
    ("eight hundred and two", ["802"]),
    ("twenty three", ["23"]),
    ("double three", ["3", "3"]),
    ("oh five", None),
    ("lift", None),
])
def test_reads_english_number_words_in_the_groups_they_were_said(run: str, groups: list[str] | None) -> None:
    assert number_groups(run) == groups


def test_a_flat_said_in_one_breath_is_building_first() -> None:
    assert split_unit(["3", "12", "0", "1"]) == (3, "1201")
    assert split_unit(["12", "12", "0", "1"]) == (12, "1201")
    assert split_unit(["31", "0", "2"]) == (3, "102")  # "thirty one oh two": no room is "02"
    assert split_unit(["2"]) is None
