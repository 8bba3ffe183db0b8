"""The OpenAPI document: generated from the schemas, served at /api/v1/openapi.json, and
describing every endpoint, parameter, body, response and the security scheme."""

from __future__ import annotations

import pytest
import schemathesis

from lifecycle.errors import CODES
from tests.api.conftest import api_routes
from web.api.blueprint import PREFIX
from web.schemas import SCHEMAS


@pytest.fixture
def document(api):
    response = api.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def test_it_is_an_openapi_3_document_schemathesis_can_read(document):
    assert document["openapi"] == "3.0.3"
    assert document["servers"] == [{"url": PREFIX}]
    loaded = schemathesis.openapi.from_dict(document)
    results = list(loaded.get_all_operations())
    assert results and all(r.ok() for r in results)


def test_every_route_is_documented_and_every_documented_path_is_a_route(api, document):
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert api_routes(api.app) == documented


def test_the_security_scheme_and_who_needs_it(document):
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": "an API token: `grants users token NAME` prints one"}
    assert document["security"] == [{"bearerAuth": []}]
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            public = op.get("security") == []
            assert public == (path == "/openapi.json"), path
            assert ("401" in op["responses"]) != public, path
            assert ("403" in op["responses"]) == (method == "post"), path
            for status, response in op["responses"].items():
                assert response["description"]
                assert "content" in response, (path, status)


def test_every_command_is_documented_from_its_schema(document):
    schemas = document["components"]["schemas"]
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in schemas["Command"]["oneOf"]] == \
        list(SCHEMAS)
    for name, schema in SCHEMAS.items():
        documented = schemas[name]
        assert documented["properties"]["type"]["enum"] == [name]
        assert set(documented["properties"]) == set(schema.fields)
        assert set(documented["required"]) == {n for n, f in schema.fields.items()
                                               if f.required}
        assert documented["additionalProperties"] is False
    basis = schemas["SubmitApplication"]["properties"]["basis"]
    assert basis["additionalProperties"] is False
    assert "event_expenditure" in basis["properties"]
    amount = schemas["SubmitApplication"]["properties"]["requested_amount"]
    assert [s["type"] for s in amount["oneOf"]] == ["string", "integer"]
    body = document["paths"]["/commands"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"]["oneOf"] == [
        {"$ref": "#/components/schemas/Command"}, {"$ref": "#/components/schemas/CommandBatch"}]


def test_parameters_come_from_the_query_and_path_schemas(document):
    def names(path, where):
        return [p["name"] for p in document["paths"][path]["get"]["parameters"]
                if p["in"] == where]

    assert sorted(names("/enterprises", "query")) == ["limit", "offset", "q", "sector", "size",
                                                      "sort"]
    assert names("/enterprises/{enterprise_id}/entitlement", "path") == ["enterprise_id"]
    assert sorted(names("/enterprises/{enterprise_id}/entitlement", "query")) == [
        "as_of", "known_at"]
    assert names("/applications/{application_id}/quote", "query") == ["on"]
    post = document["paths"]["/commands"]["post"]["parameters"]
    assert post == [{"in": "header", "name": "Idempotency-Key", "required": False,
                     "description": post[0]["description"], "schema": {
                         "type": "string", "minLength": 1, "maxLength": 255,
                         "pattern": "^[\\x21-\\x7e]+$"}}]


def test_the_error_shape_names_every_code(document):
    codes = document["components"]["schemas"]["ErrorDetail"]["properties"]["code"]["enum"]
    assert set(CODES) <= set(codes)
    assert {"unauthorized", "forbidden", "idempotency_key_reused"} <= set(codes)
