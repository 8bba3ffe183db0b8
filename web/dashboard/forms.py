"""From a submitted form to a contract command, through the one path every write takes.

Form fields are named as the contract names them (`at`, `amount`,
`basis.event_expenditure`, `tranches.0.year`), so the `fields` of a refusal,
from the schema or from the ledger, point straight at the field to mark.

Every error of a form comes back in one round, each under its field: amounts as staff
type them are read first (web/dashboard/amounts.py), then the command's schema names
every field it cannot read, and the checks that need no stored state (the credit code's
check character, a date after today) are asked of the domain at the same time; only what
the ledger decides on the stored records (a cap, a status) comes after those.
"""

from __future__ import annotations

import re
from datetime import date

from flask import request
from werkzeug.datastructures import MultiDict

from lifecycle import credit_code
from lifecycle.errors import Refused
from policies.catalogue import BASIS_FIELDS
from web import contract, words
from web.dashboard import amounts
from web.dashboard.access import current_user, services
from web.messages import field_message
from web.schemas import load_command

FORM_ERROR = "_form"
WHOLE_NUMBER = re.compile(r"^-?[0-9]{1,9}$")  # ASCII digits: never int() on "٣" or "²"
#: marshmallow names a bad value of a mapping `<name>.value` (its key `<name>.key`).
_MAPPING_PART = re.compile(r"\.(value|key)$")


def text(form: MultiDict, name: str) -> str:
    return (form.get(name) or "").strip()


def whole(value: str) -> int | str:
    """A whole number where the text is one; otherwise the text, for the schema to refuse."""
    return int(value) if WHOLE_NUMBER.match(value) else value


def business_date(form: MultiDict) -> str:
    return text(form, "at")


def amount(form: MultiDict, name: str, errors: dict[str, str]) -> str:
    """The amount typed in `name` as the contract writes it ("1440000.00"); when it is
    no amount, its error goes in `errors` and the text is passed on as typed."""
    typed = text(form, name)
    if not typed:
        return typed
    try:
        return amounts.contract_text(typed)
    except amounts.AmountError as e:
        errors[name] = words.text(f"amount.{e.reason}", **e.values)
        return typed


def basis(form: MultiDict, errors: dict[str, str] | None = None) -> dict[str, str]:
    """The basis figures filled in (empty fields left out), each read as an amount."""
    errors = {} if errors is None else errors
    return {name: amount(form, f"basis.{name}", errors) for name in BASIS_FIELDS
            if text(form, f"basis.{name}")}


def tranches(form: MultiDict, rows: int, errors: dict[str, str] | None = None
             ) -> list[dict] | None:
    """The tranche plan's filled rows, or None when none is filled (one tranche by default)."""
    errors = {} if errors is None else errors
    plan = []
    for i in range(rows):
        year, money = text(form, f"tranches.{i}.year"), text(form, f"tranches.{i}.amount")
        if year or money:
            plan.append({"year": whole(year), "amount": amount(form, f"tranches.{i}.amount",
                                                               errors)})
    return plan or None


def field_name(name: str) -> str:
    """The form field a refusal's field names (`basis.x.value` is the input `basis.x`)."""
    return _MAPPING_PART.sub("", name)


def _stateless_checks(command: dict) -> dict[str, str]:
    """What the domain refuses without reading a record, asked now so that it comes back
    with the schema's verdict: the credit code's check character, a date after today."""
    found = {}
    if command.get("type") == "RegisterEnterprise" and command.get("enterprise_id"):
        problem = credit_code.problem(command["enterprise_id"])
        if problem is not None:
            found["enterprise_id"] = field_message(problem[0], problem[1])
    try:
        at = date.fromisoformat(str(command.get("at") or ""))
    except ValueError:
        at = None
    today = services().clock.today()
    if at is not None and at > today:
        found["at"] = field_message("after_today", {"today": today})
    return found


def check(command: dict, errors: dict[str, str] | None = None) -> dict[str, str]:
    """Every error the form's command has before the ledger is asked, by field: those
    found reading the form (`errors`), the schema's, and the stateless checks."""
    found = dict(errors or {})
    try:
        load_command(command, actor=current_user().username)
    except Refused as refused:
        for name, why in contract.error(refused)["fields"].items():
            found.setdefault(field_name(name), why)
    for name, why in _stateless_checks(command).items():
        found.setdefault(name, why)
    return found


def refusal_errors(error: dict) -> dict[str, str]:
    """A refused line's error as the form's errors: each field under its name, the message
    for the form when no field is named."""
    fields = {field_name(k): v for k, v in error["fields"].items()}
    return fields or {FORM_ERROR: error["message"]}


def run(command: dict, errors: dict[str, str] | None = None
        ) -> tuple[dict | None, dict[str, str]]:
    """Validate the command and carry it out as the logged-in user.

    Answers (the contract line, {}) on success, or (None, errors by field; the message
    under FORM_ERROR where no field is named). `errors` are those found reading the
    form (amounts); they come back with every other error of the form at once.
    """
    found = check(command, errors)
    if found:
        return None, found
    result = services().execute_json(command, actor=current_user().username)
    if result["ok"]:
        return result, {}
    return None, refusal_errors(result["error"])


def rehearse(command: dict, errors: dict[str, str] | None = None
             ) -> tuple[dict | None, dict[str, str]]:
    """As `run`, decided by the ledger but never saved (a Rehearsal): what the command
    would do, for a page that asks for confirmation first."""
    from lifecycle.ledger import Rehearsal

    found = check(command, errors)
    if found:
        return None, found
    ledger = services()
    cmd = load_command(command, actor=current_user().username)
    result = ledger.run([cmd], rehearsal=Rehearsal(ledger.ledger))[0]
    if result["ok"]:
        return result, {}
    return None, refusal_errors(result["error"])


def today() -> str:
    return services().clock.today().isoformat()


def submitted() -> MultiDict:
    """The submitted form, without its CSRF token."""
    form = request.form.copy()
    form.pop("csrf_token", None)
    return form
