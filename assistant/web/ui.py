"""The browser surfaces (console, analysis, kiosk and panel screens) and their CSRF protection.

Forms and console actions carry Flask-WTF's CSRF token; the JSON API under
``/api/v1`` authenticates with bearer tokens and is exempt.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, redirect, url_for
from flask_wtf.csrf import CSRFProtect

CONSOLE_SESSION = timedelta(hours=12)  # one shift and a bit

# Templates and static files live in assistant/web/ (the app's own folders are unused).
assets = Blueprint("ui", __name__, template_folder="templates", static_folder="static",
                   static_url_path="/assets")


def init_app(app: Flask) -> None:
    """Register the login, console, analysis and screen blueprints."""
    from assistant.web import analysis_views, api, auth_views, console, events, screens

    app.config.setdefault("PERMANENT_SESSION_LIFETIME", CONSOLE_SESSION)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session: consoles stay open all shift
    csrf = CSRFProtect(app)
    for blueprint in (api.bp, events.bp, screens.api_bp):
        csrf.exempt(blueprint)
    app.register_blueprint(assets)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(analysis_views.bp)
    app.register_blueprint(screens.bp)
    app.register_blueprint(screens.api_bp)

    @app.get("/")
    def index():
        return redirect(url_for("console.queue"))
