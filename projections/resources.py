"""List and detail questions over the read models, for the JSON API and the exports.

Each function takes a `Views` (a reader) and answers plain dicts: amounts as
Decimal yuan (from the `*_fen` columns), dates as ISO strings, JSON columns
decoded. Lists answer `(total, rows)` so that callers can paginate. Only named
columns are read, so that columns added to the views later change nothing here.
"""

from __future__ import annotations

import json
from datetime import date

from lifecycle.status import AWARDED, Status
from projections.views import Views, from_fen

#: The ways an enterprise list may be sorted.
ENTERPRISE_SORTS = {
    "enterprise_id": "enterprise_id",
    "name": "name, enterprise_id",
    "registered_on": "registered_on, enterprise_id",
    "awarded": "awarded_fen DESC, enterprise_id",
}
#: Application statuses that carry an award (its amount and tranches).
AWARD_STATUSES = tuple(s.value for s in Status if s in AWARDED or s is Status.REVOKED)

_ENTERPRISE = ("enterprise_id, name, size, sectors, registered_on, dishonesty, awarded_fen, "
               "disbursed_fen, clawback_fen")
_APPLICATION = ("application_id, enterprise_id, policy, article, item, project_id, status, "
                "requested_fen, amount_fen, submitted_on, certified_on, decided_on, "
                "catalogue_version, clawback_fen, reason")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(conditions: list[tuple[str, tuple]]) -> tuple[str, list]:
    """A WHERE clause from (sql, params) pairs; pairs whose sql is empty are left out."""
    parts = [sql for sql, _ in conditions if sql]
    params = [p for sql, values in conditions if sql for p in values]
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


def _page(views: Views, table_sql: str, columns: str, conditions: list[tuple[str, tuple]],
          order: str, limit: int | None, offset: int) -> tuple[int, list[dict]]:
    where, params = _where(conditions)
    total = views.db.execute(f"SELECT count(*) FROM {table_sql}{where}", params).fetchone()[0]
    tail = f" ORDER BY {order}"
    if limit is not None:
        tail += " LIMIT ? OFFSET ?"
        params = [*params, limit, offset]
    rows = list(views.db.query(f"SELECT {columns} FROM {table_sql}{where}{tail}", params))
    return total, rows


def _enterprise(row: dict) -> dict:
    return {
        "enterprise_id": row["enterprise_id"], "name": row["name"], "size": row["size"],
        "sectors": json.loads(row["sectors"] or "[]"), "registered_on": row["registered_on"],
        "dishonesty": json.loads(row["dishonesty"] or "[]"),
        "awarded_total": from_fen(row["awarded_fen"] or 0),
        "disbursed_total": from_fen(row["disbursed_fen"] or 0),
        "clawback_due_total": from_fen(row["clawback_fen"] or 0),
    }


def enterprises(views: Views, q: str | None = None, size: str | None = None,
                sector: str | None = None, sort: str = "enterprise_id", limit: int | None = 50,
                offset: int = 0) -> tuple[int, list[dict]]:
    """Enterprises whose name or credit code contains `q`, of a size, in a sector."""
    conditions = [
        ("(name LIKE ? ESCAPE '\\' OR enterprise_id LIKE ? ESCAPE '\\')" if q else "",
         (_like(q), _like(q)) if q else ()),
        ("size = ?" if size else "", (size,)),
        ("EXISTS (SELECT 1 FROM json_each(enterprises.sectors) WHERE value = ?)"
         if sector else "", (sector,)),
    ]
    total, rows = _page(views, "enterprises", _ENTERPRISE, conditions,
                        ENTERPRISE_SORTS[sort], limit, offset)
    return total, [_enterprise(r) for r in rows]


