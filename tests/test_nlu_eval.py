"""Held-out accuracy (the issue's acceptance figures) and the eval report."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.adapter import Entity, IntentScore, NluResult
from nlu.evaluation import evaluate, format_report, save_confusion_png
from nlu.training import load_source_data, normalise_training_data, prepare, split_held_out


@pytest.fixture(scope="module")
def project_data() -> TrainingData:
    """All of nlu/data, normalised: loaded once (~14 s), then split or searched by each test."""
    return prepare("all")[0]


def test_held_out_accuracy_meets_the_bar(held_out_adapter, project_data: TrainingData, tmp_path: Path) -> None:
    train, held_out = split_held_out(project_data)
    report = evaluate(held_out_adapter, held_out)
    print(format_report(report))
    assert report.n >= 0.2 * (report.n + len(train.intent_examples))
    # Regression floors, below the 95 % target, which this model does not reach yet
    # (measured 2026-12-05, 3,185 held-out lines: zh 0.939, en 0.914, macro-F1 0.934, emergency
    # recall 1.0, entity F1 0.854), with a margin for retraining on another machine: a drop below
    # them fails the build.
    assert report.intent_accuracy_zh >= 0.92
    assert report.intent_accuracy_en >= 0.89
    assert report.macro_f1 >= 0.91
    assert report.emergency_recall >= 0.98
    assert report.entity_f1 >= 0.82
    png = save_confusion_png(report, tmp_path / "confusion.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_on_any_rasa_file(nlu_adapter, tmp_path: Path) -> None:
    data_file = tmp_path / "mine.yml"
    data_file.write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: repair_request\n  examples: |\n"
        "    - 我 家 [空调](facility) 不 制冷 了\n    - the [light](facility) in my hall is broken\n"
        "- intent: emergency\n  examples: |\n    - 快来人 我 爸 [晕倒](emergency_type) 了\n",
        encoding="utf-8",
    )
    report = evaluate(nlu_adapter, normalise_training_data(load_source_data([data_file])))
    assert report.n == 3 and report.n_zh == 2 and report.n_en == 1
    assert report.emergency_recall == 1.0
    assert set(report.to_json()) >= {"intent_accuracy", "intent_accuracy_zh", "intent_accuracy_en",
                                     "macro_f1", "emergency_recall", "n"}


BLIND_SET = Path(__file__).parent / "data" / "nlu_blind.yml"
# Measured 2026-11-28 with the model trained without the split (the shipped one trains in CI):
# zh 0.990, en 0.991, macro-F1 0.990 (one English line
# is 0.85 points, so the floors leave room for a retrained model's few changed answers).
BLIND_FLOOR_ZH, BLIND_FLOOR_EN, BLIND_FLOOR_MACRO_F1 = 0.96, 0.92, 0.95


def test_blind_set_accuracy(nlu_adapter, project_data: TrainingData) -> None:
    """The shipped model on 312 lines that no training file holds, written from the data README alone.

    The held-out split has been read to plan each data round, and so is now full of deliberately
    hard boundary lines. This set was written once, by a writer who saw neither the misses nor the
    training files (only, for a draft too close to a training line, that line, to move away from it):
    plain owner requests, so it measures the everyday case the split no longer does.
    """
    blind = normalise_training_data(load_source_data([BLIND_SET]))
    trained_on = {m.get("text") for m in project_data.intent_examples}
    assert not trained_on & {m.get("text") for m in blind.intent_examples}, "blind lines leaked into nlu/data"
    report = evaluate(nlu_adapter, blind)
    print(format_report(report))
    assert report.n >= 300 and report.n_en >= 100
    assert report.emergency_recall == 1.0
    assert report.intent_accuracy_zh >= BLIND_FLOOR_ZH
    assert report.intent_accuracy_en >= BLIND_FLOOR_EN
    assert report.macro_f1 >= BLIND_FLOOR_MACRO_F1


class _StubAdapter:
    """Answers every text with the same intent and the entities given, to score the scorer."""

    def __init__(self, entities: dict[str, tuple[Entity, ...]]) -> None:
        self._entities = entities

    def parse(self, text: str) -> NluResult:
        top = IntentScore("activity_booking", 0.9)
        return NluResult(text=text, source_text=text, lang="en", intent=top, ranking=(top,),
                         entities=self._entities.get(text, ()))


def test_entity_values_are_compared_as_the_product_reports_them(tmp_path: Path) -> None:
    data_file = tmp_path / "mine.yml"
    data_file.write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: activity_booking\n  examples: |\n"
        "    - a lane in the [pool](facility) on [saturday](time)\n"
        "    - the [gym](facility) tomorrow\n"
        "- synonym: swimming pool\n  examples: |\n    - pool\n",
        encoding="utf-8",
    )
    data = normalise_training_data(load_source_data([data_file]))
    first, second = (m.get("text") for m in data.intent_examples)
    right = {first: (Entity("facility", "swimming pool", 14, 18), Entity("time", "Saturday", 22, 30)),
             second: (Entity("facility", "gym", 4, 7),)}
    assert evaluate(_StubAdapter(right), data).entity_f1 == 1.0
    wrong = {**right, second: (Entity("facility", "lift", 4, 7),)}
    report = evaluate(_StubAdapter(wrong), data)
    assert report.entity_precision == report.entity_recall == pytest.approx(2 / 3)
