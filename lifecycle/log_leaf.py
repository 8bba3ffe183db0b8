"""What one stored record contributes to the log's Merkle tree, and reading the records.

The log is every stored event in notification order (`recorder.select_notifications`),
on SQLite and PostgreSQL alike. Leaf i of the tree (0-based) is the i-th record in that
order; its leaf data (RFC 9162 section 2.1.1 hashes it as HASH(0x00 || leaf_data)) is

    leaf_data   = notification_id (8 bytes, big-endian)  ||  record_hash
    record_hash = SHA-256( field(topic) || field(originator_id) || field(version) || field(state) )
    field(b)    = len(b) (4 bytes, big-endian) || b;   a NULL column is FF FF FF FF, no bytes

with topic as UTF-8, originator_id as the text of the UUID (`str(uuid)`, 36 characters,
lower case: the same on both stores), version as 8 bytes big-endian (signed) and state
exactly the bytes stored (a text value, as a hand-edited SQLite row may hold, as its
UTF-8). The notification id is in the leaf, so a record moved to another position, or
a record whose id was changed, no longer matches; the record hash leaves it out, so a
record that moved can still be recognised.

`read_records` streams the records and never raises on a row the recorder cannot read
(a NULL state on PostgreSQL, an originator id that is no UUID on SQLite): it yields an
`Unreadable` in its place.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from lifecycle.merkle import leaf_hash as merkle_leaf_hash

PAGE = 2000
_NULL = b"\xff\xff\xff\xff"
_EIGHT = b"\x00\x00\x00\x08"  # the length of a version's 8 bytes
_length, _version = struct.Struct(">I").pack, struct.Struct(">q").pack


def _field(value: bytes | None) -> bytes:
    if value is None:
        return _NULL
    return struct.pack(">I", len(value)) + value


def _text(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def record_hash(topic: Any, originator_id: Any, originator_version: Any, state: Any) -> bytes:
    """SHA-256 of a stored record's columns, as the module docstring lays out."""
    if (type(topic) is str and type(state) is bytes and type(originator_version) is int
            and type(originator_id) in (UUID, str)):
        # The columns as every readable row has them, the same bytes in one join: the
        # audit hashes every record, and the general spelling below costs twice this.
        t, o = topic.encode(), str(originator_id).encode()
        try:
            return hashlib.sha256(b"".join((
                _length(len(t)), t, _length(len(o)), o, _EIGHT, _version(originator_version),
                _length(len(state)), state))).digest()
        except struct.error:  # a version beyond 64 bits: the general way raises as it did
            pass
    return _record_hash(topic, originator_id, originator_version, state)


def _record_hash(topic: Any, originator_id: Any, originator_version: Any, state: Any) -> bytes:
    """`record_hash` of columns of any type (NULL, text in a BLOB, ...), field by field."""
    version = None if originator_version is None else struct.pack(">q", originator_version)
    return hashlib.sha256(_field(_text(topic)) + _field(_text(originator_id)) + _field(version)
                          + _field(_text(state))).digest()


def leaf_data(notification_id: int, rec_hash: bytes) -> bytes:
    """notification id (8 bytes, big-endian) || record hash: 40 bytes."""
    return struct.pack(">Q", notification_id) + rec_hash


def leaf_hash_of(notification_id: int, rec_hash: bytes) -> bytes:
    """The tree's leaf hash, HASH(0x00 || leaf_data) (RFC 9162 section 2.1.1)."""
    return merkle_leaf_hash(leaf_data(notification_id, rec_hash))


def record_hash_of(record: Any) -> bytes:
    """The record hash of a Notification (id, originator_id, originator_version, topic, state)."""
    return record_hash(record.topic, record.originator_id, record.originator_version,
                       record.state)


def leaf_hash(record: Any) -> bytes:
    """The leaf hash of a record as `recorder.select_notifications` returns it."""
    return leaf_hash_of(record.id, record_hash_of(record))


def record_key(originator_id: Any, originator_version: Any) -> int:
    """A 64-bit name for (aggregate, version), the same for a record and its stored leaf."""
    return hash((str(originator_id), originator_version))


@dataclass(frozen=True)
class Unreadable:
    """A stored row the recorder could not read (its id, and the error's type and text)."""

    id: int
    error: str


def read_records(recorder: Any, start: int = 1, page: int = PAGE,
                 stop: int | None = None) -> Iterator[Any]:
    """Every record with start <= id (<= stop), in log order; an `Unreadable` for a bad row.

    A page that fails is narrowed down to the row that fails, which is then probed id
    by id (one query each, only after a failure).
    """
    while True:
        try:
            batch = recorder.select_notifications(start, page, stop=stop)
        except Exception:  # whatever a bad row makes the driver raise
            batch = None
        if batch is None:
            good, bad, start = _narrow(recorder, start, page, stop)
            yield from good
            if bad is not None:
                yield bad
            if start is None:
                return
            continue
        if not batch:
            return
        yield from batch
        if len(batch) < page:  # that was all there is, for now
            return
        start = batch[-1].id + 1


def _narrow(recorder: Any, start: int, page: int, stop: int | None):
    """(the readable records before the first bad row, that row, where to go on)."""
    good: list = []
    lo, hi = 0, page  # select(start, lo) succeeds, select(start, hi) fails
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            good = list(recorder.select_notifications(start, mid, stop=stop))
            lo = mid
        except Exception:
            hi = mid
    probe = good[-1].id + 1 if good else start
    top = recorder.max_notification_id() or 0
    while probe <= top and (stop is None or probe <= stop):
        try:
            found = recorder.select_notifications(probe, 1, stop=probe)
        except Exception as e:
            return good, Unreadable(probe, f"{type(e).__name__}: {e}"), probe + 1
        if found:  # readable after all (changed meanwhile): go on after it
            return good + list(found), None, probe + 1
        probe += 1
    return good, None, None
