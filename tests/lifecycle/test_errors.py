"""Every error code of the contract (DOMAIN.md), on SQLite and on PostgreSQL.

Each test reaches one code the way a user would, and checks that the refused
command wrote nothing: the store's last notification id is the same before and
after. Commands go through the same path as `grants apply`: `load_command` reads
the JSON object (refusing malformed input), then `Ledger.execute` carries it out.
"""

from __future__ import annotations

from contextlib import closing

import pytest

from lifecycle.enterprise import enterprise_uuid
from lifecycle.errors import Refused
from lifecycle.grant import application_uuid
from lifecycle.ledger import ATTEMPTS, Ledger
from tests.builders import approve, certify, credit_code, disburse, evaluate, register, submit
from tests.conftest import TEST_CLOCK, run
from web import contract
from web.schemas import command_name, load_command


def attempt(ledger, data: dict) -> dict:
    """One command as `grants apply` runs it: its JSON line, as a dict."""
    try:
        command = load_command(data)
    except Refused as refused:
        return contract.refused_line(command_name(data), refused)
    return contract.line(ledger.execute(command))


def refused(ledger, data: dict, code: str) -> dict:
    """Run `data`, which must fail with `code` and write nothing; its error object."""
    before = ledger.recorder.max_notification_id()
    line = attempt(ledger, data)
    assert line["ok"] is False, line
    assert line["error"]["code"] == code, line
    assert line["command"] == data.get("type")
    assert set(line["error"]) == {"code", "message", "fields"}
    assert ledger.recorder.max_notification_id() == before, "a refused command wrote events"
    return line["error"]


def succeed(ledger, *commands: dict) -> dict:
    results = run(ledger, *commands)
    for result in results:
        assert result["ok"] is True, result
    return results[-1]


def application_events(ledger, application_id: str) -> list[str]:
    return [type(e).__name__ for e in ledger.events.get(application_uuid(application_id))]


def pilot_testing(app: str, n: int, investment: str = "10000000", requested: str = "3000000",
                  **extra) -> dict:
    """tz-am-2025 art. 4 (pilot-testing): 30% of the verified total investment, <= 3 years."""
    return submit(app, n, article=4, basis={"verified_total_investment": investment},
                  requested=requested, **extra)


def certified_pilot_testing(ledger, app: str = "T-1", n: int = 1) -> None:
    succeed(ledger, register(n), pilot_testing(app, n),
            certify(app, {"verified_total_investment": "10000000"}))


def hps(app: str, n: int, at: str, **extra) -> dict:
    """bj-hps-2024 (in force from 2025-11-25): an allocated subsidy, the amount requested."""
    return submit(app, n, policy="bj-hps-2024", article=2, item="allocated-subsidy", basis={},
                  requested="800000", at=at, **extra)


def reject(app: str, at: str = "2025-07-10") -> dict:
    return {"type": "RejectApplication", "at": at, "application_id": app, "reason": "no"}


def revoke(app: str, at: str = "2025-07-10") -> dict:
    return {"type": "RevokeAward", "at": at, "application_id": app, "reason": "false materials"}


THREE_TRANCHES = [{"year": 2025, "amount": "1200000"}, {"year": 2026, "amount": "1000000"},
                  {"year": 2027, "amount": "800000"}]


# -- invalid_command ------------------------------------------------------------------


def test_an_article_number_written_as_text_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, article="14"), "invalid_command")

    assert "article" in error["fields"]


def test_an_amount_written_as_a_json_float_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, requested=400000.5), "invalid_command")

    assert "requested_amount" in error["fields"]


def test_a_basis_figure_written_as_a_json_float_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, basis={"event_expenditure": 800000.0}),
                    "invalid_command")

    assert any(f.startswith("basis.event_expenditure") for f in error["fields"])


