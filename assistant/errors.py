"""One error family for the hub; the web layer turns it into ``{"error": {...}}``."""

from __future__ import annotations


class GuanjiaError(Exception):
    """Base error with a machine-readable code and a message for people."""

    http_status = 400
    code = "error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def to_dict(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


class BadRequest(GuanjiaError):
    http_status = 400
    code = "bad-request"


class Unauthorized(GuanjiaError):
    http_status = 401
    code = "unauthorized"


class Forbidden(GuanjiaError):
    http_status = 403
    code = "forbidden"


class NotFound(GuanjiaError):
    http_status = 404
    code = "not-found"


class Conflict(GuanjiaError):
    http_status = 409
    code = "conflict"


class ServiceUnavailable(GuanjiaError):
    http_status = 503
    code = "unavailable"


class ModelMissing(GuanjiaError):
    """A model file the hub or device needs is not on disk; the message names the fix."""

    http_status = 503
    code = "model-missing"


class ConfigError(GuanjiaError):
    """The estate file or settings are invalid."""

    code = "config-invalid"
