"""Sessions kept in the store: the cookie only names one; log-out, disabling a user and a
new password end it for every process on the store; Secure over HTTPS. (Across two
served nodes on one PostgreSQL store: tests/web/test_two_nodes.py.)"""

from __future__ import annotations

from datetime import date

import pytest

from lifecycle.accounts import account_uuid
from lifecycle.commands import ChangePassword
from tests.dashboard.conftest import STAFF, csrf_of, log_in, written
from tests.dashboard.writes import LEDGER_WRITES
from web.app import create_app, services, users


def cookie(client) -> str:
    return client.get_cookie("session").value


def with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_the_cookie_names_a_session_and_holds_nothing_else(staff, app):
    value = cookie(staff)
    assert len(value) == 43 and STAFF not in value and "." not in value  # 32 random bytes
    sessions = users(app).sessions
    assert STAFF in sessions.load(value) and sessions.count(STAFF) == 1
    table = sessions.tables.names["web_sessions"]
    with sessions.tables.transaction(write=False) as cur:  # the store keeps its hash only
        assert cur.execute(f"SELECT count(*) FROM {table} WHERE session_hash = ?",
                           (value,)).fetchone()[0] == 0


def test_a_cookie_copied_before_log_out_opens_nothing_after_it(staff, app):
    copy = with_cookie(app, cookie(staff))
    assert copy.get("/enterprises").status_code == 200
    assert staff.post("/logout", data={"csrf_token": csrf_of(staff)}).status_code == 303
    assert copy.get("/enterprises").status_code == 303
    url, form = LEDGER_WRITES["register"]
    before = written(app)
    answer = copy.post(url, data={**form, "csrf_token": csrf_of(copy) or "x"})
    assert answer.status_code in (303, 400) and written(app) == before


def test_the_session_id_before_log_in_is_worth_nothing_after_it(client, app):
    client.get("/login")
    before = cookie(client)
    log_in(client, STAFF)
    assert cookie(client) != before
    assert with_cookie(app, before).get("/enterprises").status_code == 303


def test_a_new_password_ends_the_users_sessions(staff, app):
    users(app).set_password(STAFF, "a-new-password-1")
    assert staff.get("/enterprises").status_code == 303
    assert users(app).sessions.count(STAFF) == 0
    assert log_in(app.test_client(), STAFF, "a-new-password-1").status_code == 303


def test_a_session_older_than_the_accounts_last_password_is_refused_even_if_kept(staff, app):
    # The password changed through the write path alone (another node that died before
    # it deleted the session rows): the epoch in the session no longer matches.
    same = services(app).ledger.record_of(account_uuid(STAFF)).password_hash
    services(app).execute(ChangePassword(at=date(2030, 1, 1), username=STAFF,
                                         password_hash=same))
    assert users(app).sessions.count(STAFF) == 1
    assert staff.get("/enterprises").status_code == 303


def test_another_process_on_the_store_shares_the_sessions(staff, app):
    other = create_app({"GRANTS_DATA": str(services(app).data_dir), "SECRET_KEY": "other"})
    try:
        there = with_cookie(other, cookie(staff))
        assert there.get("/enterprises").status_code == 200
        there.post("/logout", data={"csrf_token": csrf_of(staff)})
        assert staff.get("/enterprises").status_code == 303
    finally:
        services(other).close()


def test_activity_is_written_at_most_once_a_minute(staff, app, monkeypatch):
    saved = []
    store = users(app).sessions
    monkeypatch.setattr(store, "save", lambda *a, **k: saved.append(a))
    for _ in range(5):
        assert staff.get("/enterprises").status_code == 200
    assert saved == []


@pytest.mark.parametrize("base, setting, secure", [
    ("http://localhost", "", False), ("https://localhost", "", True),
    ("http://localhost", "on", True)])
def test_the_cookie_is_secure_over_https_or_when_told(seeded, tmp_path, base, setting, secure):
    import shutil

    data = tmp_path / "var"
    shutil.copytree(seeded, data)
    app = create_app({"GRANTS_DATA": str(data), "SECRET_KEY": "t",
                      "GRANTS_SECURE_COOKIE": setting})
    try:
        client = app.test_client()
        page = client.get("/login", base_url=base)
        set_cookie = page.headers["Set-Cookie"]
        assert ("Secure" in set_cookie) is secure
        assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    finally:
        services(app).close()

