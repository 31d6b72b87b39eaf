"""One turn of a device's conversation: understand, fill slots, read back, dispatch.

Rules (issue "hub core", DESIGN.md):
- emergencies are dispatched first and then told — no questions asked; more cries for help in
  the same conversation are added to that emergency, not raised again;
- everything else is read back once and dispatched on "yes"; a request to talk
  to a person is put through at once;
- missing details are asked one at a time; the location defaults to the panel's
  unit or the recognised owner's unit, and a kiosk asks for the unit;
- when the top two intents are close, ask which; after one failed retry, put the
  owner through to their butler — never a dead end;
- a cancel names the request it cancels: the one just made at once, an older
  one only after the owner hears which and says yes; emergencies stay open;
- "我的快递到了吗" is answered from the front desk's parcel log, with an offer to
  bring them up;
- two requests for different services in one utterance ("空调坏了，顺便交一下
  物业费") are read back and dispatched one after the other;
- a "no" that says what instead ("no, I mean the bathroom light") goes on with it;
- "要多久" / "who is coming" right after a request is answered for that request, and
  a status answer says who has it and within how many minutes they will call;
- replies follow the utterance's language; elderly owners (and a panel whose
  residents are all elderly) get shorter sentences and a ``slow`` hint.
The state lives in the database, so a restarted hub continues the conversation.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from assistant.clock import Clock
from assistant.devices import device_place
from assistant.dialogue import replies as R
from assistant.dialogue.clock import clock_answer
from assistant.dialogue.compound import split_requests
from assistant.dialogue.quoting import correction_remainder, greeting_remainder, owner_words, readback_quote
from assistant.dialogue.replies import Reply, say
from assistant.dialogue.short_answers import apply_named_service, short_answer
from assistant.dialogue.slots import (
    NO_UNIT_NEEDED,
    added_detail,
    answer_for_slot,
    is_common_area,
    missing_slots,
    unit_in,
)
from assistant.errors import BadRequest
from assistant.estate import EstateConfig, Owner
from assistant.greeting import parcels_waiting
from assistant.knowledge import KnowledgeBase
from assistant.models import OPEN_STATUSES, DialogueSession, ServiceRequest
from assistant.parcels import waiting_count
from assistant.requests import NewRequest, add_owner_words, apply_action, create_request, open_requests_by_staff
from assistant.routing import SERVICE_CATEGORIES, Router
from nlu.adapter import IntentScore, NluAdapter, NluResult
from nlu.normalise import detect_language

CONVERSATION = {"greet", "goodbye", "thank", "affirm", "deny", "cancel", "repeat"}
CLARIFY_MARGIN = 0.20
MIN_SERVICE_CONFIDENCE = 0.25
MAX_FAILURES = 2  # the second failure in a row hands over to the butler
CONFIDENT = 0.6
STATUS_HINTS = (
    ("repair_request", r"报修|维修|修|师傅|工程|repair|fix|engineer|technician"),
    ("cleaning_request", r"保洁|打扫|清洁|清理|clean"),
    ("parcel_service", r"快递|包裹|parcel|package|delivery"),
    ("visitor_access", r"访客|客人|visitor|guest"),
    ("bill_payment", r"缴费|交费|代缴|费|bill|fee|payment"),
    ("errand", r"代买|代办|买的|errand|shopping"),
    ("complaint", r"投诉|complain"),
    ("activity_booking", r"预约|预订|报名|book"),
    ("health_service", r"健康|医生|血压|health|doctor|nurse"),
    ("home_watch", r"代管|看房|钥匙|home watch|key"),
    ("parking", r"车位|停车|parking"),
)

# What a status question can name its request by ("空调修好了没"); a room or a time names no request.
_NAMING_ENTITIES = frozenset({"facility", "item", "bill_type", "activity", "visitor_name"})
_RECENT_REQUESTS = 20
# "今天几号" / "what time is it": elderly owners ask the panel this; the hub's clock answers it.
_CLOCK_QUESTION = re.compile(
    r"(?:今天|今儿)(?:是)?(?:几号|几月几[号日]|(?:星期|礼拜|周)几|什么日子)|现在(?:是)?几点|几点了|几点钟了"
    r"|\bwhat(?:'s| is)? the (?:time|date)\b|\bwhat time is it\b|\bwhat day is (?:it|today)\b"
    r"|\bwhat date is it\b|\btoday'?s date\b", re.I)
_SAME_INCIDENT = timedelta(minutes=10)  # a further cry for help from the same conversation is the same emergency
OFF_TOPIC = 0.8  # a fallback this sure was heard and understood: it is not something the estate does
# Right after a request is dispatched, "要多久" / "how long will it take" / "师傅叫什么" asks about that request,
# whatever the knowledge base would match (its "时间" is the renovation hours).
_ASKS_ABOUT_IT = re.compile(
    r"多久|多长时间|多少分钟|要等|等多|什么时候(?:来|到|能|可以|过来|上门|修)|啥时候|几点(?:来|到|过来|上门)"
    r"|谁(?:来|过来|上门)|叫什么|哪位"
    r"|\bhow (?:long|soon)\b|\bwhen (?:will|are|is|can|do|does|should)\b|\bwhat time (?:will|are|is|do|does)\b"
    r"|\bwho(?:'s| is| will be)? (?:coming|come)\b|\b(?:his|her|their) name\b|\bhow many minutes\b", re.I)
# At a read-back, a sentence about the same service is more detail ("she'll arrive around 3 pm") unless it
# says it corrects ("不是，是卫生间的灯", "no, the bathroom one").
_CORRECTION = re.compile(r"^\W*(?:不是|不对|错了|说错|搞错|no\b|not\b|nope|wrong|i mean|sorry)", re.I)
_MAX_SLOTS = 4  # details asked for plus details added at the read-back; beyond that, a plain yes or no
# At "您是要取消……吗？": "取消吧" is a yes, "别取消" is not.
_SAYS_CANCEL = re.compile(r"取消|撤|cancel", re.I)
_SAYS_KEEP = re.compile(r"[别不]要?取消|不用取消|先别撤|don'?t cancel|do not cancel|not cancel", re.I)
_PARCEL_QUESTION = re.compile(
    r"吗|么|有没有|没有|到没到|到了没|几个|多少|是不是"
    r"|^\s*(?:is|are|has|have|did|do i have)\b|\bany\b.*\b(?:parcels?|packages?|deliver(?:y|ies)|post|mail)\b"
    r"|\b(?:arrived|come in|come yet|here yet|turned up)\b", re.I)


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance from a device."""

    device_id: str
    device_kind: str
    device_unit: str | None
    text: str
    session_id: str | None = None
    owner_id: str | None = None
    lang: str | None = None
    channel: str = "voice"
    trace: dict[str, Any] | None = None


