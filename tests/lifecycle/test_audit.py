"""The audit: a clean history has no finding; every kind of tampering is found and named.

Each test runs on SQLite and on PostgreSQL. Tampering goes straight to the store
with SQL, as a person with database access would do it; forged events carry a
valid chain hash, so only the re-check of the rules can find them.
"""

from __future__ import annotations

import csv
import io
import json
from contextlib import closing
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from eventsourcing.utils import get_topic

from lifecycle.audit import AuditReport, Finding, audit
from lifecycle.chain import chain_hash
from lifecycle.grant import GrantApplication, application_uuid
from policies.catalogue import from_sources
from tests.builders import approve, certify, credit_code, disburse, evaluate, register, submit
from tests.conftest import run
from tests.lifecycle.test_chain import Raw
from web.audit_report import to_csv, to_html
from web.messages import finding_message
from web.synthetic import history

THREE_YEARS = [{"year": 2025, "amount": "300000"}, {"year": 2026, "amount": "300000"},
               {"year": 2027, "amount": "300000"}]


def succeed(ledger, *commands: dict) -> None:
    for result in run(ledger, *commands):
        assert result["ok"] is True, result


def kinds(report: AuditReport) -> set[str]:
    for f in report.findings:  # every finding has words, with every value filled in
        words = finding_message(f.to_dict())
        assert words and "{" not in words, (f, words)
    return {f.kind for f in report.findings}


def of_kind(report: AuditReport, kind: str) -> list[Finding]:
    return [f for f in report.findings if f.kind == kind]


def event_application(app: str, n: int = 1, **extra) -> list[dict]:
    """tz-am-2025 art. 14: 50% of 800,000 event expenditure = at most 400,000; certified."""
    return [submit(app, n, **extra), certify(app)]


def three_year_award(ledger) -> None:
    """tz-am-2025 art. 4: 900,000 in three tranches, the first paid."""
    succeed(ledger, register(1),
            submit("P-1", 1, article=4, basis={"verified_total_investment": "3000000"},
                   requested="900000"),
            certify("P-1", basis={"verified_total_investment": "3000000"}),
            approve("P-1", tranches=THREE_YEARS), disburse("P-1", 2025, at="2025-08-01"))


@pytest.fixture
def raw(event_store, ledger):
    conn = Raw(event_store, ledger)
    yield conn
    conn.conn.close()


def forge(ledger, raw: Raw, application_id: str, event_class: type, **fields) -> None:
    """Append a forged event to an application with a valid chain hash, by hand in SQL.

    The hash is computed over the decoded state, as verification recomputes it, and
    links to the application's last stored event: the chain verifies.
    """
    aggregate = application_uuid(application_id)
    last = ledger.recorder.select_events(aggregate, desc=True, limit=1)[0]
    transcoder = ledger.mapper.transcoder
    state = {"timestamp": datetime.now(UTC),
             "prev_hash": transcoder.decode(last.state)["chain_hash"], **fields}
    decoded = transcoder.decode(transcoder.encode(state))
    topic, version = get_topic(event_class), last.originator_version + 1
    decoded["chain_hash"] = chain_hash(topic, aggregate, version, decoded)
    raw.insert(aggregate, version, topic, transcoder.encode(decoded))


def forge_approval(ledger, raw, application_id: str, amount: str, at: date) -> None:
    forge(ledger, raw, application_id, GrantApplication.ApplicationApproved,
          amount=Decimal(amount), tranches=[{"year": at.year, "amount": Decimal(amount)}],
          trace=[], catalogue_version=ledger.catalogue.version, at=at, actor="forger")


def forge_disbursement(ledger, raw, application_id: str, year: int, amount: str) -> None:
    forge(ledger, raw, application_id, GrantApplication.TrancheDisbursed, year=year,
          amount=Decimal(amount), at=date(year, 7, 1), actor="forger")


# -- a clean history ------------------------------------------------------------------


class Steps:
    def __init__(self):
        self.units = 0

    def step(self, n: int = 1) -> None:
        self.units += n


