"""The list of applications: filtered, sorted by any column, a page at a time, or all of
them for an export (projections/exports.py writes the CSV and XLSX)."""

from __future__ import annotations

from dataclasses import dataclass

from projections.pages import PER_PAGE, _like
from projections.views import Views

#: Each sortable column and its SQL, ascending (the id breaks ties).
SORTS = {
    "application_id": ("a.application_id",),
    "enterprise": ("e.name_key",),
    "clause": ("a.policy", "a.article", "a.item"),
    "status": ("a.status",),
    "requested": ("a.requested_fen",),
    "amount": ("coalesce(a.amount_fen, -1)",),
    "submitted_on": ("a.submitted_on",),
    "decided_on": ("coalesce(a.decided_on, '')",),
}
DEFAULT_SORT = ("submitted_on", True)  # newest first


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; empty values narrow nothing."""

    q: str = ""  # part of an application id, a project id, an enterprise's name or code
    status: str = ""
    policy: str = ""
    article: int | None = None
    year: int | None = None  # the year of submission
    enterprise_id: str = ""


def _where(f: Filters) -> tuple[str, list]:
    where, args = [], []
    if f.q.strip():
        text = f.q.strip()
        where.append("(a.application_id LIKE ? ESCAPE '\\' OR a.project_id LIKE ? ESCAPE '\\' "
                     "OR e.name LIKE ? ESCAPE '\\' OR e.enterprise_id LIKE ? ESCAPE '\\')")
        args += [_like(text), _like(text), _like(text), _like(text.upper())]
    if f.status:
        where.append("a.status = ?")
        args.append(f.status)
    if f.policy:
        where.append("a.policy = ?")
        args.append(f.policy)
    if f.article is not None:
        where.append("a.article = ?")
        args.append(f.article)
    if f.year is not None:
        where.append("a.submitted_on >= ? AND a.submitted_on < ?")
        args += [f"{f.year:04d}-01-01", f"{f.year + 1:04d}-01-01"]
    if f.enterprise_id:
        where.append("a.enterprise_id = ?")
        args.append(f.enterprise_id)
    return (f"WHERE {' AND '.join(where)}" if where else ""), args


_SELECT = """SELECT a.application_id, a.enterprise_id, e.name AS enterprise_name, a.policy,
                    a.article, a.item, a.project_id, a.status, a.requested_fen, a.amount_fen,
                    a.clawback_fen, a.submitted_on, a.certified_on, a.decided_on,
                    (SELECT coalesce(sum(t.amount_fen), 0) FROM tranches t
                      WHERE t.application_id = a.application_id
                        AND t.paid_on IS NOT NULL) AS paid_fen
             FROM applications a JOIN enterprises e USING (enterprise_id)"""


def _order(sort: str, descending: bool) -> str:
    column = SORTS.get(sort, SORTS[DEFAULT_SORT[0]])
    direction = "DESC" if descending else "ASC"
    parts = ", ".join(f"{c} {direction}" for c in column)
    return f"ORDER BY {parts}, a.application_id {direction}"


def applications(views: Views, filters: Filters, sort: str = DEFAULT_SORT[0],
                 descending: bool = DEFAULT_SORT[1], page: int = 1,
                 per_page: int = PER_PAGE) -> dict:
    """One page of applications matching `filters`, sorted by `sort` (a key of SORTS)."""
    condition, args = _where(filters)
    total = views.db.execute(
        f"SELECT count(*) FROM applications a JOIN enterprises e USING (enterprise_id) "
        f"{condition}", args).fetchone()[0]
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(views.db.query(f"{_SELECT} {condition} {_order(sort, descending)} "
                               f"LIMIT ? OFFSET ?", [*args, per_page, (page - 1) * per_page]))
    return {"rows": rows, "total": total, "page": page, "pages": pages}


def all_applications(views: Views, filters: Filters, sort: str = DEFAULT_SORT[0],
                     descending: bool = DEFAULT_SORT[1]) -> list[dict]:
    """Every application matching `filters`, in order: the rows of an export."""
    condition, args = _where(filters)
    return list(views.db.query(f"{_SELECT} {condition} {_order(sort, descending)}", args))


def choices(views: Views) -> dict:
    """The values the filters offer: policies and articles used, years of submission."""
    return {
        "policies": [r[0] for r in views.db.execute(
            "SELECT DISTINCT policy FROM applications ORDER BY policy")],
        "articles": [r[0] for r in views.db.execute(
            "SELECT DISTINCT article FROM applications ORDER BY article")],
        "years": [int(r[0]) for r in views.db.execute(
            "SELECT DISTINCT substr(submitted_on, 1, 4) FROM applications "
            "ORDER BY 1 DESC")],
    }


def find(views: Views, text: str, limit: int = 10) -> dict:
    """What a search finds: an application or enterprise named exactly (to go straight to),
    and applications and enterprises whose id or name holds the text."""
    text = text.strip()
    if not text:
        return {"exact": None, "applications": [], "enterprises": []}
    exact = None
    row = views.db.execute("SELECT application_id FROM applications WHERE application_id = ? "
                           "COLLATE NOCASE", (text,)).fetchone()
    if row:
        exact = ("application", row[0])
    else:
        row = views.db.execute("SELECT enterprise_id FROM enterprises WHERE enterprise_id = ?",
                               (text.upper(),)).fetchone()
        if row:
            exact = ("enterprise", row[0])
    found = applications(views, Filters(q=text), per_page=limit)
    enterprises = list(views.db.query(
        "SELECT enterprise_id, name, size FROM enterprises WHERE name LIKE ? ESCAPE '\\' "
        "OR enterprise_id LIKE ? ESCAPE '\\' ORDER BY name_key LIMIT ?",
        [_like(text), _like(text.upper()), limit]))
    return {"exact": exact, "applications": found["rows"], "total": found["total"],
            "enterprises": enterprises}


def pick_enterprises(views: Views, text: str, limit: int = 12) -> list[dict]:
    """Enterprises for the picker of the application form: by name or code, in pinyin order."""
    text = text.strip()
    if not text:
        return []
    return list(views.db.query(
        "SELECT enterprise_id, name FROM enterprises WHERE name LIKE ? ESCAPE '\\' "
        "OR enterprise_id LIKE ? ESCAPE '\\' ORDER BY name_key LIMIT ?",
        [_like(text), _like(text.upper()), limit]))
