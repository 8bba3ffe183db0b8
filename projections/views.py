"""The read models in `views.sqlite`, beside the event store, written only by the follower.

Amounts are stored as whole fen (INTEGER), exact and summable in SQL. Every
enterprise's rows are written from its folded state in one go, so that the
incremental follower and a rebuild write the very same rows.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlite_utils

from lifecycle import store
from lifecycle.accounts import UserAccount
from policies.catalogue import Catalogue
from projections import derive, pinyin, records
from projections.state import AppState, EnterpriseState

VIEWS_FILE = "views.sqlite"
#: Raised whenever the tables change shape: older views are thrown away and rebuilt.
SCHEMA_VERSION = 4
TABLES = ("enterprises", "applications", "tranches", "evaluations", "caps", "windows",
          "flags", "history", "aggregates", "users", "user_history", "tracking")
PER_ENTERPRISE = ("applications", "tranches", "evaluations", "caps", "windows", "flags")
DERIVED = ("caps", "windows", "flags")  # rewritten whole for each enterprise that changed
#: The views' indexes: (name, table and columns, unique). Views of this SCHEMA_VERSION made
#: before an index was added get it when next opened (`create`), without a rebuild: so
#: the enterprise list's two orders, read from the index alone (many names repeat, so the
#: tie on the credit code decided a sort of every enterprise on each page).
INDEXES = (
    *((f"idx_{t}_enterprise", f"{t} (enterprise_id)", False) for t in PER_ENTERPRISE),
    ("idx_history_enterprise", "history (enterprise_id, notification_id)", False),
    ("idx_applications_status", "applications (status)", False),
    ("idx_enterprises_name_key", "enterprises (name_key)", False),
    ("idx_enterprises_name_order", "enterprises (name_key, enterprise_id)", False),
    ("idx_enterprises_awarded_order", "enterprises (awarded_fen DESC, name_key)", False),
    ("idx_applications_submitted", "applications (submitted_on)", False),
    ("idx_windows_ends", "windows (ends_on)", False),
    ("idx_users_aggregate", "users (aggregate_id)", True),
    ("idx_users_token", "users (token_hash)", False),
    ("idx_user_history_username", "user_history (username, notification_id)", False),
)


#: The columns `write` fills, in the order of its rows.
ROW_COLUMNS = {
    "enterprises": ("enterprise_id", "name", "size", "sectors", "registered_on", "dishonesty",
                    "awarded_fen", "disbursed_fen", "clawback_fen", "name_key"),
    "applications": ("application_id", "enterprise_id", "policy", "article", "item",
                     "project_id", "status", "requested_fen", "amount_fen", "submitted_on",
                     "certified_on", "decided_on", "catalogue_version", "claimed_basis",
                     "basis", "clawback_fen", "reason", "revoked_on"),
    "tranches": ("application_id", "enterprise_id", "year", "amount_fen", "counted_fen",
                 "paid_on"),
    "evaluations": ("application_id", "enterprise_id", "year", "result", "note", "at"),
    "caps": ("enterprise_id", "policy", "article", "item", "scope", "year", "project_id",
             "cap_fen", "used_fen", "remaining_fen"),
    "windows": ("application_id", "enterprise_id", "project_id", "policy", "article", "item",
                "status", "first_year", "last_year", "years_planned", "years_disbursed",
                "ends_on"),
    "flags": ("enterprise_id", "key", "kind", "application_id", "policy", "due_on",
              "raised_on", "cleared_on", "message"),
}


def fen(amount: Decimal | str | None) -> int | None:
    return None if amount is None else int(Decimal(amount) * 100)


def from_fen(value: int | None) -> Decimal | None:
    """Whole fen as yuan with two places (the exponent set, nothing divided)."""
    return None if value is None else Decimal(value).scaleb(-2)


def _day(value: str | None) -> date | None:
    return None if value is None else records.date_of(value)  # each day parsed once


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _set_wal(conn: sqlite3.Connection) -> None:
    """WAL mode, so readers never wait for the follower; another process may hold the lock."""
    for _ in range(100):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            time.sleep(0.05)
    raise sqlite3.OperationalError(f"could not set WAL mode on {conn}")


class Views:
    """The views database: its schema, and reading and writing enterprise states."""

    def __init__(self, path: Path, reader: bool = False):
        """The views at `path`; a `reader` only queries (one per request or thread)."""
        store.private_file(path)  # 0600 in a 0700 folder, its -wal and -shm alike
        self.path = path
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
        self.db = sqlite_utils.Database(conn)
        if reader:
            conn.execute("PRAGMA query_only=ON")
            return
        _set_wal(conn)
        # The views are rebuilt from the log at will: a lost write after a power cut
        # costs a catch-up, not a fact, so commits need not wait for the disk.
        conn.execute("PRAGMA synchronous=OFF")
        self.create()

    def close(self) -> None:
        self.db.conn.close()

    def _insert(self, table: str, rows: list[dict], replace: bool = False) -> None:
        """Insert rows with one prepared statement.

        sqlite-utils' insert_all builds its statements anew on every call, which
        cost more than the rest of a catch-up put together; the schema is fixed here.
        """
        if not rows:
            return
        columns = list(rows[0])
        sql = (f"INSERT {'OR REPLACE ' if replace else ''}INTO {table} "
               f"({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})")
        self.db.conn.executemany(sql, [tuple(r[c] for c in columns) for r in rows])

    def schema(self) -> list[str]:
        """The statements that create the views, written by sqlite-utils."""
        sql = self.db.create_table_sql
        return [
            sql("enterprises", {
                "enterprise_id": str, "name": str, "size": str, "sectors": str,
                "registered_on": str, "dishonesty": str, "awarded_fen": int,
                "disbursed_fen": int, "clawback_fen": int, "name_key": str},
                pk="enterprise_id"),
            sql("applications", {
                "application_id": str, "enterprise_id": str, "policy": str, "article": int,
                "item": str, "project_id": str, "status": str, "requested_fen": int,
                "amount_fen": int, "submitted_on": str, "certified_on": str,
                "decided_on": str, "catalogue_version": str, "claimed_basis": str,
                "basis": str, "clawback_fen": int, "reason": str, "revoked_on": str},
                pk="application_id"),
            sql("tranches", {"application_id": str, "enterprise_id": str, "year": int,
                             "amount_fen": int, "counted_fen": int, "paid_on": str},
                pk=("application_id", "year")),
            sql("evaluations", {"application_id": str, "enterprise_id": str, "year": int,
                                "result": str, "note": str, "at": str},
                pk=("application_id", "year")),
            sql("caps", {"enterprise_id": str, "policy": str, "article": int, "item": str,
                         "scope": str, "year": int, "project_id": str, "cap_fen": int,
                         "used_fen": int, "remaining_fen": int}),
            sql("windows", {
                "application_id": str, "enterprise_id": str, "project_id": str,
                "policy": str, "article": int, "item": str, "status": str, "first_year": int,
                "last_year": int, "years_planned": int, "years_disbursed": int,
                "ends_on": str}, pk="application_id"),
            sql("flags", {"enterprise_id": str, "key": str, "kind": str,
                          "application_id": str, "policy": str, "due_on": str,
                          "raised_on": str, "cleared_on": str, "message": str},
                pk=("enterprise_id", "key")),
            sql("history", {"notification_id": int, "enterprise_id": str,
                            "application_id": str, "event": str, "at": str, "actor": str,
                            "recorded_at": str}, pk="notification_id"),
            sql("aggregates", {"aggregate_id": str, "enterprise_id": str,
                               "application_id": str}, pk="aggregate_id"),
            """CREATE VIEW spend AS
            SELECT a.policy, a.article, t.year,
                   SUM(t.counted_fen) AS awarded_fen,
                   SUM(CASE WHEN t.paid_on IS NOT NULL THEN t.amount_fen ELSE 0 END) AS paid_fen
            FROM tranches t JOIN applications a USING (application_id)
            GROUP BY a.policy, a.article, t.year""",
            # who may use the service: each account as its events left it, and every change
            sql("users", {"username": str, "aggregate_id": str, "name": str, "role": str,
                          "password_hash": str, "token_hash": str, "active": int, "epoch": int,
                          "added_at": str, "changed_at": str}, pk="username"),
            sql("user_history", {"notification_id": int, "username": str, "event": str,
                                 "role": str, "active": int, "actor": str, "at": str,
                                 "recorded_at": str}, pk="notification_id"),
            sql("tracking", {"name": str, "position": int}, pk="name"),
        ]

    def indexes(self) -> list[str]:
        """The statements that create the views' indexes (a rebuild creates them after its
        rows: sorting each index once costs less than keeping it in order row by row)."""
        return [f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS {name} ON {on}"
                for name, on, unique in INDEXES]

    @contextmanager
    def transaction(self):
        """A write transaction that locks the views at once, so writers take turns."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def create(self) -> None:
        """Create the views unless they exist in this shape (then the follower starts over)."""
        with self.transaction() as conn:
            exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'tracking'"
                                  ).fetchone()
            version = exists and conn.execute(
                "SELECT position FROM tracking WHERE name = 'schema'").fetchone()
            if not exists or not version or version[0] != SCHEMA_VERSION:
                self.reset()
            else:
                self.index()

    def reset(self, indexed: bool = True) -> None:
        """Empty views of the current shape, at position 0 (inside a transaction); without
        their indexes when not `indexed` (then `index` must follow before anyone reads)."""
        conn = self.db.conn
        self.drop()
        for statement in self.schema():
            conn.execute(statement)
        if indexed:
            self.index()
        conn.execute("INSERT INTO tracking (name, position) VALUES ('schema', ?)",
                     (SCHEMA_VERSION,))
        # the name keys here are made by this pinyin reader (projections/pinyin.py)
        conn.execute("INSERT INTO tracking (name, position) VALUES (?, 1)", (pinyin.MAKER,))

    def index(self) -> None:
        """Create the indexes the views lack (inside the caller's transaction)."""
        for statement in self.indexes():
            self.db.conn.execute(statement)

    def drop(self) -> None:
        """Drop every view and table (inside the caller's transaction)."""
        conn = self.db.conn
        for kind, name in conn.execute("SELECT type, name FROM sqlite_master "
                                       "WHERE type IN ('view', 'table')").fetchall():
            conn.execute(f"DROP {kind.upper()} IF EXISTS {name}")

    def name_keys(self) -> dict[str, str]:
        """The enterprises' name keys, name -> key, when this pinyin reader made them."""
        if self.db.execute("SELECT 1 FROM tracking WHERE name = ?", (pinyin.MAKER,)
                           ).fetchone() is None:
            return {}
        return dict(self.db.execute("SELECT name, name_key FROM enterprises"))

    # -- the follower's position ---------------------------------------------------

    def position(self) -> int:
        row = self.db.execute("SELECT position FROM tracking WHERE name = 'log'").fetchone()
        return row[0] if row else 0

    def set_position(self, position: int) -> None:
        self.db.execute("INSERT INTO tracking (name, position) VALUES ('log', ?) "
                        "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                        (position,))

    # -- which enterprise an aggregate belongs to ----------------------------------

    def owners(self, aggregate_ids: list[str]) -> dict[str, tuple[str, str | None]]:
        found = {}
        for i in range(0, len(aggregate_ids), 500):
            chunk = aggregate_ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                    f"SELECT aggregate_id, enterprise_id, application_id FROM aggregates "
                    f"WHERE aggregate_id IN ({marks})", chunk):
                found[row[0]] = (row[1], row[2])
        return found

    def add_owners(self, owners: dict[str, tuple[str, str | None]]) -> None:
        self._insert("aggregates", [{"aggregate_id": a, "enterprise_id": e, "application_id": app}
                                    for a, (e, app) in owners.items()], replace=True)

    def aggregate_ids(self, enterprise_id: str) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT aggregate_id FROM aggregates WHERE enterprise_id = ?", (enterprise_id,))]

    # -- enterprise states ---------------------------------------------------------

    def load(self, enterprise_ids: list[str]) -> dict[str, EnterpriseState]:
        """The folded states of these enterprises, as the views hold them (a few queries for
        each 500 of them, not a few for each one)."""
        states: dict[str, EnterpriseState] = {}
        db = self.db.conn
        for i in range(0, len(enterprise_ids), 500):
            chunk = enterprise_ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for eid, name, size, sectors, registered, dishonesty, name_key in db.execute(
                    "SELECT enterprise_id, name, size, sectors, registered_on, dishonesty, "
                    f"name_key FROM enterprises WHERE enterprise_id IN ({marks})", chunk):
                states[eid] = EnterpriseState(
                    eid, name, size, json.loads(sectors), _day(registered),
                    [{"at": _day(d["at"]), "note": d["note"]} for d in json.loads(dishonesty)],
                    name_key=name_key)
            apps = {}
            for (app_id, eid, policy, article, item, project, status, requested, amount,
                 submitted, certified, decided, version, claimed, basis, clawback, reason,
                 revoked) in db.execute(
                    f"SELECT {', '.join(ROW_COLUMNS['applications'])} FROM applications "
                    f"WHERE enterprise_id IN ({marks}) ORDER BY rowid", chunk):
                apps[app_id] = states[eid].applications[app_id] = AppState(
                    app_id, eid, policy, article, item, project, from_fen(requested), claimed,
                    basis, _day(submitted), status, _day(certified), _day(decided),
                    from_fen(amount), version, [], {}, from_fen(clawback), reason,
                    _day(revoked))
            for app_id, year, amount, paid in db.execute(
                    "SELECT application_id, year, amount_fen, paid_on FROM tranches "
                    f"WHERE enterprise_id IN ({marks}) ORDER BY application_id, year", chunk):
                apps[app_id].tranches.append({"year": year, "amount": from_fen(amount),
                                              "paid_on": _day(paid)})
            for app_id, year, result, note, at in db.execute(
                    "SELECT application_id, year, result, note, at FROM evaluations "
                    f"WHERE enterprise_id IN ({marks}) ORDER BY application_id, year", chunk):
                apps[app_id].evaluations[year] = {"result": result, "note": note,
                                                  "at": _day(at)}
            for eid, key, kind, app_id, policy, due, raised, cleared, message in db.execute(
                    f"SELECT {', '.join(ROW_COLUMNS['flags'])} FROM flags "
                    f"WHERE enterprise_id IN ({marks}) ORDER BY enterprise_id, key", chunk):
                states[eid].flags[key] = {
                    "kind": kind, "application_id": app_id, "policy": policy,
                    "due_on": _day(due), "raised_on": _day(raised), "cleared_on": _day(cleared),
                    "message": message}
        # in the order asked (the follower keeps its states in recently-used order)
        return {eid: states[eid] for eid in enterprise_ids if eid in states}

    def write(self, states: list[EnterpriseState], catalogue: Catalogue,
              changed: dict[str, set] | None = None) -> None:
        """Replace the rows of these enterprises with what their states say.

        With `changed` (enterprise -> the applications its new events concern), only
        those applications' rows are rewritten, with the enterprise's own small derived
        rows (totals, caps, windows, flags); without it, every row. An enterprise's
        applications accumulate over the years: rewriting all of them at every event
        made a long history slower and slower to follow.
        """
        if not states:
            return
        db = self.db
        ids = [s.enterprise_id for s in states]
        whole = ids if changed is None else []
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for table in (PER_ENTERPRISE if changed is None else DERIVED):
                db.execute(f"DELETE FROM {table} WHERE enterprise_id IN ({marks})", chunk)
        if changed is not None:
            app_ids = [a for e in ids for a in changed.get(e, ())]
            for i in range(0, len(app_ids), 500):
                chunk = app_ids[i:i + 500]
                marks = ",".join("?" * len(chunk))
                for table in ("applications", "tranches", "evaluations"):
                    db.execute(f"DELETE FROM {table} WHERE application_id IN ({marks})", chunk)
        rows: dict[str, list[tuple]] = {table: [] for table in ROW_COLUMNS}
        enterprises, apps, tranches = rows["enterprises"], rows["applications"], rows["tranches"]
        evaluations, caps, windows, flags = (rows["evaluations"], rows["caps"], rows["windows"],
                                             rows["flags"])
        whole = set(whole)
        for s in states:
            eid = s.enterprise_id
            awards = s.awards()  # what counts against caps is the calculator's to say
            awarded, disbursed, clawback = derive.sums(s, awards)
            enterprises.append((
                eid, s.name, s.size, json.dumps(s.sectors, ensure_ascii=False),
                _iso(s.registered_on),
                json.dumps([{"at": _iso(d["at"]), "note": d["note"]} for d in s.dishonesty],
                           ensure_ascii=False),
                fen(awarded), fen(disbursed), fen(clawback),
                s.name_key or pinyin.sort_key(s.name)))
            of_award = {award.application_id: award for award in awards}
            concerned = () if eid in whole else changed.get(eid, ())
            for a in s.applications.values():
                app_id = a.application_id
                if eid not in whole and app_id not in concerned:
                    continue
                apps.append((
                    app_id, eid, a.policy, a.article, a.item, a.project_id, a.status,
                    fen(a.requested_amount), fen(a.amount), _iso(a.submitted_on),
                    _iso(a.certified_on), _iso(a.decided_on), a.catalogue_version,
                    a.claimed_basis, a.basis, fen(a.clawback_due), a.reason, _iso(a.revoked_on)))
                award = of_award.get(app_id)
                for tr, counted in zip(a.tranches, award.tranches if award else (),
                                       strict=False):
                    amount = fen(tr["amount"])
                    tranches.append((app_id, eid, tr["year"], amount,
                                     amount if award.counts(counted) else 0,
                                     _iso(tr["paid_on"])))
                for year, ev in a.evaluations.items():
                    evaluations.append((app_id, eid, year, ev["result"], ev["note"],
                                        _iso(ev["at"])))
            for key, f in sorted(s.flags.items()):
                flags.append((eid, key, f["kind"], f["application_id"], f["policy"],
                              _iso(f["due_on"]), _iso(f["raised_on"]), _iso(f["cleared_on"]),
                              f["message"]))
            for c in derive.caps(s, catalogue, awards):
                caps.append((eid, c["policy"], c["article"], c["item"], c["scope"], c["year"],
                             c["project_id"], fen(c["cap"]), fen(c["used"]),
                             fen(c["remaining"])))
            for w in derive.windows(s, catalogue):
                windows.append(tuple(w[k] for k in ROW_COLUMNS["windows"]))
        for table, columns in ROW_COLUMNS.items():
            if rows[table]:
                verb = "INSERT OR REPLACE" if table == "enterprises" else "INSERT"
                db.conn.executemany(
                    f"{verb} INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})", rows[table])

    def add_history(self, entries: list[tuple]) -> None:
        """History rows: (notification_id, enterprise_id, application_id, event, at, actor,
        recorded_at)."""
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO history (notification_id, enterprise_id, application_id, "
            "event, at, actor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)", entries)

    # -- user accounts -------------------------------------------------------------

    def apply_accounts(self, events: list[tuple[int, object]]) -> None:
        """Fold account events (lifecycle/accounts.py), in log order, into `users`, and
        one `user_history` row each."""
        db = self.db
        for nid, event in events:
            agg, recorded = str(event.originator_id), event.timestamp.isoformat()
            if isinstance(event, UserAccount.UserAdded):
                db.execute("INSERT OR REPLACE INTO users (username, aggregate_id, name, role, "
                           "password_hash, token_hash, active, epoch, added_at, changed_at) "
                           "VALUES (?, ?, ?, ?, ?, NULL, 1, 0, ?, ?)",
                           (event.username, agg, event.name, event.role, event.password_hash,
                            recorded, recorded))
            else:
                change = _ACCOUNT_CHANGES.get(type(event))
                if change is None:
                    continue
                sets, values = change(event)
                db.execute(f"UPDATE users SET {sets}, changed_at = ? WHERE aggregate_id = ?",
                           (*values, recorded, agg))
            row = db.execute("SELECT username, role, active FROM users WHERE aggregate_id = ?",
                             (agg,)).fetchone()
            if row is not None:
                self._insert("user_history", [{
                    "notification_id": nid, "username": row[0], "event": type(event).__name__,
                    "role": row[1], "active": row[2], "actor": event.actor,
                    "at": event.at.isoformat(), "recorded_at": recorded}], replace=True)

    def user(self, username: str) -> dict | None:
        rows = list(self.db.query("SELECT * FROM users WHERE username = ?", [username]))
        return rows[0] if rows else None

    def user_by_token(self, token_hash: str) -> dict | None:
        rows = list(self.db.query("SELECT * FROM users WHERE token_hash = ? AND active = 1",
                                  [token_hash]))
        return rows[0] if rows else None

    def users(self) -> list[dict]:
        return list(self.db.query("SELECT * FROM users ORDER BY username"))

    def user_history(self, username: str | None = None) -> list[dict]:
        if username is None:
            return list(self.db.query("SELECT * FROM user_history ORDER BY notification_id"))
        return list(self.db.query("SELECT * FROM user_history WHERE username = ? "
                                  "ORDER BY notification_id", [username]))


#: How each change of an account sets its row: (SET clause, its values).
_ACCOUNT_CHANGES = {
    UserAccount.PasswordChanged: lambda e: ("password_hash = ?, epoch = epoch + 1",
                                            (e.password_hash,)),
    UserAccount.RoleChanged: lambda e: ("role = ?", (e.role,)),
    UserAccount.TokenIssued: lambda e: ("token_hash = ?", (e.token_hash,)),
    UserAccount.TokenRevoked: lambda e: ("token_hash = NULL", ()),
    UserAccount.UserDisabled: lambda e: ("active = 0, token_hash = NULL, epoch = epoch + 1", ()),
    UserAccount.UserEnabled: lambda e: ("active = 1", ()),
}
