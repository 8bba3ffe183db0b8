"""What the dashboard's pages show, read from the views (and, for a past date, the log).

Plain functions: each takes a `Views` (and the ledger where the log is read) and
returns plain dicts and lists. Amounts stay in fen (`*_fen`) as the views hold
them, or as the derived decimals `derive` answers with.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import date
from decimal import Decimal

from lifecycle.ledger import Ledger
from projections import derive, queries
from projections.obligations import Deadlines, obligations
from projections.views import Views

PER_PAGE = 25

#: Answers about the whole register that only a write can change (the sectors in use, how
#: many enterprises match a search), kept with the views' position they were read at.
_REMEMBERED: OrderedDict[tuple, tuple[int, object]] = OrderedDict()
_REMEMBERED_LOCK = threading.Lock()
_REMEMBER_AT_MOST = 256


def _at_position(views: Views, key: tuple, read):
    """`read()`, or what it answered last while the views have not moved since."""
    position = views.position()
    key = (str(views.path), *key)
    with _REMEMBERED_LOCK:
        found = _REMEMBERED.get(key)
        if found is not None and found[0] == position:
            _REMEMBERED.move_to_end(key)
            return found[1]
    value = read()
    with _REMEMBERED_LOCK:
        _REMEMBERED[key] = (position, value)
        while len(_REMEMBERED) > _REMEMBER_AT_MOST:
            _REMEMBERED.popitem(last=False)
    return value
#: Each sortable column of the enterprise list, ascending; names in pinyin order.
SORTS = {"name": "e.name_key, e.enterprise_id", "awarded": "e.awarded_fen DESC, e.name_key"}
#: The columns `enterprise_list` sorts either way (`-name` is descending).
COLUMNS = {"name": "e.name_key", "size": "e.size", "awarded": "e.awarded_fen",
           "disbursed": "e.disbursed_fen", "clawback": "e.clawback_fen",
           "registered": "e.registered_on"}


def _enterprise_order(sort: str) -> str:
    """ORDER BY of the enterprise list: a key of SORTS, or a column of COLUMNS, `-` first
    for descending (`+` for ascending); ties by name (pinyin), then credit code."""
    if sort in SORTS:
        return SORTS[sort]
    column = COLUMNS.get(sort.lstrip("-+"))
    if column is None:
        return SORTS["name"]
    direction = "DESC" if sort.startswith("-") else "ASC"
    return f"{column} {direction}, e.name_key, e.enterprise_id"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def sectors(views: Views) -> list[str]:
    """Every sector some enterprise is registered in, sorted (read again only after a
    write: 15 ms at 10,000 enterprises, on every list page)."""
    return list(_at_position(views, ("sectors",), lambda: tuple(r[0] for r in views.db.execute(
        "SELECT DISTINCT j.value FROM enterprises, json_each(enterprises.sectors) j "
        "ORDER BY j.value"))))


def enterprise_list(views: Views, year: int, query: str = "", sector: str = "",
                    size: str = "", sort: str = "name", page: int = 1,
                    per_page: int = PER_PAGE) -> dict:
    """One page of enterprises matching a search, with totals, this year's caps and open flags.

    `query` matches part of the name or of the credit code; each row carries its
    awarded and disbursed totals, the annual caps it used in `year` (the tightest
    first) and how many flags are open.
    """
    condition, args = _enterprise_where(query, sector, size)
    total = _at_position(views, ("count", condition, *args), lambda: views.db.execute(
        f"SELECT count(*) FROM enterprises e {condition}", args).fetchone()[0])
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    order = _enterprise_order(sort)
    # The page's rows are chosen first, then read: SQLite computes every row an OFFSET
    # skips, and the count of each one's flags made a late page cost 15 times the first.
    rows = list(views.db.query(
        f"""SELECT e.enterprise_id, e.name, e.size, e.sectors, e.awarded_fen, e.disbursed_fen,
                   e.clawback_fen,
                   (SELECT count(*) FROM flags f WHERE f.enterprise_id = e.enterprise_id
                      AND f.cleared_on IS NULL) AS open_flags
            FROM (SELECT e.rowid AS chosen FROM enterprises e {condition}
                  ORDER BY {order} LIMIT ? OFFSET ?) page
            JOIN enterprises e ON e.rowid = page.chosen
            ORDER BY {order}""",
        [*args, per_page, (page - 1) * per_page]))
    caps = _annual_caps(views, [r["enterprise_id"] for r in rows], year)
    for r in rows:
        r["sectors"] = json.loads(r["sectors"])
        r["caps"] = caps.get(r["enterprise_id"], [])
    return {"rows": rows, "total": total, "page": page, "pages": pages, "year": year}


def _enterprise_where(query: str, sector: str, size: str) -> tuple[str, list]:
    where, args = [], []
    if query.strip():
        where.append("(e.name LIKE ? ESCAPE '\\' OR e.enterprise_id LIKE ? ESCAPE '\\')")
        args += [_like(query.strip()), _like(query.strip().upper())]
    if sector:
        where.append("EXISTS (SELECT 1 FROM json_each(e.sectors) j WHERE j.value = ?)")
        args.append(sector)
    if size:
        where.append("e.size = ?")
        args.append(size)
    return (f"WHERE {' AND '.join(where)}" if where else ""), args


def enterprise_rows(views: Views, query: str = "", sector: str = "", size: str = "",
                    sort: str = "name") -> list[dict]:
    """Every enterprise `enterprise_list` would show for the same search, in its order,
    with its totals: the rows of an export."""
    condition, args = _enterprise_where(query, sector, size)
    rows = list(views.db.query(
        f"""SELECT e.enterprise_id, e.name, e.size, e.sectors, e.registered_on,
                   e.awarded_fen, e.disbursed_fen, e.clawback_fen
            FROM enterprises e {condition} ORDER BY {_enterprise_order(sort)}""", args))
    for r in rows:
        r["sectors"] = json.loads(r["sectors"])
    return rows


def _annual_caps(views: Views, enterprise_ids: list[str], year: int) -> dict[str, list[dict]]:
    if not enterprise_ids:
        return {}
    marks = ",".join("?" * len(enterprise_ids))
    found: dict[str, list[dict]] = {}
    for c in views.db.query(
            f"SELECT * FROM caps WHERE scope = 'enterprise_year' AND year = ? "
            f"AND enterprise_id IN ({marks}) "
            f"ORDER BY CAST(remaining_fen AS REAL) / cap_fen, policy, article",
            [year, *enterprise_ids]):
        found.setdefault(c["enterprise_id"], []).append(c)
    return found


def enterprise(views: Views, ledger: Ledger, enterprise_id: str,
               as_of: date | None = None, today: date | None = None,
               deadlines: Deadlines | None = None, recent: int | None = None) -> dict | None:
    """Everything the enterprise page shows, now or as it stood on business date `as_of`.

    None when no such enterprise is registered. For a past date the state is
    replayed from the log (`queries.state_from_log`), so awards, caps, windows and
    history (and the flags open) are those of that day; `registered` is False
    when the enterprise was not registered yet. With `today`, `obligations` holds what
    falls due on that day (or on `as_of`), judged live on the state shown. `history`
    holds every row, oldest first, or with `recent` the newest `recent` of them;
    `history_total` counts them all.
    """
    row = views.db.execute("SELECT name FROM enterprises WHERE enterprise_id = ?",
                           (enterprise_id,)).fetchone()
    if row is None:
        return None
    if as_of is None:
        state = views.load([enterprise_id]).get(enterprise_id)
    else:
        state = queries.state_from_log(ledger, views, enterprise_id, as_of=as_of)
    if state is None:
        return {"enterprise_id": enterprise_id, "name": row[0], "registered": False,
                "as_of": as_of}
    answer = derive.entitlement(state, ledger.catalogue)
    applications = sorted(state.applications.values(),
                          key=lambda a: (a.submitted_on, a.application_id))
    history, history_total = _history(views, enterprise_id, as_of, recent)
    return {
        **answer, "registered": True, "as_of": as_of, "sectors": state.sectors,
        "registered_on": state.registered_on, "dishonesty": state.dishonesty,
        "applications": [{
            "application_id": a.application_id, "policy": a.policy, "article": a.article,
            "item": a.item, "project_id": a.project_id, "status": a.status,
            "requested_amount": a.requested_amount, "amount": a.amount,
            "submitted_on": a.submitted_on, "decided_on": a.decided_on,
            "clawback_due": a.clawback_due, "tranches": a.tranches,
            "evaluations": [{"year": y, **e} for y, e in sorted(a.evaluations.items())],
        } for a in applications],
        "history": history, "history_total": history_total,
        "obligations": [] if today is None else [
            {"key": o.key, "kind": o.kind, "application_id": o.application_id,
             "policy": o.policy, "due_on": o.due_on, "message": o.message, "values": o.values,
             "overdue": (as_of or today) > o.due_on}
            for o in obligations(state, ledger.catalogue, as_of or today,
                                 deadlines or Deadlines())],
    }


def _history(views: Views, enterprise_id: str, as_of: date | None,
             recent: int | None) -> tuple[list[dict], int]:
    """An enterprise's history rows up to `as_of`, oldest first (the newest `recent` of
    them only, read newest first from the index), and how many there are in all."""
    where = "WHERE enterprise_id = ? AND (? IS NULL OR at <= ?)"
    args = [enterprise_id, _iso(as_of), _iso(as_of)]
    if recent is None:
        rows = [dict(h) for h in views.db.query(
            f"SELECT * FROM history {where} ORDER BY notification_id", args)]
        return rows, len(rows)
    rows = [dict(h) for h in views.db.query(
        f"SELECT * FROM history {where} ORDER BY notification_id DESC LIMIT ?",
        [*args, recent])]
    rows.reverse()
    total = len(rows) if len(rows) < recent else views.db.execute(
        f"SELECT count(*) FROM history {where}", args).fetchone()[0]
    return rows, total


def application(views: Views, application_id: str) -> dict | None:
    """One application as the views hold it, with its tranches, evaluations and history."""
    app = next(views.db.query(
        "SELECT a.*, e.name AS enterprise_name FROM applications a "
        "JOIN enterprises e USING (enterprise_id) WHERE a.application_id = ?",
        [application_id]), None)
    if app is None:
        return None
    app["claimed_basis"] = _amounts(app["claimed_basis"])
    app["basis"] = _amounts(app["basis"])
    app["tranches"] = list(views.db.query(
        "SELECT year, amount_fen, paid_on FROM tranches WHERE application_id = ? ORDER BY year",
        [application_id]))
    app["evaluations"] = list(views.db.query(
        "SELECT year, result, note, at FROM evaluations WHERE application_id = ? ORDER BY year",
        [application_id]))
    app["history"] = list(views.db.query(
        "SELECT * FROM history WHERE application_id = ? ORDER BY notification_id",
        [application_id]))
    return app


def _amounts(text: str) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in json.loads(text).items()}


def next_application_id(views: Views, year: int) -> str:
    """A free application number in the bureau's TZ-YEAR-NNNNN series."""
    prefix = f"TZ-{year}-"
    last = views.db.execute(
        "SELECT max(CAST(substr(application_id, ?) AS INTEGER)) FROM applications "
        "WHERE application_id LIKE ?", (len(prefix) + 1, prefix + "%")).fetchone()[0]
    return f"{prefix}{(last or 0) + 1:05d}"


