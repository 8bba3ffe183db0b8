"""POST /api/v1/commands: the contract's commands, one or a batch, as `grants apply` runs them.

Each command goes through `Services.execute_json` with the caller as actor (an
`actor` in the body is replaced), and answers its contract line. A single command
answers with the status of its outcome (docs/api.md); a batch (a JSON array)
answers 200 with one line per command, in order, each with its own outcome: like
`grants apply`, it goes on after a failed command.

The body is read by the contract's own reader (web/schemas.py, through the
services), not by a schema of the API: an item that is no valid command is answered
by its own `invalid_command` line, as `grants apply` answers it. So the body is
documented from the contract's schemas (`describe`), and the lines go out as the
ledger wrote them.
"""

from __future__ import annotations

from flask import Response, request
from marshmallow import Schema, fields, validate

from policies.catalogue import BASIS_FIELDS
from policies.money import AMOUNT_PATTERN, MAX_AMOUNT
from web import contract, inputs
from web.api.auth import WRITE, caller
from web.api.blueprint import Blueprint
from web.api.context import services
from web.api.errors import ApiError, json_response, status_of_line
from web.api.idempotency import command_ids
from web.api.schemas import CommandLine, EmptyQuery, Failure
from web.schemas import SCHEMAS, Basis, Money

MAX_BATCH = 1000
MAX_JSON = 5 * 1024 * 1024  # bytes of a command batch

commands = Blueprint("commands", __name__, max_body=MAX_JSON,
                     description="the contract's commands (staff)")


# -- the body, documented from the contract's schemas -------------------------------------

MONEY = {"oneOf": [
    {"type": "string", "pattern": AMOUNT_PATTERN, "example": "1500000.00"},
    {"type": "integer", "minimum": 0, "maximum": int(MAX_AMOUNT) - 1}],
    "description": "yuan: a decimal string with at most two places (or a whole number)"}


def _money_and_basis(self, field, **kwargs) -> dict:
    """apispec attribute function: the contract's amount and basis fields, as they are read."""
    if isinstance(field, Money):
        return dict(MONEY)
    if isinstance(field, Basis):
        return {"type": "object", "additionalProperties": False,
                "properties": {name: dict(MONEY) for name in BASIS_FIELDS}}
    return {}


def _documented(name: str, schema: Schema) -> type[Schema]:
    """The contract's schema of a command, its `type` fixed to its name."""
    return type(name, (type(schema),), {
        "type": fields.String(required=True, validate=validate.OneOf([name])),
        "actor": fields.String(validate=validate.Length(min=1, max=200), metadata={
            "description": "ignored: the API records the token's user as the actor"}),
    })


DOCUMENTED = {name: _documented(name, schema) for name, schema in SCHEMAS.items()}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def describe(api) -> None:
    """Put the contract's commands in `api`'s document: one schema per command, `Command`
    (a oneOf told apart by `type`) and `CommandBatch`."""
    api.ma_plugin.converter.add_attribute_function(_money_and_basis)
    for name, schema in DOCUMENTED.items():
        api.spec.components.schema(name, schema=schema)
    api.spec.components.schema("Command", {
        "oneOf": [_ref(n) for n in DOCUMENTED],
        "discriminator": {"propertyName": "type",
                          "mapping": {n: f"#/components/schemas/{n}" for n in DOCUMENTED}}})
    api.spec.components.schema("CommandBatch", {
        "type": "array", "minItems": 1, "maxItems": MAX_BATCH,
        "description": "Commands, each judged on its own as `grants apply` judges a line: "
                       "an item that is not a valid Command is not refused with the batch, "
                       "it is answered by its own `invalid_command` line.",
        "items": {"anyOf": [_ref("Command"), {
            "description": "anything else: answered with its own invalid_command line"}]}})


BODY = {"required": True, "content": {"application/json": {"schema": {
    "oneOf": [_ref("Command"), _ref("CommandBatch")]}}}}
LINES = {"oneOf": [CommandLine, {"type": "array", "items": CommandLine}]}
DESCRIPTION = f"""\
The body is one command of the contract (a JSON object) or a batch (a JSON array of
them). Each is carried out atomically through the one write path and answers the JSON
line `grants apply` prints for it; the authenticated user is recorded as the actor.

A single command answers with the status of its outcome: 200 when it was recorded;
400 `invalid_command`; 404 `not_found`; 409 `duplicate_id`, `invalid_transition` or
`conflict`; 422 for a rule-level refusal (`policy_not_in_force`, `ineligible`,
`duplicate_support`, `exceeds_entitlement`, `evaluation_required`). A batch answers 200
with one line per command, each with its own `ok` and `error`; a failed command writes
nothing and the batch goes on. A batch holds 1 to {MAX_BATCH} commands.

Send an `Idempotency-Key` to make a retry safe, on any node: the same key and body answer
the first answer again and record nothing more; each command of the request runs once
under an id derived from the key, so a request that never finished is recovered by
sending it again under the same key."""


# -- the endpoint -------------------------------------------------------------------------


def _not_json(message: str, fields: dict) -> Response:
    """A body that is no command at all: a line with `"command": null`, as `grants apply`."""
    return json_response(contract.refused_line(None, contract.InputRefused(message, fields)),
                         400)


@commands.route("/commands", methods=["POST"])
@commands.access(WRITE)
@commands.arguments(EmptyQuery, location="query", as_kwargs=True)
@commands.idempotent
@commands.doc(requestBody=BODY, description=DESCRIPTION)
@commands.response(200, LINES, description="Recorded (one command), or the batch's lines, "
                                           "one per command")
@commands.alt_response(400, schema=Failure, description="invalid_command: the body or a "
                       "field is malformed (or invalid_request: a query parameter or the "
                       "Idempotency-Key header)")
@commands.alt_response(404, schema=Failure,
                       description="not_found: the enterprise or application is not known")
@commands.alt_response(409, schema=Failure, description="duplicate_id, invalid_transition "
                       "or conflict; or the Idempotency-Key's first request is still running")
@commands.alt_response(413, schema=Failure,
                       description="payload_too_large: the body is over 5 MB")
@commands.alt_response(415, schema=Failure,
                       description="unsupported_media_type: the body is not application/json")
@commands.alt_response(422, schema=Failure, description="a rule-level refusal; or the "
                       "Idempotency-Key was used for another request")
def record_commands():
    """Record one command, or a batch of commands"""
    if request.mimetype != "application/json":
        raise ApiError("unsupported_media_type", "send the commands as application/json",
                       {"Content-Type": f"{request.mimetype or 'none'}, not application/json"})
    try:
        text = request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as e:
        return _not_json(f"not UTF-8: {e.reason}", {"_body": "not UTF-8"})
    try:  # the limits of every JSON input: size, depth, numbers (web/inputs.py)
        data = inputs.read_json(text, where="_body", max_chars=inputs.MAX_BODY, batch=True)
    except inputs.UnreadableInput as e:
        return json_response(contract.refused_line(e.command, e), 400)
    ledger, actor, ids = services(), caller().username, command_ids()
    if isinstance(data, list):
        if not 1 <= len(data) <= MAX_BATCH:
            return _not_json(f"a batch holds 1 to {MAX_BATCH} commands, not {len(data)}",
                             {"_body": f"1 to {MAX_BATCH} commands"})
        # Saved in groups, as `grants apply` saves them; the same lines as one by one.
        return json_response(ledger.execute_json_many(data, actor=actor, ids=ids))
    line = ledger.execute_json(data, actor=actor, ids=ids)
    return json_response(line, status_of_line(line))
