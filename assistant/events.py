"""The live event stream: rows in ``hub_events``, delivered as Server-Sent Events.

Events are written in the same transaction as the change they describe, so
the stream and the database never disagree, and ``Last-Event-ID`` resumes a
stream from the table after a reconnect or a hub restart. Within one hub a
condition variable wakes waiting streams at commit; a second hub on the same
database is seen within one poll interval.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.models import HubEvent
from assistant.protocol import utc_iso

EVENT_TYPES = ("request.created", "request.updated", "request.escalated", "owner.arrived",
               "device.status", "announcement", "device.utterance")
_PENDING_KEY = "guanjia_events_pending"
_BUS_KEY = "guanjia_event_bus"


class EventBus:
    """Wakes event streams when new events are committed."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._version = 0

    def notify(self) -> None:
        with self._condition:
            self._version += 1
            self._condition.notify_all()

    @property
    def version(self) -> int:
        return self._version

    def wait(self, seen_version: int, timeout_s: float) -> int:
        """Block until something newer than ``seen_version`` is committed or the timeout passes."""
        with self._condition:
            self._condition.wait_for(lambda: self._version != seen_version, timeout=timeout_s)
            return self._version

    def attach(self, factory: sessionmaker[Session]) -> None:
        """Make sessions from ``factory`` wake this bus after committing events."""
        factory.kw.setdefault("info", {})[_BUS_KEY] = self

        @event.listens_for(factory, "after_commit")
        def _after_commit(session: Session) -> None:
            if session.info.pop(_PENDING_KEY, False):
                self.notify()


def publish(session: Session, event_type: str, data: dict[str, Any], now: datetime) -> HubEvent:
    """Add a stream event to the session's transaction (delivered once it commits)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    row = HubEvent(type=event_type, at=now, data=data)
    session.add(row)
    session.info[_PENDING_KEY] = True
    return row


def format_sse(row: HubEvent, event_type: str | None = None) -> str:
    """One SSE frame; ``event_type`` overrides the stored type for this recipient."""
    event_type = event_type or row.type
    payload = json.dumps({"type": event_type, "at": utc_iso(row.at), "data": row.data},
                         ensure_ascii=False, separators=(",", ":"))
    return f"id: {row.id}\nevent: {event_type}\ndata: {payload}\n\n"


def latest_event_id(session: Session) -> int:
    row = session.scalars(select(HubEvent.id).order_by(HubEvent.id.desc()).limit(1)).first()
    return row or 0


def stream_events(factory: sessionmaker[Session], bus: EventBus, last_id: int,
                  accept: Callable[[HubEvent], bool | str], poll_s: float = 1.0,
                  heartbeat_s: float = 15.0, max_s: float | None = None,
                  monotonic: Callable[[], float] | None = None) -> Iterator[str]:
    """Yield SSE frames for events after ``last_id`` that ``accept`` lets through, forever.

    ``accept`` returns False to skip an event, True to send it, or an event type
    to send it as (a reassigned request is ``request.removed`` for the one who lost it).

    Heartbeat comments keep proxies from closing an idle stream; ``max_s`` ends
    the stream (clients reconnect with ``Last-Event-ID``).
    """
    import time

    clock = monotonic or time.monotonic
    started = last_sent = clock()
    yield "retry: 2000\n\n"
    while max_s is None or clock() - started < max_s:
        version = bus.version
        with factory() as session:
            rows = session.scalars(
                select(HubEvent).where(HubEvent.id > last_id).order_by(HubEvent.id).limit(200)
            ).all()
        for row in rows:
            last_id = row.id
            verdict = accept(row)
            if verdict:
                last_sent = clock()
                yield format_sse(row, verdict if isinstance(verdict, str) else None)
        if rows:
            continue
        if clock() - last_sent >= heartbeat_s:
            last_sent = clock()
            yield ": keep-alive\n\n"
        bus.wait(version, poll_s)
