"""The frame every page shares: templates, static files, template helpers, error pages."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from flask import (
    Blueprint,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from jinja2 import pass_context
from werkzeug.exceptions import HTTPException

from policies.money import yuan
from projections import application_list, queues
from web import messages, words
from web.dashboard import amounts, i18n, listing
from web.dashboard.access import csrf_token, current_user, language, services

bp = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static",
               static_url_path="/assets")
ERROR_CODES = (400, 403, 404, 405)


@bp.get("/")
def index():
    """The start page: the desk's work queues with their counts, judged live, and links."""
    svc = services()
    with svc.reader() as views:
        found = queues.queues(views, svc.ledger.catalogue, svc.clock.today(), svc.deadlines)
    return render_template("home.html", q=found)


@bp.get("/search")
def search():
    """Find an application by its number, an enterprise by its code, or either by name;
    one exact match leads straight to it."""
    args, _bad = listing.read(listing.SearchArgs())
    with services().reader() as views:
        found = application_list.find(views, args["q"])
    if found["exact"] is not None:
        kind, key = found["exact"]
        if kind == "application":
            return redirect(url_for("applications.show", application_id=key), 303)
        return redirect(url_for("enterprises.show", enterprise_id=key), 303)
    return render_template("search.html", q=args["q"], found=found)


def speak() -> None:
    """Before a page: the words of refusals, trace lines and flags (web/messages.py) are
    said in the page's language, amounts and dates as the desk writes them."""
    g.setdefault("grants_words", words.start_speaking(i18n.reader(language())))


def spoken(_error=None) -> None:
    token = g.pop("grants_words", None)
    if token is not None:
        words.stop_speaking(token)


def _(key: str, **values) -> str:
    return i18n.translate(language(), key, **values)


def clause_title(policy: str, article: int, item: str | None = None) -> str:
    """The article's title (and the item's, where it has several) in the page's language."""
    return _clause_title(services().ledger.catalogue, language(), policy, article, item)


def _clause_title(catalogue, lang: str, policy: str, article: int,
                  item: str | None = None) -> str:
    zh = lang == "zh"
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


def field_label(name: str) -> str:
    """The words of a form field's name, for the list of a form's errors."""
    lang = language()
    parts = name.split(".")
    if parts[0] == "basis" and len(parts) > 1:
        return i18n.label(lang, "basis", parts[1])
    if parts[0] == "tranches" and len(parts) == 3 and parts[1].isdigit():
        return _(f"label.tranche_{parts[2]}", n=int(parts[1]) + 1)
    return i18n.label(lang, "label", name)


def amount_preview(typed: str | None) -> str:
    """What an amount typed in a form reads as, in the page's unit ("即 144.50万元"); empty
    when nothing or no amount is typed (the field's error says why)."""
    if not typed or not str(typed).strip():
        return ""
    try:
        value = amounts.parse(str(typed))
    except amounts.AmountError:
        return ""
    return _("amount.preview", amount=i18n.money(language(), value, exact=True))


@bp.get("/amount")
def amount():
    """An amount as typed, read by the forms' one reader: its preview, or why not (JSON,
    for the preview beside a money field as staff type)."""
    typed = request.args.get("text", "")
    try:
        value = amounts.parse(typed)
    except amounts.AmountError as e:
        return jsonify(ok=False, error=_(f"amount.{e.reason}"))
    return jsonify(ok=True, amount=yuan(value), shown=amount_preview(typed))


