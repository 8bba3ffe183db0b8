"""Does the stored log still hold, unchanged and in order, everything a signed head committed to?

`audit_log` recomputes every leaf from the stored records alone (`lifecycle.log_leaf`),
the root of the first `size` records for every signed tree head it checks (RFC 9162
section 2.1.1), and compares. Heads come from outside (checkpoints an auditor kept,
`grants checkpoint`) and from the store's own `log_heads`. Only heads signed by one of
the given public keys count; someone without the key can neither forge a head nor
change a record a head covers unnoticed.

Where a root differs, the stored leaf table (`log_leaves`), once its own root has been
checked against the same signed head, says what the head committed to, leaf by leaf;
comparing it with the recomputed leaves names each change:

    record_changed     the same record (aggregate, version) at a position, other bytes
    record_removed     a record the head covered is gone (later ones moved up by one)
    records_lost       the log's tail is gone: records the head covered, up to its end
    record_inserted    a record the head did not cover stands among those it did
    record_reordered   a record moved to another position, or two records swapped contents
    record_renumbered  the same records in the same order, under other notification ids

and, about the heads and the records themselves:

    checkpoint_bad_signature, checkpoint_unknown_key   an outside checkpoint that fails
    head_bad_signature, head_unknown_key               a stored head that fails
    checkpoint_mismatch  an outside checkpoint's root is not the records' and the stored
                         leaves cannot say where (they do not match it either)
    head_mismatch        stored heads whose root is not the records' (one finding, with
                         the smallest and largest such size: the change lies between)
    leaves_mismatch      the stored leaf table does not match stored heads (the tree's
                         tables were changed; proofs from them will fail)
    not_replayable       a record that cannot be read, or whose state cannot be decoded

Findings are plain data (`Finding`: kind, position = 0-based leaf index, aggregate_id,
detail). Nothing here raises on a damaged record. `verify_proof` checks an inclusion
proof (`LogTree.inclusion`) and `verify_consistency_proof` a consistency proof
(`LogTree.consistency`) with no store at all.
"""

from __future__ import annotations

import base64
import binascii
import bisect
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from uuid import UUID

from lifecycle import merkle
from lifecycle.log_leaf import (
    Unreadable,
    leaf_hash_of,
    read_records,
    record_hash,
    record_key,
)
from lifecycle.log_tree import LogTree
from lifecycle.signing import OK, UNKNOWN_KEY, check_head

SWAP_CHECK_LIMIT = 200  # changed records tried pairwise for a swap of contents
LOST_AGGREGATES = 50  # aggregates named in a records_lost finding


@dataclass(frozen=True)
class Finding:
    kind: str
    position: int | None = None  # 0-based leaf index in the log's tree
    aggregate_id: str | None = None
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class LogAudit:
    """What `audit_log` read and found."""

    records: int = 0  # readable records in the log
    heads: int = 0  # stored heads whose signature was checked
    newest_head: int | None = None  # size of the newest validly signed stored head
    unsigned: int = 0  # records after it (written since it was signed)
    checkpoints: int = 0  # outside checkpoints checked
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict:
        return {**asdict(self), "findings": [f.to_dict() for f in self.findings]}


@dataclass
class _Records:
    """The recomputed log: per leaf, notification id, record hash, key; and the roots asked."""

    nids: array = field(default_factory=lambda: array("q"))
    hashes: bytearray = field(default_factory=bytearray)
    keys: array = field(default_factory=lambda: array("q"))
    roots: dict = field(default_factory=dict)  # size -> root of the first `size` leaves
    unreadable: dict = field(default_factory=dict)  # notification id -> error

    def __len__(self) -> int:
        return len(self.nids)

    def hash(self, i: int) -> bytes:
        return bytes(self.hashes[32 * i:32 * i + 32])


