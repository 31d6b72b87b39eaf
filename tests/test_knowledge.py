"""The FAQ knowledge base answers what it knows and admits what it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.estate import load_estate
from assistant.knowledge import KnowledgeBase

DEMO_ESTATE = Path(__file__).resolve().parent.parent / "assistant" / "data" / "demo_estate.yaml"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase(load_estate(DEMO_ESTATE).faq)


def test_every_entry_answers_its_own_questions(kb: KnowledgeBase) -> None:
    for entry in load_estate(DEMO_ESTATE).faq:
        for question, lang in ((entry.question_zh, "zh"), (entry.question_en, "en")):
            answer = kb.answer(question, lang)
            assert answer is not None and answer.entry_id == entry.id, question


@pytest.mark.parametrize(("question", "entry_id"), [
    ("游泳池几点开门", "pool-hours"), ("可以养狗吗", "pets"), ("can I keep a cat", "pets"),
    ("门禁卡丢了怎么办", "access-card"), ("what time does the gym open", "gym-hours"),
])
def test_owners_own_phrasing_finds_the_entry(kb: KnowledgeBase, question: str, entry_id: str) -> None:
    answer = kb.answer(question, "en" if question.isascii() else "zh")
    assert answer is not None and answer.entry_id == entry_id


@pytest.mark.parametrize("question", [
    "小区里有没有养老院",  # shared "小区…有" with the pet rules, once answered with them
    "附近有没有地铁站", "小区有幼儿园吗",
    "where is the nearest bank",  # shared "where is the nearest" with the pharmacy entry
    "is there a hospital nearby",
])
def test_a_question_the_estate_has_no_entry_for_gets_no_answer(kb: KnowledgeBase, question: str) -> None:
    assert kb.answer(question, "en" if question.isascii() else "zh") is None
