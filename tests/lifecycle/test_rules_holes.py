"""The holes found when the service was tried against the policy texts, each closed twice:
the ledger refuses the command now, and the audit finds it in a store written before
the fix (forged by hand in SQL with a valid chain hash, as the old code wrote it).

Each runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from contextlib import closing
from datetime import date
from decimal import Decimal

import pytest

from lifecycle.audit import audit
from lifecycle.clock import Clock
from lifecycle.grant import GrantApplication
from projections import queries
from projections.follower import Follower
from tests.builders import approve, certify, credit_code, disburse, evaluate, register, submit
from tests.conftest import run
from tests.lifecycle.test_audit import forge, kinds, of_kind, succeed
from tests.lifecycle.test_audit import raw as raw  # noqa: F401 - the fixture

BASE = {"policy": "tz-de-2025", "article": 10, "item": "municipal-innovation-base"}
THREE = [{"year": 2025, "amount": "1000000"}, {"year": 2026, "amount": "1000000"},
         {"year": 2027, "amount": "1000000"}]


def error(ledger, command: dict) -> dict:
    before = ledger.recorder.max_notification_id()
    [line] = run(ledger, command)
    assert line["ok"] is False, line
    assert ledger.recorder.max_notification_id() == before  # nothing written
    return line["error"]


def ten_event_awards_filling_2025(ledger) -> None:
    """tz-am-2025 art. 12's kin: art. 14 caps an enterprise at 1,000,000 a year; fill 2025."""
    succeed(ledger, register(1))
    for n in range(1, 3):
        succeed(ledger, submit(f"E-{n}", 1, basis={"event_expenditure": "1000000"},
                               requested="500000", at="2025-12-01"),
                certify(f"E-{n}", {"event_expenditure": "1000000"}, at="2025-12-05"),
                approve(f"E-{n}", at="2025-12-10"))
    succeed(ledger, submit("E-3", 1, basis={"event_expenditure": "1000000"},
                           requested="500000", at="2025-12-15"),
            certify("E-3", {"event_expenditure": "1000000"}, at="2025-12-18"))


# -- 1. a single-payment award is one tranche in its approval year (rule 3) -----------


def test_a_single_payment_tranche_put_in_a_later_year_is_refused(ledger):
    ten_event_awards_filling_2025(ledger)
    assert ledger.quote("E-3", date(2025, 12, 22))["max_amount"] == "0.00"
    for year in (2026, 2027):
        e = error(ledger, approve("E-3", at="2025-12-22",
                                  tranches=[{"year": year, "amount": "500000"}]))
        assert e["code"] == "invalid_command" and "tranches" in e["fields"], e


def test_the_audit_finds_a_single_payment_tranche_in_a_later_year(ledger, raw):
    ten_event_awards_filling_2025(ledger)
    forge(ledger, raw, "E-3", GrantApplication.ApplicationApproved,
          amount=Decimal("500000"), tranches=[{"year": 2026, "amount": Decimal("500000")}],
          trace=[], catalogue_version=ledger.catalogue.version, at=date(2025, 12, 22),
          actor="old code")

    found = of_kind(audit(ledger), "plan_breaks_rules")
    assert [f.application_id for f in found] == ["E-3"]
    assert found[0].reason == "single_payment_not_in_approval_year"


# -- 2. the years of one entity count over all its awards (rule 10) --------------------


def base_paid_2025_to_2027(ledger) -> None:
    succeed(ledger, register(1),
            submit("B-1", 1, **BASE, basis={}, requested="3000000", at="2025-06-10"),
            certify("B-1", {}), approve("B-1", tranches=THREE),
            disburse("B-1", 2025), evaluate("B-1", 2025), disburse("B-1", 2026),
            evaluate("B-1", 2026), disburse("B-1", 2027), evaluate("B-1", 2027),
            submit("B-2", 1, **BASE, basis={}, requested="1000000", at="2028-01-20"),
            certify("B-2", {}, at="2028-01-25"))


def test_a_fourth_year_for_a_single_entity_under_another_award_is_refused(ledger):
    base_paid_2025_to_2027(ledger)
    e = error(ledger, approve("B-2", at="2028-02-01", amount="1000000"))
    assert e["code"] == "exceeds_entitlement" and "tranches" in e["fields"], e


def test_the_audit_finds_a_fourth_year_for_a_single_entity(ledger, raw):
    base_paid_2025_to_2027(ledger)
    forge(ledger, raw, "B-2", GrantApplication.ApplicationApproved,
          amount=Decimal("1000000"), tranches=[{"year": 2028, "amount": Decimal("1000000")}],
          trace=[], catalogue_version=ledger.catalogue.version, at=date(2028, 2, 1),
          actor="old code")

    found = of_kind(audit(ledger), "plan_breaks_rules")
    assert [f.application_id for f in found] == ["B-2"]
    assert found[0].reason == "entity_years_exceeded"