class _Reading:
    """The log recomputed record by record (`feed`): leaf hashes, the roots at `sizes`."""

    def __init__(self, ledger: Any, sizes: set[int], decode: bool, findings: list):
        self.log, self.edge, self.sizes, self.findings = _Records(), merkle.CompactRange(), \
            sizes, findings
        if 0 in sizes:
            self.log.roots[0] = merkle.EMPTY_ROOT
        self.transcoder = ledger.mapper.transcoder if decode else None

    def feed(self, rec: Any) -> None:
        log, edge = self.log, self.edge
        if isinstance(rec, Unreadable):
            log.unreadable[rec.id] = rec.error
            self.findings.append(Finding("not_replayable", len(log), None,
                                         {"notification_id": rec.id, "error": rec.error}))
            return
        aggregate = rec.originator_id  # its text once, for the record hash and the key
        aggregate = str(aggregate) if isinstance(aggregate, UUID) else aggregate
        rh = record_hash(rec.topic, aggregate, rec.originator_version, rec.state)
        log.nids.append(rec.id)
        log.hashes += rh
        log.keys.append(record_key(aggregate, rec.originator_version))
        edge.append(leaf_hash_of(rec.id, rh))
        if edge.size in self.sizes:
            log.roots[edge.size] = edge.root()
        if self.transcoder is not None:
            error = _undecodable(self.transcoder, rec.state)
            if error is not None:
                self.findings.append(Finding("not_replayable", edge.size - 1,
                                             str(rec.originator_id),
                                             {"notification_id": rec.id, "error": error}))


def _undecodable(transcoder: Any, state: Any) -> str | None:
    try:
        transcoder.decode(state.encode() if isinstance(state, str) else bytes(state))
    except Exception as e:  # whatever the bytes make the decoder raise
        return type(e).__name__
    return None


def _signed(heads: Iterable[dict], keys: list, kind: str, findings: list) -> list[tuple]:
    """(size, root) of each head validly signed by `keys`; a finding for each other."""
    good = []
    for head in heads:
        status = check_head(head, keys)
        if status == OK:
            good.append((head["size"], bytes.fromhex(head["root"])))
            continue
        named = "unknown_key" if status == UNKNOWN_KEY else "bad_signature"
        detail = {"size": head.get("size"), "key": head.get("key")}
        if status not in (OK, UNKNOWN_KEY):
            detail["reason"] = status
        findings.append(Finding(f"{kind}_{named}", None, None, detail))
    return good


class LogCheck:
    """The check of `audit_log`, fed the records by a pass that reads them anyway.

    The signed heads are read and checked first (`LogCheck(...)`), so that the roots
    they name are taken as the records go by; `feed` each record in log order (an
    `Unreadable` for a row the driver cannot read, as `log_leaf.read_records` gives),
    then `finish()`. `grants audit` feeds it from its replay: the log is read once.
    """

    def __init__(self, ledger: Any, public_keys: Iterable, checkpoints: Iterable[dict] = (),
                 *, decode: bool = True, tree: LogTree | None = None):
        keys = list(public_keys)
        self.ledger, self.tree = ledger, tree or LogTree(ledger, create=False)
        self.result = result = LogAudit()
        findings = result.findings
        checkpoints = list(checkpoints)
        result.checkpoints = len(checkpoints)
        self.outside = _signed(checkpoints, keys, "checkpoint", findings)
        stored_heads = list(self.tree.iter_heads())
        result.heads = len(stored_heads)
        self.stored = _signed(stored_heads, keys, "head", findings)
        del stored_heads
        self.sizes = {s for s, _ in self.outside} | {s for s, _ in self.stored}
        self.reading = _Reading(ledger, self.sizes, decode, findings)
        self.feed = self.reading.feed

    def finish(self) -> LogAudit:
        """The findings, once every record was fed."""
        ledger, tree, result = self.ledger, self.tree, self.result
        findings, outside, stored, sizes = result.findings, self.outside, self.stored, \
            self.sizes
        log = self.reading.log
        n = result.records = len(log)
        if stored:
            result.newest_head = max(s for s, _ in stored)
            result.unsigned = max(0, n - result.newest_head)
        # The stored leaves, checked against the same signed heads before they are used.
        top = max(sizes, default=0)
        s_nids, s_hashes, s_keys = tree.stored_leaves(top)
        s_roots = _same_roots(log, s_nids, s_hashes, sizes)
        if s_roots is None:
            s_roots = _prefix_roots(s_nids, s_hashes, sizes)
        bad_leaves = sorted(s for s, r in stored if s_roots.get(s) != r)
        if bad_leaves:
            findings.append(Finding("leaves_mismatch", None, None, {
                "first_size": bad_leaves[0], "heads": len(bad_leaves)}))

        bad_heads = sorted(s for s, r in stored if log.roots.get(s) != r)
        if bad_heads:
            below = [s for s, r in stored if s < bad_heads[0]]
            findings.append(Finding("head_mismatch", None, None, {
                "size": bad_heads[-1], "first_size": bad_heads[0],
                "last_good_size": max(below, default=None), "heads": len(bad_heads)}))

        wrong = [(s, r, "checkpoint") for s, r in outside if log.roots.get(s) != r]
        wrong += [(s, r, "head") for s, r in stored if log.roots.get(s) != r]
        located = [s for s, r, _ in wrong if s_roots.get(s) == r]
        if located:
            size = max(located)
            findings += _Diff(tree, ledger, log, s_nids, s_hashes, s_keys, size).findings()
        for s, r, kind in wrong:
            if s_roots.get(s) == r or kind != "checkpoint":
                continue
            good = [g for g, gr in stored if g <= s and log.roots.get(g) == gr]
            findings.append(Finding("checkpoint_mismatch", None, None, {
                "size": s, "last_good_size": max(good, default=None)}))
            if n < s and not located:
                findings.append(Finding("records_lost", n, None, {"size": s, "records": n}))
        findings[:] = _dedupe(findings)
        return result


