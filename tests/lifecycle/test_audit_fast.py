"""The audit's fast decoding and chain hashing (orjson for a record without floats) find
exactly what the library's decoder and the plain walk find, on a history with deliberate
violations of every sort."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lifecycle import audit as audit_module
from lifecycle.grant import GrantApplication, application_uuid
from tests.builders import disburse, evaluate, register
from tests.lifecycle.test_audit import (  # noqa: F401 - the raw fixture
    event_application,
    forge,
    forge_approval,
    forge_disbursement,
    raw,
    succeed,
    three_year_award,
)


def findings(ledger, fast: bool, monkeypatch) -> list[dict]:
    monkeypatch.setattr(audit_module, "FAST_HASH", fast)
    return [f.to_dict() for f in audit_module.audit(ledger).findings]


def test_fast_and_plain_hashing_give_the_same_findings(ledger, raw, monkeypatch):  # noqa: F811
    three_year_award(ledger)  # P-1, enterprise 1
    succeed(ledger, evaluate("P-1", 2025), disburse("P-1", 2026))
    succeed(ledger, register(2), *event_application("A-1", 2), *event_application("A-2", 2))
    forge_approval(ledger, raw, "A-1", "1200000.00", date(2025, 7, 1))  # over the cap
    forge_disbursement(ledger, raw, "A-1", 2027, "5.00")  # outside the plan
    # A forged field holding a float: its record must take the plain spelling.
    forge(ledger, raw, "A-2", GrantApplication.ApplicationRejected, reason="late",
          at=date(2025, 8, 1), actor="forger", weight=1e-07)
    forge(ledger, raw, "A-2", GrantApplication.RepaymentRecorded, amount=Decimal("1.5"),
          note="x", at=date(2040, 1, 1), actor="forger")  # dated after recording
    app = application_uuid("P-1")
    topic, state = raw.row(app, 3)  # the approval's amount changed by hand
    raw.set(app, 3, topic, bytes(state).replace(b'"900000.00"', b'"1900000.00"', 1))
    raw.delete(app, 5)
    # A key twice, the first refused by its transcoding: the library's decoder reads (and
    # refuses) it, though the second replaces it; orjson would see only the second.
    topic, state = raw.row(app, 2)
    raw.set(app, 2, topic, b'{"at":{"_type_":"decimal_str","_data_":"x"},' + bytes(state)[1:])

    fast = findings(ledger, True, monkeypatch)
    plain = findings(ledger, False, monkeypatch)

    assert fast == plain
    kinds = {f["kind"] for f in fast}
    assert {"chain_broken", "above_entitlement", "not_booked",
            "tranche_not_planned", "dated_after_recording", "not_replayable"} <= kinds
