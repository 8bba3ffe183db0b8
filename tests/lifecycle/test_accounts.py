"""Revoking a user's API token, on SQLite and on PostgreSQL: an event of the account with
its actor, folded into every node's `users` view as no token; refused, in a code, when
there is no token to revoke (none issued, already revoked, or voided by disabling)."""

from __future__ import annotations

import hashlib
from contextlib import closing
from datetime import date

import pytest

from lifecycle import audit
from lifecycle import commands as c
from lifecycle.accounts import UserAccount, account_uuid
from projections.follower import Follower
from projections.views import Views
from web import contract

AT = date(2025, 9, 1)
TOKEN_HASH = hashlib.sha256(b"a-token").hexdigest()
PASSWORD_HASH = "scrypt:32768:8:1$salt$" + "ab" * 32


def line(ledger, command: c.Command) -> dict:
    return contract.line(ledger.execute(command))


@pytest.fixture
def account(ledger):
    """The ledger with the user `ada`, who holds a token."""
    assert line(ledger, c.AddUser(at=AT, username="ada", role="staff",
                                  password_hash=PASSWORD_HASH))["ok"]
    assert line(ledger, c.IssueToken(at=AT, actor="root", username="ada",
                                     token_hash=TOKEN_HASH))["ok"]
    return ledger


def test_a_revoked_token_is_an_event_with_its_actor_and_no_token_in_the_view(account,
                                                                              tmp_path):
    with closing(Follower(account, Views(tmp_path / "views.sqlite"))) as follower:
        follower.catch_up()
        assert follower.views.user_by_token(TOKEN_HASH)["username"] == "ada"
        done = line(account, c.RevokeToken(at=AT, actor="root", username="ada"))
        assert done["ok"], done
        follower.catch_up()
        assert follower.views.user_by_token(TOKEN_HASH) is None
        row = follower.views.user("ada")
        assert row["token_hash"] is None and row["active"] == 1  # the account stays
        assert [(h["event"], h["actor"]) for h in follower.views.user_history("ada")] == [
            ("UserAdded", "system"), ("TokenIssued", "root"), ("TokenRevoked", "root")]
    acc = account.repository.get(account_uuid("ada"))
    assert acc.token_hash is None and isinstance(
        list(account.repository.event_store.get(acc.id))[-1], UserAccount.TokenRevoked)
    report = audit.audit(account)  # the log stays whole and replayable
    assert report.ok and report.chain_ok and report.events_checked == 3


@pytest.mark.parametrize("before", [
    [],  # never issued
    [c.RevokeToken(at=AT, username="ada")],  # revoked already
    [c.DisableUser(at=AT, username="ada")],  # voided by disabling
])
def test_revoking_no_token_is_refused_and_writes_nothing(account, before):
    for command in before:
        assert line(account, command)["ok"]
    if not before:
        assert line(account, c.AddUser(at=AT, username="bo", role="auditor",
                                       password_hash=PASSWORD_HASH))["ok"]
    username = "ada" if before else "bo"
    written = account.recorder.max_notification_id()
    outcome = account.execute(c.RevokeToken(at=AT, username=username))
    assert not outcome.ok and outcome.refusal.reason == "no_token"
    refused = contract.line(outcome)["error"]
    assert refused["code"] == "invalid_transition"
    assert refused["message"] == f"{username} has no API token"
    assert refused["fields"] == {"token": "no API token to revoke"}
    assert account.recorder.max_notification_id() == written


def test_revoking_for_nobody_is_not_found(ledger):
    refused = line(ledger, c.RevokeToken(at=AT, username="nobody"))
    assert refused["error"]["code"] == "not_found"
