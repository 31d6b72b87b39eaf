"""Answers for ``faq`` from the estate's knowledge base.

Character n-gram TF-IDF over each entry's questions and keywords (Chinese has no
word boundaries, and owners phrase questions their own way), plus a bonus for
keyword hits; below a threshold we say we don't know rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.estate import FaqEntry

MIN_SCORE = 0.18
KEYWORD_BONUS = 0.12
# Without one of the entry's keywords, only a close paraphrase of its question counts: shared
# phrasing alone ("where is the nearest bank" vs "...pharmacy", "小区里有没有养老院" vs the pet
# rules, 0.20-0.38) gave a confident wrong answer, where "I'll ask your butler" is right.
MIN_SCORE_WITHOUT_KEYWORD = 0.45


@dataclass(frozen=True, slots=True)
class FaqAnswer:
    entry_id: str
    text: str
    score: float


class KnowledgeBase:
    """A small in-memory index of the estate's FAQ entries."""

    def __init__(self, entries: list[FaqEntry]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._entries = entries
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), lowercase=True,
                                           sublinear_tf=True)
        documents = [" ".join([e.question_zh, e.question_en, *e.keywords]) for e in entries]
        self._matrix = self._vectorizer.fit_transform(documents) if entries else None

    def answer(self, text: str, lang: str) -> FaqAnswer | None:
        """The best entry's answer in ``lang``, or ``None`` when nothing fits well enough."""
        if self._matrix is None or not text.strip():
            return None
        query = self._vectorizer.transform([text])
        scores = (self._matrix @ query.T).toarray().ravel()
        lowered = text.lower()
        best, best_score, best_hits = None, 0.0, 0
        for entry, score in zip(self._entries, scores, strict=False):
            hits = sum(1 for k in entry.keywords if k.lower() in lowered)
            total = float(score) + KEYWORD_BONUS * min(hits, 3)
            if total > best_score:
                best, best_score, best_hits = entry, total, hits
        if best is None or best_score < (MIN_SCORE if best_hits else MIN_SCORE_WITHOUT_KEYWORD):
            return None
        return FaqAnswer(best.id, best.answer_zh if lang == "zh" else best.answer_en, round(best_score, 3))
