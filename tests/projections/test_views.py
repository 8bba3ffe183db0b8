"""The read models: followed incrementally or rebuilt, they say the same, and the truth."""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, date, datetime

import pytest

from lifecycle.errors import Refused
from projections import queries
from projections.follower import Follower
from projections.views import TABLES, Views
from tests.builders import approve, certify, credit_code, disburse, evaluate, register, submit
from tests.conftest import run
from web.synthetic import history


def table_rows(views: Views) -> dict[str, list]:
    out = {}
    for table in TABLES:
        cols = [c.name for c in views.db[table].columns]
        out[table] = sorted(views.db.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(),
                            key=repr)
    out["spend"] = sorted(views.db.execute("SELECT * FROM spend").fetchall(), key=repr)
    return out


@pytest.fixture
def follower(ledger, tmp_path):
    with closing(Follower(ledger, Views(tmp_path / "views-a.sqlite"))) as f:
        yield f


def test_incremental_views_equal_rebuilt_views_table_by_table(ledger, follower, tmp_path):
    commands = list(history(ledger.catalogue, enterprises=40, seed=11))
    # Follow in uneven steps, as a busy service would.
    for i in range(0, len(commands), 37):
        run(ledger, *commands[i:i + 37])
        follower.catch_up()
    incremental = table_rows(follower.views)
    with closing(Follower(ledger, Views(tmp_path / "views-b.sqlite"))) as other:
        other.rebuild()
        rebuilt = table_rows(other.views)
    assert incremental["history"] and incremental["caps"] and incremental["windows"]
    for table in incremental:
        assert incremental[table] == rebuilt[table], table


def schema_of(views: Views) -> list:
    return sorted(views.db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                                   "WHERE name NOT LIKE 'sqlite_%'").fetchall())


def test_a_rebuild_leaves_every_table_index_and_view_a_new_views_file_has(ledger, follower,
                                                                         tmp_path):
    """A rebuild creates the indexes after its rows (projections/follower.py): the same
    indexes, and the queries that read them find the same rows."""
    run(ledger, *history(ledger.catalogue, enterprises=8, seed=3))
    follower.rebuild()
    with closing(Views(tmp_path / "new.sqlite")) as new:
        assert schema_of(follower.views) == schema_of(new)
    assert any(row[0] == "index" and row[1] == "idx_history_enterprise"
               for row in schema_of(follower.views))


def test_a_rebuild_of_the_same_views_file_gives_the_same_rows(ledger, follower):
    run(ledger, *history(ledger.catalogue, enterprises=15, seed=5))
    follower.catch_up()
    before = table_rows(follower.views)
    follower.rebuild()
    assert table_rows(follower.views) == before


def test_a_page_that_fails_midway_writes_nothing_and_the_next_catch_up_resumes(
        ledger, follower, tmp_path, monkeypatch):
    run(ledger, *history(ledger.catalogue, enterprises=10, seed=2))
    calls = {"n": 0}
    real_write = follower.views.write

    def failing_write(states, catalogue, changed=None):
        calls["n"] += 1
        real_write(states, catalogue, changed)  # rows written inside the transaction...
        raise OSError("disk gone")  # ...and then the process fails before commit

    monkeypatch.setattr(follower.views, "write", failing_write)
    with pytest.raises(OSError):
        follower.catch_up()
    assert follower.views.position() == 0
    assert follower.views.db.execute("SELECT count(*) FROM enterprises").fetchone()[0] == 0
    monkeypatch.undo()
    follower.catch_up()
    with closing(Follower(ledger, Views(tmp_path / "views-c.sqlite"))) as other:
        other.rebuild()
        assert table_rows(follower.views) == table_rows(other.views)


def _enterprise_with_history(ledger):
    assert all(r["ok"] for r in run(
        ledger, register(1, at="2025-06-02"),
        submit("P-1", 1, article=4, basis={"verified_total_investment": "3000000"},
               requested="900000", at="2025-06-10"),
        certify("P-1", basis={"verified_total_investment": "3000000"}, at="2025-06-20"),
        approve("P-1", at="2025-07-01", tranches=[{"year": 2025, "amount": "300000"},
                                                  {"year": 2026, "amount": "300000"},
                                                  {"year": 2027, "amount": "300000"}]),
        disburse("P-1", 2025, at="2025-08-01"), evaluate("P-1", 2025, at="2026-01-10"),
        disburse("P-1", 2026, at="2026-02-01"),
        submit("E-1", 1, basis={"event_expenditure": "1000000"}, requested="500000",
               at="2026-03-01"),
        certify("E-1", basis={"event_expenditure": "1000000"}, at="2026-03-10"),
        approve("E-1", at="2026-04-01"),
    ))


