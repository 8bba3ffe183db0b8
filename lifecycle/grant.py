"""An application for support, from submission to its last tranche (or its end).

submitted -> certified -> approved -> (tranche paid, evaluation)* -> completed
     \\            \\           \\
      rejected     rejected    revoked; a failed evaluation stops the later tranches.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid5

from lifecycle.chain import Chained

SUBMITTED, CERTIFIED, APPROVED, COMPLETED = "submitted", "certified", "approved", "completed"
REJECTED, REVOKED, STOPPED = "rejected", "revoked", "stopped"
AWARDED = (APPROVED, COMPLETED, STOPPED)


def application_uuid(application_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"grant-ledger:application:{application_id}")


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
            agg.status = SUBMITTED
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
            agg.basis, agg.status, agg.certified_on = dict(self.basis), CERTIFIED, self.at
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
            agg.status, agg.amount, agg.approved_on = APPROVED, self.amount, self.at
            agg.tranches = [dict(t, paid=False) for t in self.tranches]
            agg.catalogue_version = self.catalogue_version
            agg.last_at = self.at

    class ApplicationRejected(Chained.Event):
        reason: str
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            agg.status, agg.last_at = REJECTED, self.at

    class TrancheDisbursed(Chained.Event):
        year: int
        amount: Decimal
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            for t in agg.tranches:
                if t["year"] == self.year:
                    t["paid"] = True
            if all(t["paid"] for t in agg.tranches):
                agg.status = COMPLETED
            agg.last_at = self.at

    class EvaluationRecorded(Chained.Event):
        year: int
        result: str
        note: str
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            agg.evaluations[self.year] = self.result
            if self.result == "fail" and agg.unpaid_years():
                agg.status = STOPPED
            agg.last_at = self.at

    class AwardRevoked(Chained.Event):
        reason: str
        clawback_due: Decimal
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            agg.status, agg.clawback_due, agg.last_at = REVOKED, self.clawback_due, self.at

    class RepaymentRecorded(Chained.Event):
        amount: Decimal
        note: str
        at: date
        actor: str

        def apply(self, agg: GrantApplication) -> None:
            agg.clawback_due -= self.amount
            agg.last_at = self.at

    # -- commands (the checks that need only this application live in the ledger) -----

    @classmethod
    def submit(cls, **fields) -> GrantApplication:
        return cls.start(cls.ApplicationSubmitted,
                         id=application_uuid(fields["application_id"]), **fields)

    def certify(self, basis: dict, at: date, actor: str) -> None:
        self.record(self.ApplicationCertified, basis=basis, at=at, actor=actor)

    def apply_promotion_difference(self, **fields) -> None:
        self.record(self.PromotionDifferenceApplied, **fields)

    def approve(self, amount: Decimal, tranches: list[dict], trace: list[dict],
                catalogue_version: str, at: date, actor: str) -> None:
        self.record(self.ApplicationApproved, amount=amount, tranches=tranches, trace=trace,
                    catalogue_version=catalogue_version, at=at, actor=actor)

    def reject(self, reason: str, at: date, actor: str) -> None:
        self.record(self.ApplicationRejected, reason=reason, at=at, actor=actor)

    def disburse(self, year: int, amount: Decimal, at: date, actor: str) -> None:
        self.record(self.TrancheDisbursed, year=year, amount=amount, at=at, actor=actor)

    def evaluate(self, year: int, result: str, note: str, at: date, actor: str) -> None:
        self.record(self.EvaluationRecorded, year=year, result=result, note=note, at=at,
                    actor=actor)

    def revoke(self, reason: str, at: date, actor: str) -> None:
        self.record(self.AwardRevoked, reason=reason, clawback_due=self.disbursed(), at=at,
                    actor=actor)

    def record_repayment(self, amount: Decimal, note: str, at: date, actor: str) -> None:
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
