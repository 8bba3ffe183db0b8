"""The API's blueprints: flask-smorest's, with what every part of this API shares.

Each part of the API (one tag of the document: commands, enterprises, ...) is a
`Blueprint`, nested in the `root` blueprint "api" under /api/v1 (nested, because the
dashboard has blueprints of the same names). Beyond flask-smorest's own, a part

- reads `@blp.arguments` strictly: an unknown name (`asof`) is an error, and any
  error answers 400 `invalid_request` naming each field (not webargs's 422);
  location "multipart" reads a multipart/form-data upload (files and fields
  together, one request body in the document), 415 when the body is something else;
- offers `access(PUBLIC|READ|WRITE)`, which authorizes the caller before anything
  else and documents 401/403 (or no security), and `idempotent`, which reads the
  `Idempotency-Key` header and runs the view at most once per key.

`root` answers every failure of every part in the API's one shape (web/api/errors.py)
and marks every answer `Cache-Control: no-store`; its words are in the language the
caller's Accept-Language asks for (web/api/language.py).

`fallback` answers what no endpoint does: a path no endpoint has (404), a method
its endpoint does not answer (405 with `Allow`), and OPTIONS (204 with `Allow`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import flask
import flask_smorest
from flask import Response, current_app, request
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import HTTPException

from web.api import idempotency, language
from web.api.auth import CHALLENGE, PUBLIC, WRITE, authorize, caller
from web.api.errors import HANDLERS, ApiError, answered, failure, flat_fields
from web.api.schemas import Failure, IdempotencyHeader

PREFIX = "/api/v1"
#: The 400 of an endpoint whose only inputs are its query (and path) parameters.
BAD_QUERY = "invalid_request: a query parameter is malformed or unknown"
#: How an error names the place of a wrong argument.
WHERE = {"query": "query", "path": "path", "headers": "header", "multipart": "form"}


class Parser(FlaskParser):
    """webargs's Flask parser, strict, answering the API's `invalid_request`."""

    DEFAULT_VALIDATION_STATUS = 400
    # None: the schema decides (Strict schemas raise on unknown names); headers keep
    # webargs's EXCLUDE, since a request carries many headers no schema names.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": None, "querystring": None, "multipart": None}
    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req, schema: Schema):
        """The files and fields of a multipart/form-data body, under one schema."""
        if req.mimetype != "multipart/form-data":
            raise ApiError("unsupported_media_type", "send the upload as multipart/form-data",
                           {"Content-Type": f"{req.mimetype or 'none'}, not "
                                            "multipart/form-data"})
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)

    def handle_error(self, error: ValidationError, req, schema: Schema, *,
                     error_status_code: int | None, error_headers) -> None:
        ((location, messages),) = error.messages.items()  # webargs: {location: messages}
        found = flat_fields(messages)
        raise ApiError("invalid_request", f"invalid {WHERE.get(location, location)}: " +
                       "; ".join(f"{k}: {v}" for k, v in found.items()), found)


def no_store(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


class Blueprint(flask_smorest.Blueprint):
    """One part of the API, named as its tag in the document; `root` puts it under /api/v1."""

    ARGUMENTS_PARSER = Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data"}

    def __init__(self, name: str, import_name: str, *, description: str = "",
                 max_body: int | None = None, **options):
        super().__init__(name, import_name, description=description, **options)
        if max_body is not None:
            # Before anything reads the body: werkzeug then answers 413 past the limit.
            self.before_request(functools.partial(_limit_body, max_body))

    def add_url_rule(self, rule, endpoint=None, view_func=None,
                     provide_automatic_options=None, *, tags=None, **options):
        # OPTIONS of every path is answered by `fallback` (204 with what it answers).
        view_func.provide_automatic_options = False
        super().add_url_rule(rule, endpoint, view_func, tags=tags or [self.name], **options)

    def access(self, level: str) -> Callable:
        """Authorize the caller for `level` before the view reads anything; document it."""

        def decorate(view: Callable) -> Callable:
            @functools.wraps(view)
            def authorized(*args, **kwargs):
                authorize(level)
                return view(*args, **kwargs)

            if level == PUBLIC:
                return self.doc(security=[])(authorized)
            documented = self.alt_response(
                401, schema=Failure, description="unauthorized: no valid token",
                headers={"WWW-Authenticate": {"schema": {"type": "string"},
                                              "description": CHALLENGE}})(authorized)
            if level == WRITE:
                documented = self.alt_response(
                    403, schema=Failure,
                    description="forbidden: only staff may write; nothing was written",
                )(documented)
            return documented

        return decorate

    def idempotent(self, view: Callable) -> Callable:
        """Read `Idempotency-Key`; with one, answer each user's key at most once
        (web/api/idempotency.py). Put it under `access`, above the body's arguments."""

        @functools.wraps(view)
        def at_most_once(*args, idempotency_key: dict, **kwargs):
            key = idempotency_key.get("key")
            if key is None:
                return view(*args, **kwargs)
            return idempotency.once(caller().username, key,
                                    functools.partial(answered, view, *args, **kwargs))

        return self.arguments(IdempotencyHeader, location="headers",
                              arg_name="idempotency_key")(at_most_once)


def _limit_body(max_body: int) -> None:
    request.max_content_length = max_body


def root(parts: tuple[Blueprint, ...]) -> Blueprint:
    """The API: its parts under /api/v1, each failure answered in the API's one shape
    (nested blueprints share their parent's handlers), every answer `no-store`. (The
    parent documents its parts: it reads their "multipart" arguments too.)"""
    api = Blueprint("api", __name__, url_prefix=PREFIX)
    for exception, handler in HANDLERS.items():
        api.register_error_handler(exception, handler)
    api.after_request(no_store)
    api.before_request(language.speak)
    api.after_request(language.said)
    api.teardown_request(language.done)
    for part in parts:
        api.register_blueprint(part)
    return api


# -- what no endpoint answers -----------------------------------------------------------

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CATCH_ALL = (*METHODS, "OPTIONS")
# A plain Flask blueprint: these routes are no endpoints of the document.
fallback = flask.Blueprint("api_fallback", __name__, url_prefix=PREFIX)


def _allowed(path: str) -> list[str]:
    """The methods some endpoint (not this catch-all) answers at `path`."""
    adapter = current_app.url_map.bind("localhost")
    allowed = []
    for method in METHODS:
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    return allowed


@fallback.route("/", defaults={"rest": ""}, methods=list(CATCH_ALL),
                provide_automatic_options=False)
@fallback.route("/<path:rest>", methods=list(CATCH_ALL), provide_automatic_options=False)
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


fallback.after_request(no_store)
fallback.before_request(language.speak)  # its refusals in the caller's language too
fallback.after_request(language.said)
fallback.teardown_request(language.done)
