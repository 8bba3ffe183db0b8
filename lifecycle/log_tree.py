"""The log's Merkle tree, kept beside the event store and shared by every node on it.

The tree's leaves are the stored records in notification order (`lifecycle.log_leaf`);
its hashing is RFC 9162 section 2.1 (`lifecycle.merkle`). It lives in three tables in
the event store's own database (the events.sqlite file, or the PostgreSQL database and
schema of the events), created if they do not exist:

    log_leaves  leaf_index PK, notification_id UNIQUE, originator_id, originator_version,
                record_hash                   one row per leaf: what was appended, and whose
    log_nodes   (level, node_index) PK, hash  the root of each complete subtree of 2^level
                                              leaves, level >= 4 (smaller ones are hashed
                                              from their leaves), so proofs take O(log n)
                                              look-ups (RFC 9162 section 2.1.3, 2.1.4)
    log_heads   tree_size PK, root_hash, head_time, key_fingerprint, public_key, signature,
                edge, last_notification_id    every signed tree head; `edge` is the compact
                                              range at that size, to append from

`catch_up()` appends the records written since the newest head and signs the new head,
all in one transaction. Two processes (or nodes) catching up at once both try to write
the same leaf indices and the same tree size: the store's primary keys let one win, and
the other reads the newest head again and appends what is still missing. None of this
is trusted by the audit (`lifecycle.log_audit`), which recomputes every leaf from the
records; these tables only serve proofs and help name what changed.
"""

from __future__ import annotations

import base64
import itertools
import sqlite3
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import IntegrityError, OperationalError

from lifecycle import merkle
from lifecycle.log_leaf import (
    Unreadable,
    leaf_hash_of,
    read_records,
    record_hash_of,
    record_key,
)
from lifecycle.signing import SigningKey

STORED_LEVEL = 4  # log_nodes keeps subtrees of 16 leaves and more
CHUNK = 10_000  # records appended (and one head signed) per transaction
ATTEMPTS = 20
_DDL_LOCK_KEY = 7_311_202_512


class LogTreeError(Exception):
    """The tree cannot do what was asked (no key, an unreadable record, a foreign checkpoint)."""


class _Sql:
    """The two dialects: placeholders, types and names on SQLite and PostgreSQL."""

    def __init__(self, recorder: Any, prefix: str):
        self.datastore = recorder.datastore
        self.postgres = type(recorder).__module__.startswith("eventsourcing.postgres")
        if self.postgres:
            schema = self.datastore.schema.replace('"', '""')
            q = f'"{schema}".'
            self.int, self.blob, self.p = "BIGINT", "BYTEA", "%s"
        else:
            q, self.int, self.blob, self.p = "", "INTEGER", "BLOB", "?"
        self.leaves, self.nodes, self.heads = (f"{q}{prefix}{t}" for t in
                                               ("leaves", "nodes", "heads"))
        self.index = f"{prefix}leaves_notification_id"

    def __call__(self, text: str) -> str:
        return text.replace("?", self.p)

    def create_statements(self) -> list[str]:
        i, b = self.int, self.blob
        return [
            f"CREATE TABLE IF NOT EXISTS {self.leaves} (leaf_index {i} PRIMARY KEY, "
            f"notification_id {i} NOT NULL, originator_id TEXT, originator_version {i}, "
            f"record_hash {b} NOT NULL)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {self.index} "
            f"ON {self.leaves} (notification_id)",
            f"CREATE TABLE IF NOT EXISTS {self.nodes} (level {i} NOT NULL, "
            f"node_index {i} NOT NULL, hash {b} NOT NULL, PRIMARY KEY (level, node_index))",
            f"CREATE TABLE IF NOT EXISTS {self.heads} (tree_size {i} PRIMARY KEY, "
            f"root_hash {b} NOT NULL, head_time TEXT NOT NULL, key_fingerprint TEXT NOT NULL, "
            f"public_key {b} NOT NULL, signature {b} NOT NULL, edge {b} NOT NULL, "
            f"last_notification_id {i} NOT NULL)",
        ]


