"""Properties of the read models over random command sequences (hypothesis).

For any sequence of commands, valid or refused:
- the views followed incrementally equal the views rebuilt from the log;
- no remaining cap is negative;
- an enterprise's awards sum to the `used` of its caps, each award counted once
  (the items drawn here carry exactly one cap each, so each award sits in one row);
- every cap and total in the views equals what the calculator derives from the
  ledger's own history of the enterprise (the write side's aggregate).
"""

from __future__ import annotations

import tempfile
import uuid
from contextlib import closing, contextmanager
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lifecycle.errors import Refused
from policies.calculator import enterprise_caps
from projections import queries
from projections.follower import Follower
from projections.views import Views, from_fen
from tests.builders import credit_code
from tests.conftest import Store, run
from tests.projections.test_views import table_rows

# (policy, article, item, basis field or None): each item has exactly one cap.
ITEMS = [
    ("tz-am-2025", 14, "industrial-event", "event_expenditure"),  # enterprise per year
    ("tz-am-2025", 4, "pilot-testing", "verified_total_investment"),  # project, 3 years
    ("tz-am-2025", 16, "innovation-voucher", "contract_amount"),  # enterprise per year
    ("tz-de-2025", 4, "rapid-growth", None),  # enterprise in total
    ("tz-am-2025", 7, "municipal-enterprise-technology-center", None),  # ladder rungs
    ("tz-am-2025", 7, "municipal-innovation-platform", None),
    ("tz-de-2025", 8, "national-manufacturing-innovation-center", None),
]
ENTERPRISES = 3

amounts = st.integers(min_value=1, max_value=4_000_000).map(lambda n: f"{n * 7}.{n % 100:02d}")
KINDS = ["submit"] * 3 + ["advance"] * 8 + ["reject", "revoke"]
operation = st.tuples(
    st.sampled_from(KINDS),
    st.integers(1, ENTERPRISES), st.sampled_from(ITEMS), amounts, amounts, st.booleans(),
    st.integers(0, 3), st.integers(1, 3), st.sampled_from(["pass", "pass", "pass", "fail"]),
)


class Clock:
    """Business dates moving forward a few days a command, never back."""

    def __init__(self):
        self.day = date(2025, 6, 1)

    def next(self, at_least: date | None = None) -> str:
        self.day = max(self.day + timedelta(days=4), at_least or self.day)
        return self.day.isoformat()


def drive(ledger, ops, every_few=None) -> list[dict]:
    """Carry out the drawn operations; each `advance` takes an application one step on.

    The next step is read from the ledger's own state, so the sequence is valid by
    construction; the ledger may still refuse a step (a cap reached, a duplicate).
    """
    clock = Clock()
    results = run(ledger, *({"type": "RegisterEnterprise", "at": "2025-06-01",
                             "enterprise_id": credit_code(n), "name": f"E{n}", "size": "small",
                             "sectors": []} for n in range(1, ENTERPRISES + 1)))
    apps: list[tuple[str, str | None]] = []
    for i, op in enumerate(ops):
        if every_few is not None and i % 4 == 3:
            every_few()  # the views follow while the commands come in
        kind, n, (policy, article, item, basis), figure, requested, same_project, \
            latest, years, result = op
        if kind == "submit":
            app = f"A{len(apps)}"
            project = apps[-1][0] if same_project and apps else app
            apps.append((app, basis))
            results += run(ledger, {
                "type": "SubmitApplication", "at": clock.next(), "application_id": app,
                "enterprise_id": credit_code(n), "policy": policy, "article": article,
                "item": item, "project_id": project, "basis": {basis: figure} if basis else {},
                "requested_amount": requested})
            continue
        if not apps:
            continue
        app_id, basis = apps[-1 - latest % len(apps)]  # one of the latest applications
        try:
            app = ledger.application(app_id)
        except Refused:
            continue  # its submission was refused
        if kind == "reject":
            cmd = {"type": "RejectApplication", "at": clock.next(), "reason": "r"}
        elif kind == "revoke":
            cmd = {"type": "RevokeAward", "at": clock.next(), "reason": "r"}
        else:
            cmd = next_step(ledger, app, basis, clock, years=years, result=result, figure=figure)
            if cmd is None:
                continue
        results += run(ledger, {**cmd, "application_id": app_id})
    return results