def enterprise(views: Views, enterprise_id: str) -> dict | None:
    """One enterprise with its totals and how many applications it has in each status."""
    row = next(views.db.query(f"SELECT {_ENTERPRISE} FROM enterprises WHERE enterprise_id = ?",
                              [enterprise_id]), None)
    if row is None:
        return None
    found = _enterprise(row)
    found["applications"] = {
        r["status"]: r["n"] for r in views.db.query(
            "SELECT status, count(*) AS n FROM applications WHERE enterprise_id = ? "
            "GROUP BY status ORDER BY status", [enterprise_id])}
    found["open_flags"] = views.db.execute(
        "SELECT count(*) FROM flags WHERE enterprise_id = ? AND cleared_on IS NULL",
        [enterprise_id]).fetchone()[0]
    return found


def _application(row: dict) -> dict:
    return {
        "application_id": row["application_id"], "enterprise_id": row["enterprise_id"],
        "policy": row["policy"], "article": row["article"], "item": row["item"],
        "project_id": row["project_id"], "status": row["status"],
        "requested_amount": from_fen(row["requested_fen"]), "amount": from_fen(row["amount_fen"]),
        "submitted_on": row["submitted_on"], "certified_on": row["certified_on"],
        "decided_on": row["decided_on"], "catalogue_version": row["catalogue_version"],
        "clawback_due": from_fen(row["clawback_fen"]), "reason": row["reason"],
    }


def applications(views: Views, enterprise_id: str | None = None, status: str | None = None,
                 policy: str | None = None, limit: int | None = 50,
                 offset: int = 0) -> tuple[int, list[dict]]:
    """Applications of an enterprise, in a status, under a policy; in submission order."""
    conditions = [("enterprise_id = ?" if enterprise_id else "", (enterprise_id,)),
                  ("status = ?" if status else "", (status,)),
                  ("policy = ?" if policy else "", (policy,))]
    total, rows = _page(views, "applications", _APPLICATION, conditions,
                        "submitted_on, application_id", limit, offset)
    return total, [_application(r) for r in rows]


def application(views: Views, application_id: str) -> dict | None:
    """One application with its figures, tranches, evaluations and recorded events."""
    row = next(views.db.query(
        f"SELECT {_APPLICATION}, claimed_basis, basis FROM applications "
        "WHERE application_id = ?", [application_id]), None)
    if row is None:
        return None
    found = _application(row)
    found["claimed_basis"] = json.loads(row["claimed_basis"] or "{}")
    found["basis"] = json.loads(row["basis"] or "{}")
    found["tranches"] = [
        {"year": t["year"], "amount": from_fen(t["amount_fen"]), "paid_on": t["paid_on"]}
        for t in views.db.query("SELECT year, amount_fen, paid_on FROM tranches "
                                "WHERE application_id = ? ORDER BY year", [application_id])]
    found["evaluations"] = list(views.db.query(
        "SELECT year, result, note, at FROM evaluations WHERE application_id = ? "
        "ORDER BY year", [application_id]))
    found["history"] = list(views.db.query(
        "SELECT notification_id, event, at, actor, recorded_at FROM history "
        "WHERE application_id = ? ORDER BY notification_id", [application_id]))
    return found


def flags(views: Views, on: date | None = None, enterprise_id: str | None = None,
          kind: str | None = None, limit: int | None = 50,
          offset: int = 0) -> tuple[int, list[dict]]:
    """Flags open on `on` (raised by then, not cleared by then); without it, open now."""
    if on is None:
        when = [("cleared_on IS NULL", ())]
    else:
        day = on.isoformat()
        when = [("raised_on <= ?", (day,)), ("(cleared_on IS NULL OR cleared_on > ?)", (day,))]
    conditions = [*when, ("enterprise_id = ?" if enterprise_id else "", (enterprise_id,)),
                  ("kind = ?" if kind else "", (kind,))]
    return _page(views, "flags", "enterprise_id, key, kind, application_id, policy, due_on, "
                 "raised_on, cleared_on, message", conditions, "due_on, enterprise_id, key",
                 limit, offset)


# -- the rows of the exports ----------------------------------------------------------


