"""Asking to hear the last answer again, said in a whole sentence: read as ``repeat`` by rule.

An elderly owner who missed a detail asks for it back ("which day did you just say",
"你刚才说的是几点"). The model learns these from few lines and may read a longer one as
small talk or a "no"; then the kiosk answers "sorry, I did not understand" to an owner who
only wanted the time again. So when the model reads such a line as a conversational reply or
as nothing at all, the rule reads it as ``repeat``. A service request that also says it
("I didn't catch that, can I talk to a person") keeps the model's reading, and an emergency
is never touched. ``nlu.act_cues``' hear-again cue is broader ("pardon", "say that again"): it
only nudges the linear model, where this rule overrides the whole reading, so it keeps to the
forms that ask for a detail.
"""

from __future__ import annotations

import re

__all__ = ["OVERRIDABLE", "asks_to_hear_again"]

# The model's readings the rule may replace: replies and fallback, never a request.
OVERRIDABLE = frozenset({"nlu_fallback", "affirm", "deny", "greet", "goodbye", "thank"})

# Only the forms that ask for a detail or say it was missed: "say that again" alone is also
# what a parent tells a child ("say that again and you're grounded"), and the model knows it.
_DETAIL = (r"time|day|date|name|surname|number|address|code|price|amount|flat|unit|building|floor|block|"
           r"gate|room|reference|last (?:part|bit|word|thing)|first (?:part|bit)")
_EN = (r"\b(?:what|which|when|where|who)(?: \w+){0,2} did you (?:just )?say\b|"  # not "what do you say we…"
       r"\bwhat (?:was|were|is) (?:that|the \w+)(?: \w+)? (?:again|you (?:just )?said)\b|"
       rf"\b(?:didn'?t|did not|couldn'?t|could not|can'?t|cannot) (?:catch|hear) (?:that|you|what|the (?:{_DETAIL}))\b")
_ZH = r"(?:你|您)(?:刚才|刚刚|才)?(?:说|讲|报|念)的?(?:是)?(?:什么|啥|哪|几)|没(?:听|记)(?:清|见|着|住)"
_ASKS = re.compile(f"{_EN}|{_ZH}", re.I)


def asks_to_hear_again(text: str) -> bool:
    """True when normalised ``text`` asks to hear what was said again."""
    return _ASKS.search(text) is not None
