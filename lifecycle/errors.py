"""The contract's error codes, raised by the domain and turned into JSON lines by callers."""

from __future__ import annotations

CODES = (
    "invalid_command", "not_found", "duplicate_id", "invalid_transition",
    "policy_not_in_force", "ineligible", "duplicate_support", "exceeds_entitlement",
    "evaluation_required", "conflict",
)


class CommandRefused(Exception):
    """A command the ledger will not carry out; nothing was written."""

    def __init__(self, code: str, message: str, fields: dict | None = None):
        assert code in CODES, code
        super().__init__(message)
        self.code, self.message, self.fields = code, message, dict(fields or {})

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


def invalid(field: str, why: str) -> CommandRefused:
    return CommandRefused("invalid_command", f"{field}: {why}", {field: why})
