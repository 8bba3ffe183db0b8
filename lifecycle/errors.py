"""Refusals: the domain says no in codes and values, never in sentences.

A `Refused` carries the contract's error code (DOMAIN.md), a reason (what exactly
was wrong, a key of the message catalogues at the edge), the field it concerns and
the values a message needs (amounts as Decimal, dates, years, articles). The edge
(the command line's JSON line, the API body, a page) makes the sentence, in the
reader's language.
"""

from __future__ import annotations

from typing import Any

CODES = (
    "invalid_command", "not_found", "duplicate_id", "invalid_transition",
    "policy_not_in_force", "ineligible", "duplicate_support", "exceeds_entitlement",
    "evaluation_required", "conflict",
)


class Refused(Exception):
    """A command the ledger will not carry out; nothing was written."""

    def __init__(self, code: str, reason: str, field: str | None = None, **values: Any):
        if code not in CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(code, reason, field, values)
        self.code, self.reason, self.field, self.values = code, reason, field, values

    @property
    def fields(self) -> dict[str, str]:
        """The field concerned, with the reason (the contract's `fields`, before words)."""
        return {self.field: self.reason} if self.field else {}

    def __repr__(self) -> str:
        return f"Refused({self.code!r}, {self.reason!r}, {self.field!r}, **{self.values!r})"


def invalid(field: str, reason: str, **values: Any) -> Refused:
    """The input is malformed: `field` names what, `reason` why."""
    return Refused("invalid_command", reason, field, **values)
