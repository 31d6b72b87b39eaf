"""Text normalisation that runs before every parse and over all training data.

Vosk prints Chinese with spaces between words (``我 家 水管 漏水 了``) and numbers
as characters (``三 栋 一 二 零 一``); owners type full-width characters on
kiosks. The NLU must see one canonical form, so training data and live text go
through the same function. Every output character remembers the span of source
text it came from, which lets training remap entity annotations and lets
callers point back into what the owner actually said.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from nlu.spoken_numbers import HOUR_WORD, MINUTE_WORD, NUMBER_RUN, number_groups, split_unit, word_value

__all__ = ["CJK_CHARS", "Normalised", "normalise", "detect_language", "chinese_to_int", "is_cjk", "close_cjk_gaps"]

Span = tuple[int, int]

CJK_CHARS = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs, for a [...] class
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uff0f"
_CJK_RE = re.compile(f"[{CJK_CHARS}]")
_CJK_GAP = re.compile(f"(?<=[{CJK_CHARS}]) (?=[{CJK_CHARS}])")


def is_cjk(char: str) -> bool:
    """True for a CJK ideograph (the characters Vosk separates with spaces)."""
    return bool(_CJK_RE.match(char))


def close_cjk_gaps(text: str) -> str:
    """``text`` without single spaces between two Chinese characters (Jieba's word breaks, Vosk's gaps)."""
    return _CJK_GAP.sub("", text)


def detect_language(text: str) -> str:
    """``zh`` when the text holds any Chinese character, else ``en``."""
    return "zh" if _CJK_RE.search(text) else "en"


@dataclass(frozen=True, slots=True)
class Normalised:
    """Normalised text plus, for each output character, its ``[start, end)`` in the source."""

    text: str
    source: str
    spans: tuple[Span, ...]

    def source_span(self, start: int, end: int) -> Span:
        """Where output characters ``[start, end)`` came from in the source text."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside normalised text of {len(self.text)}")
        return self.spans[start][0], self.spans[end - 1][1]

    def target_span(self, src_start: int, src_end: int) -> Span | None:
        """The output characters that overlap source ``[src_start, src_end)``, trimmed of spaces."""
        hits = [i for i, (a, b) in enumerate(self.spans) if a < src_end and b > src_start]
        if not hits:
            return None
        start, end = hits[0], hits[-1] + 1
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return (start, end) if start < end else None


def _identity(text: str) -> Normalised:
    return Normalised(text, text, tuple((i, i + 1) for i in range(len(text))))


def _rewrite(
    current: Normalised, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str | None],
    keep_apart: bool = False,
) -> Normalised:
    """Apply ``replace`` to each match; ``None`` keeps the match as it is.

    A replacement's characters all map to the source span of the whole match.
    ``keep_apart`` puts a space between a numeric replacement and a digit next to
    it, so "3-1201" followed by "15:30" never fuses into "3-120115:30".
    """
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    text = current.text
    for match in pattern.finditer(text):
        new = replace(match)
        if new is None:
            continue
        if keep_apart and new:
            if match.start() > 0 and text[match.start() - 1].isdigit() and new[0].isdigit():
                new = " " + new
            if match.end() < len(text) and text[match.end()].isdigit() and new[-1].isdigit():
                new = new + " "
        start, end = match.span()
        parts.append(current.text[pos:start])
        spans.extend(current.spans[pos:start])
        if new:
            if end > start:
                span = (current.spans[start][0], current.spans[end - 1][1])
            else:
                span = current.spans[start] if start < len(current.spans) else (0, 0)
            parts.append(new)
            spans.extend([span] * len(new))
        pos = end
    if pos == 0 and not parts:
        return current
    parts.append(current.text[pos:])
    spans.extend(current.spans[pos:])
    return Normalised("".join(parts), current.source, tuple(spans))


# --- Chinese numbers -------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "○": 0, "洞": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3,
           "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = "零〇○一幺二两三四五六七八九十百千"


