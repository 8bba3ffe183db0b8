"""What falls due, found from an enterprise's state on a day: the scheduler's judgement.

Each obligation opens on a day and is due by a deadline; the scheduler flags it
from the day it opens until it is met. The deadlines are the bureau's practice,
not the policy texts': configurable, with these defaults (README, "Scheduler").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

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


#: The scheduler's words for each kind, as recorded in its flags (FlagRaised.message);
#: the desk says them in its reader's language from the same values (web/messages.py).
MESSAGES = {
    "policy_lapsing": "{policy} lapses after {last_day}; the application is undecided",
    "tranche_due": "tranche {year} of {amount} yuan is due in {year}",
    "window_closing": "support window ends {ends} with {unpaid} tranche(s) unpaid",
    "evaluation_due": "performance evaluation of {year} is due",
    "clawback_due": "clawback of {amount} yuan is due after the revocation",
}
WHERE = "{application_id}, {policy} art. {article}"
_DECIMAL_VALUES = ("amount",)
_DATE_VALUES = ("last_day", "ends")


def message(kind: str, values: dict) -> str:
    """The recorded message of an obligation: its kind's words, then where it is."""
    plain = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
    return f"{MESSAGES[kind].format(**plain)} ({WHERE.format(**plain)})"


def _pattern(kind: str) -> re.Pattern:
    words = f"{MESSAGES[kind]} ({WHERE})"
    parts = re.split(r"\{(\w+)\}", words)
    seen, out = set(), []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(re.escape(part))
        elif part in seen:
            out.append(f"(?P={part})")
        else:
            seen.add(part)
            out.append(f"(?P<{part}>.+?)")
    return re.compile("^" + "".join(out) + "$")


_PATTERNS = {kind: _pattern(kind) for kind in MESSAGES}


def values_of(kind: str, recorded: str) -> dict | None:
    """The values a recorded message was made from (None when it reads otherwise)."""
    pattern = _PATTERNS.get(kind)
    found = pattern.match(recorded or "") if pattern else None
    if found is None:
        return None
    values: dict = dict(found.groupdict())
    for name in _DECIMAL_VALUES:
        if name in values:
            values[name] = Decimal(values[name])
    for name in _DATE_VALUES:
        if name in values:
            values[name] = date.fromisoformat(values[name])
    for name in ("year", "article", "unpaid"):
        if name in values and values[name].isdigit():
            values[name] = int(values[name])
    return values


def _of_application(app: AppState, catalogue: Catalogue,
                    deadlines: Deadlines) -> list[tuple[date, Obligation]]:
    """(the day it opens, the obligation) for everything this application will owe."""
    item = catalogue.item(app.policy, app.article, app.item)
    where = {"application_id": app.application_id, "policy": app.policy,
             "article": app.article}
    out = []

    def add(kind: str, key: str, opens: date, due: date, **values) -> None:
        values = {**values, **where}
        out.append((opens, Obligation(key=f"{kind}:{key}", kind=kind,
                                      application_id=app.application_id, policy=app.policy,
                                      due_on=due, message=message(kind, values),
                                      values=values)))

    if app.status in UNDECIDED:
        lapses = catalogue.policy(app.policy).valid_until
        if lapses is not None and app.submitted_on < lapses:
            last_day = lapses - timedelta(days=1)
            add("policy_lapsing", app.application_id,
                lapses - timedelta(days=deadlines.policy_warning_days), last_day,
                last_day=last_day)
    if app.status == Status.APPROVED:
        unpaid = [t for t in app.tranches if t["paid_on"] is None]
        for t in unpaid:
            add("tranche_due", f"{app.application_id}:{t['year']}", date(t["year"], 1, 1),
                date(t["year"], 12, 31), year=t["year"], amount=t["amount"])
        window = support_window(item, [t["year"] for t in app.tranches])
        if window is not None and unpaid:
            ends = date(window[1], 12, 31)
            add("window_closing", app.application_id,
                ends - timedelta(days=deadlines.window_warning_days), ends,
                ends=ends, unpaid=len(unpaid))
    if app.status in (Status.APPROVED, Status.COMPLETED) and len(app.tranches) > 1:
        for t in app.tranches:
            if t["paid_on"] is not None and t["year"] not in app.evaluations:
                year_end = date(t["year"], 12, 31)
                add("evaluation_due", f"{app.application_id}:{t['year']}",
                    year_end + timedelta(days=1),
                    year_end + timedelta(days=deadlines.evaluation_days), year=t["year"])
    if app.status == Status.REVOKED and app.clawback_due and app.revoked_on:
        add("clawback_due", app.application_id, app.revoked_on,
            app.revoked_on + timedelta(days=deadlines.clawback_days),
            amount=app.clawback_due)
    return out
