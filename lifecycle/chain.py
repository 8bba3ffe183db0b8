"""Tamper evidence: every event carries a hash that chains it to the one before it.

Each aggregate's events form a chain: an event's `chain_hash` covers its topic,
aggregate id, version, recording time and every field, including `prev_hash`,
the hash of the aggregate's previous event. The hash is computed once, when the
event is created, over the same values the store keeps, so an audit can
recompute it from the stored record alone (before any upcasting).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

GENESIS = ""
NOT_HASHED = ("originator_id", "originator_version", "chain_hash", "class_version")


def canonical(value: Any) -> Any:
    """A JSON-ready form of a stored value with one spelling per value."""
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


class _Float(Exception):
    """A float: orjson spells some of them otherwise (1e-07, NaN) than the stdlib does."""


def _canonical_no_float(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical_no_float(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_no_float(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, float):
        raise _Float
    return value


def has_float(value: Any) -> bool:
    """Whether a float is anywhere in `value` (dicts, lists and tuples of their exact types
    are looked into; any other container orjson hands to `_spelled`, which refuses it)."""
    kind = type(value)
    if kind is float:
        return True
    if kind is dict:
        return any(has_float(v) for v in value.values())
    if kind is list or kind is tuple:
        return any(has_float(v) for v in value)
    return False


def _spelled(value: Any) -> str:
    """What `canonical` writes for the leaves orjson hands back (see `chain_hash`)."""
    spell = _SPELLING.get(type(value))
    if spell is not None:  # the stored types themselves, looked up rather than tested
        return spell(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError  # anything else (a subclass of str or int, ...): the standard library


_SPELLING = {date: date.isoformat, datetime: datetime.isoformat, Decimal: Decimal.__str__,
             UUID: UUID.__str__}

# orjson hands dates, datetimes and subclasses back to `_spelled`, never spelling them itself.
_HANDED_BACK = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS)


def chain_hash(topic: str, originator_id: Any, version: int, state: dict,
               floats: bool = True) -> str:
    """SHA-256 of the event's canonical JSON (compact, sorted keys, UTF-8).

    orjson writes the same bytes as the standard library's `json.dumps(sort_keys=True,
    ensure_ascii=False, separators=(",", ":"))`, three times faster; for what it would
    spell otherwise or refuses (floats, integers beyond 64 bits, a lone surrogate) the
    standard library decides, as it always has, so every stored hash still verifies.

    `floats=False` is a promise that no float is anywhere in `state` (the audit knows it
    from the decoder, which saw every number): then orjson walks the values itself and
    asks `_spelled` only for the leaves it does not write as `canonical` would, instead
    of a walk in Python that only looks for floats.
    """
    body = {k: v for k, v in state.items() if k not in NOT_HASHED}
    head = [topic, str(originator_id), version]
    try:
        if floats:
            data = orjson.dumps([*head, _canonical_no_float(body)], option=orjson.OPT_SORT_KEYS)
        else:
            data = orjson.dumps([*head, body], default=_spelled, option=_HANDED_BACK)
    except (_Float, TypeError, orjson.JSONEncodeError):
        # A lone surrogate cannot be in an event (the text rule refuses it, and UTF-8 can
        # not store it): only an edited row holds one, and its hash must differ, not fail.
        data = json.dumps([*head, canonical(body)], sort_keys=True, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def _fresh_containers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _fresh_containers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh_containers(v) for v in value]
    return value


class Chained(Aggregate):
    """An aggregate whose events are hash-chained."""

    chain_head = GENESIS  # not annotated: annotations become constructor fields

    def __deepcopy__(self, memo: dict) -> Chained:
        """A copy for one command: fresh containers, shared immutable leaves.

        The repository hands out a copy of each cached aggregate so that a command
        that fails cannot corrupt the cache. Aggregate state here holds only
        dicts and lists of immutable values (str, int, Decimal, date, UUID, frozen
        dataclasses), so copying the containers is enough, and far cheaper than
        copy.deepcopy's generic walk.
        """
        copy = object.__new__(type(self))
        copy.__dict__.update({k: _fresh_containers(v) for k, v in self.__dict__.items()})
        return copy

    class Event(Aggregate.Event):
        prev_hash: str

        def __post_init__(self) -> None:
            state = vars(self)
            # orjson walks the values itself once it is known that none is a float
            object.__setattr__(self, "chain_hash", chain_hash(
                get_topic(type(self)), self.originator_id, self.originator_version, state,
                floats=has_float(state)))

        def apply(self, aggregate: Any) -> None:
            """Changes the aggregate's state; subclasses say how."""

        def mutate(self, aggregate: Any) -> Any:
            aggregate = super().mutate(aggregate)
            aggregate.chain_head = self.chain_hash
            return aggregate

    def record(self, event_class: type, **fields: Any) -> None:
        """Trigger `event_class` as the next link of this aggregate's chain."""
        self.trigger_event(event_class, prev_hash=self.chain_head, **fields)

    @classmethod
    def start(cls, event_class: type, id: UUID, **fields: Any):  # noqa: A002
        """Create the aggregate with its first, genesis-linked event."""
        return cls._create(event_class, id=id, prev_hash=GENESIS, **fields)
