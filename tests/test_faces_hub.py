"""Faces on the hub: enrolment with consent, refusals, the faces API, cooldown, events, erasure."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from sqlalchemy import select, text

from assistant.db import session_scope
from assistant.faces import Photo, enroll_owner, forget_owner
from assistant.models import Base, FaceConsent, FaceEmbedding, FaceErasure, FaceIdentification, HubEvent
from tests.faces_support import embedding_of, faces_dir, photo

ZHANG = ("o-zhang-wei", "gallery/jackie_chan/1.jpg", "gallery/jackie_chan/2.jpg")
SMITH = ("o-smith-john", "gallery/george_clooney/1.jpg", "gallery/george_clooney/2.jpg")


def _enrol(hub, owner_id: str, *photos: str, keep_photo: bool = False, consent: str = "林娜 (front desk), signed form"):
    services = hub.services
    with session_scope(services.sessions) as db:
        return enroll_owner(db, owner_id, [photo(p) for p in photos], consent, "test", hub.clock.now_utc(),
                            services.settings.var_dir, keep_photo=keep_photo)


def _post_face(hub, embedding, device: str = "lobby-1", **extra):
    body = {"embedding": [float(v) for v in embedding], **extra}
    return hub.client.post(f"/api/v1/devices/{device}/faces", json=body,
                           headers={"Authorization": f"Bearer {hub.tokens[device]}"})


def _encoded(image: np.ndarray, name: str = "made.jpg") -> Photo:
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return Photo(name, data.tobytes())


def test_enrolled_owner_is_greeted_once_per_cooldown(hub) -> None:
    _enrol(hub, *ZHANG)
    _enrol(hub, *SMITH)
    first = _post_face(hub, embedding_of("probes/jackie_chan/2.jpg"))
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["owner"] == {"id": "o-zhang-wei", "name": "张伟"}
    assert 0 < body["distance"] < 0.5
    assert body["greeting"] == {"text": "张先生，早上好，欢迎回家。", "lang": "zh"}  # 10:00 in Shanghai
    again = _post_face(hub, embedding_of("probes/jackie_chan/2.jpg")).get_json()
    assert again["owner"]["id"] == "o-zhang-wei" and again["greeting"] is None  # hub cooldown
    hub.clock.advance(601)
    assert _post_face(hub, embedding_of("probes/jackie_chan/2.jpg")).get_json()["greeting"] is not None
    english = _post_face(hub, embedding_of("probes/george_clooney/1.jpg")).get_json()
    assert english["owner"]["id"] == "o-smith-john"
    assert english["greeting"]["text"].startswith("Good morning, Mr Smith. Welcome home.")
    with session_scope(hub.services.sessions) as db:
        logged = db.scalars(select(FaceIdentification).order_by(FaceIdentification.id)).all()
        arrivals = db.scalars(select(HubEvent).where(HubEvent.type == "owner.arrived")).all()
    assert [(r.owner_id, r.greeted) for r in logged] == [("o-zhang-wei", True), ("o-zhang-wei", False),
                                                          ("o-zhang-wei", True), ("o-smith-john", True)]
    assert all(r.device_id == "lobby-1" and r.distance is not None and r.at is not None for r in logged)
    assert len(arrivals) == 3
    assert arrivals[0].data["butler_id"] == "s-liuxin" and arrivals[0].data["device_id"] == "lobby-1"
    assert "embedding" not in json.dumps(arrivals[0].data) and "distance" not in arrivals[0].data


def test_lookup_without_greeting_for_voting(hub) -> None:
    """The kiosk votes over frames with ``greet: false``; only its final call greets."""
    _enrol(hub, *ZHANG)
    quiet = _post_face(hub, embedding_of("probes/jackie_chan/1.jpg"), greet=False).get_json()
    assert quiet["owner"]["id"] == "o-zhang-wei" and quiet["greeting"] is None
    assert _post_face(hub, embedding_of("probes/jackie_chan/1.jpg")).get_json()["greeting"] is not None


def test_strangers_stay_unknown_and_are_not_stored(hub) -> None:
    _enrol(hub, *ZHANG)
    _enrol(hub, *SMITH)
    for n in (1, 2, 3, 4, 5):
        body = _post_face(hub, embedding_of(f"strangers/{n}.jpg")).get_json()
        assert body["owner"] is None and body["greeting"] is None
    with session_scope(hub.services.sessions) as db:
        unknown = db.scalars(select(FaceIdentification).where(FaceIdentification.owner_id.is_(None))).all()
        assert len(unknown) == 5 and {r.outcome for r in unknown} <= {"too-far", "ambiguous"}
        assert db.scalar(select(text("count(*)")).select_from(FaceEmbedding)) == 4  # only the enrolled


def test_empty_gallery_answers_unknown(hub) -> None:
    body = _post_face(hub, embedding_of("probes/jackie_chan/1.jpg")).get_json()
    assert body == {"owner": None, "distance": None, "greeting": None}


@pytest.mark.parametrize(("relative", "code", "zh", "en"), [
    ("multi/1.jpg", "several-faces", "张人脸", "faces"),
])
def test_photo_with_two_faces_is_refused(hub, relative, code, zh, en) -> None:
    from assistant.faces import FaceRejected

    with pytest.raises(FaceRejected) as err:
        _enrol(hub, "o-zhang-wei", relative)
    assert err.value.code == code and zh in err.value.message and en in err.value.message
    assert err.value.message.startswith("1.jpg: 照片中有")  # Mandarin first, naming the photo


def test_no_face_small_face_and_blurred_photos_are_refused(hub) -> None:
    from assistant.faces import FaceRejected

    image = cv2.imread(str(faces_dir() / "gallery/jackie_chan/1.jpg"))
    landscape = np.full((480, 640, 3), 90, np.uint8)
    cv2.rectangle(landscape, (100, 100), (300, 400), (30, 160, 30), -1)
    from vision.faces import ENROL_MIN_FACE_PX, detect_faces

    scale = 60 / detect_faces(image)[0].width  # found (the detector sees ~40 px), but under the enrolment minimum
    assert ENROL_MIN_FACE_PX > 60
    shrunk = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = np.full((480, 640, 3), 128, np.uint8)
    small[:shrunk.shape[0], :shrunk.shape[1]] = shrunk[:480, :640]
    large = cv2.imread(str(faces_dir() / "gallery/george_clooney/1.jpg"))  # a 357 px face, still found
    blurred = cv2.GaussianBlur(large, (0, 0), 8)
    services = hub.services
    for made, code, zh in ((landscape, "no-face", "没有检测到人脸"), (small, "face-too-small", "人脸太小"),
                           (blurred, "face-blurred", "人脸太模糊")):
        with session_scope(services.sessions) as db, pytest.raises(FaceRejected) as err:
            enroll_owner(db, "o-zhang-wei", [_encoded(made)], "林娜", "test", hub.clock.now_utc(),
                         services.settings.var_dir)
        assert err.value.code == code and zh in err.value.message, err.value.message
    with session_scope(services.sessions) as db:  # nothing half-written
        assert db.scalars(select(FaceConsent)).all() == [] and db.scalars(select(FaceEmbedding)).all() == []


def test_consent_is_required(hub) -> None:
    from assistant.errors import BadRequest

    with pytest.raises(BadRequest) as err:
        _enrol(hub, "o-zhang-wei", ZHANG[1], consent="  ")
    assert err.value.code == "consent-required"


def test_enrolment_keeps_embeddings_only_unless_photo_allowed(hub) -> None:
    _enrol(hub, *ZHANG)
    faces_root = hub.services.settings.var_dir / "faces"
    assert not faces_root.exists()
    _enrol(hub, *SMITH, keep_photo=True)
    kept = list((faces_root / "o-smith-john").iterdir())
    assert len(kept) == 2
    with session_scope(hub.services.sessions) as db:
        consent = db.scalars(select(FaceConsent).where(FaceConsent.owner_id == "o-smith-john")).one()
        assert consent.purpose == "greeting" and consent.recorded_by.startswith("林娜") and consent.keep_photo
        assert consent.given_at is not None and consent.withdrawn_at is None


def test_forget_removes_every_trace(hub) -> None:
    _enrol(hub, *ZHANG, keep_photo=True)
    _enrol(hub, *SMITH)
    probe = embedding_of("probes/jackie_chan/1.jpg")
    assert _post_face(hub, probe).get_json()["owner"]["id"] == "o-zhang-wei"
    with session_scope(hub.services.sessions) as db:
        vector = db.scalars(select(FaceEmbedding).where(FaceEmbedding.owner_id == "o-zhang-wei")).first().vector
        erasure = forget_owner(db, "o-zhang-wei", "staff:s-gaoyuan", hub.clock.now_utc(),
                               hub.services.settings.var_dir)
        assert (erasure.embeddings, erasure.photos, erasure.identifications) == (2, 2, 1)
    assert not (hub.services.settings.var_dir / "faces" / "o-zhang-wei").exists()
    needles = [repr(round(v, 6)) for v in vector[:8]]
    with session_scope(hub.services.sessions) as db:
        for table in Base.metadata.sorted_tables:
            for row in db.execute(table.select()).mappings():
                dumped = json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False)
                assert not any(n in dumped for n in needles), f"embedding values left in {table.name}"
                if table.name in {"face_embeddings", "face_identifications"}:
                    assert row["owner_id"] != "o-zhang-wei", table.name
                if table.name == "hub_events" and row["type"] == "owner.arrived":
                    assert "o-zhang-wei" not in dumped
        consent = db.scalars(select(FaceConsent).where(FaceConsent.owner_id == "o-zhang-wei")).one()
        assert consent.withdrawn_at is not None
        audit = db.scalars(select(FaceErasure)).one()
        assert audit.owner_id == "o-zhang-wei" and audit.actor == "staff:s-gaoyuan"
        assert db.scalars(select(FaceEmbedding)).all() and all(  # other owners untouched
            r.owner_id == "o-smith-john" for r in db.scalars(select(FaceEmbedding)))
    after = _post_face(hub, probe).get_json()
    assert after["owner"] is None


def test_the_cached_gallery_follows_erasure_and_reenrolment(hub) -> None:
    """Same number of embeddings, reused row ids: the hub must still see who is enrolled now."""
    probe = embedding_of("probes/jackie_chan/1.jpg")
    _enrol(hub, *ZHANG)
    assert _post_face(hub, probe).get_json()["owner"]["id"] == "o-zhang-wei"
    with session_scope(hub.services.sessions) as db:
        forget_owner(db, "o-zhang-wei", "staff:s-gaoyuan", hub.clock.now_utc(), hub.services.settings.var_dir)
    _enrol(hub, "o-smith-john", *ZHANG[1:])  # the same two photos, now filed under another owner
    assert _post_face(hub, probe).get_json()["owner"]["id"] == "o-smith-john"


@pytest.mark.parametrize(("body", "code"), [
    ('{"embedding": "0.1,0.2"}', "bad-embedding"), ('{"embedding": [0.1, 0.2]}', "bad-embedding"),
    ('{"embedding": [' + ", ".join(["NaN"] + ["0.0"] * 127) + "]}", "bad-embedding"),
    ('{"embedding": [' + ", ".join(['"x"'] + ["0.0"] * 127) + "]}", "bad-embedding"),
    ('{"embedding": [' + ", ".join(["1e9"] + ["0.0"] * 127) + "]}", "bad-embedding"),
    ("{}", "missing-field"), ("[1]", "bad-json"), ("{oops", "bad-json"),
])
def test_bad_face_input_is_a_400(hub, body, code) -> None:
    response = hub.client.post("/api/v1/devices/lobby-1/faces", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {hub.tokens['lobby-1']}"})
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["code"] == code


def test_face_api_needs_the_device_token(hub) -> None:
    body = {"embedding": [0.0] * 128}
    assert hub.client.post("/api/v1/devices/lobby-1/faces", json=body).status_code == 401
    nope = hub.client.post("/api/v1/devices/lobby-1/faces", json=body, headers={"Authorization": "Bearer nope"})
    assert nope.status_code == 401 and nope.get_json()["error"]["code"] == "unauthorized"
    other = hub.client.post("/api/v1/devices/ghost/faces", json=body,
                            headers={"Authorization": f"Bearer {hub.tokens['lobby-1']}"})
    assert other.status_code == 403


def test_parcels_api_and_greeting(hub) -> None:
    staff = hub.staff_headers("s-linna")
    assert hub.client.post("/api/v1/parcels", json={"owner_id": "o-zhang-wei"}).status_code == 401
    ids = []
    for carrier in ("顺丰", "京东"):
        made = hub.client.post("/api/v1/parcels", json={"owner_id": "o-zhang-wei", "carrier": carrier}, headers=staff)
        assert made.status_code == 201, made.get_json()
        ids.append(made.get_json()["id"])
    assert hub.client.post("/api/v1/parcels", json={}, headers=staff).status_code == 400
    assert hub.client.post("/api/v1/parcels", json={"owner_id": "o-nobody"}, headers=staff).status_code == 400
    _enrol(hub, *ZHANG)
    text_ = _post_face(hub, embedding_of("probes/jackie_chan/1.jpg")).get_json()["greeting"]["text"]
    assert text_ == "张先生，早上好，欢迎回家。您有两个快递在前台。"
    assert hub.client.post(f"/api/v1/parcels/{ids[0]}/collect", headers=staff).get_json()["status"] == "collected"
    assert hub.client.post(f"/api/v1/parcels/{ids[0]}/collect", headers=staff).status_code == 409
    assert hub.client.post("/api/v1/parcels/9999/collect", headers=staff).status_code == 404
    waiting = hub.client.get("/api/v1/parcels?status=waiting&owner_id=o-zhang-wei", headers=staff).get_json()
    assert [p["id"] for p in waiting["parcels"]] == [ids[1]]
    hub.clock.advance(601)
    again = _post_face(hub, embedding_of("probes/jackie_chan/1.jpg")).get_json()["greeting"]["text"]
    assert again.endswith("您有一个快递在前台。")


def test_repair_news_in_the_greeting(hub) -> None:
    _, done = hub.conversation("panel-3-1201", "空调坏了", "对")
    assert done["request"] is not None
    rid = done["request"]["id"]
    staff = hub.staff_headers("s-lishifu")
    assert hub.client.post(f"/api/v1/requests/{rid}/start", headers=staff).status_code == 200
    _enrol(hub, "o-wang-jianguo", *ZHANG[1:])
    with session_scope(hub.services.sessions) as db:
        from assistant.models import ServiceRequest

        req = db.get(ServiceRequest, rid)
        req.owner_id = "o-wang-jianguo"  # the panel conversation may not name the speaker
    greeting = _post_face(hub, embedding_of("probes/jackie_chan/1.jpg")).get_json()["greeting"]["text"]
    assert greeting.startswith("王老，早上好，欢迎回家。") and "师傅已经在路上。" in greeting


def test_arrivals_go_to_the_owners_butler_and_the_front_desk() -> None:
    from assistant.visibility import staff_can_see_arrival

    data = {"owner_id": "o-zhang-wei", "butler_id": "s-liuxin", "device_id": "lobby-1"}
    assert staff_can_see_arrival("butler", "s-liuxin", data)
    assert staff_can_see_arrival("concierge", "s-linna", data)
    assert staff_can_see_arrival("duty_manager", "s-sunli", data)
    assert not staff_can_see_arrival("butler", "s-zhaolei", data)
    assert not staff_can_see_arrival("engineering", "s-lishifu", data)
