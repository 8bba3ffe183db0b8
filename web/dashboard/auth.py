"""Logging in and out, and choosing the language."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from web.dashboard import i18n
from web.dashboard.access import (
    current_user,
    end_session,
    language,
    safe_next,
    start_session,
    users,
)

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The log-in form; a failure says only that the name or password was wrong."""
    target = safe_next(request.values.get("next"), url_for("enterprises.index"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(target)
        return render_template("login.html", next=target, username="")
    username = request.form.get("username", "").strip()
    user = users().authenticate(username, request.form.get("password", ""))
    if user is None:
        return render_template("login.html", next=target, username=username,
                               failed=True), 401
    start_session(user)
    return redirect(target, 303)


@bp.post("/logout")
def logout():
    """End the session (the language chosen stays)."""
    end_session()
    flash(i18n.translate(language(), "login.logged_out"), "info")
    return redirect(url_for("auth.login"), 303)


@bp.get("/language/<lang>")
def language_switch(lang: str):
    """Switch the pages' language and go back where the user was."""
    if lang in i18n.LANGUAGES:
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next"), url_for("enterprises.index")))
