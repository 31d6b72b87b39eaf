"""Database models (SQLAlchemy 2 typed ORM).

Nothing is ever deleted: a request changes through events, each a row with who
and when. Times are stored as UTC and come back timezone-aware.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from typing import Annotated, Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite as well as PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


intpk = Annotated[int, mapped_column(primary_key=True, autoincrement=True)]
strpk = Annotated[str, mapped_column(String(64), primary_key=True)]
utc = Annotated[datetime, mapped_column(UTCDateTime())]
utc_opt = Annotated[datetime | None, mapped_column(UTCDateTime(), nullable=True)]


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, list[str]: JSON}


class RequestStatus(str, enum.Enum):
    NEW = "new"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.ASSIGNED, RequestStatus.ACKNOWLEDGED,
                 RequestStatus.IN_PROGRESS)
UNACKNOWLEDGED = (RequestStatus.NEW, RequestStatus.ASSIGNED)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[strpk]
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80), default="")
    role: Mapped[str] = mapped_column(String(32), index=True)
    district: Mapped[str | None] = mapped_column(String(32))
    gender: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str] = mapped_column(String(32), default="")
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    origin: Mapped[str | None] = mapped_column(String(16))  # None: the estate file; "cli": `guanjia staff add`

    def __repr__(self) -> str:
        return f"Staff({self.id!r}, {self.role})"


class Owner(Base):
    __tablename__ = "owners"

    id: Mapped[strpk]
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80), default="")
    honorific: Mapped[str] = mapped_column(String(8))
    unit: Mapped[str] = mapped_column(String(16), index=True)
    district: Mapped[str] = mapped_column(String(32), index=True)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    birthday: Mapped[date | None]
    elderly: Mapped[bool] = mapped_column(default=False)
    butler_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    vehicles: Mapped[list[str]] = mapped_column(default=list)
    family: Mapped[list[Any]] = mapped_column(default=list)

    def __repr__(self) -> str:
        return f"Owner({self.id!r}, {self.unit})"


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[strpk]
    kind: Mapped[str] = mapped_column(String(16))  # kiosk | panel
    unit: Mapped[str | None] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[utc]
    last_seen_at: Mapped[utc_opt]

    def __repr__(self) -> str:
        return f"Device({self.id!r}, {self.kind})"


class StaffToken(Base):
    __tablename__ = "staff_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[utc]
    label: Mapped[str] = mapped_column(String(80), default="")


class ServiceRequest(Base):
    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_due", "status", "ack_deadline"),)

    id: Mapped[intpk]
    category: Mapped[str] = mapped_column(String(32), index=True)
    priority: Mapped[str] = mapped_column(String(16))  # emergency | repair | normal
    status: Mapped[RequestStatus] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    entities: Mapped[list[Any]] = mapped_column(default=list)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("owners.id"), index=True)
    unit: Mapped[str | None] = mapped_column(String(16), index=True)
    district: Mapped[str | None] = mapped_column(String(32), index=True)
    device_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="voice")  # voice | touch | text | console
    assignee_role: Mapped[str] = mapped_column(String(32), index=True)
    assignee_staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), index=True)
    assignee_name: Mapped[str | None] = mapped_column(String(80))
    also_notified: Mapped[list[Any]] = mapped_column(default=list)
    escalation_level: Mapped[int] = mapped_column(default=0)
    ack_deadline: Mapped[utc_opt]
    created_at: Mapped[utc]
    updated_at: Mapped[utc]
    acknowledged_at: Mapped[utc_opt]
    started_at: Mapped[utc_opt]  # en route
    on_site_at: Mapped[utc_opt]
    resolved_at: Mapped[utc_opt]
    closed_at: Mapped[utc_opt]
    cancelled_at: Mapped[utc_opt]
    rating: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    trace: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    events: Mapped[list[RequestEvent]] = relationship(back_populates="request", order_by="RequestEvent.id")

    def __repr__(self) -> str:
        return f"ServiceRequest({self.id}, {self.category}, {self.status.value})"


class RequestEvent(Base):
    __tablename__ = "request_events"

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(80))  # staff:<id> | device:<id> | owner:<id> | system
    at: Mapped[utc]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    request: Mapped[ServiceRequest] = relationship(back_populates="events")

    def __repr__(self) -> str:
        return f"RequestEvent({self.request_id}, {self.type})"


class HubEvent(Base):
    """The live stream (SSE). Ids are the stream's ``Last-Event-ID``, so clients resume."""

    __tablename__ = "hub_events"

    id: Mapped[intpk]
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[utc]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DialogueSession(Base):
    __tablename__ = "dialogue_sessions"

    id: Mapped[strpk]
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[utc]
    updated_at: Mapped[utc]


