"""Act cues fire on the ways owners say the act, in both languages and as Vosk prints it; not on plain requests."""

from __future__ import annotations

import pytest

from nlu.act_cues import CUES, DIMENSIONS, load_act_cues


def fired(text: str) -> set[str]:
    """Names of the cues that fire on ``text`` (given as the linear model sees it, or as typed)."""
    vector = load_act_cues()(text)
    return {name for name, value in zip(CUES, vector, strict=True) if value}


@pytest.mark.parametrize(("text", "cue"), [
    ("麻烦把明天的保洁取消掉", "cancel"),
    ("寄 快递 那个 先 作废 吧", "cancel"),  # Vosk's spaces
    ("please call off the plumber", "cancel"),
    ("i ve changed my mind about the yoga class", "cancel"),
    ("明天15:00修马桶的别来了", "not_needed"),
    ("帮 我 买 牛奶 那个 算了 不 买 了", "not_needed"),
    ("we won t need housekeeping tomorrow", "not_needed"),  # the linear model's text drops apostrophes
    ("we won't need housekeeping tomorrow", "not_needed"),
    ("Mr Chen isn't coming after all", "not_needed"),
    ("别取消，时间往后挪一挪就行", "keep"),
    ("don't cancel it, a later delivery is fine", "keep"),
    ("我家热水器修好了没有", "ask_after"),
    ("any update on the leaking pipe", "ask_after"),
    ("has the plumber been yet", "ask_after"),
    ("您再说一遍好吗", "hear_again"),
    ("sorry I didn t catch that", "hear_again"),
    ("what did you just say", "hear_again"),
])
def test_a_cue_fires_on_its_act(text: str, cue: str) -> None:
    assert cue in fired(text)


@pytest.mark.parametrize("text", [
    "我家厨房漏水了，麻烦派个师傅来看看",
    "帮我约一下周六上午的羽毛球场",
    "the kitchen light is broken, can someone come and fix it",
    "please register my nephew Kevin as a visitor for tonight",
    "你好",
    "",
])
def test_plain_requests_fire_no_cue(text: str) -> None:
    assert fired(text) == set()


def test_many_stacks_one_row_per_text() -> None:
    rows = load_act_cues().many(["取消保洁", "你好", "any news on my repair"])
    assert rows.shape == (3, DIMENSIONS)
    assert rows.sum(axis=1).tolist() == [1.0, 0.0, 1.0]
    assert load_act_cues().many([]).shape == (0, DIMENSIONS)
