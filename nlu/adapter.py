"""The one place Rasa is used at run time: load a model (or reach a Rasa server) and parse.

Every parse goes normalise → Rasa → entity clean-up → distress safety net, so
the hub, the CLI, the evaluation and the benchmark all see the same result.
Rasa's output is turned into our own ``NluResult`` right here.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypedDict

from nlu.normalise import detect_language, normalise
from nlu.rooms import find_rooms
from nlu.safety import find_distress
from nlu.say_again import OVERRIDABLE, asks_to_hear_again
from nlu.visitors import find_visitor, is_host

__all__ = ["Entity", "IntentScore", "NluResult", "NluAdapter", "NluError", "LocalRasa",
           "RemoteRasa", "load_adapter", "ruled", "MAX_TEXT_CHARS"]

_LOGGER = logging.getLogger(__name__)

MAX_TEXT_CHARS = 500
FALLBACK_INTENT = "nlu_fallback"
EMERGENCY_INTENT = "emergency"
REPEAT_INTENT = "repeat"
VISITOR_INTENT = "visitor_access"
_UNIT_RE = re.compile(r"(?<![\d-])\d{1,2}-(?:\d{1,2}-)?\d{3,4}(?![\d-])")
_TIME_RE = re.compile(r"(?:今晚)?(?<!\d)\d{1,2}:\d{2}(?!\d)")


class NluError(Exception):
    """The NLU could not parse: bad text, missing model, unreachable Rasa server."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RasaParse(TypedDict, total=False):
    """The JSON Rasa returns from a parse (we don't own it, so a TypedDict)."""

    text: str
    intent: dict[str, Any]
    intent_ranking: list[dict[str, Any]]
    entities: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity in the normalised text: ``text[start:end]`` is what was said."""

    entity: str
    value: str
    start: int
    end: int
    extractor: str = "model"

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "value": self.value, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class NluResult:
    """What the owner meant, in our own terms (no Rasa types leak out)."""

    text: str
    source_text: str
    lang: str
    intent: IntentScore
    ranking: tuple[IntentScore, ...]
    entities: tuple[Entity, ...]
    rule: str | None = None
    parse_ms: float = 0.0

    def entity_values(self, name: str) -> list[str]:
        return [e.value for e in self.entities if e.entity == name]

    def to_dict(self) -> dict[str, Any]:
        """The ``/api/v1/parse`` response body."""
        intent: dict[str, Any] = {"name": self.intent.name, "confidence": round(self.intent.confidence, 4)}
        if self.rule:
            intent["rule"] = self.rule
        return {
            "text": self.text,
            "lang": self.lang,
            "intent": intent,
            "intent_ranking": [
                {"name": s.name, "confidence": round(s.confidence, 4)} for s in self.ranking
            ],
            "entities": [e.to_dict() for e in self.entities],
        }


class NluEngine(Protocol):
    """Something that parses normalised text the way Rasa does."""

    def parse(self, text: str) -> RasaParse: ...

    def describe(self) -> str: ...


def _use_one_blas_thread() -> None:
    """Limit the BLAS libraries loaded in this process (numpy's, scipy's) to one thread each.

    A parse's matrix products are a few hundred multiply-adds, too small to
    share, but after each one OpenBLAS's idle threads spin for a while. On a
    two-core machine they spun on the core the sentence encoder's worker needs:
    with them, parsing 300 lines took 1.2 cores' worth of CPU in this process
    instead of 1.0, and English parses, which wait for the worker, were slower
    by ~1 ms at p50 and ~6 ms at p95 (medians of repeated runs; see
    nlu/data/README.md). The limit holds for the whole process; the hub's
    other matrices (face matching) are as small.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class LocalRasa:
    """A trained Rasa model loaded in this process.

    Loading takes tens of seconds, so it happens once, at start-up. Parses are
    serialised by a lock: TensorFlow graphs are not guaranteed thread-safe and a
    parse takes ~10 ms, so the lock costs nothing at an estate's load.
    """

    def __init__(self, model_path: Path) -> None:
        from nlu.training import quiet_rasa

        quiet_rasa()
        if not model_path.exists():
            raise NluError("model-missing", f"NLU model {model_path} not found; run `guanjia nlu train`")
        from rasa.core.agent import Agent

        import nlu.components  # noqa: F401  (registers the custom tokenizer)
        from nlu.rasa_inference import use_fast_inference
        from nlu.rasa_loading import use_fast_model_loading

        use_fast_model_loading()

        self.model_path = model_path
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        started = time.monotonic()
        self._agent = Agent.load(str(model_path))
        use_fast_inference(self._agent)
        _use_one_blas_thread()
        self.load_seconds = time.monotonic() - started
        if not self._agent.is_ready():
            raise NluError("model-invalid", f"{model_path} is not a usable Rasa model")

    def parse(self, text: str) -> RasaParse:
        with self._lock:
            return self._loop.run_until_complete(self._agent.parse_message(text))

    def describe(self) -> str:
        return f"local model {self.model_path.name}"


