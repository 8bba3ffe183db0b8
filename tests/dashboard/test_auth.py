"""Logging in and out, session expiry, and the pages that need a log-in."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.dashboard.conftest import AUDITOR, PASSWORD, STAFF, csrf_of, log_in

PAGES = ("/enterprises", "/enterprises/91110112MA0000001X", "/applications/A-1", "/catalogue",
         "/alerts", "/spend", "/users", "/enterprises/new", "/applications/new", "/")


@pytest.mark.parametrize("url", PAGES)
def test_every_page_sends_a_stranger_to_the_log_in(client, url):
    answer = client.get(url)
    assert answer.status_code in (302, 303)
    assert "/login" in answer.location


def test_a_post_from_a_stranger_writes_nothing_and_asks_for_a_log_in(client, app):
    from tests.dashboard.conftest import written

    before = written(app)
    answer = client.post("/applications/A-2/reject", data={"reason": "x", "at": "2025-09-01"})
    assert answer.status_code == 303 and "/login" in answer.location
    assert written(app) == before


def test_the_right_password_opens_the_desk(client):
    answer = log_in(client, STAFF)
    assert answer.status_code == 303 and answer.location.endswith("/")
    page = client.get("/enterprises")
    assert page.status_code == 200
    assert "Sara" in page.text


@pytest.mark.parametrize("username, password", [
    (STAFF, "wrong-password"), ("nobody", PASSWORD), ("gone", PASSWORD), ("", ""),
])
def test_a_failed_log_in_says_so_and_opens_nothing(client, username, password):
    answer = log_in(client, username, password)
    assert answer.status_code == 401
    assert "用户名或密码不正确" in answer.text
    assert client.get("/enterprises").status_code == 303


def test_a_log_in_without_the_csrf_token_is_refused(client):
    client.get("/login")
    answer = client.post("/login", data={"username": STAFF, "password": PASSWORD})
    assert answer.status_code == 400
    assert client.get("/enterprises").status_code == 303


def test_the_log_in_goes_back_to_the_page_asked_for_but_never_off_site(client):
    client.get("/login")
    token = csrf_of(client)
    answer = client.post("/login", data={"username": STAFF, "password": PASSWORD,
                                         "csrf_token": token, "next": "/spend"})
    assert answer.location.endswith("/spend")
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    client.get("/login")
    answer = client.post("/login", data={"username": STAFF, "password": PASSWORD,
                                         "csrf_token": csrf_of(client),
                                         "next": "https://evil.example/"})
    assert answer.location.endswith("/")
    assert "evil" not in answer.location


def test_a_log_in_without_next_lands_on_the_desk(client):
    client.get("/login")
    answer = client.post("/login", data={"username": STAFF, "password": PASSWORD,
                                         "csrf_token": csrf_of(client)})
    assert answer.status_code == 303 and answer.location.endswith("/")
    assert client.get(answer.location).status_code == 200


def test_log_out_ends_the_session(staff):
    answer = staff.post("/logout", data={"csrf_token": csrf_of(staff)})
    assert answer.status_code == 303
    assert staff.get("/enterprises").status_code == 303


def test_log_out_is_a_post(staff):
    assert staff.get("/logout").status_code == 405


def test_a_log_in_makes_a_new_csrf_token(client):
    client.get("/login")
    before = csrf_of(client)
    log_in(client, AUDITOR)
    assert csrf_of(client) not in ("", before)


def test_the_session_expires_after_a_time_without_activity(staff, app):
    lifetime = app.permanent_session_lifetime.total_seconds()
    with staff.session_transaction() as session:
        session["seen"] = time.time() - lifetime - 1
    answer = staff.get("/enterprises")
    assert answer.status_code == 303 and "/login" in answer.location
    assert "登录已超时" in staff.get(answer.location).text
    assert staff.get("/enterprises").status_code == 303


def test_activity_keeps_the_session_alive(staff, app):
    lifetime = app.permanent_session_lifetime.total_seconds()
    with staff.session_transaction() as session:
        session["seen"] = time.time() - lifetime + 5
    assert staff.get("/enterprises").status_code == 200
    with staff.session_transaction() as session:
        assert time.time() - session["seen"] < 5


def test_the_session_cookie_is_permanent_http_only_and_same_site(client):
    answer = log_in(client, STAFF)
    cookie = answer.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_cookie_older_than_the_lifetime_is_refused(client, app):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    log_in(client, STAFF)
    assert client.get("/enterprises").status_code == 200
    time.sleep(2.1)
    assert client.get("/enterprises").status_code == 303


def test_pages_carry_the_security_headers(staff):
    answer = staff.get("/enterprises")
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