def test_entitlement_shows_totals_caps_and_windows(ledger, follower):
    _enterprise_with_history(ledger)
    follower.catch_up()
    e = queries.entitlement(ledger, follower.views, credit_code(1))
    assert (e["awarded_total"], e["disbursed_total"]) == ("1400000.00", "600000.00")
    assert e["by_year"]["2026"] == {"awarded": "800000.00", "disbursed": "300000.00"}
    annual = next(c for c in e["caps"] if c["scope"] == "enterprise_year")
    assert (annual["policy"], annual["article"], annual["year"]) == ("tz-am-2025", 14, 2026)
    assert (annual["cap"], annual["used"], annual["remaining"]) == \
        ("1000000.00", "500000.00", "500000.00")
    project = next(c for c in e["caps"] if c["scope"] == "project")
    assert (project["project_id"], project["used"], project["remaining"]) == \
        ("P-1", "900000.00", "9100000.00")
    [window] = e["windows"]
    assert (window["application_id"], window["first_year"], window["last_year"],
            window["years_disbursed"], window["ends_on"]) == ("P-1", 2025, 2027, 2, "2027-12-31")


def test_entitlement_as_of_a_past_business_date_counts_only_what_had_happened(ledger, follower):
    _enterprise_with_history(ledger)
    follower.catch_up()
    e = queries.entitlement(ledger, follower.views, credit_code(1), as_of=date(2025, 12, 31))
    assert (e["awarded_total"], e["disbursed_total"]) == ("900000.00", "300000.00")
    assert not any(c["scope"] == "enterprise_year" for c in e["caps"])
    assert e["windows"][0]["years_disbursed"] == 1
    with pytest.raises(Refused) as refused:
        queries.entitlement(ledger, follower.views, credit_code(1), as_of=date(2025, 6, 1))
    assert refused.value.code == "not_found"


def test_entitlement_known_at_a_moment_counts_only_what_had_been_recorded(ledger, follower):
    run(ledger, register(1), submit("E-1", 1), certify("E-1"), approve("E-1"))
    known = datetime.now(UTC)
    # Recorded later, but dated earlier: a late entry of a 2025 payment.
    run(ledger, disburse("E-1", 2025, at="2025-07-02"))
    follower.catch_up()
    then = queries.entitlement(ledger, follower.views, credit_code(1), known_at=known)
    now = queries.entitlement(ledger, follower.views, credit_code(1))
    assert then["disbursed_total"] == "0.00" and now["disbursed_total"] == "400000.00"
    both = queries.entitlement(ledger, follower.views, credit_code(1),
                               as_of=date(2025, 12, 31), known_at=known)
    assert both["awarded_total"] == "400000.00" and both["disbursed_total"] == "0.00"


def test_the_views_record_every_event_with_actor_business_date_and_recording_time(
        ledger, follower):
    _enterprise_with_history(ledger)
    follower.catch_up()
    rows = list(follower.views.db.query(
        "SELECT event, at, actor, recorded_at FROM history WHERE enterprise_id = ? "
        "ORDER BY notification_id", [credit_code(1)]))
    assert [r["event"] for r in rows[:4]] == ["EnterpriseRegistered", "ApplicationSubmitted",
                                              "ApplicationCertified", "ApplicationApproved"]
    assert all(r["actor"] and r["at"] and r["recorded_at"] for r in rows)


def test_spend_sums_awards_and_payments_per_policy_article_and_year(ledger, follower):
    _enterprise_with_history(ledger)
    follower.catch_up()
    spend = {(r["policy"], r["article"], r["year"]): (r["awarded_fen"], r["paid_fen"])
             for r in follower.views.db.query("SELECT * FROM spend")}
    assert spend[("tz-am-2025", 4, 2026)] == (30_000_000, 30_000_000)
    assert spend[("tz-am-2025", 4, 2027)] == (30_000_000, 0)
    assert spend[("tz-am-2025", 14, 2026)] == (50_000_000, 0)
