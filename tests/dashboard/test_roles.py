"""Each role does what it may and nothing else: a refused write answers 403 and writes nothing."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import ADMIN, AUDITOR, STAFF, csrf_of, log_in, written
from tests.dashboard.writes import LEDGER_WRITES, USER_WRITES
from web.app import users


@pytest.mark.parametrize("role", [AUDITOR, ADMIN])
@pytest.mark.parametrize("write", sorted(LEDGER_WRITES))
def test_only_staff_write_to_the_ledger(client, app, role, write):
    log_in(client, role)
    url, form = LEDGER_WRITES[write]
    before = written(app)
    answer = client.post(url, data={**form, "csrf_token": csrf_of(client)})
    assert answer.status_code == 403
    assert "无权操作" in answer.text and "Not allowed" in answer.text
    assert written(app) == before


@pytest.mark.parametrize("role", [STAFF, AUDITOR])
@pytest.mark.parametrize("write", sorted(USER_WRITES))
def test_only_admins_manage_users(client, app, role, write):
    log_in(client, role)
    url, form = USER_WRITES[write]
    before, events = users(app).list(), written(app)
    answer = client.post(url, data={**form, "csrf_token": csrf_of(client)})
    assert answer.status_code == 403
    assert users(app).list() == before and written(app) == events


@pytest.mark.parametrize("role, url", [
    (AUDITOR, "/enterprises/new"), (AUDITOR, "/applications/new"), (ADMIN, "/enterprises/new"),
    (ADMIN, "/applications/new"), (STAFF, "/users"), (AUDITOR, "/users"),
    (STAFF, f"/users/{AUDITOR}"), (AUDITOR, f"/users/{STAFF}"),
])
def test_forms_a_role_may_not_use_are_not_shown_either(client, role, url):
    log_in(client, role)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("write", sorted(LEDGER_WRITES))
def test_staff_may_make_each_write(staff, app, write):
    url, form = LEDGER_WRITES[write]
    before = written(app)
    answer = staff.post(url, data={**form, "csrf_token": csrf_of(staff)})
    assert answer.status_code == 303, answer.text
    assert written(app) > before


@pytest.mark.parametrize("write", sorted(USER_WRITES))
def test_admins_may_manage_users(admin, app, write):
    url, form = USER_WRITES[write]
    before = users(app).list()
    answer = admin.post(url, data={**form, "csrf_token": csrf_of(admin)})
    assert answer.status_code == (200 if write == "issue token" else 303)  # a token: shown
    assert users(app).list() != before or write == "new password"
    assert [h["actor"] for h in users(app).history()][-1] == ADMIN


@pytest.mark.parametrize("application", ["A-1", "A-2", "A-3", "A-4"])
def test_an_auditor_sees_no_action_form(auditor, application):
    page = auditor.get(f"/applications/{application}").text
    assert f"/applications/{application}/" not in page
    assert "只读" in page
    assert "/enterprises/new" not in page and "/applications/new" not in page


def test_staff_see_the_actions_the_state_allows(staff):
    assert 'action="/applications/A-2/certify"' in staff.get("/applications/A-2").text
    page = staff.get("/applications/A-4").text
    assert 'action="/applications/A-4/approve"' in page
    assert 'action="/applications/A-4/pay"' not in page
    page = staff.get("/applications/A-3").text  # 2025 paid and evaluated
    for action in ("pay", "revoke"):
        assert f'action="/applications/A-3/{action}"' in page
    for action in ("approve", "evaluate"):
        assert f'action="/applications/A-3/{action}"' not in page
    page = staff.get("/applications/A-1").text  # completed, not evaluated
    for action in ("evaluate", "revoke"):
        assert f'action="/applications/A-1/{action}"' in page
    assert 'action="/applications/A-1/pay"' not in page


def test_only_admins_see_the_users_page_in_the_menu(client):
    log_in(client, ADMIN)
    assert 'href="/users"' in client.get("/enterprises").text
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    log_in(client, STAFF)
    assert 'href="/users"' not in client.get("/enterprises").text