def audit_log(ledger: Any, public_keys: Iterable, checkpoints: Iterable[dict] = (), *,
              decode: bool = True, tree: LogTree | None = None) -> LogAudit:
    """Check the stored records against `checkpoints` and against every stored signed head.

    `public_keys`: every key that may have signed (`signing.known_public_keys(path)`);
    `checkpoints`: signed heads kept outside the store; `decode`: also try to decode
    each record's state (`not_replayable` when it cannot be). Reads the whole log once.
    """
    check = LogCheck(ledger, public_keys, checkpoints, decode=decode, tree=tree)
    for rec in read_records(ledger.recorder):
        check.feed(rec)
    return check.finish()


def _same_roots(log: _Records, nids: array, hashes: bytearray, sizes: set[int]) -> dict | None:
    """The roots `_prefix_roots` would compute, when the stored leaves are the first of the
    recomputed ones, notification ids and record hashes alike: a root is a function of its
    leaves, and those roots were taken as the records went by. None otherwise."""
    m = len(nids)
    if m > len(log) or nids != log.nids[:m] or hashes != log.hashes[:32 * m]:
        return None
    return {s: log.roots[s] for s in sizes if s <= m}


def _prefix_roots(nids: Sequence[int], hashes: bytes, sizes: set[int]) -> dict:
    roots = {0: merkle.EMPTY_ROOT} if 0 in sizes else {}
    edge = merkle.CompactRange()
    for i, nid in enumerate(nids):
        edge.append(leaf_hash_of(nid, bytes(hashes[32 * i:32 * i + 32])))
        if edge.size in sizes:
            roots[edge.size] = edge.root()
    return roots


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.kind, f.position, f.aggregate_id, repr(sorted(f.detail.items())))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _increasing(values: Sequence[int]) -> set[int]:
    """Indices of a longest strictly increasing subsequence of `values` (patience sorting)."""
    tails: list[int] = []  # values
    tail_at: list[int] = []  # their indices
    back = [-1] * len(values)
    for i, v in enumerate(values):
        k = bisect.bisect_left(tails, v)
        if k == len(tails):
            tails.append(v)
            tail_at.append(i)
        else:
            tails[k] = v
            tail_at[k] = i
        back[i] = tail_at[k - 1] if k else -1
    kept, i = set(), tail_at[-1] if tail_at else -1
    while i >= 0:
        kept.add(i)
        i = back[i]
    return kept


