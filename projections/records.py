"""The log's records as the read models read them: each stored event's fields as the store
spells them, without the library's event objects.

The follower, the rebuild and the questions about the past fold the same records
(projections/state.py). Decoding a record through the library (a JSON object hook for
every dict, then an event object) cost more than the whole fold; here its state is
parsed by orjson and a field is turned into a date or an amount only when the fold
reads it. Upcasting is the event class's own (`upcast_vN_vN+1` on the fields), as the
library does it. A store written with a cipher, a compressor or another transcoder
is read through the mapper's own parts; the accessors below take either spelling.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

import orjson
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import resolve_topic

# How the library's JSON transcoder spells the values it transcodes.
_TYPED = ("_type_", "_data_")


class Record(NamedTuple):
    """One stored event: its position in the log (None when read by aggregate), its
    aggregate, version and topic, and its fields (typed values as the store spells them)."""

    nid: int | None
    aggregate: str
    version: int
    topic: str
    fields: dict

    @property
    def name(self) -> str:
        """The event class's name (the last part of its topic)."""
        return _name(self.topic)


@cache
def _name(topic: str) -> str:
    return topic.rpartition(".")[2]


@cache
def _upcasts(topic: str) -> tuple[int, Any]:
    """(the event class's version, the class) for a topic."""
    cls = resolve_topic(topic)
    return getattr(cls, "class_version", 1), cls


class Reader:
    """Turns stored events (notifications or stored events) into Records, with `mapper`'s
    cipher and compressor; by orjson when its transcoder is the library's JSON one."""

    def __init__(self, mapper):
        self.cipher, self.compressor = mapper.cipher, mapper.compressor
        transcoder = mapper.transcoder
        self.parse = (orjson.loads if type(transcoder) is JSONTranscoder
                      else transcoder.decode)

    def __call__(self, stored) -> Record:
        state = stored.state
        if self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        fields = self.parse(state)
        version, cls = _upcasts(stored.topic)
        stored_version = fields.pop("class_version", 1)
        while stored_version < version:
            getattr(cls, f"upcast_v{stored_version}_v{stored_version + 1}")(fields)
            stored_version += 1
        return Record(getattr(stored, "id", None), str(stored.originator_id),
                      stored.originator_version, stored.topic, fields)


def _data(value):
    return value["_data_"] if type(value) is dict and len(value) == 2 and "_type_" in value \
        else value


def day(value) -> date | None:
    """A business date field (ISO text as stored, or a date)."""
    value = _data(value)
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def moment(value) -> datetime | None:
    """A timestamp field as a datetime."""
    value = _data(value)
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def money(value) -> Decimal | None:
    """An amount field (decimal text as stored, or a Decimal)."""
    value = _data(value)
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(value)


def iso(value) -> str | None:
    """A date or timestamp field as ISO text (as stored: nothing parsed)."""
    value = _data(value)
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def basis_text(basis: dict) -> str:
    """A basis ({figure: amount}) as the views keep it: JSON text, keys sorted, amounts as
    decimal text."""
    return orjson.dumps({k: str(_data(v)) for k, v in sorted(basis.items())}).decode()
