"""Per-dialogue-state grammars, checked against a model's vocabulary before use.

When the kiosk reads a request back ("三栋一二零一，厨房漏水，对吗？") the answer is
one of a handful of phrases; restricting Vosk to them makes a mumbled 是 come out
as 是 rather than 四. But a grammar is only as good as the model's vocabulary: a
phrase with a word the model does not know is dropped by Vosk with a log line
nobody reads. ``plan_grammar`` therefore checks every word first, rewrites a
Chinese phrase into single characters when the model knows those (Vosk's Chinese
lexicon is partly word-, partly character-based), and reports every word it could
not place — it never drops one silently. A model with a static graph (HCLG.fst)
cannot take a runtime grammar at all: the plan says so and recognition is open.

Each phrase carries a meaning (the NLU's conversation intents: affirm, deny,
cancel, repeat, call_butler), used to judge a grammar result (``audio.confidence``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from nlu.normalise import is_cjk

__all__ = ["Grammar", "GrammarPlan", "GRAMMARS", "UNK", "plan_grammar", "short_answers",
           "split_phrases"]

UNK = "[unk]"


@dataclass(frozen=True)
class Grammar:
    """The phrases one dialogue state expects, per language, each with its meaning."""

    name: str
    phrases: Mapping[str, Mapping[str, str]]
    """language → phrase → meaning."""
    max_syllables: int = 6
    """Longest plausible answer, in syllables heard: longer speech is out of grammar."""
    max_phrases: int = 3
    """"对对对" is three phrases; more than this is not an answer to this state."""

    def for_lang(self, lang: str) -> Mapping[str, str]:
        try:
            return self.phrases[lang]
        except KeyError:
            raise ValueError(f"grammar {self.name!r} has no phrases for {lang!r}") from None


_AFFIRM, _DENY, _CANCEL = "affirm", "deny", "cancel"

GRAMMARS: dict[str, Grammar] = {
    "yes_no": Grammar("yes_no", {
        "zh": {"是": _AFFIRM, "是的": _AFFIRM, "对": _AFFIRM, "对的": _AFFIRM, "好": _AFFIRM,
               "好的": _AFFIRM, "可以": _AFFIRM, "没错": _AFFIRM, "不是": _DENY, "不对": _DENY,
               "不要": _DENY, "错了": _DENY, "取消": _CANCEL, "算了": _CANCEL},
        "en": {"yes": _AFFIRM, "yeah": _AFFIRM, "right": _AFFIRM, "correct": _AFFIRM,
               "okay": _AFFIRM, "sure": _AFFIRM, "no": _DENY, "nope": _DENY, "wrong": _DENY,
               "not right": _DENY, "cancel": _CANCEL, "never mind": _CANCEL},
        "ko": {"네": _AFFIRM, "예": _AFFIRM, "맞아요": _AFFIRM, "아니요": _DENY,
               "아니에요": _DENY, "취소": _CANCEL},
    }),
    "repeat_cancel": Grammar("repeat_cancel", {
        "zh": {"再说一遍": "repeat", "重复": "repeat", "没听清": "repeat", "取消": _CANCEL,
               "算了": _CANCEL, "找管家": "call_butler", "转人工": "call_butler"},
        "en": {"repeat": "repeat", "say again": "repeat", "pardon": "repeat",
               "cancel": _CANCEL, "butler": "call_butler", "a person": "call_butler"},
    }, max_syllables=8),
}


def short_answers(lang: str | None = None) -> frozenset[str]:
    """Every yes/no phrase (spaces removed, lower case): a complete one-burst answer."""
    langs = [lang] if lang else list(GRAMMARS["yes_no"].phrases)
    return frozenset(phrase.replace(" ", "").lower()
                     for code in langs for phrase in GRAMMARS["yes_no"].phrases.get(code, {}))


class Vocabulary(Protocol):
    """What a grammar plan needs from a model."""

    name: str
    runtime_grammar: bool

    def has_word(self, word: str) -> bool: ...


@dataclass(frozen=True)
class GrammarPlan:
    """A grammar as it will actually run on one model (or why it cannot)."""

    grammar: Grammar
    lang: str
    active: bool
    """False: open recognition (static graph, or no phrase fits the vocabulary)."""
    vosk_phrases: tuple[str, ...] = ()
    """Space-separated model words, as passed to ``KaldiRecognizer``."""
    meanings: Mapping[tuple[str, ...], str] = field(default_factory=dict)
    """Model-word sequence → meaning, to read results back."""
    missing_words: tuple[str, ...] = ()
    has_unk: bool = False
    warnings: tuple[str, ...] = ()


def _tokens_for(phrase: str, vocab: Vocabulary) -> tuple[tuple[str, ...] | None, list[str]]:
    """Model words spelling ``phrase``, or ``None`` and the words that are missing."""
    tokens = phrase.split()
    if all(vocab.has_word(t) for t in tokens):
        return tuple(tokens), []
    spelled: list[str] = []
    missing: list[str] = []
    for token in tokens:
        if vocab.has_word(token):
            spelled.append(token)
        elif any(map(is_cjk, token)) and all(vocab.has_word(ch) for ch in token):
            spelled.extend(token)
        else:
            missing.append(token)
    return (tuple(spelled), []) if not missing else (None, missing)


def plan_grammar(grammar: Grammar, lang: str, vocab: Vocabulary) -> GrammarPlan:
    """Check ``grammar``'s phrases for ``lang`` against the model; report what is missing."""
    if not vocab.runtime_grammar:
        return GrammarPlan(grammar, lang, active=False, warnings=(
            f"model {vocab.name} has a static graph (HCLG.fst) and cannot take a runtime "
            f"grammar: grammar {grammar.name!r} falls back to open recognition",))
    phrases: list[str] = []
    meanings: dict[tuple[str, ...], str] = {}
    missing: list[str] = []
    for phrase, meaning in grammar.for_lang(lang).items():
        tokens, absent = _tokens_for(phrase, vocab)
        if tokens is None:
            missing.extend(w for w in absent if w not in missing)
            continue
        phrases.append(" ".join(tokens))
        meanings[tokens] = meaning
    warnings: list[str] = []
    if missing:
        warnings.append(f"grammar {grammar.name!r} ({lang}): words missing from the vocabulary "
                        f"of {vocab.name}: {', '.join(missing)} (their phrases are not used)")
    has_unk = vocab.has_word(UNK)
    if not phrases:
        warnings.append(f"grammar {grammar.name!r} ({lang}): no phrase fits the vocabulary of "
                        f"{vocab.name}; using open recognition")
        return GrammarPlan(grammar, lang, active=False, missing_words=tuple(missing),
                           warnings=tuple(warnings))
    if not has_unk:
        warnings.append(f"model {vocab.name} has no {UNK} word: speech outside grammar "
                        f"{grammar.name!r} is forced onto its phrases (the result check and "
                        "the parallel open decode catch that)")
    else:
        phrases.append(UNK)
    return GrammarPlan(grammar, lang, active=True, vosk_phrases=tuple(phrases),
                       meanings=meanings, missing_words=tuple(missing), has_unk=has_unk,
                       warnings=tuple(warnings))


def split_phrases(words: list[str], meanings: Mapping[tuple[str, ...], str]) -> list[str] | None:
    """Meanings of the phrases spelled by ``words`` (longest match first); None if any is not."""
    longest = max((len(k) for k in meanings), default=0)
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            meaning = meanings.get(tuple(words[i:i + size]))
            if meaning is not None:
                out.append(meaning)
                i += size
                break
        else:
            return None
    return out
