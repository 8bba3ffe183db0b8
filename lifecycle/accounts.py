"""Who may use the service, and as what: user accounts as events in the one log.

Each user is a `UserAccount` (its id from the user name, so two nodes adding the same
name race on one aggregate and the store lets one win). Its events say who was added
with which role, when a password or the role changed, when an API token was issued
or revoked, and when the account was disabled or enabled again, each with its actor: an auditor
replays who could do what, when, from the log alone.

Only hashes are recorded: the password's in werkzeug's format (`method$salt$hex`,
made at the edge, web/users.py) and the API token's SHA-256. `problems_*` say why a
change may not be made, in codes and values (lifecycle/errors.py).

`epoch` counts the changes that end the user's sessions (a new password, disabling):
a session started under an earlier epoch is no longer the user's (web/sessions.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from uuid import UUID

from lifecycle import commands as c
from lifecycle.chain import Chained
from lifecycle.errors import Refused, invalid
from lifecycle.ids import aggregate_uuid

ROLES = ("staff", "auditor", "admin")
MAX_USERNAME = 64
#: What a stored password hash looks like: werkzeug's `method$salt$hex`, never a password.
PASSWORD_HASH = re.compile(r"^(scrypt|pbkdf2)(:[a-z0-9]+)*\$[^$\s]+\$[0-9a-f]{32,}$", re.ASCII)
TOKEN_HASH = re.compile(r"^[0-9a-f]{64}$", re.ASCII)


def account_uuid(username: str) -> UUID:
    return aggregate_uuid("user", username)


def problems_username(username: str) -> list[Refused]:
    """Letters, digits, - and _ (as the first user store allowed), at most MAX_USERNAME."""
    if not username or not username.replace("-", "").replace("_", "").isalnum():
        return [invalid("username", "username_malformed")]
    if len(username) > MAX_USERNAME:
        return [invalid("username", "username_too_long", most=MAX_USERNAME)]
    return []


def problems_role(role: str) -> list[Refused]:
    return [] if role in ROLES else [invalid("role", "not_one_of", allowed=list(ROLES))]


def problems_password_hash(password_hash: str) -> list[Refused]:
    if not PASSWORD_HASH.match(password_hash or ""):
        return [invalid("password", "not_a_password_hash")]
    return []


class UserAccount(Chained):
    class UserAdded(Chained.Created):
        username: str
        name: str
        role: str
        password_hash: str
        at: date
        actor: str

        def apply(self, agg: UserAccount) -> None:
            agg.username, agg.name, agg.role = self.username, self.name, self.role
            agg.password_hash, agg.token_hash = self.password_hash, None
            agg.active, agg.epoch = True, 0

    class PasswordChanged(Chained.Event):
        password_hash: str
        at: date
        actor: str

        def apply(self, agg: UserAccount) -> None:
            agg.password_hash = self.password_hash
            agg.epoch += 1

    class RoleChanged(Chained.Event):
        role: str
        at: date
        actor: str

        def apply(self, agg: UserAccount) -> None:
            agg.role = self.role

    class TokenIssued(Chained.Event):
        token_hash: str
        at: date
        actor: str

        def apply(self, agg: UserAccount) -> None:
            agg.token_hash = self.token_hash

    class TokenRevoked(Chained.Event):
        at: date
        actor: str

        def apply(self, agg: UserAccount) -> None:
            agg.token_hash = None

    class UserDisabled(Chained.Event):
        at: date
        actor: str

        def apply(self, agg: UserAccount) -> None:
            agg.active, agg.token_hash = False, None
            agg.epoch += 1

    class UserEnabled(Chained.Event):
        at: date
        actor: str

        def apply(self, agg: UserAccount) -> None:
            agg.active = True

    # -- checks ---------------------------------------------------------------------

    def problems_active(self) -> list[Refused]:
        if not self.active:
            return [Refused("invalid_transition", "user_disabled", "username",
                            username=self.username)]
        return []

    def problems_enable(self) -> list[Refused]:
        if self.active:
            return [Refused("invalid_transition", "user_active", "username",
                            username=self.username)]
        return []

    def problems_token(self) -> list[Refused]:
        """A token can be revoked only while there is one (disabling voids it too)."""
        if self.token_hash is None:
            return [Refused("invalid_transition", "no_token", "token", username=self.username)]
        return []

    def problems_new_role(self, role: str) -> list[Refused]:
        found = problems_role(role)
        if not found and role == self.role:
            return [Refused("invalid_transition", "role_unchanged", "role",
                            username=self.username, role=role)]
        return found

    @staticmethod
    def check(problems: list[Refused]) -> None:
        if problems:
            raise problems[0]

    # -- commands -------------------------------------------------------------------

    @classmethod
    def add(cls, username: str, name: str, role: str, password_hash: str, at: date,
            actor: str) -> UserAccount:
        return cls.start(cls.UserAdded, id=account_uuid(username), username=username,
                         name=name, role=role, password_hash=password_hash, at=at, actor=actor)

    def change_password(self, password_hash: str, at: date, actor: str) -> None:
        self.record(self.PasswordChanged, password_hash=password_hash, at=at, actor=actor)

    def change_role(self, role: str, at: date, actor: str) -> None:
        self.record(self.RoleChanged, role=role, at=at, actor=actor)

    def issue_token(self, token_hash: str, at: date, actor: str) -> None:
        self.record(self.TokenIssued, token_hash=token_hash, at=at, actor=actor)

    def revoke_token(self, at: date, actor: str) -> None:
        self.record(self.TokenRevoked, at=at, actor=actor)

    def disable(self, at: date, actor: str) -> None:
        self.record(self.UserDisabled, at=at, actor=actor)

    def enable(self, at: date, actor: str) -> None:
        self.record(self.UserEnabled, at=at, actor=actor)


# -- the ledger's handlers of the account commands -----------------------------------------


def handlers(find: Callable[[UUID], object]) -> dict[type, Callable]:
    """The ledger's handler of each account command, reading aggregates with `find` (the
    ledger's: the working set, else the store). Each answers (touched aggregates, values)."""

    def account(username: str) -> UserAccount:
        UserAccount.check(problems_username(username))
        found = find(account_uuid(username))
        if found is None:
            raise Refused("not_found", "user_not_found", "username", username=username)
        return found

    def values(acc: UserAccount) -> dict:
        return {"username": acc.username, "role": acc.role, "active": acc.active}

    def add(cmd: c.AddUser):
        UserAccount.check(problems_username(cmd.username) + problems_role(cmd.role)
                          + problems_password_hash(cmd.password_hash))
        if find(account_uuid(cmd.username)) is not None:
            raise Refused("duplicate_id", "user_exists", "username", username=cmd.username)
        acc = UserAccount.add(cmd.username, cmd.name.strip() or cmd.username, cmd.role,
                              cmd.password_hash, cmd.at, cmd.actor)
        return [acc], values(acc)

    def change_password(cmd: c.ChangePassword):
        acc = account(cmd.username)
        acc.check(problems_password_hash(cmd.password_hash))
        acc.change_password(cmd.password_hash, cmd.at, cmd.actor)
        return [acc], values(acc)

    def change_role(cmd: c.ChangeRole):
        acc = account(cmd.username)
        acc.check(acc.problems_new_role(cmd.role))
        acc.change_role(cmd.role, cmd.at, cmd.actor)
        return [acc], values(acc)

    def issue_token(cmd: c.IssueToken):
        acc = account(cmd.username)
        acc.check(acc.problems_active())
        if not TOKEN_HASH.match(cmd.token_hash):
            raise invalid("token", "not_a_token_hash")
        acc.issue_token(cmd.token_hash, cmd.at, cmd.actor)
        return [acc], values(acc)

    def revoke_token(cmd: c.RevokeToken):
        acc = account(cmd.username)
        acc.check(acc.problems_token())
        acc.revoke_token(cmd.at, cmd.actor)
        return [acc], values(acc)

    def disable(cmd: c.DisableUser):
        acc = account(cmd.username)
        acc.check(acc.problems_active())
        acc.disable(cmd.at, cmd.actor)
        return [acc], values(acc)

    def enable(cmd: c.EnableUser):
        acc = account(cmd.username)
        acc.check(acc.problems_enable())
        acc.enable(cmd.at, cmd.actor)
        return [acc], values(acc)

    return {c.AddUser: add, c.ChangePassword: change_password, c.ChangeRole: change_role,
            c.IssueToken: issue_token, c.RevokeToken: revoke_token, c.DisableUser: disable,
            c.EnableUser: enable}
