"""What a read-back quotes: the owner's own words, shortened at a word or clause boundary.

"您是说……" repeats what the owner said, so it quotes their words ("下午三点半",
"三栋一二零一", "at 3 pm"), not the normalised text the NLU and the butlers read
("15:30", "3-1201"), which the speech engine reads badly. A long request is cut
where a word or clause ends, never inside one, and the details the cut left out
(a time, a unit, what is broken) follow it, so a "yes" confirms them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from nlu.normalise import close_cjk_gaps, normalise

QUOTE_LIMIT = {"zh": 40, "en": 80}  # characters: about ten seconds of slow speech either way
# Details worth repeating when the cut leaves them out; a complaint's topic or an emergency type is not asked back.
_KEPT_DETAILS = ("time", "unit", "facility", "location", "item", "bill_type", "activity", "visitor_name")
_MAX_DETAILS = 3
_ZH_CLAUSE_END = re.compile(r"[，,。；;！!？?、]")
# The recogniser prints no punctuation: a clause also ends after a final particle or before the words that
# open the next one ("…热水器不出热水了洗澡都没法洗|麻烦你们明天…").
_ZH_SOFT_END = re.compile(r"(?<=[了啊呀吧呢嘛])"
                          r"|(?=麻烦|请你|请您|帮我|帮忙|能不能|可不可以|然后|还有|所以|但是|而且|顺便)")
_TRIM = " ,，。.;；、!！?？"
# A correction's opening words ("不是，是…", "no, I mean …") say that the last read-back was wrong; repeating
# them in the next read-back ("您是说“不是，是卫生间的灯不亮”") makes no sense. Only a marker set off by a pause
# (or 不是是…, as the recogniser prints "不是 是") counts, so "不是很急" and "no hot water" keep their words.
_CORRECTION_OPENING = re.compile(
    r"^\s*(?:(?:(?:不是|不对|错了|说错了|搞错了)(?:[\s,，。.!！、]+|(?=是|不是|不对|错了|我是说|我说的是)))+(?:我是说|我说的是|是)?[\s,，]*"
    r"|(?:我是说|我的意思是)[\s,，]*"
    r"|(?:no|nope|sorry|wrong)(?:[\s,.!]*(?:i mean|i meant|it's|it is)\b|\s*[,.!])[\s,]*"
    r"|(?:i mean|i meant)\b[\s,]*)",
    re.I,
)

# Sounds that only fill a pause at the start ("哎 那个 那个 我家……", "um, so the light …"), and repeats of a
# filler or of a clause end ("那个那个", "堵了堵了", "the the"): a read-back that repeats them is longer for
# nothing, above all for elderly owners. Reduplication that carries meaning (看看, 一闪一闪, 谢谢) is kept.
_FILLER_OPENING = re.compile(
    r"(?:哎呀|哎哟|哎|唉|嗯|呃|啊|喂|那个|就是说|就是)(?:[\s,，。.!！、]+|(?=[\u4e00-\u9fff]))"
    r"|(?:um+|uh+|erm|er|well|so|okay so|ok so)(?:[\s,.!]+)",
    re.I,
)
# A greeting before the request ("hi, I've got friends coming", "你好，我来找……") is not part of what is read back.
_GREETING_OPENING = re.compile(
    r"(?:你好|您好|喂|哈喽|早上好|下午好|晚上好)[啊呀哈]?(?:[\s,，。.!！、]+|(?=[\u4e00-\u9fff])|$)"
    r"|(?:hi|hello|hey|good (?:morning|afternoon|evening))(?:\s+there)?(?:[\s,.!]+|$)",
    re.I,
)
_REPEATED = (
    (re.compile(r"(那个|这个)(?:[\s,，]*\1)+"), r"\1"),
    (re.compile(r"([\u4e00-\u9fff]{1,3}了)(?:[\s,，]*\1)+"), r"\1"),
    (re.compile(r"(?<![\w'])(?:um+|uh+|erm|er)\b[,]?\s*", re.I), ""),
    (re.compile(r"\b(the|a|an|my|i|to|is|it|and|in|of)(?:\s+\1\b)+", re.I), r"\1"),  # not "one one oh two"
)


def owner_words(source_text: str) -> str:
    """The utterance as the owner said it: the recogniser's gaps between Chinese words closed, spaces collapsed."""
    return " ".join(close_cjk_gaps(source_text).split())


