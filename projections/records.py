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
from functools import cache, lru_cache
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    InterfaceError,
    JSONTranscoder,
    Notification,
    OperationalError,
)
from eventsourcing.utils import resolve_topic, retry

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


class Row(NamedTuple):
    """A stored event as `page` reads it: what a Notification holds, the id as text."""

    id: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


def page(recorder, start: int, limit: int) -> list:
    """The stored events with start <= id, at most `limit`, in log order, as plain rows.

    The library's `select_notifications` makes a Notification and a UUID of each, a
    tenth of a rebuild; on its SQLite and PostgreSQL recorders the same SELECT is read
    as tuples here. Any other recorder answers through the library.
    """
    kind = f"{type(recorder).__module__}.{type(recorder).__name__}"
    if kind == "eventsourcing.sqlite.SQLiteApplicationRecorder":
        table = recorder.events_table_name
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT rowid, originator_id, originator_version, topic, state "
                      f"FROM {table} WHERE rowid >= ? ORDER BY rowid LIMIT ?", (start, limit))
            return [Row(r[0], _dashed(r[1]), r[2], r[3], r[4]) for r in c.fetchall()]
    if kind == "eventsourcing.postgres.PostgresApplicationRecorder":
        return _postgres_page(recorder, start, limit)
    return recorder.select_notifications(start, limit)


def _dashed(stored: str) -> str:
    """An originator id as str(UUID) spells it: the SQLite store keeps 32 hex digits."""
    if len(stored) != 32:
        return stored
    return f"{stored[:8]}-{stored[8:12]}-{stored[12:16]}-{stored[16:20]}-{stored[20:]}"


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
def _postgres_page(recorder, start: int, limit: int) -> list:
    from psycopg.sql import SQL, Identifier  # only a PostgreSQL store needs it

    statement = SQL("SELECT notification_id, originator_id, originator_version, topic, state "
                    "FROM {schema}.{table} WHERE notification_id >= %s "
                    "ORDER BY notification_id LIMIT %s").format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name))
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(statement, (start, limit), prepare=True)
        return [Row(r["notification_id"], str(r["originator_id"]), r["originator_version"],
                    r["topic"], bytes(r["state"])) for r in curs.fetchall()]


def notification(row) -> Notification:
    """A row of `page` as the library's Notification (for the mapper)."""
    if isinstance(row, Notification):
        return row
    return Notification(id=row.id, originator_id=UUID(row.originator_id),
                        originator_version=row.originator_version, topic=row.topic,
                        state=row.state)


def _data(value):
    return value["_data_"] if type(value) is dict and len(value) == 2 and "_type_" in value \
        else value


def day(value) -> date | None:
    """A business date field (ISO text as stored, or a date)."""
    value = _data(value)
    if value is None or isinstance(value, date):
        return value
    return date_of(value)


# A long history names the same few thousand days again and again: each is parsed once
# and shared (dates are immutable).
@lru_cache(maxsize=1 << 16)
def date_of(text: str) -> date:
    """An ISO date's text as a date, parsed once per distinct day."""
    return date.fromisoformat(text)


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
