"""Which of many aggregates the event store holds any event of, in one query.

A group of commands (lifecycle/ledger.py) names new ids (an application submitted, an
enterprise registered, a command id seen for the first time) that the aggregate cache
cannot vouch for: asked one at a time, each absent one costs a read of the store. Here
the store is asked once for all of them. On a recorder of another kind the answer is
None: nothing is known, and each is read as before.
"""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.utils import retry

CHUNK = 500  # ids in one statement (SQLite's limit on variables is far above)


def stored(recorder, ids: Collection[UUID]) -> set[UUID] | None:
    """The ids among `ids` that have at least one stored event; None when this
    recorder cannot be asked so."""
    kind = f"{type(recorder).__module__}.{type(recorder).__name__}"
    ids = list(ids)
    if kind == "eventsourcing.sqlite.SQLiteApplicationRecorder":
        return _sqlite(recorder, ids)
    if kind == "eventsourcing.postgres.PostgresApplicationRecorder":
        return _postgres(recorder, ids)
    return None


def _sqlite(recorder, ids: list[UUID]) -> set[UUID]:
    found: set[UUID] = set()
    table = recorder.events_table_name
    with recorder.datastore.transaction(commit=False) as c:
        for i in range(0, len(ids), CHUNK):
            chunk = [u.hex for u in ids[i:i + CHUNK]]  # as the library stores them
            c.execute(f"SELECT DISTINCT originator_id FROM {table} "
                      f"WHERE originator_id IN ({','.join('?' * len(chunk))})", chunk)
            found.update(UUID(row[0]) for row in c.fetchall())
    return found


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
def _postgres(recorder, ids: list[UUID]) -> set[UUID]:
    from psycopg.sql import SQL, Identifier  # only a PostgreSQL store needs it

    statement = SQL("SELECT DISTINCT originator_id FROM {schema}.{table} "
                    "WHERE originator_id = ANY(%s)").format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name))
    found: set[UUID] = set()
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        for i in range(0, len(ids), CHUNK):
            curs.execute(statement, (ids[i:i + CHUNK],), prepare=True)
            found.update(UUID(str(row["originator_id"])) for row in curs.fetchall())
    return found
