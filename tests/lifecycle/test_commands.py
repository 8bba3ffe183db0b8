"""Every command of the contract (DOMAIN.md) succeeding, on SQLite and on PostgreSQL.

Each test looks at what a user of `grants apply` would notice: the fields of the
JSON line, the events it names, and what later commands and quotes then say.
"""

from __future__ import annotations

from datetime import date

from lifecycle.grant import application_uuid
from tests.builders import approve, certify, credit_code, disburse, evaluate, register, submit
from tests.conftest import run


def succeed(ledger, *commands: dict) -> dict:
    """Run the commands; each must succeed. The last command's JSON line."""
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


def incubation_base(app: str, n: int, requested: str = "5000000", **extra) -> dict:
    """tz-am-2025 art. 8, municipal incubation base: 5,000,000 per enterprise, <= 3 years."""
    return submit(app, n, article=8, item="municipal-incubation-base", basis={},
                  requested=requested, **extra)


def platform(app: str, n: int, item: str, requested: str, policy: str = "tz-am-2025",
             article: int = 7, **extra) -> dict:
    """A recognition on the innovation-platform ladder (no rate: the amount requested)."""
    return submit(app, n, policy=policy, article=article, item=item, basis={},
                  requested=requested, **extra)


THREE_TRANCHES = [{"year": 2025, "amount": "1200000"}, {"year": 2026, "amount": "1000000"},
                  {"year": 2027, "amount": "800000"}]


# -- RegisterEnterprise ---------------------------------------------------------------


def test_registering_an_enterprise_answers_its_credit_code_and_an_enterprise_registered_event(
        ledger):
    line = succeed(ledger, register(1))

    assert line["command"] == "RegisterEnterprise"
    assert line["events"] == ["EnterpriseRegistered"]
    assert line["enterprise_id"] == credit_code(1)


def test_an_enterprise_may_be_registered_without_sectors(ledger):
    command = register(1)
    del command["sectors"]

    assert succeed(ledger, command)["events"] == ["EnterpriseRegistered"]


def test_a_registered_enterprise_can_submit_applications(ledger):
    succeed(ledger, register(1))

    assert succeed(ledger, submit("A-1", 1))["application_id"] == "A-1"


# -- RecordDishonesty -----------------------------------------------------------------


def test_recording_dishonesty_answers_a_dishonesty_recorded_event(ledger):
    succeed(ledger, register(1))

    line = succeed(ledger, {"type": "RecordDishonesty", "at": "2025-06-05",
                            "enterprise_id": credit_code(1), "note": "false invoices"})

    assert line["command"] == "RecordDishonesty"
    assert line["events"] == ["DishonestyRecorded"]
    assert line["enterprise_id"] == credit_code(1)


def test_a_dishonesty_record_older_than_three_years_does_not_block_bj_hps_2024(ledger):
    succeed(ledger, register(1, at="2020-01-02"),
            {"type": "RecordDishonesty", "at": "2022-06-01", "enterprise_id": credit_code(1),
             "note": "late filing"})

    line = succeed(ledger, submit("M-1", 1, policy="bj-hps-2024", article=2,
                                  item="allocated-subsidy", basis={}, requested="800000",
                                  at="2025-12-01"))

    assert line["max_amount"] == "800000.00"


def test_dishonesty_does_not_matter_to_a_policy_without_a_lookback(ledger):
    succeed(ledger, register(1),
            {"type": "RecordDishonesty", "at": "2025-06-05", "enterprise_id": credit_code(1),
             "note": "false invoices"})

    assert succeed(ledger, submit("A-1", 1))["max_amount"] == "400000.00"


# -- SubmitApplication ----------------------------------------------------------------


def test_submitting_answers_the_max_amount_on_the_claimed_figures(ledger):
    succeed(ledger, register(1))

    line = succeed(ledger, submit("A-1", 1, basis={"event_expenditure": "800000"},
                                  requested="900000"))

    assert line["command"] == "SubmitApplication"
    assert line["events"] == ["ApplicationSubmitted"]
    assert line["application_id"] == "A-1"
    assert line["max_amount"] == "400000.00"  # 50% of 800,000 (tz-am-2025 art. 14)


