"""Small builders of contract commands (as JSON dicts) for tests."""

from __future__ import annotations

from lifecycle.credit_code import check_character


def credit_code(n: int) -> str:
    """A valid unified social credit code, different for each n."""
    body = f"91110112MA{n:07d}"
    return body + check_character(body)


def register(n: int, size: str = "small", at: str = "2025-06-02", **extra) -> dict:
    return {"type": "RegisterEnterprise", "at": at, "enterprise_id": credit_code(n),
            "name": f"Enterprise {n}", "size": size, "sectors": ["intelligent-equipment"],
            **extra}


def submit(app: str, n: int, policy: str = "tz-am-2025", article: int = 14,
           basis: dict | None = None, requested: str = "400000", at: str = "2025-06-10",
           **extra) -> dict:
    return {"type": "SubmitApplication", "at": at, "application_id": app,
            "enterprise_id": credit_code(n), "policy": policy, "article": article,
            "basis": basis if basis is not None else {"event_expenditure": "800000"},
            "requested_amount": requested, **extra}


def certify(app: str, basis: dict | None = None, at: str = "2025-06-20") -> dict:
    return {"type": "CertifyApplication", "at": at, "application_id": app,
            "basis": basis if basis is not None else {"event_expenditure": "800000"}}


def approve(app: str, at: str = "2025-07-01", **extra) -> dict:
    return {"type": "ApproveApplication", "at": at, "application_id": app, **extra}


def disburse(app: str, year: int, at: str | None = None) -> dict:
    return {"type": "DisburseTranche", "at": at or f"{year}-07-01", "application_id": app,
            "year": year}


def evaluate(app: str, year: int, result: str = "pass", at: str | None = None) -> dict:
    # A year's performance is judged once the year has ended (DOMAIN.md rule 9).
    return {"type": "RecordEvaluation", "at": at or f"{year + 1}-01-15", "application_id": app,
            "year": year, "result": result, "note": "annual review"}
