"""What falls due, found from an enterprise's state on a day: the scheduler's judgement.

Each obligation opens on a day and is due by a deadline; the scheduler flags it
from the day it opens until it is met. The deadlines are the bureau's practice,
not the policy texts': configurable, with these defaults (README, "Scheduler").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lifecycle.commands import Obligation
from lifecycle.status import UNDECIDED, Status
from policies.calculator import support_window
from policies.catalogue import Catalogue
from projections.state import AppState, EnterpriseState


@dataclass(frozen=True)
class Deadlines:
    evaluation_days: int = 90  # an evaluation of year Y is due this long after Y ends
    window_warning_days: int = 90  # warn this long before a support window ends
    policy_warning_days: int = 60  # warn this long before a policy lapses
    clawback_days: int = 30  # a clawback is due this long after the revocation


def obligations(state: EnterpriseState, catalogue: Catalogue, on: date,
                deadlines: Deadlines = Deadlines()) -> list[Obligation]:
    """Every obligation of the enterprise open on `on` (due, or overdue)."""
    found = [o for app in state.applications.values()
             for o in _of_application(app, catalogue, deadlines) if o[0] <= on]
    return sorted((o for _, o in found), key=lambda o: (o.due_on, o.key))


def _of_application(app: AppState, catalogue: Catalogue,
                    deadlines: Deadlines) -> list[tuple[date, Obligation]]:
    """(the day it opens, the obligation) for everything this application will owe."""
    item = catalogue.item(app.policy, app.article, app.item)
    where = f"{app.application_id}, {app.policy} art. {app.article}"
    out = []

    def add(kind: str, key: str, opens: date, due: date, message: str) -> None:
        out.append((opens, Obligation(key=f"{kind}:{key}", kind=kind,
                                      application_id=app.application_id, policy=app.policy,
                                      due_on=due, message=f"{message} ({where})")))

    if app.status in UNDECIDED:
        lapses = catalogue.policy(app.policy).valid_until
        if lapses is not None and app.submitted_on < lapses:
            last_day = lapses - timedelta(days=1)
            add("policy_lapsing", app.application_id,
                lapses - timedelta(days=deadlines.policy_warning_days), last_day,
                f"{app.policy} lapses after {last_day.isoformat()}; the application is undecided")
    if app.status == Status.APPROVED:
        unpaid = [t for t in app.tranches if t["paid_on"] is None]
        for t in unpaid:
            add("tranche_due", f"{app.application_id}:{t['year']}", date(t["year"], 1, 1),
                date(t["year"], 12, 31),
                f"tranche {t['year']} of {t['amount']} yuan is due in {t['year']}")
        window = support_window(item, [t["year"] for t in app.tranches])
        if window is not None and unpaid:
            ends = date(window[1], 12, 31)
            add("window_closing", app.application_id,
                ends - timedelta(days=deadlines.window_warning_days), ends,
                f"support window ends {ends.isoformat()} with {len(unpaid)} tranche(s) unpaid")
    if app.status in (Status.APPROVED, Status.COMPLETED) and len(app.tranches) > 1:
        for t in app.tranches:
            if t["paid_on"] is not None and t["year"] not in app.evaluations:
                year_end = date(t["year"], 12, 31)
                add("evaluation_due", f"{app.application_id}:{t['year']}",
                    year_end + timedelta(days=1),
                    year_end + timedelta(days=deadlines.evaluation_days),
                    f"performance evaluation of {t['year']} is due")
    if app.status == Status.REVOKED and app.clawback_due and app.revoked_on:
        add("clawback_due", app.application_id, app.revoked_on,
            app.revoked_on + timedelta(days=deadlines.clawback_days),
            f"clawback of {app.clawback_due} yuan is due after the revocation")
    return out