def test_a_tranche_year_written_as_text_is_an_invalid_command(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"))

    error = refused(ledger, disburse("A-1", "2025", at="2025-07-02"), "invalid_command")

    assert "year" in error["fields"]


def test_sectors_that_are_not_a_list_are_an_invalid_command(ledger):
    error = refused(ledger, register(1, sectors="intelligent-equipment"), "invalid_command")

    assert "sectors" in error["fields"]


def test_a_date_that_does_not_exist_is_an_invalid_command(ledger):
    error = refused(ledger, register(1, at="2025-02-30"), "invalid_command")

    assert "at" in error["fields"]


def test_a_missing_required_field_is_an_invalid_command(ledger):
    command = register(1)
    del command["name"]

    error = refused(ledger, command, "invalid_command")

    assert "name" in error["fields"]


def test_an_unknown_field_is_an_invalid_command(ledger):
    error = refused(ledger, register(1, colour="red"), "invalid_command")

    assert "colour" in error["fields"]


def test_an_unknown_command_type_is_an_invalid_command(ledger):
    error = refused(ledger, {"type": "ApproveEverything", "at": "2025-07-01"},
                    "invalid_command")

    assert "type" in error["fields"]


def test_an_unknown_enterprise_size_is_an_invalid_command(ledger):
    error = refused(ledger, register(1, size="huge"), "invalid_command")

    assert "size" in error["fields"]


def test_a_credit_code_with_a_wrong_check_character_is_an_invalid_command(ledger):
    good = credit_code(1)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")

    error = refused(ledger, register(1, enterprise_id=wrong), "invalid_command")

    assert "enterprise_id" in error["fields"]


def test_a_credit_code_of_the_wrong_length_is_an_invalid_command(ledger):
    error = refused(ledger, register(1, enterprise_id=credit_code(1)[:17]), "invalid_command")

    assert "enterprise_id" in error["fields"]


def test_an_unknown_policy_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, policy="tz-xx-2025"), "invalid_command")

    assert "policy" in error["fields"]


def test_an_unknown_article_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, article=3), "invalid_command")

    assert "article" in error["fields"]


def test_an_unknown_item_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, article=7, item="national-lab", basis={}),
                    "invalid_command")

    assert "item" in error["fields"]


def test_omitting_the_item_of_an_article_with_several_items_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, article=7, basis={}), "invalid_command")

    assert "item" in error["fields"]


def test_a_basis_without_the_figure_the_article_computes_from_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, basis={"contract_amount": "800000"}),
                    "invalid_command")

    assert "basis.event_expenditure" in error["fields"]


def test_a_certified_basis_without_the_figure_the_article_computes_from_is_invalid(ledger):
    succeed(ledger, register(1), submit("A-1", 1))

    error = refused(ledger, certify("A-1", {}), "invalid_command")

    assert "basis.event_expenditure" in error["fields"]


def test_an_unknown_basis_figure_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, basis={"event_expenditure": "800000",
                                                    "turnover": "1"}), "invalid_command")

    assert any(f.startswith("basis") for f in error["fields"])


def test_a_requested_amount_with_three_decimal_places_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, requested="400000.005"), "invalid_command")

    assert "requested_amount" in error["fields"]


def test_an_amount_written_with_a_zero_third_decimal_is_the_same_amount(ledger):
    # Decided: "400000.000" is exactly 400,000.00 yuan, so it is accepted; only a
    # non-zero digit beyond the fen is refused (next tests).
    succeed(ledger, register(1))

    line = succeed(ledger, submit("A-1", 1, requested="400000.000"))

    assert line["max_amount"] == "400000.00"


def test_an_amount_too_large_to_hold_in_fen_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, requested="1e30"), "invalid_command")

    assert "requested_amount" in error["fields"]


def test_a_basis_figure_too_large_to_hold_in_fen_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, basis={"event_expenditure": "1e30"}),
                    "invalid_command")

    assert any(f.startswith("basis.event_expenditure") for f in error["fields"])


