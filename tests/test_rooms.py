"""Rooms of the flat found by name: a closed list, longest name first, synonyms mapped."""

import pytest

from nlu.adapter import Entity, IntentScore, NluResult, _entities_the_intent_can_hold, _tidy_entities
from nlu.rooms import ROOMS, find_rooms
from nlu.training import data_files, load_source_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我家卫生间漏水了", [("卫生间", 2, 5)]),
        ("浴室的灯不亮", [("卫生间", 0, 2)]),
        ("主卧室空调不制冷", [("主卧", 0, 3)]),
        ("阳台和厨房都有水", [("阳台", 0, 2), ("厨房", 3, 5)]),
        ("the master bedroom light is off", [("master bedroom", 4, 18)]),
        ("Water in the Bathroom", [("bathroom", 13, 21)]),
        ("both bedrooms are cold", [("bedroom", 5, 13)]),
    ],
)
def test_rooms_are_found_with_their_values(text: str, expected: list[tuple[str, int, int]]) -> None:
    assert list(find_rooms(text)) == expected


@pytest.mark.parametrize(
    "text", ["柜门卡住了", "前台在哪", "I need to study", "the lift light is off", "bathroomware shop"]
)
def test_words_that_are_not_rooms_are_not_found(text: str) -> None:
    assert list(find_rooms(text)) == []


def test_room_is_added_only_where_the_model_tagged_nothing() -> None:
    text = "卫生间灯不亮，厨房也漏水"
    model = [{"entity": "facility", "value": "灯", "start": 3, "end": 4},
             {"entity": "location", "value": "卫生间", "start": 0, "end": 3}]
    entities = _tidy_entities(text, model)
    assert [(e.entity, e.value, e.start, e.end, e.extractor) for e in entities] == [
        ("location", "卫生间", 0, 3, "model"),
        ("facility", "灯", 3, 4, "model"),
        ("location", "厨房", 7, 9, "room_list"),
    ]


def test_room_values_are_the_training_data_synonyms() -> None:
    """A room's value must be what the model returns for the same word, or the two disagree."""
    synonyms = load_source_data([p for p in data_files() if p.name.startswith("vocab_")]).entity_synonyms
    for value, names in ROOMS.items():
        for name in names:
            assert synonyms.get(name, value) == value, name
        assert value not in synonyms, f"{value} is itself mapped to {synonyms.get(value)}"


@pytest.mark.parametrize(
    ("text", "model", "expected"),
    [
        ("周四上午来修", [("time", 0, 2), ("time", 2, 4)], [("time", "周四上午", 0, 4)]),
        ("明天15:00来", [("time", 0, 2), ("time", 2, 7)], [("time", "明天15:00", 0, 7)]),
        ("lights in the underground car park are out",
         [("location", 14, 25), ("location", 26, 34)], [("location", "underground car park", 14, 34)]),
        # Two rooms that touch are two places; a time and a place never join.
        ("厨房阳台都是水", [("location", 0, 2), ("location", 2, 4)],
         [("location", "厨房", 0, 2), ("location", "阳台", 2, 4)]),
        ("tomorrow lobby", [("time", 0, 8), ("location", 9, 14)],
         [("time", "tomorrow", 0, 8), ("location", "lobby", 9, 14)]),
        ("周四 and 上午", [("time", 0, 2), ("time", 7, 9)], [("time", "周四", 0, 2), ("time", "上午", 7, 9)]),
        ("请给陈律师放行", [("visitor_name", 2, 3), ("visitor_name", 3, 5)], [("visitor_name", "陈律师", 2, 5)]),
        # A lone possessive is no visitor; a clock time run into a name is cut off it.
        ("my cousin is here", [("visitor_name", 0, 2)], []),
        ("访客黄先生,15:30到", [("visitor_name", 2, 11)], [("visitor_name", "黄先生", 2, 5), ("time", "15:30", 6, 11)]),
        ("调音师14:00到", [("visitor_name", 0, 8)], [("visitor_name", "调音师", 0, 3), ("time", "14:00", 3, 8)]),
        # A name run into the next words loses them; an article alone names nobody.
        ("some friends from work are coming", [("visitor_name", 0, 17)], [("visitor_name", "some friends", 0, 12)]),
        ("my father and my driver", [("visitor_name", 0, 13)], [("visitor_name", "my father", 0, 9)]),
        ("a guest at three", [("visitor_name", 0, 1)], []),
        ("this is unacceptable this week", [("time", 0, 4), ("time", 21, 30)], [("time", "this week", 21, 30)]),
        # A bare one- or two-digit number is no flat (a date, a blood-pressure reading).
        ("我3月10号出发", [("unit", 1, 2), ("unit", 3, 5)], []),
        ("高压145,低压90", [("unit", 9, 11)], []),
        # Nor is a bare three-digit number a clock time (times are 15:30 after normalising).
        ("高压145,低压90", [("time", 2, 5)], []),
        ("come at 9 please", [("time", 8, 9)], [("time", "9", 8, 9)]),
        # One word cut at its apostrophe is joined; a letter cut off alone is dropped.
        ("he can't breathe", [("emergency_type", 3, 6), ("emergency_type", 7, 16)],
         [("emergency_type", "can't breathe", 3, 16)]),
        ("the kids' swimming class", [("activity", 4, 8), ("activity", 10, 24)],
         [("activity", "kids' swimming class", 4, 24)]),
        ("my son's swimming class", [("activity", 7, 8), ("activity", 9, 23)], [("activity", "swimming class", 9, 23)]),
        ("my son's tutor", [("visitor_name", 0, 6), ("activity", 7, 8)], [("visitor_name", "my son", 0, 6)]),
    ],
)
def test_model_spans_are_tidied(text: str, model: list, expected: list) -> None:
    raw = [{"entity": name, "value": text[start:end], "start": start, "end": end} for name, start, end in model]
    assert [(e.entity, e.value, e.start, e.end) for e in _tidy_entities(text, raw)] == expected


@pytest.mark.parametrize(
    ("intent", "kept"),
    [
        ("visitor_access", {"visitor_name", "time"}),
        ("errand", {"time"}),  # "a car for my mum at 14:00": mum is nobody's visitor
        ("greet", {"time"}),
        ("emergency", {"time", "emergency_type"}),
    ],
)
def test_entities_an_intent_never_holds_are_dropped(intent: str, kept: set[str]) -> None:
    top = IntentScore(intent, 0.9)
    entities = (Entity("visitor_name", "my mum", 0, 6), Entity("time", "14:00", 10, 15),
                Entity("emergency_type", "fire", 20, 24))
    result = NluResult(text="x" * 24, source_text="x" * 24, lang="en", intent=top, ranking=(top,), entities=entities)
    assert {e.entity for e in _entities_the_intent_can_hold(result).entities} == kept
