"""What the read models know of one enterprise, and how each event changes it.

The fold reads the application's own events for awards (they carry the detail)
and the enterprise's events for registration and dishonesty records; the ledger's
booking events mirror the application's and are not read twice. It folds the log's
records as projections/records.py reads them (by topic; a field becomes a date or an
amount only where it is read), and the same fold serves the incremental follower, the
rebuild and the past-date questions (`--as-of`, `--known-at`, the daily job), so all
answer alike (tests/projections/test_properties.py).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from eventsourcing.utils import get_topic

from lifecycle.enterprise import EnterpriseLedger
from lifecycle.flags import FlagBoard
from lifecycle.grant import GrantApplication
from lifecycle.status import Status, Step, after, standing
from policies.facts import Award, Tranche
from projections.records import Record, basis_text, day, money

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
    claimed_basis: str  # JSON text, as the views keep it (projections/records.py)
    basis: str
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
    #: The name's sort key as the views hold it (projections/pinyin.py), when loaded from
    #: them: a name never changes once registered, so a catch-up need not read it again.
    name_key: str | None = field(default=None, compare=False)

    def open_flags(self) -> list[dict]:
        return sorted(({"key": k, **f} for k, f in self.flags.items() if f["cleared_on"] is None),
                      key=lambda f: (f["due_on"], f["key"]))

    def awards(self) -> tuple[Award, ...]:
        return tuple(a for a in (s.award() for s in self.applications.values()) if a)


def enterprise_of(record: Record) -> str | None:
    """The enterprise a record names itself (only the first event of each aggregate does)."""
    return record.fields.get("enterprise_id")


def apply(state: EnterpriseState | None, record: Record,
          application_id: str | None) -> EnterpriseState:
    """`state` after the event `record`; `application_id` names the application an event
    belongs to. Events the read models do not fold leave the state as it is."""
    step = _STEPS.get(record.topic)
    if step is None:
        return state
    return step(state, record.fields, application_id)


def _registered(state, f, _application):
    return EnterpriseState(f["enterprise_id"], f["name"], f["size"], list(f["sectors"]),
                           day(f["at"]))


def _dishonesty(state, f, _application):
    state.dishonesty.append({"at": day(f["at"]), "note": f["note"]})
    return state


def _flag_raised(state, f, _application):
    state.flags[f["key"]] = {"kind": f["kind"], "application_id": f["application_id"],
                             "policy": f["policy"], "due_on": day(f["due_on"]),
                             "raised_on": day(f["at"]), "cleared_on": None,
                             "message": f["message"]}
    return state


def _flag_cleared(state, f, _application):
    if f["key"] in state.flags:
        state.flags[f["key"]]["cleared_on"] = day(f["at"])
    return state


def _submitted(state, f, _application):
    # A rebuild holds every enterprise in memory: names that repeat across hundreds of
    # thousands of applications are kept once, and the claimed basis is kept as the text
    # the views store, shared with the basis until a certification replaces it.
    basis = basis_text(f["basis"])
    state.applications[f["application_id"]] = AppState(
        f["application_id"], state.enterprise_id, sys.intern(f["policy"]), f["article"],
        sys.intern(f["item"]), f["project_id"], money(f["requested_amount"]), basis, basis,
        day(f["at"]))
    return state


def _of_application(step):
    """A step of an application's own: applied to the application the event belongs to
    (the enterprise's booking events mirror the application's and are not folded)."""
    def applied(state, f, application_id):
        app = state.applications.get(application_id) if application_id else None
        if app is not None:
            step(app, f)
        return state
    return applied


# The statuses follow the one state machine (lifecycle/status.py), as the aggregate's.
def _certified(app: AppState, f) -> None:
    app.basis, app.certified_on = basis_text(f["basis"]), day(f["at"])
    app.status = after(Step.CERTIFY, app.status)


def _approved(app: AppState, f) -> None:
    app.status = after(Step.APPROVE, app.status)
    app.amount, app.decided_on = money(f["amount"]), day(f["at"])
    app.catalogue_version = f["catalogue_version"]
    app.tranches = [{"year": t["year"], "amount": money(t["amount"]), "paid_on": None}
                    for t in f["tranches"]]


def _rejected(app: AppState, f) -> None:
    app.status = after(Step.REJECT, app.status)
    app.decided_on, app.reason = day(f["at"]), f["reason"]


def _disbursed(app: AppState, f) -> None:
    year, at = f["year"], day(f["at"])
    for t in app.tranches:
        if t["year"] == year:
            t["paid_on"] = at
    app.status = after(Step.DISBURSE, app.status,
                       all_paid=all(t["paid_on"] for t in app.tranches))


def _evaluated(app: AppState, f) -> None:
    result = f["result"]
    app.evaluations[f["year"]] = {"result": result, "note": f["note"], "at": day(f["at"])}
    app.status = after(Step.EVALUATE, app.status, passed=result == "pass",
                       unpaid_left=any(t["paid_on"] is None for t in app.tranches))


def _revoked(app: AppState, f) -> None:
    app.status = after(Step.REVOKE, app.status)
    app.clawback_due, app.reason = money(f["clawback_due"]), f["reason"]
    app.revoked_on = day(f["at"])


def _repaid(app: AppState, f) -> None:
    app.clawback_due -= money(f["amount"])


#: What each folded event does, by its topic.
_STEPS = {get_topic(cls): step for cls, step in (
    (E.EnterpriseRegistered, _registered),
    (E.DishonestyRecorded, _dishonesty),
    (F.FlagRaised, _flag_raised),
    (F.FlagCleared, _flag_cleared),
    (G.ApplicationSubmitted, _submitted),
    (G.ApplicationCertified, _of_application(_certified)),
    (G.ApplicationApproved, _of_application(_approved)),
    (G.ApplicationRejected, _of_application(_rejected)),
    (G.TrancheDisbursed, _of_application(_disbursed)),
    (G.EvaluationRecorded, _of_application(_evaluated)),
    (G.AwardRevoked, _of_application(_revoked)),
    (G.RepaymentRecorded, _of_application(_repaid)),
)}
#: The topic that starts an enterprise's state.
REGISTERED = get_topic(E.EnterpriseRegistered)
#: The aggregates whose events belong to an enterprise (and are its history).
OWNED = tuple(get_topic(cls) + "." for cls in (E, G, F))
