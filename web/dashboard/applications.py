"""Applications: one application's page with its quote and the actions open to staff,
and the form that records a new one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from lifecycle.errors import Refused
from lifecycle.status import UNDECIDED, Status, Step, steps_open
from policies.catalogue import BASIS_FIELDS
from projections import pages
from web.dashboard import forms, i18n
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
    result, errors = forms.run(command, errors)
    if result is None:
        return _page(application_id, action, form, errors, 422)
    what = _(f"action.{action}")
    if "amount" in result:
        what = f"{what} {i18n.money(language(), result['amount'], exact=True)}"
    flash(_("action.done", what=what), "success")
    return redirect(url_for("applications.show", application_id=application_id), 303)


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


@bp.route("/new", methods=["GET", "POST"])
@roles("staff")
def submit():
    """Record a new application (staff) for an enterprise, under one clause."""
    if request.method == "GET":
        with services().reader() as views:
            suggested = pages.next_application_id(views, services().clock.today().year)
        values = {"at": forms.today(), "application_id": suggested,
                  "enterprise_id": request.args.get("enterprise_id", "")}
        return render_template("applications/new.html", values=values, errors={},
                               clauses=_clauses(), basis_fields=BASIS_FIELDS)
    form = forms.submitted()
    errors: dict[str, str] = {}
    command = _submission(form, errors)
    result, errors = forms.run(command, errors)
    if result is None:
        for name in ("policy", "article", "item"):
            if name in errors:
                errors.setdefault("clause", errors[name])
        return render_template("applications/new.html", values=form, errors=errors,
                               clauses=_clauses(), basis_fields=BASIS_FIELDS), 422
    flash(_("action.done", what=f"{_('nav.submit')} {command['application_id']}"), "success")
    return redirect(url_for("applications.show", application_id=command["application_id"]), 303)
