"""The OpenAPI 3.0 document: flask-smorest's `Api`, with what this API says of itself.

flask-smorest (with apispec) writes the document from the blueprints' declarations:
each route, its `@blp.arguments` (parameters and request bodies), its
`@blp.response`/`@blp.alt_response` (every status and its schema), `@blp.doc` and
the view's docstring (summary, description); each blueprint is a tag. What is set
here: the title, the description, the server (/api/v1, so that paths read
`/commands`), the tags (the API's parts), the bearer-token security scheme, an
`operationId` per operation (its endpoint's name) and responses in the order of
their statuses.

Errors are not handled app-wide as flask-smorest would (the dashboard answers its
own): each API blueprint answers its failures itself (web/api/blueprint.py).
"""

from __future__ import annotations

import flask_smorest
from flask import Flask
from flask_smorest.spec.plugins import FlaskPlugin

from web.api.blueprint import PREFIX
from web.api.schemas import Failure

TITLE = "Grant Ledger API"
VERSION = "1.0.0"
OPENAPI_VERSION = "3.0.3"
DESCRIPTION = """\
The JSON API of the Tongzhou grant ledger. Writes are the contract's commands
(DOMAIN.md), answered with the same JSON lines as `grants apply`; reads are the
ledger's read models, quotes, entitlements, flags, the catalogue and the audit.

Authenticate with `Authorization: Bearer <token>` (`grants users token NAME`). Every
role (staff, auditor, admin) may read; only staff may write.

Status mapping of the contract's error codes: `invalid_command` 400; `not_found` 404;
`duplicate_id`, `invalid_transition`, `conflict` 409; `policy_not_in_force`,
`ineligible`, `duplicate_support`, `exceeds_entitlement`, `evaluation_required` 422.
The API's own: `invalid_request` 400 (a parameter, header or upload), `unauthorized`
401, `forbidden` 403, `method_not_allowed` 405, `idempotency_in_progress` 409,
`payload_too_large` 413, `unsupported_media_type` 415, `idempotency_key_reused` 422.
See docs/api.md."""
#: The order of an operation's parameters (webargs's names of the places, and OpenAPI's).
PLACES = {place: n for n, place in enumerate(("path", "query", "header", "headers"))}
BEARER = {"type": "http", "scheme": "bearer",
          "description": "an API token: `grants users token NAME` prints one"}


class ServerPaths(FlaskPlugin):
    """Paths as seen from the document's server (/api/v1), their parameters from the
    views' path schemas alone; each operation named by its endpoint, its parameters
    in the order path, query, header and its responses in the order of statuses."""

    def path_helper(self, rule, operations=None, parameters=None, **kwargs):
        return self.flaskpath2openapi(rule.rule).removeprefix(PREFIX)

    def operation_helper(self, path=None, operations=None, **kwargs):
        endpoint = kwargs["rule"].endpoint.rpartition(".")[2]
        for operation in (operations or {}).values():
            operation.setdefault("operationId", endpoint)
            operation["parameters"] = sorted(operation.get("parameters", []), key=_place)
            operation["responses"] = dict(sorted(operation.get("responses", {}).items(),
                                                 key=lambda item: str(item[0])))


def _place(parameter) -> int:
    where = parameter.get("in") if isinstance(parameter, dict) else None  # or a $ref's name
    return PLACES.get(where, len(PLACES))


class Api(flask_smorest.Api):
    """flask-smorest's Api, documenting failures with the API's one `Failure` shape."""

    ERROR_SCHEMA = Failure
    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists the statuses it answers

    def _register_error_handlers(self):
        """None app-wide: the API's blueprints answer their own failures."""

    def _register_pagination_header(self):
        """None: the API pages with limit and offset (docs/api.md), not with flask-smorest's
        page and page_size, so its pagination header is no part of the document."""


def api(app: Flask, parts: tuple[flask_smorest.Blueprint, ...]) -> Api:
    """The flask-smorest Api of `app`, before any blueprint is registered with it; its
    tags are the API's parts (nested in one blueprint, whose own name is no tag)."""
    made = Api(app, spec_kwargs={
        "title": TITLE, "version": VERSION, "openapi_version": OPENAPI_VERSION,
        "flask_plugin": ServerPaths(), "info": {"description": DESCRIPTION},
        "servers": [{"url": PREFIX}], "security": [{"bearerAuth": []}],
        "tags": [{"name": p.name, "description": p.description} for p in parts]})
    made.spec.components.security_scheme("bearerAuth", BEARER)
    return made
