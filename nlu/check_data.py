"""Check NLU training files: counts per intent and language, duplicates, bad annotations.

Run it on the files you edit (``python -m nlu.check_data FILE...``, no arguments
means all of ``nlu/data``); it uses Rasa's own reader, so what passes here is
what training will see.
"""

from __future__ import annotations

import collections
import logging
import re
import sys
import warnings
from pathlib import Path

from nlu.normalise import CJK_CHARS, detect_language

DATA_DIR = Path(__file__).parent / "data"
_VOSK_STYLE = re.compile(f"^[{CJK_CHARS}]+( [{CJK_CHARS}]+)+$")


def _files(args: list[str]) -> list[Path]:
    if args:
        return [Path(a) for a in args]
    return sorted(p for p in DATA_DIR.rglob("*.yml"))


def main(argv: list[str] | None = None) -> int:
    """Print a report; exit 1 when a file has problems."""
    logging.disable(logging.WARNING)
    from rasa.shared.nlu.training_data.loading import load_data

    problems = 0
    for path in _files(sys.argv[1:] if argv is None else argv):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = load_data(str(path))
        for w in caught:
            if not str(w.filename).find("rasa") >= 0 or "deprecat" in str(w.message).lower():
                continue
            print(f"{path}: WARNING {w.message}")
            problems += 1
        counts: collections.Counter[tuple[str, str]] = collections.Counter()
        vosk = collections.Counter()
        entities: collections.Counter[str] = collections.Counter()
        seen: dict[str, str] = {}
        for msg in data.intent_examples:
            text = msg.get("text")
            lang = detect_language(text)
            intent = msg.get("intent")
            counts[(intent, lang)] += 1
            plain = re.sub(r"\s+", "", text)
            if re.search(r"[\[\]{}]|\]\(", text):
                print(f"{path}: leftover annotation syntax (malformed entity?): {text}")
                problems += 1
            if _VOSK_STYLE.match(text.strip()):
                vosk[intent] += 1
            if plain in seen:
                print(f"{path}: duplicate ({seen[plain]} / {intent}): {text}")
                problems += 1
            seen[plain] = intent
            for ent in msg.get("entities", []):
                entities[ent["entity"]] += 1
                span = text[ent["start"] : ent["end"]]
                if span != span.strip() or not span:
                    print(f"{path}: entity span has outer spaces: {text!r} {ent}")
                    problems += 1
        for (intent, lang), n in sorted(counts.items()):
            zh_n = counts[(intent, "zh")]
            share = f", vosk-style {vosk[intent]}/{zh_n}" if lang == "zh" and zh_n else ""
            print(f"{path}: {intent} [{lang}] {n} examples{share}")
        if entities:
            print(f"{path}: entities " + ", ".join(f"{k}={v}" for k, v in sorted(entities.items())))
        if data.entity_synonyms:
            print(f"{path}: {len(data.entity_synonyms)} synonym entries")
        if data.lookup_tables:
            print(f"{path}: lookups " + ", ".join(t["name"] for t in data.lookup_tables))
    print("problems:", problems)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
