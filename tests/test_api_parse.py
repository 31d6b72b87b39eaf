"""/healthz and /api/v1/parse through the Flask app (real model, real HTTP semantics)."""

from __future__ import annotations

import pytest


def test_healthz(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_parse_returns_the_design_shape(client) -> None:
    response = client.post("/api/v1/parse", json={"text": "我 家 卫生间 漏水 了"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["intent"]["name"] == "repair_request"
    assert body["text"] == "我家卫生间漏水了"
    assert isinstance(body["intent_ranking"], list)
    assert all(body["text"][e["start"]:e["end"]] for e in body["entities"])


@pytest.mark.parametrize(("text", "intent"), [("报修", "repair_request"), ("我要报修", "repair_request"),
                                            ("a repair please", "repair_request"), ("找管家", "call_butler")])
def test_a_bare_service_name_is_that_service_as_in_the_dialogue(client, text: str, intent: str) -> None:
    """The model reads the bare word 报修 as a complaint (it sits in status and complaint lines)."""
    body = client.post("/api/v1/parse", json={"text": text}).get_json()
    assert body["intent"]["name"] == intent and body["intent_ranking"][0]["name"] == intent


def test_a_longer_line_with_a_service_name_is_the_models(client) -> None:
    body = client.post("/api/v1/parse", json={"text": "我报修的空调怎么样了"}).get_json()
    assert body["intent"]["name"] == "request_status" and "rule" not in body["intent"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"data": "not json", "content_type": "application/json"}, "bad-json"),
        ({"data": "{\"text\": ", "content_type": "application/json"}, "bad-json"),
        ({"json": ["text"]}, "bad-json"),
        ({"json": {}}, "missing-field"),
        ({"json": {"text": ""}}, "empty-text"),
        ({"json": {"text": "   "}}, "empty-text"),
        ({"json": {"text": 42}}, "wrong-type"),
        ({"json": {"text": None}}, "wrong-type"),
        ({"json": {"text": ["a"]}}, "wrong-type"),
        ({"json": {"text": "修" * 501}}, "text-too-long"),
    ],
)
def test_bad_input_is_a_400_with_the_error_shape(client, kwargs, code) -> None:
    response = client.post("/api/v1/parse", **kwargs)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_text_of_exactly_500_characters_is_accepted(client) -> None:
    assert client.post("/api/v1/parse", json={"text": "修" * 500}).status_code == 200


def test_unknown_routes_and_methods_answer_in_json(client) -> None:
    assert client.get("/api/v1/nothing").get_json()["error"]["code"] == "not-found"
    response = client.get("/api/v1/parse")
    assert response.status_code == 405
    assert "error" in response.get_json()


def test_huge_body_is_refused(client) -> None:
    response = client.post("/api/v1/parse", data="x" * 200_000, content_type="application/json")
    assert response.status_code == 413
    assert "error" in response.get_json()
