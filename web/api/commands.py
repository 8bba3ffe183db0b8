"""POST /api/v1/commands: the contract's commands, one or a batch, as `grants apply` runs them.

Each command goes through `Services.execute_json` with the caller as actor (an
`actor` in the body is replaced), and answers its contract line. A single command
answers with the status of its outcome (docs/api.md); a batch (a JSON array)
answers 200 with one line per command, in order, each with its own outcome: like
`grants apply`, it goes on after a failed command.
"""

from __future__ import annotations

import json

from flask import current_app, request

from web import contract
from web.api.auth import WRITE
from web.api.endpoints import MAX_JSON, Doc, Reply, operation
from web.api.errors import ApiError, status_of_line
from web.api.schemas import CommandLine, Failure
from web.app import services

MAX_BATCH = 1000
BATCH_RULES = f"A batch holds 1 to {MAX_BATCH} commands."


def _not_json(message: str, fields: dict) -> Reply:
    """A body that is no command at all: a line with `"command": null`, as `grants apply`."""
    return Reply(400, {"ok": False, "command": None,
                       "error": contract.error(contract.InputRefused(message, fields))})


@operation(
    "POST", "/commands", tag="commands", access=WRITE, idempotent=True, max_body=MAX_JSON,
    summary="Record one command, or a batch of commands",
    description=f"""
The body is one command of the contract (a JSON object) or a batch (a JSON array of
them). Each is carried out atomically through the one write path and answers the JSON
line `grants apply` prints for it; the authenticated user is recorded as the actor.

A single command answers with the status of its outcome: 200 when it was recorded;
400 `invalid_command`; 404 `not_found`; 409 `duplicate_id`, `invalid_transition` or
`conflict`; 422 for a rule-level refusal (`policy_not_in_force`, `ineligible`,
`duplicate_support`, `exceeds_entitlement`, `evaluation_required`). A batch answers 200
with one line per command, each with its own `ok` and `error`; a failed command writes
nothing and the batch goes on. {BATCH_RULES}

Send an `Idempotency-Key` to make a retry safe: the same key and body answer the first
answer again and record nothing more.""",
    body={"required": True, "content": {"application/json": {"schema": {"oneOf": [
        {"$ref": "#/components/schemas/Command"},
        {"$ref": "#/components/schemas/CommandBatch"}]}}}},
    responses={
        200: Doc("Recorded (one command), or the batch's lines, one per command",
                 CommandLine, either=True),
        400: Doc("invalid_command: the body or a field is malformed (or invalid_request: "
                 "the Idempotency-Key header)", Failure),
        404: Doc("not_found: the enterprise or application is not known", Failure),
        409: Doc("duplicate_id, invalid_transition or conflict; or the Idempotency-Key's "
                 "first request is still running or was interrupted", Failure),
        413: Doc("payload_too_large: the body is over 5 MB", Failure),
        415: Doc("unsupported_media_type: the body is not application/json", Failure),
        422: Doc("a rule-level refusal; or the Idempotency-Key was used for another "
                 "request", Failure),
    })
def record_commands(user, args):
    """Carry out the body's command or batch, as `grants apply` would."""
    if request.mimetype != "application/json":
        raise ApiError("unsupported_media_type", "send the commands as application/json",
                       {"Content-Type": f"{request.mimetype or 'none'}, not application/json"})
    try:
        data = json.loads(request.get_data(cache=True).decode("utf-8"))
    except UnicodeDecodeError as e:
        return _not_json(f"not UTF-8: {e.reason}", {"_body": "not UTF-8"})
    except json.JSONDecodeError as e:
        return _not_json(f"not JSON: {e.msg} at column {e.colno}", {"_body": "not JSON"})
    ledger = services(current_app)
    if isinstance(data, list):
        if not 1 <= len(data) <= MAX_BATCH:
            return _not_json(f"a batch holds 1 to {MAX_BATCH} commands, not {len(data)}",
                             {"_body": f"1 to {MAX_BATCH} commands"})
        # Saved in groups, as `grants apply` saves them; the same lines as one by one.
        return Reply(200, ledger.execute_json_many(data, actor=user.username), many=True)
    line = ledger.execute_json(data, actor=user.username)
    return Reply(status_of_line(line), line)
