"""The desk's work queues, and every obligation open today judged live from the read models.

The daily job records its flags as events once a day (web/daily.py); a tranche falling
due or a clawback arising after a write would wait for it. Here the same judgement
(`obligations.obligations`, the one home of what falls due) is made on the views as they
stand, so every page shows what is due now. Each enterprise's judgement is kept until a
write touches it (its newest event moves) or the day changes.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date

from policies.catalogue import Catalogue
from projections.obligations import Deadlines, obligations
from projections.views import Views

#: Applications in these statuses can owe something (lifecycle/status.py: undecided ones
#: a decision before their policy lapses, awarded ones tranches and evaluations, revoked
#: ones a clawback); the others never do, so their enterprises need no judging.
OWING = ("submitted", "certified", "approved", "completed", "revoked")


class _Judged:
    """What was found due for each enterprise, as of which position of the views.

    A write moves only the enterprises it touched (their events since that position, in
    `history`), so after it only those are judged again; the next day, every one is.
    """

    def __init__(self):
        self.lock = threading.Lock()
        #: Held by the one thread judging anew: the others wait for its answer rather than
        #: each judging all 10,000 enterprises at once (the first pages of a day, at 16
        #: clients, were a herd of full judgements).
        self.judging = threading.Lock()
        self.key: tuple | None = None  # (day, deadlines, catalogue): else start over
        self.position: int | None = None  # the views' position the judgement is of
        self.by_enterprise: dict[str, list[dict]] = {}
        self.rows: list[dict] = []  # all of them, by due date
        self.counts: Counter = Counter()  # how many each enterprise has open


_judged: dict[str, _Judged] = {}
_judged_lock = threading.Lock()


def open_obligations(views: Views, catalogue: Catalogue, on: date,
                     deadlines: Deadlines) -> list[dict]:
    """Every obligation open on `on`, by due date (see `_judged_now`)."""
    return list(_judged_now(views, catalogue, on, deadlines)[0])


def open_counts(views: Views, catalogue: Catalogue, on: date, deadlines: Deadlines) -> Counter:
    """How many obligations each enterprise has open on `on` (kept with the judgement: a
    list page need not count 20,000 rows; read it, do not change it)."""
    return _judged_now(views, catalogue, on, deadlines)[1]


def _judged_now(views: Views, catalogue: Catalogue, on: date,
                deadlines: Deadlines) -> tuple[list[dict], Counter]:
    """Every obligation open on `on`, by due date: what the scheduler would flag today.

    Each row carries the enterprise's id and name, the obligation's `key`, `kind`,
    `application_id`, `policy`, `due_on` (a date), `overdue`, its recorded-style `message`
    and the `values` its words are made from.

    The first call of a day judges every enterprise that can owe anything; later calls
    read only the views' position (one row) and, when it moved, judge again the
    enterprises whose events came since: a page does not scan the whole history.
    """
    with _judged_lock:
        judged = _judged.setdefault(str(views.path), _Judged())
    key = (on, deadlines, catalogue.version)
    position = views.position()
    with judged.lock:
        if judged.key == key and judged.position == position:
            return judged.rows, judged.counts
    with judged.judging:
        return _judge_anew(judged, views, catalogue, on, deadlines, key)


def _judge_anew(judged: _Judged, views: Views, catalogue: Catalogue, on: date,
                deadlines: Deadlines, key: tuple) -> tuple[list[dict], Counter]:
    position = views.position()
    with judged.lock:
        if judged.key == key and judged.position == position:  # judged while we waited
            return judged.rows, judged.counts
        since = judged.position if judged.key == key else None
    if since is None or position < since:  # a new day, or views rebuilt behind us
        marks = ",".join("?" * len(OWING))
        stale = [r[0] for r in views.db.execute(
            f"SELECT DISTINCT enterprise_id FROM applications WHERE status IN ({marks}) "
            f"ORDER BY enterprise_id", OWING)]
        known: dict[str, list[dict]] = {}
    else:
        stale = [r[0] for r in views.db.execute(
            "SELECT DISTINCT enterprise_id FROM history WHERE notification_id > ? "
            "AND notification_id <= ? ORDER BY enterprise_id", (since, position))]
        with judged.lock:
            known = dict(judged.by_enterprise)
    for e in stale:
        known.pop(e, None)
    for state in views.load(stale).values():
        due = [{"enterprise_id": state.enterprise_id, "name": state.name, "key": o.key,
                "kind": o.kind, "application_id": o.application_id, "policy": o.policy,
                "due_on": o.due_on, "overdue": on > o.due_on, "message": o.message,
                "values": o.values}
               for o in obligations(state, catalogue, on, deadlines)]
        if due:
            known[state.enterprise_id] = due
    rows = [r for due in known.values() for r in due]
    rows.sort(key=lambda r: (r["due_on"], r["enterprise_id"], r["key"]))
    counts = Counter({e: len(due) for e, due in known.items()})
    with judged.lock:
        judged.key, judged.position, judged.by_enterprise, judged.rows, judged.counts = \
            key, position, known, rows, counts
    return rows, counts


def queues(views: Views, catalogue: Catalogue, on: date, deadlines: Deadlines) -> dict:
    """The counts of the desk's start page, each a queue of work with where it leads.

    `to_certify` and `to_approve` are applications waiting for that step; `tranches_due`,
    `evaluations_due`, `clawbacks` and `open` come from the obligations open today;
    `recorded` is how many flags the daily job has recorded open (it may lag behind).
    """
    live = open_obligations(views, catalogue, on, deadlines)
    kinds = Counter(r["kind"] for r in live)
    status = dict(views.db.execute(
        "SELECT status, count(*) FROM applications WHERE status IN ('submitted', 'certified') "
        "GROUP BY status").fetchall())
    clawback = views.db.execute(
        "SELECT count(*), coalesce(sum(clawback_fen), 0) FROM applications "
        "WHERE clawback_fen > 0").fetchone()
    recorded = views.db.execute("SELECT count(*) FROM flags WHERE cleared_on IS NULL"
                                ).fetchone()[0]
    return {
        "on": on,
        "to_certify": status.get("submitted", 0),
        "to_approve": status.get("certified", 0),
        "tranches_due": kinds.get("tranche_due", 0),
        "tranches_due_fen": sum(int(r["values"]["amount"] * 100) for r in live
                                if r["kind"] == "tranche_due"),
        "evaluations_due": kinds.get("evaluation_due", 0),
        "clawbacks": clawback[0], "clawback_fen": clawback[1],
        "windows_closing": kinds.get("window_closing", 0),
        "policies_lapsing": kinds.get("policy_lapsing", 0),
        "open": len(live), "overdue": sum(1 for r in live if r["overdue"]),
        "recorded": recorded,
        "soonest": live[:8],
    }
