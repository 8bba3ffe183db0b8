"""The API's blueprint and the one decorator every endpoint is declared with.

`@operation(...)` declares an endpoint once: its route, who may call it, the
schemas of its path and query parameters, its request body and its responses.
The same declaration checks each request (token, role, parameters, size,
Idempotency-Key), shapes each answer with the response's schema, and feeds the
OpenAPI document (web/api/openapi.py), so what is documented is what runs.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from web.api import idempotency
from web.api.auth import READ, WRITE, authorize
from web.api.errors import API_STATUS, ApiError, failure, json_response
from web.api.schemas import EmptyQuery, IdempotencyHeader

PREFIX = "/api/v1"
API_KEYS = "grants_api_keys"
MAX_JSON = 5 * 1024 * 1024  # bytes of a command batch
log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix=PREFIX)


@dataclass(frozen=True)
class Doc:
    """One documented response: its description and what its body is."""

    description: str
    schema: type[Schema] | None = None  # the JSON body's schema
    many: bool = False
    either: bool = False  # one of the schema, or an array of it (the reply says which)
    content: dict | None = None  # a non-JSON body: {content type: OpenAPI schema}
    headers: dict = field(default_factory=dict)  # name -> OpenAPI header object


@dataclass(frozen=True)
class Reply:
    """What a view answers: a status and a payload the status's schema shapes."""

    status: int
    payload: Any
    headers: dict = field(default_factory=dict)
    many: bool | None = None  # for a response documented as `either`


@dataclass(frozen=True)
class Operation:
    endpoint: str
    method: str
    rule: str
    tag: str
    summary: str
    description: str
    access: str
    query: type[Schema]
    path: type[Schema] | None
    body: dict | None  # OpenAPI requestBody
    responses: dict[int, Doc]
    idempotent: bool
    max_body: int | None


OPERATIONS: list[Operation] = []


