"""What the read models know of one enterprise, and how each event changes it.

The fold reads the application's own events for awards (they carry the detail)
and the enterprise's events for registration and dishonesty records; the ledger's
booking events mirror the application's and are not read twice. The same fold
serves the incremental follower, the rebuild and the past-date questions
(`--as-of`, `--known-at`), so all three answer alike.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from lifecycle.enterprise import EnterpriseLedger
from lifecycle.flags import FlagBoard
from lifecycle.grant import GrantApplication
from lifecycle.status import Status, Step, after, standing
from policies.facts import Award, Tranche

E, G, F = EnterpriseLedger, GrantApplication, FlagBoard


@dataclass(slots=True)
class AppState:
    application_id: str
    enterprise_id: str
    policy: str
    article: int
    item: str
    project_id: str
    requested_amount: Decimal
    claimed_basis: dict
    basis: dict
    submitted_on: date
    status: Status = Status.SUBMITTED
    certified_on: date | None = None
    decided_on: date | None = None
    amount: Decimal | None = None
    catalogue_version: str | None = None
    tranches: list = field(default_factory=list)  # {"year", "amount", "paid_on"}
    evaluations: dict = field(default_factory=dict)  # year -> {"result", "note", "at"}
    clawback_due: Decimal | None = None
    reason: str | None = None
    revoked_on: date | None = None

    def award(self) -> Award | None:
        """The award as the calculator counts it, or None before approval."""
        counts = standing(self.status)
        if counts is None:
            return None
        return Award(self.application_id, self.policy, self.article, self.item,
                     self.project_id, self.amount,
                     tuple(Tranche(t["year"], t["amount"], t["paid_on"] is not None)
                           for t in self.tranches),
                     counts)


@dataclass(slots=True)
class EnterpriseState:
    enterprise_id: str
    name: str
    size: str
    sectors: list
    registered_on: date
    dishonesty: list = field(default_factory=list)  # {"at", "note"}
    applications: dict = field(default_factory=dict)  # application_id -> AppState
    # key -> {"kind", "application_id", "policy", "due_on", "raised_on", "cleared_on", "message"}
    flags: dict = field(default_factory=dict)

    def open_flags(self) -> list[dict]:
        return sorted(({"key": k, **f} for k, f in self.flags.items() if f["cleared_on"] is None),
                      key=lambda f: (f["due_on"], f["key"]))

    def awards(self) -> tuple[Award, ...]:
        return tuple(a for a in (s.award() for s in self.applications.values()) if a)


@dataclass(frozen=True)
class Entry:
    """One event as the history view shows it."""

    notification_id: int
    enterprise_id: str
    application_id: str | None
    event: str
    at: date | None
    actor: str | None
    recorded_at: datetime


def enterprise_of(event) -> str | None:
    """The enterprise an event names itself (only the first event of each aggregate does)."""
    return getattr(event, "enterprise_id", None)


def apply(state: EnterpriseState | None, event, application_id: str | None) -> EnterpriseState:
    """`state` after `event`; `application_id` names the application an event belongs to."""
    kind = type(event)
    if kind is E.EnterpriseRegistered:
        return EnterpriseState(event.enterprise_id, event.name, event.size, list(event.sectors),
                               event.at)
    if kind is E.DishonestyRecorded:
        state.dishonesty.append({"at": event.at, "note": event.note})
        return state
    if kind is F.FlagRaised:
        state.flags[event.key] = {"kind": event.kind, "application_id": event.application_id,
                                  "policy": event.policy, "due_on": event.due_on,
                                  "raised_on": event.at, "cleared_on": None,
                                  "message": event.message}
        return state
    if kind is F.FlagCleared:
        if event.key in state.flags:
            state.flags[event.key]["cleared_on"] = event.at
        return state
    if kind is G.ApplicationSubmitted:
        # A rebuild holds every enterprise in memory: names that repeat across hundreds
        # of thousands of applications are kept once, and the claimed basis is shared
        # with the basis until a certification replaces it.
        basis = dict(event.basis)
        state.applications[event.application_id] = AppState(
            event.application_id, state.enterprise_id, sys.intern(event.policy), event.article,
            sys.intern(event.item), event.project_id, event.requested_amount, basis, basis,
            event.at)
        return state
    app = state.applications.get(application_id) if application_id else None
    if app is None:
        return state  # the enterprise's own booking events mirror the application's
    # The statuses follow the one state machine (lifecycle/status.py), as the aggregate's.
    if kind is G.ApplicationCertified:
        app.basis, app.certified_on = dict(event.basis), event.at
        app.status = after(Step.CERTIFY, app.status)
    elif kind is G.ApplicationApproved:
        app.status = after(Step.APPROVE, app.status)
        app.amount, app.decided_on = event.amount, event.at
        app.catalogue_version = event.catalogue_version
        app.tranches = [{"year": t["year"], "amount": t["amount"], "paid_on": None}
                        for t in event.tranches]
    elif kind is G.ApplicationRejected:
        app.status = after(Step.REJECT, app.status)
        app.decided_on, app.reason = event.at, event.reason
    elif kind is G.TrancheDisbursed:
        for t in app.tranches:
            if t["year"] == event.year:
                t["paid_on"] = event.at
        app.status = after(Step.DISBURSE, app.status,
                           all_paid=all(t["paid_on"] for t in app.tranches))
    elif kind is G.EvaluationRecorded:
        app.evaluations[event.year] = {"result": event.result, "note": event.note,
                                       "at": event.at}
        app.status = after(Step.EVALUATE, app.status, passed=event.result == "pass",
                           unpaid_left=any(t["paid_on"] is None for t in app.tranches))
    elif kind is G.AwardRevoked:
        app.status = after(Step.REVOKE, app.status)
        app.clawback_due, app.reason = event.clawback_due, event.reason
        app.revoked_on = event.at
    elif kind is G.RepaymentRecorded:
        app.clawback_due -= event.amount
    return state
