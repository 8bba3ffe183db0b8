"""The ids of the ledger's aggregates: a name-based UUID (version 5, URL namespace) of
"grant-ledger:KIND:KEY", the same on every node and for ever (the stored events are
keyed by it: tests/lifecycle/test_ids.py holds some of them fixed)."""

from __future__ import annotations

from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5


def aggregate_uuid(kind: str, key: object) -> UUID:
    """The id of the aggregate of `kind` (enterprise, application, ...) named `key`."""
    return _named(f"grant-ledger:{kind}:{key}")


@lru_cache(maxsize=1 << 16)  # asked for on every command, and a uuid5 hashes each time
def _named(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, name)
