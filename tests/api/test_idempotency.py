"""Idempotency-Key: a retry answers the first answer and writes nothing more; another
body under the same key is refused; keys outlive a restart; of two concurrent requests
with one key only one runs; a request that never finished runs again under its key and
records nothing twice. (On two nodes: tests/web/test_two_nodes.py.)"""

from __future__ import annotations

import io
import json
import threading

import pytest

from lifecycle.command_log import derived_id
from tests.api.conftest import Api, make_api
from tests.builders import approve, certify, register, submit
from web.api import idempotency
from web.app import create_app
from web.importer import template_csv

AWARD = [register(1), submit("A-1", 1), certify("A-1"), approve("A-1")]


def test_a_retry_answers_the_first_answer_and_writes_nothing(api):
    first = api.post(AWARD, **{"Idempotency-Key": "batch-1"})
    written = api.records()
    again = api.post(AWARD, **{"Idempotency-Key": "batch-1"})
    assert again.status_code == first.status_code == 200
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert api.records() == written


def test_a_refusal_is_answered_again_too(api):
    first = api.post(certify("A-404"), **{"Idempotency-Key": "k"})
    assert first.status_code == 404
    api.post([register(1), submit("A-404", 1)])
    written = api.records()
    again = api.post(certify("A-404"), **{"Idempotency-Key": "k"})
    assert (again.status_code, again.get_data()) == (404, first.get_data())
    assert api.records() == written


def test_the_same_key_with_another_body_is_422_and_writes_nothing(api):
    api.post(register(1), **{"Idempotency-Key": "k"})
    written = api.events()
    response = api.post(register(2), **{"Idempotency-Key": "k"})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert api.events() == written


def test_the_same_meaning_in_another_spelling_is_the_same_request(api):
    code = register(1)["enterprise_id"]
    body = ('{"type": "RegisterEnterprise", "at": "2025-06-02", "enterprise_id": "' + code
            + '", "name": "N", "size": "small"}')
    respelt = ('{"size":"small","name":"N","enterprise_id":"' + code
               + '","at":"2025-06-02","type":"RegisterEnterprise"}')
    headers = api.headers(**{"Idempotency-Key": "k", "Content-Type": "application/json"})
    first = api.client.post("/api/v1/commands", data=body, headers=headers)
    again = api.client.post("/api/v1/commands", data=respelt, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"


def test_keys_are_per_user(api):
    from web.app import users

    users(api.app).add("clerk2", "staff", "password-2")
    other = users(api.app).issue_token("clerk2")
    api.post(register(1), **{"Idempotency-Key": "k"})
    response = api.client.post("/api/v1/commands", json=register(2), headers={
        "Authorization": f"Bearer {other}", "Idempotency-Key": "k"})
    assert response.status_code == 200 and "Idempotent-Replayed" not in response.headers
    assert api.events() == 2 * 3  # each: a registration, its command's record, the answer


def test_a_retry_after_a_restart_still_finds_its_answer(tmp_path):
    data = tmp_path / "var"
    api = make_api(data)
    first = api.post(AWARD, **{"Idempotency-Key": "before-restart"})
    written = api.events()
    api.services.close()
    restarted = Api(create_app({"GRANTS_DATA": str(data), "SECRET_KEY": "test"}), api.tokens)
    again = restarted.post(AWARD, **{"Idempotency-Key": "before-restart"})
    assert (again.status_code, again.get_data()) == (first.status_code, first.get_data())
    assert restarted.events() == written
    restarted.services.close()


def test_two_concurrent_requests_with_one_key_run_once(api):
    barrier = threading.Barrier(4)
    answers = []

    def send():
        client = api.app.test_client()
        barrier.wait()
        answers.append(client.post("/api/v1/commands", json=AWARD, headers=api.headers(
            **{"Idempotency-Key": "together"})))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.get_data() for a in answers}) == 1
    assert sum("Idempotent-Replayed" not in a.headers for a in answers) == 1
    assert all(line["ok"] for line in answers[0].json)
    # One registration, submission, certification, approval (3); the record of each of
    # the 4 commands' ids, derived from the key; the one answer kept.
    assert api.events() == 6 + 4 + 1


