"""Two requests in one breath: "我家空调坏了，顺便帮我交一下物业费".

Owners, elderly ones most, bundle what they need; the NLU gives one intent per
utterance, so the second request used to ride along in the first one's text
and never reached its own department. The utterance is cut where a new request
usually starts (a sentence end, 顺便, 另外, "and also", ...); the dialogue parses
each part and keeps them apart only when they ask for different services.
"""

from __future__ import annotations

import re

# Where a second request starts. Commas are not cuts: "空调坏了，不制冷" is one request.
_CUT = re.compile(
    r"[。！？!?；;]+|(?:[，,]\s*)?(?:顺便|另外|还有就是|还有|再帮我|再帮忙|以及|同时)"
    r"|(?:[,.]\s*)?\b(?:and also|and then|and could you|and can you|and please|also|plus|as well as)\b",
    re.I,
)
_MIN_PART = 4  # characters: a shorter piece ("好的", "and") is not a request of its own


def split_requests(text: str) -> list[str]:
    """The parts of ``text`` that may each be a request; one part when nothing cuts it."""
    parts = [part for part in (piece.strip(" ，,、.") for piece in _CUT.split(text)) if len(part) >= _MIN_PART]
    return parts if len(parts) >= 2 else [text]