# -- 3. business time (rule 9) ----------------------------------------------------------


def three_year_award(ledger, **kwargs) -> None:
    succeed(ledger, register(1), submit("P-1", 1, article=4,
                                        basis={"verified_total_investment": "3000000"},
                                        requested="900000"),
            certify("P-1", {"verified_total_investment": "3000000"}),
            approve("P-1", tranches=[{"year": y, "amount": "300000"}
                                     for y in (2025, 2026, 2027)]),
            disburse("P-1", 2025, at="2025-08-01"), evaluate("P-1", 2025, at="2026-01-15"),
            disburse("P-1", 2026, at="2026-03-01"))


def test_nothing_may_be_dated_after_today_in_beijing(event_store):
    with closing(event_store.ledger(clock=Clock(date(2026, 12, 2)))) as ledger:
        three_year_award(ledger)
        e = error(ledger, disburse("P-1", 2027, at="2027-01-10"))
        assert e["code"] == "invalid_command" and "at" in e["fields"], e
        e = error(ledger, evaluate("P-1", 2026, at="2026-12-03"))
        assert "at" in e["fields"], e


def test_a_year_is_evaluated_only_once_it_has_ended(ledger):
    three_year_award(ledger)
    e = error(ledger, evaluate("P-1", 2026, at="2026-12-20"))
    assert e["code"] == "invalid_command" and "at" in e["fields"], e
    succeed(ledger, evaluate("P-1", 2026, at="2027-01-05"))


def test_the_audit_finds_steps_dated_after_they_were_recorded(event_store):
    # Written under a fixed clock far ahead (as the old code wrote any date), audited by a
    # bureau whose clock is the real one: a tranche dated 2029 was recorded in 2026.
    with closing(event_store.ledger(clock=Clock(date(2030, 1, 1)))) as ledger:
        three_year_award(ledger)
        succeed(ledger, evaluate("P-1", 2026, at="2028-06-01"),
                disburse("P-1", 2027, at="2029-01-10"))
    with closing(event_store.ledger(clock=Clock())) as bureau:
        found = of_kind(audit(bureau), "dated_after_recording")
    assert {f.application_id for f in found} >= {"P-1"}
    assert {f.at for f in found} >= {date(2029, 1, 10)}


def test_the_audit_finds_an_evaluation_of_a_year_not_yet_ended(ledger, raw):
    three_year_award(ledger)
    forge(ledger, raw, "P-1", GrantApplication.EvaluationRecorded, year=2026, result="pass",
          note="early", at=date(2026, 12, 20), actor="old code")

    found = of_kind(audit(ledger), "evaluation_not_allowed")
    assert [(f.application_id, f.at) for f in found] == [("P-1", date(2026, 12, 20))]


def test_a_clean_history_has_no_finding_of_the_new_kinds(ledger):
    three_year_award(ledger)
    report = audit(ledger)
    assert not kinds(report) & {"dated_after_recording", "evaluation_not_allowed",
                                "plan_breaks_rules"}, report.findings


# -- 4. an enterprise_id that cannot be a credit code is malformed ------------------------


@pytest.mark.parametrize("command", [
    {"type": "RecordDishonesty", "at": "2025-07-01", "enterprise_id": "91110112", "note": "x"},
    {"type": "SubmitApplication", "at": "2025-07-01", "application_id": "X-1",
     "enterprise_id": "91110112", "policy": "tz-am-2025", "article": 14,
     "basis": {"event_expenditure": "800000"}, "requested_amount": "400000"},
])
def test_a_malformed_enterprise_id_is_invalid_command_not_not_found(ledger, command):
    succeed(ledger, register(1))
    e = error(ledger, command)
    assert e["code"] == "invalid_command" and "enterprise_id" in e["fields"], e


def test_an_unknown_but_well_formed_enterprise_id_is_still_not_found(ledger):
    e = error(ledger, {"type": "RecordDishonesty", "at": "2025-07-01",
                       "enterprise_id": credit_code(3), "note": "x"})
    assert e["code"] == "not_found"


# -- 5. --as-of counts a fact by its date, whenever it was recorded -----------------------


def test_as_of_counts_a_dishonesty_record_recorded_later_with_an_earlier_date(ledger,
                                                                              tmp_path):
    succeed(ledger, register(1), submit("A-1", 1, at="2025-06-10"), certify("A-1"),
            {"type": "RecordDishonesty", "at": "2025-06-05", "enterprise_id": credit_code(1),
             "note": "found later, dated before"})
    with closing(Follower.beside(ledger, tmp_path)) as follower:
        follower.catch_up()
        state = queries.state_from_log(ledger, follower.views, credit_code(1),
                                       as_of=date(2025, 6, 30))
    assert [d["at"] for d in state.dishonesty] == [date(2025, 6, 5)]
