"""Face enrolment with consent, erasure, and the gallery the hub matches against.

Privacy (DESIGN.md, PIPL art. 28–29): enrolment needs a separate consent record
(who recorded it, when, purpose "greeting"); only the 128-d embedding is kept
unless the owner allowed keeping the photo; ``forget_owner`` erases embeddings,
photos and identification history in one go and leaves an audit row with counts
only. Functions here add rows to the caller's session; the caller commits.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assistant.errors import BadRequest, NotFound
from assistant.models import FaceConsent, FaceEmbedding, FaceErasure, FaceIdentification, HubEvent, Owner

_LOGGER = logging.getLogger(__name__)

PURPOSE = "greeting"
MAX_PHOTOS = 10
MAX_PHOTO_BYTES = 8 * 1024 * 1024


class FaceRejected(BadRequest):
    """An enrolment photo was refused; ``zh``/``en`` say why, ``photo`` names it."""

    code = "photo-rejected"

    def __init__(self, photo: str, code: str, zh: str, en: str) -> None:
        super().__init__(f"{photo}: {zh} / {en}", code=code)
        self.photo, self.zh, self.en = photo, zh, en


@dataclass(frozen=True, slots=True)
class Photo:
    """An uploaded or file photo: a name for messages and its encoded bytes (JPEG/PNG)."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Enrolment:
    owner_id: str
    consent_id: int
    embeddings: int
    photos_kept: int


def photo_dir(var_dir: Path, owner_id: str) -> Path:
    """Where an owner's kept photos live (only if they allowed it)."""
    return var_dir / "faces" / owner_id


def _check_photos(photos: list[Photo]) -> list[tuple[Photo, np.ndarray, int]]:
    """Embed every photo or refuse the lot, naming the first bad photo and why."""
    from vision.errors import FrameSourceError, PhotoRejected
    from vision.faces import check_enrolment_photo
    from vision.frames import decode_image

    if not photos:
        raise BadRequest("至少需要一张照片 / at least one photo is required", code="no-photo")
    if len(photos) > MAX_PHOTOS:
        raise BadRequest(f"最多{MAX_PHOTOS}张照片 / at most {MAX_PHOTOS} photos", code="too-many-photos")
    out = []
    for photo in photos:
        if len(photo.data) > MAX_PHOTO_BYTES:
            raise FaceRejected(photo.name, "photo-too-large", "照片文件太大（最大8MB）", "the file is over 8 MB")
        try:
            face = check_enrolment_photo(decode_image(photo.data))
        except PhotoRejected as err:
            raise FaceRejected(photo.name, err.code, err.zh, err.en) from err
        except FrameSourceError as err:
            raise FaceRejected(photo.name, "bad-image", "无法识别的图片格式，请用JPEG或PNG",
                               "not an image; use JPEG or PNG") from err
        out.append((photo, face.embedding, face.box.width))
    return out


def enroll_owner(db: Session, owner_id: str, photos: list[Photo], recorded_by: str, actor: str, now: datetime,
                 var_dir: Path, keep_photo: bool = False) -> Enrolment:
    """Record consent and enrol the owner's face from ``photos`` (all checked before anything is written).

    :raise NotFound: no such owner.
    :raise BadRequest: no consent recorder named, no photos.
    :raise FaceRejected: a photo with no face, several faces, a face too small or blurred.
    """
    owner = db.get(Owner, owner_id)
    if owner is None:
        raise NotFound(f"没有这位业主 / no owner {owner_id!r}", code="unknown-owner")
    recorded_by = (recorded_by or "").strip()
    if not recorded_by:
        raise BadRequest("必须记录由谁取得业主同意 / consent is required: say who recorded it (--consent)",
                         code="consent-required")
    checked = _check_photos(photos)
    consent = FaceConsent(owner_id=owner.id, purpose=PURPOSE, recorded_by=recorded_by[:120], actor=actor,
                          keep_photo=keep_photo, given_at=now)
    db.add(consent)
    db.flush()
    kept = 0
    for photo, embedding, face_px in checked:
        path = None
        if keep_photo:
            folder = photo_dir(var_dir, owner.id)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{uuid.uuid4().hex}{Path(photo.name).suffix.lower() or '.jpg'}"
            path.write_bytes(photo.data)
            path.chmod(0o600)
            kept += 1
        db.add(FaceEmbedding(owner_id=owner.id, consent_id=consent.id, vector=[round(float(v), 6) for v in embedding],
                             photo_path=str(path) if path else None, face_px=face_px, created_at=now))
    _LOGGER.info("face enrolment: owner %s, %d embedding(s), %d photo(s) kept, consent recorded by %r (%s)",
                 owner.id, len(checked), kept, recorded_by, actor)
    return Enrolment(owner.id, consent.id, len(checked), kept)


