"""An application for support, from submission to its last tranche (or its end).

The lifecycle (which step is open in which status, and what it leaves) is
lifecycle/status.py; the checks that need only this application are the
`problems_*` methods here, which the ledger asks before it records a step and the
audit asks again on the replayed state before each recorded step.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from lifecycle.chain import Chained
from lifecycle.errors import Refused, invalid
from lifecycle.ids import aggregate_uuid
from lifecycle.status import Status, Step, after, check_step

RESULTS = ("pass", "fail")


def application_uuid(application_id: str) -> UUID:
    return aggregate_uuid("application", application_id)


class GrantApplication(Chained):
    class ApplicationSubmitted(Chained.Created):
        application_id: str
        enterprise_id: str
        policy: str
        article: int
        item: str
        project_id: str
        basis: dict
        requested_amount: Decimal
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            for name in ("application_id", "enterprise_id", "policy", "article", "item",
                         "project_id", "requested_amount"):
                setattr(agg, name, getattr(self, name))
            agg.claimed_basis, agg.basis = dict(self.basis), dict(self.basis)
            agg.submitted_on = agg.last_at = self.at
            agg.status = Status.SUBMITTED
            agg.certified_on = agg.approved_on = None
            agg.amount = None
            agg.tranches = []  # [{"year", "amount", "paid"}]
            agg.evaluations = {}  # year -> "pass" | "fail"
            agg.clawback_due = None
            agg.catalogue_version = None

    class ApplicationCertified(Chained.Event):
        basis: dict
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            agg.basis, agg.certified_on = dict(self.basis), self.at
            agg.status = after(Step.CERTIFY, agg.status)
            agg.last_at = self.at

    class PromotionDifferenceApplied(Chained.Event):
        """A higher rung pays only the difference to what lower rungs already paid."""

        ladder: str
        rung: str
        rung_cap: Decimal
        deducted: Decimal
        lower_awards: list
        at: date
        actor: str

    class ApplicationApproved(Chained.Event):
        amount: Decimal
        tranches: list  # [{"year": int, "amount": Decimal}]
        trace: list
        catalogue_version: str
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            agg.status = after(Step.APPROVE, agg.status)
            agg.amount, agg.approved_on = self.amount, self.at
            agg.tranches = [dict(t, paid=False) for t in self.tranches]
            agg.catalogue_version = self.catalogue_version
            agg.last_at = self.at

    class ApplicationRejected(Chained.Event):
        reason: str
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            agg.status, agg.last_at = after(Step.REJECT, agg.status), self.at

    class TrancheDisbursed(Chained.Event):
        year: int
        amount: Decimal
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            for t in agg.tranches:
                if t["year"] == self.year:
                    t["paid"] = True
            agg.status = after(Step.DISBURSE, agg.status,
                               all_paid=all(t["paid"] for t in agg.tranches))
            agg.last_at = self.at

    class EvaluationRecorded(Chained.Event):
        year: int
        result: str
        note: str
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            agg.evaluations[self.year] = self.result
            agg.status = after(Step.EVALUATE, agg.status, passed=self.result == "pass",
                               unpaid_left=bool(agg.unpaid_years()))
            agg.last_at = self.at

    class AwardRevoked(Chained.Event):
        reason: str
        clawback_due: Decimal
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            agg.status = after(Step.REVOKE, agg.status)
            agg.clawback_due, agg.last_at = self.clawback_due, self.at

    class RepaymentRecorded(Chained.Event):
        amount: Decimal
        note: str
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            agg.clawback_due -= self.amount
            agg.last_at = self.at

    # -- the checks that need only this application ----------------------------------

    def problems_step(self, step: Step, at: date) -> list[Refused]:
        """Is `step` open now, and is `at` not before the application's last event?"""
        try:
            check_step(step, self.status, self.application_id)
        except Refused as refused:
            return [refused]
        if at < self.last_at:
            return [invalid("at", "before_last_event", last=self.last_at)]
        return []

    def problems_disburse(self, year: int, at: date) -> list[Refused]:
        """Why the `year` tranche may not be paid on `at` (rules 3-4 and the evaluations)."""
        found = self.problems_step(Step.DISBURSE, at)
        if found:
            return found
        tranche = self.tranche(year)
        if tranche is None:
            return [invalid("year", "tranche_not_planned", year=year,
                            planned=[t["year"] for t in self.tranches])]
        if tranche["paid"]:
            return [Refused("invalid_transition", "tranche_already_paid", "year", year=year,
                            application_id=self.application_id)]
        if at.year < year:
            found.append(invalid("at", "before_tranche_year", year=year))
        earlier = [t for t in self.tranches if t["year"] < year]
        if any(not t["paid"] for t in earlier):
            found.append(Refused("invalid_transition", "earlier_tranche_unpaid", "year",
                                 year=year))
        elif earlier and self.evaluations.get(earlier[-1]["year"]) != "pass":
            found.append(Refused("evaluation_required", "evaluation_required", "year", year=year,
                                 evaluate=earlier[-1]["year"]))
        return found

    def problems_evaluate(self, year: int, result: str, at: date) -> list[Refused]:
        """Why `year` may not be evaluated on `at`: a paid year, once, after it has ended."""
        found = self.problems_step(Step.EVALUATE, at)
        if found:
            return found
        if result not in RESULTS:
            return [invalid("result", "not_one_of", allowed=list(RESULTS))]
        if year not in self.paid_years():
            return [invalid("year", "tranche_not_paid", year=year,
                            application_id=self.application_id)]
        if year in self.evaluations:
            return [Refused("invalid_transition", "already_evaluated", "year", year=year,
                            result=self.evaluations[year])]
        if at.year <= year:  # a year's performance is judged once the year is over (rule 9)
            return [invalid("at", "year_not_ended", year=year)]
        return []

    def problems_repay(self, amount: Decimal, at: date) -> list[Refused]:
        found = self.problems_step(Step.REPAY, at)
        if found:
            return found
        if amount <= 0:
            return [invalid("amount", "not_positive")]
        if amount > self.clawback_due:
            return [invalid("amount", "more_than_clawback_due", due=self.clawback_due)]
        return []

    def check(self, problems: list[Refused]) -> None:
        if problems:
            raise problems[0]

    # -- commands ---------------------------------------------------------------------

    @classmethod
    def submit(cls, **fields) -> GrantApplication:
        return cls.start(cls.ApplicationSubmitted,
                         id=application_uuid(fields["application_id"]), **fields)

    def certify(self, basis: dict, at: date, actor: str) -> None:
        self.check(self.problems_step(Step.CERTIFY, at))
        self.record(self.ApplicationCertified, basis=basis, at=at, actor=actor)

    def apply_promotion_difference(self, **fields) -> None:
        self.record(self.PromotionDifferenceApplied, **fields)

    def approve(self, amount: Decimal, tranches: list[dict], trace: list[dict],
                catalogue_version: str, at: date, actor: str) -> None:
        self.check(self.problems_step(Step.APPROVE, at))
        self.record(self.ApplicationApproved, amount=amount, tranches=tranches, trace=trace,
                    catalogue_version=catalogue_version, at=at, actor=actor)

    def reject(self, reason: str, at: date, actor: str) -> None:
        self.check(self.problems_step(Step.REJECT, at))
        self.record(self.ApplicationRejected, reason=reason, at=at, actor=actor)

    def disburse(self, year: int, at: date, actor: str) -> None:
        self.check(self.problems_disburse(year, at))
        self.record(self.TrancheDisbursed, year=year, amount=self.tranche(year)["amount"],
                    at=at, actor=actor)

    def evaluate(self, year: int, result: str, note: str, at: date, actor: str) -> None:
        self.check(self.problems_evaluate(year, result, at))
        self.record(self.EvaluationRecorded, year=year, result=result, note=note, at=at,
                    actor=actor)

    def revoke(self, reason: str, at: date, actor: str) -> None:
        self.check(self.problems_step(Step.REVOKE, at))
        self.record(self.AwardRevoked, reason=reason, clawback_due=self.disbursed(), at=at,
                    actor=actor)

    def record_repayment(self, amount: Decimal, note: str, at: date, actor: str) -> None:
        self.check(self.problems_repay(amount, at))
        self.record(self.RepaymentRecorded, amount=amount, note=note, at=at, actor=actor)

    # -- reading -----------------------------------------------------------------------

    def tranche(self, year: int) -> dict | None:
        return next((t for t in self.tranches if t["year"] == year), None)

    def unpaid_years(self) -> list[int]:
        return [t["year"] for t in self.tranches if not t["paid"]]

    def paid_years(self) -> list[int]:
        return [t["year"] for t in self.tranches if t["paid"]]

    def disbursed(self) -> Decimal:
        return sum((t["amount"] for t in self.tranches if t["paid"]), Decimal("0.00"))
