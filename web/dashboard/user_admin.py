"""Users (administrators only): who may log in, with which role, and when they last did;
add, disable (after a confirmation stating what follows), enable, give a new password or
another role, issue or revoke the API token, and lift the wait failed log-ins put on a
name or an address. Every change is an event of the account, recorded with the
administrator as its actor (lifecycle/accounts.py); a log-in is not (web/sessions.py).

An administrator may neither disable nor demote themselves: the desk would lose the one
who can undo it. A token just issued is shown once, in the answer to the POST that
issued it (never stored in the session or a message, never cached), and never again.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for

from web.dashboard import confirm, forms, i18n
from web.dashboard.access import current_user, language, roles, users
from web.dashboard.shell import _
from web.users import MIN_PASSWORD, ROLES, User, UserError

bp = Blueprint("users", __name__, url_prefix="/users")


def _page(values=None, errors=None, status: int = 200, chosen: User | None = None,
          chosen_errors=None, token: str | None = None):
    """The users page; with `chosen`, the card that manages that user (its refusals in
    `chosen_errors`, by field; a token just issued in `token`)."""
    locked = users().throttle.locked()
    page = render_template(
        "users.html", people=users().list(), roles=ROLES, values=values or {"role": "staff"},
        errors=errors or {}, last_logins=users().last_logins(),
        locked_names={x["subject"]: x for x in locked if x["kind"] == "user"},
        locked_addresses=[x for x in locked if x["kind"] == "address"],
        chosen=chosen, chosen_errors=chosen_errors or {}, token=token,
        chosen_values={"role": chosen.role} if chosen else {}, min_password=MIN_PASSWORD)
    headers = {"Cache-Control": "no-store"} if token else {}
    return page, status, headers


def _back(username: str | None = None):
    if username is None:
        return redirect(url_for("users.index"), 303)
    return redirect(url_for("users.show", username=username), 303)


def _chosen(username: str) -> User:
    user = users().get(username)
    if user is None:
        abort(404)
    return user


def _is_me(username: str) -> bool:
    return username == current_user().username


@bp.get("")
@roles("admin")
def index():
    """Every user with role, status, last log-in and token, the locked names and
    addresses, and the form to add a user."""
    return _page()


@bp.get("/<username>")
@roles("admin")
def show(username: str):
    """The users page with the card that manages one user."""
    return _page(chosen=_chosen(username))


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


def _refused(user: User, e: UserError, field: str | None = None):
    """The manage card again, the refusal beside `field` (else the field it names)."""
    where = field or (e.field if e.field in ("password", "role", "token") else "_form")
    return _page(chosen=user, chosen_errors={where: e.message}, status=422)


def _manage(user: User, field: str, change, done: str, **said):
    """`change(actor=...)` made by the administrator from the user's card: refused, the
    card again with the refusal beside `field`; else back to the card, saying `done`."""
    try:
        change(actor=current_user().username)
    except UserError as e:
        return _refused(user, e, field)
    flash(_(done, username=user.username, **said), "success")
    return _back(user.username)


@bp.post("/<username>/password")
@roles("admin")
def password(username: str):
    """A new password: the user's sessions end on every node."""
    return _manage(_chosen(username), "password", partial(
        users().set_password, username, forms.submitted().get("password", "")),
        "users.password_done")


@bp.post("/<username>/role")
@roles("admin")
def role(username: str):
    """Another role, from the user's next request on every node (never one's own)."""
    user = _chosen(username)
    new = forms.text(forms.submitted(), "role")
    if _is_me(username) and new != user.role:
        return _page(chosen=user, chosen_errors={"role": _("users.not_self_role")},
                     status=422)
    return _manage(user, "role", partial(users().set_role, username, new), "users.role_done",
                   role=_(f"role.{new}"))


@bp.post("/<username>/token")
@roles("admin")
def issue_token(username: str):
    """A new API token (any earlier one stops working), shown on this answer only."""
    user = _chosen(username)
    try:
        token = users().issue_token(username, actor=current_user().username)
    except UserError as e:
        return _refused(user, e, "token")
    return _page(chosen=users().get(username), token=token)


@bp.post("/<username>/revoke-token")
@roles("admin")
def revoke_token(username: str):
    """The user's API token stops working on every node; refused when there is none."""
    return _manage(_chosen(username), "token", partial(users().revoke_token, username),
                   "users.token_revoked_done")


@bp.post("/<username>/disable")
@roles("admin")
def disable(username: str):
    """Disable a user (never oneself), once confirmed: they can no longer log in, their
    API token is void, their sessions end on every node."""
    if _is_me(username):
        flash(_("users.not_self"), "error")
        return _back()
    user = _chosen(username)
    form = forms.submitted()
    if user.active and not confirm.confirmed(form):
        return _confirmation(user, form)
    return _change(users().disable, username, "users.disabled_done")


def _confirmation(user: User, form):
    """What disabling `user` does, with the sessions it ends as the store counts them."""
    idle = current_app.permanent_session_lifetime.total_seconds()
    sessions = users().sessions.count(user.username, idle=idle)
    said = [_("users.confirm_disable.login", username=user.username),
            _("users.confirm_disable.sessions", count=sessions),
            _("users.confirm_disable.token") if user.has_token
            else _("users.confirm_disable.no_token")]
    last = users().last_logins().get(user.username)
    return confirm.ask(
        title=_("users.confirm_disable.title", username=user.username), consequences=said,
        action=url_for("users.disable", username=user.username), form=form,
        button=_("users.confirm_disable.button"), back=url_for("users.show",
                                                               username=user.username),
        summary=[(_("login.username"), user.username), (_("users.name"), user.name),
                 (_("users.role"), _(f"role.{user.role}")),
                 (_("users.last_login"), i18n.moment(language(), last) if last
                  else _("users.never"))],
        note=_("users.confirm_disable.undo"))


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