class RemoteRasa:
    """A Rasa server started with ``rasa run --enable-api`` (``POST /model/parse``)."""

    def __init__(self, url: str, timeout_s: float = 5.0) -> None:
        import requests

        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self.load_seconds = 0.0

    def parse(self, text: str) -> RasaParse:
        import requests

        try:
            response = self._session.post(f"{self.url}/model/parse", json={"text": text},
                                          timeout=self.timeout_s)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as err:
            raise NluError("nlu-unreachable", f"Rasa server at {self.url} failed: {err}") from err

    def describe(self) -> str:
        return f"remote Rasa server {self.url}"


@dataclass
class NluAdapter:
    """Normalise, parse, tidy entities, apply the emergency safety net."""

    engine: NluEngine
    max_chars: int = MAX_TEXT_CHARS
    _warm: bool = field(default=False, init=False)

    def warm(self) -> None:
        """Parse once per language so the first owner does not pay for graph tracing."""
        for text in ("你好，我家空调坏了", "hello, my light is broken"):
            self.parse(text)
        self._warm = True

    @property
    def ready(self) -> bool:
        return self._warm

    def parse(self, text: str) -> NluResult:
        """Parse one utterance.

        :raises NluError: ``empty-text`` or ``text-too-long`` for bad input,
            ``nlu-unreachable`` when a remote server fails.
        """
        if not isinstance(text, str):
            raise NluError("bad-text", "text must be a string")
        norm = normalise(text)
        if not norm.text:
            raise NluError("empty-text", "text is empty")
        if len(norm.text) > self.max_chars:
            raise NluError("text-too-long", f"text is longer than {self.max_chars} characters")
        started = time.perf_counter()
        raw = self.engine.parse(norm.text)
        result = self._to_result(norm.text, text, raw)
        result = self._apply_safety_net(result)
        result = _heard_again(result)
        result = _entities_the_intent_can_hold(result)
        result = _hosts_dropped(result)
        result = _visitor_named(result)
        return replace(result, parse_ms=(time.perf_counter() - started) * 1000)

    def _to_result(self, text: str, source: str, raw: RasaParse) -> NluResult:
        intent = raw.get("intent") or {}
        top = IntentScore(intent.get("name") or FALLBACK_INTENT, float(intent.get("confidence") or 0.0))
        ranking = tuple(
            IntentScore(r["name"], float(r.get("confidence") or 0.0))
            for r in raw.get("intent_ranking") or []
            if r.get("name")
        )
        return NluResult(text=text, source_text=source, lang=detect_language(text), intent=top,
                         ranking=ranking, entities=_tidy_entities(text, raw.get("entities") or []))

    @staticmethod
    def _apply_safety_net(result: NluResult) -> NluResult:
        distress = find_distress(result.text)
        if distress is None:
            return result
        entities = result.entities
        if not any(e.entity == "emergency_type" for e in entities):
            entities = (*entities, Entity("emergency_type", distress.term, distress.start,
                                          distress.end, "distress_lexicon"))
        if result.intent.name == EMERGENCY_INTENT:
            return replace(result, entities=entities)
        return replace(ruled(result, EMERGENCY_INTENT, "distress_lexicon"), entities=entities)


def ruled(result: NluResult, intent: str, rule: str) -> NluResult:
    """``result`` with ``intent`` put first at confidence 1.0, because ``rule`` decided it."""
    top = IntentScore(intent, 1.0)
    ranking = (top, *(s for s in result.ranking if s.name != intent))
    return replace(result, intent=top, ranking=ranking, rule=rule)


def _heard_again(result: NluResult) -> NluResult:
    """``result`` read as ``repeat`` when it asks to hear the answer again and the model read a reply."""
    if result.intent.name not in OVERRIDABLE or not asks_to_hear_again(result.text):
        return result
    return ruled(result, REPEAT_INTENT, "say_again")


# Entity types that only some intents hold, as the training data annotates them: a person named in
# an errand ("a car for my mum") or a greeting ("我是8-502的张阿姨") is nobody's visitor, and the
# fire of "the fire alarm keeps going off" is a complaint's, not an emergency type.
_ONLY_WITH_INTENTS: dict[str, frozenset[str]] = {
    "visitor_name": frozenset({VISITOR_INTENT, "parking", "request_status", "cancel", "complaint",
                               "affirm", "deny", "nlu_fallback"}),
    "emergency_type": frozenset({EMERGENCY_INTENT}),
}


