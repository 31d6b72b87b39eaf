"""Console login and logout (Flask sessions; the form is CSRF-protected by Flask-WTF).

Passwords are checked against werkzeug hashes in ``Staff.password_hash``; the
session then holds only the staff id, which ``assistant.auth.current_staff``
also accepts for the event stream, so the console's EventSource needs no token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

from assistant.auth import current_staff
from assistant.db import get_session
from assistant.models import Staff

bp = Blueprint("auth", __name__)


@bp.before_app_request
def load_staff() -> None:
    """Put the logged-in staff member (or None) on ``g.staff`` for views and templates."""
    g.staff = None
    if "staff_id" in session:
        g.staff = current_staff(get_session())
        if g.staff is None:  # deactivated since login
            session.pop("staff_id", None)


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send anonymous visitors to the login page, then back where they were going."""

    @functools.wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        if g.get("staff") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapped


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot be used to bounce people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.queue")


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Check the staff id and password; start a fresh session on success."""
    error = None
    if request.method == "POST":
        staff_id = (request.form.get("staff_id") or "").strip()
        password = request.form.get("password") or ""
        staff = get_session().get(Staff, staff_id) if staff_id else None
        if (staff is None or not staff.active or not staff.password_hash
                or not check_password_hash(staff.password_hash, password)):
            error = "bad_login"
        else:
            lang = session.get("lang")
            session.clear()  # no session fixation
            session["staff_id"] = staff.id
            if lang:
                session["lang"] = lang
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
    return render_template("console/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    """End the console session (POST, so a link on another site cannot log people out)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))
