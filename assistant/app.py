"""Application factory: ``create_app(settings)`` builds a ready hub.

The NLU model is loaded and warmed here, before the first request, so no
owner ever waits for a model to load; the database schema is created or
migrated, the estate's people are synced, and the escalation worker starts.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from assistant.config import Settings
from assistant.errors import GuanjiaError
from assistant.services import EXTENSION_KEY, Services, build_services

_LOGGER = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None, *, nlu=None, clock=None, estate=None) -> Flask:
    """Build the hub app.

    ``nlu``, ``clock`` and ``estate`` let tests and benchmarks share one loaded
    model, move time by hand, or use their own estate; otherwise the settings
    decide.
    """
    settings = (settings or Settings.from_env()).with_secret()
    app = Flask(__name__, instance_path=str(settings.var_dir / "instance"))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.json.ensure_ascii = False  # Chinese stays readable in responses
    services: Services = build_services(settings, nlu=nlu, clock=clock, estate=estate)
    app.extensions[EXTENSION_KEY] = services

    from assistant import db
    from assistant.web import api, events, health

    db.init_app(app, services.sessions)
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(events.bp)
    from assistant.web import ui

    ui.init_app(app)  # console, analysis, kiosk and panel screens (CSRF-protected)
    from assistant.web import faces_api, faces_views

    app.register_blueprint(faces_api.bp)  # faces and parcels JSON (bearer tokens, CSRF-exempt)
    app.register_blueprint(faces_views.bp)  # the owner page's face enrolment forms
    app.extensions["csrf"].exempt(faces_api.bp)
    _register_error_handlers(app)
    if settings.demo:
        from assistant.demo import seed_demo

        seed_demo(services)
    if settings.run_workers:
        services.escalator.start(settings.escalation_poll_s)
    _LOGGER.info("hub ready (%s, estate %s)", services.nlu.engine.describe(), services.estate.name)
    return app


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(GuanjiaError)
    def handle_guanjia_error(err: GuanjiaError):
        return jsonify(err.to_dict()), err.http_status

    @app.errorhandler(HTTPException)
    def handle_http_error(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "-")
        body = {"error": {"code": code, "message": err.description or err.name}}
        return jsonify(body), err.code or 500

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        _LOGGER.exception("unhandled error on %s %s", request.method, request.path)
        body = {"error": {"code": "internal", "message": "internal error; the request was not applied"}}
        return jsonify(body), 500
