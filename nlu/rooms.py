"""Rooms of a flat, found by name when the model tags none.

DIET's entity layer sometimes tags nothing in a short line ("我家卫生间漏水了",
"阳台漏水") although the intent is right, and the butler then has to ask where.
The rooms of a flat are a small closed set whose names mean nothing else, so
a list finds them safely. Common areas (门口, 前台, "lift") and English words
with other senses ("study", "lounge") are left to the model: as a list they
tagged ordinary words (see nlu/data/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# value -> the ways owners name it (the value first). The values are nlu/data's synonyms (a test checks).
ROOMS: dict[str, tuple[str, ...]] = {
    "卫生间": ("卫生间", "浴室", "洗手间", "厕所", "洗澡间"),
    "厨房": ("厨房",),
    "客厅": ("客厅",),
    "卧室": ("卧室",),
    "主卧": ("主卧", "主卧室"),
    "次卧": ("次卧", "次卧室"),
    "书房": ("书房",),
    "阳台": ("阳台",),
    "餐厅": ("餐厅",),
    "儿童房": ("儿童房",),
    "衣帽间": ("衣帽间",),
    "玄关": ("玄关",),
    "露台": ("露台",),
    "bathroom": ("bathroom", "washroom", "shower room"),
    "kitchen": ("kitchen",),
    "living room": ("living room", "sitting room"),
    "bedroom": ("bedroom",),
    "master bedroom": ("master bedroom",),
    "second bedroom": ("second bedroom",),
    "balcony": ("balcony",),
    "dining room": ("dining room",),
}

_VALUE_OF = {name: value for value, names in ROOMS.items() for name in names}
# Longest name first, so 主卧室 wins over 卧室 and "master bedroom" over "bedroom".
_ROOM_RE = re.compile(
    "|".join(
        re.escape(name) if not name.isascii() else rf"\b{re.escape(name)}s?\b"
        for name in sorted(_VALUE_OF, key=len, reverse=True)
    ),
    re.IGNORECASE,
)


def find_rooms(text: str) -> Iterator[tuple[str, int, int]]:
    """(value, start, end) of each room named in ``text``, left to right, never overlapping."""
    for match in _ROOM_RE.finditer(text):
        name = match.group().lower()
        yield _VALUE_OF.get(name) or _VALUE_OF[name[:-1]], match.start(), match.end()  # "bedrooms"
