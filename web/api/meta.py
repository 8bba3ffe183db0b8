"""The API about itself: its OpenAPI document, and who a token belongs to."""

from __future__ import annotations

from flask_smorest import current_api

from web.api.auth import PUBLIC, READ, caller
from web.api.blueprint import BAD_QUERY, Blueprint
from web.api.errors import json_response
from web.api.schemas import EmptyQuery, Failure, Me

meta = Blueprint("meta", __name__, description="this document and the caller")


@meta.route("/openapi.json")
@meta.access(PUBLIC)
@meta.arguments(EmptyQuery, location="query", as_kwargs=True)
@meta.response(200, {"type": "object"}, description="The OpenAPI document")
@meta.alt_response(400, schema=Failure, description=BAD_QUERY)
def openapi_document():
    """This document (OpenAPI 3.0), generated from the API's schemas"""
    return json_response(current_api.spec.to_dict())


@meta.route("/me")
@meta.access(READ)
@meta.arguments(EmptyQuery, location="query", as_kwargs=True)
@meta.response(200, Me, description="The user and role")
@meta.alt_response(400, schema=Failure, description=BAD_QUERY)
def me():
    """Who the token belongs to"""
    return caller()
