"""The commands of the contract (DOMAIN.md), as plain values.

Whoever reads the input (the command line, the JSON API, a web form) builds one
of these and hands it to `Ledger.execute`; that is the only way to write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

SYSTEM = "system"


@dataclass(frozen=True, kw_only=True)
class Command:
    at: date
    actor: str = SYSTEM
    command_id: str | None = None  # the sender's: a command with a recorded id runs once


@dataclass(frozen=True, kw_only=True)
class RegisterEnterprise(Command):
    enterprise_id: str
    name: str
    size: str
    sectors: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class RecordDishonesty(Command):
    enterprise_id: str
    note: str


@dataclass(frozen=True, kw_only=True)
class SubmitApplication(Command):
    application_id: str
    enterprise_id: str
    policy: str
    article: int
    item: str | None = None
    project_id: str | None = None
    basis: dict[str, Decimal] = field(default_factory=dict)
    requested_amount: Decimal


@dataclass(frozen=True, kw_only=True)
class CertifyApplication(Command):
    application_id: str
    basis: dict[str, Decimal]


@dataclass(frozen=True, kw_only=True)
class Tranche:
    year: int
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class ApproveApplication(Command):
    application_id: str
    amount: Decimal | None = None
    tranches: list[Tranche] | None = None


@dataclass(frozen=True, kw_only=True)
class RejectApplication(Command):
    application_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class DisburseTranche(Command):
    application_id: str
    year: int


@dataclass(frozen=True, kw_only=True)
class RecordEvaluation(Command):
    application_id: str
    year: int
    result: str  # "pass" | "fail"
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class RevokeAward(Command):
    application_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordRepayment(Command):
    """Money of a revoked award paid back (an addition to the contract: see README)."""

    application_id: str
    amount: Decimal
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Obligation:
    """Something the scheduler finds due or overdue for an enterprise on a day."""

    key: str
    kind: str
    application_id: str | None
    policy: str | None
    due_on: date
    message: str
    #: What the message is made from (amounts, years, dates), for words in other languages.
    values: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, kw_only=True)
class ReconcileFlags(Command):
    """The scheduler's daily judgement for one enterprise: these obligations are open.

    Not part of the contract's input: only the scheduler builds it. Flags not yet
    raised are raised; raised flags no longer due are cleared.
    """

    enterprise_id: str
    due: tuple[Obligation, ...]


ALL = (RegisterEnterprise, RecordDishonesty, SubmitApplication, CertifyApplication,
       ApproveApplication, RejectApplication, DisburseTranche, RecordEvaluation, RevokeAward,
       RecordRepayment)
BY_NAME = {c.__name__: c for c in ALL}


# -- not the contract's: only the service's own edges build these (never `grants apply`) --


@dataclass(frozen=True, kw_only=True)
class UserCommand(Command):
    """A change to a user account (lifecycle/accounts.py); hashes only, never secrets."""

    username: str


@dataclass(frozen=True, kw_only=True)
class AddUser(UserCommand):
    role: str
    password_hash: str
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class ChangePassword(UserCommand):
    password_hash: str


@dataclass(frozen=True, kw_only=True)
class ChangeRole(UserCommand):
    role: str


@dataclass(frozen=True, kw_only=True)
class IssueToken(UserCommand):
    token_hash: str


@dataclass(frozen=True, kw_only=True)
class RevokeToken(UserCommand):
    """The user's API token stops working (the account stays as it is)."""


@dataclass(frozen=True, kw_only=True)
class DisableUser(UserCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class EnableUser(UserCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class AnswerRequest(Command):
    """The API's answer to a request sent with an Idempotency-Key (lifecycle/command_log.py)."""

    username: str
    key: str
    fingerprint: str
    status: int
    content_type: str
    body: str


@dataclass(frozen=True, kw_only=True)
class ClaimDailyRun(Command):
    """A node's claim to run the daily job of the day `at` (lifecycle/daily_run.py)."""

    node: str


@dataclass(frozen=True, kw_only=True)
class FinishDailyRun(Command):
    """The daily job of the day `at` has run, with what it found."""

    node: str
    summary: dict
