"""Topic-free cues for what the owner wants done with a request: drop it, ask after it, hear it again.

Why: the linear intent model learns one weight per n-gram. A cancel is said in
many rare ways (不修了, 别派人来了, "we won't need housekeeping"), each seen in a
line or two, while its topic words (修, housekeeping) are seen hundreds of times
under the service intent, so the topic wins. Pooled into one feature, the rare
ways add up to the act they share. The same holds for asking after a request
(修好了没, "any update on") and for asking to hear the last answer again.

Each cue is one 0/1 feature; the regression learns its weight per intent from
the training data, so a cue that also fires elsewhere ("no need to let him in"
in a parcel request) costs little. Patterns read the linear model's input:
lower case, no punctuation, words separated by spaces, apostrophes dropped
("won t"); ``_readable`` restores contractions and closes Chinese up first.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from nlu.normalise import close_cjk_gaps

_CONTRACTION = re.compile(r"\b([a-z]+) (t|s|d|ll|ve|re|m)\b")

# Said to drop a request outright.
_CANCEL = (
    r"取消|作废|作罢|撤销|撤回|撤单|撤了|撤掉|退订|退掉|退了|删掉|删了|拉倒|当我没说|"
    r"\bcancel|\bcall(ing)? (it |that )?off|\bunbook|\bwithdraw|\bpull(ing)? (me |us )?out|\bscratch|\bundo\b|"
    r"\bdisregard|\bchanged? (my|our) mind|\bnever ?mind"
)
# Said when a request is no longer needed; weaker, as it also turns up in other requests.
_NOT_NEEDED = (
    r"算了|不用了|不要了|免了|不需要\S{0,8}?了|不用\S{0,8}?了|不麻烦了|去不了|停了吧|"
    r"不\S?(修|送|寄|买|约|去|订|办|要|来|用|交|缴|搬|洗|扫|擦|搞|弄|登记|预约|报名|参加)了|"
    r"[别甭莫](派|让|叫|送|来|上来|过来|登记|安排|弄|办|买|约|交|替|修|搞)|"
    r"\b(won'?t|will not|don'?t|do not|no longer) (be )?(need|want|require)|\bnot needed|\bno longer\b|"
    r"\bnot needing|\bno need\b|\b(don'?t|do not) (come|send|bother|deliver|go|post|pay|do)\b|\bnot to come|"
    r"\bforget (about |i asked|it)|\bleave it\b|\bdon'?t worry about it|"
    r"\bisn'?t coming|\bnot coming|\bafter all\b|\bis off\b|\bfell through|"
    r"\bdrop (it|that|the \w+ (booking|order|request|job|pass|registration|appointment|reservation))|"
    r"\btake (me|us|him|her|them|my name) off|\bkill the|\bthrow it away|\bclose (my|the) request|\brelease the|"
    r"\bstop the (order|delivery|visit|payment|booking|request|job)"
)
# "Don't cancel it": the act named, then refused.
_KEEP = r"(不是|别|不要|不用|不)(要)?取消|\b(don'?t|do not|not|no need to|shouldn'?t) (to )?cancel"
# Asking how far a request has got.
_ASK_AFTER = (
    r"了没(有)?$|没有$|了吗|好了没|到哪(一步)?了|进度|怎么还没|还没(到|来|好|修|送)|"
    r"(啥|什么)时候(能)?(来|到|好|修|送)|催一下|催催|有(消息|回音|结果)(了)?吗|"
    r"\bwhere (are we|is it|does it stand|are things)|\bany (update|news|word)|\bhow much longer|\beta\b|"
    r"\b(yet|already)\b|\bstill (coming|on)\b|\bgone through|\bgo through|\ball set\b|\bstatus\b|"
    r"\bfollow(ing)? up\b|\bhappened (to|with)\b|\bheard back"
)
# Asking to hear the last answer again.
_HEAR_AGAIN = (
    r"再说一[遍次]|没听清|重复一[下遍]|说慢(一)?点|刚才说(的)?(啥|什么)|"
    r"\bsay (that|it) again|\bsay again|\b(didn'?t|did not|couldn'?t) (catch|hear|get) (that|you|it|what)|"
    r"\bwhat did you (just )?say|\bcome again|\bpardon|\bone more (time|go)|\bslower"
)

CUES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in (("cancel", _CANCEL), ("not_needed", _NOT_NEEDED), ("keep", _KEEP),
                          ("ask_after", _ASK_AFTER), ("hear_again", _HEAR_AGAIN))
}
DIMENSIONS = len(CUES)


def _readable(text: str) -> str:
    """The linear model's spaced, apostrophe-less text, with Chinese closed up and contractions restored."""
    return _CONTRACTION.sub(r"\1'\2", close_cjk_gaps(text.lower()))


class ActCues:
    """The cues as a vector: the same interface as the sentence embedders (``__call__`` and ``many``)."""

    def __call__(self, text: str) -> np.ndarray:
        readable = _readable(text)
        return np.array([1.0 if pattern.search(readable) else 0.0 for pattern in CUES.values()], dtype=np.float32)

    def many(self, texts: list[str]) -> np.ndarray:
        return np.stack([self(text) for text in texts]) if texts else np.zeros((0, DIMENSIONS), np.float32)


@lru_cache(maxsize=1)
def load_act_cues() -> ActCues:
    """One detector per process, like the other embedders (``nlu.components.SENTENCE_EMBEDDINGS``)."""
    return ActCues()
