"""From a submitted form to a contract command, through the one path every write takes.

Form fields are named as the contract names them (`at`, `amount`,
`basis.event_expenditure`, `tranches.0.year`), so the `fields` of a refusal,
from the schema or from the ledger, point straight at the field to mark.
"""

from __future__ import annotations

import re

from flask import request
from werkzeug.datastructures import MultiDict

from lifecycle.errors import Refused
from policies.catalogue import BASIS_FIELDS
from web import contract
from web.dashboard.access import current_user, services
from web.schemas import load_command

FORM_ERROR = "_form"
WHOLE_NUMBER = re.compile(r"^-?[0-9]{1,9}$")  # ASCII digits: never int() on "٣" or "²"


def text(form: MultiDict, name: str) -> str:
    return (form.get(name) or "").strip()


def whole(value: str) -> int | str:
    """A whole number where the text is one; otherwise the text, for the schema to refuse."""
    return int(value) if WHOLE_NUMBER.match(value) else value


def business_date(form: MultiDict) -> str:
    return text(form, "at")


def basis(form: MultiDict) -> dict[str, str]:
    """The basis figures filled in (empty fields left out)."""
    return {name: text(form, f"basis.{name}") for name in BASIS_FIELDS
            if text(form, f"basis.{name}")}


def tranches(form: MultiDict, rows: int) -> list[dict] | None:
    """The tranche plan's filled rows, or None when none is filled (one tranche by default)."""
    plan = []
    for i in range(rows):
        year, amount = text(form, f"tranches.{i}.year"), text(form, f"tranches.{i}.amount")
        if year or amount:
            plan.append({"year": whole(year), "amount": amount})
    return plan or None


def run(command: dict) -> tuple[dict | None, dict[str, str]]:
    """Validate the command (web.schemas) and carry it out as the logged-in user.

    Answers (the contract line, {}) on success, or (None, errors): the refusal's
    fields, and its message under FORM_ERROR.
    """
    actor = current_user().username
    try:
        load_command(command, actor=actor)
    except Refused as refused:
        error = contract.error(refused)
        return None, {**error["fields"], FORM_ERROR: error["message"]}
    result = services().execute_json(command, actor=actor)
    if result["ok"]:
        return result, {}
    error = result["error"]
    return None, {**error["fields"], FORM_ERROR: error["message"]}


def today() -> str:
    return services().clock.today().isoformat()


def submitted() -> MultiDict:
    """The submitted form, without its CSRF token."""
    form = request.form.copy()
    form.pop("csrf_token", None)
    return form