def _entities_the_intent_can_hold(result: NluResult) -> NluResult:
    """``result`` without entities its intent never holds (see ``_ONLY_WITH_INTENTS``)."""
    intent = result.intent.name
    kept = tuple(e for e in result.entities if intent in _ONLY_WITH_INTENTS.get(e.entity, {intent}))
    return result if len(kept) == len(result.entities) else replace(result, entities=kept)


def _hosts_dropped(result: NluResult) -> NluResult:
    """``result`` without the visitor names that name the host a visitor comes to see (``nlu.visitors``).

    A visitor at the kiosk says whom they visit ("I'm here to see my grandma"); DIET tags that
    person as the visitor, and the desk would be told the wrong name.
    """
    kept = tuple(e for e in result.entities
                 if e.entity != "visitor_name" or not is_host(result.text, e.start, e.end))
    return result if len(kept) == len(result.entities) else replace(result, entities=kept)


def _visitor_named(result: NluResult) -> NluResult:
    """A visitor request with the visitor the owner named (``nlu.visitors``) when the model tagged none."""
    if result.intent.name != VISITOR_INTENT or any(e.entity == "visitor_name" for e in result.entities):
        return result
    found = find_visitor(result.text)
    if found is None:
        return result
    value, start, end = found
    entities = sorted((*result.entities, Entity("visitor_name", value, start, end, "visitor_list")),
                      key=lambda e: (e.start, e.end))
    return replace(result, entities=tuple(entities))


_NOT_A_NAME = frozenset({"my", "our", "his", "her", "their", "me", "我", "我的", "俺", "他", "她"})
# Words a visitor's name never ends on, and words that alone name nobody: DIET
# sometimes runs a name into the next word ("some friends from") or tags an
# article by itself ("a").
_DANGLING = frozenset({"a", "an", "the", "some", "and", "from", "of", "to", "with", "for", "at", "in", "on", "by"})
_NOT_A_NAME_END = _DANGLING | _NOT_A_NAME
# A time DIET tagged as one function word ("this" of "this is unacceptable") says no time.
_NOT_A_TIME = _DANGLING | {"this", "that", "next", "last", "every", "each"}
_TRAILING = " ,，、;；:："
# What lies between two pieces of one English phrase that Jieba cut at an apostrophe.
_APOSTROPHE_GAPS = frozenset({"'", "’", "' ", "’ "})


def _tidy_entities(text: str, raw_entities: list[dict[str, Any]]) -> tuple[Entity, ...]:
    """Model entities, with units and times taken from the text itself, and rooms the model missed.

    After normalisation units (``3-1201``) and clock times (``15:30``) are exact
    patterns, so a regex is more reliable than the model for them; a model span
    that contains the pattern (``明天15:00``) is kept, others of that type are
    replaced. A room of the flat (``nlu.rooms``) that no entity covers is added
    as a location.
    """
    exact: list[Entity] = [Entity("unit", m.group(), *m.span(), "pattern") for m in _UNIT_RE.finditer(text)]
    exact += [Entity("time", m.group(), *m.span(), "pattern") for m in _TIME_RE.finditer(text)]
    kept: list[Entity] = []
    seen: set[tuple[str, int, int]] = set()
    for raw in sorted(raw_entities, key=lambda e: (e.get("start", 0), e.get("end", 0))):
        name, start, end = raw.get("entity"), raw.get("start"), raw.get("end")
        if not name or start is None or end is None or (name, start, end) in seen:
            continue
        value = raw.get("value")
        entity = Entity(name, str(value if value is not None else text[start:end]), start, end)
        overlapping = [x for x in exact if x.entity == name and x.start < end and start < x.end]
        if any(not (start <= x.start and x.end <= end) for x in overlapping):
            continue  # a partial or garbled copy of an exact unit/time
        if name in {"unit", "time"} and any(x.entity != name and x.start < end and start < x.end for x in exact):
            continue  # a unit and a time run together ("3-1201 15:30"): the exact patterns replace it
        if name not in {"unit", "time"} and any(x.start < end and start < x.end for x in exact):
            entity = _cut_before_pattern(text, entity, exact)  # "黄先生,15:30" is 黄先生 and a time
            if entity is None:
                continue
        if name == "visitor_name" and entity.value.lower() in _NOT_A_NAME:
            continue  # a lone "my" left over from "my cousin"
        seen.add((name, start, end))
        kept.append(entity)
    for x in exact:
        if not any(k.entity == x.entity and k.start <= x.start and x.end <= k.end for k in kept):
            kept.append(x)
    for value, start, end in find_rooms(text):
        if not any(k.start < end and start < k.end for k in kept):
            kept.append(Entity("location", value, start, end, "room_list"))
    joined = _join_split_spans(text, sorted(kept, key=lambda e: (e.start, e.end)))
    return tuple(t for t in (_trim_fragment(text, e) for e in joined) if t is not None)