def test_the_max_amount_at_submission_never_exceeds_the_amount_requested(ledger):
    succeed(ledger, register(1))

    line = succeed(ledger, submit("A-1", 1, basis={"event_expenditure": "800000"},
                                  requested="300000"))

    assert line["max_amount"] == "300000.00"


def test_the_max_amount_at_submission_rounds_down_to_the_fen(ledger):
    succeed(ledger, register(1))

    line = succeed(ledger, submit("A-1", 1, basis={"event_expenditure": "0.05"},
                                  requested="1"))

    assert line["max_amount"] == "0.02"  # 50% of 0.05 is 0.025


def test_the_item_may_be_omitted_where_the_article_has_only_one(ledger):
    succeed(ledger, register(1), submit("A-1", 1))  # art. 14 has one item, not named

    assert ledger.quote("A-1", on=date(2025, 6, 10))["item"] == "industrial-event"


def test_an_article_with_several_items_takes_the_item_named(ledger):
    succeed(ledger, register(1))

    line = succeed(ledger, platform("P-1", 1, "municipal-enterprise-technology-center",
                                    "800000"))

    assert line["max_amount"] == "500000.00"  # the item's cap
    assert ledger.quote("P-1", on=date(2025, 6, 10))["item"] == \
        "municipal-enterprise-technology-center"


