"""Visitors found by how owners name them, for visitor requests the model left without one."""

import pytest

from nlu.adapter import Entity, IntentScore, NluResult, _hosts_dropped, _visitor_named
from nlu.visitors import find_visitor


@pytest.mark.parametrize(
    ("text", "visitor"),
    [
        ("我舅妈到南门了开门", "我舅妈"),
        ("开一下门,我爸回来了", "我爸"),
        ("我表妹小陈下午来", "我表妹小陈"),
        ("哎那个我闺女的同学小刘要来玩你们给开下门", "我闺女的同学小刘"),
        ("我妈的护工下午到", "我妈的护工"),
        ("孙女放学过来,给她开个门", "孙女"),
        ("送沙发的师傅马上到楼下了让他上来", "送沙发的师傅"),
        ("给钟点工登个记吧", "钟点工"),
        ("王先生下午来找我", "王先生"),
        ("my in-laws are at the main gate", "my in-laws"),
        ("my daughter's friends are coming for a sleepover", "my daughter's friends"),
        ("my cousin Li Wei arrives at 15:00", "my cousin Li Wei"),
        ("my old friend is popping round", "my old friend"),
        ("the decorators start monday, give them passes", "the decorators"),
        ("please let mister wong up", "mister wong"),
        ("门口有个人说是来找我的,叫张伟,让他进来", "张伟"),
        ("有个朋友来找我,叫王丽", "王丽"),
        ("帮我登记一个访客叫王建国15:00到", "王建国"),
        ("我叫王师傅来修一下门禁,让他进来", "王师傅"),
        ("a man called David Chen is here for me", "David Chen"),
        ("I'm expecting a babysitter, her name is Maria Lopez", "Maria Lopez"),
    ],
)
def test_a_visitor_is_found_as_the_owner_names_them(text: str, visitor: str) -> None:
    found = find_visitor(text)
    assert found is not None and found[0] == visitor
    assert text[found[1]:found[2]] == visitor


@pytest.mark.parametrize(
    "text",
    ["有客人来了帮我开门", "待会儿有人来找我", "三个人下午到", "妈,门开一下", "a visitor is coming at three",
     "someone is at the gate for me", "let them in please", "a guest will arrive tonight",
     "the doctor is coming at three, let him up", "I might miss the delivery, let them in anyway"],
)
def test_nobody_in_particular_is_no_visitor(text: str) -> None:
    """客人, 有人, "a guest": the assistant should ask for a name (nlu/data/README.md)."""
    assert find_visitor(text) is None


@pytest.mark.parametrize(
    ("text", "visitor"),
    [
        ("你好我是来看我姑妈的她住5-1602", None),
        ("我来看望住在3-1201的我大伯", None),
        ("我找九号楼的孙阿姨,我是她外甥", "外甥"),
        ("您好,我是6-802李先生约的修空调的师傅", "修空调的师傅"),
        ("hello, I'm here to see my aunt in 5-1602", None),
        ("good morning, I'm visiting Mr Zhou on the ninth floor", None),
        ("my brother is coming to visit my mum tonight", "my brother"),
        ("王先生下午来找我", "王先生"),
        ("我自己找的保姆下午到", "保姆"),  # the owner's own hire
        ("我自己找的搬家公司的人下午到", "搬家公司的人"),
        ("我是家教老师约的明天上午给孩子上课", "家教老师"),  # an appointment, not a host
    ],
)
def test_the_host_a_visitor_comes_to_see_is_not_the_visitor(text: str, visitor: str | None) -> None:
    """A visitor at the kiosk names whom they visit; the desk needs who is at the door."""
    found = find_visitor(text)
    assert (found and found[0]) == visitor


def _result(intent: str, text: str, entities: tuple[Entity, ...] = ()) -> NluResult:
    top = IntentScore(intent, 0.9)
    return NluResult(text=text, source_text=text, lang="zh", intent=top, ranking=(top,), entities=entities)


def test_a_visitor_request_gets_the_visitor_the_model_missed() -> None:
    result = _visitor_named(_result("visitor_access", "我舅妈到南门了开门", (Entity("location", "南门", 4, 6),)))
    assert [(e.entity, e.value, e.start, e.end) for e in result.entities] == [
        ("visitor_name", "我舅妈", 0, 3), ("location", "南门", 4, 6)]


def test_the_models_visitor_and_other_intents_are_left_alone() -> None:
    tagged = _result("visitor_access", "我舅妈到南门了开门", (Entity("visitor_name", "舅妈", 1, 3),))
    assert _visitor_named(tagged) == tagged
    errand = _result("errand", "帮我妈买点药")
    assert _visitor_named(errand) == errand


def test_a_host_the_model_tagged_as_the_visitor_is_dropped() -> None:
    text = "I'm here to see my grandma in 3-1201"
    entities = (Entity("visitor_name", "my grandma", 16, 26), Entity("unit", "3-1201", 30, 36))
    tagged = _result("visitor_access", text, entities)
    assert [e.entity for e in _hosts_dropped(tagged).entities] == ["unit"]
    coming = _result("visitor_access", "my grandma is coming at 3", (Entity("visitor_name", "my grandma", 0, 10),))
    assert _hosts_dropped(coming) == coming
