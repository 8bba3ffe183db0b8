"""Questions staff and auditors ask, answered from the views or, for the past, the log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from uuid import UUID

from lifecycle.enterprise import enterprise_uuid
from lifecycle.errors import Refused
from lifecycle.integrity import stored_records
from lifecycle.ledger import Ledger
from projections import derive, records
from projections import state as fold
from projections.obligations import Deadlines, obligations
from projections.views import Views


def _not_found(enterprise_id: str) -> Refused:
    return Refused("not_found", "enterprise_not_registered", "enterprise_id",
                   enterprise_id=enterprise_id)


def state_from_log(ledger: Ledger, views: Views, enterprise_id: str, as_of: date | None = None,
                   known_at: datetime | None = None) -> fold.EnterpriseState | None:
    """The enterprise as it stood on business date `as_of`, as known at `known_at`.

    Reads the events of the enterprise and its applications from the log (the views
    only say which aggregates those are), keeps those that had happened by `as_of`
    and had been recorded by `known_at`, and folds them in recording order.
    """
    ids = views.aggregate_ids(enterprise_id) or [str(enterprise_uuid(enterprise_id))]
    application_of = {agg: owner[1] for agg, owner in views.owners(ids).items()}
    read = records.Reader(ledger.mapper)
    events = []
    for agg in ids:
        for record in map(read, ledger.recorder.select_events(UUID(agg))):
            at = records.day(record.fields.get("at"))
            if as_of is not None and at and at > as_of:
                # An application's steps are in date order, but a fact about the
                # enterprise may be recorded later with an earlier date (rule 9).
                continue
            recorded = records.moment(record.fields["timestamp"])
            if known_at is not None and recorded > known_at:
                break
            events.append((recorded, record))
    events.sort(key=lambda e: e[0])
    state = None
    for _, record in events:
        if state is None and record.topic != fold.REGISTERED:
            continue
        state = fold.apply(state, record, application_of.get(record.aggregate))
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
    answer = derive.entitlement(state, ledger.catalogue)
    answer["as_of"] = as_of.isoformat() if as_of else None
    answer["known_at"] = known_at.isoformat() if known_at else None
    return answer


def states_as_of(ledger: Ledger, views: Views, on: date) -> Iterator[fold.EnterpriseState]:
    """Every enterprise as it stood on business date `on`.

    When nothing in the views is dated after `on`, the views are that state; otherwise
    one pass over the log folds every event dated on or before `on`.
    """
    latest = views.db.execute("SELECT max(at) FROM history").fetchone()[0]
    if latest is None or date.fromisoformat(latest) <= on:
        ids = [r[0] for r in views.db.execute("SELECT enterprise_id FROM enterprises "
                                              "ORDER BY enterprise_id")]
        for i in range(0, len(ids), 200):
            yield from views.load(ids[i:i + 200]).values()
        return
    owners: dict[str, tuple[str, str | None]] = {}
    states: dict[str, fold.EnterpriseState] = {}
    read = records.Reader(ledger.mapper)
    for record in map(read, stored_records(ledger)):
        if not record.topic.startswith(fold.OWNED):
            continue
        at = records.day(record.fields.get("at"))
        if at is None or at > on:
            continue
        agg = record.aggregate
        if agg not in owners:
            enterprise = fold.enterprise_of(record)
            if enterprise is None:
                continue
            owners[agg] = (enterprise, record.fields.get("application_id"))
        enterprise, application = owners[agg]
        if enterprise in states or record.topic == fold.REGISTERED:
            states[enterprise] = fold.apply(states.get(enterprise), record, application)
    yield from (states[e] for e in sorted(states))


def flags_on(ledger: Ledger, views: Views, on: date,
             deadlines: Deadlines | None = None) -> list[dict]:
    """What the scheduler flags on `on`: every obligation open that day, by due date."""
    deadlines = deadlines or Deadlines()
    rows = []
    for state in states_as_of(ledger, views, on):
        for o in obligations(state, ledger.catalogue, on, deadlines):
            rows.append({"enterprise_id": state.enterprise_id, "name": state.name,
                         "key": o.key, "kind": o.kind, "application_id": o.application_id,
                         "policy": o.policy, "due_on": o.due_on.isoformat(),
                         "overdue": on > o.due_on, "message": o.message})
    return sorted(rows, key=lambda r: (r["due_on"], r["enterprise_id"], r["key"]))
