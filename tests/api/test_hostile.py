"""Hostile input at the API (issue 15): deep JSON, odd query numbers, bad stored text."""

from __future__ import annotations

import pytest

from tests.builders import register


def raw_post(api, body: str, role: str = "staff", **headers):
    return api.client.post("/api/v1/commands", data=body.encode("utf-8"),
                           headers={**api.headers(role, **headers),
                                    "Content-Type": "application/json"})


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000,
                                  '{"type": "RegisterEnterprise", "basis": '
                                  + '{"a": ' * 5_000 + "1" + "}" * 5_001])
def test_json_nested_too_deep_is_400_and_writes_nothing(api, body):
    before = api.events()
    response = raw_post(api, body)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "invalid_command" and error["fields"], error
    assert api.events() == before


def test_a_deep_body_with_an_idempotency_key_is_400_too(api):
    response = raw_post(api, "[" * 50_000 + "]" * 50_000, **{"Idempotency-Key": "k-deep"})
    assert response.status_code == 400


@pytest.mark.parametrize("limit", ["7\v", "٣", "1_0", "+5", " 5", "5" * 5000])
def test_a_query_number_that_is_not_ascii_digits_is_400(api, limit):
    api.post(register(1))
    response = api.get("/enterprises", query_string={"limit": limit})
    assert response.status_code == 400, response.json
    assert "limit" in response.json["error"]["fields"]


def test_an_export_of_a_name_stored_with_control_characters_works(api):
    """The log is immutable: text that an older version let in must still export."""
    from lifecycle.enterprise import EnterpriseLedger

    ledger = api.services.ledger
    bad = EnterpriseLedger.register("91110112MA00000016", "\u0000bad\u202ename", "small", [],
                                    __import__("datetime").date(2025, 6, 2), "old code")
    ledger.save(bad)  # as the old path wrote it, past today's text rule
    api.services.catch_up()
    for name in ("enterprises.xlsx", "enterprises.csv"):
        response = api.get(f"/exports/{name}")
        assert response.status_code == 200, name
