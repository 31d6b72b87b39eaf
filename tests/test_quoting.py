"""The read-back quotes the owner's own words, cut where a word or clause ends, and keeps the details."""

from __future__ import annotations

import pytest

from assistant.dialogue.quoting import QUOTE_LIMIT, owner_words, readback_quote
from nlu.normalise import normalise


def _quote(source: str, lang: str, *details: tuple[str, str], scale: float = 1.0) -> str:
    """Quote ``source`` as the dialogue does, with entities found in its normalised text."""
    text = normalise(source).text
    entities = []
    for name, value in details:
        start = text.index(value)
        entities.append({"entity": name, "value": value, "start": start, "end": start + len(value)})
    return readback_quote(owner_words(source), text, entities, lang, scale=scale)


def test_a_short_request_is_quoted_whole_in_the_owners_words() -> None:
    quote = _quote("我想预约明天下午三点半的网球场", "zh", ("time", "明天15:30"), ("facility", "网球场"))
    assert quote == "我想预约明天下午三点半的网球场"  # not "明天15:30": the speech engine reads that as 十五零零


def test_the_recognisers_gaps_are_closed() -> None:
    assert _quote("厨房 水龙头 一直 在 滴水", "zh") == "厨房水龙头一直在滴水"
    assert owner_words("  the  lift   is stuck ") == "the lift is stuck"


def test_english_is_never_cut_inside_a_word_and_the_time_it_left_out_follows() -> None:
    source = ("my air conditioner in the bedroom is leaking water all over the floor, "
              "can you send someone tomorrow at ten thirty")
    quote = _quote(source, "en", ("facility", "air conditioner"), ("time", "tomorrow at 10:30"))
    head, _, tail = quote.partition("…")
    assert source.startswith(head) and source[len(head)] == " "  # ends on a word boundary
    assert tail == ", tomorrow at ten thirty"  # as it was said; a "yes" confirms it
    assert "air conditioner" in head and quote.count("air conditioner") == 1  # kept details are not repeated


def test_mandarin_is_cut_at_a_clause_end_when_there_is_one() -> None:
    source = "三栋一二零一的老太太说她家卫生间的灯不亮了，能不能明天上午十点来修一下，她腿脚不方便，家里也没有梯子"
    quote = _quote(source, "zh", ("unit", "3-1201"), ("facility", "灯"), ("time", "明天10:00"))
    assert quote == "三栋一二零一的老太太说她家卫生间的灯不亮了，能不能明天上午十点来修一下…"


def test_a_long_unpunctuated_mandarin_request_keeps_its_time() -> None:
    source = ("哎 那个 我 跟 你 说 啊 我们 家 那个 老 房子 的 厨房 水龙头 它 一直 在 滴水 已经 滴了 好几天 了 "
              "麻烦 你们 派 个 师傅 后天 下午 三点 来 看看")
    quote = _quote(source, "zh", ("facility", "水龙头"), ("time", "后天15:00"))
    assert len(quote) <= QUOTE_LIMIT["zh"] + 12
    assert quote.endswith("…，后天下午三点")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_cancel_question_names_the_request_more_briefly(lang: str) -> None:
    source = ("客厅的空调开了一晚上都不制冷，遥控器也换了电池，还是不行，麻烦派个师傅来看看" if lang == "zh" else
              "the air conditioner in the living room has not been cooling all night even with new batteries")
    assert len(_quote(source, lang, scale=0.5)) < len(_quote(source, lang))


@pytest.mark.parametrize(("source", "lang", "quoted"), [
    ("不是，是卫生间的灯不亮", "zh", "卫生间的灯不亮"),
    ("不是 是 卫生间 的 灯 不亮", "zh", "卫生间的灯不亮"),  # as the recogniser prints it
    ("错了错了，是明天下午三点", "zh", "明天下午三点"),
    ("No, I mean the bathroom light", "en", "the bathroom light"),
    ("sorry it's the kitchen tap that drips", "en", "the kitchen tap that drips"),
])
def test_a_corrections_opening_words_are_not_read_back(source: str, lang: str, quoted: str) -> None:
    assert _quote(source, lang) == quoted  # not "您是说“不是，是卫生间的灯不亮”"


@pytest.mark.parametrize("source", ["不是很急，但是卫生间的灯不亮", "不是我说你们，电梯又坏了",
                                    "No hot water in the kitchen", "sorry to bother you, the lift is stuck", "不是"])
def test_words_that_only_look_like_a_correction_are_kept(source: str) -> None:
    lang = "en" if source.isascii() else "zh"
    assert _quote(source, lang) == owner_words(source)


def test_a_long_correction_keeps_the_details_its_cut_left_out() -> None:
    source = ("不对不对，我说的是卫生间那个洗手台下面的水管一直在漏水，地上全是水了，拖都拖不干净，"
              "麻烦你们明天下午三点半派个师傅来看看")
    quote = _quote(source, "zh", ("location", "卫生间"), ("time", "明天15:30"))
    assert quote.startswith("卫生间那个洗手台") and quote.endswith("，明天下午三点半")


@pytest.mark.parametrize(("source", "lang", "quoted"), [
    ("哎 那个 那个 我家 那个 马桶 又 堵 了 堵 了", "zh", "我家那个马桶又堵了"),
    ("嗯，卧室的灯一闪一闪的", "zh", "卧室的灯一闪一闪的"),  # reduplication that means something stays
    ("um so the the light in my bathroom is uh broken", "en", "the light in my bathroom is broken"),
    ("please send someone to flat one one oh two", "en", "please send someone to flat one one oh two"),
])
def test_pause_fillers_and_stammers_are_not_read_back(source: str, lang: str, quoted: str) -> None:
    assert _quote(source, lang) == quoted


def test_an_unpunctuated_request_is_cut_where_a_clause_ends() -> None:
    """As Vosk prints Chinese: words apart, no punctuation."""
    source = "我家 卫生间 的 热水器 不 出 热水 了 洗澡 都 没法 洗 麻烦 你们 明天 上午 派 个 师傅 过来 看看"
    quote = _quote(source, "zh", ("location", "卫生间"), ("time", "明天上午"), scale=0.75)
    assert quote == "我家卫生间的热水器不出热水了洗澡都没法洗…，明天上午"  # not "…派个…", and the time follows


def test_a_greeting_before_the_request_is_not_read_back() -> None:
    source = "hi, I've got some friends coming over for dinner tonight around seven, four people"
    assert _quote(source, "en") == "I've got some friends coming over for dinner tonight around seven, four people"
    assert _quote("你好 我 家 的 水龙头 一直 在 滴水", "zh") == "我家的水龙头一直在滴水"
    assert _quote("hello", "en") == "hello"  # nothing but the greeting: kept
