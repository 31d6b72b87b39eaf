"""Request-body checks shared by the JSON endpoints; failures are 400s with a clear message."""

from __future__ import annotations

from typing import Any

from flask import request

from assistant.errors import BadRequest


def json_object() -> dict[str, Any]:
    """The request body as a JSON object.

    :raise BadRequest: the body is not JSON, or not an object.
    """
    body = request.get_json(force=True, silent=True)
    if body is None:
        raise BadRequest("the body must be JSON, e.g. {\"text\": \"...\"}", code="bad-json")
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", code="bad-json")
    return body


def text_field(body: dict[str, Any], name: str = "text", max_chars: int = 500) -> str:
    """A required, non-empty string of at most ``max_chars`` characters.

    :raise BadRequest: missing, wrong type, empty or too long.
    """
    if name not in body:
        raise BadRequest(f"'{name}' is required", code="missing-field")
    value = body[name]
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a string", code="wrong-type")
    if not value.strip():
        raise BadRequest(f"'{name}' is empty", code="empty-text")
    if len(value) > max_chars:
        raise BadRequest(f"'{name}' is longer than {max_chars} characters", code="text-too-long")
    return value


def optional_str(body: dict[str, Any], name: str, max_chars: int = 200) -> str | None:
    """An optional string field.

    :raise BadRequest: present but not a string, or too long.
    """
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a string", code="wrong-type")
    if len(value) > max_chars:
        raise BadRequest(f"'{name}' is longer than {max_chars} characters", code="too-long")
    return value
