"""Administrators manage users from the users page: add them, give a new password or
another role, issue an API token (shown once) and revoke it, see when each last logged
in, and disable them after a confirmation that says what follows. Each change is an
event of the account with the administrator as its actor; a refusal writes nothing."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import ADMIN, AUDITOR, PASSWORD, STAFF, csrf_of, log_in, written
from web.app import users


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
    assert post(admin, f"/users/{STAFF}/disable", confirmed="1").status_code == 303
    assert staff.get("/enterprises").status_code == 303
    assert log_in(app.test_client(), STAFF).status_code == 401


def test_an_admin_cannot_disable_themselves(admin):
    answer = post(admin, f"/users/{ADMIN}/disable")
    assert answer.status_code == 303
    assert "不能停用自己的账号" in admin.get("/users").text
    assert admin.get("/users").status_code == 200


def test_disabling_nobody_is_not_found(admin):
    assert post(admin, "/users/nobody/disable").status_code == 404


def changes(app, username: str) -> list[tuple[str, str]]:
    """The account's events in the log, with their actors."""
    return [(h["event"], h["actor"]) for h in users(app).history(username)]


def row_of(page: str, username: str) -> str:
    return re.search(rf'<tr[^>]*id="user-{username}">(.*?)</tr>', page, re.S).group(1)


def test_disabling_asks_first_and_says_what_follows(admin, app):
    staff = app.test_client()
    log_in(staff, STAFF)
    before = written(app)
    answer = post(admin, f"/users/{STAFF}/disable")
    assert answer.status_code == 200 and written(app) == before  # asked, nothing written
    page = answer.text
    assert "停用用户 sara？" in page and "sara 将不能再登录" in page
    assert "其当前 1 个有效会话将在所有节点上立即结束" in page
    assert "该用户没有 API 令牌" in page and "管理员可随时重新启用" in page
    assert 'name="confirmed" value="1"' in page and "确认停用" in page
    assert staff.get("/enterprises").status_code == 200  # still logged in
    assert post(admin, f"/users/{STAFF}/disable", confirmed="1").status_code == 303
    assert changes(app, STAFF)[-1] == ("UserDisabled", ADMIN)
    assert staff.get("/enterprises").status_code == 303
    assert "已停用" in row_of(admin.get("/users").text, STAFF)


def test_the_confirmation_of_disabling_says_the_token_stops_working(admin):
    page = post(admin, f"/users/{AUDITOR}/disable").text
    assert "其 API 令牌随即失效" in page and "其当前 0 个有效会话" in page


def test_a_new_password_ends_the_users_sessions(admin, app):
    staff = app.test_client()
    log_in(staff, STAFF)
    answer = post(admin, f"/users/{STAFF}/password", password="another-long-1")
    assert answer.status_code == 303 and answer.location.endswith(f"/users/{STAFF}")
    assert "已为 sara 设置新密码" in admin.get(answer.location).text
    assert changes(app, STAFF)[-1] == ("PasswordChanged", ADMIN)
    assert staff.get("/enterprises").status_code == 303
    assert log_in(app.test_client(), STAFF).status_code == 401
    assert log_in(app.test_client(), STAFF, "another-long-1").status_code == 303


def test_a_too_short_password_is_refused_beside_its_field(admin, app):
    before = written(app)
    answer = post(admin, f"/users/{STAFF}/password", password="short")
    assert answer.status_code == 422 and written(app) == before
    assert re.search(r'id="manage-password-error">至少 8 个字符', answer.text)
    assert log_in(app.test_client(), STAFF).status_code == 303


def test_another_role_shows_on_the_page(admin, app):
    answer = post(admin, f"/users/{STAFF}/role", role="auditor")
    assert answer.status_code == 303
    assert "sara 的角色已改为审计人员" in admin.get(answer.location).text
    assert "审计人员" in row_of(admin.get("/users").text, STAFF)
    assert changes(app, STAFF)[-1] == ("RoleChanged", ADMIN)
    assert users(app).get(STAFF).role == "auditor"


@pytest.mark.parametrize("username, role, said", [
    (STAFF, "boss", 'id="manage-role-error">应为以下之一：工作人员、审计人员、管理员'),
    (STAFF, "staff", 'id="manage-role-error">sara 已经是 工作人员'),
    (ADMIN, "staff", 'id="manage-role-error">不能更改自己的角色'),
])
def test_a_refused_role_writes_nothing(admin, app, username, role, said):
    before = written(app)
    answer = post(admin, f"/users/{username}/role", role=role)
    assert answer.status_code == 422 and said in answer.text
    assert written(app) == before


def test_a_token_is_shown_once_works_and_stops_working_when_revoked(admin, app):
    answer = post(admin, f"/users/{STAFF}/token")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    token = re.search(r'<code id="new-token">([^<]+)</code>', answer.text).group(1)
    assert "令牌只在此处显示这一次" in answer.text
    assert changes(app, STAFF)[-1] == ("TokenIssued", ADMIN)
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=bearer).json["username"] == STAFF
    again = admin.get(f"/users/{STAFF}").text
    assert token not in again and "new-token" not in again
    assert "有效" in row_of(again, STAFF)
    with admin.session_transaction() as session:
        assert token not in repr(dict(session))  # never kept in the session either

    answer = post(admin, f"/users/{STAFF}/revoke-token")
    assert answer.status_code == 303
    assert "已吊销 sara 的 API 令牌" in admin.get(answer.location).text
    assert changes(app, STAFF)[-1] == ("TokenRevoked", ADMIN)
    assert api.get("/api/v1/me", headers=bearer).status_code == 401
    assert not users(app).get(STAFF).has_token


def test_revoking_no_token_is_refused_beside_the_token(admin, app):
    before = written(app)
    answer = post(admin, f"/users/{STAFF}/revoke-token")
    assert answer.status_code == 422 and written(app) == before
    assert re.search(r'id="manage-token-error">没有可吊销的 API 令牌', answer.text)


def test_the_last_log_in_shows_in_the_pages_language(admin, app):
    page = admin.get("/users").text
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d:\d\d", row_of(page, ADMIN))
    assert "从未登录" in row_of(page, "gone")
    other = app.test_client()
    log_in(other, STAFF)  # on any node: the table is the store's
    admin.get("/language/en")
    page = admin.get("/users").text
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d", row_of(page, STAFF))
    assert "Never" in row_of(page, "gone")


def test_a_failed_log_in_is_no_log_in(admin, app):
    assert log_in(app.test_client(), "gone").status_code == 401
    assert log_in(app.test_client(), STAFF, PASSWORD + "x").status_code == 401
    assert STAFF not in users(app).last_logins() and "gone" not in users(app).last_logins()


@pytest.mark.parametrize("url", [f"/users/{STAFF}", f"/users/{STAFF}/disable",
                                 f"/users/{STAFF}/password", f"/users/{STAFF}/role",
                                 f"/users/{STAFF}/token", f"/users/{AUDITOR}/revoke-token"])
def test_only_an_admin_reaches_these(app, url):
    for who in (STAFF, AUDITOR):
        client = app.test_client()
        log_in(client, who)
        before = written(app)
        answer = client.get(url) if url.count("/") == 2 else post(
            client, url, password="another-long-1", role="admin", confirmed="1")
        assert answer.status_code == 403 and written(app) == before


def test_an_admin_cannot_disable_themselves_even_confirmed(admin, app):
    before = written(app)
    assert post(admin, f"/users/{ADMIN}/disable", confirmed="1").status_code == 303
    assert written(app) == before and users(app).get(ADMIN).active
    assert f"/users/{ADMIN}/disable" not in admin.get(f"/users/{ADMIN}").text
