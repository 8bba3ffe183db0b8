"""How the API answers a failure: the contract's error codes and its own, as HTTP statuses.

Mapping (docs/api.md): `invalid_command` is 400 whether the schema or the ledger
finds the field wrong (one mapping, so a client needs one rule); `not_found` 404;
`duplicate_id`, `invalid_transition` and `conflict` 409; the rule-level refusals
(`policy_not_in_force`, `ineligible`, `duplicate_support`, `exceeds_entitlement`,
`evaluation_required`) 422. Every failure body is `{"ok": false, "error": {"code",
"message", "fields"}}`, a failed command's also carries `"command"`, as its line does.

Every blueprint of the API answers its failures with the handlers below (registered
by web/api/blueprint.py), so an `ApiError` raised anywhere in a view, a werkzeug
HTTP error (413, 415) and a crash (500, logged) all answer in that one shape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from lifecycle.errors import CODES
from web import words

#: The contract's error codes (DOMAIN.md) and their HTTP statuses.
CONTRACT_STATUS = {
    "invalid_command": 400,
    "not_found": 404,
    "duplicate_id": 409,
    "invalid_transition": 409,
    "conflict": 409,
    "policy_not_in_force": 422,
    "ineligible": 422,
    "duplicate_support": 422,
    "exceeds_entitlement": 422,
    "evaluation_required": 422,
}
#: Codes of the API itself (never in a command's line), with their statuses.
API_STATUS = {
    "invalid_request": 400,  # a query parameter, header, path or upload is malformed
    "unauthorized": 401,
    "forbidden": 403,
    "method_not_allowed": 405,
    "idempotency_in_progress": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "idempotency_key_reused": 422,
    "server_error": 500,
}
#: A refusal code the ledger may add later reads as a rule-level refusal.
DEFAULT_REFUSAL_STATUS = 422
ERROR_CODES = tuple(dict.fromkeys((*CODES, *CONTRACT_STATUS, *API_STATUS)))
log = logging.getLogger(__name__)


def status_of_line(line: dict) -> int:
    """The HTTP status of one command's outcome (its contract line)."""
    if line.get("ok"):
        return 200
    code = (line.get("error") or {}).get("code")
    return CONTRACT_STATUS.get(code, API_STATUS.get(code, DEFAULT_REFUSAL_STATUS))


class ApiError(Exception):
    """A request the API refuses; the blueprint's handler turns it into a JSON failure."""

    def __init__(self, code: str, message: str, fields: dict | None = None,
                 headers: dict | None = None, status: int | None = None,
                 worded: bool = False):
        super().__init__(message)
        self.code, self.message, self.worded = code, message, worded
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})
        self.status = status or API_STATUS.get(code) or CONTRACT_STATUS.get(code, 400)

    def body(self) -> dict:
        return {"ok": False, "error": {"code": self.code, "message": spoken(self),
                                       "fields": self.fields}}


def spoken(error: ApiError) -> str:
    """The error's `message` in the reader's language (web/api/language.py): the API's own
    codes have words in the catalogues (`api.<code>`, naming the fields in error); the
    English reader, and a code without words, read the message as raised, and so does
    every reader a message raised `worded` (already in the reader's language)."""
    key = f"api.{error.code}"
    if error.worded or not words.reader().zh or not words.known(key, "zh"):
        return error.message
    said = words.text(key)
    if error.fields:
        said += words.text("api.fields", fields=words.listing(sorted(error.fields)))
    return said


def flat_fields(messages, prefix: str = "") -> dict[str, str]:
    """marshmallow's messages as `fields`: one reason per name, nested names dotted."""
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flat_fields(value, name + "."))
        else:
            flat[name] = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    return flat


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    """`payload` as the API writes JSON (the app's provider: see web/api/__init__.py)."""
    response = current_app.json.response(payload)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def failure(error: ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)


def from_http(e: HTTPException) -> ApiError:
    """A werkzeug HTTP error (413 while reading a body, ...) as the API's own code."""
    code = {413: "payload_too_large", 415: "unsupported_media_type",
            405: "method_not_allowed"}.get(e.code or 400, "invalid_request")
    return ApiError(code, e.description or e.name, status=API_STATUS.get(code, e.code))


def http_failure(e: HTTPException) -> Response:
    return failure(from_http(e))


def server_failure(e: Exception) -> Response:
    log.exception("API request failed: %s %s", request.method, request.path)
    return failure(ApiError("server_error", "the server failed to answer; nothing more is "
                            "known here (the failure is logged)"))


#: What each blueprint of the API registers: exception class -> handler.
HANDLERS: dict[type[Exception], Callable[..., Response]] = {
    ApiError: failure, HTTPException: http_failure, Exception: server_failure}


def answered(view: Callable, *args, **kwargs) -> Response:
    """The view's answer, a refusal it raises answered as the handlers would answer it
    (so that an idempotency key can keep it); a crash is left to propagate."""
    try:
        return view(*args, **kwargs)
    except ApiError as e:
        return failure(e)
    except HTTPException as e:
        return http_failure(e)
