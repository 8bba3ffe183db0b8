"""People who use the service, their roles, passwords and API tokens.

Roles: `staff` record decisions; `auditor` read everything and change nothing;
`admin` manage users. Passwords are stored as salted scrypt hashes, API tokens as
SHA-256 hashes: neither can be read back from `users.sqlite`. The password hashes
keep werkzeug's format (`scrypt:N:r:p$salt$hex`, or `pbkdf2:sha256:iterations$...`
written by earlier versions), so every stored hash still verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from lifecycle import store

ROLES = ("staff", "auditor", "admin")
USERS_FILE = "users.sqlite"
MIN_PASSWORD = 8
#: The key derivation new passwords get, with its parameters (n, r, p), as stored.
SCRYPT = "scrypt:32768:8:1"
SALT_CHARS = string.ascii_letters + string.digits


class UserError(ValueError):
    """A user operation refused, with the field it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    active: bool

    @property
    def can_write(self) -> bool:
        return self.role == "staff"

    @property
    def can_manage_users(self) -> bool:
        return self.role == "admin"


class Users:
    def __init__(self, path: Path):
        store.private_file(path)  # 0600 in a 0700 folder: password and token hashes
        self.path = path
        with self._connect() as conn:
            conn.execute("""CREATE TABLE IF NOT EXISTS users (
                username TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
                password_hash TEXT NOT NULL, token_hash TEXT, active INTEGER NOT NULL,
                created_at TEXT NOT NULL)""")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30)
        conn.row_factory = sqlite3.Row
        return conn

    @staticmethod
    def _user(row) -> User | None:
        return None if row is None else User(row["username"], row["name"], row["role"],
                                             bool(row["active"]))

    def add(self, username: str, role: str, password: str, name: str = "") -> User:
        if not username or not username.replace("-", "").replace("_", "").isalnum():
            raise UserError("username", "letters, digits, - and _ only")
        if role not in ROLES:
            raise UserError("role", f"must be one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise UserError("password", f"at least {MIN_PASSWORD} characters")
        try:
            with self._connect() as conn:
                conn.execute("INSERT INTO users VALUES (?, ?, ?, ?, NULL, 1, ?)",
                             (username, name or username, role, hash_password(password),
                              datetime.now(UTC).isoformat()))
        except sqlite3.IntegrityError:
            raise UserError("username", f"{username} already exists") from None
        return User(username, name or username, role, True)

    def get(self, username: str) -> User | None:
        with self._connect() as conn:
            return self._user(conn.execute("SELECT * FROM users WHERE username = ?",
                                           (username,)).fetchone())

    def list(self) -> list[User]:
        with self._connect() as conn:
            return [self._user(r) for r in conn.execute("SELECT * FROM users ORDER BY username")]

    def disable(self, username: str) -> None:
        with self._connect() as conn:
            if conn.execute("UPDATE users SET active = 0, token_hash = NULL WHERE username = ?",
                            (username,)).rowcount == 0:
                raise UserError("username", f"no user {username}")

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this password, or None (the same answer for every failure)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        if row is None:
            check_password(_stand_in(), password)  # the same time either way
            return None
        if not row["active"] or not check_password(row["password_hash"], password):
            return None
        return self._user(row)

    def issue_token(self, username: str) -> str:
        """A new API token for the user (replacing any earlier one); shown only once."""
        token = secrets.token_urlsafe(32)
        with self._connect() as conn:
            if conn.execute("UPDATE users SET token_hash = ? WHERE username = ? AND active = 1",
                            (_digest(token), username)).rowcount == 0:
                raise UserError("username", f"no active user {username}")
        return token

    def by_token(self, token: str) -> User | None:
        if not token:
            return None
        with self._connect() as conn:
            return self._user(conn.execute(
                "SELECT * FROM users WHERE token_hash = ? AND active = 1",
                (_digest(token),)).fetchone())

    def empty(self) -> bool:
        with self._connect() as conn:
            return conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


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
