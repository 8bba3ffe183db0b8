"""The frame every page shares: templates, static files, template helpers, error pages."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from web.dashboard import i18n
from web.dashboard.access import csrf_token, current_user, language, services

bp = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static",
               static_url_path="/assets")
ERROR_CODES = (400, 403, 404, 405)


@bp.get("/")
def index():
    """The start page is the list of enterprises."""
    return redirect(url_for("enterprises.index"))


def _(key: str, **values) -> str:
    return i18n.translate(language(), key, **values)


def clause_title(policy: str, article: int, item: str | None = None) -> str:
    """The article's title (and the item's, where it has several) in the page's language."""
    catalogue = services().ledger.catalogue
    zh = language() == "zh"
    try:
        art = catalogue.policy(policy).articles[article]
    except (LookupError, KeyError):
        return f"{policy} {article}"
    title = art.title_zh if zh else art.title_en
    if item and len(art.items) > 1:
        for it in art.items:
            if it.key == item:
                return f"{title} · {it.title_zh if zh else it.title_en}"
    return title


def url_with(**changes) -> str:
    """This page's URL with some query arguments changed (None drops one)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for k in [k for k, v in changes.items() if v is None]:
        args.pop(k, None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def install_helpers(app) -> None:
    """Give every template the translation, formatting and page helpers."""
    app.jinja_env.globals.update(
        _=_, language=language, current_user=current_user, csrf_token=csrf_token,
        clause_title=clause_title, url_with=url_with,
        label=lambda prefix, key: i18n.label(language(), prefix, key))
    app.jinja_env.filters.update(
        money=lambda v: i18n.money(language(), v),
        fen=lambda v: i18n.money_fen(language(), v),
        day=lambda v: i18n.day(language(), v),
        moment=lambda v: i18n.moment(language(), v),
        percent=lambda rate: f"{(Decimal(rate) * 100).normalize():f}")


def error_page(error: HTTPException):
    """A dashboard error page, in the chosen language with the other beneath it."""
    code = error.code if error.code in ERROR_CODES else 404
    if code == 405:
        code = 404
    other = "en" if language() == "zh" else "zh"
    key = getattr(error, "key", None) or f"error.{code}"  # e.g. arguments.BadArguments
    return render_template("error.html", code=error.code, key=key,
                           other=other, translate=i18n.translate), error.code


def install_errors(app) -> None:
    """Error pages for paths no blueprint serves; paths under /api/ keep the API's answers.

    The dashboard's blueprints carry their own handlers (see `web.dashboard`).
    """
    def unrouted(error: HTTPException):
        if request.path.startswith("/api/"):
            return error
        return error_page(error)

    for code in (404, 405):
        app.register_error_handler(code, unrouted)
