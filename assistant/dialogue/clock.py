"""The date and time, said the way an owner asks for them ("今天几号", "what time is it")."""

from __future__ import annotations

from datetime import datetime

from assistant.dialogue.replies import say

_WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def clock_answer(local: datetime, lang: str) -> str:
    """"今天是12月6日，星期日，现在是下午6点35分。" / "Today is Sunday, 6 December. It is 6:35 pm now."."""
    if lang == "en":
        minute = "" if local.minute == 0 else f":{local.minute:02d}"
        time_en = f"{local.hour % 12 or 12}{minute} {'am' if local.hour < 12 else 'pm'}"
        return say("clock", "en", weekday_en=local.strftime("%A"), day=local.day,
                   month_en=local.strftime("%B"), time_en=time_en)
    minute = "整" if local.minute == 0 else f"{local.minute}分"
    return say("clock", "zh", month=local.month, day=local.day, weekday=_WEEKDAYS_ZH[local.weekday()],
               period=_period_zh(local.hour), hour=local.hour if local.hour <= 12 else local.hour - 12,
               minute=minute)


def _period_zh(hour: int) -> str:
    """凌晨 / 上午 / 中午 / 下午 / 晚上, as a time of day is said before the hour."""
    if hour < 6:
        return "凌晨"
    if hour < 12:
        return "上午"
    if hour < 13:
        return "中午"
    if hour < 18:
        return "下午"
    return "晚上"