def test_a_clean_synthetic_history_audits_with_no_finding(ledger):
    run(ledger, *history(ledger.catalogue, enterprises=30, seed=3))
    steps = Steps()

    report = audit(ledger, progress=steps)

    assert report.ok and report.chain_ok, report.findings[:5]
    assert report.events_checked == ledger.recorder.max_notification_id() == steps.units
    assert report.events_replayed == report.events_checked
    assert report.decisions_checked > 50
    assert report.events_per_second > 0
    assert json.loads(json.dumps(report.to_dict()))["ok"] is True


def test_ladders_stops_revocations_and_stacked_municipal_awards_audit_clean(ledger):
    def platform(app, item, requested, at):
        return submit(app, 1, article=7, item=item, basis={}, requested=requested, at=at)

    succeed(
        ledger, register(1), register(2, size="medium"),
        # A three-year award, each year evaluated and paid.
        submit("P-1", 1, article=4, basis={"verified_total_investment": "3000000"},
               requested="900000"),
        certify("P-1", basis={"verified_total_investment": "3000000"}),
        approve("P-1", tranches=THREE_YEARS), disburse("P-1", 2025, at="2025-08-01"),
        evaluate("P-1", 2025), disburse("P-1", 2026), evaluate("P-1", 2026),
        disburse("P-1", 2027),
        # A promotion on the innovation-platform ladder: the difference only.
        platform("L-1", "municipal-enterprise-technology-center", "500000", "2025-06-10"),
        certify("L-1", {}), approve("L-1"),
        platform("L-2", "municipal-innovation-platform", "2000000", "2025-08-01"),
        certify("L-2", {}, at="2025-08-02"), approve("L-2", at="2025-08-03"),
        # A municipal award stacks on the district award of the same project.
        submit("M-1", 1, policy="bj-hps-2024", article=2, item="allocated-subsidy",
               project_id="P-1", basis={}, requested="800000", at="2025-12-04"),
        certify("M-1", basis={}, at="2025-12-05"), approve("M-1", at="2025-12-06"),
        # An award stopped by a failed evaluation, then one approved in the room it left.
        submit("B-1", 2, article=8, item="municipal-incubation-base", basis={},
               requested="5000000"),
        certify("B-1", {}),
        approve("B-1", tranches=[{"year": 2025, "amount": "2000000"},
                                 {"year": 2026, "amount": "2000000"},
                                 {"year": 2027, "amount": "1000000"}]),
        disburse("B-1", 2025), evaluate("B-1", 2025, "fail"),
        submit("B-2", 2, article=8, item="municipal-incubation-base", basis={},
               requested="5000000", at="2026-01-10"),
        certify("B-2", {}, at="2026-01-11"), approve("B-2", at="2026-01-12"),
        # A revoked award, and its cap room used again.
        *event_application("A-1", 2), approve("A-1"), disburse("A-1", 2025),
        {"type": "RevokeAward", "at": "2025-09-01", "application_id": "A-1",
         "reason": "false materials"},
        submit("A-2", 2, at="2025-09-02"), certify("A-2", at="2025-09-03"),
        approve("A-2", at="2025-09-04"),
    )

    report = audit(ledger)

    assert report.ok, report.findings
    assert report.decisions_checked == 7 + 6  # approvals + disbursements


# -- tampering the chain finds --------------------------------------------------------


def edit_the_approval(ledger, raw, old: bytes, new: bytes):
    """A three-year award, and `old` written as `new` in its stored ApplicationApproved
    by hand; the approval's aggregate."""
    three_year_award(ledger)
    app = application_uuid("P-1")
    topic, state = raw.row(app, 3)  # ApplicationApproved
    changed = bytes(state).replace(old, new, 1)
    assert changed != bytes(state)
    raw.set(app, 3, topic, changed)
    return app


def test_an_amount_changed_inside_a_stored_approval_is_a_broken_chain(ledger, raw):
    app = edit_the_approval(ledger, raw, b'"900000.00"', b'"1900000.00"')

    report = audit(ledger)

    [broken] = of_kind(report, "chain_broken")
    assert broken.detail == {"link": "changed", "aggregate_id": str(app), "version": 3}
    assert broken.notification_id is not None
    assert (broken.application_id, broken.enterprise_id) == ("P-1", credit_code(1))
    assert broken.at == date(2025, 7, 1)
    assert not report.ok and not report.chain_ok
    # The replay reads the altered amount too: the enterprise ledger booked another one.
    assert "not_booked" in kinds(report)