def next_step(ledger, app, basis, clock, years, result, figure) -> dict | None:
    if app.status == "submitted":
        return {"type": "CertifyApplication", "at": clock.next(),
                "basis": {basis: figure} if basis else {}}
    if app.status == "certified":
        at = clock.next()
        cmd = {"type": "ApproveApplication", "at": at}
        item = ledger.catalogue.item(app.policy, app.article, app.item)
        quoted = Decimal(ledger.quote(app.application_id, on=date.fromisoformat(at))["max_amount"])
        years = min(years, item.max_years)
        if years > 1 and quoted >= years:
            share = (quoted / years).quantize(Decimal("0.01"), ROUND_DOWN)
            cmd["tranches"] = [{"year": int(at[:4]) + i, "amount": str(share)}
                               for i in range(years)]
        return cmd
    if app.status == "approved":
        unpaid = [t["year"] for t in app.tranches if not t["paid"]]
        paid = [t["year"] for t in app.tranches if t["paid"]]
        if paid and paid[-1] not in app.evaluations:
            return {"type": "RecordEvaluation", "at": clock.next(date(paid[-1], 12, 1)),
                    "year": paid[-1], "result": result, "note": ""}
        return {"type": "DisburseTranche", "at": clock.next(date(unpaid[0], 1, 10)),
                "year": unpaid[0]}
    return None


def postgres_store(tmp: Path, event_store) -> Store:
    """A schema of its own in the test's PostgreSQL database, for one example."""
    import psycopg

    schema = f"s{uuid.uuid4().hex[:10]}"
    with closing(psycopg.connect(event_store.event_store, autocommit=True)) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return Store("postgres", tmp, f"{event_store.event_store}?schema={schema}")


@contextmanager
def example_store(event_store):
    """For one example: a store of its own of the test's kind (a new SQLite file, or a new
    schema in the test's PostgreSQL database), its ledger, a follower's views and a second
    views to rebuild into."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = Store("sqlite", tmp / "var") if event_store.kind == "sqlite" \
            else postgres_store(tmp / "var", event_store)
        with closing(store.ledger()) as ledger, \
                closing(Follower(ledger, Views(tmp / "a.sqlite"))) as follower, \
                closing(Follower(ledger, Views(tmp / "b.sqlite"))) as rebuilt:
            yield ledger, follower, rebuilt


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=15, max_size=60))
def test_views_agree_with_the_log_and_the_calculator(event_store, ops):
    with example_store(event_store) as (ledger, follower, rebuilt):
        results = drive(ledger, ops, every_few=follower.catch_up)
        follower.catch_up()
        approved = sum(r["ok"] and r["command"] == "ApproveApplication" for r in results)
        event(f"approvals: {min(approved, 3)}{'+' if approved >= 3 else ''}")
        rebuilt.rebuild()
        assert table_rows(follower.views) == table_rows(rebuilt.views)

        views = follower.views
        assert views.db.execute("SELECT count(*) FROM caps WHERE remaining_fen < 0"
                                ).fetchone()[0] == 0
        for n in range(1, ENTERPRISES + 1):
            code = credit_code(n)
            history = ledger.enterprise(code).history()
            derived = {(u.cap.policy, u.cap.article, u.cap.item, u.cap.scope, u.year,
                        u.project_id): u.used for u in enterprise_caps(ledger.catalogue,
                                                                      history)}
            shown = {(r["policy"], r["article"], r["item"], r["scope"], r["year"],
                      r["project_id"]): from_fen(r["used_fen"])
                     for r in views.db.query("SELECT * FROM caps WHERE enterprise_id = ?",
                                             [code])}
            assert shown == derived
            counted = sum((a.counted for a in history), Decimal("0.00"))
            entitlement = queries.entitlement(ledger, views, code)
            assert Decimal(entitlement["awarded_total"]) == counted
            assert sum(shown.values(), Decimal("0.00")) == counted


# -- the fast fold against the plain ones (issue 17) ------------------------------------

def reconcile_flags(ledger, follower, on: date) -> None:
    """What the daily job does on `on` (web/daily.py), without its services: flags raised
    and cleared as events, so that the fold meets them too."""
    from lifecycle import commands as c
    from projections.obligations import Deadlines, obligations

    follower.catch_up()
    for state in list(queries.states_as_of(ledger, follower.views, on)):
        due = obligations(state, ledger.catalogue, on, Deadlines())
        ledger.execute(c.ReconcileFlags(at=on, actor="scheduler",
                                        enterprise_id=state.enterprise_id, due=tuple(due)))


def domain_view(ledger, app_ids) -> dict:
    """Each application as its aggregate (the write side) holds it, in the views' terms."""
    out = {}
    for app_id in app_ids:
        try:
            app = ledger.application(app_id)
        except Refused:
            continue  # its submission was refused
        out[app_id] = {
            "status": str(app.status), "amount": app.amount, "basis": dict(app.basis),
            "claimed_basis": dict(app.claimed_basis), "certified_on": app.certified_on,
            "catalogue_version": app.catalogue_version, "clawback_due": app.clawback_due,
            "tranches": [(t["year"], t["amount"], t["paid"]) for t in app.tranches],
            "evaluations": dict(app.evaluations)}
    return out


