"""Liveness and readiness (``GET /healthz``) and Prometheus metrics (``GET /metrics``)."""

from __future__ import annotations

import time

from flask import Blueprint, Response, jsonify

from assistant import __version__
from assistant.services import get_services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 once the NLU is loaded and warmed (it always is once the app exists)."""
    services = get_services()
    return jsonify({
        "status": "ok" if services.nlu.ready else "starting",
        "version": __version__,
        "nlu": services.nlu.engine.describe(),
        "estate": services.estate.name,
        "uptime_s": round(time.monotonic() - services.started_monotonic, 1),
    }), 200 if services.nlu.ready else 503


@bp.get("/metrics")
def metrics():
    return Response(get_services().metrics.render(), mimetype="text/plain; version=0.0.4; charset=utf-8")
