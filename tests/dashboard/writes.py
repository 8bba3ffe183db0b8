"""Every write the dashboard offers, as (URL, form) pairs that would succeed for staff."""

from __future__ import annotations

from tests.builders import credit_code

LEDGER_WRITES = {
    "register": ("/enterprises/new", {"enterprise_id": credit_code(9), "name": "New Co.",
                                      "size": "small", "at": "2025-09-01"}),
    "submit": ("/applications/new", {"enterprise_id": credit_code(2), "application_id": "A-9",
                                     "clause": "tz-de-2025:14:industrial-event",
                                     "basis.event_expenditure": "500000",
                                     "requested_amount": "200000", "at": "2025-09-01"}),
    "certify": ("/applications/A-2/certify", {"basis.event_expenditure": "600000",
                                              "at": "2025-08-10"}),
    "approve": ("/applications/A-4/approve", {"at": "2025-07-01"}),
    "reject": ("/applications/A-2/reject", {"reason": "incomplete", "at": "2025-08-10",
                                            "confirmed": "1"}),
    "pay": ("/applications/A-3/pay", {"year": "2026", "at": "2026-02-01"}),
    "evaluate": ("/applications/A-1/evaluate", {"year": "2025", "result": "pass",
                                                "at": "2026-01-15"}),
    "revoke": ("/applications/A-3/revoke", {"reason": "false materials", "at": "2026-02-20",
                                            "confirmed": "1"}),
}
USER_WRITES = {
    "add user": ("/users", {"username": "newbie", "role": "auditor", "password": "long-enough-1"}),
    "disable user": ("/users/sara/disable", {"confirmed": "1"}),
    "new password": ("/users/sara/password", {"password": "another-long-1"}),
    "change role": ("/users/sara/role", {"role": "auditor"}),
    "issue token": ("/users/sara/token", {}),
    "revoke token": ("/users/audrey/revoke-token", {}),
}
