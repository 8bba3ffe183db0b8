"""Log-in throttling: 5 failures of a name (20 of an address) in 15 minutes, then a wait that
doubles with each further failure; said in both languages; recorded in the store, so every
process counts them; lifted by an administrator (the users page, `grants users unlock`)."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import ADMIN, AUDITOR, PASSWORD, STAFF, csrf_of, log_in
from web import throttle
from web.app import create_app, services, users
from web.cli import main


def fail(client, username: str, times: int) -> list[int]:
    return [log_in(client, username, "wrong-password").status_code for _ in range(times)]


def test_five_failures_lock_the_name_even_against_the_right_password(client, app):
    assert fail(client, STAFF, 5) == [401, 401, 401, 401, 429]
    answer = log_in(client, STAFF)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "60"
    assert "登录失败次数过多" in answer.text and "1 分钟后再试" in answer.text
    assert client.get("/enterprises").status_code == 303
    client.get("/language/en")
    assert "Too many failed log-ins" in log_in(client, STAFF).text
    # Another name from the same address is not locked by them.
    assert log_in(app.test_client(), AUDITOR).status_code == 303


def test_a_name_that_does_not_exist_is_locked_the_same(client):
    assert fail(client, "nobody", 5)[-1] == 429


def test_twenty_failures_from_one_address_lock_it_for_every_name(client, app):
    for n in range(20):
        log_in(client, f"guess-{n}", "wrong-password")
    assert log_in(app.test_client(), AUDITOR).status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert log_in(elsewhere, AUDITOR).status_code == 303


def test_an_administrator_lifts_the_lock_on_the_users_page(client, app):
    fail(client, STAFF, 5)
    admin = app.test_client()
    assert log_in(admin, ADMIN).status_code == 303
    page = admin.get("/users").text
    assert "已锁定" in page and f'action="/users/{STAFF}/unlock"' in page
    answer = admin.post(f"/users/{STAFF}/unlock", data={"csrf_token": csrf_of(admin)})
    assert answer.status_code == 303
    assert "已解除 sara 的登录锁定" in admin.get("/users").text
    assert log_in(app.test_client(), STAFF).status_code == 303


def test_an_administrator_lifts_an_address_lock_on_the_users_page(client, app):
    admin = app.test_client()
    assert log_in(admin, ADMIN).status_code == 303
    for n in range(20):
        log_in(client, f"guess-{n}", "wrong-password")
    page = admin.get("/users").text
    assert "被锁定的地址" in page and "<code>127.0.0.1</code>" in page
    admin.post("/users/unlock-address", data={"address": "127.0.0.1",
                                              "csrf_token": csrf_of(admin)})
    assert log_in(app.test_client(), AUDITOR).status_code == 303


def test_only_an_administrator_may_unlock(client, app):
    fail(client, STAFF, 5)
    auditor = app.test_client()
    assert log_in(auditor, AUDITOR).status_code == 303
    assert auditor.post(f"/users/{STAFF}/unlock",
                        data={"csrf_token": csrf_of(auditor)}).status_code == 403
    assert log_in(app.test_client(), STAFF).status_code == 429


def test_grants_users_unlock_lifts_it(client, app, capsys):
    fail(client, STAFF, 5)
    data = services(app).data_dir
    assert main(["--data", str(data), "users", "list"]) == 0
    assert re.search(rf"{STAFF}\s+staff\s+active, locked", capsys.readouterr().out)
    assert main(["--data", str(data), "users", "unlock", STAFF]) == 0
    assert "5 failure(s) forgotten" in capsys.readouterr().out
    assert log_in(app.test_client(), STAFF).status_code == 303


def test_a_success_clears_the_names_failures(client, app):
    fail(client, STAFF, 4)
    assert log_in(app.test_client(), STAFF).status_code == 303
    assert fail(client, STAFF, 4) == [401] * 4


def test_every_process_on_the_store_counts_the_same_failures(client, app):
    fail(client, STAFF, 5)
    other = create_app({"GRANTS_DATA": str(services(app).data_dir), "SECRET_KEY": "other"})
    try:
        assert log_in(other.test_client(), STAFF).status_code == 429
    finally:
        services(other).close()


def test_the_wait_doubles_with_each_further_failure_up_to_fifteen_minutes(app):
    gate = users(app).throttle
    for i in range(5):
        gate.fail("user", "x", now=1000.0 + i)
    assert gate.wait("user", "x", now=1004.0) == 60
    assert gate.wait("user", "x", now=1064.5) == 0  # the wait is over: one more try
    gate.fail("user", "x", now=1065.0)
    assert gate.wait("user", "x", now=1065.0) == 120
    gate.fail("user", "x", now=1186.0)
    assert gate.wait("user", "x", now=1186.0) == 240
    for t in (1500.0, 1600.0, 1700.0):
        gate.fail("user", "x", now=t)
    assert gate.wait("user", "x", now=1700.0) == throttle.LONGEST_WAIT
    # Failures older than the window no longer count.
    assert gate.wait("user", "x", now=1700.0 + throttle.WINDOW + 1) == 0


@pytest.mark.parametrize("password", ["wrong-password", PASSWORD])
def test_a_locked_log_in_is_not_even_checked(client, app, monkeypatch, password):
    fail(client, STAFF, 5)
    checked = []
    original = users(app).authenticate
    monkeypatch.setattr(users(app), "authenticate",
                        lambda *a: checked.append(a) or original(*a))
    assert log_in(client, STAFF, password).status_code == 429
    assert checked == []
