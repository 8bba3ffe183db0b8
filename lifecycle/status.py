"""The one state machine of an application (DOMAIN.md, lifecycle).

    submitted -> certified -> approved -> (tranche paid, evaluation)* -> completed
         \\            \\           \\
          rejected     rejected    revoked; a failed evaluation stops the later tranches.

`Status` is the only spelling of a status; `ALLOWED` says in which statuses each
step may be taken, and `after` what a step leaves. The aggregate checks a step with
`check_step`, and the read-model fold, the audit and the pages ask the same two, so
a change of the lifecycle is one edit here.
"""

from __future__ import annotations

from enum import StrEnum

from lifecycle.errors import Refused
from policies.facts import Standing


class Status(StrEnum):
    SUBMITTED = "submitted"
    CERTIFIED = "certified"
    APPROVED = "approved"
    COMPLETED = "completed"
    STOPPED = "stopped"  # a failed evaluation stopped the later tranches
    REJECTED = "rejected"
    REVOKED = "revoked"


class Step(StrEnum):
    CERTIFY = "certify"
    APPROVE = "approve"
    REJECT = "reject"
    DISBURSE = "disburse"
    EVALUATE = "evaluate"
    REVOKE = "revoke"
    REPAY = "repay"


S = Status
#: An application that holds an award (it counts against caps, may be evaluated, revoked).
AWARDED = frozenset({S.APPROVED, S.COMPLETED, S.STOPPED})
#: An application not yet decided.
UNDECIDED = frozenset({S.SUBMITTED, S.CERTIFIED})
ALLOWED: dict[Step, frozenset[Status]] = {
    Step.CERTIFY: UNDECIDED,
    Step.APPROVE: frozenset({S.CERTIFIED}),
    Step.REJECT: UNDECIDED,
    Step.DISBURSE: frozenset({S.APPROVED}),
    Step.EVALUATE: AWARDED,
    Step.REVOKE: AWARDED,
    Step.REPAY: frozenset({S.REVOKED}),
}
#: How an award in each status counts against caps and ladders (policies.facts).
STANDING = {S.APPROVED: Standing.ACTIVE, S.COMPLETED: Standing.COMPLETED,
            S.STOPPED: Standing.STOPPED, S.REVOKED: Standing.REVOKED}


def allowed(step: Step, status: Status) -> bool:
    return status in ALLOWED[step]


def steps_open(status: Status) -> list[Step]:
    """The steps that may be taken in `status`, in the lifecycle's order."""
    return [step for step in Step if status in ALLOWED[step]]


def check_step(step: Step, status: Status, application_id: str) -> None:
    """Refuse `step` unless the lifecycle allows it in `status`."""
    if status in ALLOWED[step]:
        return
    if step is Step.APPROVE and status is S.SUBMITTED:
        raise Refused("invalid_transition", "not_certified", application_id=application_id)
    if step is Step.DISBURSE and status is S.STOPPED:
        raise Refused("invalid_transition", "award_stopped", application_id=application_id)
    raise Refused("invalid_transition", "step_not_allowed", application_id=application_id,
                  step=str(step), status=str(status))


def after(step: Step, status: Status, *, all_paid: bool = False, unpaid_left: bool = False,
          passed: bool = True) -> Status:
    """The status a step leaves.

    A disbursement completes the award when every tranche is paid; a failed
    evaluation with tranches still unpaid stops it.
    """
    if step is Step.CERTIFY:
        return S.CERTIFIED
    if step is Step.APPROVE:
        return S.APPROVED
    if step is Step.REJECT:
        return S.REJECTED
    if step is Step.REVOKE:
        return S.REVOKED
    if step is Step.DISBURSE:
        return S.COMPLETED if all_paid else status
    if step is Step.EVALUATE:
        return S.STOPPED if not passed and unpaid_left else status
    return status


def standing(status: Status) -> Standing | None:
    """How an application's award counts against caps, or None before approval."""
    return STANDING.get(status)
