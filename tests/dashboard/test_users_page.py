"""Administrators add and disable users from the users page."""

from __future__ import annotations

import re

from tests.dashboard.conftest import ADMIN, STAFF, csrf_of, log_in


def post(client, url, **form):
    return client.post(url, data={**form, "csrf_token": csrf_of(client)})


def test_the_users_page_lists_everyone_with_role_and_status(admin):
    page = admin.get("/users").text
    for username in (ADMIN, "audrey", "gone", STAFF):
        assert f"<code>{username}</code>" in page
    assert "已停用" in page and "审计人员" in page


def test_an_added_user_can_log_in(admin, app):
    answer = post(admin, "/users", username="lin", name="Lin Hua", role="auditor",
                  password="a-long-password")
    assert answer.status_code == 303
    assert "已添加用户 lin" in admin.get("/users").text
    other = app.test_client()
    assert log_in(other, "lin", "a-long-password").status_code == 303


def test_refusals_are_marked_on_their_field(admin):
    answer = post(admin, "/users", username="lin", role="auditor", password="short")
    assert answer.status_code == 422
    assert 'id="user-password-error"' in answer.text and "short" not in re.findall(
        r'value="([^"]*)"', answer.text)
    answer = post(admin, "/users", username=STAFF, role="staff", password="a-long-password")
    assert re.search(r'id="user-username-error">sara 已存在', answer.text)
    answer = post(admin, "/users", username="bad name!", role="staff", password="a-long-password")
    assert 'id="user-username-error"' in answer.text


def test_a_disabled_user_can_no_longer_log_in_or_stay_logged_in(admin, app):
    staff = app.test_client()
    log_in(staff, STAFF)
    assert staff.get("/enterprises").status_code == 200
    assert post(admin, f"/users/{STAFF}/disable").status_code == 303
    assert staff.get("/enterprises").status_code == 303
    assert log_in(app.test_client(), STAFF).status_code == 401


def test_an_admin_cannot_disable_themselves(admin):
    answer = post(admin, f"/users/{ADMIN}/disable")
    assert answer.status_code == 303
    assert "不能停用自己的账号" in admin.get("/users").text
    assert admin.get("/users").status_code == 200


def test_disabling_nobody_is_not_found(admin):
    assert post(admin, "/users/nobody/disable").status_code == 404