_HEAD_COLUMNS = ("tree_size, root_hash, head_time, key_fingerprint, public_key, signature, "
                 "edge, last_notification_id")


def _head(row: Any) -> dict:
    return {"size": row["tree_size"], "root": bytes(row["root_hash"]).hex(),
            "time": row["head_time"], "key": row["key_fingerprint"],
            "public_key": base64.b64encode(bytes(row["public_key"])).decode(),
            "signature": base64.b64encode(bytes(row["signature"])).decode()}


def _edge(row: Any) -> merkle.CompactRange:
    blob = bytes(row["edge"])
    return merkle.CompactRange(row["tree_size"], [blob[i:i + 32] for i in range(0, len(blob), 32)])


class LogTree:
    """The Merkle tree of one ledger's event store.

    `LogTree(ledger, signing_key)`; without a key it can read heads and give proofs but
    not catch up. `create=False` leaves the database as it is (the tables may be absent:
    then there are no heads and no leaves).
    """

    def __init__(self, ledger: Any, signing_key: SigningKey | None = None, *,
                 prefix: str = "log_", create: bool = True):
        self.recorder = ledger.recorder
        self.key = signing_key
        self._sql = _Sql(self.recorder, prefix)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        # (edge, last notification id, head) as this tree last appended or read them: the
        # next catch_up starts there without asking; a stale one fails on the primary keys.
        self._top: tuple[merkle.CompactRange, int, dict] | None = None
        if create:
            self._create()

    # -- storage ------------------------------------------------------------------------

    def _transaction(self, commit: bool):
        return self._sql.datastore.transaction(commit=commit)

    @contextmanager
    def _append_transaction(self) -> Iterator[Any]:
        """A write transaction whose commit does not wait for the disk.

        The tree is derived from the records, which their own commits made durable: a
        crash can lose the last appended leaves and heads, never a record, and the next
        catch_up appends them again. So the tree's commit skips the flush (PostgreSQL
        synchronous_commit off; on SQLite, in WAL mode, synchronous NORMAL on a
        connection of the tree's own, so the ledger's connections keep theirs), which
        is most of what a catch_up after one write would otherwise cost.
        """
        if self._sql.postgres:  # one round trip: the statements go as one pipeline
            with self._sql.datastore.get_connection() as conn, conn.pipeline(), \
                    conn.transaction():
                cur = conn.cursor()
                cur.execute("SET LOCAL synchronous_commit TO OFF")
                yield cur
            return
        with self._lock:
            conn = self._own_connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn.cursor()
                conn.execute("COMMIT")
            except sqlite3.IntegrityError as e:
                conn.rollback()
                raise IntegrityError(e) from e
            except sqlite3.OperationalError as e:
                if conn.in_transaction:
                    conn.rollback()
                raise OperationalError(e) from e
            except BaseException:
                if conn.in_transaction:
                    conn.rollback()
                raise

    def _own_connection(self) -> sqlite3.Connection:
        if self._conn is None:
            pool = self._sql.datastore.pool
            conn = sqlite3.connect(pool.db_name, uri=True, isolation_level=None,
                                   check_same_thread=False, timeout=pool.lock_timeout or 5)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._conn = conn
        return self._conn

    def close(self) -> None:
        """Close the tree's own SQLite connection, if it opened one."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> LogTree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _create(self) -> None:
        with self._transaction(commit=True) as cur:
            if self._sql.postgres:  # concurrent CREATE ... IF NOT EXISTS can collide there
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK_KEY,))
            for statement in self._sql.create_statements():
                cur.execute(statement)

    def _query(self, text: str, params: Sequence = ()) -> list:
        try:
            if self._sql.postgres:  # one statement, autocommit: no BEGIN and ROLLBACK
                with self._sql.datastore.get_connection() as conn:
                    return list(conn.execute(self._sql(text), tuple(params)).fetchall())
            with self._transaction(commit=False) as cur:
                cur.execute(self._sql(text), tuple(params))
                return list(cur.fetchall())
        except Exception as e:
            if self._missing(e):
                return []
            raise

    @staticmethod
    def _missing(error: Exception) -> bool:
        text = str(error).lower()
        return "no such table" in text or "does not exist" in text

    def _newest_row(self) -> Any | None:
        rows = self._query(f"SELECT {_HEAD_COLUMNS} FROM {self._sql.heads} "
                           "ORDER BY tree_size DESC LIMIT 1")
        return rows[0] if rows else None

    # -- heads --------------------------------------------------------------------------

    def head(self) -> dict | None:
        """The newest signed tree head in the store (no catching up), or None."""
        row = self._newest_row()
        return _head(row) if row is not None else None

    def heads(self, after: int = -1, limit: int | None = None) -> list[dict]:
        """The stored signed tree heads with size > `after`, smallest first."""
        text = (f"SELECT {_HEAD_COLUMNS} FROM {self._sql.heads} WHERE tree_size > ? "
                "ORDER BY tree_size")
        params: list = [after]
        if limit is not None:
            text += " LIMIT ?"
            params.append(limit)
        return [_head(row) for row in self._query(text, params)]

    def iter_heads(self, page: int = 5000) -> Iterable[dict]:
        """Every stored head, smallest first, a page at a time."""
        after = -1
        while True:
            batch = self.heads(after, page)
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1]["size"]

    def catch_up(self) -> dict:
        """Append the records written since the newest head; sign and store the new head.

        Returns the newest signed head (the existing one when nothing was written; a head
        of size 0 for an empty log). Raises LogTreeError without a signing key, or when a
        record cannot be read (the tree never signs past it).
        """
        if self.key is None:
            raise LogTreeError("catching up signs a head: the tree needs a signing key")
        lost = 0
        while True:
            state = self._top or self._read_top()
            if state is None:
                edge, last_nid, head = merkle.CompactRange(), 0, None
            else:
                edge, last_nid, head = state[0].copy(), state[1], state[2]
            records = list(itertools.islice(read_records(self.recorder, last_nid + 1), CHUNK))
            if head is not None and not records:
                self._top = state
                return head
            try:
                head, last_nid = self._append(edge, records)
            except (IntegrityError, OperationalError):
                self._top = None  # another process appended first: read the newest again
                lost += 1
                if lost >= ATTEMPTS:
                    raise
                continue
            self._top = (edge, last_nid, head)
            if len(records) < CHUNK:
                return head

    def _read_top(self) -> tuple[merkle.CompactRange, int, dict] | None:
        row = self._newest_row()
        if row is None:
            return None
        return _edge(row), row["last_notification_id"], _head(row)

    def _append(self, edge: merkle.CompactRange, records: list) -> tuple[dict, int]:
        """Append `records` to `edge` (in place) and store leaves, nodes and the new head.

        Answers (the new head, the last notification id in it). Raises IntegrityError when
        another process stored those leaf indices or that tree size first.
        """
        leaves, nodes = [], []
        last_nid = 0
        for rec in records:
            if isinstance(rec, Unreadable):
                raise LogTreeError(f"record {rec.id} cannot be read ({rec.error}); "
                                   "the tree is not extended past it")
            rh = record_hash_of(rec)
            leaves.append((edge.size, rec.id, str(rec.originator_id), rec.originator_version,
                           rh))
            nodes += [(lv, i, x) for lv, i, x in edge.append(leaf_hash_of(rec.id, rh))
                      if lv >= STORED_LEVEL]
            last_nid = rec.id
        head = self.key.sign_head(edge.size, edge.root())
        q = self._sql
        with self._append_transaction() as cur:
            if leaves:
                cur.executemany(q(f"INSERT INTO {q.leaves} (leaf_index, notification_id, "
                                  "originator_id, originator_version, record_hash) "
                                  "VALUES (?, ?, ?, ?, ?)"), leaves)
            if nodes:
                cur.executemany(q(f"INSERT INTO {q.nodes} (level, node_index, hash) "
                                  "VALUES (?, ?, ?)"), nodes)
            cur.execute(q(f"INSERT INTO {q.heads} ({_HEAD_COLUMNS}) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                        (edge.size, edge.root(), head["time"], head["key"], self.key.public_key,
                         base64.b64decode(head["signature"]), b"".join(edge.hashes), last_nid))
        return head, last_nid

    def checkpoint(self) -> dict:
        """Catch up, then the newest signed head: the whole log's size and root, signed.

        When nothing was written since the newest head, that head is the checkpoint (its
        time is when the log reached that size).
        """
        return self.catch_up()

    # -- the tree -----------------------------------------------------------------------

    def _subtree(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) from the stored nodes and leaves (RFC 9162 section 2.1.1)."""
        n = hi - lo
        if n <= 0:
            raise ValueError("an empty range has no subtree")
        if n & (n - 1) == 0 and lo % n == 0:
            level = n.bit_length() - 1
            if level >= STORED_LEVEL:
                rows = self._query(f"SELECT hash FROM {self._sql.nodes} WHERE level = ? "
                                   "AND node_index = ?", (level, lo >> level))
                if not rows:
                    raise LogTreeError(f"the tree has no node {level}/{lo >> level}")
                return bytes(rows[0]["hash"])
            return merkle.root(self._leaf_hashes(lo, hi))
        k = merkle.split(n)
        return merkle.node_hash(self._subtree(lo, lo + k), self._subtree(lo + k, hi))

    def _leaf_hashes(self, lo: int, hi: int) -> list[bytes]:
        rows = self._query(f"SELECT leaf_index, notification_id, record_hash FROM "
                           f"{self._sql.leaves} WHERE leaf_index >= ? AND leaf_index < ? "
                           "ORDER BY leaf_index", (lo, hi))
        if [r["leaf_index"] for r in rows] != list(range(lo, hi)):
            raise LogTreeError(f"the tree is missing leaves in [{lo}, {hi})")
        return [leaf_hash_of(r["notification_id"], bytes(r["record_hash"])) for r in rows]

    def root_at(self, size: int) -> bytes:
        """The root of the first `size` leaves, from the stored tree."""
        return merkle.EMPTY_ROOT if size == 0 else self._subtree(0, size)

    def _check_own(self, head: dict) -> None:
        top = self._newest_row()
        if top is None or head["size"] > top["tree_size"]:
            raise LogTreeError(f"the tree has no head of size {head['size']} yet")
        if self.root_at(head["size"]).hex() != head["root"]:
            raise LogTreeError(f"the checkpoint of size {head['size']} is not of this log")

    def inclusion(self, notification_ids: Iterable[int], checkpoint: dict | None = None, *,
                  with_records: bool = True) -> dict:
        """A proof that the records with these notification ids are in `checkpoint`'s tree.

        `checkpoint` defaults to the newest head (caught up first when the tree has a
        key). The answer needs no store to check (`log_audit.verify_proof`):

            {"checkpoint": <signed head>,
             "entries": [{"notification_id", "leaf_index", "record_hash" (hex),
                          "audit_path": [hex, ...],   # RFC 9162 section 2.1.3.1, leaf first
                          "record": {"topic", "originator_id", "originator_version",
                                     "state" (base64)}}, ...]}   # with_records only

        `record` is the record as stored now, so an outsider can recompute its hash.
        """
        if checkpoint is None:
            checkpoint = self.catch_up() if self.key is not None else self.head()
            if checkpoint is None:
                raise LogTreeError("the tree has no head yet")
        self._check_own(checkpoint)
        size = checkpoint["size"]
        entries = []
        for nid in notification_ids:
            rows = self._query(f"SELECT leaf_index, record_hash FROM {self._sql.leaves} "
                               "WHERE notification_id = ?", (nid,))
            if not rows or rows[0]["leaf_index"] >= size:
                raise LogTreeError(f"record {nid} is not in the tree of size {size}")
            index = rows[0]["leaf_index"]
            path = merkle.inclusion_proof_with(self._subtree, index, size)
            entry = {"notification_id": nid, "leaf_index": index,
                     "record_hash": bytes(rows[0]["record_hash"]).hex(),
                     "audit_path": [p.hex() for p in path]}
            if with_records:
                entry["record"] = self._record(nid)
            entries.append(entry)
        return {"checkpoint": checkpoint, "entries": entries}

    def notification_ids(self, aggregate_id: Any) -> list[int]:
        """The notification ids of one aggregate's events in the tree, by version.

        For `inclusion` of an application's or an enterprise's whole history. A scan of
        log_leaves (it has no index on the aggregate).
        """
        rows = self._query(f"SELECT notification_id FROM {self._sql.leaves} WHERE "
                           "originator_id = ? ORDER BY originator_version", (str(aggregate_id),))
        return [r["notification_id"] for r in rows]

    def _record(self, nid: int) -> dict | None:
        found = list(read_records(self.recorder, nid, 1, stop=nid))
        if not found or isinstance(found[0], Unreadable):
            return None
        rec = found[0]
        state = rec.state.encode() if isinstance(rec.state, str) else bytes(rec.state)
        return {"topic": rec.topic, "originator_id": str(rec.originator_id),
                "originator_version": rec.originator_version,
                "state": base64.b64encode(state).decode()}

    def consistency(self, old: dict, new: dict | None = None) -> dict:
        """A proof that checkpoint `old` is a prefix of checkpoint `new` (default: the newest).

            {"old": <signed head>, "new": <signed head>,
             "proof": [hex, ...]}   # RFC 9162 section 2.1.4.1
        """
        if new is None:
            new = self.catch_up() if self.key is not None else self.head()
            if new is None:
                raise LogTreeError("the tree has no head yet")
        self._check_own(old)
        self._check_own(new)
        proof = merkle.consistency_proof_with(self._subtree, old["size"], new["size"])
        return {"old": old, "new": new, "proof": [p.hex() for p in proof]}

    # -- for the audit ------------------------------------------------------------------

    def stored_leaves(self, stop: int, page: int = 20_000) -> tuple[array, bytearray, array]:
        """The first `stop` stored leaves: (notification ids, record hashes, record keys).

        Record hashes are 32 bytes each, end to end; record keys are `log_leaf.record_key`
        of each leaf's aggregate and version. Ends early at the first missing leaf index.
        Never trusted: the audit checks them against signed heads before using them.
        """
        nids, hashes, keys = array("q"), bytearray(), array("q")
        while len(nids) < stop:
            lo = len(nids)
            rows = self._query(f"SELECT leaf_index, notification_id, originator_id, "
                               f"originator_version, record_hash FROM {self._sql.leaves} "
                               "WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
                               (lo, min(stop, lo + page)))
            for r in rows:
                rh = bytes(r["record_hash"])
                if r["leaf_index"] != len(nids) or len(rh) != 32:
                    return nids, hashes, keys
                nids.append(r["notification_id"])
                hashes += rh
                keys.append(record_key(r["originator_id"], r["originator_version"]))
            if not rows:
                break
        return nids, hashes, keys

    def stored_leaf(self, index: int) -> dict | None:
        """One stored leaf row: notification_id, originator_id, originator_version, record_hash."""
        rows = self._query(f"SELECT notification_id, originator_id, originator_version, "
                           f"record_hash FROM {self._sql.leaves} WHERE leaf_index = ?", (index,))
        if not rows:
            return None
        r = rows[0]
        return {"notification_id": r["notification_id"], "originator_id": r["originator_id"],
                "originator_version": r["originator_version"],
                "record_hash": bytes(r["record_hash"])}
