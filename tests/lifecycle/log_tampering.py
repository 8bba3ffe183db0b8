"""Histories written through the real Ledger, and direct SQL on the stored rows afterwards,
as someone with database access (and without the signing key) would tamper with them.

Rows are named by notification id: SQLite's rowid, PostgreSQL's notification_id.
"""

from __future__ import annotations

import sqlite3
from uuid import UUID

from tests.builders import approve, certify, register, submit
from tests.conftest import run


def history(ledger, enterprises: int = 3) -> None:
    """Each enterprise registered, one application submitted, certified, approved."""
    commands = []
    for n in range(1, enterprises + 1):
        app = f"A-{n}"
        commands += [register(n), submit(app, n), certify(app), approve(app)]
    results = run(ledger, *commands)
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]]


def grow(ledger, start: int, enterprises: int = 2) -> None:
    """More enterprises registered after the first `start` ones."""
    results = run(ledger, *[register(n) for n in range(start + 1, start + enterprises + 1)])
    assert all(r["ok"] for r in results)


class Raw:
    """Direct SQL on the events table of a test's store."""

    def __init__(self, event_store, ledger):
        self.table = ledger.recorder.events_table_name
        self.sqlite = event_store.kind == "sqlite"
        if self.sqlite:
            self.conn = sqlite3.connect(event_store.settings()["SQLITE_DBNAME"],
                                        isolation_level=None)
            self.p, self.nid = "?", "rowid"
        else:
            import psycopg

            self.conn = psycopg.connect(event_store.event_store, autocommit=True)
            self.p, self.nid = "%s", "notification_id"

    def close(self) -> None:
        self.conn.close()

    def sql(self, text: str, *args):
        return self.conn.execute(text.replace("?", self.p), args)

    def key(self, aggregate: UUID | str):
        aggregate = UUID(str(aggregate))
        return aggregate.hex if self.sqlite else aggregate

    def rows(self) -> list[tuple]:
        """(notification id, aggregate id as text, version, topic, state) in log order."""
        out = []
        for nid, oid, version, topic, state in self.sql(
                f"SELECT {self.nid}, originator_id, originator_version, topic, state "
                f"FROM {self.table} ORDER BY {self.nid}").fetchall():
            out.append((nid, str(UUID(str(oid))), version, topic,
                        bytes(state) if state is not None else None))
        return out

    def row(self, nid: int) -> tuple:
        return next(r for r in self.rows() if r[0] == nid)

    def delete(self, nid: int) -> None:
        self.sql(f"DELETE FROM {self.table} WHERE {self.nid} = ?", nid)

    def set_state(self, nid: int, state) -> None:
        self.sql(f"UPDATE {self.table} SET state = ? WHERE {self.nid} = ?", state, nid)

    def set_body(self, nid: int, topic: str, state: bytes) -> None:
        self.sql(f"UPDATE {self.table} SET topic = ?, state = ? WHERE {self.nid} = ?",
                 topic, state, nid)

    def renumber(self, old: int, new: int) -> None:
        self.sql(f"UPDATE {self.table} SET {self.nid} = ? WHERE {self.nid} = ?", new, old)

    def swap_positions(self, a: int, b: int) -> None:
        """The two rows exchange notification ids: each stands where the other stood."""
        spare = -1_000_000
        self.renumber(a, spare)
        self.renumber(b, a)
        self.renumber(spare, b)

    def insert(self, aggregate, version: int, topic: str, state: bytes,
               nid: int | None = None) -> None:
        if nid is None:
            self.sql(f"INSERT INTO {self.table} (originator_id, originator_version, topic, "
                     "state) VALUES (?, ?, ?, ?)", self.key(aggregate), version, topic, state)
        else:
            self.sql(f"INSERT INTO {self.table} ({self.nid}, originator_id, originator_version, "
                     "topic, state) VALUES (?, ?, ?, ?, ?)", nid, self.key(aggregate), version,
                     topic, state)

    def make_room_after(self, nid: int) -> None:
        """Every row after `nid` moves one id up, leaving `nid + 1` free."""
        for later in sorted((r[0] for r in self.rows() if r[0] > nid), reverse=True):
            self.renumber(later, later + 1)

    def tree_sql(self, text: str, *args):
        """SQL on the tree's own tables (log_leaves, log_nodes, log_heads)."""
        return self.sql(text, *args)
