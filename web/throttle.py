"""Failed log-ins, per user name and per client address, and the wait they impose.

Each failure is a row of `web_login_failures` beside the events (web/store_tables.py),
so every node counts the same failures. After LIMIT failures of one kind within WINDOW,
the next attempt must wait FIRST_WAIT after the last failure, twice as long after each
further failure, at most LONGEST_WAIT; an attempt while waiting is refused unchecked
(the password is not even compared), so guessing costs the guesser time on every node.

- `user`: the name typed in the log-in form, whether such a user exists or not (a lock
  says nothing about who exists);
- `address`: the client's address, with a higher limit, since an office behind one
  address may hold many people who mistype.

A log-in that succeeds clears its name's failures; an administrator clears a name's or
an address's (`grants users unlock`, the users page). Failures are rows, not events:
anyone can cause one, and an attacker must not be able to grow the log.
"""

from __future__ import annotations

import time
from typing import Any

from web.store_tables import StoreTables

TABLES = {"web_login_failures": "kind TEXT NOT NULL, subject TEXT NOT NULL, at REAL NOT NULL"}
INDEXES = ("CREATE INDEX IF NOT EXISTS web_login_failures_subject "
           "ON {web_login_failures} (kind, subject, at)",)
LIMIT = {"user": 5, "address": 20}
WINDOW = 15 * 60  # seconds over which failures count
FIRST_WAIT = 60  # seconds, after the LIMIT-th failure
LONGEST_WAIT = 15 * 60


class Throttle:
    """The failed log-ins of one event store."""

    def __init__(self, recorder: Any):
        self.tables = StoreTables(recorder, TABLES)
        self.tables.create(INDEXES)

    def close(self) -> None:
        self.tables.close()

    def _failures(self, kind: str, subject: str, now: float) -> list[float]:
        t = self.tables
        with t.transaction(write=False) as cur:
            cur.execute(t.sql("SELECT at FROM {web_login_failures} WHERE kind = ? AND "
                              "subject = ? AND at > ? ORDER BY at"),
                        (kind, subject, now - WINDOW))
            return [row["at"] for row in cur.fetchall()]

    @staticmethod
    def _until(kind: str, failures: list[float]) -> float:
        over = len(failures) - LIMIT[kind]
        if over < 0:
            return 0.0
        return failures[-1] + min(FIRST_WAIT * 2 ** min(over, 20), LONGEST_WAIT)

    def wait(self, kind: str, subject: str, now: float | None = None) -> int:
        """Whole seconds `subject` must still wait before it may try again (0: now)."""
        now = time.time() if now is None else now
        left = self._until(kind, self._failures(kind, subject, now)) - now
        return max(0, int(left + 0.999))

    def fail(self, kind: str, subject: str, now: float | None = None) -> None:
        """Record a failure (and forget those too old to count)."""
        now = time.time() if now is None else now
        t = self.tables
        with t.transaction() as cur:
            cur.execute(t.sql("DELETE FROM {web_login_failures} WHERE at <= ?"),
                        (now - WINDOW,))
            cur.execute(t.sql("INSERT INTO {web_login_failures} (kind, subject, at) "
                              "VALUES (?, ?, ?)"), (kind, subject, now))

    def clear(self, kind: str, subject: str) -> int:
        """Lift the wait of `subject`: its failures are forgotten; how many there were."""
        t = self.tables
        with t.transaction() as cur:
            cur.execute(t.sql("DELETE FROM {web_login_failures} WHERE kind = ? AND "
                              "subject = ?"), (kind, subject))
            return cur.rowcount

    def locked(self, now: float | None = None) -> list[dict]:
        """Every name and address that must wait now: kind, subject, failures, seconds."""
        now = time.time() if now is None else now
        t = self.tables
        with t.transaction(write=False) as cur:
            cur.execute(t.sql("SELECT kind, subject, at FROM {web_login_failures} "
                              "WHERE at > ? ORDER BY kind, subject, at"), (now - WINDOW,))
            rows = cur.fetchall()
        found: dict[tuple[str, str], list[float]] = {}
        for row in rows:
            found.setdefault((row["kind"], row["subject"]), []).append(row["at"])
        locked = []
        for (kind, subject), failures in found.items():
            until = self._until(kind, failures)
            if kind in LIMIT and until > now:
                locked.append({"kind": kind, "subject": subject, "failures": len(failures),
                               "wait": int(until - now + 0.999)})
        return locked