def _flatten(messages, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    return flat


def load(schema: type[Schema], data: dict, where: str) -> dict:
    """`data` read by `schema`, or ApiError invalid_request naming each wrong name."""
    try:
        return schema().load(data)
    except ValidationError as e:
        found = _flatten(e.messages)
        raise ApiError("invalid_request", f"invalid {where}: " + "; ".join(
            f"{k}: {v}" for k, v in found.items()), found) from None


def _idempotency_key() -> str | None:
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    return load(IdempotencyHeader, {"Idempotency-Key": value}, "header")["key"]


def _fingerprint() -> str:
    content_type = request.mimetype or ""
    if content_type == "multipart/form-data":
        files = {name: (f.filename or "", f.read()) for name, f in request.files.items()}
        for f in request.files.values():
            f.seek(0)
        return idempotency.fingerprint(request.method, request.path,
                                       request.query_string.decode("latin-1"), content_type,
                                       b"", files, request.form.to_dict())
    return idempotency.fingerprint(request.method, request.path,
                                   request.query_string.decode("latin-1"), content_type,
                                   request.get_data(cache=True))


def _http_error(e: HTTPException) -> ApiError:
    code = {413: "payload_too_large", 415: "unsupported_media_type",
            405: "method_not_allowed"}.get(e.code or 400, "invalid_request")
    return ApiError(code, e.description or e.name, status=API_STATUS.get(code, e.code))


def _respond(op: Operation, result) -> Response:
    if isinstance(result, Response):
        return result
    doc = op.responses.get(result.status)
    payload = result.payload
    if doc is not None and doc.schema is not None:
        many = doc.many if result.many is None else result.many
        payload = doc.schema(many=many).dump(payload)
    return json_response(payload, result.status, result.headers)


def _run(op: Operation, view: Callable, user, args: dict, path: dict) -> Response:
    """The view's answer; a refusal it raises is an answer too (and kept under a key)."""
    try:
        return _respond(op, view(user=user, args=args, **path))
    except ApiError as e:
        return failure(e)
    except HTTPException as e:
        return failure(_http_error(e))


def _with_key(op: Operation, view: Callable, user, args: dict, path: dict,
              key: str) -> Response:
    keys: idempotency.Keys = current_app.extensions[API_KEYS]
    answer = keys.claim(user.username, key, _fingerprint(),
                        wait=float(current_app.config.get("GRANTS_IDEMPOTENCY_WAIT",
                                                          idempotency.WAIT)))
    if answer is not None:
        response = Response(answer.body, status=answer.status, content_type=answer.content_type)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    try:
        response = _run(op, view, user, args, path)
    except BaseException:
        keys.interrupt(user.username, key)
        raise
    keys.finish(user.username, key, idempotency.Answer(
        response.status_code, response.get_data(), response.content_type))
    return response


def operation(method: str, rule: str, *, tag: str, summary: str, responses: dict[int, Doc],
              description: str = "", access: str = READ, query: type[Schema] = EmptyQuery,
              path: type[Schema] | None = None, body: dict | None = None,
              idempotent: bool = False, max_body: int | None = None) -> Callable:
    """Declare an endpoint: route, access, parameter schemas, body and responses.

    The view is called as `view(user=..., args=<query, loaded>, **<path, loaded>)` and
    answers a `Reply` (shaped by the schema of its status) or a Flask `Response`.
    """

    def decorate(view: Callable) -> Callable:
        op = Operation(view.__name__, method, rule, tag, summary, description.strip(), access,
                       query, path, body, responses, idempotent, max_body)

        @functools.wraps(view)
        def handle(**path_values):
            try:
                user = authorize(op.access)
                path_args = load(op.path, path_values, "path") if op.path else {}
                args = load(op.query, request.args.to_dict(), "query")
                if op.max_body is not None:
                    request.max_content_length = op.max_body
                key = _idempotency_key() if op.idempotent else None
                if key is not None:
                    return _with_key(op, view, user, args, path_args, key)
            except ApiError as e:
                return failure(e)
            except HTTPException as e:
                return failure(_http_error(e))
            return _run(op, view, user, args, path_args)

        # OPTIONS is answered by `unknown` below, which lists this rule's methods only.
        bp.add_url_rule(rule, endpoint=op.endpoint, view_func=handle, methods=[method],
                        provide_automatic_options=False)
        OPERATIONS.append(op)
        return handle

    return decorate


# -- what no endpoint answers -----------------------------------------------------------

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CATCH_ALL = (*METHODS, "OPTIONS")


def _allowed(path: str) -> list[str]:
    """The methods some endpoint (not this catch-all) answers at `path`."""
    adapter = current_app.url_map.bind("localhost")
    allowed = []
    for method in METHODS:
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        if endpoint != "api.unknown":
            allowed.append(method)
    return allowed


@bp.route("/", defaults={"rest": ""}, methods=list(CATCH_ALL),
          provide_automatic_options=False)
@bp.route("/<path:rest>", methods=list(CATCH_ALL), provide_automatic_options=False)
def unknown(rest: str):
    """OPTIONS of any endpoint; JSON for a path no endpoint has, or a method it does not
    answer (405 with the methods it does)."""
    allowed = _allowed(request.path)
    if not allowed:
        return failure(ApiError("not_found", f"no such API path: {request.path}", status=404))
    allow = ", ".join([*allowed, "HEAD", "OPTIONS"] if "GET" in allowed
                      else [*allowed, "OPTIONS"])
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": allow})
    return failure(ApiError("method_not_allowed", f"{request.method} is not answered here; "
                            f"allowed: {allow}", headers={"Allow": allow}))


@bp.errorhandler(HTTPException)
def http_error(e: HTTPException):
    return failure(_http_error(e))


@bp.errorhandler(Exception)
def server_error(e: Exception):
    log.exception("API request failed: %s %s", request.method, request.path)
    return failure(ApiError("server_error", "the server failed to answer; nothing more is "
                            "known here (the failure is logged)"))


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


__all__ = ["Doc", "OPERATIONS", "Reply", "WRITE", "bp", "load", "operation"]
