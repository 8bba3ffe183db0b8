"""Shared fixtures: real event stores, SQLite files and PostgreSQL databases of the tests' own.

The PostgreSQL server is given by GRANTS_TEST_POSTGRES (an admin address, default
postgresql://postgres@127.0.0.1:5432/postgres). Each test that uses it gets a
database created for it and dropped after. When the server cannot be reached the
tests fail rather than skip: CI must run them.
"""

from __future__ import annotations

import os
import uuid
from contextlib import closing
from pathlib import Path

import pytest

from lifecycle import store
from lifecycle.clock import Clock
from lifecycle.ledger import Ledger
from web import contract
from web.schemas import load_command

ADMIN_URL = os.environ.get("GRANTS_TEST_POSTGRES",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
REPO = Path(__file__).resolve().parents[1]
#: The business day the tests run on (DOMAIN.md rule 9: nothing may be dated after it).
#: Their histories run to 2028; processes they start get it as GRANTS_TODAY.
TODAY = "2030-12-31"
TEST_CLOCK = Clock.from_setting(TODAY)
os.environ["GRANTS_TODAY"] = TODAY


def _admin():
    import psycopg

    return psycopg.connect(ADMIN_URL, autocommit=True)


def create_database() -> str:
    """A new empty database on the test server; its postgresql:// address."""
    name = f"grants_test_{uuid.uuid4().hex[:12]}"
    with closing(_admin()) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with closing(_admin()) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


class Store:
    """One event store for a test: where it is, and how to open ledgers and processes on it."""

    def __init__(self, kind: str, data: Path, event_store: str = ""):
        self.kind, self.data, self.event_store = kind, data, event_store

    def settings(self) -> dict[str, str]:
        return store.settings(self.data, self.event_store)

    def ledger(self, **kwargs) -> Ledger:
        kwargs.setdefault("clock", TEST_CLOCK)
        return Ledger(env=self.settings(), **kwargs)

    def environ(self) -> dict[str, str]:
        """The environment for a `grants` process on this store."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
        env["GRANTS_DATA"], env["GRANTS_TODAY"] = str(self.data), TODAY
        if self.event_store:
            env["GRANTS_EVENT_STORE"] = self.event_store
        return env


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def event_store(request, tmp_path):
    """Each test using it runs twice: on a SQLite file and on a PostgreSQL database."""
    if request.param == "sqlite":
        yield Store("sqlite", tmp_path / "var")
        return
    url = create_database()
    try:
        yield Store("postgres", tmp_path / "var", url)
    finally:
        drop_database(url)


@pytest.fixture
def ledger(event_store):
    with closing(event_store.ledger()) as led:
        yield led


def run(ledger: Ledger, *commands: dict) -> list[dict]:
    """Carry out contract commands (dicts, as JSON would give them) through the one path."""
    return [contract.line(ledger.execute(load_command(cmd))) for cmd in commands]