class Utterance(Base):
    """Every utterance and the answer given; ``client_id`` makes device retries idempotent."""

    __tablename__ = "utterances"
    __table_args__ = (UniqueConstraint("device_id", "client_id", name="uq_utterance_client_id"),)

    id: Mapped[intpk]
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str | None] = mapped_column(String(80))
    session_id: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float]
    request_id: Mapped[int | None]
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[utc]


class Announcement(Base):
    __tablename__ = "announcements"

    id: Mapped[intpk]
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str | None] = mapped_column(String(16))  # None: every panel
    author: Mapped[str] = mapped_column(String(80))
    at: Mapped[utc]


# --- faces and parcels (issue 6) ---------------------------------------------------------
# Face data is sensitive personal information (PIPL art. 28–29): embeddings only,
# a photo only when the owner allowed it, and ``guanjia faces forget`` erases them.


class FaceConsent(Base):
    """An owner's separate, recorded consent to face greeting; withdrawn, never deleted."""

    __tablename__ = "face_consents"

    id: Mapped[intpk]
    owner_id: Mapped[str] = mapped_column(ForeignKey("owners.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32), default="greeting")
    recorded_by: Mapped[str] = mapped_column(String(120))  # who took the consent (free text + actor)
    actor: Mapped[str] = mapped_column(String(80))  # staff:<id> | cli
    keep_photo: Mapped[bool] = mapped_column(default=False)
    given_at: Mapped[utc]
    withdrawn_at: Mapped[utc_opt]

    def __repr__(self) -> str:
        return f"FaceConsent({self.owner_id!r}, {'withdrawn' if self.withdrawn_at else 'active'})"


class FaceEmbedding(Base):
    """One enrolled 128-d embedding; ``photo_path`` only when the owner allowed keeping the photo."""

    __tablename__ = "face_embeddings"

    id: Mapped[intpk]
    owner_id: Mapped[str] = mapped_column(ForeignKey("owners.id"), index=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("face_consents.id"))
    vector: Mapped[list[Any]] = mapped_column(JSON)
    photo_path: Mapped[str | None] = mapped_column(String(255))
    face_px: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[utc]


class FaceIdentification(Base):
    """Every lookup from a device: who (or nobody), where, when, how close. Never the face itself."""

    __tablename__ = "face_identifications"

    id: Mapped[intpk]
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    distance: Mapped[float | None]
    outcome: Mapped[str] = mapped_column(String(16))  # match | too-far | ambiguous | empty-gallery
    greeted: Mapped[bool] = mapped_column(default=False)
    at: Mapped[utc]


class FaceErasure(Base):
    """Audit row: an owner's biometric data was erased (counts only, no biometric content)."""

    __tablename__ = "face_erasures"

    id: Mapped[intpk]
    owner_id: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    embeddings: Mapped[int] = mapped_column(default=0)
    photos: Mapped[int] = mapped_column(default=0)
    identifications: Mapped[int] = mapped_column(default=0)
    at: Mapped[utc]


class Parcel(Base):
    """A parcel held at the front desk until the owner collects it."""

    __tablename__ = "parcels"

    id: Mapped[intpk]
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("owners.id"), index=True)
    unit: Mapped[str] = mapped_column(String(16), index=True)
    carrier: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    logged_by: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[utc]
    collected_at: Mapped[utc_opt]
    collected_by: Mapped[str | None] = mapped_column(String(80))

    def __repr__(self) -> str:
        return f"Parcel({self.id}, {self.unit}, {'collected' if self.collected_at else 'waiting'})"
