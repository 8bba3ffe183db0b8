"""Who is logged in, what their role lets them do, and the CSRF token of every form;
`services()` and `users()`, the app's stores, for every dashboard view.

Every request to a dashboard blueprint passes `guard` first (the app has brought the
node's views up to the log before it, so the page and the user's account show what any
node recorded), in this order: the session (kept in the store and shared by every node:
web/app/sessions.py; expired after GRANTS_SESSION_MINUTES without activity, its
activity noted at most every TOUCH seconds; ended when the user was disabled or given
a new password since it began), the log-in, the role the view asks for (403, before
anything is read from the form), then, on a POST, the session's CSRF token (400).
"""

from __future__ import annotations

import hmac
import secrets
import time
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, session, url_for

from web.dashboard import i18n
from web.services import Services
from web.users import User, Users

#: Endpoints anyone may reach without logging in.
PUBLIC = {"auth.login", "auth.language_switch", "dashboard.static"}
CSRF_FIELD = "csrf_token"
TOUCH = 60.0  # seconds: a session's activity is written at most this often


def services() -> Services:
    """This app's ledger and read models (put in `current_app.extensions` by create_app)."""
    return current_app.extensions["grants"]


def users() -> Users:
    """This app's users (put in `current_app.extensions` by create_app)."""
    return current_app.extensions["grants_users"]


def current_user() -> User | None:
    """The logged-in user of this request, or None."""
    return g.get("user")


def language() -> str:
    """The language of this request's pages: the one chosen in the session, else Chinese.

    Read from the session once per request and kept on `g`: every `_()`, `money` and
    `day` in a template asks, and reading the session each time cost 8% of a page.
    Whatever sets the session's language calls `chose_language` to forget the kept one."""
    kept = g.get("grants_lang")
    if kept is None:
        chosen = session.get("lang")
        kept = g.grants_lang = chosen if chosen in i18n.LANGUAGES else i18n.DEFAULT
    return kept


def chose_language(lang: str) -> None:
    """Record the language chosen in the session, for this request's words too."""
    session["lang"] = lang
    g.pop("grants_lang", None)


def roles(*allowed: str):
    """Mark a view as open only to these roles; others get 403 (checked by `guard`)."""
    def mark(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)
        wrapper.roles = allowed
        return wrapper
    return mark


def csrf_token() -> str:
    """This session's CSRF token, made on first use; every form carries it."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _new_id() -> None:
    """A new session id from now on: the old one ends, on every node."""
    rotate = getattr(session, "rotate", None)
    if rotate is not None:
        rotate()


def start_session(user: User) -> None:
    """Log `user` in: a fresh session under a new id (keeping only the language), with
    the account's epoch (a new password or disabling ends it) and a new CSRF token."""
    lang = session.get("lang")
    session.clear()
    _new_id()
    if lang:
        chose_language(lang)
    session.permanent = True
    session["user"] = user.username
    session["epoch"] = user.epoch
    session["seen"] = time.time()
    session["csrf"] = secrets.token_urlsafe(32)


def end_session() -> None:
    """Log out, keeping the chosen language: the session's id ends on every node."""
    lang = session.get("lang")
    session.clear()
    _new_id()
    if lang:
        chose_language(lang)


def safe_next(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    if not target or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _session_user() -> User | None:
    username = session.get("user")
    if username is None:
        return None
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if time.time() - session.get("seen", 0) > lifetime:
        end_session()
        flash(i18n.translate(language(), "login.expired"), "warning")
        return None
    user = users().get(username)
    if user is None or not user.active or session.get("epoch", 0) != user.epoch:
        end_session()  # disabled, or a new password, since this session began
        return None
    if time.time() - session.get("seen", 0) > min(TOUCH, lifetime / 10):
        session["seen"] = time.time()  # activity keeps the session alive
    return user


def guard():
    """Run before every dashboard request: session, log-in, role, CSRF (see the module)."""
    if request.endpoint == "dashboard.static":
        return None
    session.permanent = True
    g.user = _session_user()
    if request.endpoint in PUBLIC:
        if request.method == "POST":
            check_csrf()
        return None
    if g.user is None:
        if not session.get("_flashes"):
            flash(i18n.translate(language(), "login.required"), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")), 303)
    view = current_app.view_functions.get(request.endpoint)
    allowed = getattr(view, "roles", None)
    if allowed is not None and g.user.role not in allowed:
        abort(403)
    if request.method == "POST":
        check_csrf()
    return None


def check_csrf() -> None:
    """Refuse (400) a POST whose form token is not this session's."""
    expected = session.get("csrf")
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(str(sent), expected):
        abort(400)