def chinese_to_int(text: str) -> int | None:
    """Read a Chinese or Arabic number: ``十二`` → 12, ``一二零一`` → 1201, ``八百零二`` → 802.

    Digit-by-digit readings (room numbers, as people say them) are accepted as well
    as positional ones. Returns ``None`` for anything else.
    """
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if all(ch in _DIGITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _MULTIPLIERS:
            total += (1 if digit is None else digit) * _MULTIPLIERS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


# --- passes ----------------------------------------------------------------

_ANY_CHAR = re.compile(r".", re.S)


def _width(current: Normalised) -> Normalised:
    """Full-width letters, digits and punctuation become half-width (NFKC)."""

    def fold(m: re.Match[str]) -> str | None:
        folded = unicodedata.normalize("NFKC", m.group())
        return None if folded == m.group() else folded

    return _rewrite(current, _ANY_CHAR, fold)


_SPACE_RUN = re.compile(r"\s+")
_SPACE_NEAR_CJK = re.compile(
    f"(?<=[{CJK_CHARS}{_CJK_PUNCT}]) (?=\\S)|(?<=\\S) (?=[{CJK_CHARS}{_CJK_PUNCT}])"
)
_SPACE_AROUND_DASH_DIGIT = re.compile(r"(?<=\d) ?([-:]) ?(?=\d)")


def _spaces(current: Normalised) -> Normalised:
    """One space between Latin words, none next to a Chinese character, none at the ends."""
    current = _rewrite(current, _SPACE_RUN, lambda m: None if m.group() == " " else " ")
    current = _rewrite(current, _SPACE_NEAR_CJK, lambda m: "")
    current = _rewrite(current, _SPACE_AROUND_DASH_DIGIT, lambda m: None if len(m.group()) == 1 else m.group(1))
    current = _rewrite(current, re.compile(r"^ +| +$"), lambda m: "")
    return current


_NUM = f"(?:[0-9]+|[{_CN_NUM}]+)"
_UNIT_ZH = re.compile(
    f"(?P<b>{_NUM})(?:栋|幢|号楼|座|号院)"
    f"(?:(?P<e>{_NUM})单元)?"
    f"(?P<r>[0-9]{{3,4}}|[{_CN_NUM}]{{2,6}})(?:室|房|号房|号)?"
)
_UNIT_DASH = re.compile(r"(?<![\d-])(?P<b>\d{1,2})-(?:(?P<e>\d{1,2})-)?(?P<r>\d{3,4})(?![\d-])")
_UNIT_EN = re.compile(
    r"\b(?:building|bldg\.?|block|tower)\s*(?P<b>\d{1,2})\s*,?\s*"
    r"(?:(?:room|flat|apartment|apt\.?|unit|no\.?|number|#)\s*)?(?P<r>\d{3,4})\b",
    re.I,
)


def _format_unit(m: re.Match[str]) -> str | None:
    building = chinese_to_int(m.group("b"))
    room = chinese_to_int(m.group("r"))
    entrance = chinese_to_int(m.group("e")) if "e" in m.groupdict() and m.group("e") else None
    if building is None or room is None or not 0 < building < 100 or not 100 <= room <= 9999:
        return None
    return f"{building}-{entrance}-{room}" if entrance else f"{building}-{room}"


_BUILDING_WORD = r"(?:building|bldg\.?|block|tower)"
_ROOM_WORD = r"(?:room|flat|apartment|apt\.?|unit|number|no\.?|#)"
# The same in words, as an English recogniser prints them: "block three flat twelve oh one",
# "three dash twelve oh one", "flat twelve oh one in building three", "building three one two zero one".
_UNIT_EN_WORDS = re.compile(
    rf"\b{_BUILDING_WORD} (?P<b>{NUMBER_RUN})(?: ?,? (?:{_ROOM_WORD} )?(?P<r>{NUMBER_RUN}))?"
    rf"|\b(?P<b2>{NUMBER_RUN}) dash (?P<r2>{NUMBER_RUN})"
    rf"|\b{_ROOM_WORD} (?P<r3>{NUMBER_RUN}) ?,? (?:(?:in|of|at) )?{_BUILDING_WORD} (?P<b3>{NUMBER_RUN})",
    re.I,
)


def _format_spoken_unit(m: re.Match[str]) -> str | None:
    building_run = m.group("b") or m.group("b2") or m.group("b3")
    room_run = m.group("r") or m.group("r2") or m.group("r3")
    building_groups = number_groups(building_run)
    if building_groups is None:
        return None
    if room_run is None:  # "building three one two zero one": one run, building first
        unit = split_unit(building_groups)
        return f"{unit[0]}-{unit[1]}" if unit else None
    room_groups = number_groups(room_run)
    if room_groups is None or len(building_groups) != 1:
        return None
    building, room = int(building_groups[0]), "".join(room_groups)
    if not 0 < building < 100 or not 3 <= len(room) <= 4 or room[0] == "0":
        return None
    return f"{building}-{room}"


def _units(current: Normalised) -> Normalised:
    """``三栋一二零一`` / ``3号楼1201室`` / ``building 3 room 1201`` / ``three dash twelve oh one`` → ``3-1201``."""
    for pattern in (_UNIT_ZH, _UNIT_EN, _UNIT_DASH):
        current = _rewrite(current, pattern, _format_unit, keep_apart=True)
    return _rewrite(current, _UNIT_EN_WORDS, _format_spoken_unit, keep_apart=True)


_PM_PERIODS = {"下午", "傍晚", "晚上", "今晚", "夜里", "夜间", "晚间"}
_PERIODS = "凌晨|半夜|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|今晚|夜里|夜间|晚间"
_TIME_ZH = re.compile(
    f"(?P<p>{_PERIODS})?"
    r"(?P<h>[0-9]{1,2}|[零一二两三四五六七八九十]{1,3})(?:点|點|时|:)"
    r"(?:(?P<half>半)|(?P<q1>一刻)|(?P<q3>三刻)|(?P<m>[0-9]{2}|[零一二三四五六七八九十]{1,3})分?|(?P<o>钟|整))?"
)
_AMBIGUOUS_BARE_HOURS = {"一", "二", "两"}  # 快一点 / 有一点 / 差两点 are not times


def _resolve_hour(hour: int, period: str | None) -> int:
    if period in _PM_PERIODS and hour < 12:
        return hour + 12
    if period == "中午" and hour < 6:
        return hour + 12
    if period in {"凌晨", "半夜"} and hour == 12:
        return 0
    return hour


def _format_time_zh(m: re.Match[str]) -> str | None:
    period, hour_text = m.group("p"), m.group("h")
    has_minutes = any(m.group(g) for g in ("half", "q1", "q3", "m", "o"))
    if ":" in m.group() and (not m.group("m") or not period):
        return None  # already a clock time (or not one at all)
    if not period and not has_minutes and not hour_text.isdigit() and hour_text in _AMBIGUOUS_BARE_HOURS:
        return None
    hour = chinese_to_int(hour_text)
    if hour is None or hour > 24:
        return None
    minute = 0
    if m.group("half"):
        minute = 30
    elif m.group("q1"):
        minute = 15
    elif m.group("q3"):
        minute = 45
    elif m.group("m"):
        minute = chinese_to_int(m.group("m")) or 0
    if minute > 59:
        return None
    prefix = "今晚" if period == "今晚" else ""
    if period:
        return f"{prefix}{_resolve_hour(hour, period) % 24:02d}:{minute:02d}"
    return f"{hour}:{minute:02d}" if hour < 13 else f"{hour:02d}:{minute:02d}"


_TIME_EN = re.compile(
    rf"\b(?P<h>{HOUR_WORD})(?:(?::|\s)(?P<m>{MINUTE_WORD}))?\s*"
    r"(?P<ap>a\.?\s?m\b\.?|p\.?\s?m\b\.?|o'?clock\b)",
    re.I,
)


def _format_time_en(m: re.Match[str]) -> str | None:
    h_text, m_text, ap = m.group("h").lower(), m.group("m"), m.group("ap").lower()
    hour = word_value(h_text)
    minute = word_value(m_text) if m_text else 0
    if hour is None or minute is None or hour > 23 or minute > 59:
        return None
    if ap.startswith("p") and hour < 12:
        hour += 12
    elif ap.startswith("a") and hour == 12:
        hour = 0
    elif ap.startswith("o"):
        return f"{hour}:{minute:02d}"
    return f"{hour:02d}:{minute:02d}"


# Clock times in words with no am/pm, as a recogniser prints them. A part of the day said with
# the hour settles am/pm: "in the afternoon" is consumed like 下午; "tonight" or "tomorrow
# morning" also name the day and stay. Without one, a time needs an unmistakable form ("half past
# three", "quarter to four") or a preposition ("at seven", "by ten thirty"); "at twelve oh one"
# stays alone, because a flat is said the same way.
_DAY_PART = (r" (?P<part>in the (?:morning|afternoon|evening)|at night|a\.?\s?m\b\.?|p\.?\s?m\b\.?)"
             r"|(?= (?P<day>tonight|this (?:morning|afternoon|evening)|(?:tomorrow|today|yesterday) "
             r"(?:morning|afternoon|evening|night)|(?:mon|tues|wednes|thurs|fri|satur|sun)day "
             r"(?:morning|afternoon|evening|night))\b)")
_NOT_A_TIME_AFTER = (rf"(?![ -](?:{NUMBER_RUN}|of|or|more|people|persons|guests|bags|boxes|bottles|pounds|dollars|"
                     r"yuan|kilos|minutes|hours|days|weeks|months|years|times|floors?|o'?clock)\b)")
_TIME_EN_WORDS = re.compile(
    rf"\b(?:(?P<rel>half|quarter|five|ten|twenty|twenty[ -]five) (?:minutes )?(?P<dir>past|to|after) "
    rf"(?P<rh>{HOUR_WORD})\b"
    rf"|half (?P<bh>{HOUR_WORD})\b"  # British "half seven" is 7:30
    rf"|(?P<h>{HOUR_WORD})(?:[ :](?P<m>{MINUTE_WORD}))?\b(?={re.sub(r'[?]P<[a-z]+>', '?:', _DAY_PART)})"
    rf"|(?P<ch>{HOUR_WORD})(?: (?P<cm>{MINUTE_WORD}))?\b)"
    rf"(?:{_DAY_PART})?{_NOT_A_TIME_AFTER}",
    re.I,
)
# After "at seven" with no part of the day, only words that end or go on with a sentence; "by two
# others" and "at ten kids" are counts.
_AFTER_A_BARE_TIME = re.compile(
    r"$|[,.!?;:)]|(?:and|or|but|so|then|please|pls|tonight|today|tomorrow|this|next|on|every|each|sharp|ish|"
    r"latest|at|in|for|to|till|until|from|is|was|isn'?t|wasn'?t|if|could|can|would|will|won'?t|i|we|she|he|they|"
    r"you|it|let|put|not|no|just|rather|instead|the|with|when|because|as|start|starts|mon|tues|wednes|thurs|fri|"
    r"satur|sun)\b",
    re.I,
)
_PM_PARTS = ("afternoon", "evening", "night", "tonight", "p")
_TIME_CUE = re.compile(r"\b(?:at|by|before|after|around|about|from|until|till) $", re.I)
_RANGE_START = re.compile(r"\b(?:from|between) $", re.I)


def _format_time_en_words(m: re.Match[str]) -> str | None:
    part = (m.group("part") or m.group("day") or "").lower()
    if m.group("bh"):
        hour, minute = word_value(m.group("bh")), 30
        if hour is None or not 0 < hour <= 12:
            return None
    elif m.group("rel"):
        hour, rel = word_value(m.group("rh")), m.group("rel").lower().replace("-", " ")
        offset = {"half": 30, "quarter": 15, "five": 5, "ten": 10, "twenty": 20, "twenty five": 25}[rel]
        if hour is None or not 0 < hour <= 12:
            return None
        minute = offset
        if m.group("dir").lower() == "to" and _RANGE_START.search(m.string[: m.start()]):
            return None  # "from five to six" is a range, not 5:55
        if m.group("dir").lower() == "to":
            hour, minute = (hour - 2) % 12 + 1, 60 - offset
    else:
        hour_text, minute_text = (m.group("h"), m.group("m")) if m.group("h") else (m.group("ch"), m.group("cm"))
        if m.group("ch") and not part and not (_TIME_CUE.search(m.string[: m.start()])
                                               and _AFTER_A_BARE_TIME.match(m.string[m.end() :].lstrip())):
            return None  # a bare number: "two of us", "by two others"
        if minute_text and minute_text.lower().startswith("o") and not part:
            return None  # "at twelve oh one" is a flat as often as a time
        if hour_text.isdigit() and not part:
            return None
        if hour_text.lower() == "one" and not (minute_text or part):
            return None  # "at one of them"
        hour = word_value(hour_text)
        minute = word_value(minute_text) if minute_text else 0
        if hour is None or minute is None or not 0 < hour <= 12 or minute > 59:
            return None
    if not part:
        return f"{hour}:{minute:02d}"
    if any(part.startswith(p) or part.endswith(p) for p in _PM_PARTS) and hour < 12:
        if not (part.endswith("night") and hour < 5):  # "two at night" is 02:00
            hour += 12
    elif (part.startswith("a") or part.endswith("morning")) and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute:02d}"


def _times(current: Normalised) -> Normalised:
    """``下午三点半`` → ``15:30``; ``3 pm`` → ``15:00``; bare ``三点`` → ``3:00``; ``half past three`` → ``3:30``."""
    current = _rewrite(current, _TIME_ZH, _format_time_zh, keep_apart=True)
    current = _rewrite(current, _TIME_EN, _format_time_en, keep_apart=True)
    return _rewrite(current, _TIME_EN_WORDS, _format_time_en_words, keep_apart=True)


_PASSES = (_width, _spaces, _units, _times, _spaces)


def normalise(text: str) -> Normalised:
    """Canonical form of an utterance, as the NLU is trained on it.

    Full-width → half-width, whitespace collapsed, spaces next to Chinese characters
    removed, units as ``3-1201`` and times as ``15:30``. Idempotent.
    """
    current = _identity(text)
    for apply in _PASSES:
        current = apply(current)
    return current
