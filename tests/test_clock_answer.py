"""The date and time are said as owners say them: 凌晨0点5分, not 凌晨12点5分; 9 am, not 9:00 am."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.dialogue.clock import clock_answer


@pytest.mark.parametrize(("hour", "minute", "zh", "en"), [
    (0, 5, "凌晨0点5分", "12:05 am"),
    (9, 0, "上午9点整", "9 am"),
    (12, 30, "中午12点30分", "12:30 pm"),
    (18, 35, "晚上6点35分", "6:35 pm"),
])
def test_the_time_of_day_is_said_as_owners_say_it(hour: int, minute: int, zh: str, en: str) -> None:
    moment = datetime(2026, 12, 6, hour, minute)
    assert clock_answer(moment, "zh") == f"今天是12月6日，星期日，现在是{zh}。"
    assert clock_answer(moment, "en") == f"Today is Sunday, 6 December. It is {en} now."
