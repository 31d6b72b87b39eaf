"""The one registry of long-lived objects, kept at ``app.extensions["guanjia"]``."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from assistant.clock import Clock, SystemClock
from assistant.config import Settings
from assistant.errors import ModelMissing

if TYPE_CHECKING:
    from assistant.dialogue.manager import DialogueManager
    from assistant.escalation import Escalator
    from assistant.estate import EstateConfig
    from assistant.events import EventBus
    from assistant.knowledge import KnowledgeBase
    from assistant.metrics import Metrics
    from assistant.routing import Router
    from nlu.adapter import NluAdapter

_LOGGER = logging.getLogger(__name__)
EXTENSION_KEY = "guanjia"


@dataclass
class Services:
    """Long-lived objects shared by every request of one app."""

    settings: Settings
    nlu: NluAdapter
    estate: EstateConfig
    engine: Engine
    sessions: sessionmaker[Session]
    bus: EventBus
    router: Router
    kb: KnowledgeBase
    dialogue: DialogueManager
    escalator: Escalator
    metrics: Metrics
    clock: Clock = field(default_factory=SystemClock)
    started_monotonic: float = field(default_factory=time.monotonic)


def get_services() -> Services:
    """The registry of the current app."""
    return current_app.extensions[EXTENSION_KEY]


def load_nlu(settings: Settings) -> NluAdapter:
    """Load and warm the NLU the settings ask for; fail with the command that fixes it.

    :raises ModelMissing: no trained model and no Rasa server configured.
    """
    from nlu.adapter import MAX_TEXT_CHARS, NluError, load_adapter
    from nlu.training import find_model

    model = settings.nlu_model
    if model is None and not settings.rasa_url:
        model, current = find_model(settings.nlu_models_dir)
        if model is None:
            raise ModelMissing(
                f"No NLU model in {settings.nlu_models_dir}. Run `guanjia nlu train` "
                "(or `make demo`, which trains it) first."
            )
        if not current:
            _LOGGER.warning("NLU model %s is older than the training data; "
                            "run `guanjia nlu train` to update it", model.name)
    try:
        adapter: NluAdapter = load_adapter(model, settings.rasa_url)
    except NluError as err:
        raise ModelMissing(err.message, code=err.code) from err
    adapter.max_chars = min(settings.max_text_chars, MAX_TEXT_CHARS * 10)
    return adapter


def load_estate_for(settings: Settings) -> EstateConfig:
    """The configured estate file, or the bundled demo estate."""
    from assistant.estate import DEMO_ESTATE, load_estate

    if settings.estate_file is None:
        if not settings.demo and not settings.testing:
            _LOGGER.warning("no estate file configured (GUANJIA_ESTATE_FILE); using the demo estate")
        return load_estate(DEMO_ESTATE)
    return load_estate(settings.estate_file)


def build_services(settings: Settings, nlu: NluAdapter | None = None, clock: Clock | None = None,
                   estate: EstateConfig | None = None) -> Services:
    """Open the database, sync the directory and wire the long-lived objects together."""
    from assistant.db import make_engine, migrate, session_scope
    from assistant.dialogue.manager import DialogueManager
    from assistant.directory import sync_directory
    from assistant.escalation import Escalator
    from assistant.events import EventBus
    from assistant.knowledge import KnowledgeBase
    from assistant.metrics import Metrics
    from assistant.routing import Router

    clock = clock or SystemClock()
    estate = estate or load_estate_for(settings)
    engine = make_engine(settings.sqlalchemy_url)
    migrate(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    bus = EventBus()
    bus.attach(sessions)
    with session_scope(sessions) as db:
        sync_directory(db, estate)
    nlu = nlu or load_nlu(settings)
    router = Router(estate)
    kb = KnowledgeBase(estate.faq)
    metrics = Metrics(sessions)
    escalator = Escalator(sessions, router, estate, clock,
                          on_escalated=lambda _id, late_s: metrics.escalation_delay_seconds.observe(late_s))
    dialogue = DialogueManager(nlu, router, estate, kb, clock, settings.session_timeout_s)
    return Services(settings=settings, nlu=nlu, estate=estate, engine=engine, sessions=sessions, bus=bus,
                    router=router, kb=kb, dialogue=dialogue, escalator=escalator, metrics=metrics,
                    clock=clock)
