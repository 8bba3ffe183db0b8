"""Logging in and out, and choosing the language.

A log-in is refused unchecked while its user name or the client's address must wait
after failed log-ins (web/throttle.py): 429, with the wait in the page's language.
"""

from __future__ import annotations

import math

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
    """The log-in form; a failure says only that the name or password was wrong. It lands
    on the desk (the work queues), or on a safe `next` the user was sent from."""
    target = safe_next(request.values.get("next"), url_for("dashboard.index"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(target)
        return render_template("login.html", next=target, username="")
    username = request.form.get("username", "").strip()
    address, throttle = request.remote_addr or "", users().throttle
    wait = _wait(throttle, username, address)
    if wait:  # not even compared: guessing costs the guesser time, on every node
        return _refused(target, username, wait, failed=False)
    user = users().authenticate(username, request.form.get("password", ""))
    if user is None:
        throttle.fail("user", username)
        throttle.fail("address", address)
        wait = _wait(throttle, username, address)
        if wait:
            return _refused(target, username, wait, failed=True)
        return render_template("login.html", next=target, username=username,
                               failed=True), 401
    throttle.clear("user", username)
    start_session(user)
    users().logged_in(user.username)
    return redirect(target, 303)


def _wait(throttle, username: str, address: str) -> int:
    return max(throttle.wait("user", username), throttle.wait("address", address))


def _refused(target: str, username: str, wait: int, failed: bool):
    """429: the log-in must wait `wait` seconds (shown in whole minutes)."""
    page = render_template("login.html", next=target, username=username, failed=failed,
                           wait_minutes=math.ceil(wait / 60))
    return page, 429, {"Retry-After": str(wait)}


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
