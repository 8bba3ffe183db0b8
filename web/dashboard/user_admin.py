"""Users (administrators only): who may log in, with which role; add, disable, enable, and
lift the wait failed log-ins put on a name or an address. Every change is an event of the
account, recorded with the administrator as its actor (lifecycle/accounts.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from web.dashboard import forms
from web.dashboard.access import current_user, roles, users
from web.dashboard.shell import _
from web.users import ROLES, UserError

bp = Blueprint("users", __name__, url_prefix="/users")


def _page(values=None, errors=None, status: int = 200):
    locked = users().throttle.locked()
    return render_template(
        "users.html", people=users().list(), roles=ROLES, values=values or {"role": "staff"},
        errors=errors or {},
        locked_names={x["subject"]: x for x in locked if x["kind"] == "user"},
        locked_addresses=[x for x in locked if x["kind"] == "address"]), status


def _back():
    return redirect(url_for("users.index"), 303)


@bp.get("")
@roles("admin")
def index():
    """Every user with role and status, the locked names and addresses, and the form to
    add a user."""
    return _page()


@bp.post("")
@roles("admin")
def add():
    """Add a user; a refusal is shown next to the field it concerns."""
    form = forms.submitted()
    try:
        user = users().add(forms.text(form, "username"), forms.text(form, "role"),
                           form.get("password", ""), forms.text(form, "name"),
                           actor=current_user().username)
    except UserError as e:
        form.pop("password", None)
        return _page(form, {e.field: e.message}, 422)
    flash(_("users.added", username=user.username), "success")
    return _back()


@bp.post("/<username>/disable")
@roles("admin")
def disable(username: str):
    """Disable a user (never oneself): they can no longer log in, their API token is void,
    their sessions end on every node."""
    if username == current_user().username:
        flash(_("users.not_self"), "error")
        return _back()
    return _change(users().disable, username, "users.disabled_done")


@bp.post("/<username>/enable")
@roles("admin")
def enable(username: str):
    """Let a disabled user log in again (an API token must be issued anew)."""
    return _change(users().enable, username, "users.enabled_done")


def _change(change, username: str, done: str):
    try:
        change(username, actor=current_user().username)
    except UserError as e:
        if e.code == "not_found":
            abort(404)
        flash(_("users.refused", message=e.message), "error")
        return _back()
    flash(_(done, username=username), "success")
    return _back()


@bp.post("/<username>/unlock")
@roles("admin")
def unlock(username: str):
    """Lift the wait after failed log-ins on this user name."""
    users().unlock(username)
    flash(_("users.unlocked_done", subject=username), "success")
    return _back()


@bp.post("/unlock-address")
@roles("admin")
def unlock_address():
    """Lift the wait after failed log-ins from one client address."""
    address = forms.text(forms.submitted(), "address")
    users().unlock_address(address)
    flash(_("users.unlocked_done", subject=address), "success")
    return _back()
