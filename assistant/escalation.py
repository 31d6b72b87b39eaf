"""Escalate requests that nobody acknowledged by their deadline.

Deadlines live in the database, so a restarted hub — or a second hub on the
same database — carries on where the last one stopped. Each escalation is a
compare-and-set on (escalation_level, ack_deadline): whichever hub wins the
update does it, the other sees zero rows changed, so no step happens twice.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from assistant.clock import Clock
from assistant.db import session_scope
from assistant.estate import EstateConfig
from assistant.events import publish
from assistant.models import UNACKNOWLEDGED, ServiceRequest
from assistant.protocol import utc_iso
from assistant.requests import record, request_summary
from assistant.routing import STAGES, Router

_LOGGER = logging.getLogger(__name__)


class Escalator:
    """Finds overdue requests and moves each one step up its chain."""

    def __init__(self, factory: sessionmaker[Session], router: Router, estate: EstateConfig,
                 clock: Clock, on_escalated=None) -> None:
        self._factory = factory
        self._router = router
        self._estate = estate
        self._clock = clock
        self._on_escalated = on_escalated
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> list[int]:
        """Escalate every request whose deadline has passed; return the ids escalated now."""
        now = self._clock.now_utc()
        with self._factory() as session:
            due = session.execute(
                select(ServiceRequest.id, ServiceRequest.escalation_level, ServiceRequest.ack_deadline)
                .where(ServiceRequest.status.in_(UNACKNOWLEDGED),
                       ServiceRequest.ack_deadline.is_not(None),
                       ServiceRequest.ack_deadline <= now)
                .order_by(ServiceRequest.ack_deadline)
            ).all()
        escalated = []
        for request_id, level, deadline in due:
            try:
                if self._escalate(request_id, level, deadline, now):
                    escalated.append(request_id)
            except Exception:  # one bad row must not stop the others
                _LOGGER.exception("escalation of request %s failed", request_id)
        return escalated

    def _escalate(self, request_id: int, level: int, deadline: datetime, now: datetime) -> bool:
        with session_scope(self._factory) as session:
            request = session.get(ServiceRequest, request_id)
            if request is None:
                return False
            owner = self._estate.owner_by_id(request.owner_id) if request.owner_id else None
            step = self._router.next_step(level, request.category, now, request.unit, owner,
                                          request.assignee_staff_id)
            values: dict = {"updated_at": now}
            if step is None:
                values["ack_deadline"] = None
            else:
                assignee, new_level = step
                values.update(escalation_level=new_level, assignee_role=assignee.role,
                              assignee_staff_id=assignee.staff_id, assignee_name=assignee.name,
                              ack_deadline=now + self._router.deadline(request.category))
            changed = session.execute(
                update(ServiceRequest)
                .where(ServiceRequest.id == request_id,
                       ServiceRequest.escalation_level == level,
                       ServiceRequest.ack_deadline == deadline,
                       ServiceRequest.status.in_(UNACKNOWLEDGED))
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if changed != 1:
                session.rollback()
                return False  # acknowledged meanwhile, or another hub did it
            session.refresh(request)
            before = {"level": level, "stage": STAGES[level]}
            if step is None:
                record(session, request, "escalation_exhausted", "system", now,
                       {**before, "reason": "nobody acknowledged; no further step"})
            else:
                assignee, new_level = step
                record(session, request, "escalated", "system", now, {
                    "from": before,
                    "to": {**assignee.to_dict(), "level": new_level, "stage": STAGES[new_level]},
                    "skipped": list(STAGES[level + 1:new_level]),
                    "overdue_s": round((now - deadline).total_seconds(), 1),
                    "ack_deadline": utc_iso(request.ack_deadline),
                })
            publish(session, "request.escalated", request_summary(request), now)
        if self._on_escalated is not None:
            self._on_escalated(request_id, (now - deadline).total_seconds())
        _LOGGER.info("request %s escalated from level %s", request_id, level)
        return True

    # --- background worker -----------------------------------------------------------
    def start(self, interval_s: float) -> None:
        """Check for due requests every ``interval_s`` seconds in a daemon thread."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.run_due()
                except Exception:
                    _LOGGER.exception("escalation sweep failed; retrying")

        self._thread = threading.Thread(target=loop, name="guanjia-escalation", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
