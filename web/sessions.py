"""Log-in sessions kept in the store, shared by every node: the cookie only names one.

A session is a row of `web_sessions` beside the events (web/store_tables.py): the
SHA-256 of its id (the cookie holds the id itself, 256 random bits, so the table alone
opens no session), the user it belongs to, its data (language, CSRF token, messages to
show) and when it was last active. Every node reads the same rows, so a session begun
on one node is valid on all of them, and ending it (log-out), or ending all of a user's
(disabling the user, a new password), ends it everywhere at once.

Why a table and not events: a session's last activity changes on every request, it is
no fact of the ledger and nothing about it needs replaying; what ends a user's sessions
for a reason an auditor cares about (disabling, a new password) is an event of the
account (lifecycle/accounts.py), and a session also carries the account's `epoch` at
log-in, so one that outlived such an event is refused even if its row was not deleted.

Each user's last log-in is a row of `web_logins` beside them, for the same reasons: a
log-in is no decision of the ledger, only something an administrator wants to see, and
it must read the same on every node. It outlives the sessions (ended by log-out,
disabling, a new password, or idleness).

The Flask side (the session interface) is web/app/sessions.py.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from web.store_tables import StoreTables

TABLES = {"web_sessions": "session_hash TEXT PRIMARY KEY, username TEXT, data TEXT NOT NULL, "
                          "started REAL NOT NULL, seen REAL NOT NULL",
          # DOUBLE PRECISION: PostgreSQL's REAL is 4 bytes, two minutes apart at today's epoch
          "web_logins": "username TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL"}
INDEXES = (
    "CREATE INDEX IF NOT EXISTS web_sessions_username ON {web_sessions} (username)",
    "CREATE INDEX IF NOT EXISTS web_sessions_seen ON {web_sessions} (seen)",
)
PURGE_EVERY = 60.0  # seconds between sweeps of sessions idle past their lifetime


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """The sessions of one event store."""

    def __init__(self, recorder: Any):
        self.tables = StoreTables(recorder, TABLES)
        self.tables.create(INDEXES)
        self._purged = 0.0

    def close(self) -> None:
        self.tables.close()

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(32)

    def load(self, session_id: str) -> str | None:
        """The data of the session named `session_id`, or None when there is none."""
        t = self.tables
        with t.transaction(write=False) as cur:
            cur.execute(t.sql("SELECT data FROM {web_sessions} WHERE session_hash = ?"),
                        (_hash(session_id),))
            row = cur.fetchone()
        return None if row is None else row["data"]

    def save(self, session_id: str, data: str, username: str | None, seen: float) -> None:
        """Keep the session's data (a new session, or a change to one)."""
        t, now = self.tables, time.time()
        with t.transaction() as cur:
            cur.execute(t.sql(
                "INSERT INTO {web_sessions} (session_hash, username, data, started, seen) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_hash) DO UPDATE SET "
                "username = excluded.username, data = excluded.data, seen = excluded.seen"),
                (_hash(session_id), username, data, now, seen))

    def end(self, session_id: str) -> None:
        """End one session (log-out): no node knows it any more."""
        t = self.tables
        with t.transaction() as cur:
            cur.execute(t.sql("DELETE FROM {web_sessions} WHERE session_hash = ?"),
                        (_hash(session_id),))

    def end_user(self, username: str) -> int:
        """End every session of `username`, on every node; how many there were."""
        t = self.tables
        with t.transaction() as cur:
            cur.execute(t.sql("DELETE FROM {web_sessions} WHERE username = ?"), (username,))
            return cur.rowcount

    def count(self, username: str, idle: float | None = None) -> int:
        """How many sessions `username` has (only those active in the last `idle` seconds,
        when given: older ones end at their next request)."""
        t = self.tables
        since = 0.0 if idle is None else time.time() - idle
        with t.transaction(write=False) as cur:
            cur.execute(t.sql("SELECT count(*) AS n FROM {web_sessions} WHERE username = ? "
                              "AND seen >= ?"), (username, since))
            return cur.fetchone()["n"]

    def logged_in(self, username: str, at: float | None = None) -> None:
        """Note that `username` logged in (now, or at `at`, seconds since the epoch)."""
        t = self.tables
        with t.transaction() as cur:
            cur.execute(t.sql("INSERT INTO {web_logins} (username, at) VALUES (?, ?) "
                              "ON CONFLICT (username) DO UPDATE SET at = excluded.at"),
                        (username, time.time() if at is None else at))

    def last_logins(self) -> dict[str, datetime]:
        """When each user who ever logged in last did so (UTC)."""
        t = self.tables
        with t.transaction(write=False) as cur:
            cur.execute(t.sql("SELECT username, at FROM {web_logins}"))
            return {row["username"]: datetime.fromtimestamp(row["at"], UTC)
                    for row in cur.fetchall()}

    def purge(self, idle: float) -> None:
        """Forget sessions idle for longer than `idle` seconds (at most once a minute)."""
        now = time.time()
        if now - self._purged < PURGE_EVERY:
            return
        self._purged = now
        t = self.tables
        with t.transaction() as cur:
            cur.execute(t.sql("DELETE FROM {web_sessions} WHERE seen < ?"), (now - idle,))
