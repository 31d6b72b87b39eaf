"""The estate configuration: districts, buildings, owners, staff, hours, rotation, knowledge base.

One readable YAML file, validated with clear errors (``guanjia estate check FILE``).
The numbers default to the estate's service standard (seed document): butler
service 07:00–23:00, engineering 24 h with a 5-minute response, cleaning evening
rounds 17:30–22:00 in summer and 17:00–21:00 in autumn/winter, a weekly rotating
duty manager, two personal butlers (one man, one woman) per district.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, Field, ValidationError, root_validator, validator

from assistant.errors import ConfigError

DEMO_ESTATE = Path(__file__).parent / "data" / "demo_estate.yaml"

ROLES = ("butler", "engineering", "security", "cleaning", "concierge", "health_butler",
         "duty_manager", "estate_manager")
Role = Literal["butler", "engineering", "security", "cleaning", "concierge", "health_butler",
               "duty_manager", "estate_manager"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNIT_RE = re.compile(r"^(\d{1,2})-(?:\d{1,2}-)?\d{3,4}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _parse_hhmm(text: str) -> time:
    if not _HHMM.match(text):
        raise ValueError(f"{text!r} is not a time like 07:00")
    if text == "24:00":
        return time(23, 59, 59, 999999)
    hours, minutes = map(int, text.split(":"))
    return time(hours, minutes)


class Strict(BaseModel):
    class Config:
        extra = "forbid"
        allow_mutation = False


class Window(Strict):
    """A daily time window; ``end`` before ``start`` means it runs past midnight."""

    start: str = "00:00"
    end: str = "24:00"
    days: list[str] = Field(default_factory=lambda: list(WEEKDAYS))

    _check_times = validator("start", "end", allow_reuse=True)(lambda v: (_parse_hhmm(v), v)[1])

    @validator("days", each_item=True)
    def _known_day(cls, value: str) -> str:
        if value not in WEEKDAYS:
            raise ValueError(f"unknown day {value!r}; use {', '.join(WEEKDAYS)}")
        return value

    def covers(self, local: datetime) -> bool:
        """True when the local time falls inside the window (overnight windows too)."""
        start, end, now = _parse_hhmm(self.start), _parse_hhmm(self.end), local.time()
        today = WEEKDAYS[local.weekday()]
        yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
        if start <= end:
            return today in self.days and start <= now <= end
        return (today in self.days and now >= start) or (yesterday in self.days and now <= end)


ALWAYS = [Window()]


class Hours(Strict):
    """When a role serves; ``summer`` overrides ``windows`` between the summer months."""

    windows: list[Window] = Field(default_factory=lambda: list(ALWAYS))
    summer: list[Window] | None = None

    def covers(self, local: datetime, summer_months: tuple[int, ...]) -> bool:
        windows = self.summer if self.summer is not None and local.month in summer_months else self.windows
        return any(w.covers(local) for w in windows)


class District(Strict):
    id: str
    name: str
    name_en: str = ""
    buildings: list[int]
    butlers: list[str] = Field(..., description="exactly two personal butlers, one man and one woman")


class FamilyContact(Strict):
    name: str
    relation: str
    phone: str = ""


class Owner(Strict):
    id: str
    name: str
    name_en: str = ""
    honorific: Literal["先生", "女士"]
    unit: str
    lang: Literal["zh", "en"] = "zh"
    birthday: date | None = None
    elderly: bool = False
    butler: str | None = None
    preferences: dict[str, Any] = Field(default_factory=dict)
    vehicles: list[str] = Field(default_factory=list)
    family: list[FamilyContact] = Field(default_factory=list)

    @validator("unit")
    def _unit_format(cls, value: str) -> str:
        if not _UNIT_RE.match(value):
            raise ValueError(f"unit {value!r} must look like 3-1201")
        return value

    @property
    def building(self) -> int:
        return int(self.unit.split("-")[0])

    @property
    def surname(self) -> str:
        return self.name[0] if self.name else ""


class Staff(Strict):
    id: str
    name: str
    name_en: str = ""
    role: Role
    gender: Literal["male", "female"] | None = None
    district: str | None = None
    phone: str = ""
    shifts: list[Window] = Field(default_factory=lambda: list(ALWAYS))
    password: str | None = Field(None, description="initial console password (demo only)")

    def on_shift(self, local: datetime) -> bool:
        return any(w.covers(local) for w in self.shifts)


class DutyRotation(Strict):
    """Weekly rotation of the duty manager (值班经理), starting on a Monday."""

    start: date
    staff: list[str]

    @validator("start")
    def _monday(cls, value: date) -> date:
        if value.weekday() != 0:
            raise ValueError(f"rotation start {value} must be a Monday")
        return value

    def on_duty(self, local_day: date) -> str:
        weeks = (local_day - self.start).days // 7
        return self.staff[weeks % len(self.staff)]


class Deadlines(Strict):
    """Seconds to acknowledge, per category; ``default`` for every category not listed."""

    emergency: int = 60
    repair_request: int = 300
    default: int = 900

    def for_category(self, category: str) -> timedelta:
        return timedelta(seconds=getattr(self, category, self.default))


class FaqEntry(Strict):
    id: str
    keywords: list[str] = Field(default_factory=list)
    question_zh: str
    question_en: str
    answer_zh: str
    answer_en: str


class EstateConfig(Strict):
    name: str
    name_en: str = ""
    timezone: str = "Asia/Shanghai"
    summer_months: list[int] = Field(default_factory=lambda: [5, 6, 7, 8, 9])
    hours: dict[Role, Hours]
    deadlines_s: Deadlines = Field(default_factory=Deadlines)
    districts: list[District]
    staff: list[Staff]
    owners: list[Owner]
    duty_rotation: DutyRotation
    estate_manager: str
    faq: list[FaqEntry] = Field(default_factory=list)

    @validator("timezone")
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @root_validator(skip_on_failure=True)
    def _cross_references(cls, values: dict[str, Any]) -> dict[str, Any]:
        staff = {s.id: s for s in values["staff"]}
        problems: list[str] = []
        _unique(problems, "staff id", [s.id for s in values["staff"]])
        _unique(problems, "owner id", [o.id for o in values["owners"]])
        _unique(problems, "district id", [d.id for d in values["districts"]])
        building_owner: dict[int, str] = {}
        for district in values["districts"]:
            for building in district.buildings:
                if building in building_owner:
                    problems.append(f"building {building} is in districts {building_owner[building]} "
                                    f"and {district.id}")
                building_owner[building] = district.id
            if len(district.butlers) != 2:
                problems.append(f"district {district.id} needs exactly two butlers, has {len(district.butlers)}")
            genders = set()
            for butler_id in district.butlers:
                butler = staff.get(butler_id)
                if butler is None or butler.role != "butler":
                    problems.append(f"district {district.id}: {butler_id!r} is not a butler in staff")
                else:
                    genders.add(butler.gender)
            if len(district.butlers) == 2 and genders != {"male", "female"}:
                problems.append(f"district {district.id}: its butlers should be one man and one woman")
        for owner in values["owners"]:
            if owner.building not in building_owner:
                problems.append(f"owner {owner.id}: building {owner.building} of unit {owner.unit} "
                                "is in no district")
            elif owner.butler and owner.butler not in _district(values, owner.building).butlers:
                problems.append(f"owner {owner.id}: butler {owner.butler} does not serve that district")
        for member in [*values["duty_rotation"].staff, values["estate_manager"]]:
            if member not in staff:
                problems.append(f"{member!r} (duty rotation / estate manager) is not in staff")
        for role in ROLES:
            if role not in values["hours"] and role not in {"duty_manager", "estate_manager"}:
                problems.append(f"hours: no service hours for role {role!r}")
            if role not in {"duty_manager"} and not any(s.role == role for s in values["staff"]):
                problems.append(f"staff: nobody has role {role!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return values

    # --- lookups ---------------------------------------------------------------
    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def staff_by_id(self, staff_id: str) -> Staff | None:
        return next((s for s in self.staff if s.id == staff_id), None)

    def owner_by_id(self, owner_id: str) -> Owner | None:
        return next((o for o in self.owners if o.id == owner_id), None)

    def owners_in_unit(self, unit: str) -> list[Owner]:
        return [o for o in self.owners if o.unit == unit]

    def district_of_unit(self, unit: str) -> District | None:
        match = _UNIT_RE.match(unit or "")
        if not match:
            return None
        building = int(match.group(1))
        return next((d for d in self.districts if building in d.buildings), None)

    def role_in_service(self, role: str, moment: datetime) -> bool:
        hours = self.hours.get(role)  # type: ignore[call-overload]
        return True if hours is None else hours.covers(self.local(moment), tuple(self.summer_months))


def _unique(problems: list[str], what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            problems.append(f"duplicate {what} {item!r}")
        seen.add(item)


def _district(values: dict[str, Any], building: int) -> District:
    return next(d for d in values["districts"] if building in d.buildings)


def load_estate(path: Path) -> EstateConfig:
    """Read and validate an estate file.

    :raises ConfigError: unreadable YAML or invalid content; the message lists every problem
        with its location in the file.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"cannot read estate file {path}: {err.strerror}") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path} is not valid YAML: {err}") from err
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the estate file must be a mapping at the top level")
    try:
        return EstateConfig.parse_obj(raw)
    except ValidationError as err:
        lines = []
        for problem in err.errors():
            where = ".".join(str(p) for p in problem["loc"] if p != "__root__")
            lines.append(f"  - {where + ': ' if where else ''}{problem['msg']}")
        raise ConfigError(f"{path} has {len(lines)} problem(s):\n" + "\n".join(lines)) from err
