"""Checks the hash chains of the stored log: was any stored event changed,
removed, inserted or reordered?

Works on the stored records alone: each record's state is decoded without
upcasting, its hash recomputed, and its link to the aggregate's previous event
followed. The first broken link of each aggregate is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from eventsourcing.application import Application

from lifecycle.chain import GENESIS
from lifecycle.chain import chain_hash as _chain_hash

PAGE = 2000


@dataclass(frozen=True)
class BrokenLink:
    kind: str  # changed | removed | inserted | reordered
    aggregate_id: str
    version: int
    notification_id: int | None
    how: str  # which of the ways below the link broke: a key the edge has words for
    values: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "aggregate_id": self.aggregate_id, "version": self.version,
                "notification_id": self.notification_id, "how": self.how,
                "values": self.values}


def stored_records(app: Application) -> Iterator:
    """Every stored event in log order, streamed a page at a time."""
    start = 1
    while True:
        page = app.recorder.select_notifications(start, PAGE)
        if not page:
            return
        yield from page
        start = page[-1].id + 1


def verify(app: Application, records=None, decode=None,
           hashed=None) -> tuple[int, list[BrokenLink]]:
    """(events checked, first broken link of each aggregate whose chain is broken).

    `decode` turns a record's stored state into its fields (default: the app's
    transcoder); the audit passes one that decodes each record once for both checks,
    and `hashed`, the chain hash of what it decoded last (default: `chain_hash`)."""
    decode = decode or app.mapper.transcoder.decode
    chain_hash = hashed or _chain_hash
    heads: dict[str, tuple[int, str, int]] = {}  # aggregate -> (version, hash, notification)
    seen_hashes: dict[str, set[str]] = {}  # aggregate -> the hashes of its chain so far
    broken: dict[str, BrokenLink] = {}
    provisional: set[str] = set()  # "removed" findings that a swap would also explain
    count = 0
    for rec in records if records is not None else stored_records(app):
        count += 1
        agg = str(rec.originator_id)
        if agg in broken:
            link = broken[agg]
            if agg in provisional and rec.originator_version == link.version + 1:
                # A removal, or the event and the next one swapped: the next tells.
                provisional.discard(agg)
                try:
                    state = decode(rec.state)
                except Exception:  # noqa: BLE001 - the undecodable record has its own finding
                    continue
                if state.get("chain_hash") == chain_hash(rec.topic, agg,
                                                         link.version, state):
                    broken[agg] = BrokenLink("reordered", agg, link.version,
                                             link.notification_id, "swapped",
                                             {"first": link.version,
                                              "second": link.version + 1})
            continue
        try:
            state = decode(rec.state)
        except Exception:  # noqa: BLE001 - a mangled record is a finding, never a traceback
            broken[agg] = BrokenLink("changed", agg, rec.originator_version, rec.id,
                                     "undecodable")
            continue
        stored = state.get("chain_hash")
        version = rec.originator_version
        computed = chain_hash(rec.topic, agg, version, state)
        previous = heads.get(agg)
        expected_prev = previous[1] if previous else GENESIS
        if stored != computed:
            moved = next((v for v in range(1, version + 3) if v != version and
                          chain_hash(rec.topic, agg, v, state) == stored), None)
            if moved == version - 1:
                broken[agg] = BrokenLink("inserted", agg, version, rec.id, "shifted_up",
                                         {"moved": moved})
            elif moved == version + 1:
                broken[agg] = BrokenLink("removed", agg, version, rec.id, "shifted_down",
                                         {"moved": moved})
                provisional.add(agg)
            elif moved is not None:
                broken[agg] = BrokenLink("reordered", agg, version, rec.id, "moved",
                                         {"moved": moved})
            else:
                broken[agg] = BrokenLink("changed", agg, version, rec.id, "hash_mismatch")
            continue
        if state.get("prev_hash") != expected_prev:
            known = seen_hashes.get(agg, ())
            if previous and version > previous[0] + 1:
                broken[agg] = BrokenLink("removed", agg, version, rec.id, "versions_missing",
                                         {"first": previous[0] + 1, "last": version - 1})
            elif state.get("prev_hash") in known or (previous and version < previous[0]):
                broken[agg] = BrokenLink("reordered", agg, version, rec.id, "links_forward")
            elif previous is None and version > 1:
                broken[agg] = BrokenLink("removed", agg, version, rec.id, "first_missing",
                                         {"count": version - 1})
            else:
                broken[agg] = BrokenLink("inserted", agg, version, rec.id, "unlinked")
            continue
        if previous and rec.id < previous[2]:
            broken[agg] = BrokenLink("reordered", agg, version, rec.id, "before_predecessor")
            continue
        heads[agg] = (version, stored, rec.id)
        known = seen_hashes.get(agg)
        if known is None:
            seen_hashes[agg] = {stored}
        else:
            known.add(stored)
    return count, sorted(broken.values(), key=lambda b: (b.notification_id or 0))