def test_the_project_defaults_to_the_application_id(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"))

    # A district award exists for project "A-1" only if the project defaulted to the id.
    same_project = run(ledger, submit("A-2", 1, policy="tz-de-2025", project_id="A-1"))[0]
    other_project = run(ledger, submit("A-3", 1, policy="tz-de-2025", project_id="A-9"))[0]

    assert same_project["ok"] is False
    assert same_project["error"]["code"] == "duplicate_support"
    assert other_project["ok"] is True


def test_a_municipal_award_stacks_with_a_district_award_for_the_same_project(ledger):
    succeed(ledger, register(1, at="2025-06-02"),
            submit("A-1", 1, project_id="P", at="2025-12-01"),
            certify("A-1", at="2025-12-02"), approve("A-1", at="2025-12-03"))

    line = succeed(ledger, submit("M-1", 1, policy="bj-hps-2024", article=2,
                                  item="allocated-subsidy", project_id="P", basis={},
                                  requested="800000", at="2025-12-04"),
                   certify("M-1", basis={}, at="2025-12-05"),
                   approve("M-1", at="2025-12-06"))

    assert line["amount"] == "800000.00"


# -- CertifyApplication ---------------------------------------------------------------


def test_certifying_recomputes_the_max_amount_on_the_verified_figures(ledger):
    succeed(ledger, register(1), submit("A-1", 1, basis={"event_expenditure": "800000"}))

    line = succeed(ledger, certify("A-1", {"event_expenditure": "760000"}))

    assert line["command"] == "CertifyApplication"
    assert line["events"] == ["ApplicationCertified"]
    assert line["application_id"] == "A-1"
    assert line["max_amount"] == "380000.00"


def test_certification_may_raise_the_max_amount_up_to_the_amount_requested(ledger):
    succeed(ledger, register(1), submit("A-1", 1, basis={"event_expenditure": "600000"},
                                        requested="400000"))

    line = succeed(ledger, certify("A-1", {"event_expenditure": "1000000"}))

    assert line["max_amount"] == "400000.00"


def test_the_quote_after_certification_uses_the_verified_figures(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1", {"event_expenditure": "760000"}))

    assert ledger.quote("A-1", on=date(2025, 6, 20))["max_amount"] == "380000.00"


def test_an_application_may_be_certified_again_with_corrected_figures(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1", {"event_expenditure": "760000"}))

    line = succeed(ledger, certify("A-1", {"event_expenditure": "700000"}, at="2025-06-21"))

    assert line["max_amount"] == "350000.00"
    assert succeed(ledger, approve("A-1"))["amount"] == "350000.00"


# -- ApproveApplication ---------------------------------------------------------------


def test_approving_without_an_amount_awards_the_computed_maximum(ledger):
    succeed(ledger, register(1), submit("A-1", 1),
            certify("A-1", {"event_expenditure": "760000"}))

    line = succeed(ledger, approve("A-1", at="2025-07-01"))

    assert line["command"] == "ApproveApplication"
    assert line["application_id"] == "A-1"
    assert line["amount"] == "380000.00"
    assert "ApplicationApproved" in line["events"]
    assert "AwardBooked" in line["events"]


def test_approving_without_a_plan_pays_one_tranche_in_the_approval_year(ledger):
    succeed(ledger, register(1), submit("A-1", 1),
            certify("A-1", {"event_expenditure": "760000"}))

    line = succeed(ledger, approve("A-1", at="2026-01-15"))

    assert line["tranches"] == [{"year": 2026, "amount": "380000.00"}]


def test_approving_an_explicit_amount_below_the_maximum_awards_that_amount(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"))

    line = succeed(ledger, approve("A-1", amount="250000.50"))

    assert line["amount"] == "250000.50"
    assert line["tranches"] == [{"year": 2025, "amount": "250000.50"}]


def test_approving_a_multi_year_plan_awards_its_sum_in_consecutive_years(ledger):
    succeed(ledger, register(1), pilot_testing("T-1", 1), certify(
        "T-1", {"verified_total_investment": "10000000"}))

    line = succeed(ledger, approve("T-1", tranches=THREE_TRANCHES))

    assert line["amount"] == "3000000.00"
    assert line["tranches"] == [{"year": 2025, "amount": "1200000.00"},
                                {"year": 2026, "amount": "1000000.00"},
                                {"year": 2027, "amount": "800000.00"}]


def test_approving_an_amount_with_a_plan_that_adds_up_to_it(ledger):
    succeed(ledger, register(1), pilot_testing("T-1", 1), certify(
        "T-1", {"verified_total_investment": "10000000"}))

    line = succeed(ledger, approve("T-1", amount="2000000", tranches=[
        {"year": 2025, "amount": "1000000"}, {"year": 2026, "amount": "1000000"}]))

    assert line["amount"] == "2000000.00"
    assert [t["year"] for t in line["tranches"]] == [2025, 2026]


def test_a_plan_may_start_in_a_year_after_the_approval(ledger):
    succeed(ledger, register(1), pilot_testing("T-1", 1), certify(
        "T-1", {"verified_total_investment": "10000000"}))

    line = succeed(ledger, approve("T-1", tranches=[{"year": 2026, "amount": "3000000"}]))

    assert line["tranches"] == [{"year": 2026, "amount": "3000000.00"}]


def test_a_promotion_on_a_ladder_is_approved_for_the_difference_only(ledger):
    succeed(ledger, register(1),
            platform("P-1", 1, "municipal-enterprise-technology-center", "500000"),
            certify("P-1", {}), approve("P-1"),
            platform("P-2", 1, "municipal-innovation-platform", "2000000", at="2025-08-01"),
            certify("P-2", {}, at="2025-08-02"))

    line = succeed(ledger, approve("P-2", at="2025-08-03"))

    assert line["amount"] == "1500000.00"
    assert "PromotionDifferenceApplied" in line["events"]
    assert "PromotionDifferenceApplied" in application_events(ledger, "P-2")


def test_the_promotion_difference_is_already_in_the_submission_max_amount(ledger):
    succeed(ledger, register(1),
            platform("P-1", 1, "municipal-enterprise-technology-center", "500000"),
            certify("P-1", {}), approve("P-1"))

    line = succeed(ledger, platform("P-2", 1, "municipal-innovation-platform", "2000000",
                                    at="2025-08-01"))

    assert line["max_amount"] == "1500000.00"


def test_the_same_recognition_in_both_tongzhou_rule_sets_is_one_ladder(ledger):
    succeed(ledger, register(1),
            platform("P-1", 1, "municipal-design-or-technology-center", "500000",
                     policy="tz-de-2025", article=8),
            certify("P-1", {}), approve("P-1"),
            platform("P-2", 1, "municipal-innovation-platform", "2000000", at="2025-08-01"),
            certify("P-2", {}, at="2025-08-02"))

    line = succeed(ledger, approve("P-2", at="2025-08-03"))

    assert line["amount"] == "1500000.00"
    assert "PromotionDifferenceApplied" in line["events"]


def test_a_first_rung_is_approved_without_a_promotion_difference(ledger):
    succeed(ledger, register(1),
            platform("P-1", 1, "municipal-innovation-platform", "2000000"), certify("P-1", {}))

    line = succeed(ledger, approve("P-1"))

    assert line["amount"] == "2000000.00"
    assert "PromotionDifferenceApplied" not in line["events"]


def test_an_approval_uses_up_the_annual_cap_for_the_next_quote(ledger):
    succeed(ledger, register(1),
            submit("A-1", 1, basis={"event_expenditure": "1200000"}, requested="600000"),
            submit("A-2", 1, basis={"event_expenditure": "1000000"}, requested="500000"))
    assert ledger.quote("A-2", on=date(2025, 7, 2))["max_amount"] == "500000.00"

    succeed(ledger, certify("A-1", {"event_expenditure": "1200000"}), approve("A-1"))

    # tz-am-2025 art. 14: 1,000,000 a year per enterprise, 600,000 of 2025 now used.
    assert ledger.quote("A-2", on=date(2025, 7, 2))["max_amount"] == "400000.00"


def test_an_annual_cap_counts_by_tranche_year(ledger):
    succeed(ledger, register(1),
            submit("A-1", 1, basis={"event_expenditure": "1200000"}, requested="600000"),
            certify("A-1", {"event_expenditure": "1200000"}), approve("A-1"),
            submit("A-2", 1, basis={"event_expenditure": "1000000"}, requested="500000"))

    assert ledger.quote("A-2", on=date(2026, 1, 5))["max_amount"] == "500000.00"


def test_a_second_approval_under_an_annual_cap_gets_what_remains(ledger):
    succeed(ledger, register(1),
            submit("A-1", 1, basis={"event_expenditure": "1200000"}, requested="600000"),
            certify("A-1", {"event_expenditure": "1200000"}), approve("A-1"),
            submit("A-2", 1, basis={"event_expenditure": "1000000"}, requested="500000"),
            certify("A-2", {"event_expenditure": "1000000"}))

    assert succeed(ledger, approve("A-2"))["amount"] == "400000.00"


# -- RejectApplication ----------------------------------------------------------------


def test_rejecting_a_submitted_application_answers_an_application_rejected_event(ledger):
    succeed(ledger, register(1), submit("A-1", 1))

    line = succeed(ledger, {"type": "RejectApplication", "at": "2025-06-15",
                            "application_id": "A-1", "reason": "incomplete materials"})

    assert line["command"] == "RejectApplication"
    assert line["events"] == ["ApplicationRejected"]
    assert line["application_id"] == "A-1"


def test_a_certified_application_may_be_rejected(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"))

    line = succeed(ledger, {"type": "RejectApplication", "at": "2025-06-25",
                            "application_id": "A-1", "reason": "not a Tongzhou event"})

    assert line["events"] == ["ApplicationRejected"]
    assert ledger.quote("A-1", on=date(2025, 6, 25))["status"] == "rejected"


def test_a_rejected_application_can_no_longer_be_approved(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"),
            {"type": "RejectApplication", "at": "2025-06-25", "application_id": "A-1",
             "reason": "not a Tongzhou event"})

    result = run(ledger, approve("A-1"))[0]

    assert result["ok"] is False
    assert result["error"]["code"] == "invalid_transition"


# -- DisburseTranche ------------------------------------------------------------------


def test_disbursing_answers_the_tranche_year_and_amount(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"))

    line = succeed(ledger, disburse("A-1", 2025))

    assert line["command"] == "DisburseTranche"
    assert line["events"] == ["TrancheDisbursed"]
    assert line["application_id"] == "A-1"
    assert line["year"] == 2025
    assert line["amount"] == "400000.00"


def test_paying_the_only_tranche_completes_the_award(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"),
            disburse("A-1", 2025))

    assert ledger.quote("A-1", on=date(2025, 8, 1))["status"] == "completed"


def test_the_first_tranche_of_a_multi_year_award_needs_no_evaluation(ledger):
    succeed(ledger, register(1), pilot_testing("T-1", 1),
            certify("T-1", {"verified_total_investment": "10000000"}),
            approve("T-1", tranches=THREE_TRANCHES))

    line = succeed(ledger, disburse("T-1", 2025))

    assert line["amount"] == "1200000.00"


def test_every_tranche_of_a_multi_year_award_is_paid_after_passed_evaluations(ledger):
    succeed(ledger, register(1), pilot_testing("T-1", 1),
            certify("T-1", {"verified_total_investment": "10000000"}),
            approve("T-1", tranches=THREE_TRANCHES),
            disburse("T-1", 2025), evaluate("T-1", 2025, "pass"),
            disburse("T-1", 2026), evaluate("T-1", 2026, "pass"))

    line = succeed(ledger, disburse("T-1", 2027))

    assert line["amount"] == "800000.00"
    assert ledger.quote("T-1", on=date(2027, 8, 1))["status"] == "completed"


# -- RecordEvaluation -----------------------------------------------------------------


def test_a_passed_evaluation_answers_an_evaluation_recorded_event(ledger):
    succeed(ledger, register(1), pilot_testing("T-1", 1),
            certify("T-1", {"verified_total_investment": "10000000"}),
            approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025))

    line = succeed(ledger, evaluate("T-1", 2025, "pass"))

    assert line["command"] == "RecordEvaluation"
    assert line["events"] == ["EvaluationRecorded"]
    assert line["application_id"] == "T-1"
    assert line["status"] == "approved"


def test_a_passed_evaluation_lets_the_next_tranche_be_paid(ledger):
    succeed(ledger, register(1), pilot_testing("T-1", 1),
            certify("T-1", {"verified_total_investment": "10000000"}),
            approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025),
            evaluate("T-1", 2025, "pass"))

    assert succeed(ledger, disburse("T-1", 2026))["amount"] == "1000000.00"


def test_a_failed_evaluation_stops_the_award(ledger):
    succeed(ledger, register(1), pilot_testing("T-1", 1),
            certify("T-1", {"verified_total_investment": "10000000"}),
            approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025))

    line = succeed(ledger, evaluate("T-1", 2025, "fail"))

    assert line["status"] == "stopped"
    assert line["events"][0] == "EvaluationRecorded"


def test_a_failed_evaluation_stops_the_later_tranches(ledger):
    succeed(ledger, register(1), pilot_testing("T-1", 1),
            certify("T-1", {"verified_total_investment": "10000000"}),
            approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025),
            evaluate("T-1", 2025, "fail"))
    before = ledger.recorder.max_notification_id()

    later = run(ledger, disburse("T-1", 2026), disburse("T-1", 2027))

    assert [r["ok"] for r in later] == [False, False]
    assert ledger.recorder.max_notification_id() == before


def test_a_failed_evaluation_releases_the_unpaid_tranches_from_the_enterprise_caps(ledger):
    # tz-am-2025 art. 8: at most 5,000,000 per enterprise for a municipal incubation base.
    succeed(ledger, register(1), incubation_base("B-1", 1), certify("B-1", {}),
            approve("B-1", tranches=[{"year": 2025, "amount": "2000000"},
                                     {"year": 2026, "amount": "2000000"},
                                     {"year": 2027, "amount": "1000000"}]),
            disburse("B-1", 2025),
            incubation_base("B-2", 1, at="2025-08-01"))
    assert ledger.quote("B-2", on=date(2025, 12, 1))["max_amount"] == "0.00"

    succeed(ledger, evaluate("B-1", 2025, "fail"))

    assert ledger.quote("B-2", on=date(2025, 12, 20))["max_amount"] == "3000000.00"


def test_a_new_application_can_be_approved_in_the_room_a_failed_evaluation_released(ledger):
    succeed(ledger, register(1), incubation_base("B-1", 1), certify("B-1", {}),
            approve("B-1", tranches=[{"year": 2025, "amount": "2000000"},
                                     {"year": 2026, "amount": "2000000"},
                                     {"year": 2027, "amount": "1000000"}]),
            disburse("B-1", 2025), evaluate("B-1", 2025, "fail"),
            incubation_base("B-2", 1, at="2026-01-10"), certify("B-2", {}, at="2026-01-11"))

    line = succeed(ledger, approve("B-2", at="2026-01-12"))

    assert line["amount"] == "3000000.00"


# -- RevokeAward ----------------------------------------------------------------------


def test_revoking_an_award_makes_the_disbursed_amount_a_clawback_due(ledger):
    succeed(ledger, register(1), pilot_testing("T-1", 1),
            certify("T-1", {"verified_total_investment": "10000000"}),
            approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025),
            evaluate("T-1", 2025, "pass"), disburse("T-1", 2026))

    line = succeed(ledger, {"type": "RevokeAward", "at": "2026-09-01",
                            "application_id": "T-1", "reason": "false materials"})

    assert line["command"] == "RevokeAward"
    assert line["application_id"] == "T-1"
    assert line["clawback_due"] == "2200000.00"
    assert "AwardRevoked" in line["events"]


def test_revoking_an_award_before_any_payment_leaves_no_clawback(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"))

    line = succeed(ledger, {"type": "RevokeAward", "at": "2025-07-15",
                            "application_id": "A-1", "reason": "false materials"})

    assert line["clawback_due"] == "0.00"


def test_a_completed_award_may_be_revoked_with_everything_paid_due_back(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"),
            disburse("A-1", 2025))

    line = succeed(ledger, {"type": "RevokeAward", "at": "2025-09-01",
                            "application_id": "A-1", "reason": "false materials"})

    assert line["clawback_due"] == "400000.00"


def test_a_revoked_award_pays_no_further_tranches(ledger):
    succeed(ledger, register(1), pilot_testing("T-1", 1),
            certify("T-1", {"verified_total_investment": "10000000"}),
            approve("T-1", tranches=THREE_TRANCHES), disburse("T-1", 2025),
            evaluate("T-1", 2025, "pass"),
            {"type": "RevokeAward", "at": "2026-02-10", "application_id": "T-1",
             "reason": "false materials"})

    result = run(ledger, disburse("T-1", 2026))[0]

    assert result["ok"] is False


def test_a_revoked_award_releases_the_enterprise_caps(ledger):
    succeed(ledger, register(1),
            submit("A-1", 1, basis={"event_expenditure": "1200000"}, requested="600000"),
            certify("A-1", {"event_expenditure": "1200000"}), approve("A-1"),
            submit("A-2", 1, basis={"event_expenditure": "1000000"}, requested="500000"))
    assert ledger.quote("A-2", on=date(2025, 7, 2))["max_amount"] == "400000.00"

    succeed(ledger, {"type": "RevokeAward", "at": "2025-07-10", "application_id": "A-1",
                     "reason": "false materials"})

    assert ledger.quote("A-2", on=date(2025, 7, 10))["max_amount"] == "500000.00"


def test_a_new_application_can_be_approved_in_the_room_a_revocation_released(ledger):
    succeed(ledger, register(1), incubation_base("B-1", 1), certify("B-1", {}),
            approve("B-1"), disburse("B-1", 2025),
            {"type": "RevokeAward", "at": "2025-09-01", "application_id": "B-1",
             "reason": "false materials"},
            incubation_base("B-2", 1, at="2025-09-02"), certify("B-2", {}, at="2025-09-03"))

    line = succeed(ledger, approve("B-2", at="2025-09-04"))

    assert line["amount"] == "5000000.00"
