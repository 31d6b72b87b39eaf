"""Character error rate counts, as the speech tests and benchmark measure recognition."""

from __future__ import annotations

import re

_NOT_TEXT = re.compile(r"[\s\W_]+")


def cer_counts(reference: str, hypothesis: str) -> tuple[int, int]:
    """(character edits, reference characters), whitespace and punctuation removed."""
    ref, hyp = _NOT_TEXT.sub("", reference), _NOT_TEXT.sub("", hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1], len(ref)
