"""Console routes for an owner's face data: enrol from uploaded photos (with consent), or forget.

The owner page includes ``console/_owner_faces.html``; these POST routes live
under ``/console/owners/<id>/faces`` and need a logged-in staff member allowed
to open that owner (the console's ``get_visible_owner``: 404/403 otherwise).
Forms carry the CSRF token. Results come back as a flashed message, Mandarin
first, then English.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for

from assistant.db import get_session
from assistant.faces import MAX_PHOTO_BYTES, MAX_PHOTOS, Photo, enroll_owner, face_status, forget_owner
from assistant.services import get_services
from assistant.web.auth_views import login_required
from assistant.web.console import get_visible_owner

bp = Blueprint("faces_console", __name__, url_prefix="/console/owners")

MAX_UPLOAD_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES // 4 + 64 * 1024  # a few large photos per upload

FACE_TEXT = {
    "zh": {"title": "人脸问候", "consent": "同意状态", "active": "已同意（{who}，{when}）", "withdrawn": "已撤回",
           "none": "未同意，未登记人脸", "embeddings": "已登记人脸特征", "photos": "保存的照片",
           "photos_label": "照片（只含业主本人，正脸，清晰）", "consent_by": "同意由谁记录（必填）",
           "keep_photo": "业主同意保存照片（默认只保存人脸特征）", "enrol": "登记人脸", "forget": "删除全部人脸数据",
           "forget_confirm": "确定删除该业主的全部人脸数据吗？", "erased": "人脸数据已删除于 {when}",
           "enrolled": "已登记 {n} 张照片的人脸特征。", "forgotten": "已删除该业主的全部人脸数据。",
           "purpose": "用途：大堂问候"},
    "en": {"title": "Face greeting", "consent": "Consent", "active": "given ({who}, {when})", "withdrawn": "withdrawn",
           "none": "no consent, no face enrolled", "embeddings": "Enrolled face embeddings", "photos": "Photos kept",
           "photos_label": "Photos (the owner alone, facing the camera, sharp)",
           "consent_by": "Consent recorded by (required)",
           "keep_photo": "Owner allows keeping the photo (default: embeddings only)", "enrol": "Enrol face",
           "forget": "Erase all face data", "forget_confirm": "Erase all of this owner's face data?",
           "erased": "face data erased at {when}", "enrolled": "Enrolled face embeddings from {n} photo(s).",
           "forgotten": "All of this owner's face data was erased.", "purpose": "Purpose: lobby greeting"},
}


@bp.app_template_global()
def owner_face_status(owner_id: str):
    """Consent state and embedding counts for the owner page's faces card."""
    return face_status(get_session(), owner_id)


@bp.app_template_global()
def face_words(lang: str) -> dict[str, Any]:
    return FACE_TEXT.get(lang, FACE_TEXT["zh"])


@bp.url_value_preprocessor
def _allow_photo_uploads(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Raise the app's 64 KB body limit (meant for JSON) for photo uploads.

    A URL-value preprocessor, because those run before every ``before_request``
    hook, and the CSRF check (an app-level hook) already reads the form.
    """
    request.max_content_length = MAX_UPLOAD_BYTES


@bp.post("/<owner_id>/faces")
@login_required
def enrol(owner_id: str):
    """Enrol from the uploaded photos; refused photos are named with the reason, and nothing is stored."""
    from assistant.errors import GuanjiaError

    owner = get_visible_owner(owner_id)
    services = get_services()
    db = get_session()
    photos = [Photo(f.filename or "photo.jpg", f.read()) for f in request.files.getlist("photos") if f.filename]
    try:
        result = enroll_owner(db, owner.id, photos, request.form.get("consent_by", ""), f"staff:{g.staff.id}",
                              services.clock.now_utc(), services.settings.var_dir,
                              keep_photo=request.form.get("keep_photo") in {"1", "on", "true"})
    except GuanjiaError as err:
        db.rollback()
        flash(err.message)
        return redirect(url_for("console.owner_page", owner_id=owner.id) + "#consent")
    db.commit()
    flash(" / ".join(FACE_TEXT[lang]["enrolled"].format(n=result.embeddings) for lang in ("zh", "en")))
    return redirect(url_for("console.owner_page", owner_id=owner.id) + "#consent")


@bp.post("/<owner_id>/faces/forget")
@login_required
def forget(owner_id: str):
    """Erase every piece of the owner's face data (audit row kept, without biometric content)."""
    owner = get_visible_owner(owner_id)
    services = get_services()
    db = get_session()
    forget_owner(db, owner.id, f"staff:{g.staff.id}", services.clock.now_utc(), services.settings.var_dir)
    db.commit()
    flash(" / ".join(FACE_TEXT[lang]["forgotten"] for lang in ("zh", "en")))
    return redirect(url_for("console.owner_page", owner_id=owner.id) + "#consent")