def readback_quote(said: str, normalised_text: str, entities: Iterable[Mapping[str, Any]], lang: str,
                   scale: float = 1.0) -> str:
    """``said`` whole when it is short, else its beginning and the details the cut left out.

    ``entities`` carry ``start``/``end`` in ``normalised_text`` (the NLU's text); they are found
    again in ``said`` through the normaliser's character map, so a time is repeated as it was said.
    ``scale`` shortens the quote where it only has to name the request (a question about cancelling it).
    """
    limit = int(QUOTE_LIMIT.get(lang, QUOTE_LIMIT["zh"]) * scale)
    opening = _opening(said)
    body = said[opening:]
    whole = _tidy(body)
    if len(whole) <= limit:
        return whole
    kept = _cut(body, limit, lang)
    left_out = _details_after(said, normalised_text, entities, opening + len(kept))
    kept = _tidy(kept)
    details = [part for part in left_out if part not in kept]
    separator = "，" if lang == "zh" else ", "
    return separator.join([kept + "…", *details[:_MAX_DETAILS]])


def _opening(said: str) -> int:
    """How many leading characters of ``said`` only fill a pause or announce a correction (0 if that is all)."""
    end = 0
    while match := (_CORRECTION_OPENING.match(said, end) or _FILLER_OPENING.match(said, end)
                    or _GREETING_OPENING.match(said, end)):
        if match.end() == end:
            break
        end = match.end()
    return end if said[end:].strip(_TRIM) else 0


def correction_remainder(said: str) -> str | None:
    """What a "no" at a read-back says instead ("no, I mean the bathroom light" → "the bathroom light"), if anything."""
    if _CORRECTION_OPENING.match(said) is None:
        return None
    rest = said[_opening(said):].strip(_TRIM)
    return rest if len(rest) >= 2 and rest != said.strip(_TRIM) else None


def greeting_remainder(said: str) -> str | None:
    """What follows a greeting ("hello, I'm visiting my aunt in 5-1602" → "I'm visiting my aunt in 5-1602")."""
    match = _GREETING_OPENING.match(said.lstrip())
    if match is None:
        return None
    rest = said.lstrip()[match.end():].strip(_TRIM)
    return rest if len(rest) >= 4 else None


def _tidy(text: str) -> str:
    """``text`` without repeated fillers and stammered clause ends ("堵了堵了" → "堵了")."""
    for pattern, replacement in _REPEATED:
        text = pattern.sub(replacement, text)
    return text.strip(_TRIM) or text


def _cut(text: str, limit: int, lang: str) -> str:
    """The longest beginning of ``text`` within ``limit`` that ends at a clause (or, in English, a word) end."""
    head = text[:limit]
    if lang == "en":
        if " " in head and not text[limit:limit + 1].isspace():
            head = head.rsplit(" ", 1)[0]
    else:
        ends = [m.start() for m in _ZH_CLAUSE_END.finditer(head) if m.start() >= limit // 2]
        ends = ends or [m.start() for m in _ZH_SOFT_END.finditer(head) if limit // 2 <= m.start() < len(head)]
        if ends:
            head = head[:ends[-1]]
    return head.rstrip(_TRIM)


def _details_after(said: str, normalised_text: str, entities: Iterable[Mapping[str, Any]], cut: int) -> list[str]:
    """The owner's words for each detail entity that starts at or after ``cut`` in ``said``, in order."""
    mapping = normalise(said)
    same_text = mapping.text == normalised_text
    found: list[tuple[int, str]] = []
    for entity in entities:
        if entity.get("entity") not in _KEPT_DETAILS:
            continue
        start, end = int(entity.get("start", 0)), int(entity.get("end", 0))
        if not 0 <= start < end <= len(normalised_text):
            continue  # a detail answered to a later question: the read-back adds those itself
        if same_text:
            src_start, src_end = mapping.source_span(start, end)
            words = said[src_start:src_end].strip(_TRIM)
        else:  # a text the normaliser now reads differently (a session older than this hub): the NLU's value
            src_start, words = len(said), str(entity.get("value", ""))
        if src_start >= cut:
            found.append((src_start, words))
    seen: list[str] = []
    for _, words in sorted(found, key=lambda item: item[0]):
        if words and words not in seen:
            seen.append(words)
    return seen
