"""What a Vosk model directory must contain, and what its layout says it can do.

Used by the model manager (verify a pulled or added model before it is installed)
and by the recogniser (runtime grammars need a lookahead graph). Layouts:

* ``am/final.mdl`` (or ``final.mdl`` in old models) — the acoustic model;
* ``conf/mfcc.conf`` — features (``--sample-frequency``, default 16 kHz);
* ``graph/HCLr.fst`` + ``graph/Gr.fst`` — a lookahead graph: small models, runtime
  grammars supported; or ``graph/HCLG.fst`` (or ``HCLG.fst``) — a static graph:
  big server models, no runtime grammar;
* ``graph/words.txt`` — the vocabulary, when shipped (lookahead models often keep
  it inside ``Gr.fst`` only; Vosk's ``find_word`` reads it there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from audio.errors import ModelInvalid

__all__ = ["ModelLayout", "inspect_model", "find_model_root"]

_RATE = re.compile(r"--sample-frequency=(\d+)")


@dataclass(frozen=True, slots=True)
class ModelLayout:
    """A verified Vosk model directory."""

    root: Path
    runtime_grammar: bool
    words_file: Path | None
    rate_hz: int

    @property
    def graph(self) -> str:
        return "lookahead (runtime grammars)" if self.runtime_grammar else "static HCLG"


def inspect_model(root: Path) -> ModelLayout:
    """Check ``root`` has a Vosk model's layout.

    :raise ModelInvalid: naming the first missing part.
    """
    root = Path(root)
    if not root.is_dir():
        raise ModelInvalid(f"{root} is not a directory")
    if not ((root / "am" / "final.mdl").is_file() or (root / "final.mdl").is_file()):
        raise ModelInvalid(f"{root} is not a Vosk model: no am/final.mdl")
    mfcc = root / "conf" / "mfcc.conf"
    if not mfcc.is_file():
        raise ModelInvalid(f"{root} is not a Vosk model: no conf/mfcc.conf")
    graph = root / "graph"
    lookahead = (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    static = (graph / "HCLG.fst").is_file() or (root / "HCLG.fst").is_file()
    if not (lookahead or static):
        raise ModelInvalid(f"{root} is not a Vosk model: no graph/HCLG.fst nor "
                           "graph/HCLr.fst + graph/Gr.fst")
    words = graph / "words.txt"
    match = _RATE.search(mfcc.read_text(errors="replace"))
    return ModelLayout(root, lookahead and not static, words if words.is_file() else None,
                       int(match.group(1)) if match else 16_000)


def find_model_root(top: Path, max_depth: int = 3) -> Path:
    """The model directory inside ``top`` (official zips wrap it in one folder).

    :raise ModelInvalid: when no directory within ``max_depth`` levels has the layout.
    """
    candidates = [top]
    for _ in range(max_depth + 1):
        next_level: list[Path] = []
        for candidate in candidates:
            if (candidate / "am" / "final.mdl").is_file() or (candidate / "final.mdl").is_file():
                inspect_model(candidate)
                return candidate
            next_level.extend(sorted(p for p in candidate.iterdir()
                                     if p.is_dir() and not p.name.startswith(".")))
        candidates = next_level
    raise ModelInvalid(f"no Vosk model (am/final.mdl) found in {top}")