def _slow(api, monkeypatch, started: threading.Event, go_on: threading.Event) -> None:
    """Commands that wait for `go_on` before they run (a first request still running)."""
    run = api.services.execute_json_many

    def slowly(*args, **kwargs):
        started.set()
        go_on.wait(10)
        return run(*args, **kwargs)

    monkeypatch.setattr(api.services, "execute_json_many", slowly)


def test_a_request_still_running_answers_409_in_progress(api, monkeypatch):
    api.app.config["GRANTS_IDEMPOTENCY_WAIT"] = 0.2
    started, go_on = threading.Event(), threading.Event()
    _slow(api, monkeypatch, started, go_on)
    first = []
    sender = threading.Thread(target=lambda: first.append(
        api.post(AWARD, **{"Idempotency-Key": "slow"})))
    sender.start()
    try:
        assert started.wait(10)
        response = api.post(AWARD, **{"Idempotency-Key": "slow"})
        assert response.status_code == 409
        assert response.json["error"]["code"] == "idempotency_in_progress"
        assert response.headers["Retry-After"]
    finally:
        go_on.set()
        sender.join(10)
    assert first[0].status_code == 200
    again = api.post(AWARD, **{"Idempotency-Key": "slow"})
    assert again.get_data() == first[0].get_data() and again.headers["Idempotent-Replayed"]


def _fingerprint(body) -> str:
    return idempotency.fingerprint("POST", "/api/v1/commands", "", "application/json",
                                   json.dumps(body).encode())


def test_a_request_that_never_answered_runs_again_and_records_nothing_twice(api):
    # Its process died after it had recorded the first two commands, before its answer.
    ids = derived_id("clerk", "lost", _fingerprint(AWARD))
    assert all(line["ok"] for line in api.services.execute_json_many(
        AWARD[:2], actor="clerk", ids=ids))
    written = api.events()
    response = api.post(AWARD, **{"Idempotency-Key": "lost"})
    assert response.status_code == 200 and "Idempotent-Replayed" not in response.headers
    lines = response.json
    assert [line.get("replayed", False) for line in lines] == [True, True, False, False]
    assert all(line["ok"] for line in lines)
    # The certification (1 event) and the approval (3), their ids' records, the answer.
    assert api.events() == written + 4 + 2 + 1
    with api.services.reader() as views:
        assert views.db.execute("SELECT count(*) FROM enterprises").fetchone()[0] == 1


def test_a_server_error_records_no_answer_and_the_retry_runs(api, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api.services, "execute_json", fail)
    response = api.post(register(1), **{"Idempotency-Key": "boom"})
    assert response.status_code == 500
    assert response.json["error"]["code"] == "server_error"
    assert api.events() == 0
    monkeypatch.undo()
    again = api.post(register(1), **{"Idempotency-Key": "boom"})
    assert again.status_code == 200 and again.json["ok"]
    assert api.events() == 3  # the registration, its id's record, the answer
    assert api.post(register(1), **{"Idempotency-Key": "boom"}).get_data() == again.get_data()


def test_the_same_key_with_another_body_after_a_lost_answer_runs_under_other_ids(api):
    # The first request's answer was never kept: another body under the same key is
    # judged on its own, and none of its commands is taken for one of the first's.
    api.services.execute_json(register(1), actor="clerk",
                              ids=derived_id("clerk", "k", _fingerprint(register(1))))
    response = api.post(register(2), **{"Idempotency-Key": "k"})
    assert response.status_code == 200 and "replayed" not in response.json


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "ключ"])
def test_a_malformed_key_is_400(api, key):
    response = api.client.post("/api/v1/commands", json=register(1), headers={
        **api.headers(), "Idempotency-Key": key.encode("utf-8").decode("latin-1")})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"
    assert "Idempotency-Key" in response.json["error"]["fields"]
    assert api.events() == 0


def test_an_upload_retried_with_its_key_is_answered_again(api):
    def upload():
        return api.client.post("/api/v1/imports", headers=api.headers(
            **{"Idempotency-Key": "upload-1"}), data={
            "file": (io.BytesIO(template_csv()), "awards.csv")},
            content_type="multipart/form-data")

    first = upload()
    written = api.records()
    again = upload()
    assert first.status_code == again.status_code == 200
    assert first.json["imported"] == 3
    assert again.get_data() == first.get_data()
    assert api.records() == written
