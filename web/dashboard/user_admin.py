"""Users (administrators only): who may log in, with which role; add and disable."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from web.dashboard import forms
from web.dashboard.access import current_user, roles, users
from web.dashboard.shell import _
from web.users import ROLES, UserError

bp = Blueprint("users", __name__, url_prefix="/users")


def _page(values=None, errors=None, status: int = 200):
    return render_template("users.html", people=users().list(), roles=ROLES,
                           values=values or {"role": "staff"}, errors=errors or {}), status


@bp.get("")
@roles("admin")
def index():
    """Every user with role and status, and the form to add one."""
    return _page()


@bp.post("")
@roles("admin")
def add():
    """Add a user; a refusal is shown next to the field it concerns."""
    form = forms.submitted()
    try:
        user = users().add(forms.text(form, "username"), forms.text(form, "role"),
                           form.get("password", ""), forms.text(form, "name"))
    except UserError as e:
        form.pop("password", None)
        return _page(form, {e.field: e.message}, 422)
    flash(_("users.added", username=user.username), "success")
    return redirect(url_for("users.index"), 303)


@bp.post("/<username>/disable")
@roles("admin")
def disable(username: str):
    """Disable a user (never oneself): they can no longer log in, their API token is void."""
    if username == current_user().username:
        flash(_("users.not_self"), "error")
        return redirect(url_for("users.index"), 303)
    try:
        users().disable(username)
    except UserError:
        abort(404)
    flash(_("users.disabled_done", username=username), "success")
    return redirect(url_for("users.index"), 303)