class _Diff:
    """What changed between the leaves a head committed to (S) and the records now (R)."""

    def __init__(self, tree, ledger, log: _Records, s_nids, s_hashes, s_keys, size: int):
        self.tree, self.recorder, self.log, self.size = tree, ledger.recorder, log, size
        self.s_nids, self.s_hashes, self.s_keys = s_nids, s_hashes, s_keys
        self._rows: dict[int, dict | None] = {}
        self._records: dict[int, Any] = {}

    def s_hash(self, i: int) -> bytes:
        return bytes(self.s_hashes[32 * i:32 * i + 32])

    def s_row(self, i: int) -> dict | None:
        if i not in self._rows:
            self._rows[i] = self.tree.stored_leaf(i)
        return self._rows[i]

    def s_aggregate(self, i: int) -> str | None:
        row = self.s_row(i)
        return row["originator_id"] if row else None

    def r_record(self, j: int) -> Any:
        nid = self.log.nids[j]
        if nid not in self._records:
            found = list(read_records(self.recorder, nid, 1, stop=nid))
            self._records[nid] = found[0] if found and not isinstance(found[0],
                                                                      Unreadable) else None
        return self._records[nid]

    def r_aggregate(self, j: int) -> str | None:
        rec = self.r_record(j)
        return str(rec.originator_id) if rec is not None else None

    def findings(self) -> list[Finding]:
        log, size, n = self.log, self.size, len(self.log)
        p0 = 0
        while p0 < min(size, n) and self.s_nids[p0] == log.nids[p0] and self.s_hash(
                p0) == log.hash(p0):
            p0 += 1
        if p0 == size:
            return []
        s_at = {self.s_hash(i): i for i in range(p0, size)}
        r_at = {log.hash(j): j for j in range(p0, n)}
        matched = [(i, r_at[self.s_hash(i)]) for i in range(p0, size) if self.s_hash(i) in r_at]
        keep = _increasing([j for _, j in matched])
        kept = [m for k, m in enumerate(matched) if k in keep]
        moved = [m for k, m in enumerate(matched) if k not in keep]
        lone_s = [i for i in range(p0, size) if self.s_hash(i) not in r_at]
        lone_r = [j for j in range(p0, n) if log.hash(j) not in s_at]

        # The same record (aggregate, version) with other bytes: changed.
        r_by_key = {log.keys[j]: j for j in lone_r}
        changed = [(i, r_by_key[self.s_keys[i]]) for i in lone_s if self.s_keys[i] in r_by_key]
        changed_r = {j for _, j in changed}
        changed_s = {i for i, _ in changed}
        lone_s = [i for i in lone_s if i not in changed_s]
        lone_r = [j for j in lone_r if j not in changed_r]

        out: list[Finding] = []
        swapped = self._swaps(changed) if len(changed) <= SWAP_CHECK_LIMIT else set()
        done = set()
        for a, b in sorted(swapped):
            i1, i2 = changed[a][0], changed[b][0]
            done |= {a, b}
            out.append(Finding("record_reordered", i1, self.s_aggregate(i1), {
                "notification_id": self.s_nids[i1], "swapped_with": i2,
                "other_aggregate_id": self.s_aggregate(i2)}))
        for k, (i, j) in enumerate(changed):
            if k in done:
                continue
            detail = {"notification_id": self.s_nids[i]}
            if log.nids[j] != self.s_nids[i]:
                detail["now_notification_id"] = log.nids[j]
            out.append(Finding("record_changed", i, self.s_aggregate(i), detail))
        for i in lone_s:  # an unreadable row is a changed one, not a removed one
            if self.s_nids[i] in log.unreadable:
                out.append(Finding("record_changed", i, self.s_aggregate(i), {
                    "notification_id": self.s_nids[i], "unreadable": True}))
        lone_s = [i for i in lone_s if self.s_nids[i] not in log.unreadable]

        went = dict(matched)  # position committed to -> position now
        exchanged = set()
        for i, j in moved:
            if went.get(j) == i and i != j:  # two records exchanged positions
                if i in exchanged:
                    continue
                exchanged |= {i, j}
                a, b = min(i, j), max(i, j)
                out.append(Finding("record_reordered", a, self.s_aggregate(a), {
                    "notification_id": self.s_nids[a], "swapped_with": b,
                    "other_aggregate_id": self.s_aggregate(b)}))
                continue
            out.append(Finding("record_reordered", j, self.s_aggregate(i), {
                "notification_id": log.nids[j], "was_position": i}))

        last_s = max([i for i, _ in kept + moved + changed], default=p0 - 1)
        lost = [i for i in lone_s if i > last_s]
        for i in lone_s:
            if i <= last_s:
                out.append(Finding("record_removed", i, self.s_aggregate(i), {
                    "notification_id": self.s_nids[i],
                    "version": (self.s_row(i) or {}).get("originator_version")}))
        if lost:
            aggregates = []
            for i in lost:
                agg = self.s_aggregate(i)
                if agg not in aggregates and len(aggregates) < LOST_AGGREGATES:
                    aggregates.append(agg)
            out.append(Finding("records_lost", lost[0], self.s_aggregate(lost[0]), {
                "size": size, "records": n, "count": len(lost),
                "notification_id": self.s_nids[lost[0]], "aggregates": aggregates}))

        # Records among those the head covered that it did not commit to: inserted. Those
        # after the last record it did commit to were appended since, as a log grows.
        end_r = max([j for _, j in kept + moved + changed], default=p0 - 1)
        for j in lone_r:
            if j < end_r:
                out.append(Finding("record_inserted", j, self.r_aggregate(j), {
                    "notification_id": log.nids[j]}))

        if not out:  # same records, same order: only their notification ids differ
            renumbered = [(i, j) for i, j in kept if self.s_nids[i] != log.nids[j]]
            if renumbered:
                i, j = renumbered[0]
                out.append(Finding("record_renumbered", i, self.s_aggregate(i), {
                    "notification_id": self.s_nids[i], "now_notification_id": log.nids[j],
                    "count": len(renumbered)}))
        return sorted(out, key=lambda f: (f.position if f.position is not None else -1,
                                          f.kind))

    def _swaps(self, changed: list[tuple[int, int]]) -> set[tuple[int, int]]:
        """Pairs of changed records whose contents (topic, state) were swapped."""
        pairs: set[tuple[int, int]] = set()
        used: set[int] = set()
        for a in range(len(changed)):
            for b in range(a + 1, len(changed)):
                if a in used or b in used:
                    continue
                (i1, j1), (i2, j2) = changed[a], changed[b]
                r1, r2 = self.r_record(j1), self.r_record(j2)
                k1, k2 = self.s_row(i1), self.s_row(i2)
                if None in (r1, r2, k1, k2):
                    continue
                if (record_hash(r2.topic, k1["originator_id"], k1["originator_version"],
                                r2.state) == self.s_hash(i1)
                        and record_hash(r1.topic, k2["originator_id"],
                                        k2["originator_version"], r1.state) == self.s_hash(i2)):
                    pairs.add((a, b))
                    used |= {a, b}
        return pairs


