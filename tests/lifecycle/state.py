"""The business state of a store, comparable between runs.

Recording times and the hashes that cover them differ from run to run; the
facts (which aggregate, which event, in which order, with which business fields)
must not.
"""

from __future__ import annotations

from lifecycle.chain import canonical
from lifecycle.ledger import Ledger

RUN_SPECIFIC = ("timestamp", "prev_hash", "chain_hash")


def facts(ledger: Ledger) -> list[tuple]:
    """Every stored event as (aggregate id, version, event name, business fields), in order."""
    rows = []
    start, top = 1, ledger.recorder.max_notification_id() or 0
    while start <= top:
        batch = ledger.recorder.select_notifications(start, 1000)
        if not batch:
            break
        for n in batch:
            event = ledger.mapper.to_domain_event(n)
            fields = {k: v for k, v in vars(event).items()
                      if k not in RUN_SPECIFIC and k not in ("originator_id", "originator_version")}
            rows.append((str(n.originator_id), n.originator_version, type(event).__name__,
                         canonical(fields)))
        start = batch[-1].id + 1
    return sorted(rows, key=lambda r: (r[0], r[1]))