def forget_owner(db: Session, owner_id: str, actor: str, now: datetime, var_dir: Path) -> FaceErasure:
    """Erase every piece of the owner's biometric data; keep an audit row with counts only.

    Embeddings, kept photos, identification history and ``owner.arrived`` stream
    events go; consent records stay (they are the legal record) marked withdrawn.

    :raise NotFound: no such owner.
    """
    if db.get(Owner, owner_id) is None:
        raise NotFound(f"没有这位业主 / no owner {owner_id!r}", code="unknown-owner")
    rows = db.scalars(select(FaceEmbedding).where(FaceEmbedding.owner_id == owner_id)).all()
    photos = 0
    for row in rows:
        if row.photo_path:
            Path(row.photo_path).unlink(missing_ok=True)
            photos += 1
    shutil.rmtree(photo_dir(var_dir, owner_id), ignore_errors=True)
    embeddings = db.execute(delete(FaceEmbedding).where(FaceEmbedding.owner_id == owner_id)).rowcount
    identifications = db.execute(delete(FaceIdentification).where(FaceIdentification.owner_id == owner_id)).rowcount
    for event in db.scalars(select(HubEvent).where(HubEvent.type == "owner.arrived")):
        if event.data.get("owner_id") == owner_id:
            db.delete(event)
    for consent in db.scalars(select(FaceConsent).where(FaceConsent.owner_id == owner_id,
                                                        FaceConsent.withdrawn_at.is_(None))):
        consent.withdrawn_at = now
    erasure = FaceErasure(owner_id=owner_id, actor=actor, embeddings=embeddings or 0, photos=photos,
                          identifications=identifications or 0, at=now)
    db.add(erasure)
    _LOGGER.warning("face data erased: owner %s by %s (%d embeddings, %d photos, %d identifications)",
                    owner_id, actor, erasure.embeddings, photos, erasure.identifications)
    return erasure


@dataclass(frozen=True, slots=True)
class FaceStatus:
    """What the console shows: consent state and how many embeddings are enrolled."""

    consent: FaceConsent | None
    embeddings: int
    photos: int
    erased_at: datetime | None


def face_status(db: Session, owner_id: str) -> FaceStatus:
    consent = db.scalars(select(FaceConsent).where(FaceConsent.owner_id == owner_id)
                         .order_by(FaceConsent.id.desc()).limit(1)).first()
    embeddings = db.scalar(select(func.count()).select_from(FaceEmbedding)
                           .where(FaceEmbedding.owner_id == owner_id)) or 0
    photos = db.scalar(select(func.count()).select_from(FaceEmbedding)
                       .where(FaceEmbedding.owner_id == owner_id, FaceEmbedding.photo_path.is_not(None))) or 0
    erased = db.scalar(select(func.max(FaceErasure.at)).where(FaceErasure.owner_id == owner_id))
    return FaceStatus(consent, embeddings, photos, erased)


_gallery_cache: dict[str, tuple[tuple, object]] = {}
_gallery_lock = threading.Lock()


def load_gallery(db: Session):
    """Embeddings of every owner whose consent is still active, as a ``vision.matching.Gallery``.

    A kiosk asks several times a second while someone stands in front of it, so
    the gallery is rebuilt only when what it holds may have changed. Consent rows
    are never deleted and every enrolment or erasure adds or withdraws one, so
    their newest id and withdrawn count, with the embeddings' count and newest id,
    tell in one cheap query, also for a second hub on the same database.
    """
    active = FaceConsent.withdrawn_at.is_(None)
    embeddings = db.execute(select(func.count(), func.max(FaceEmbedding.id))
                            .join(FaceConsent, FaceConsent.id == FaceEmbedding.consent_id).where(active)).one()
    consents = db.execute(select(func.max(FaceConsent.id), func.count(FaceConsent.withdrawn_at))).one()
    version = (*embeddings, *consents)
    database = str(db.get_bind().url)
    with _gallery_lock:
        cached = _gallery_cache.get(database)
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = db.execute(select(FaceEmbedding.owner_id, FaceEmbedding.vector)
                      .join(FaceConsent, FaceConsent.id == FaceEmbedding.consent_id).where(active)).all()
    gallery = _build_gallery(rows)
    with _gallery_lock:
        _gallery_cache[database] = (version, gallery)
    return gallery


def _build_gallery(rows):
    from vision.matching import Gallery

    by_owner: dict[str, list[np.ndarray]] = {}
    for owner_id, vector in rows:
        by_owner.setdefault(owner_id, []).append(np.asarray(vector, dtype=np.float32))
    return Gallery(by_owner)