def alerts(views: Views, include_cleared: bool = False) -> list[dict]:
    """Every flag (open ones only, unless `include_cleared`) by due date, with its enterprise."""
    return list(views.db.query(
        "SELECT f.*, e.name AS enterprise_name FROM flags f "
        "LEFT JOIN enterprises e USING (enterprise_id) "
        f"{'' if include_cleared else 'WHERE f.cleared_on IS NULL'} "
        "ORDER BY f.due_on IS NULL, f.due_on, f.enterprise_id, f.key"))


def spend(views: Views) -> dict:
    """Awarded and paid per policy, article and year (the `spend` view), with totals.

    `articles` holds one row per policy and article with its figures by year
    (a table's rows and columns); `by_year` the totals of each year. What was paid on
    awards since revoked is `revoked_fen` (per cell) and `revoked_paid_fen` in all; of
    it `clawback_fen` is still due and `repaid_fen` was paid back.
    """
    rows = list(views.db.query("SELECT * FROM spend ORDER BY policy, article, year"))
    years = sorted({r["year"] for r in rows})
    articles: dict[tuple, dict] = {}
    by_year = {y: {"year": y, "awarded_fen": 0, "paid_fen": 0} for y in years}
    for r in rows:
        a = articles.setdefault((r["policy"], r["article"]), {
            "policy": r["policy"], "article": r["article"], "years": {},
            "awarded_fen": 0, "paid_fen": 0})
        a["years"][r["year"]] = r
        for total in (a, by_year[r["year"]]):
            total["awarded_fen"] += r["awarded_fen"]
            total["paid_fen"] += r["paid_fen"]
    # Revoked awards count as awarded nothing, but what was paid on them stays paid and
    # becomes a clawback: shown apart, so that paid above awarded reads for what it is.
    revoked: dict[tuple, int] = {}
    for r in views.db.execute(
            "SELECT a.policy, a.article, t.year, SUM(t.amount_fen) FROM tranches t "
            "JOIN applications a USING (application_id) WHERE a.status = 'revoked' "
            "AND t.paid_on IS NOT NULL GROUP BY a.policy, a.article, t.year"):
        revoked[(r[0], r[1], r[2])] = r[3]
    for (policy, article, year), fen in revoked.items():
        a = articles.get((policy, article))
        if a is not None:
            a["revoked_fen"] = a.get("revoked_fen", 0) + fen
            if year in a["years"]:
                a["years"][year] = {**a["years"][year], "revoked_fen": fen}
        if year in by_year:
            by_year[year]["revoked_fen"] = by_year[year].get("revoked_fen", 0) + fen
    outstanding = views.db.execute("SELECT coalesce(sum(clawback_fen), 0) FROM applications "
                                   "WHERE status = 'revoked'").fetchone()[0]
    revoked_fen = sum(revoked.values())
    return {
        "rows": rows, "years": years, "articles": list(articles.values()),
        "by_year": list(by_year.values()),
        "awarded_fen": sum(r["awarded_fen"] for r in rows),
        "paid_fen": sum(r["paid_fen"] for r in rows),
        "revoked_paid_fen": revoked_fen,  # paid on awards since revoked: to claw back
        "clawback_fen": outstanding,  # of that, not yet repaid
        "repaid_fen": revoked_fen - outstanding,
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
