"""The owner page's face card: upload with consent, refusals shown, erase; login, remit and CSRF enforced."""

from __future__ import annotations

import io
import re

from tests.faces_support import faces_dir

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
OWNER = "/console/owners/o-zhang-wei"


def _login(client, staff_id: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    answer = client.post("/login", data={"staff_id": staff_id, "password": "demo", "csrf_token": token})
    assert answer.status_code == 302


def _token(client) -> str:
    page = client.get(OWNER).get_data(as_text=True)
    return CSRF_RE.search(page).group(1)


def _files(*relative: str) -> list[tuple[io.BytesIO, str]]:
    return [(io.BytesIO((faces_dir() / r).read_bytes()), r.replace("/", "_")) for r in relative]


def test_console_enrol_refuse_and_forget(client) -> None:
    assert client.post(f"{OWNER}/faces").status_code in (302, 400)  # anonymous: login (or CSRF) first
    _login(client, "s-liuxin")  # the owner's butler
    page = client.get(OWNER).get_data(as_text=True)
    assert 'id="face-enrol"' in page and 'name="consent_by"' in page and 'name="keep_photo"' in page
    assert '<dd id="face-embeddings">0</dd>' in page and "未同意" in page
    token = _token(client)

    no_csrf = client.post(f"{OWNER}/faces", data={"consent_by": "林娜", "photos": _files("gallery/jackie_chan/1.jpg")},
                          content_type="multipart/form-data")
    assert no_csrf.status_code == 400

    refused = client.post(f"{OWNER}/faces", data={"csrf_token": token, "consent_by": "林娜",
                                                  "photos": _files("multi/2.jpg")},
                          content_type="multipart/form-data", follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert "张人脸" in text and "faces" in text and '<dd id="face-embeddings">0</dd>' in text

    no_consent = client.post(f"{OWNER}/faces", data={"csrf_token": token, "consent_by": " ",
                                                     "photos": _files("gallery/jackie_chan/1.jpg")},
                             content_type="multipart/form-data", follow_redirects=True)
    assert "consent is required" in no_consent.get_data(as_text=True)

    photos = _files("gallery/jackie_chan/1.jpg", "gallery/jackie_chan/2.jpg")
    done = client.post(f"{OWNER}/faces", data={"csrf_token": token, "consent_by": "林娜（前台），书面同意",
                                               "photos": photos},
                       content_type="multipart/form-data", follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "已登记 2 张照片" in text
    assert '<dd id="face-embeddings">2</dd>' in text and '<dd id="face-photos">0</dd>' in text
    assert "林娜（前台），书面同意" in text and 'id="face-forget"' in text

    erased = client.post(f"{OWNER}/faces/forget", data={"csrf_token": token}, follow_redirects=True)
    text = erased.get_data(as_text=True)
    assert "已删除该业主的全部人脸数据" in text and '<dd id="face-embeddings">0</dd>' in text and "已撤回" in text


def test_staff_outside_the_owners_remit_cannot_enrol(client) -> None:
    _login(client, "s-zhaolei")  # west butler; o-zhang-wei lives in the east
    page = client.get("/console/owners/o-sun-deming").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    response = client.post(f"{OWNER}/faces", data={"csrf_token": token, "consent_by": "x",
                                                   "photos": _files("gallery/jackie_chan/1.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    assert client.post(f"{OWNER}/faces/forget", data={"csrf_token": token}).status_code == 403