def views_view(views) -> dict:
    """The same, as the views' rows say it."""
    import json

    out = {}
    for a in views.db.query("SELECT * FROM applications"):
        app_id = a["application_id"]
        out[app_id] = {
            "status": a["status"], "amount": from_fen(a["amount_fen"]),
            "basis": {k: Decimal(v) for k, v in json.loads(a["basis"]).items()},
            "claimed_basis": {k: Decimal(v) for k, v in json.loads(a["claimed_basis"]).items()},
            "certified_on": a["certified_on"] and date.fromisoformat(a["certified_on"]),
            "catalogue_version": a["catalogue_version"],
            "clawback_due": from_fen(a["clawback_fen"]),
            "tranches": [(t["year"], from_fen(t["amount_fen"]), t["paid_on"] is not None)
                         for t in views.db.query("SELECT * FROM tranches WHERE "
                                                 "application_id = ? ORDER BY year", [app_id])],
            "evaluations": {e["year"]: e["result"] for e in views.db.query(
                "SELECT * FROM evaluations WHERE application_id = ?", [app_id])}}
    return out


def judged_alike(views, catalogue, on: date) -> None:
    """The desk's live obligations, judged again only for the enterprises written since
    the last judgement, equal a judgement of every enterprise from nothing."""
    from collections import Counter

    from projections import queues
    from projections.obligations import Deadlines

    live = queues.open_obligations(views, catalogue, on, Deadlines())
    assert queues.open_counts(views, catalogue, on, Deadlines()) == Counter(
        r["enterprise_id"] for r in live)
    kept = queues._judged.pop(str(views.path))
    assert queues.open_obligations(views, catalogue, on, Deadlines()) == live
    queues._judged[str(views.path)] = kept


def settling(views) -> list[dict]:
    """The steps that settle the open flags of tranches and evaluations due."""
    steps = []
    for (key,) in views.db.execute("SELECT key FROM flags WHERE cleared_on IS NULL "
                                   "ORDER BY key").fetchall():
        kind, app, *year = key.split(":")
        if kind == "tranche_due":
            steps.append({"type": "DisburseTranche", "application_id": app,
                          "year": int(year[0]), "at": "2028-01-15"})
        elif kind == "evaluation_due":
            steps.append({"type": "RecordEvaluation", "application_id": app,
                          "year": int(year[0]), "result": "pass", "at": "2028-01-15"})
    return steps


