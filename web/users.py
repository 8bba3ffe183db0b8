"""People who use the service: their accounts, sessions and failed log-ins, on every node.

Roles: `staff` record decisions; `auditor` read everything and change nothing;
`admin` manage users. Accounts are events in the one log (lifecycle/accounts.py),
written through the one write path and read from the node's views (the `users` table
the follower keeps), which every request first brings up to the log: a user added,
disabled or given a new password on one node is so on every node at its next request.

Passwords are hashed here, at the edge, as salted scrypt in werkzeug's format
(`scrypt:N:r:p$salt$hex`; `pbkdf2:sha256:iterations$...` written by earlier versions
still verifies); API tokens as SHA-256. Only the hashes reach the log.

`users.sqlite`, where the first versions kept users per data folder, is imported once
(`import_legacy`): its users become events and the file is renamed
`users.sqlite.imported`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sqlite3
import string
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from lifecycle import commands as c
from lifecycle.accounts import ROLES
from lifecycle.errors import invalid
from web import contract
from web.services import Services
from web.sessions import Sessions
from web.throttle import Throttle

__all__ = ["ROLES", "USERS_FILE", "User", "UserError", "Users", "check_password",
           "hash_password"]

USERS_FILE = "users.sqlite"  # the first versions' user store, imported once
IMPORTED_SUFFIX = ".imported"
MIN_PASSWORD = 8
#: The key derivation new passwords get, with its parameters (n, r, p), as stored.
SCRYPT = "scrypt:32768:8:1"
SALT_CHARS = string.ascii_letters + string.digits
log = logging.getLogger(__name__)


class UserError(ValueError):
    """A user operation refused, with the field it concerns (and the refusal's code)."""

    def __init__(self, field: str, message: str, code: str = "invalid_command"):
        super().__init__(message)
        self.field, self.message, self.code = field, message, code


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    active: bool
    epoch: int = 0  # changes that ended the user's sessions (lifecycle/accounts.py)
    has_token: bool = False  # whether an API token works for them now

    @property
    def can_write(self) -> bool:
        return self.role == "staff"

    @property
    def can_manage_users(self) -> bool:
        return self.role == "admin"


def _user(row: dict | None) -> User | None:
    if row is None:
        return None
    return User(row["username"], row["name"], row["role"], bool(row["active"]), row["epoch"],
                row["token_hash"] is not None)


def _refused(line: dict) -> UserError:
    error = line["error"]
    field, message = next(iter(error["fields"].items()), ("username", error["message"]))
    return UserError(field, message, error["code"])


class Users:
    """The users of the services' store, with their sessions and failed log-ins."""

    def __init__(self, services: Services):
        self.services = services
        self.sessions = Sessions(services.ledger.recorder)
        self.throttle = Throttle(services.ledger.recorder)
        services.on_close(self.close)

    def close(self) -> None:
        self.sessions.close()
        self.throttle.close()

    def _run(self, command: c.Command) -> dict:
        line = self.services.execute(command)
        if not line["ok"]:
            raise _refused(line)
        return line

    def _today(self) -> date:
        return self.services.clock.today()

    # -- changes, each an event of the account -------------------------------------------

    def add(self, username: str, role: str, password: str, name: str = "",
            actor: str = c.SYSTEM) -> User:
        _check_password(password)
        self._run(c.AddUser(at=self._today(), actor=actor, username=username, role=role,
                            password_hash=hash_password(password), name=name))
        return self.get(username)

    def disable(self, username: str, actor: str = c.SYSTEM) -> None:
        """Disable a user: no log-in, no API token; their sessions end on every node."""
        self._run(c.DisableUser(at=self._today(), actor=actor, username=username))
        self.sessions.end_user(username)

    def enable(self, username: str, actor: str = c.SYSTEM) -> None:
        """Let a disabled user log in again (with a new API token only once issued)."""
        self._run(c.EnableUser(at=self._today(), actor=actor, username=username))

    def set_password(self, username: str, password: str, actor: str = c.SYSTEM) -> None:
        """A new password; the user's sessions end on every node."""
        _check_password(password)
        self._run(c.ChangePassword(at=self._today(), actor=actor, username=username,
                                   password_hash=hash_password(password)))
        self.sessions.end_user(username)

    def set_role(self, username: str, role: str, actor: str = c.SYSTEM) -> None:
        """Another role, which every node applies from the user's next request."""
        self._run(c.ChangeRole(at=self._today(), actor=actor, username=username, role=role))

    def issue_token(self, username: str, actor: str = c.SYSTEM) -> str:
        """A new API token for the user (replacing any earlier one); shown only once."""
        token = secrets.token_urlsafe(32)
        self._run(c.IssueToken(at=self._today(), actor=actor, username=username,
                               token_hash=_digest(token)))
        return token

    def revoke_token(self, username: str, actor: str = c.SYSTEM) -> None:
        """The user's API token stops working on every node (refused when there is none)."""
        self._run(c.RevokeToken(at=self._today(), actor=actor, username=username))

    # -- log-ins, beside the sessions (not events: a log-in decides nothing) -----------

    def logged_in(self, username: str) -> None:
        """Note a log-in of `username`, now, for every node to show."""
        self.sessions.logged_in(username)

    def last_logins(self) -> dict[str, datetime]:
        return self.sessions.last_logins()

    # -- reading the views -------------------------------------------------------------

    def get(self, username: str) -> User | None:
        with self.services.reader() as views:
            return _user(views.user(username))

    def list(self) -> list[User]:
        with self.services.reader() as views:
            return [_user(r) for r in views.users()]

    def empty(self) -> bool:
        return not self.list()

    def history(self, username: str | None = None) -> list[dict]:
        """Every change of every account (or of one), in log order: who could do what,
        from when, and who changed it."""
        with self.services.reader() as views:
            return views.user_history(username)

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this password, or None (the same answer for every failure)."""
        with self.services.reader() as views:
            row = views.user(username)
        if row is None:
            check_password(_stand_in(), password)  # the same time either way
            return None
        if not row["active"] or not check_password(row["password_hash"], password):
            return None
        return _user(row)

    def by_token(self, token: str) -> User | None:
        if not token:
            return None
        with self.services.reader() as views:
            return _user(views.user_by_token(_digest(token)))

    # -- locks after failed log-ins ------------------------------------------------------

    def unlock(self, username: str) -> int:
        """Lift the wait failed log-ins put on a user name; how many failures it forgets."""
        return self.throttle.clear("user", username)

    def unlock_address(self, address: str) -> int:
        return self.throttle.clear("address", address)

    # -- the first versions' store -----------------------------------------------------

    def import_legacy(self, path: Path) -> list[str] | None:
        """Import `users.sqlite` at `path` once: each user the log lacks becomes its events
        (the stored hashes as they are), then the file is renamed `.imported`. The names
        imported, or None when there is no such file. A name the log already holds keeps
        what the log says (several nodes' files may each hold it)."""
        if not path.exists():
            return None
        with sqlite3.connect(path) as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute("SELECT * FROM users ORDER BY created_at, username").fetchall()
        conn.close()
        imported, failed = [], []
        for row in rows:
            if self.get(row["username"]) is not None:
                continue
            at = min(_day(row["created_at"]) or self._today(), self._today())
            commands: list[c.Command] = [c.AddUser(
                at=at, actor=USERS_FILE, username=row["username"], role=row["role"],
                password_hash=row["password_hash"], name=row["name"])]
            if row["token_hash"]:
                commands.append(c.IssueToken(at=at, actor=USERS_FILE,
                                             username=row["username"],
                                             token_hash=row["token_hash"]))
            if not row["active"]:
                commands.append(c.DisableUser(at=at, actor=USERS_FILE,
                                              username=row["username"]))
            lines = self.services.execute_together(commands)
            if all(line["ok"] for line in lines) and len(lines) == len(commands):
                imported.append(row["username"])
            elif self.get(row["username"]) is None:  # not another process's import
                failed.append(row["username"])
                log.error("%s: user %s not imported: %s", path, row["username"], lines[-1])
        if not failed:
            # FileNotFoundError: another process imported it at the same time
            with suppress(FileNotFoundError):
                path.rename(path.with_name(path.name + IMPORTED_SUFFIX))
        if imported:
            log.warning("%s: imported %d user(s) into the log: %s", path, len(imported),
                        ", ".join(imported))
        return imported


def _day(text: str | None) -> date | None:
    try:
        return datetime.fromisoformat(text).date() if text else None
    except ValueError:
        return None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        error = contract.error(invalid("password", "password_too_short", least=MIN_PASSWORD))
        raise UserError("password", error["fields"]["password"])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    """A salted hash of `password` to store: `method$salt$hex`."""
    salt = "".join(secrets.choice(SALT_CHARS) for _ in range(16))
    return f"{SCRYPT}${salt}${_derive(SCRYPT, salt, password)}"


def check_password(stored: str, password: str) -> bool:
    """Whether `password` is the one `stored` was made from (False for a malformed hash)."""
    try:
        method, salt, expected = stored.split("$", 2)
        return hmac.compare_digest(_derive(method, salt, password), expected)
    except (ValueError, TypeError):  # not method$salt$hex, or a method we do not know
        return False


def _derive(method: str, salt: str, password: str) -> str:
    """The hex key of `password` under `method` (`scrypt[:n:r:p]` or `pbkdf2[:hash[:n]]`,
    with werkzeug's defaults where the stored method leaves them out)."""
    kind, *params = method.split(":")
    secret, salt_bytes = password.encode(), salt.encode()
    if kind == "scrypt":
        n, r, p = map(int, params) if params else (2**15, 8, 1)
        return hashlib.scrypt(secret, salt=salt_bytes, n=n, r=r, p=p,
                              maxmem=132 * n * r * p).hex()
    if kind == "pbkdf2" and len(params) <= 2:
        name = params[0] if params else "sha256"
        iterations = int(params[1]) if len(params) == 2 else 1_000_000
        return hashlib.pbkdf2_hmac(name, secret, salt_bytes, iterations).hex()
    raise ValueError(f"unknown password hash method {method!r}")


@cache
def _stand_in() -> str:
    """A hash to check a password against when there is no such user."""
    return hash_password(secrets.token_urlsafe(16))