def test_a_lone_surrogate_written_into_a_stored_event_is_a_broken_chain_not_a_crash(
        ledger, raw):
    """No event can hold one (the text rule refuses it, and UTF-8 cannot store it): only
    someone editing the row can put its escape there."""
    edit_the_approval(ledger, raw, b'"900000.00"', b'"900000.00","x":"\\ud800"')

    report = audit(ledger)

    [broken] = of_kind(report, "chain_broken")
    assert broken.detail["link"] == "changed" and broken.detail["version"] == 3


def test_a_deleted_event_is_a_broken_chain(ledger, raw):
    three_year_award(ledger)
    succeed(ledger, evaluate("P-1", 2025), disburse("P-1", 2026))
    raw.delete(application_uuid("P-1"), 4)  # the first TrancheDisbursed

    [broken] = of_kind(audit(ledger), "chain_broken")

    assert (broken.detail["link"], broken.detail["version"]) == ("removed", 5)


def test_two_swapped_events_are_a_broken_chain(ledger, raw):
    three_year_award(ledger)
    succeed(ledger, evaluate("P-1", 2025))
    app = application_uuid("P-1")
    four, five = raw.row(app, 4), raw.row(app, 5)  # TrancheDisbursed, EvaluationRecorded
    raw.set(app, 4, *five)
    raw.set(app, 5, *four)

    [broken] = of_kind(audit(ledger), "chain_broken")

    assert (broken.detail["link"], broken.detail["version"]) == ("reordered", 4)


# -- forgeries with a valid chain: the re-check of the rules finds them ---------------


def test_a_forged_approval_above_its_cap_is_above_entitlement_and_not_booked(ledger, raw):
    succeed(ledger, register(1), *event_application("A-1"))
    # tz-am-2025 art. 14 allows 400,000 here, and 1,000,000 a year per enterprise.
    forge_approval(ledger, raw, "A-1", "1200000.00", date(2025, 7, 1))

    report = audit(ledger)

    assert report.chain_ok
    [above] = of_kind(report, "above_entitlement")
    assert (above.application_id, above.enterprise_id) == ("A-1", credit_code(1))
    assert above.at == date(2025, 7, 1) and above.notification_id is not None
    words = finding_message(above.to_dict())
    assert "1200000.00" in words and "400000.00" in words and "tz-am-2025 art. 14" in words
    [unbooked] = of_kind(report, "not_booked")
    assert unbooked.application_id == "A-1"
    assert "never booked" in finding_message(unbooked.to_dict())
    assert "plan_breaks_rules" in kinds(report)  # 1,200,000 in 2025 > the annual cap


def test_a_forged_approval_without_certification_is_not_certified(ledger, raw):
    succeed(ledger, register(1), submit("A-1", 1))
    forge_approval(ledger, raw, "A-1", "400000.00", date(2025, 7, 1))

    report = audit(ledger)

    assert kinds(report) == {"not_certified", "not_booked"}


def test_a_forged_disbursement_without_evaluation_is_evaluation_missing(ledger, raw):
    three_year_award(ledger)
    forge_disbursement(ledger, raw, "P-1", 2026, "300000.00")

    report = audit(ledger)

    assert report.chain_ok
    [missing] = of_kind(report, "evaluation_missing")
    assert missing.application_id == "P-1" and "2025" in finding_message(missing.to_dict())
    assert "tz-am-2025 art. 4" in finding_message(missing.to_dict())


def test_a_forged_disbursement_after_a_failed_evaluation_is_paid_after_failure(ledger, raw):
    three_year_award(ledger)
    succeed(ledger, evaluate("P-1", 2025, "fail"))
    forge_disbursement(ledger, raw, "P-1", 2026, "300000.00")

    assert kinds(audit(ledger)) == {"paid_after_failure"}


def test_a_forged_disbursement_outside_the_plan_is_tranche_not_planned(ledger, raw):
    three_year_award(ledger)
    succeed(ledger, evaluate("P-1", 2025), disburse("P-1", 2026))
    forge_disbursement(ledger, raw, "P-1", 2026, "300000.00")  # paid twice

    assert kinds(audit(ledger)) == {"tranche_not_planned"}


