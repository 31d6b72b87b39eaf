"""Two requests in one breath are cut where a new request usually starts, and only there."""

from __future__ import annotations

import pytest

from assistant.dialogue.compound import split_requests


@pytest.mark.parametrize(("text", "parts"), [
    ("我家空调坏了，顺便帮我交一下物业费", ["我家空调坏了", "帮我交一下物业费"]),
    ("厨房灯不亮了。另外明天的保洁改到下午", ["厨房灯不亮了", "明天的保洁改到下午"]),
    ("the kitchen light is broken and also can you book the tennis court",
     ["the kitchen light is broken", "can you book the tennis court"]),
    ("please fix my tap, also I need my water bill paid", ["please fix my tap", "I need my water bill paid"]),
])
def test_a_second_request_is_cut_off(text: str, parts: list[str]) -> None:
    assert split_requests(text) == parts


@pytest.mark.parametrize("text", [
    "空调坏了，不制冷，滴水",  # commas describe one request
    "I also want the carpet cleaned",  # "also" with nothing before it
    "好的。",
])
def test_one_request_stays_whole(text: str) -> None:
    assert split_requests(text) == [text]
