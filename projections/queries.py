"""Questions staff and auditors ask, answered from the views or, for the past, the log."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from lifecycle.enterprise import enterprise_uuid
from lifecycle.errors import CommandRefused
from lifecycle.ledger import Ledger
from projections import derive
from projections import state as fold
from projections.views import Views


def _not_found(enterprise_id: str) -> CommandRefused:
    return CommandRefused("not_found", f"no enterprise {enterprise_id}",
                          {"enterprise_id": "not registered"})


def state_from_log(ledger: Ledger, views: Views, enterprise_id: str, as_of: date | None = None,
                   known_at: datetime | None = None) -> fold.EnterpriseState | None:
    """The enterprise as it stood on business date `as_of`, as known at `known_at`.

    Reads the events of the enterprise and its applications from the log (the views
    only say which aggregates those are), keeps those that had happened by `as_of`
    and had been recorded by `known_at`, and folds them in recording order.
    """
    ids = views.aggregate_ids(enterprise_id) or [str(enterprise_uuid(enterprise_id))]
    application_of = {agg: owner[1] for agg, owner in views.owners(ids).items()}
    events = []
    for agg in ids:
        for event in ledger.events.get(UUID(agg)):
            if as_of is not None and getattr(event, "at", None) and event.at > as_of:
                break  # an aggregate's business dates never go back
            if known_at is not None and event.timestamp > known_at:
                break
            events.append(event)
    events.sort(key=lambda e: e.timestamp)
    state = None
    for event in events:
        if state is None and not isinstance(event, fold.E.EnterpriseRegistered):
            continue
        state = fold.apply(state, event, application_of.get(str(event.originator_id)))
    return state


def entitlement(ledger: Ledger, views: Views, enterprise_id: str, as_of: date | None = None,
                known_at: datetime | None = None) -> dict:
    """The contract's entitlement of one enterprise, now or on a past date."""
    if as_of is None and known_at is None:
        state = views.load([enterprise_id]).get(enterprise_id)
    else:
        state = state_from_log(ledger, views, enterprise_id, as_of, known_at)
    if state is None:
        raise _not_found(enterprise_id)
    answer = derive.entitlement(state, ledger.catalogue, flags=[])
    answer["as_of"] = as_of.isoformat() if as_of else None
    answer["known_at"] = known_at.isoformat() if known_at else None
    return answer