def test_a_forged_event_of_the_wrong_shape_is_named_and_the_audit_goes_on(ledger, raw):
    three_year_award(ledger)
    forge(ledger, raw, "P-1", GrantApplication.TrancheDisbursed, year="next",
          amount=Decimal("1.00"), at=date(2026, 7, 1), actor="forger")
    succeed(ledger, register(2), *event_application("A-2", 2))
    forge_approval(ledger, raw, "A-2", "1200000.00", date(2025, 7, 1))

    report = audit(ledger)

    # The forged payment of a year "next" is re-checked by the ledger's own rules and
    # found outside the plan (older code could only say it was not replayable).
    assert {"not_replayable", "tranche_not_planned"} & kinds(report)
    assert "above_entitlement" in kinds(report)  # the events after it were still checked


# -- as of a date, and what if the rules were today's ---------------------------------


def test_as_of_leaves_out_events_dated_after_it(ledger, raw):
    succeed(ledger, register(1), *event_application("A-1"))
    forge_approval(ledger, raw, "A-1", "1200000.00", date(2026, 3, 1))

    before = audit(ledger, as_of=date(2026, 1, 1))
    after = audit(ledger)

    assert before.ok and before.events_replayed == before.events_checked - 1
    assert "above_entitlement" in kinds(after)


def _rate_of_art_14(catalogue, rate: str):
    """The catalogue with tz-am-2025 art. 14 (industrial events) paying `rate`."""
    sources = dict(catalogue.sources)
    head, tail = sources["tz-am-2025.toml"].split('key = "industrial-event"', 1)
    assert 'rate = "0.50"' in tail.split("[[articles]]", 1)[0]
    sources["tz-am-2025.toml"] = (head + 'key = "industrial-event"'
                                  + tail.replace('rate = "0.50"', f'rate = "{rate}"', 1))
    return from_sources(sources)


def test_what_if_lists_approvals_whose_maximum_differs_under_the_current_catalogue(
        event_store, ledger):
    succeed(ledger, register(1), *event_application("A-1"), approve("A-1"),
            submit("P-1", 1, article=4, basis={"verified_total_investment": "3000000"},
                   requested="900000"),
            certify("P-1", basis={"verified_total_investment": "3000000"}), approve("P-1"))
    recorded = ledger.catalogue.version

    with closing(event_store.ledger(catalogue=_rate_of_art_14(ledger.catalogue,
                                                              "0.40"))) as today:
        report = audit(today, what_if=True)
        plain = audit(today)

    assert report.ok and plain.ok  # each approval kept to the rules of its own version
    [diff] = report.differences
    assert (diff.application_id, diff.recorded_version) == ("A-1", recorded)
    assert (diff.recorded_max, diff.current_max) == (Decimal("400000.00"), Decimal("320000.00"))
    assert diff.current_version != recorded
    assert plain.differences == []
    assert "320000.00" in to_html(report)


# -- the report files -----------------------------------------------------------------


def test_csv_and_html_carry_the_findings(ledger, raw):
    succeed(ledger, register(1), *event_application("A-1"))
    forge_approval(ledger, raw, "A-1", "1200000.00", date(2025, 7, 1))
    report = audit(ledger)

    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    page = to_html(report)

    assert len(rows) == len(report.findings)
    assert {r["kind"] for r in rows} == kinds(report)
    assert all(r["application_id"] == "A-1" and r["at"] == "2025-07-01" for r in rows), rows
    assert page.startswith("<!DOCTYPE html>") and "审计" in page and "Audit report" in page
    for f in report.findings:
        assert f.kind in page
    assert "Intact" in page and "A-1" in page


def test_html_escapes_every_text_and_shows_a_broken_chain():
    report = AuditReport(as_of=None, what_if=False, current_version="v1", events_checked=3)
    report.findings = [Finding("chain_broken", "<script>alert(1)</script>",
                               application_id="A&B", notification_id=2,
                               detail={"link": "changed", "aggregate_id": "x", "version": 1})]

    page = to_html(report)

    assert "<script>" not in page and "&lt;script&gt;" in page and "A&amp;B" in page
    assert "Broken" in page and not report.ok