def _trim_fragment(text: str, entity: Entity) -> Entity | None:
    """A visitor name without the function words DIET ran it into; None when a fragment names nothing.

    "the grocery delivery guy from the" is "the grocery delivery guy", "my father
    and" is "my father"; a lone "a" or "the" is dropped, as is a time that is a
    lone "this", a time that is a bare number of three or more digits, a unit that is a bare one- or
    two-digit number, and a lone Latin letter. Other entities are returned as they are.
    """
    if entity.entity == "time" and entity.value.lower() in _NOT_A_TIME:
        return None
    if entity.entity == "unit" and entity.value.isdigit() and len(entity.value) <= 2:
        return None  # no flat is a bare "3" or "90": the 3 of 3月10号, the 90 of 低压90
    if entity.entity == "time" and entity.value.isdigit() and len(entity.value) >= 3:
        return None  # no clock time is a bare "145": the 145 of 高压145 (times are 15:30 by now)
    if len(entity.value) == 1 and entity.value.isascii() and entity.value.isalpha():
        return None  # the "s" of "son's" or the "t" of "can't", cut off at the apostrophe
    if entity.entity != "visitor_name" or text[entity.start:entity.end] != entity.value:
        return entity
    words = entity.value.split(" ")
    while words and words[-1].lower() in _NOT_A_NAME_END:
        words.pop()
    if not words:
        return None
    value = " ".join(words)
    return Entity(entity.entity, value, entity.start, entity.start + len(value), entity.extractor)


def _cut_before_pattern(text: str, entity: Entity, exact: list[Entity]) -> Entity | None:
    """The part of a model span before the first unit or clock time inside it, if any text is left."""
    cut = min((x.start for x in exact if entity.start <= x.start < entity.end), default=entity.start)
    end = cut
    while end > entity.start and text[end - 1] in _TRAILING:
        end -= 1
    if end <= entity.start:
        return None
    return Entity(entity.entity, text[entity.start:end], entity.start, end, entity.extractor)


def _join_split_spans(text: str, entities: list[Entity]) -> tuple[Entity, ...]:
    """Join a time, place or visitor the model tagged in touching pieces into one span.

    DIET sometimes starts a new entity mid-phrase: 周四 + 上午, 明天 + 15:00,
    this + morning, underground + car park, 陈 + 律师. The owner named one
    thing, and the butler should see it whole, as the training data annotates
    it. Times and visitors join when nothing or one space lies between the
    pieces; places only across one space, because two Chinese rooms can touch
    (厨房阳台都是水) while an English place name is words with spaces. Rooms
    from the closed list are whole already and keep their own value.
    """
    joined: list[Entity] = []
    for entity in entities:
        last = joined[-1] if joined else None
        if last is not None and _continues(text, last, entity):
            extractor = "model" if "model" in (last.extractor, entity.extractor) else last.extractor
            joined[-1] = Entity(last.entity, text[last.start:entity.end], last.start, entity.end, extractor)
        else:
            joined.append(entity)
    return tuple(joined)


def _continues(text: str, last: Entity, entity: Entity) -> bool:
    """Whether ``entity`` is the next piece of ``last`` (see ``_join_split_spans``)."""
    if entity.entity != last.entity or "room_list" in (last.extractor, entity.extractor):
        return False
    gap = text[last.end:entity.start] if last.end <= entity.start else None
    if gap in _APOSTROPHE_GAPS and text[last.end - 1].isalpha() and text[entity.start:entity.start + 1].isalpha():
        return True  # one word cut at its apostrophe: "can" + "t breathe", "kids" + "swimming class"
    if entity.entity in {"time", "visitor_name"}:
        return gap in ("", " ")
    return entity.entity == "location" and gap == " "


def load_adapter(model_path: Path | None = None, rasa_url: str | None = None,
                 warm: bool = True) -> NluAdapter:
    """Build the adapter from a local model or a Rasa server URL, warmed unless told not to."""
    if rasa_url:
        engine: NluEngine = RemoteRasa(rasa_url)
    elif model_path is not None:
        engine = LocalRasa(model_path)
    else:
        raise NluError("model-missing", "no NLU model configured; run `guanjia nlu train`")
    adapter = NluAdapter(engine)
    if warm:
        adapter.warm()
    _LOGGER.info("NLU ready: %s", engine.describe())
    return adapter
