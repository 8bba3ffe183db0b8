"""Tokens and roles: 401 without a valid token, 403 for a role that may not write (and
nothing written), every role may read."""

from __future__ import annotations

import io

import pytest

from tests.builders import register
from web.app import users

READS = ["/me", "/enterprises", "/applications", "/flags", "/flags/due?on=2026-01-01",
         "/catalogue", "/audit", "/exports/awards.csv", "/imports/template.csv"]


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc", "Bearer "])
def test_no_valid_token_is_401_with_a_challenge(api, header):
    headers = {"Authorization": header} if header else {}
    for url in ["/api/v1/enterprises", "/api/v1/audit", "/api/v1/exports/awards.xlsx"]:
        response = api.client.get(url, headers=headers)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="grant-ledger"')
    response = api.client.post("/api/v1/commands", json=register(1), headers=headers)
    assert response.status_code == 401
    assert api.events() == 0


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_a_role_that_may_not_write_is_403_and_nothing_is_written(api, role):
    response = api.post(register(1), role=role)
    assert response.status_code == 403
    assert response.json == {"ok": False, "error": {
        "code": "forbidden", "message": response.json["error"]["message"], "fields": {}}}
    response = api.post([register(1), register(2)], role=role)
    assert response.status_code == 403
    upload = api.client.post("/api/v1/imports", headers=api.headers(role),
                             data={"file": (io.BytesIO(b"x"), "awards.csv")},
                             content_type="multipart/form-data")
    assert upload.status_code == 403
    assert api.events() == 0


@pytest.mark.parametrize("role", ["staff", "auditor", "admin"])
def test_every_role_may_read(api, role):
    for url in READS:
        assert api.get(url, role=role).status_code == 200, url


def test_me_names_the_token_s_user(api):
    assert api.get("/me", role="auditor").json == {
        "username": "audrey", "name": "audrey", "role": "auditor", "can_write": False}
    assert api.get("/me").json["can_write"] is True


def test_a_disabled_user_s_token_no_longer_works(api):
    assert api.get("/me").status_code == 200
    users(api.app).disable("clerk")
    assert api.get("/me").status_code == 401


def test_a_new_token_replaces_the_old_one(api):
    old = api.tokens["staff"]
    api.tokens["staff"] = users(api.app).issue_token("clerk")
    assert api.get("/me").status_code == 200
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}
                          ).status_code == 401


def test_the_openapi_document_needs_no_token(api):
    assert api.client.get("/api/v1/openapi.json").status_code == 200
