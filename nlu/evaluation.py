"""Measure the NLU as the product uses it: through the adapter, safety net included.

Reports intent accuracy per language, macro-F1, emergency recall, a per-intent
table, entity F1 (type + value) overall and per entity type, and draws a confusion matrix.
Entity values compare as the product reports them: a gold value goes through
the data's synonym table first ("pool" is the model's "swimming pool"), and
letter case is ignored ("saturday" is "Saturday").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlu.adapter import EMERGENCY_INTENT, NluAdapter
from nlu.normalise import detect_language

if TYPE_CHECKING:
    from rasa.shared.nlu.training_data.training_data import TrainingData


@dataclass(frozen=True, slots=True)
class IntentRow:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class EntityRow:
    """Type + value matches for one entity type: which slots the butler can trust."""

    entity: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Miss:
    text: str
    expected: str
    predicted: str
    confidence: float


@dataclass
class EvalReport:
    """Figures for one evaluation run; ``to_json`` is what ``--json`` prints."""

    n: int
    n_zh: int
    n_en: int
    intent_accuracy: float
    intent_accuracy_zh: float
    intent_accuracy_en: float
    macro_f1: float
    emergency_recall: float
    entity_precision: float
    entity_recall: float
    entity_f1: float
    per_intent: list[IntentRow]
    labels: list[str]
    confusion: list[list[int]]
    misses: list[Miss] = field(default_factory=list)
    per_entity: list[EntityRow] = field(default_factory=list)
    confusion_png: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("confusion")
        data["misses"] = data["misses"][:50]
        return data


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def evaluate(adapter: NluAdapter, data: TrainingData, synonyms: Mapping[str, str] | None = None) -> EvalReport:
    """Parse every example of ``data`` (already normalised) and score the results.

    ``synonyms`` is the model's own synonym table (the project's data): a file written apart from
    it says "air con" where the product reports "air conditioner", and that is not a miss.
    The file's own synonyms take precedence.
    """
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    synonyms = {str(k).lower(): str(v) for k, v in {**(synonyms or {}), **data.entity_synonyms}.items()}

    def canonical(value: Any) -> str:
        """A value as the product reports it: synonyms mapped, letter case ignored."""
        text = str(value)
        return synonyms.get(text.lower(), text).lower()

    expected, predicted, langs, misses = [], [], [], []
    ent_tp: Counter[str] = Counter()
    ent_gold: Counter[str] = Counter()
    ent_pred: Counter[str] = Counter()
    for message in data.intent_examples:
        text, gold = message.get("text"), message.get("intent")
        result = adapter.parse(text)
        expected.append(gold)
        predicted.append(result.intent.name)
        langs.append(detect_language(text))
        if gold != result.intent.name:
            misses.append(Miss(text, gold, result.intent.name, result.intent.confidence))
        gold_ents = Counter((e["entity"], canonical(e.get("value"))) for e in message.get("entities") or [])
        pred_ents = Counter((e.entity, canonical(e.value)) for e in result.entities)
        for counts, found in ((ent_tp, gold_ents & pred_ents), (ent_gold, gold_ents), (ent_pred, pred_ents)):
            for (name, _), count in found.items():
                counts[name] += count

    labels = sorted(set(expected))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0
    )
    rows = [IntentRow(label, float(p), float(r), float(f), int(s))
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=False)]
    matrix_labels = sorted(set(expected) | set(predicted))

    def accuracy(lang: str | None) -> tuple[float, int]:
        pairs = [(e, p) for e, p, lg in zip(expected, predicted, langs, strict=False) if lang in (None, lg)]
        return _ratio(sum(e == p for e, p in pairs), len(pairs)), len(pairs)

    acc, n = accuracy(None)
    acc_zh, n_zh = accuracy("zh")
    acc_en, n_en = accuracy("en")
    emergencies = [p for e, p in zip(expected, predicted, strict=False) if e == EMERGENCY_INTENT]
    ent_p, ent_r = _ratio(ent_tp.total(), ent_pred.total()), _ratio(ent_tp.total(), ent_gold.total())
    per_entity = []
    for name in sorted(ent_gold | ent_pred):
        p, r = _ratio(ent_tp[name], ent_pred[name]), _ratio(ent_tp[name], ent_gold[name])
        per_entity.append(EntityRow(name, p, r, _f1(p, r), ent_gold[name]))
    return EvalReport(
        n=n, n_zh=n_zh, n_en=n_en,
        intent_accuracy=acc, intent_accuracy_zh=acc_zh, intent_accuracy_en=acc_en,
        macro_f1=float(sum(r.f1 for r in rows) / len(rows)) if rows else 0.0,
        emergency_recall=_ratio(sum(p == EMERGENCY_INTENT for p in emergencies), len(emergencies)),
        entity_precision=ent_p, entity_recall=ent_r,
        entity_f1=_f1(ent_p, ent_r),
        per_intent=rows, labels=matrix_labels,
        confusion=confusion_matrix(expected, predicted, labels=matrix_labels).tolist(),
        misses=misses, per_entity=per_entity,
    )


def save_confusion_png(report: EvalReport, path: Path) -> Path:
    """Draw the confusion matrix (rows: expected, columns: predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    size = max(6, 0.45 * len(report.labels))
    fig, ax = plt.subplots(figsize=(size + 2, size))
    image = ax.imshow(report.confusion, cmap="Blues")
    ax.set_xticks(range(len(report.labels)), report.labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(report.labels)), report.labels, fontsize=8)
    for i, row in enumerate(report.confusion):
        for j, count in enumerate(row):
            if count:
                ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                        color="white" if count > max(map(max, report.confusion)) / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(f"Intent confusion (n={report.n}, accuracy {report.intent_accuracy:.1%})")
    fig.colorbar(image, ax=ax, shrink=0.7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    report.confusion_png = str(path)
    return path


def format_report(report: EvalReport) -> str:
    """A human-readable summary, per-intent and per-entity tables, and the misses."""
    lines = [
        f"examples: {report.n} (zh {report.n_zh}, en {report.n_en})",
        f"intent accuracy: {report.intent_accuracy:.1%}  zh {report.intent_accuracy_zh:.1%}  "
        f"en {report.intent_accuracy_en:.1%}",
        f"macro-F1: {report.macro_f1:.3f}   emergency recall: {report.emergency_recall:.1%}",
        f"entities (type+value): P {report.entity_precision:.3f}  R {report.entity_recall:.3f}  "
        f"F1 {report.entity_f1:.3f}",
    ]
    lines += _score_table("intent", [(r.intent, r.precision, r.recall, r.f1, r.support) for r in report.per_intent])
    if report.per_entity:
        lines += _score_table("entity", [(r.entity, r.precision, r.recall, r.f1, r.support)
                                         for r in report.per_entity])
    if report.misses:
        lines += ["", "misclassified:"]
        lines += [f"  {m.expected:>16} → {m.predicted:<16} {m.confidence:.2f}  {m.text}"
                  for m in report.misses[:40]]
    if report.confusion_png:
        lines += ["", f"confusion matrix: {report.confusion_png}"]
    return "\n".join(lines)


def _score_table(heading: str, rows: list[tuple[str, float, float, float, int]]) -> list[str]:
    """A blank line, a header, and one line of precision, recall, F1 and support per label."""
    lines = ["", f"{heading:<18} {'prec':>6} {'recall':>6} {'F1':>6} {'n':>5}"]
    return lines + [f"{label:<18} {p:>6.3f} {r:>6.3f} {f1:>6.3f} {n:>5}" for label, p, r, f1, n in rows]