@dataclass
class Outcome:
    session_id: str
    reply: Reply
    nlu: NluResult
    expect: str | None
    request: ServiceRequest | None = None
    created: bool = False
    """True when this turn created ``request`` (rather than reporting on one)."""


@dataclass
class _Context:
    turn: Turn
    db: Session
    now: datetime
    result: NluResult
    state: dict[str, Any]
    owner: Owner | None
    lang: str
    elderly: bool
    request: ServiceRequest | None = None
    created: bool = False
    expect: str | None = None
    reply: Reply | None = field(default=None)


class DialogueManager:
    """Turns utterances into replies and requests, one device session at a time."""

    def __init__(self, nlu: NluAdapter, router: Router, estate: EstateConfig, kb: KnowledgeBase,
                 clock: Clock, session_timeout_s: float = 120.0) -> None:
        self.nlu = nlu
        self.router = router
        self.estate = estate
        self.kb = kb
        self.clock = clock
        self.session_timeout = timedelta(seconds=session_timeout_s)

    # --- entry point ------------------------------------------------------------------
    def handle(self, db: Session, turn: Turn, result: NluResult | None = None) -> Outcome:
        """Handle one utterance; the caller commits ``db``.

        :raises BadRequest: unknown owner id.
        """
        now = self.clock.now_utc()
        row = self._session(db, turn, now)
        state = dict(row.state)
        owner = self._owner(turn, state)
        result = _apply_short_answer(result or self.nlu.parse(turn.text), state.get("expect"))
        if not state.get("expect"):  # a bare name said to an open question is that question's answer
            result = apply_named_service(result)
        lang = _choose_language(turn.lang, result, state, owner)
        ctx = _Context(turn, db, now, result, state, owner, lang, self._elderly(turn, owner))
        self._step(ctx)
        assert ctx.reply is not None
        if ctx.expect != "confirm":
            state["cancel_target"] = None  # an offer to cancel lives only while its question is open
        state.update(lang=lang, expect=ctx.expect, last_reply=ctx.reply.to_dict(),
                     owner_id=owner.id if owner else state.get("owner_id"))
        row.state, row.updated_at = state, now
        row.owner_id = state.get("owner_id")
        return Outcome(row.id, ctx.reply, result, ctx.expect, ctx.request, ctx.created)

    def _session(self, db: Session, turn: Turn, now: datetime) -> DialogueSession:
        row = db.get(DialogueSession, turn.session_id) if turn.session_id else None
        if row is not None and row.device_id != turn.device_id:
            row = None  # a session belongs to one device
        if row is not None and now - row.updated_at > self.session_timeout:
            row.state = {**row.state, "expect": None, "pending": None, "ended": "timeout"}
            row = None
        if row is None:
            row = DialogueSession(id=uuid.uuid4().hex[:16], device_id=turn.device_id,
                                  owner_id=turn.owner_id, state={}, created_at=now, updated_at=now)
            db.add(row)
        return row

    def _owner(self, turn: Turn, state: dict[str, Any]) -> Owner | None:
        owner_id = turn.owner_id or state.get("owner_id")
        if owner_id:
            owner = self.estate.owner_by_id(owner_id)
            if owner is None:
                raise BadRequest(f"unknown owner {owner_id!r}", code="unknown-owner")
            return owner
        if turn.device_kind == "panel" and turn.device_unit:
            residents = self.estate.owners_in_unit(turn.device_unit)
            if len(residents) == 1:
                return residents[0]
        return None

    def _elderly(self, turn: Turn, owner: Owner | None) -> bool:
        """Short, slow replies for an elderly owner, also at a panel whose residents are all elderly.

        A panel shared by an elderly couple cannot tell which of them speaks, but either needs the slow voice.
        """
        if owner is not None:
            return owner.elderly
        if turn.device_kind != "panel" or not turn.device_unit:
            return False
        residents = self.estate.owners_in_unit(turn.device_unit)
        return bool(residents) and all(resident.elderly for resident in residents)

    # --- the state machine ----------------------------------------------------------
    def _step(self, ctx: _Context) -> None:
        intent = ctx.result.intent.name
        expect = ctx.state.get("expect")
        if intent == "emergency":
            self._emergency(ctx)
        elif intent == "repeat":
            self._repeat(ctx)
        elif intent == "cancel":
            self._cancel(ctx)
        elif expect == "confirm":
            self._on_confirm(ctx)
        elif expect and expect.startswith("slot:"):
            self._on_slot(ctx, expect.removeprefix("slot:"))
        elif expect == "clarify":
            self._on_clarify(ctx)
        else:
            self._fresh(ctx)

    def _fresh(self, ctx: _Context) -> None:
        """An utterance with nothing pending."""
        ctx.state.update(pending=None, queued=None)
        if ctx.result.intent.name in SERVICE_CATEGORIES:
            self._separate_requests(ctx)
        intent = ctx.result.intent.name
        if intent == "greet" and self._request_after_greeting(ctx):
            return self._fresh(ctx)  # "hello, I'm visiting my aunt in 5-1602": the request, not the hello
        if intent in {"nlu_fallback", "faq"} and _CLOCK_QUESTION.search(ctx.result.text):
            ctx.reply = self._reply(ctx, clock_answer(self.estate.local(ctx.now), ctx.lang))
        elif (just_made := self._asked_about_last_request(ctx)) is not None:
            self._answer_status(ctx, just_made)
        elif intent in SERVICE_CATEGORIES or intent in {"request_status", "faq"}:
            self._service(ctx, intent)
        elif intent in CONVERSATION:
            self._conversation(ctx, intent)
        else:
            self._unclear(ctx)

    def _request_after_greeting(self, ctx: _Context) -> bool:
        """A greeting the model heard louder than the request after it: parse what follows on its own.

        When that is a service, a status question or a question for the knowledge base, it replaces this
        turn's result; a greeting followed by small talk stays a greeting.
        """
        rest = greeting_remainder(owner_words(ctx.result.source_text))
        if rest is None:
            return False
        after = self.nlu.parse(rest)
        if after.intent.name not in SERVICE_CATEGORIES | {"request_status", "faq"} or after.intent.confidence < 0.45:
            return False
        ctx.result = after
        return True

    def _service(self, ctx: _Context, category: str) -> None:
        ctx.state["failures"] = 0
        if category == "request_status":
            return self._status(ctx)
        if category == "faq":
            return self._faq(ctx)
        if category == "parcel_service" and _asks_about_parcels(ctx.result.text) and self._answer_parcels(ctx):
            return None
        ctx.state["pending"] = _request_from(ctx.result, category)
        if category == "call_butler":
            return self._dispatch(ctx)
        self._next_question(ctx)

    def _separate_requests(self, ctx: _Context) -> None:
        """"空调坏了，顺便交一下物业费": handle the first request now and queue the others (different services only)."""
        parts = split_requests(ctx.result.source_text)
        if len(parts) < 2:
            return
        groups: dict[str, list[NluResult]] = {}
        for part in parts:
            result = self.nlu.parse(part)
            if result.intent.name in SERVICE_CATEGORIES and result.intent.confidence >= CONFIDENT:
                groups.setdefault(result.intent.name, []).append(result)
        if len(groups) < 2:
            return  # one service, however many clauses: one request
        separator = "，" if ctx.lang == "zh" else ", "
        requests = []
        for category, results in groups.items():
            if len(results) > 1:  # several clauses of one service: parsed together, for their entities' offsets
                joined = self.nlu.parse(separator.join(r.source_text for r in results))
                results = [replace(joined, intent=IntentScore(category, max(joined.intent.confidence, CONFIDENT)))]
            requests.append(results[0])
        ctx.result = requests[0]
        ctx.state["queued"] = [_request_from(r, r.intent.name) for r in requests[1:]]

    def _next_queued(self, ctx: _Context) -> None:
        """After one of several requests said together, go on to the next: "还有，……对吗？"."""
        queued = ctx.state.get("queued") or []
        if not queued or ctx.reply is None:
            return
        done = ctx.reply.text
        ctx.state["pending"] = queued.pop(0)
        ctx.state["queued"] = queued
        self._next_question(ctx)
        assert ctx.reply is not None
        ctx.reply = self._reply(ctx, done + say("and_then", ctx.lang) + ctx.reply.text)

    def _next_question(self, ctx: _Context) -> None:
        """Ask for the next missing detail, or read the request back."""
        pending = ctx.state["pending"]
        # The request's own utterance and answers so far, not this turn's answer: "12-301" given for the
        # unit must not make the tennis court of "book the tennis court" missing.
        missing = missing_slots(pending["category"], self._pending_result(ctx), pending["slots"])
        if missing:
            return self._ask(ctx, missing[0])
        if self._unit(ctx) is None and not self._unit_optional(ctx):
            return self._ask(ctx, "unit")
        self._readback(ctx)

    def _pending_result(self, ctx: _Context) -> NluResult:
        """The NLU result of the utterance that started the pending request."""
        from nlu.adapter import Entity

        pending = ctx.state["pending"]
        entities = tuple(Entity(e["entity"], e["value"], e["start"], e["end"]) for e in pending["entities"])
        return NluResult(pending["text"], pending["text"], ctx.lang, ctx.result.intent, (), entities)

    def _ask(self, ctx: _Context, slot: str) -> None:
        ctx.expect = f"slot:{slot}"
        ctx.reply = self._reply(ctx, R.SLOT_QUESTIONS[ctx.lang][slot])

    def _readback(self, ctx: _Context) -> None:
        pending = ctx.state["pending"]
        separator = "，" if ctx.lang == "zh" else ", "
        quote = readback_quote(pending.get("said") or pending["text"], pending["text"], pending["entities"], ctx.lang,
                               scale=0.75 if ctx.elderly else 1.0)  # fewer words for elderly owners
        what = separator.join([quote, *pending["slots"].values()])
        unit = self._unit(ctx)
        where = say("where", ctx.lang, unit=unit) if unit and ctx.turn.device_kind == "kiosk" else ""
        action = R.ACTIONS[ctx.lang][pending["category"]]
        key = "readback_short" if ctx.elderly else "readback"
        ctx.expect = "confirm"
        ctx.reply = self._reply(ctx, say(key, ctx.lang, what=what, where=where, action=action))

    # --- answers to questions ---------------------------------------------------------
    def _on_confirm(self, ctx: _Context) -> None:
        if ctx.state.get("cancel_target"):
            return self._on_cancel_offer(ctx)
        intent = ctx.result.intent.name
        if intent == "affirm":
            return self._dispatch(ctx)
        if intent == "deny" and self._corrected(ctx):
            return None
        if intent == "deny":
            ctx.reply = self._reply(ctx, say(_declined_key(ctx.state, "denied"), ctx.lang))
            ctx.state.update(pending=None, failures=0)
            if ctx.state.get("queued"):  # not that one; the others said with it still stand
                ctx.reply = self._reply(ctx, say("not_this_one", ctx.lang))
                self._next_queued(ctx)
            return None
        pending = ctx.state.get("pending") or {}
        more_of_the_same = intent == pending.get("category") and not _CORRECTION.search(ctx.result.text)
        if intent in SERVICE_CATEGORIES and ctx.result.intent.confidence >= 0.5 and not more_of_the_same:
            return self._fresh(ctx)  # a correction: start over with the new request
        said = owner_words(ctx.result.source_text)  # read back as said: "3 pm", not "15:00"
        detail = added_detail(said) if intent not in CONVERSATION and not pending.get("offer") else None
        if detail and len(pending.get("slots", {})) < _MAX_SLOTS:
            # "帮我买点菜" read back, then "西红柿 鸡蛋 还有一斤猪肉": what to buy, not a failed yes/no.
            pending["slots"][f"detail{len(pending['slots'])}"] = detail
            return self._readback(ctx)
        self._retry(ctx, say("confirm_yes_no", ctx.lang), keep_expect="confirm")

    def _corrected(self, ctx: _Context) -> bool:
        """"No, I mean the bathroom light" at a read-back: go on with what the owner says instead of the "no".

        What follows the "no" is a request of its own when the model reads one; otherwise it corrects a
        detail of the pending request ("不对，是明天下午"), which is read back with it.
        """
        pending = ctx.state.get("pending")
        rest = correction_remainder(owner_words(ctx.result.source_text))
        if not pending or pending.get("offer") or rest is None or short_answer(rest) is not None:
            return False  # "不对，不对" / "nope, wrong one" is a plain no
        instead = self.nlu.parse(rest)
        if instead.intent.name in CONVERSATION and instead.intent.confidence >= 0.5 and not instead.entities:
            return False  # "no, that's wrong": nothing said instead
        if instead.intent.name in SERVICE_CATEGORIES and instead.intent.confidence >= 0.5:
            ctx.result = instead
            self._fresh(ctx)
            return True
        if len(pending.get("slots", {})) >= _MAX_SLOTS:
            return False
        pending["slots"][f"detail{len(pending['slots'])}"] = rest
        self._readback(ctx)
        return True

    def _on_slot(self, ctx: _Context, slot: str) -> None:
        intent = ctx.result.intent.name
        value = answer_for_slot(slot, ctx.result)
        if intent in SERVICE_CATEGORIES and ctx.result.intent.confidence >= 0.6 and not (
            value and slot == "unit"
        ) and intent != ctx.state["pending"]["category"]:
            return self._fresh(ctx)  # they asked for something else instead
        if intent == "deny" and value is None:
            ctx.state.update(pending=None)
            ctx.reply = self._reply(ctx, say("denied", ctx.lang))
            return None
        if value is None or (intent == "affirm" and slot != "unit"):  # "yes" is nobody's name
            return self._retry(ctx, R.SLOT_QUESTIONS[ctx.lang][slot], keep_expect=f"slot:{slot}")
        ctx.state["failures"] = 0
        if slot == "unit" and ctx.state["pending"]["category"] == "request_status":
            ctx.state["unit"] = value  # "我报修的怎么样了" at the kiosk, then "3-1201": answer the question
            ctx.result = self._pending_result(ctx)
            ctx.state["pending"] = None
            return self._status(ctx)
        if slot == "unit":
            ctx.state["unit"] = value
        else:
            ctx.state["pending"]["slots"][slot] = value
            ctx.state["pending"]["entities"].append({"entity": slot, "value": value, "start": 0, "end": 0})
        self._next_question(ctx)

    def _on_clarify(self, ctx: _Context) -> None:
        options = ctx.state.get("clarify") or []
        ranked = [s.name for s in ctx.result.ranking]
        # The owner repeating one of the two names we offered (报修) is the plainest answer there is:
        # it wins over the classifier, which reads a bare word with little context.
        named = [o for o in options if any(
            (name := R.CATEGORY_NAMES[lang].get(o, "").removeprefix("a ").removeprefix("an "))
            and name in ctx.result.text.lower() for lang in ("zh", "en"))]
        chosen = named[0] if len(named) == 1 else None
        if chosen is None and ctx.result.intent.name in options:
            chosen = ctx.result.intent.name
        if chosen is None and ctx.result.intent.name == "nlu_fallback":
            chosen = next((name for name in ranked[:2] if name in options), None)
        if chosen is None:
            return self._retry(ctx, say("clarify", ctx.lang, **self._option_names(ctx, options)),
                               keep_expect="clarify")
        original = ctx.state.get("clarify_result") or {}
        ctx.state["clarify"] = None
        ctx.state["failures"] = 0
        if original:
            from nlu.adapter import Entity, IntentScore

            ctx.result = NluResult(original["text"], original.get("said", original["text"]), ctx.lang,
                                   IntentScore(chosen, 1.0), (),
                                   tuple(Entity(**e) for e in original["entities"]))
        self._service(ctx, chosen)

    # --- conversation -------------------------------------------------------------------
    def _conversation(self, ctx: _Context, intent: str) -> None:
        ctx.state["failures"] = 0
        if intent == "greet":
            name = _address(ctx.owner, ctx.lang)
            ctx.reply = self._reply(ctx, say("greet_named", ctx.lang, name=name) if name else say("greet", ctx.lang))
        elif intent == "thank":
            ctx.reply = self._reply(ctx, say("thank", ctx.lang))
        elif intent == "goodbye":
            ctx.state.update(pending=None, ended="goodbye")
            ctx.reply = self._reply(ctx, say("goodbye", ctx.lang))
        else:  # affirm / deny with nothing to confirm
            ctx.reply = self._reply(ctx, say("how_can_i_help", ctx.lang))

    def _repeat(self, ctx: _Context) -> None:
        last = ctx.state.get("last_reply")
        ctx.expect = ctx.state.get("expect")
        if last:
            ctx.reply = Reply(last["text"], last["lang"], last.get("slow", False))
        else:
            ctx.reply = self._reply(ctx, say("nothing_to_repeat", ctx.lang))

    def _cancel(self, ctx: _Context) -> None:
        if ctx.state.get("cancel_target") and ctx.state.get("expect") == "confirm":
            return self._on_cancel_offer(ctx)
        if ctx.state.get("pending") or ctx.state.get("expect"):
            ctx.reply = self._reply(ctx, say(_declined_key(ctx.state, "cancelled"), ctx.lang))
            ctx.state.update(pending=None, clarify=None, failures=0, queued=None)
            return
        request = self._open_request_of_conversation(ctx)
        if request is not None and request.category != "emergency":
            apply_action(ctx.db, request, "cancel", f"device:{ctx.turn.device_id}", ctx.now,
                         note="cancelled by the owner at the device")
            ctx.request = request
            ctx.reply = self._reply(ctx, say("cancelled_request", ctx.lang))
            return
        if short_answer(ctx.result.text) == "cancel":  # a bare "算了" / "never mind" with nothing going on
            ctx.reply = self._reply(ctx, say("nothing_to_cancel", ctx.lang))
            return
        self._offer_cancel(ctx)

    def _offer_cancel(self, ctx: _Context) -> None:
        """A cancel with no request of this conversation: find the owner's open one and ask before cancelling it.

        Said on another day ("明天来修空调的师傅别来了"), it names the request by its topic;
        cancelling is not undone by a butler's call, so the owner hears which one and says yes first.
        """
        query = self._requests_query(ctx)
        if query is None:  # nobody known at a kiosk: a person sorts it out
            ctx.state["pending"] = {"category": "call_butler", "text": ctx.result.text, "entities": [], "slots": {}}
            return self._dispatch(ctx, reply_key="handoff")
        hinted = _hinted_categories(ctx.result.text)
        named = [e.value for e in ctx.result.entities if e.entity in _NAMING_ENTITIES]
        about = self._request_about(ctx, named) if named else None  # "forget about the washing machine"
        open_query = query.where(ServiceRequest.status.in_(OPEN_STATUSES))
        if hinted:
            open_query = open_query.where(ServiceRequest.category.in_(hinted))
        target = about if about is not None and about.status in OPEN_STATUSES else ctx.db.scalars(open_query).first()
        if target is None:
            text = (say("nothing_open_of", ctx.lang, category=_request_noun(hinted[0], ctx.lang)) if hinted
                    else say("nothing_open", ctx.lang))
            ctx.reply = self._reply(ctx, text)
            return
        ctx.request = target
        if target.category == "emergency":
            ctx.reply = self._reply(ctx, say("emergency_stays", ctx.lang))
            return
        what = readback_quote(target.text, target.text, target.entities or [], ctx.lang, scale=0.5)
        key = "cancel_offer"
        if "…" in what and _request_name(target, ctx.lang):  # a cut quote is hard to follow: name it instead
            what, key = _request_name(target, ctx.lang), "cancel_offer_named"
        ctx.state["cancel_target"] = target.id
        ctx.expect = "confirm"
        ctx.reply = self._reply(ctx, say(f"{key}_short" if ctx.elderly else key, ctx.lang, what=what))

    def _on_cancel_offer(self, ctx: _Context) -> None:
        """The answer to "您是要取消……吗？"."""
        intent = ctx.result.intent.name
        text = ctx.result.text
        explicit = intent == "cancel" and _SAYS_CANCEL.search(text) and not _SAYS_KEEP.search(text)
        if intent == "affirm" or explicit:
            target = ctx.db.get(ServiceRequest, ctx.state.pop("cancel_target"))
            if target is None or target.status not in OPEN_STATUSES:
                ctx.reply = self._reply(ctx, say("nothing_open", ctx.lang))
                return
            apply_action(ctx.db, target, "cancel", f"device:{ctx.turn.device_id}", ctx.now,
                         note="cancelled by the owner at the device")
            ctx.request = target
            ctx.reply = self._reply(ctx, say("cancelled", ctx.lang))
            return
        if intent == "deny":
            ctx.state["cancel_target"] = None
            ctx.reply = self._reply(ctx, say("not_cancelled", ctx.lang))
            return
        if intent in SERVICE_CATEGORIES and ctx.result.intent.confidence >= 0.5:
            ctx.state["cancel_target"] = None
            return self._fresh(ctx)  # they asked for something else instead
        # "算了" or "never mind" could mean either here: ask for a plain yes or no.
        self._retry(ctx, say("confirm_yes_no", ctx.lang), keep_expect="confirm")

    def _unclear(self, ctx: _Context) -> None:
        """Low confidence: proceed with a clear single candidate, ask between two, or retry."""
        services = [s for s in ctx.result.ranking if s.name in SERVICE_CATEGORIES | {"request_status", "faq"}]
        if ctx.state.get("failures", 0) >= MAX_FAILURES - 1:
            return self._retry(ctx, say("not_understood", ctx.lang), keep_expect=None)
        if len(services) >= 2 and services[1].confidence >= 0.1 and \
                services[0].confidence - services[1].confidence < CLARIFY_MARGIN:
            ctx.state["failures"] = ctx.state.get("failures", 0) + 1  # a clarifying question is the one retry
            options = [services[0].name, services[1].name]
            ctx.state.update(clarify=options, clarify_result={
                "text": ctx.result.text, "said": owner_words(ctx.result.source_text),
                "entities": [e.to_dict() for e in ctx.result.entities]})
            ctx.expect = "clarify"
            ctx.reply = self._reply(ctx, say("clarify", ctx.lang, **self._option_names(ctx, options)))
            return
        if services and services[0].confidence >= MIN_SERVICE_CONFIDENCE:
            return self._service(ctx, services[0].name)  # the read-back will confirm it
        if ctx.result.intent.name == "nlu_fallback" and ctx.result.intent.confidence >= OFF_TOPIC:
            # "给我讲个笑话" was heard; "我没听清楚" would be untrue. Say what the assistant can do instead.
            return self._retry(ctx, say("off_topic_short" if ctx.elderly else "off_topic", ctx.lang), keep_expect=None)
        self._retry(ctx, say("not_understood", ctx.lang), keep_expect=None)

    def _retry(self, ctx: _Context, question: str, keep_expect: str | None) -> None:
        ctx.state["failures"] = ctx.state.get("failures", 0) + 1
        if ctx.state["failures"] >= MAX_FAILURES:
            return self._handoff(ctx)
        ctx.expect = keep_expect
        ctx.reply = self._reply(ctx, question)

    def _option_names(self, ctx: _Context, options: list[str]) -> dict[str, str]:
        names = R.CATEGORY_NAMES[ctx.lang]
        return {"a": names.get(options[0], options[0]), "b": names.get(options[1], options[1])}

    # --- answers from the store and the knowledge base -------------------------------
    def _status(self, ctx: _Context) -> None:
        if self._requests_query(ctx) is None:  # a stranger at the kiosk: "you have none" would be a guess
            ctx.state["pending"] = _request_from(ctx.result, "request_status")
            return self._ask(ctx, "unit")
        named = [e.value for e in ctx.result.entities if e.entity in _NAMING_ENTITIES]
        request = self._request_about(ctx, named) if named else self._latest_request(ctx)
        if request is None:
            none = say("status_none_about", ctx.lang, what=named[0]) if named else say("status_none", ctx.lang)
            ctx.reply = self._reply(ctx, none)
            return
        self._answer_status(ctx, request)

    def _answer_status(self, ctx: _Context, request: ServiceRequest) -> None:
        ctx.request = request
        staff_name = self._staff_name(request.assignee_staff_id, ctx.lang)
        ctx.reply = self._reply(ctx, _status_sentence(request, ctx.lang, ctx.now, staff_name))

    def _asked_about_last_request(self, ctx: _Context) -> ServiceRequest | None:
        """The request this conversation just made, when the owner asks how long it will take or who is coming.

        Only a question that names nothing else counts ("健身房几点开门" is still a question for the
        knowledge base), and only while that request is open.
        """
        if ctx.result.intent.name not in {"faq", "nlu_fallback", "request_status"}:
            return None
        if not _ASKS_ABOUT_IT.search(ctx.result.text):
            return None
        if any(e.entity in _NAMING_ENTITIES or e.entity == "location" for e in ctx.result.entities):
            return None
        return self._open_request_of_conversation(ctx)

    def _open_request_of_conversation(self, ctx: _Context) -> ServiceRequest | None:
        """The request this conversation made last, while it is still open."""
        last_id = ctx.state.get("last_request_id")
        request = ctx.db.get(ServiceRequest, last_id) if last_id else None
        return request if request is not None and request.status in OPEN_STATUSES else None

    def _requests_query(self, ctx: _Context) -> Select | None:
        """The owner's (or the unit's) requests, newest first; None when nobody is known."""
        unit = self._unit(ctx)
        query = select(ServiceRequest).order_by(ServiceRequest.id.desc()).limit(1)
        if ctx.owner is not None:
            return query.where((ServiceRequest.owner_id == ctx.owner.id) | (ServiceRequest.unit == ctx.owner.unit))
        if unit:
            return query.where(ServiceRequest.unit == unit)
        if ctx.state.get("last_request_id"):
            return query.where(ServiceRequest.id == ctx.state["last_request_id"])
        return None

    def _latest_request(self, ctx: _Context) -> ServiceRequest | None:
        query = self._requests_query(ctx)
        if query is None:
            return None
        hinted = _hinted_categories(ctx.result.text)
        if hinted:
            query_hinted = query.where(ServiceRequest.category.in_(hinted))
            found = (ctx.db.scalars(query_hinted.where(ServiceRequest.status.in_(OPEN_STATUSES))).first()
                     or ctx.db.scalars(query_hinted).first())
            if found is not None:
                return found
        open_first = ctx.db.scalars(query.where(ServiceRequest.status.in_(OPEN_STATUSES))).first()
        return open_first or ctx.db.scalars(query).first()

    def _request_about(self, ctx: _Context, named: list[str]) -> ServiceRequest | None:
        """The owner's recent request about what they name ("电梯的事情"), open ones first.

        Naming a thing none of their requests is about gets "none about it", not the
        latest request about something else.
        """
        query = self._requests_query(ctx)
        if query is None:
            return None
        wanted = {value.lower() for value in named}
        about = [r for r in ctx.db.scalars(query.limit(_RECENT_REQUESTS)).all()
                 if any(value in (r.text or "").lower() for value in wanted)
                 or wanted & {str(e.get("value", "")).lower() for e in r.entities or []}]
        return next((r for r in about if r.status in OPEN_STATUSES), about[0] if about else None)

    def _answer_parcels(self, ctx: _Context) -> bool:
        """'我的快递到了吗': say what the front desk holds, and offer to bring it up; False when nobody is known."""
        unit = self._unit(ctx)
        if unit is None:
            return False
        count = waiting_count(ctx.db, unit, ctx.owner.id if ctx.owner else None)
        if count == 0:
            ctx.reply = self._reply(ctx, say("parcels_none", ctx.lang))
            return True
        ctx.state["pending"] = {**_request_from(ctx.result, "parcel_service"),
                                "slots": {"delivery": say("parcels_bring_up", ctx.lang)}, "offer": "parcels"}
        ctx.expect = "confirm"
        space = " " if ctx.lang == "en" else ""
        offer = say("parcel_offer" if count == 1 else "parcels_offer", ctx.lang)
        ctx.reply = self._reply(ctx, parcels_waiting(count, ctx.lang) + space + offer)
        return True

    def _faq(self, ctx: _Context) -> None:
        answer = self.kb.answer(ctx.result.text, ctx.lang)
        if answer is not None:
            ctx.reply = self._reply(ctx, answer.text)
            return
        names_something = any(e.entity in _NAMING_ENTITIES for e in ctx.result.entities)
        if _ASKS_ABOUT_IT.search(ctx.result.text) and not names_something:
            latest = self._latest_request(ctx)  # "how long will it take", back at the panel: their open request
            if latest is not None and latest.status in OPEN_STATUSES:
                return self._answer_status(ctx, latest)
        just_made = self._open_request_of_conversation(ctx)
        if just_made is not None:
            # "多少钱" after "帮我交电费": the person who has that request answers it; no second request.
            add_owner_words(ctx.db, just_made, f"device:{ctx.turn.device_id}", ctx.now, ctx.result.text)
            ctx.request = just_made
            staff_name = self._staff_name(just_made.assignee_staff_id, ctx.lang)
            who = R.role_name(just_made.assignee_role, ctx.lang, staff_name)
            ctx.reply = self._reply(ctx, say("faq_passed_on", ctx.lang, who=who))
            return
        ctx.state["pending"] = {"category": "call_butler", "text": ctx.result.text, "entities": [], "slots": {}}
        self._dispatch(ctx, reply_key="faq_unknown")

    # --- dispatching ----------------------------------------------------------------------
    def _emergency(self, ctx: _Context) -> None:
        ongoing = self._ongoing_emergency(ctx)
        if ongoing is not None:  # "快来人啊，他起不来了" after "我老伴摔倒了": one incident, one alarm
            add_owner_words(ctx.db, ongoing, f"device:{ctx.turn.device_id}", ctx.now, ctx.result.text)
            ctx.request = ongoing
            ctx.state.update(pending=None, clarify=None, failures=0, queued=None)
            ctx.reply = self._reply(ctx, say("emergency_again", ctx.lang))
            return
        ctx.state.update(pending={"category": "emergency", "text": ctx.result.text,
                                  "entities": [e.to_dict() for e in ctx.result.entities], "slots": {}},
                         clarify=None, failures=0, queued=None)
        self._dispatch(ctx, reply_key="emergency_short" if ctx.elderly else "emergency")

    def _ongoing_emergency(self, ctx: _Context) -> ServiceRequest | None:
        """The emergency this conversation raised, while it is open and recent (a new incident gets its own)."""
        request = self._open_request_of_conversation(ctx)
        if request is None or request.category != "emergency":
            return None
        return request if ctx.now - request.created_at <= _SAME_INCIDENT else None

    def _handoff(self, ctx: _Context) -> None:
        """Put the owner through to a person after a failed retry."""
        said = (ctx.state.get("pending") or {}).get("text")
        text = "；".join(t for t in (said, ctx.result.text) if t)
        ctx.state["pending"] = {"category": "call_butler", "text": text, "entities": [], "slots": {},
                                "handoff": True}
        self._dispatch(ctx, reply_key="handoff")

    def _dispatch(self, ctx: _Context, reply_key: str = "dispatched") -> None:
        pending = ctx.state["pending"]
        category = pending["category"]
        unit = self._unit(ctx)
        district = self.estate.district_of_unit(unit or (ctx.owner.unit if ctx.owner else ""))
        routing = self.router.route(category, ctx.now, unit=unit, owner=ctx.owner,
                                    load=open_requests_by_staff(ctx.db))
        summary = pending["text"]
        if pending["slots"]:
            summary = "；".join([summary, *pending["slots"].values()])
        if pending.get("handoff"):
            summary = f"[转人工] {summary}"
        place = unit or device_place(ctx.turn.device_kind, ctx.turn.device_id)
        new = NewRequest(
            category=category, text=pending["text"], lang=ctx.lang, summary=f"{place} {summary}"[:300],
            entities=tuple(pending["entities"]), owner_id=ctx.owner.id if ctx.owner else None, unit=unit,
            district=district.id if district else None, device_id=ctx.turn.device_id,
            channel=ctx.turn.channel, trace=ctx.turn.trace,
        )
        request = create_request(ctx.db, new, routing, ctx.now, f"device:{ctx.turn.device_id}")
        ctx.request, ctx.created = request, True
        ctx.state.update(pending=None, last_request_id=request.id, failures=0, clarify=None)
        who = R.role_name(routing.assignee.role, ctx.lang, self._staff_name(routing.assignee.staff_id, ctx.lang))
        if reply_key == "dispatched":
            minutes = max(1, routing.ack_deadline_s // 60)
            text = say("dispatched", ctx.lang, who=who, eta=say("eta", ctx.lang, minutes=minutes))
        else:
            text = say(reply_key, ctx.lang, who=who)
        ctx.reply = self._reply(ctx, text)
        if reply_key == "dispatched":
            self._next_queued(ctx)

    # --- helpers ------------------------------------------------------------------------
    def _unit(self, ctx: _Context) -> str | None:
        if ctx.turn.device_kind == "panel" and ctx.turn.device_unit:
            return ctx.turn.device_unit
        if ctx.owner is not None:
            return ctx.owner.unit
        said = unit_in(ctx.result)
        if said:
            ctx.state["unit"] = said
        return ctx.state.get("unit") or ctx.turn.device_unit

    def _unit_optional(self, ctx: _Context) -> bool:
        pending = ctx.state.get("pending") or {}
        if pending.get("category") in NO_UNIT_NEEDED:
            return True
        return is_common_area(pending.get("text", ""), ctx.result)

    def _staff_name(self, staff_id: str | None, lang: str) -> str | None:
        staff = self.estate.staff_by_id(staff_id) if staff_id else None
        if staff is None:
            return None
        return staff.name_en or staff.name if lang == "en" else staff.name

    @staticmethod
    def _reply(ctx: _Context, text: str) -> Reply:
        return Reply(text, ctx.lang, slow=ctx.elderly)


def _request_from(result: NluResult, category: str) -> dict[str, Any]:
    """A pending request as the dialogue state keeps it: the NLU's text, the owner's words, entities, no slots yet."""
    return {"category": category, "text": result.text, "said": owner_words(result.source_text),
            "entities": [e.to_dict() for e in result.entities], "slots": {}}


def _declined_key(state: dict[str, Any], default: str) -> str:
    """What to say when the owner turns down what is pending: an offer to bring parcels up has its own answer."""
    return "parcels_collect" if (state.get("pending") or {}).get("offer") == "parcels" else default


def _request_noun(category: str, lang: str) -> str:
    """"报修" / "repair": a request's kind as said before "请求" / "request"."""
    names = R.REQUEST_NOUNS_EN if lang == "en" else R.CATEGORY_NAMES["zh"]
    return names.get(category, category)


def _request_name(request: ServiceRequest, lang: str) -> str | None:
    """"洗衣机的报修" / "your repair request for the washing machine": a request named by what it is about."""
    named = next((e for e in request.entities or [] if e.get("entity") in _NAMING_ENTITIES and e.get("value")), None)
    if named is None:
        return None
    article = "" if named["entity"] == "visitor_name" or lang != "en" else "the "
    return say("request_named", lang, value=named["value"], noun=_request_noun(request.category, lang), article=article)


def _asks_about_parcels(text: str) -> bool:
    """Whether a parcel utterance asks what has come ("到了吗", "any parcels") rather than asks for a service."""
    return bool(_PARCEL_QUESTION.search(text))


def _hinted_categories(text: str) -> list[str]:
    """The request categories an utterance names by topic ("我的报修", "the cleaning")."""
    return [category for category, pattern in STATUS_HINTS if re.search(pattern, text, re.I)]


def _apply_short_answer(result: NluResult, expect: str | None) -> NluResult:
    """Yes / no / cancel / say-again by rule when a question is open or the model is unsure."""
    if result.intent.name == "emergency":
        return result
    rule = short_answer(result.text)
    if rule is None:
        return result
    if not expect and result.intent.name in {"thank", "greet", "goodbye"} and result.intent.confidence >= CONFIDENT:
        return result  # "谢谢" with no question open is thanks, not a yes
    if expect or result.intent.name in CONVERSATION | {"nlu_fallback"} or result.intent.confidence < CONFIDENT:
        return replace(result, intent=IntentScore(rule, 1.0), rule="short_answer")
    return result


def _choose_language(given: str | None, result: NluResult, state: dict[str, Any], owner: Owner | None = None) -> str:
    """The utterance's language; a bare "OK"/"yes" keeps the conversation's language.

    Text with no word in it ("？？？", "...") keeps the conversation's language, else the owner's, else Mandarin.
    """
    if given in {"zh", "en"}:
        return given
    if not any(ch.isalpha() for ch in result.text):
        return state.get("lang") or (owner.lang if owner else "zh")
    if state.get("expect") == "slot:unit" and state.get("lang"):
        return state["lang"]  # a flat number read out in English ("three twelve oh one") answers in any language
    detected = detect_language(result.text)
    if detected == "en" and len(result.text.split()) <= 2 and state.get("lang") == "zh":
        return "zh"
    return detected


def _address(owner: Owner | None, lang: str) -> str | None:
    if owner is None:
        return None
    if lang == "en":
        title = "Mr" if owner.honorific == "先生" else "Ms"
        surname = (owner.name_en or owner.name).split()[-1]
        return f"{title} {surname}"
    return f"{owner.surname}{owner.honorific}"


def _status_sentence(request: ServiceRequest, lang: str, now: datetime, staff_name: str | None = None) -> str:
    """Where a request stands, said so that "when will they come?" is answered: who has it and by when."""
    status = request.status.value
    minutes = _minutes_left(request.ack_deadline, now) if status in {"new", "assigned"} else None
    if request.on_site_at and status == "in_progress":
        key = "on_site"
    elif request.started_at and status == "in_progress":
        key = "en_route"
    elif status in {"new", "assigned"}:
        key = "assigned" if minutes is None else "escalated" if request.escalation_level else "assigned_due"
    else:
        key = status
    if key in {"assigned", "assigned_due", "escalated"}:  # as the dispatch said it: 工程部李强 / engineering Li Qiang
        who = R.role_name(request.assignee_role, lang, staff_name)
    else:
        who_zh = R.STATUS_WHO_ZH.get(request.assignee_role, "工作人员")
        who = f"{who_zh}{staff_name or ''}" if lang == "zh" else \
            " ".join(filter(None, [R.role_name(request.assignee_role, "en").removeprefix("your "), staff_name]))
    category = _request_noun(request.category, lang)
    sentence = R.STATUS_PHRASES[lang][key].format(who=who, category=category, minutes=minutes)
    return sentence[0].upper() + sentence[1:] if lang == "en" else sentence


def _minutes_left(deadline: datetime | None, now: datetime) -> int | None:
    """Whole minutes until an acknowledgement deadline, rounded up; None when there is none or it has passed."""
    if deadline is None or deadline <= now:
        return None
    return math.ceil((deadline - now).total_seconds() / 60)