def rare_steps(views, picks) -> list[dict]:
    """What a short synthetic history seldom holds, on applications `picks` choose: a
    failed evaluation of a paid year, a revocation with a repayment, a dishonesty record."""
    def pick(rows, k):
        return rows[picks[k] % len(rows)] if rows else None

    steps = []
    unevaluated = views.db.execute(
        "SELECT t.application_id, t.year, t.paid_on FROM tranches t JOIN applications a "
        "USING (application_id) WHERE a.status = 'approved' AND t.paid_on IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.application_id = "
        "t.application_id AND e.year = t.year) ORDER BY 1, 2").fetchall()
    if (row := pick(unevaluated, 0)) is not None:
        steps.append({"type": "RecordEvaluation", "application_id": row[0], "year": row[1],
                      "result": "fail", "note": "未达绩效目标",
                      "at": max(date(row[1] + 1, 1, 5), date.fromisoformat(row[2])
                                + timedelta(days=1)).isoformat()})
    approved = views.db.execute("SELECT application_id FROM applications WHERE status = "
                                "'approved' ORDER BY 1").fetchall()
    if (row := pick(approved, 1)) is not None:
        steps += [{"type": "RevokeAward", "application_id": row[0], "at": "2027-12-22",
                   "reason": "提供虚假材料"},
                  {"type": "RecordRepayment", "application_id": row[0], "at": "2027-12-24",
                   "amount": "0.01", "note": "部分退回"}]
    enterprises = views.db.execute("SELECT enterprise_id FROM enterprises ORDER BY 1"
                                   ).fetchall()
    steps.append({"type": "RecordDishonesty", "enterprise_id": pick(enterprises, 2)[0],
                  "at": "2027-12-23", "note": "信用平台记录严重失信"})
    return steps


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(1, 10**6), enterprises=st.integers(2, 5),
       pages=st.lists(st.integers(1, 60), min_size=1, max_size=8),
       batches=st.lists(st.integers(1, 80), min_size=1, max_size=8), fresh=st.booleans(),
       picks=st.lists(st.integers(0, 10**6), min_size=3, max_size=3))
def test_rebuild_follow_and_the_domain_fold_agree(event_store, seed, enterprises, pages,
                                                  batches, fresh, picks):
    """The one fold of records (projections/records.py, state.py), however it is fed:
    followed in pages of random sizes (by a follower that keeps its states, or by one
    that loads them from the views each time), rebuilt from the first event, asked for
    one enterprise from its own events (the past-date path), and the aggregates of the
    write side all say the same of every application, on both stores. The histories are
    web/synthetic.py's (every kind of command: revocations, repayments, failed
    evaluations, promotions, dishonesty), with the daily job's flags."""
    from eventsourcing.application import AggregateNotFoundError

    from lifecycle.flags import board_uuid
    from web.synthetic import history

    with example_store(event_store) as (ledger, follower, rebuilt):
        turn = iter(range(10**6))

        def follow():
            size = pages[next(turn) % len(pages)]
            reader = Follower(ledger, follower.views) if fresh else follower
            reader.catch_up(page=size)
            judged_alike(follower.views, ledger.catalogue, date(2027, 6, 1))

        commands = list(history(ledger.catalogue, enterprises=enterprises,
                                end=date(2027, 12, 20), seed=seed))
        done, submitted = 0, 0
        while done < len(commands):
            size = batches[next(turn) % len(batches)]
            submitted += sum(line["ok"] and line["command"] == "SubmitApplication"
                             for line in run(ledger, *commands[done:done + size]))
            done += size
            follow()
        run(ledger, *rare_steps(follower.views, picks))
        follow()
        reconcile_flags(ledger, follower, date(2028, 1, 10))  # tranches due, windows
        follow()
        run(ledger, *settling(follower.views))
        follow()
        reconcile_flags(ledger, follower, date(2028, 2, 1))  # those settled are cleared
        follower.catch_up()
        rebuilt.rebuild()
        assert table_rows(follower.views) == table_rows(rebuilt.views)

        views = follower.views
        counts = views.db.execute(
            "SELECT (SELECT count(*) FROM evaluations WHERE result = 'fail'), "
            "(SELECT count(*) FROM applications WHERE clawback_fen > 0), "
            "(SELECT count(*) FROM flags WHERE cleared_on IS NOT NULL), "
            "(SELECT count(*) FROM enterprises WHERE dishonesty != '[]')").fetchone()
        event("failed evaluations, clawbacks, cleared flags, dishonesty: "
              + ", ".join(str(min(n, 1)) for n in counts))
        app_ids = [r[0] for r in views.db.execute("SELECT application_id FROM applications")]
        assert len(app_ids) == submitted
        assert views_view(views) == domain_view(ledger, app_ids)
        for (code,) in views.db.execute("SELECT enterprise_id FROM enterprises").fetchall():
            state = views.load([code])[code]
            assert queries.state_from_log(ledger, views, code) == state
            # the enterprise's and its flag board's aggregates
            assert [d["at"] for d in state.dishonesty] == \
                ledger.enterprise(code).dishonesty
            try:
                board = ledger.repository.get(board_uuid(code)).open
            except AggregateNotFoundError:
                board = {}
            assert {k: f["due_on"] for k, f in state.flags.items()
                    if f["cleared_on"] is None} == board
