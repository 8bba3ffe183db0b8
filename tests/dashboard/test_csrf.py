"""Every POST carries the session's CSRF token; without it nothing is written (400)."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import csrf_of, written
from tests.dashboard.writes import LEDGER_WRITES, USER_WRITES
from web.app import users


@pytest.mark.parametrize("token", [None, "", "forged-token"])
@pytest.mark.parametrize("write", sorted(LEDGER_WRITES))
def test_a_ledger_write_without_the_right_token_is_refused(staff, app, write, token):
    url, form = LEDGER_WRITES[write]
    before = written(app)
    data = dict(form) if token is None else {**form, "csrf_token": token}
    answer = staff.post(url, data=data)
    assert answer.status_code == 400
    assert "安全令牌" in answer.text and "security token" in answer.text
    assert written(app) == before


@pytest.mark.parametrize("token", [None, "forged-token"])
@pytest.mark.parametrize("write", sorted(USER_WRITES))
def test_a_user_write_without_the_right_token_is_refused(admin, app, write, token):
    url, form = USER_WRITES[write]
    before, events = users(app).list(), written(app)
    data = dict(form) if token is None else {**form, "csrf_token": token}
    assert admin.post(url, data=data).status_code == 400
    assert users(app).list() == before and written(app) == events


def test_a_token_from_another_session_is_refused(app, staff):
    other = app.test_client()
    other.get("/login")
    url, form = LEDGER_WRITES["reject"]
    before = written(app)
    assert staff.post(url, data={**form, "csrf_token": csrf_of(other)}).status_code == 400
    assert written(app) == before


def test_log_out_needs_the_token_too(staff):
    assert staff.post("/logout").status_code == 400
    assert staff.get("/enterprises").status_code == 200


def test_the_token_may_come_in_a_header(staff, app):
    url, form = LEDGER_WRITES["reject"]
    answer = staff.post(url, data=form, headers={"X-CSRF-Token": csrf_of(staff)})
    assert answer.status_code == 303