# -- proofs handed to an outsider ------------------------------------------------------


def verify_proof(proof: dict, public_keys: Iterable) -> list[Finding]:
    """Check an inclusion proof (`LogTree.inclusion`) with no store: [] when it holds.

    The checkpoint must be signed by one of `public_keys`; each entry's record (when
    given) must hash to its record hash, and its leaf must lead, by its audit path, to
    the checkpoint's root (RFC 9162 section 2.1.3.2).
    """
    findings: list[Finding] = []
    checkpoint = proof.get("checkpoint") if isinstance(proof, dict) else None
    if not isinstance(checkpoint, dict):
        return [Finding("proof_malformed", None, None, {"field": "checkpoint"})]
    if not _signed([checkpoint], list(public_keys), "checkpoint", findings):
        return findings
    size, root_hash = checkpoint["size"], bytes.fromhex(checkpoint["root"])
    entries = proof.get("entries")
    if not isinstance(entries, list):
        return [Finding("proof_malformed", None, None, {"field": "entries"})]
    for k, entry in enumerate(entries):
        try:
            nid, index = int(entry["notification_id"]), int(entry["leaf_index"])
            rh = bytes.fromhex(entry["record_hash"])
            path = [bytes.fromhex(p) for p in entry["audit_path"]]
            record = entry.get("record")
            if record is not None:
                got = record_hash(record["topic"], record["originator_id"],
                                  record["originator_version"],
                                  base64.b64decode(record["state"], validate=True))
        except (KeyError, TypeError, ValueError, binascii.Error, AttributeError):
            findings.append(Finding("proof_malformed", None, None, {"entry": k}))
            continue
        aggregate = record.get("originator_id") if record is not None else None
        if record is not None and got != rh:
            findings.append(Finding("record_changed", index, aggregate, {
                "notification_id": nid}))
        if not merkle.verify_inclusion(leaf_hash_of(nid, rh), index, size, path, root_hash):
            findings.append(Finding("proof_invalid", index, aggregate, {
                "notification_id": nid, "size": size}))
    return findings


def verify_consistency_proof(proof: dict, public_keys: Iterable) -> list[Finding]:
    """Check a consistency proof (`LogTree.consistency`) between two signed checkpoints.

    [] when both are validly signed and the older is a prefix of the newer (RFC 9162
    section 2.1.4.2).
    """
    keys = list(public_keys)
    findings: list[Finding] = []
    try:
        old, new = proof["old"], proof["new"]
        path = [bytes.fromhex(p) for p in proof["proof"]]
    except (KeyError, TypeError, ValueError):
        return [Finding("proof_malformed", None, None, {})]
    if len(_signed([old, new], keys, "checkpoint", findings)) < 2:
        return findings
    if not merkle.verify_consistency(old["size"], new["size"], bytes.fromhex(old["root"]),
                                     bytes.fromhex(new["root"]), path):
        findings.append(Finding("proof_invalid", None, None, {
            "old_size": old["size"], "new_size": new["size"]}))
    return findings