def _amounts(row: dict, *names: str) -> dict:
    """The row with each `NAME_fen` column turned into `NAME` in yuan, in the same place."""
    return {(k[:-4] if k[:-4] in names and k.endswith("_fen") else k):
            (from_fen(v) if k.endswith("_fen") and k[:-4] in names else v)
            for k, v in row.items()}


def entitlement_rows(views: Views, enterprise_id: str | None = None) -> list[dict]:
    """Every cap of every enterprise: what it allows, what is used and what remains."""
    where, params = _where([("c.enterprise_id = ?" if enterprise_id else "", (enterprise_id,))])
    return [_amounts(r, "cap", "used", "remaining") for r in views.db.query(
                "SELECT c.enterprise_id, e.name AS enterprise_name, c.policy, c.article, "
                "c.item, c.scope, c.year, c.project_id, c.cap_fen, c.used_fen, c.remaining_fen "
                "FROM caps c JOIN enterprises e USING (enterprise_id)" + where +
                " ORDER BY c.enterprise_id, c.policy, c.article, c.item, c.scope, c.year, "
                "c.project_id", params)]


def award_rows(views: Views, enterprise_id: str | None = None) -> list[dict]:
    """Every award (approved, completed, stopped or revoked), with what has been paid."""
    marks = ",".join("?" * len(AWARD_STATUSES))
    where, params = _where([(f"a.status IN ({marks})", AWARD_STATUSES),
                            ("a.enterprise_id = ?" if enterprise_id else "", (enterprise_id,))])
    rows = []
    for r in views.db.query(
            "SELECT a.application_id, a.enterprise_id, e.name AS enterprise_name, a.policy, "
            "a.article, a.item, a.project_id, a.status, a.submitted_on, a.certified_on, "
            "a.decided_on, a.requested_fen, a.amount_fen, a.clawback_fen, a.catalogue_version, "
            "(SELECT count(*) FROM tranches t WHERE t.application_id = a.application_id) "
            "AS tranches, (SELECT coalesce(sum(t.amount_fen), 0) FROM tranches t "
            "WHERE t.application_id = a.application_id AND t.paid_on IS NOT NULL) AS paid_fen "
            "FROM applications a JOIN enterprises e USING (enterprise_id)" + where +
            " ORDER BY a.decided_on, a.application_id", params):
        rows.append({
            "application_id": r["application_id"], "enterprise_id": r["enterprise_id"],
            "enterprise_name": r["enterprise_name"], "policy": r["policy"],
            "article": r["article"], "item": r["item"], "project_id": r["project_id"],
            "status": r["status"], "submitted_on": r["submitted_on"],
            "certified_on": r["certified_on"], "approved_on": r["decided_on"],
            "requested_amount": from_fen(r["requested_fen"]), "amount": from_fen(r["amount_fen"]),
            "tranches": r["tranches"], "paid": from_fen(r["paid_fen"]),
            "clawback_due": from_fen(r["clawback_fen"]),
            "catalogue_version": r["catalogue_version"]})
    return rows


def tranche_rows(views: Views, enterprise_id: str | None = None) -> list[dict]:
    """Every planned tranche, whether and when it was paid, and its year's evaluation."""
    where, params = _where([("t.enterprise_id = ?" if enterprise_id else "", (enterprise_id,))])
    return [_amounts(r, "amount") for r in views.db.query(
        "SELECT t.application_id, t.enterprise_id, e.name AS enterprise_name, a.policy, "
        "a.article, a.item, a.status, t.year, t.amount_fen, t.paid_on, v.result AS evaluation, "
        "v.at AS evaluated_on FROM tranches t "
        "JOIN applications a USING (application_id) "
        "JOIN enterprises e ON e.enterprise_id = t.enterprise_id "
        "LEFT JOIN evaluations v ON v.application_id = t.application_id AND v.year = t.year"
        + where + " ORDER BY t.application_id, t.year", params)]
