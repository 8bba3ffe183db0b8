"""The API about itself: its OpenAPI document, and who a token belongs to."""

from __future__ import annotations

from flask import current_app

from web.api.auth import PUBLIC
from web.api.endpoints import Doc, Reply, operation
from web.api.errors import json_response
from web.api.schemas import Failure, Me

OPENAPI = "grants_api_openapi"


@operation("GET", "/openapi.json", tag="meta", access=PUBLIC,
           summary="This document (OpenAPI 3.0), generated from the API's schemas",
           responses={200: Doc("The OpenAPI document", content={
               "application/json": {"schema": {"type": "object"}}}),
               400: Doc("invalid_request: a query parameter is unknown", Failure)})
def openapi_document(user, args):
    """The document built when the API was registered."""
    return json_response(current_app.extensions[OPENAPI])


@operation("GET", "/me", tag="meta", summary="Who the token belongs to",
           responses={200: Doc("The user and role", Me),
                      400: Doc("invalid_request: a query parameter is unknown", Failure)})
def me(user, args):
    """The user the token acts for."""
    return Reply(200, user)
