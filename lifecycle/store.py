"""Where the event store is: SQLite in the data folder, or a PostgreSQL server.

`--data DIR` (or GRANTS_DATA, else ./var) holds the SQLite event store and the
read models; GRANTS_EVENT_STORE, when it holds a postgresql:// address, moves
the event store to that server. The caller reads those settings (web/settings.py)
and hands the values in.

What the data folder holds is the bureau's (events, users' password hashes, the
session key): the folder is created 0700 and each file in it 0600, whatever the
umask (`private_dir`, `private_file`). SQLite gives a database's -wal, -shm and
-journal files the mode of the database file, so creating that file first suffices.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

EVENTS_FILE = "events.sqlite"


def data_dir(given: str | os.PathLike | None = None) -> Path:
    """The data folder given, else ./var."""
    return Path(given or "var")


def private_dir(path: Path) -> Path:
    """`path`, created with mode 0700 when missing (a folder that exists keeps its mode)."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """`path`, created empty with mode 0600 when missing (one that exists keeps its mode).

    An empty file is an empty SQLite database: sqlite3 opens it, and its -wal and -shm
    files take its mode.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
    finally:
        os.close(fd)
    return path


def write_private(path: Path, text: str, replace: bool = True) -> None:
    """Write `text` to `path` all at once, mode 0600 (written aside, then moved in place).

    Not `replace`: only if `path` does not exist yet (another process that wrote it
    first wins, and both then read the same).
    """
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        if replace:
            os.replace(tmp, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def settings(data: Path, event_store: str | None = None) -> dict[str, str]:
    """The eventsourcing settings for the ledger's event store: SQLite in `data`, unless
    `event_store` is a postgresql:// address."""
    common = {
        # Aggregates are cached between commands; fast-forwarding reads any events
        # another process added since, so a cached aggregate is never stale.
        "AGGREGATE_CACHE_MAXSIZE": "20000",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }
    if event_store and urlparse(event_store).scheme in ("postgresql", "postgres"):
        url = urlparse(event_store)
        query = parse_qs(url.query)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "grants",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
        }
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"][0]
        return {**common, **env}
    if event_store:
        raise ValueError(f"GRANTS_EVENT_STORE must be a postgresql:// address, not {event_store!r}")
    private_file(data / EVENTS_FILE)
    return {
        **common,
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(data / EVENTS_FILE),
        "SQLITE_LOCK_TIMEOUT": "30",
    }


# Any fixed number, the same in every process: the lock that serialises start-up.
_DDL_LOCK_KEY = 7_311_202_511


@contextmanager
def startup_lock(env: dict[str, str]) -> Iterator[None]:
    """Serialise the library's table creation between processes on one PostgreSQL database.

    eventsourcing creates its tables and functions each time an application starts;
    two processes doing so at once on a new database collide ("tuple concurrently
    updated"). SQLite serialises this by itself.
    """
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        yield
        return
    import psycopg

    with closing(psycopg.connect(
            dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None, autocommit=True)) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_DDL_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_DDL_LOCK_KEY,))
