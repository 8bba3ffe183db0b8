"""Applications: one application's page with its quote and the actions open to staff,
and the form that records a new one."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from lifecycle.errors import Refused
from lifecycle.status import UNDECIDED, Status, Step, steps_open
from policies.catalogue import BASIS_FIELDS
from projections import application_list, pages
from projections.exports import Column
from web.dashboard import confirm, forms, i18n, listing
from web.dashboard.access import current_user, language, roles, services
from web.dashboard.shell import _

bp = Blueprint("applications", __name__, url_prefix="/applications")
#: The form of each step of the lifecycle (lifecycle/status.py).
ACTION_OF = {Step.CERTIFY: "certify", Step.APPROVE: "approve", Step.REJECT: "reject",
             Step.DISBURSE: "pay", Step.EVALUATE: "evaluate", Step.REVOKE: "revoke",
             Step.REPAY: "repay"}
ACTIONS = tuple(ACTION_OF.values())


def open_actions(app: dict) -> list[str]:
    """The actions the lifecycle opens in the application's status, where there is
    something to act on (the ledger decides again on each)."""
    something = {
        Step.DISBURSE: any(t["paid_on"] is None for t in app["tranches"]),
        Step.EVALUATE: bool(_years_to_evaluate(app)),
        Step.REPAY: bool(app["clawback_fen"]),
    }
    return [ACTION_OF[step] for step in steps_open(Status(app["status"]))
            if something.get(step, True)]


def _years_to_evaluate(app: dict) -> list[int]:
    evaluated = {e["year"] for e in app["evaluations"]}
    return [t["year"] for t in app["tranches"] if t["paid_on"] and t["year"] not in evaluated]


def _page(application_id: str, action: str | None = None, values=None, errors=None,
          status: int = 200):
    ledger = services().ledger
    with services().reader() as views:
        app = pages.application(views, application_id)
    if app is None:
        abort(404)
    try:
        quote = services().quote(application_id, on=services().clock.today())
    except Refused:
        quote = None
    item = ledger.catalogue.item(app["policy"], app["article"], app["item"])
    user = current_user()
    actions = open_actions(app) if user.can_write else []
    return render_template(
        "applications/show.html", app=app, quote=quote, item=item, actions=actions,
        action=action, values=values or {}, errors=errors or {}, today=forms.today(),
        decided=Status(app["status"]) not in UNDECIDED,
        unpaid=[t["year"] for t in app["tranches"] if t["paid_on"] is None],
        to_evaluate=_years_to_evaluate(app)), status


#: The export of the list: (column, kind, heading key), in the order of the page's table.
EXPORT = (("application_id", "text", "app.application_id"),
          ("enterprise_id", "text", "app.enterprise_id"),
          ("enterprise_name", "text", "ent.name"), ("policy", "text", "common.policy"),
          ("article", "int", "common.article"), ("item", "text", "common.item"),
          ("status", "text", "common.status"), ("requested", "money", "app.requested"),
          ("amount", "money", "app.approved_amount"), ("paid", "money", "apps.paid"),
          ("clawback", "money", "apps.clawback"), ("submitted_on", "date", "app.submitted_on"),
          ("decided_on", "date", "app.decided_on"))


def _export(rows: list[dict], kind: str):
    lang = language()
    for r in rows:
        r["status"] = i18n.label(lang, "status", r["status"])
        for name in ("requested", "amount", "paid", "clawback"):
            fen = r.get(f"{name}_fen")
            r[name] = None if fen is None else Decimal(fen) / 100
    columns = tuple(Column(name, kind_) for name, kind_, _key in EXPORT)
    return listing.export_response(kind, "applications", columns,
                                   [_(key) for _n, _k, key in EXPORT], rows)


@bp.get("")
def index():
    """Every application, filtered by status, policy, article, year and enterprise (or a
    search), sorted by any column, a page at a time, or exported as CSV or XLSX."""
    args, bad = listing.read(listing.ApplicationArgs())
    sort, descending = listing.sort_of(args["sort"], application_list.SORTS, "-submitted_on")
    filters = application_list.Filters(
        q=args["q"], status=args["status"], policy=args["policy"], article=args["article"],
        year=args["year"], enterprise_id=args["enterprise_id"].upper())
    with services().reader() as views:
        if args["export"]:
            return _export(application_list.all_applications(views, filters, sort, descending),
                           args["export"])
        found = application_list.applications(views, filters, sort, descending, args["page"])
        choices = application_list.choices(views)
        enterprise = None
        if filters.enterprise_id:
            row = views.db.execute("SELECT name FROM enterprises WHERE enterprise_id = ?",
                                   (filters.enterprise_id,)).fetchone()
            enterprise = row[0] if row else filters.enterprise_id
    return render_template("applications/list.html", found=found, args=args, bad=bad,
                           sort=sort, descending=descending, choices=choices,
                           statuses=listing.STATUSES, enterprise=enterprise)


@bp.get("/<application_id>")
def show(application_id: str):
    """The application: figures, quote with trace and candidates, history, staff actions."""
    return _page(application_id)


def _command(action: str, application_id: str, form, max_years: int,
             errors: dict[str, str]) -> dict:
    """The contract command of one action's form; amounts read as staff type them, what
    is no amount goes in `errors` (with every other error of the form, in one round)."""
    command = {"at": forms.business_date(form), "application_id": application_id}
    if action == "certify":
        return {"type": "CertifyApplication", **command, "basis": forms.basis(form, errors)}
    if action == "approve":
        command = {"type": "ApproveApplication", **command}
        if forms.text(form, "amount"):
            command["amount"] = forms.amount(form, "amount", errors)
        plan = forms.tranches(form, max_years, errors)
        if plan is not None:
            command["tranches"] = plan
        return command
    if action in ("reject", "revoke"):
        kind = "RejectApplication" if action == "reject" else "RevokeAward"
        return {"type": kind, **command, "reason": forms.text(form, "reason")}
    if action == "repay":
        return {"type": "RecordRepayment", **command,
                "amount": forms.amount(form, "amount", errors), "note": forms.text(form, "note")}
    if action == "pay":
        return {"type": "DisburseTranche", **command, "year": forms.whole(forms.text(form, "year"))}
    return {"type": "RecordEvaluation", **command, "year": forms.whole(forms.text(form, "year")),
            "result": forms.text(form, "result"), "note": forms.text(form, "note")}


@bp.post("/<application_id>/<action>")
@roles("staff")
def act(application_id: str, action: str):
    """Carry out one action on the application (staff); field errors come back on the form."""
    if action not in ACTIONS:
        abort(404)
    catalogue = services().ledger.catalogue
    with services().reader() as views:
        app = pages.application(views, application_id)
    if app is None:
        abort(404)
    item = catalogue.item(app["policy"], app["article"], app["item"])
    form = forms.submitted()
    errors: dict[str, str] = {}
    command = _command(action, application_id, form, item.max_years, errors)
    if action in CONFIRMED and not confirm.confirmed(form):
        rehearsed, errors = forms.rehearse(command, errors)
        if rehearsed is None:
            return _page(application_id, action, form, errors, 422)
        return _confirmation(action, app, form, rehearsed)
    result, errors = forms.run(command, errors)
    if result is None:
        return _page(application_id, action, form, errors, 422)
    what = _(f"action.{action}")
    if "amount" in result:
        what = f"{what} {i18n.money(language(), result['amount'], exact=True)}"
    flash(_("action.done", what=what), "success")
    return redirect(url_for("applications.show", application_id=application_id), 303)


#: The actions that ask for confirmation first, stating what follows.
CONFIRMED = ("reject", "revoke")


def _confirmation(action: str, app: dict, form, rehearsed: dict):
    """The confirmation page of a rejection or revocation, with its consequences as the
    ledger decided them (a rehearsal: the clawback it leaves, the tranches it stops)."""
    lang = language()
    unpaid = [t for t in app["tranches"] if t["paid_on"] is None]
    if action == "revoke":
        clawback = Decimal(rehearsed.get("clawback_due") or "0")
        days = services().deadlines.clawback_days
        at = date.fromisoformat(forms.business_date(form))
        said = [_("confirm.revoke.clawback", amount=i18n.money(lang, clawback, exact=True),
                  days=days, due=i18n.day(lang, at + timedelta(days=days)))
                if clawback else _("confirm.revoke.nothing_paid")]
        if unpaid:
            said.append(_("confirm.revoke.unpaid", count=len(unpaid), amount=i18n.money(
                lang, Decimal(sum(t["amount_fen"] for t in unpaid)) / 100, exact=True)))
        said.append(_("confirm.revoke.released", amount=i18n.money_fen(lang, app["amount_fen"])))
    else:
        said = [_("confirm.reject.closed"),
                _("confirm.reject.requested", amount=i18n.money_fen(lang, app["requested_fen"]))]
    return confirm.ask(
        title=_(f"confirm.{action}.title", id=app["application_id"]), consequences=said,
        action=url_for("applications.act", application_id=app["application_id"],
                       action=action),
        form=form, button=_(f"confirm.{action}.button"),
        back=url_for("applications.show", application_id=app["application_id"]) + "#actions",
        summary=[(_("confirm.enterprise"), app["enterprise_name"]),
                 (_("confirm.reason"), forms.text(form, "reason")),
                 (_("confirm.date"), i18n.day(lang, forms.business_date(form)))])


def _clauses() -> list[dict]:
    """Every clause one may apply for, grouped by policy, with the figures each needs."""
    catalogue = services().ledger.catalogue
    return [{"policy": p, "items": [
        {"value": f"{p.id}:{art.number}:{it.key}", "article": art.number, "item": it,
         "needs": it.required_basis, "several": len(art.items) > 1, "title_zh": art.title_zh,
         "title_en": art.title_en}
        for art in p.articles.values() for it in art.items]}
        for p in catalogue.policies.values()]


def _submission(form, errors: dict[str, str]) -> dict:
    policy, _sep, rest = forms.text(form, "clause").partition(":")
    article, _sep, item = rest.partition(":")
    command = {"type": "SubmitApplication", "at": forms.business_date(form),
               "application_id": forms.text(form, "application_id"),
               "enterprise_id": forms.text(form, "enterprise_id").upper(),
               "policy": policy, "article": forms.whole(article),
               "basis": forms.basis(form, errors),
               "requested_amount": forms.amount(form, "requested_amount", errors)}
    if item:
        command["item"] = item
    if forms.text(form, "project_id"):
        command["project_id"] = forms.text(form, "project_id")
    return command


def _enterprise(typed: str, errors: dict[str, str]) -> tuple[str, list[dict]]:
    """The credit code of the enterprise typed in the picker: a code as it is, or a name
    (or part of one, or of a code) that one enterprise alone matches; when several or
    none do, the error goes in `errors` with the choices to show."""
    code = typed.strip().upper()
    if not typed.strip() or len(code) == 18:
        return code, []
    with services().reader() as views:
        found = application_list.pick_enterprises(views, typed, limit=20)
    exact = [e for e in found if e["name"] == typed.strip()]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]["enterprise_id"], []
    errors["enterprise_id"] = (_("pick.several", count=len(found)) if found
                               else _("pick.none"))
    return code, found


def _enterprise_name(enterprise_id: str) -> str | None:
    if not enterprise_id:
        return None
    with services().reader() as views:
        row = views.db.execute("SELECT name FROM enterprises WHERE enterprise_id = ?",
                               (enterprise_id.strip().upper(),)).fetchone()
    return row[0] if row else None


def _new_page(values, errors, choices=(), status: int = 200):
    return render_template("applications/new.html", values=values, errors=errors,
                           clauses=_clauses(), basis_fields=BASIS_FIELDS, choices=choices,
                           chosen=_enterprise_name(values.get("enterprise_id", ""))), status


@bp.route("/new", methods=["GET", "POST"])
@roles("staff")
def submit():
    """Record a new application (staff) for an enterprise (picked by name or code), under
    one clause."""
    if request.method == "GET":
        with services().reader() as views:
            suggested = pages.next_application_id(views, services().clock.today().year)
        values = {"at": forms.today(), "application_id": suggested,
                  "enterprise_id": request.args.get("enterprise_id", "")}
        return _new_page(values, {})
    form = forms.submitted()
    errors: dict[str, str] = {}
    typed = forms.text(form, "enterprise_pick") or forms.text(form, "enterprise_id")
    enterprise_id, choices = _enterprise(typed, errors)
    form["enterprise_id"] = typed if choices else enterprise_id
    command = _submission(form, errors)
    result, errors = forms.run(command, errors)
    if result is None:
        for name in ("policy", "article", "item"):
            if name in errors:
                errors.setdefault("clause", errors[name])
        return _new_page(form, errors, choices, 422)
    flash(_("action.done", what=f"{_('nav.submit')} {command['application_id']}"), "success")
    return redirect(url_for("applications.show", application_id=command["application_id"]), 303)