def url_with(**changes) -> str:
    """This page's URL with some query arguments changed (None drops one)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for k in [k for k, v in changes.items() if v is None]:
        args.pop(k, None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def text_lang(text: str | None) -> str:
    """The language a quoted text is written in (a policy's words, quoted as they are)."""
    return "zh-CN" if text and re.search(r"[\u4e00-\u9fff]", text) else "en"


def amount_input(lang: str, value) -> str:
    """An amount put back in a form field, as staff would type it: 80万 or 800,000.00."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    if lang == "zh":
        wan = (amount / 10000).normalize()
        return f"{wan:f}万"
    return f"{amount:,.2f}"


@cache
def _spoken(lang: str) -> dict:
    """The helpers a page calls most, bound to `lang`: a page asks for its language a few
    hundred times, and asking the request's session through `g` each time cost a tenth
    of the enterprise page."""
    def translate(key: str, **values) -> str:
        return i18n.translate(lang, key, **values)

    return {"_": translate, "language": lambda: lang, "grants_lang": lang,
            "label": lambda prefix, key: i18n.label(lang, prefix, key)}


#: What `url_for` leaves as it is in a path (the letters, digits and "-" of credit codes
#: and application numbers): a link to such a key is the one to another with it replaced.
_PLAIN_KEY = re.compile(r"[0-9A-Za-z-]+")


def _links(endpoint: str, name: str):
    """`url_for(endpoint, name=key)` for a page's many keys: routed once, then each plain
    key put in its place (any other key routed as it is)."""
    head = None

    def link(key: str) -> str:
        nonlocal head
        if type(key) is str and _PLAIN_KEY.fullmatch(key):
            if head is None:
                sample = url_for(endpoint, **{name: "0"})
                head = sample[:-1] if sample.endswith("/0") else ""
            if head:
                return head + key
        return url_for(endpoint, **{name: key})

    return link


def spoken_helpers() -> dict:
    """The context of every page rendered in a request: `_spoken` of its language, a
    `clause_title` that looks each article up once a page, and `application_url` and
    `enterprise_url`, the links of a page's tables without routing each."""
    if not has_request_context():
        return {}
    lang = language()
    titles: dict[tuple, str] = {}

    def page_clause_title(policy: str, article: int, item: str | None = None) -> str:
        key = (policy, article, item)
        title = titles.get(key)
        if title is None:
            title = titles[key] = _clause_title(services().ledger.catalogue, lang, policy,
                                                article, item)
        return title

    return {**_spoken(lang), "clause_title": page_clause_title,
            "application_url": _links("applications.show", "application_id"),
            "enterprise_url": _links("enterprises.show", "enterprise_id")}


def _page_language(context) -> str:
    """The language of the page being rendered: bound in its context by `spoken_helpers`,
    or (a macro imported without the context) the request's."""
    return context.get("grants_lang") or language()


#: What a plain dict answers as attributes (its methods); any other name is a key.
_DICT_ATTRIBUTES = frozenset(dir(dict))


def _template_getattr(environment):
    """Jinja's `x.name`, first for the dicts the views answer with: Jinja tries the
    attribute first and a raised AttributeError before the key cost a tenth of a page.
    A plain dict has no attributes but its methods, so the answer is the same."""
    general = environment.getattr

    def getattr_(obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return environment.undefined(obj=obj, name=attribute)
        return general(obj, attribute)

    return getattr_


def install_helpers(app) -> None:
    """Give every template the translation, formatting and page helpers."""
    app.jinja_env.globals.update(
        _=_, language=language, current_user=current_user, csrf_token=csrf_token,
        clause_title=clause_title, url_with=url_with, rule_name=messages.rule_name,
        cite_words=messages.cite_words, kind_name=messages.kind_name,
        ladder_title=messages.ladder_title, rung_title=messages.rung_title,
        kind_meaning=messages.kind_meaning, flag_message=messages.flag_message,
        field_label=field_label, amount_preview=amount_preview, text_lang=text_lang,
        label=lambda prefix, key: i18n.label(language(), prefix, key),
        application_url=lambda key: url_for("applications.show", application_id=key),
        enterprise_url=lambda key: url_for("enterprises.show", enterprise_id=key))
    app.context_processor(spoken_helpers)
    app.jinja_env.getattr = _template_getattr(app.jinja_env)
    app.jinja_env.filters.update(
        money=pass_context(lambda c, v: i18n.money(_page_language(c), v)),
        exact=pass_context(lambda c, v: i18n.money(_page_language(c), v, exact=True)),
        amount_input=pass_context(lambda c, v: amount_input(_page_language(c), v)),
        fen=pass_context(lambda c, v: i18n.money_fen(_page_language(c), v)),
        day=pass_context(lambda c, v: i18n.day(_page_language(c), v)),
        moment=pass_context(lambda c, v: i18n.moment(_page_language(c), v)),
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
