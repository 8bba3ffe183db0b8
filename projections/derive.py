"""What follows from an enterprise's state: totals, caps, support windows.

Caps are counted by the calculator's own `enterprise_caps`, the counting that
decides approvals; windows follow DOMAIN.md rule 4 (consecutive calendar years,
at most the article's number, from the first tranche year).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lifecycle.status import AWARDED
from policies.calculator import enterprise_caps, support_window
from policies.catalogue import Catalogue
from policies.facts import Award
from policies.money import yuan
from projections.state import EnterpriseState

ZERO = Decimal("0.00")


def caps(state: EnterpriseState, catalogue: Catalogue,
         awards: tuple[Award, ...] | None = None) -> list[dict]:
    """The enterprise's caps with what its awards use of them (`awards`: the state's,
    when the caller has them already)."""
    return [{
        "policy": u.cap.policy, "article": u.cap.article, "item": u.cap.item,
        "scope": u.cap.scope, "year": u.year, "project_id": u.project_id,
        "cap": yuan(u.cap.amount), "used": yuan(u.used), "remaining": yuan(u.remaining),
    } for u in enterprise_caps(catalogue, state.awards() if awards is None else awards)]


def windows(state: EnterpriseState, catalogue: Catalogue) -> list[dict]:
    """The support windows of the enterprise's multi-year awards."""
    rows = []
    for app in state.applications.values():
        if app.status not in AWARDED or not app.tranches:
            continue
        item = catalogue.item(app.policy, app.article, app.item)
        window = support_window(item, [t["year"] for t in app.tranches])
        if window is None:
            continue
        first, last = window
        rows.append({
            "application_id": app.application_id, "project_id": app.project_id,
            "enterprise_id": state.enterprise_id, "policy": app.policy,
            "article": app.article, "item": app.item, "status": app.status,
            "first_year": first, "last_year": last,
            "years_planned": len(app.tranches),
            "years_disbursed": sum(1 for t in app.tranches if t["paid_on"]),
            "ends_on": date(last, 12, 31).isoformat(),
        })
    return sorted(rows, key=lambda r: (r["ends_on"], r["application_id"]))


def sums(state: EnterpriseState, awards: tuple[Award, ...] | None = None
         ) -> tuple[Decimal, Decimal, Decimal]:
    """(awarded as counted against caps, disbursed, clawback due) of the enterprise."""
    awarded = sum((a.counted for a in (state.awards() if awards is None else awards)), ZERO)
    disbursed = clawback = ZERO
    for app in state.applications.values():
        for t in app.tranches:
            if t["paid_on"] is not None:
                disbursed += t["amount"]
        if app.clawback_due:
            clawback += app.clawback_due
    return awarded, disbursed, clawback


def totals(state: EnterpriseState) -> dict:
    """Awarded (as counted against caps), disbursed, clawback due, and both by year."""
    awards = state.awards()
    awarded, disbursed, clawback = sums(state, awards)
    by_year: dict[int, dict[str, Decimal]] = {}
    for award in awards:
        for year, amount in award.counted_by_year().items():
            by_year.setdefault(year, {"awarded": ZERO, "disbursed": ZERO})["awarded"] += amount
    for app in state.applications.values():
        for t in app.tranches:
            if t["paid_on"] is not None:
                by_year.setdefault(t["year"], {"awarded": ZERO, "disbursed": ZERO})[
                    "disbursed"] += t["amount"]
    return {
        "awarded_total": yuan(awarded), "disbursed_total": yuan(disbursed),
        "clawback_due_total": yuan(clawback),
        "by_year": {str(y): {k: yuan(v) for k, v in sorted(d.items())}
                    for y, d in sorted(by_year.items())},
    }


def open_flags(state: EnterpriseState) -> list[dict]:
    """The enterprise's flags raised and not cleared, as JSON-ready dicts."""
    return [{**f, "due_on": f["due_on"].isoformat(), "raised_on": f["raised_on"].isoformat()}
            for f in state.open_flags()]


def entitlement(state: EnterpriseState, catalogue: Catalogue) -> dict:
    """The contract's `grants entitlement` answer for one enterprise."""
    return {
        "enterprise_id": state.enterprise_id, "name": state.name, "size": state.size,
        **totals(state),
        "caps": caps(state, catalogue),
        "windows": windows(state, catalogue),
        "flags": open_flags(state),
    }
