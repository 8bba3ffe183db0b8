"""Tables of the service's own beside the events, in the event store's database.

What every node must share but is no fact of the ledger lives here: the log-in
sessions (web/sessions.py) and the failed log-ins (web/throttle.py). They sit in the
same database as the events (the events.sqlite file, or the PostgreSQL database and
schema of GRANTS_EVENT_STORE), as the log's Merkle tree does, so a node needs no
other shared server; they are not events because they change on every request (a
session's last activity) or may be written by anyone at all (a failed log-in), and
nothing of them needs replaying.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_DDL_LOCK_KEY = 7_311_202_513


class StoreTables:
    """Statements on tables beside a ledger's events, on SQLite or PostgreSQL.

    Write the SQL with `?` placeholders and `{name}` for each table (qualified with the
    events' schema on PostgreSQL); `transaction()` yields a cursor whose rows read by
    column name on both.
    """

    def __init__(self, recorder: Any, tables: dict[str, str]):
        """`tables`: each table's name and its columns (the body of CREATE TABLE)."""
        datastore = recorder.datastore
        self.postgres = type(recorder).__module__.startswith("eventsourcing.postgres")
        self._datastore = datastore
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        prefix = ""
        if self.postgres:
            prefix = '"' + datastore.schema.replace('"', '""') + '".'
        self.names = {name: prefix + name for name in tables}
        self._tables = tables

    def sql(self, text: str) -> str:
        """`text` with the tables' qualified names and this store's placeholders."""
        text = text.format(**self.names)
        return text.replace("?", "%s") if self.postgres else text

    def create(self, indexes: tuple[str, ...] = ()) -> None:
        """Create the tables (and `indexes`, statements in `sql`'s form) unless they exist."""
        with self.transaction() as cur:
            if self.postgres:  # concurrent CREATE ... IF NOT EXISTS can collide there
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK_KEY,))
            for name, columns in self._tables.items():
                cur.execute(f"CREATE TABLE IF NOT EXISTS {self.names[name]} ({columns})")
            for statement in indexes:
                cur.execute(self.sql(statement))

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Any]:
        """One transaction, committed at the end (rolled back on an exception); `write`
        takes SQLite's write lock at once (reads need not)."""
        if self.postgres:
            with self._datastore.transaction(commit=True) as cur:
                yield cur
            return
        # SQLite: a connection of these tables' own, whose commits need not wait for the
        # disk (a session or a failed log-in lost in a power cut is no fact lost).
        with self._lock:
            conn = self._own_connection()
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn.cursor()
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.rollback()
                raise

    def _own_connection(self) -> sqlite3.Connection:
        if self._conn is None:
            pool = self._datastore.pool
            conn = sqlite3.connect(pool.db_name, uri=True, isolation_level=None,
                                   check_same_thread=False, timeout=pool.lock_timeout or 30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA synchronous=NORMAL")
            self._conn = conn
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
