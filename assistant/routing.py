"""Who handles a request, who else is told, and who is next when nobody acknowledges.

Pure functions of the estate configuration and a moment in time (evaluated in
the estate's time zone), so routing is testable without a database or a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from assistant.errors import BadRequest
from assistant.estate import EstateConfig, Owner, Staff

# category → (assignee role, roles notified at once)
CATEGORY_ROUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "repair_request": ("engineering", ()),
    "emergency": ("security", ("duty_manager", "butler")),
    "cleaning_request": ("cleaning", ()),
    "parcel_service": ("concierge", ()),
    "visitor_access": ("concierge", ()),
    "parking": ("security", ()),
    "bill_payment": ("butler", ()),
    "errand": ("butler", ()),
    "complaint": ("butler", ("duty_manager",)),
    "activity_booking": ("butler", ()),
    "home_watch": ("butler", ()),
    "health_service": ("health_butler", ()),
    "call_butler": ("butler", ()),
}
SERVICE_CATEGORIES = frozenset(CATEGORY_ROUTES)
PRIORITIES = {"emergency": "emergency", "repair_request": "repair"}
PRIORITY_ORDER = {"emergency": 0, "repair": 1, "normal": 2}

# Escalation stages, in order; a request's escalation_level indexes this tuple.
STAGES = ("assignee", "backup", "duty_manager", "estate_manager")
LEVEL_DUTY_MANAGER = STAGES.index("duty_manager")
LEVEL_ESTATE_MANAGER = STAGES.index("estate_manager")


@dataclass(frozen=True, slots=True)
class Assignee:
    """A role and, when somebody fills it, the person."""

    role: str
    staff_id: str | None
    name: str | None

    def to_dict(self) -> dict[str, str | None]:
        return {"role": self.role, "staff_id": self.staff_id, "name": self.name}

    @classmethod
    def of(cls, role: str, staff: Staff | None) -> Assignee:
        return cls(role, staff.id if staff else None, staff.name if staff else None)


@dataclass(frozen=True, slots=True)
class Routing:
    category: str
    priority: str
    assignee: Assignee
    level: int
    also_notified: tuple[Assignee, ...]
    ack_deadline_s: int


def priority_of(category: str) -> str:
    return PRIORITIES.get(category, "normal")


class Router:
    """Routing rules for one estate."""

    def __init__(self, estate: EstateConfig) -> None:
        self.estate = estate

    # --- who is there -------------------------------------------------------------
    def on_duty(self, role: str, moment: datetime, load: Mapping[str, int] | None = None) -> list[Staff]:
        """Staff of ``role`` on shift now, if the role is in service; least loaded first."""
        if not self.estate.role_in_service(role, moment):
            return []
        local = self.estate.local(moment)
        people = [s for s in self.estate.staff if s.role == role and s.on_shift(local)]
        return sorted(people, key=lambda s: (load or {}).get(s.id, 0))

    def duty_manager(self, moment: datetime) -> Assignee:
        staff_id = self.estate.duty_rotation.on_duty(self.estate.local(moment).date())
        return Assignee.of("duty_manager", self.estate.staff_by_id(staff_id))

    def estate_manager(self) -> Assignee:
        return Assignee.of("estate_manager", self.estate.staff_by_id(self.estate.estate_manager))

    def butlers_for(self, unit: str | None, owner: Owner | None) -> tuple[Staff | None, Staff | None]:
        """(own butler, backup butler) for an owner or unit; ``(None, None)`` if the district is unknown."""
        district = self.estate.district_of_unit(owner.unit if owner else unit or "")
        if district is None:
            return None, None
        own_id = owner.butler if owner and owner.butler else district.butlers[0]
        backup_id = next((b for b in district.butlers if b != own_id), None)
        return self.estate.staff_by_id(own_id), self.estate.staff_by_id(backup_id) if backup_id else None

    def _butler_on_duty(self, butler: Staff | None, moment: datetime) -> bool:
        return (butler is not None and self.estate.role_in_service("butler", moment)
                and butler.on_shift(self.estate.local(moment)))

    # --- routing ------------------------------------------------------------------
    def route(self, category: str, moment: datetime, unit: str | None = None,
              owner: Owner | None = None, load: Mapping[str, int] | None = None) -> Routing:
        """Assignee and notifications for a new request.

        :raises BadRequest: the category is not a service intent.
        """
        if category not in CATEGORY_ROUTES:
            raise BadRequest(f"{category!r} is not a service category", code="bad-category")
        role, notified_roles = CATEGORY_ROUTES[category]
        assignee, level = self._first_available(category, role, moment, unit, owner, load)
        notified = tuple(
            n for n in (self._notified(r, moment, unit, owner) for r in notified_roles)
            if n is not None and n.staff_id != assignee.staff_id
        )
        deadline = int(self.estate.deadlines_s.for_category(category).total_seconds())
        return Routing(category, priority_of(category), assignee, level, notified, deadline)

    def _first_available(self, category: str, role: str, moment: datetime, unit: str | None,
                         owner: Owner | None, load: Mapping[str, int] | None) -> tuple[Assignee, int]:
        for level in range(len(STAGES)):
            candidate = self.stage_assignee(level, category, role, moment, unit, owner, None, load)
            if candidate is not None:
                return candidate, level
        return self.estate_manager(), LEVEL_ESTATE_MANAGER

    def _notified(self, role: str, moment: datetime, unit: str | None, owner: Owner | None) -> Assignee | None:
        if role == "duty_manager":
            return self.duty_manager(moment)
        if role == "butler":
            # The butler's work phone is on 24 h (seed): told at once even off shift.
            own, _ = self.butlers_for(unit, owner)
            return Assignee.of("butler", own) if own else None
        people = self.on_duty(role, moment)
        return Assignee.of(role, people[0]) if people else None

    def stage_assignee(self, level: int, category: str, role: str, moment: datetime,
                       unit: str | None, owner: Owner | None, current: str | None,
                       load: Mapping[str, int] | None = None) -> Assignee | None:
        """Who fills escalation stage ``level`` now, or ``None`` if nobody is on duty there."""
        stage = STAGES[level]
        if stage == "duty_manager":
            return self.duty_manager(moment)
        if stage == "estate_manager":
            return self.estate_manager()
        if role == "butler":
            own, backup = self.butlers_for(unit, owner)
            person = own if stage == "assignee" else backup
            return Assignee.of("butler", person) if self._butler_on_duty(person, moment) else None
        people = [p for p in self.on_duty(role, moment, load) if p.id != current]
        if stage == "assignee":
            return Assignee.of(role, people[0]) if people else None
        return Assignee.of(role, people[0]) if people and current is not None else None

    def next_step(self, level: int, category: str, moment: datetime, unit: str | None,
                  owner: Owner | None, current: str | None) -> tuple[Assignee, int] | None:
        """The next escalation step after ``level``, skipping empty steps and the current person."""
        role = CATEGORY_ROUTES.get(category, ("butler", ()))[0]
        for next_level in range(level + 1, len(STAGES)):
            candidate = self.stage_assignee(next_level, category, role, moment, unit, owner, current)
            if candidate is not None and candidate.staff_id != current:
                return candidate, next_level
        return None

    def deadline(self, category: str) -> timedelta:
        return self.estate.deadlines_s.for_category(category)
