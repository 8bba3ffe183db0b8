"""Tamper evidence: hand edits of the stored log are found and named."""

from __future__ import annotations

import sqlite3

import pytest

from lifecycle.chain import chain_hash
from lifecycle.enterprise import EnterpriseLedger, enterprise_uuid
from lifecycle.grant import application_uuid
from lifecycle.integrity import verify
from tests.builders import approve, certify, credit_code, disburse, evaluate, register, submit
from tests.conftest import run


def _history(ledger):
    return run(
        ledger, register(1),
        submit("P-1", 1, article=4, basis={"verified_total_investment": "3000000"},
               requested="900000"),
        certify("P-1", basis={"verified_total_investment": "3000000"}),
        approve("P-1", tranches=[{"year": 2025, "amount": "300000"},
                                 {"year": 2026, "amount": "300000"},
                                 {"year": 2027, "amount": "300000"}]),
        disburse("P-1", 2025, at="2025-08-01"), evaluate("P-1", 2025),
        disburse("P-1", 2026),
    )


class Raw:
    """Direct SQL on the store, as a person with database access would tamper with it."""

    def __init__(self, event_store, ledger):
        self.table = ledger.recorder.events_table_name
        if event_store.kind == "sqlite":
            self.conn = sqlite3.connect(event_store.settings()["SQLITE_DBNAME"],
                                        isolation_level=None)
            self.p, self.key = "?", lambda u: u.hex
        else:
            import psycopg

            self.conn = psycopg.connect(event_store.event_store, autocommit=True)
            self.p, self.key = "%s", lambda u: u

    def sql(self, text, *args):
        return self.conn.execute(text.replace("?", self.p), args)

    def row(self, aggregate, version):
        return self.sql(f"SELECT topic, state FROM {self.table} WHERE originator_id = ? "
                        "AND originator_version = ?", self.key(aggregate), version).fetchone()

    def set(self, aggregate, version, topic, state):
        self.sql(f"UPDATE {self.table} SET topic = ?, state = ? WHERE originator_id = ? "
                 "AND originator_version = ?", topic, state, self.key(aggregate), version)

    def delete(self, aggregate, version):
        self.sql(f"DELETE FROM {self.table} WHERE originator_id = ? AND originator_version = ?",
                 self.key(aggregate), version)

    def insert(self, aggregate, version, topic, state):
        self.sql(f"INSERT INTO {self.table} (originator_id, originator_version, topic, state) "
                 "VALUES (?, ?, ?, ?)", self.key(aggregate), version, topic, state)


@pytest.fixture
def tampered(event_store, ledger):
    assert all(r["ok"] for r in _history(ledger))
    raw = Raw(event_store, ledger)
    yield ledger, raw
    raw.conn.close()


def _only_break(ledger):
    _, broken = verify(ledger)
    assert len(broken) == 1, broken
    return broken[0]


def test_an_untouched_log_verifies(ledger):
    _history(ledger)
    checked, broken = verify(ledger)
    assert checked == ledger.recorder.max_notification_id() or checked > 0
    assert broken == []


def test_an_amount_changed_inside_a_stored_event_is_named(tampered):
    ledger, raw = tampered
    app = application_uuid("P-1")
    topic, state = raw.row(app, 3)  # ApplicationApproved
    assert b'"300000.00"' in bytes(state)
    raw.set(app, 3, topic, bytes(state).replace(b'"300000.00"', b'"900000.00"', 1))
    link = _only_break(ledger)
    assert (link.kind, link.aggregate_id, link.version) == ("changed", str(app), 3)


def test_a_deleted_event_is_named(tampered):
    ledger, raw = tampered
    app = application_uuid("P-1")
    raw.delete(app, 4)  # the first TrancheDisbursed
    link = _only_break(ledger)
    assert (link.kind, link.version) == ("removed", 5)


def test_two_swapped_events_are_named(tampered):
    ledger, raw = tampered
    app = application_uuid("P-1")
    four, five = raw.row(app, 4), raw.row(app, 5)  # TrancheDisbursed, EvaluationRecorded
    raw.set(app, 4, *five)
    raw.set(app, 5, *four)
    link = _only_break(ledger)
    assert (link.kind, link.version) == ("reordered", 4)


def test_an_event_inserted_by_hand_is_named(tampered):
    ledger, raw = tampered
    app = application_uuid("P-1")
    # A forged second disbursement appended after the last event, copied from a real one.
    topic, state = raw.row(app, 6)
    raw.insert(app, 7, topic, state)
    link = _only_break(ledger)
    assert (link.kind, link.version) == ("inserted", 7)


def test_an_event_inserted_in_the_middle_is_named(tampered):
    ledger, raw = tampered
    ent = enterprise_uuid(credit_code(1))
    # Shift the enterprise's later events up by one and insert a forged one at version 2.
    top = raw.sql(f"SELECT max(originator_version) FROM {raw.table} WHERE originator_id = ?",
                  raw.key(ent)).fetchone()[0]
    for v in range(top, 1, -1):
        row = raw.row(ent, v)
        raw.delete(ent, v)
        raw.insert(ent, v + 1, *row)
    topic, state = raw.row(ent, 3)
    raw.insert(ent, 2, topic, state)
    link = _only_break(ledger)
    assert link.kind == "inserted" and link.version in (2, 3)


def test_a_version_1_event_is_upcast_and_still_verifies(event_store, ledger):
    # An enterprise registered before `sectors` existed: class version 1, no sectors.
    code = credit_code(77)
    agg = enterprise_uuid(code)
    topic = "lifecycle.enterprise:EnterpriseLedger.EnterpriseRegistered"
    state = {"timestamp": "2025-06-01T08:00:00+00:00", "originator_topic":
             "lifecycle.enterprise:EnterpriseLedger", "prev_hash": "", "enterprise_id": code,
             "name": "Old Co.", "size": "small",
             "at": {"_type_": "date_iso", "_data_": "2025-06-01"}, "actor": "import"}
    decoded = ledger.mapper.transcoder.decode(ledger.mapper.transcoder.encode(state))
    decoded["chain_hash"] = chain_hash(topic, agg, 1, decoded)
    from eventsourcing.persistence import StoredEvent

    ledger.recorder.insert_events([StoredEvent(agg, 1, topic,
                                               ledger.mapper.transcoder.encode(decoded))])
    ent = ledger.enterprise(code)
    assert isinstance(ent, EnterpriseLedger) and ent.sectors == [] and ent.name == "Old Co."
    assert run(ledger, {"type": "RecordDishonesty", "at": "2025-07-01", "enterprise_id": code,
                        "note": "n"})[0]["ok"]
    assert verify(ledger)[1] == []