def test_an_approved_amount_with_three_decimal_places_is_an_invalid_command(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"))

    error = refused(ledger, approve("A-1", amount="250000.125"), "invalid_command")

    assert "amount" in error["fields"]


def test_a_negative_amount_is_an_invalid_command(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A-1", 1, requested="-1"), "invalid_command")

    assert "requested_amount" in error["fields"]


def test_a_tranche_plan_that_does_not_add_up_to_the_amount_is_an_invalid_command(ledger):
    certified_pilot_testing(ledger)

    error = refused(ledger, approve("T-1", amount="3000000", tranches=[
        {"year": 2025, "amount": "1000000"}, {"year": 2026, "amount": "1000000"}]),
        "invalid_command")

    assert "tranches" in error["fields"]


def test_non_consecutive_tranche_years_are_an_invalid_command(ledger):
    certified_pilot_testing(ledger)

    error = refused(ledger, approve("T-1", tranches=[
        {"year": 2025, "amount": "1500000"}, {"year": 2027, "amount": "1500000"}]),
        "invalid_command")

    assert "tranches" in error["fields"]


def test_tranche_years_out_of_order_are_an_invalid_command(ledger):
    certified_pilot_testing(ledger)

    error = refused(ledger, approve("T-1", tranches=[
        {"year": 2026, "amount": "1500000"}, {"year": 2025, "amount": "1500000"}]),
        "invalid_command")

    assert "tranches" in error["fields"]


def test_a_tranche_before_the_approval_year_is_an_invalid_command(ledger):
    certified_pilot_testing(ledger)

    error = refused(ledger, approve("T-1", tranches=[
        {"year": 2024, "amount": "1500000"}, {"year": 2025, "amount": "1500000"}]),
        "invalid_command")

    assert "tranches" in error["fields"]


def test_an_evaluation_result_other_than_pass_or_fail_is_an_invalid_command(ledger):
    certified_pilot_testing(ledger)
    succeed(ledger, approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025))

    error = refused(ledger, evaluate("T-1", 2025, "excellent"), "invalid_command")

    assert "result" in error["fields"]


def test_disbursing_a_year_without_a_planned_tranche_is_an_invalid_command(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"))

    error = refused(ledger, disburse("A-1", 2026), "invalid_command")

    assert "year" in error["fields"]


def test_submitting_before_the_enterprise_was_registered_is_an_invalid_command(ledger):
    succeed(ledger, register(1, at="2025-06-02"))

    error = refused(ledger, submit("A-1", 1, at="2025-06-01"), "invalid_command")

    assert "at" in error["fields"]


# -- not_found ------------------------------------------------------------------------


def test_submitting_for_an_unregistered_enterprise_is_not_found(ledger):
    error = refused(ledger, submit("A-1", 1), "not_found")

    assert "enterprise_id" in error["fields"]


def test_recording_dishonesty_of_an_unregistered_enterprise_is_not_found(ledger):
    succeed(ledger, register(1))

    refused(ledger, {"type": "RecordDishonesty", "at": "2025-06-05",
                     "enterprise_id": credit_code(2), "note": "false invoices"}, "not_found")


@pytest.mark.parametrize("command", [
    certify("NOPE"),
    approve("NOPE"),
    reject("NOPE"),
    disburse("NOPE", 2025),
    evaluate("NOPE", 2025),
    revoke("NOPE"),
], ids=lambda c: c["type"])
def test_a_command_on_an_unknown_application_is_not_found(ledger, command):
    succeed(ledger, register(1), submit("A-1", 1))

    error = refused(ledger, command, "not_found")

    assert "application_id" in error["fields"]


# -- duplicate_id ---------------------------------------------------------------------


def test_registering_an_enterprise_twice_is_a_duplicate_id(ledger):
    succeed(ledger, register(1))

    refused(ledger, register(1, at="2025-06-03"), "duplicate_id")


def test_reusing_an_application_id_is_a_duplicate_id(ledger):
    succeed(ledger, register(1), submit("A-1", 1))

    refused(ledger, submit("A-1", 1, at="2025-06-11"), "duplicate_id")


def test_reusing_another_enterprises_application_id_is_a_duplicate_id(ledger):
    succeed(ledger, register(1), register(2), submit("A-1", 1))

    refused(ledger, submit("A-1", 2), "duplicate_id")


# -- invalid_transition ---------------------------------------------------------------


def test_approving_before_certification_is_an_invalid_transition(ledger):
    succeed(ledger, register(1), submit("A-1", 1))

    refused(ledger, approve("A-1"), "invalid_transition")


def test_approving_twice_is_an_invalid_transition(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"))

    refused(ledger, approve("A-1", at="2025-07-02"), "invalid_transition")


def test_disbursing_a_paid_tranche_again_is_an_invalid_transition(ledger):
    certified_pilot_testing(ledger)
    succeed(ledger, approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025))

    refused(ledger, disburse("T-1", 2025, at="2025-08-01"), "invalid_transition")


def test_disbursing_the_only_tranche_again_is_an_invalid_transition(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"),
            disburse("A-1", 2025))

    refused(ledger, disburse("A-1", 2025, at="2025-08-01"), "invalid_transition")


def test_rejecting_an_approved_application_is_an_invalid_transition(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"))

    refused(ledger, reject("A-1"), "invalid_transition")


def test_disbursing_before_approval_is_an_invalid_transition(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"))

    refused(ledger, disburse("A-1", 2025), "invalid_transition")


def test_certifying_an_approved_application_is_an_invalid_transition(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"))

    refused(ledger, certify("A-1", at="2025-07-02"), "invalid_transition")


def test_revoking_an_award_that_was_never_approved_is_an_invalid_transition(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"))

    refused(ledger, revoke("A-1"), "invalid_transition")


def test_evaluating_the_same_year_twice_is_an_invalid_transition(ledger):
    certified_pilot_testing(ledger)
    succeed(ledger, approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025),
            evaluate("T-1", 2025, "pass"))

    refused(ledger, evaluate("T-1", 2025, "fail", at="2026-02-20"), "invalid_transition")


def test_disbursing_after_a_failed_evaluation_is_an_invalid_transition(ledger):
    certified_pilot_testing(ledger)
    succeed(ledger, approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025),
            evaluate("T-1", 2025, "fail"))

    refused(ledger, disburse("T-1", 2026), "invalid_transition")


# -- policy_not_in_force --------------------------------------------------------------


def test_submitting_before_the_policy_was_issued_is_policy_not_in_force(ledger):
    succeed(ledger, register(1, at="2025-01-02"))

    refused(ledger, submit("A-1", 1, at="2025-05-07"), "policy_not_in_force")


def test_the_issuance_date_is_the_first_day_in_force(ledger):
    succeed(ledger, register(1, at="2025-01-02"))

    assert succeed(ledger, submit("A-1", 1, at="2025-05-08"))["ok"] is True


def test_submitting_three_years_after_issuance_is_policy_not_in_force(ledger):
    succeed(ledger, register(1))

    refused(ledger, submit("A-1", 1, at="2028-05-08"), "policy_not_in_force")


def test_the_day_before_the_third_anniversary_is_still_in_force(ledger):
    succeed(ledger, register(1))

    assert succeed(ledger, submit("A-1", 1, at="2028-05-07"))["ok"] is True


def test_submitting_to_tz_de_2025_before_its_issuance_is_policy_not_in_force(ledger):
    succeed(ledger, register(1, at="2025-01-02"))

    refused(ledger, submit("A-1", 1, policy="tz-de-2025", at="2025-04-29"),
            "policy_not_in_force")


def test_submitting_to_bj_hps_2024_before_2025_11_25_is_policy_not_in_force(ledger):
    succeed(ledger, register(1))

    refused(ledger, hps("M-1", 1, at="2025-11-24"), "policy_not_in_force")


def test_bj_hps_2024_is_in_force_from_2025_11_25(ledger):
    succeed(ledger, register(1))

    assert succeed(ledger, hps("M-1", 1, at="2025-11-25"))["max_amount"] == "800000.00"


# -- ineligible -----------------------------------------------------------------------


def test_a_large_enterprise_is_ineligible_for_innovation_vouchers(ledger):
    succeed(ledger, register(1, size="large"))

    refused(ledger, submit("V-1", 1, article=16, basis={"contract_amount": "100000"},
                           requested="30000"), "ineligible")


def test_a_medium_enterprise_is_eligible_for_innovation_vouchers_as_the_chinese_text_says(
        ledger):
    succeed(ledger, register(1, size="medium"))

    line = succeed(ledger, submit("V-1", 1, article=16, basis={"contract_amount": "100000"},
                                  requested="30000"))

    assert line["max_amount"] == "30000.00"


def test_a_dishonesty_record_within_three_years_makes_bj_hps_2024_ineligible(ledger):
    succeed(ledger, register(1, at="2020-01-02"),
            {"type": "RecordDishonesty", "at": "2023-01-10", "enterprise_id": credit_code(1),
             "note": "false invoices"})

    refused(ledger, hps("M-1", 1, at="2025-12-01"), "ineligible")


def test_a_dishonesty_record_dated_before_submission_but_recorded_later_blocks_approval(
        ledger):
    succeed(ledger, register(1, at="2020-01-02"), hps("M-1", 1, at="2025-12-01"),
            certify("M-1", {}, at="2025-12-02"),
            {"type": "RecordDishonesty", "at": "2024-03-01", "enterprise_id": credit_code(1),
             "note": "found in an audit"})

    refused(ledger, approve("M-1", at="2025-12-03"), "ineligible")


def test_a_second_bj_hps_2024_award_to_one_enterprise_is_ineligible(ledger):
    succeed(ledger, register(1), hps("M-1", 1, at="2025-12-01"),
            certify("M-1", {}, at="2025-12-02"), approve("M-1", at="2025-12-03"))

    refused(ledger, hps("M-2", 1, at="2025-12-04"), "ineligible")


def test_a_park_below_the_income_threshold_is_ineligible_for_bj_2ind(ledger):
    succeed(ledger, register(1))

    refused(ledger, submit("D-1", 1, policy="bj-2ind", article=1, item="demonstration-park",
                           basis={"annual_operating_income": "9000000000",
                                  "integration_income": "4000000000"},
                           requested="1000000"), "ineligible")


# -- duplicate_support ----------------------------------------------------------------


def test_a_second_district_award_for_a_project_under_another_article_is_duplicate_support(
        ledger):
    succeed(ledger, register(1), submit("A-1", 1, project_id="P"), certify("A-1"),
            approve("A-1"))

    refused(ledger, pilot_testing("T-1", 1, project_id="P", at="2025-07-05"),
            "duplicate_support")


def test_a_second_district_award_for_a_project_under_tz_de_2025_is_duplicate_support(ledger):
    succeed(ledger, register(1), submit("A-1", 1, project_id="P"), certify("A-1"),
            approve("A-1"))

    refused(ledger, submit("A-2", 1, policy="tz-de-2025", project_id="P", at="2025-07-05"),
            "duplicate_support")


def test_approving_a_second_district_award_for_a_project_is_duplicate_support(ledger):
    succeed(ledger, register(1),
            submit("A-1", 1, project_id="P"), submit("A-2", 1, policy="tz-de-2025",
                                                     project_id="P"),
            certify("A-1"), certify("A-2"), approve("A-1"))

    refused(ledger, approve("A-2", at="2025-07-02"), "duplicate_support")


# -- exceeds_entitlement --------------------------------------------------------------


def test_approving_more_than_the_maximum_exceeds_the_entitlement(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1", {"event_expenditure": "760000"}))

    error = refused(ledger, approve("A-1", amount="380000.01"), "exceeds_entitlement")

    assert "amount" in error["fields"]


def test_approving_more_than_was_requested_exceeds_the_entitlement(ledger):
    succeed(ledger, register(1), submit("A-1", 1, requested="300000"), certify("A-1"))

    refused(ledger, approve("A-1", amount="350000"), "exceeds_entitlement")


def test_two_approvals_passing_the_enterprise_annual_cap_exceed_the_entitlement(ledger):
    # tz-am-2025 art. 14: 1,000,000 a year per enterprise; 600,000 + 500,000 passes it.
    succeed(ledger, register(1),
            submit("A-1", 1, basis={"event_expenditure": "1200000"}, requested="600000"),
            submit("A-2", 1, basis={"event_expenditure": "1000000"}, requested="500000"),
            certify("A-1", {"event_expenditure": "1200000"}),
            certify("A-2", {"event_expenditure": "1000000"}), approve("A-1"))

    refused(ledger, approve("A-2", amount="500000"), "exceeds_entitlement")


def test_a_plan_with_more_years_than_the_article_allows_exceeds_the_entitlement(ledger):
    certified_pilot_testing(ledger)  # tz-am-2025 art. 4: at most 3 consecutive years

    refused(ledger, approve("T-1", tranches=[
        {"year": 2025, "amount": "750000"}, {"year": 2026, "amount": "750000"},
        {"year": 2027, "amount": "750000"}, {"year": 2028, "amount": "750000"}]),
        "exceeds_entitlement")


def test_a_plan_of_two_years_for_a_one_year_article_exceeds_the_entitlement(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"))

    refused(ledger, approve("A-1", tranches=[{"year": 2025, "amount": "200000"},
                                             {"year": 2026, "amount": "200000"}]),
            "exceeds_entitlement")


def test_a_rung_below_one_already_awarded_exceeds_the_entitlement(ledger):
    succeed(ledger, register(1),
            submit("P-1", 1, article=7, item="municipal-innovation-platform", basis={},
                   requested="2000000"),
            certify("P-1", {}), approve("P-1"),
            submit("P-2", 1, article=7, item="municipal-enterprise-technology-center",
                   basis={}, requested="500000", at="2025-08-01"),
            certify("P-2", {}, at="2025-08-02"))

    refused(ledger, approve("P-2", at="2025-08-03"), "exceeds_entitlement")


# -- evaluation_required --------------------------------------------------------------


def test_a_second_tranche_without_an_evaluation_of_the_first_year_needs_one(ledger):
    certified_pilot_testing(ledger)
    succeed(ledger, approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025))

    error = refused(ledger, disburse("T-1", 2026), "evaluation_required")

    assert "year" in error["fields"]


def test_a_third_tranche_needs_a_passed_evaluation_of_the_second_year_not_the_first(ledger):
    certified_pilot_testing(ledger)
    succeed(ledger, approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025),
            evaluate("T-1", 2025, "pass"), disburse("T-1", 2026))

    refused(ledger, disburse("T-1", 2027), "evaluation_required")


# -- conflict -------------------------------------------------------------------------


class RacedLedger(Ledger):
    """A ledger that, between deciding and saving, loses the race every time.

    Before each save another ledger on the same store records a dishonesty note on
    the enterprise the command touches, so the store refuses the save.
    """

    name = Ledger.name  # same event store tables as the real ledger

    def __init__(self, rival: Ledger, enterprise_id: str, **kwargs):
        super().__init__(**kwargs)
        self.rival, self.enterprise_id, self.races = rival, enterprise_id, 0

    def save(self, *objs, **kwargs):
        self.races += 1
        line = self.rival.execute(load_command({
            "type": "RecordDishonesty", "at": "2025-06-30", "enterprise_id": self.enterprise_id,
            "note": f"concurrent note {self.races}"}))
        assert line.ok, line
        return super().save(*objs, **kwargs)


def enterprise_events(ledger, enterprise_id: str) -> list[str]:
    return [type(e).__name__ for e in ledger.events.get(enterprise_uuid(enterprise_id))]


def stored_notifications(ledger) -> list:
    """Every stored event. (Counted, not read off max_notification_id(): on PostgreSQL a
    refused insert still consumes numbers of the notification sequence.)"""
    return list(ledger.recorder.select_notifications(start=None, limit=1_000_000))


def test_a_command_that_loses_every_race_is_a_conflict_and_writes_nothing(event_store):
    with closing(event_store.ledger()) as ledger, closing(event_store.ledger()) as rival:
        succeed(ledger, register(1), submit("A-1", 1), certify("A-1"))
        raced = RacedLedger(rival, credit_code(1), env=event_store.settings(), clock=TEST_CLOCK)
        application_before = application_events(ledger, "A-1")
        enterprise_before = enterprise_events(ledger, credit_code(1))
        stored_before = len(stored_notifications(ledger))
        try:
            line = contract.line(raced.execute(load_command(approve("A-1"))))
        finally:
            raced.close()

        assert line["ok"] is False
        assert line["command"] == "ApproveApplication"
        assert line["error"]["code"] == "conflict"
        assert raced.races == ATTEMPTS
        assert application_events(ledger, "A-1") == application_before
        # Only the rival's notes were stored: no AwardBooked, no catalogue snapshot.
        assert enterprise_events(ledger, credit_code(1)) == \
            enterprise_before + ["DishonestyRecorded"] * ATTEMPTS
        assert len(stored_notifications(ledger)) == stored_before + ATTEMPTS


def test_a_command_that_loses_a_race_once_is_decided_again_and_succeeds(event_store):
    class RacedOnce(RacedLedger):
        name = Ledger.name

        def save(self, *objs, **kwargs):
            if self.races:
                return Ledger.save(self, *objs, **kwargs)
            return super().save(*objs, **kwargs)

    with closing(event_store.ledger()) as ledger, closing(event_store.ledger()) as rival:
        succeed(ledger, register(1), submit("A-1", 1), certify("A-1"))
        raced = RacedOnce(rival, credit_code(1), env=event_store.settings(), clock=TEST_CLOCK)
        try:
            line = contract.line(raced.execute(load_command(approve("A-1"))))
        finally:
            raced.close()

        assert line["ok"] is True, line
        assert application_events(ledger, "A-1")[-1] == "ApplicationApproved"
