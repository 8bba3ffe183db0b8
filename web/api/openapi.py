"""The OpenAPI 3 document of the API, generated with apispec from the marshmallow schemas.

Commands are documented from the contract's own schemas (`web.schemas.SCHEMAS`),
each with its `type` fixed so that `Command` is a `oneOf` a client can tell apart;
every endpoint from its `@operation` declaration (web/api/endpoints.py): path and
query parameters from their schemas, the request body, each response and its
schema, and the bearer-token security scheme.
"""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields, validate

from policies.catalogue import BASIS_FIELDS
from policies.money import MAX_AMOUNT
from web.api.auth import PUBLIC, WRITE
from web.api.commands import MAX_BATCH
from web.api.endpoints import PREFIX, Doc, Operation
from web.api.schemas import Failure, IdempotencyHeader
from web.schemas import SCHEMAS, Basis, Money

TITLE = "Grant Ledger API"
VERSION = "1.0.0"
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
401, `forbidden` 403, `method_not_allowed` 405, `idempotency_in_progress` and
`idempotency_interrupted` 409, `payload_too_large` 413, `unsupported_media_type` 415,
`idempotency_key_reused` 422. See docs/api.md."""
TAGS = (
    ("commands", "the contract's commands (staff)"),
    ("enterprises", "enterprises and their entitlements"),
    ("applications", "applications and their quotes"),
    ("flags", "what the scheduler flags"),
    ("catalogue", "the policy catalogue"),
    ("audit", "verification of the log and of every decision"),
    ("exports", "CSV and XLSX downloads"),
    ("imports", "historical awards from a sheet (staff)"),
    ("meta", "this document and the caller"),
)
MONEY = {"oneOf": [
    {"type": "string", "pattern": r"^\d{1,15}(\.\d{1,2})?$", "example": "1500000.00"},
    {"type": "integer", "minimum": 0, "maximum": int(MAX_AMOUNT) - 1}],
    "description": "yuan: a decimal string with at most two places (or a whole number)"}


def _money_and_basis(self, field, **kwargs) -> dict:
    """Attribute function: the contract's amount and basis fields, as they are read."""
    if isinstance(field, Money):
        return dict(MONEY)
    if isinstance(field, Basis):
        return {"type": "object", "additionalProperties": False,
                "properties": {name: dict(MONEY) for name in BASIS_FIELDS}}
    return {}


def _documented_command(name: str, schema: Schema) -> type[Schema]:
    """The contract's schema of a command, its `type` fixed to its name."""
    return type(name, (type(schema),), {
        "type": fields.String(required=True, validate=validate.OneOf([name])),
        "actor": fields.String(validate=validate.Length(min=1, max=200), metadata={
            "description": "ignored: the API records the token's user as the actor"}),
    })


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _response(doc: Doc) -> dict:
    response: dict = {"description": doc.description}
    if doc.content is not None:
        response["content"] = doc.content
    elif doc.schema is not None:
        one = doc.schema
        schema = {"oneOf": [one, {"type": "array", "items": one}]} if doc.either \
            else ({"type": "array", "items": one} if doc.many else one)
        response["content"] = {"application/json": {"schema": schema}}
    if doc.headers:
        response["headers"] = doc.headers
    return response


def _operation(op: Operation) -> dict:
    parameters: list[dict] = []
    if op.path is not None:
        parameters.append({"in": "path", "schema": op.path})
    parameters.append({"in": "query", "schema": op.query})
    if op.idempotent:
        parameters.append({"in": "header", "schema": IdempotencyHeader})
    responses = {str(status): _response(doc) for status, doc in sorted(op.responses.items())}
    if op.access != PUBLIC:
        responses["401"] = _response(Doc(
            "unauthorized: no valid token", Failure,
            headers={"WWW-Authenticate": {"schema": {"type": "string"},
                                          "description": "Bearer realm=\"grant-ledger\""}}))
    if op.access == WRITE:
        responses["403"] = _response(Doc("forbidden: only staff may write; nothing was "
                                         "written", Failure))
    responses = dict(sorted(responses.items()))
    found = {"operationId": op.endpoint, "tags": [op.tag], "summary": op.summary,
             "parameters": parameters, "responses": responses}
    if op.description:
        found["description"] = op.description
    if op.body is not None:
        found["requestBody"] = op.body
    if op.access == PUBLIC:
        found["security"] = []
    return found


def build(operations: list[Operation]) -> dict:
    """The OpenAPI document of these operations."""
    plugin = MarshmallowPlugin()
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.0.3", plugins=[plugin],
                   info={"description": DESCRIPTION}, servers=[{"url": PREFIX}],
                   tags=[{"name": n, "description": d} for n, d in TAGS],
                   security=[{"bearerAuth": []}])
    plugin.converter.add_attribute_function(_money_and_basis)
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "an API token: `grants users token NAME` prints one"})
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema=_documented_command(name, schema))
    spec.components.schema("Command", {
        "oneOf": [_ref(n) for n in SCHEMAS],
        "discriminator": {"propertyName": "type",
                          "mapping": {n: f"#/components/schemas/{n}" for n in SCHEMAS}}})
    spec.components.schema("CommandBatch", {
        "type": "array", "minItems": 1, "maxItems": MAX_BATCH,
        "description": "Commands, each judged on its own as `grants apply` judges a line: "
                       "an item that is not a valid Command is not refused with the batch, "
                       "it is answered by its own `invalid_command` line.",
        "items": {"anyOf": [_ref("Command"), {
            "description": "anything else: answered with its own invalid_command line"}]}})
    spec.components.schema("Failure", schema=Failure)
    by_path: dict[str, dict] = {}
    for op in operations:
        by_path.setdefault(_path(op.rule), {})[op.method.lower()] = _operation(op)
    for path, ops in by_path.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()
