"""Users as events in the one log: every change recorded with its actor and replayed for
an auditor, refusals in codes, read by every process on the store; the first versions'
users.sqlite imported once. Passwords: salted scrypt hashes in werkzeug's format, made
and checked with the standard library; every hash stored by earlier versions
(werkzeug's scrypt or pbkdf2) still opens its account."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from lifecycle import audit
from lifecycle.commands import AddUser
from tests.conftest import TEST_CLOCK, create_database, drop_database
from web.cli import main
from web.services import Services
from web.users import USERS_FILE, UserError, Users, check_password, hash_password

PASSWORD = "correct-horse-1"


@pytest.mark.parametrize("method", ["scrypt", "scrypt:16384:8:1", "pbkdf2",
                                    "pbkdf2:sha256:600000", "pbkdf2:sha512:1000"])
def test_a_hash_werkzeug_stored_still_verifies(method):
    stored = generate_password_hash(PASSWORD, method=method)
    assert check_password(stored, PASSWORD)
    assert not check_password(stored, PASSWORD + "x")


def test_a_new_hash_is_salted_scrypt_in_werkzeugs_format():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("scrypt:32768:8:1$") and first != second
    assert check_password_hash(first, PASSWORD) and not check_password_hash(first, "other")


@pytest.mark.parametrize("stored", ["", "no-dollars", "md5$salt$abc", "scrypt:x$salt$abc",
                                    "pbkdf2:sha256:1:2$salt$abc", "scrypt$salt$é"])
def test_a_malformed_hash_verifies_nothing(stored):
    assert not check_password(stored, PASSWORD)


def _legacy(path, *rows) -> None:
    """A users.sqlite as the first versions wrote it."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("""CREATE TABLE users (
            username TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
            password_hash TEXT NOT NULL, token_hash TEXT, active INTEGER NOT NULL,
            created_at TEXT NOT NULL)""")
        conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


@pytest.fixture
def services(event_store):
    with closing(Services(event_store.data, event_store.event_store or None,
                          clock=TEST_CLOCK)) as s:
        yield s


@pytest.fixture
def users(services):
    return Users(services)


def test_a_user_whose_hash_werkzeug_wrote_logs_in(services, users, tmp_path):
    legacy = services.data_dir / USERS_FILE
    token = "an-old-token"
    _legacy(legacy, ("sara", "Sara", "staff",
                     generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
                     __import__("hashlib").sha256(token.encode()).hexdigest(), 1,
                     "2025-03-01T08:00:00+00:00"),
            ("gone", "Gone", "auditor", hash_password(PASSWORD), None, 0,
             "2025-03-02T08:00:00+00:00"))
    assert users.import_legacy(legacy) == ["sara", "gone"]
    assert users.authenticate("sara", PASSWORD).username == "sara"
    assert users.authenticate("sara", "temporary-1") is None
    assert users.authenticate("nobody", PASSWORD) is None
    assert users.authenticate("gone", PASSWORD) is None  # disabled, as it was
    assert users.by_token(token).username == "sara"  # the old token still opens the API
    assert not legacy.exists() and legacy.with_name(USERS_FILE + ".imported").exists()
    assert [(h["username"], h["event"], h["actor"]) for h in users.history()] == [
        ("sara", "UserAdded", USERS_FILE), ("sara", "TokenIssued", USERS_FILE),
        ("gone", "UserAdded", USERS_FILE), ("gone", "UserDisabled", USERS_FILE)]


def test_users_sqlite_is_imported_once_and_the_log_wins_over_it(services, users):
    users.add("sara", "auditor", "the-log-says-1")
    legacy = services.data_dir / USERS_FILE
    _legacy(legacy, ("sara", "Sara", "staff", hash_password(PASSWORD), None, 1, "2025-03-01"),
            ("lin", "Lin", "staff", hash_password(PASSWORD), None, 1, "2025-03-01"))
    written = services.ledger.recorder.max_notification_id()
    assert users.import_legacy(legacy) == ["lin"]
    assert users.get("sara").role == "auditor" and users.authenticate("sara", "the-log-says-1")
    assert users.import_legacy(legacy) is None  # renamed: nothing to import any more
    assert services.ledger.recorder.max_notification_id() == written + 1


def test_every_change_is_an_event_with_its_actor_and_the_audit_replays_them(services, users):
    users.add("sara", "staff", PASSWORD, "Sara Wang", actor="ada")
    users.set_role("sara", "auditor", actor="ada")
    users.set_password("sara", "another-pass-1", actor="sara")
    users.issue_token("sara", actor="ada")
    users.disable("sara", actor="ada")
    users.enable("sara", actor="bo")
    assert [(h["event"], h["role"], h["active"], h["actor"]) for h in users.history("sara")] == [
        ("UserAdded", "staff", 1, "ada"), ("RoleChanged", "auditor", 1, "ada"),
        ("PasswordChanged", "auditor", 1, "sara"), ("TokenIssued", "auditor", 1, "ada"),
        ("UserDisabled", "auditor", 0, "ada"), ("UserEnabled", "auditor", 1, "bo")]
    user = users.get("sara")
    assert (user.name, user.role, user.active, user.epoch) == ("Sara Wang", "auditor", True, 2)
    assert users.authenticate("sara", "another-pass-1") and not users.authenticate("sara", PASSWORD)
    report = audit.audit(services.ledger)
    assert report.ok and report.chain_ok and report.events_checked == 6
    # The events hold the hash, never the password.
    records = services.ledger.recorder.select_notifications(1, 10)
    assert all(b"another-pass-1" not in r.state and PASSWORD.encode() not in r.state
               for r in records)


@pytest.mark.parametrize("change, field, code", [
    (lambda u: u.add("sara", "staff", PASSWORD), "username", "duplicate_id"),
    (lambda u: u.add("bad name!", "staff", PASSWORD), "username", "invalid_command"),
    (lambda u: u.add("x" * 65, "staff", PASSWORD), "username", "invalid_command"),
    (lambda u: u.add("lin", "boss", PASSWORD), "role", "invalid_command"),
    (lambda u: u.add("lin", "staff", "short"), "password", "invalid_command"),
    (lambda u: u.disable("nobody"), "username", "not_found"),
    (lambda u: u.enable("sara"), "username", "invalid_transition"),
    (lambda u: u.set_role("sara", "staff"), "role", "invalid_transition"),
    (lambda u: u.set_password("sara", "short"), "password", "invalid_command"),
])
def test_refusals_name_the_field_and_write_nothing(services, users, change, field, code):
    users.add("sara", "staff", PASSWORD)
    written = services.ledger.recorder.max_notification_id()
    with pytest.raises(UserError) as refused:
        change(users)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert services.ledger.recorder.max_notification_id() == written


def test_a_disabled_user_gets_no_token_and_loses_the_one_it_had(users):
    users.add("sara", "staff", PASSWORD)
    token = users.issue_token("sara")
    users.disable("sara")
    assert users.by_token(token) is None
    for change in (users.issue_token, users.disable):
        with pytest.raises(UserError) as refused:
            change("sara")
        assert refused.value.code == "invalid_transition"
    users.enable("sara")
    assert users.by_token(token) is None  # enabling gives no old token back


def test_the_domain_records_a_hash_never_a_password(services):
    line = services.execute(AddUser(at=TEST_CLOCK.today(), username="sara", role="staff",
                                    password_hash=PASSWORD))
    assert line["error"]["code"] == "invalid_command"
    assert line["error"]["fields"] == {"password": "not a password hash"}


@pytest.mark.postgres
def test_a_user_added_by_one_node_is_known_to_another_at_its_next_read(tmp_path):
    url = create_database()
    try:
        with closing(Services(tmp_path / "a", url, clock=TEST_CLOCK)) as one, \
                closing(Services(tmp_path / "b", url, clock=TEST_CLOCK)) as other:
            Users(one).add("sara", "staff", PASSWORD)
            token = Users(one).issue_token("sara")
            assert Users(other).authenticate("sara", PASSWORD).role == "staff"
            assert Users(other).by_token(token).username == "sara"
            Users(one).disable("sara")
            assert Users(other).by_token(token) is None
    finally:
        drop_database(url)


def test_grants_users_keeps_its_interface_and_adds_enable_password_role_unlock_history(
        event_store, capsys, monkeypatch):
    import io

    def run(*args, stdin=None):
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--data", str(event_store.data), "users", *args],
                    environ=event_store.environ())
        out = capsys.readouterr()
        return code, out.out, out.err

    assert run("add", "sara", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n")[:2] \
        == (0, "added sara (staff)\n")
    code, out, _ = run("token", "sara")
    assert code == 0 and len(out.strip()) > 30
    token = out.strip()
    assert run("revoke-token", "sara")[:2] == (
        0, "revoked the API token of sara: it no longer works on any node\n")
    with closing(Services(event_store.data, event_store.event_store, clock=TEST_CLOCK)) as s:
        assert Users(s).by_token(token) is None
    code, _, err = run("revoke-token", "sara")  # none left to revoke
    assert code == 1 and err.startswith("grants users: token: ")
    assert run("token", "sara")[0] == 0
    assert run("role", "sara", "auditor")[:2] == (0, "sara is auditor\n")
    assert run("password", "sara", "--password-stdin", stdin="another-pass-1\n")[0] == 0
    assert run("disable", "sara")[:2] == (0, "disabled sara\n")
    assert "disabled" in run("list")[1]
    assert run("enable", "sara")[:2] == (0, "enabled sara\n")
    assert run("unlock", "sara")[0] == 0
    assert run("unlock")[0] == 2
    code, out, _ = run("history", "sara")
    assert [line.split()[2] for line in out.splitlines()] == [
        "UserAdded", "TokenIssued", "TokenRevoked", "TokenIssued", "RoleChanged",
        "PasswordChanged", "UserDisabled", "UserEnabled"]
    code, _, err = run("disable", "nobody")
    assert (code, err) == (1, "grants users: username: no user nobody\n")


def test_the_last_log_in_is_kept_beside_the_sessions_for_every_node(event_store, users):
    """Not an event (a log-in decides nothing), but read alike by every node on the store,
    and kept when the user's sessions end."""
    before = users.services.ledger.recorder.max_notification_id()
    users.sessions.logged_in("sara", at=1_764_000_000.25)
    users.logged_in("sara")  # now: the later one is kept
    users.sessions.logged_in("ada", at=1_764_000_001.5)
    users.sessions.end_user("sara")
    with closing(Services(event_store.data, event_store.event_store or None,
                          clock=TEST_CLOCK)) as other_node:
        seen = Users(other_node).last_logins()
    assert seen["sara"].year >= 2026 and seen["sara"].tzinfo is not None
    assert seen["ada"].timestamp() == 1_764_000_001.5  # to the fraction, not float4's minutes
    assert users.services.ledger.recorder.max_notification_id() == before
