"""POST /api/v1/commands: one command or a batch, answered as `grants apply` answers,
with the contract's error codes as HTTP statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lifecycle.errors import CODES
from tests.builders import (
    approve,
    certify,
    credit_code,
    disburse,
    evaluate,
    register,
    submit,
)
from web.api.commands import MAX_BATCH
from web.api.errors import CONTRACT_STATUS, status_of_line

GRANTS = Path(sys.executable).with_name("grants")
AWARD = [register(1), submit("A-1", 1), certify("A-1"), approve("A-1")]


def test_a_batch_answers_the_lines_grants_apply_prints(api, tmp_path):
    batch = [*AWARD, approve("A-1"), submit("A-2", 9), {"type": "Nope", "at": "2025-01-01"}, 7]
    response = api.post(batch)
    assert response.status_code == 200
    lines = response.json
    data = tmp_path / "cli"
    source = tmp_path / "batch.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in batch))
    command = [str(GRANTS)] if GRANTS.exists() else [sys.executable, "-m", "web.cli"]
    done = subprocess.run([*command, "--data", str(data), "apply", str(source)],
                          capture_output=True, text=True, timeout=120)
    assert [json.loads(line) for line in done.stdout.splitlines()] == lines
    assert [line["ok"] for line in lines] == [True] * 4 + [False] * 4
    assert lines[7] == {"ok": False, "command": None, "error": {
        "code": "invalid_command", "message": "a command is a JSON object",
        "fields": {"_schema": "not an object"}}}


def test_the_token_s_user_is_the_actor(api):
    assert api.post({**register(1), "actor": "someone-else"}).status_code == 200
    with api.services.reader() as views:
        actors = [r["actor"] for r in views.db.query("SELECT actor FROM history")]
    assert actors == ["clerk"]


def test_a_single_command_answers_its_line_with_200(api):
    response = api.post(register(1))
    assert response.status_code == 200
    assert response.json == {"ok": True, "command": "RegisterEnterprise",
                             "events": ["EnterpriseRegistered"],
                             "enterprise_id": credit_code(1)}
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_command_s_answer_is_its_grants_apply_line_byte_for_byte(api, tmp_path):
    commands = [register(1), submit("通州-1", 1)]
    api.post(commands[0])
    response = api.post(commands[1])
    source = tmp_path / "commands.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in commands), encoding="utf-8")
    command = [str(GRANTS)] if GRANTS.exists() else [sys.executable, "-m", "web.cli"]
    done = subprocess.run([*command, "--data", str(tmp_path / "cli"), "apply", str(source)],
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert response.get_data(as_text=True) == done.stdout.splitlines()[-1]
    # An id must be ASCII (README, "What a sender may send"): the refusal names the
    # characters, in UTF-8, not \u escapes.
    assert response.json["error"]["code"] == "invalid_command"
    assert "州" in response.get_data(as_text=True)


def status_and_code(response) -> tuple[int, str]:
    return response.status_code, response.json["error"]["code"]


def test_each_refusal_answers_its_status(api):
    api.post([register(1), register(2, size="large", at="2024-01-02"), submit("A-1", 1),
              certify("A-1"), approve("A-1", tranches=[{"year": 2025, "amount": "400000"}])])
    cases = [
        ({**register(3), "size": "huge"}, (400, "invalid_command")),
        ({**register(3), "enterprise_id": "91110112MA0000001X"}, (400, "invalid_command")),
        (certify("A-404"), (404, "not_found")),
        (register(1), (409, "duplicate_id")),
        (approve("A-1"), (409, "invalid_transition")),
        (submit("A-2", 2, at="2025-01-10"), (422, "policy_not_in_force")),
        (submit("A-3", 2, article=16, basis={"contract_amount": "100000"},
                requested="30000"), (422, "ineligible")),
        (submit("A-4", 1, project_id="A-1"), (422, "duplicate_support")),
    ]
    for body, expected in cases:
        response = api.post(body)
        assert status_and_code(response) == expected, (body, response.json)
        assert response.json["command"] == body["type"]


def test_exceeds_entitlement_and_evaluation_required_are_422(api):
    api.post([register(1), submit("A-1", 1), certify("A-1")])
    assert status_and_code(api.post(approve("A-1", amount="999999"))) == \
        (422, "exceeds_entitlement")
    multi = [submit("L-1", 1, article=10, basis={"actual_interest": "900000"},
                    requested="900000", at="2025-07-15"),
             certify("L-1", basis={"actual_interest": "900000"}, at="2025-08-01"),
             approve("L-1", at="2025-09-01", tranches=[{"year": 2025, "amount": "450000"},
                                                        {"year": 2026, "amount": "450000"}]),
             disburse("L-1", 2025, at="2025-09-20")]
    assert all(line["ok"] for line in api.post([{**c, "item": "loan-interest"}
                                                if c["type"] == "SubmitApplication" else c
                                                for c in multi]).json)
    assert status_and_code(api.post(disburse("L-1", 2026, at="2026-02-01"))) == \
        (422, "evaluation_required")
    assert api.post(evaluate("L-1", 2025)).status_code == 200


def test_every_contract_code_has_its_status():
    assert set(CONTRACT_STATUS) == set(CODES)
    expected = {"invalid_command": 400, "not_found": 404, "duplicate_id": 409,
                "invalid_transition": 409, "conflict": 409}
    for code in CODES:
        line = {"ok": False, "command": "X", "error": {"code": code, "message": "",
                                                     "fields": {}}}
        assert status_of_line(line) == expected.get(code, 422), code
    assert status_of_line({"ok": True}) == 200


@pytest.mark.parametrize(("body", "fields"), [
    (b"{not json", {"_body": "not JSON"}),
    (b"\xff\xfe", {"_body": "not UTF-8"}),
    (b"[]", {"_body": f"1 to {MAX_BATCH} commands"}),
    (b"42", {"_schema": "not an object"}),
])
def test_a_body_that_is_no_command_is_400(api, body, fields):
    response = api.client.post("/api/v1/commands", data=body, headers=api.headers(
        **{"Content-Type": "application/json"}))
    assert response.status_code == 400
    assert response.json["ok"] is False and response.json["command"] is None
    assert response.json["error"]["code"] == "invalid_command"
    assert response.json["error"]["fields"] == fields


def test_a_batch_too_long_is_refused_whole(api):
    response = api.post([register(1)] * (MAX_BATCH + 1))
    assert response.status_code == 400
    assert api.events() == 0


def test_a_body_that_is_not_json_media_is_415(api):
    response = api.client.post("/api/v1/commands", data=json.dumps(register(1)),
                               headers=api.headers(**{"Content-Type": "text/plain"}))
    assert status_and_code(response) == (415, "unsupported_media_type")
    assert api.events() == 0


def test_a_body_over_the_limit_is_413(api):
    body = json.dumps([{"type": "RecordDishonesty", "note": "x" * 1000}] * 6000)
    response = api.client.post("/api/v1/commands", data=body, headers=api.headers(
        **{"Content-Type": "application/json"}))
    assert status_and_code(response) == (413, "payload_too_large")


def test_unknown_paths_and_methods_answer_json(api):
    response = api.get("/nothing/here")
    assert status_and_code(response) == (404, "not_found")
    response = api.client.delete("/api/v1/commands", headers=api.headers())
    assert status_and_code(response) == (405, "method_not_allowed")
    assert response.headers["Allow"] == "POST, OPTIONS"
    response = api.client.options("/api/v1/enterprises", headers=api.headers())
    assert response.status_code == 204
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_a_conflict_after_every_retry_is_409_and_writes_nothing(api, monkeypatch):
    from eventsourcing.persistence import IntegrityError

    api.post([register(1), submit("A-1", 1), certify("A-1")])
    written = api.events()

    def lose(*aggregates, **kwargs):
        raise IntegrityError("another writer saved first")

    monkeypatch.setattr(api.services.ledger, "save", lose)
    response = api.post(approve("A-1"))
    assert status_and_code(response) == (409, "conflict")
    monkeypatch.undo()
    assert api.events() == written


def test_reads_see_what_another_process_recorded(api):
    from web.services import Services

    other = Services(api.services.data_dir, clock=api.services.clock)
    assert other.execute_json(register(5))["ok"]
    other.close()
    assert api.get(f"/enterprises/{credit_code(5)}").status_code == 200
