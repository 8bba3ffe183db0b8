"""Two `grants apply` processes approving at once never break a cap together."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import closing
from decimal import Decimal

from tests.builders import approve, certify, credit_code, register, submit
from tests.conftest import run

ENTERPRISES = 25


def _write(path, commands):
    path.write_text("".join(json.dumps(c) + "\n" for c in commands))


def test_concurrent_approvals_never_exceed_an_enterprise_annual_cap(event_store, tmp_path):
    # Each enterprise has two certified applications under tz-am-2025 article 14
    # (50% of event expenditure, at most 1,000,000 a year per enterprise): each may
    # get 800,000 alone, together they would get 1,600,000.
    setup = []
    for n in range(1, ENTERPRISES + 1):
        setup.append(register(n))
        for side in "ab":
            app = f"E{n}-{side}"
            setup += [submit(app, n, basis={"event_expenditure": "1600000"}, requested="800000"),
                      certify(app, basis={"event_expenditure": "1600000"})]
    with closing(event_store.ledger()) as ledger:
        assert all(r["ok"] for r in run(ledger, *setup))

    for side in "ab":
        _write(tmp_path / f"{side}.jsonl",
               [approve(f"E{n}-{side}", amount="800000") for n in range(1, ENTERPRISES + 1)])
    procs = [subprocess.Popen([sys.executable, "-m", "web.cli", "apply",
                               str(tmp_path / f"{s}.jsonl")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=event_store.environ())
             for s in "ab"]
    outputs = [p.communicate(timeout=300) for p in procs]
    lines = {s: [json.loads(x) for x in out.splitlines()]
             for s, (out, _) in zip("ab", outputs, strict=True)}
    for s, (_, err) in zip("ab", outputs, strict=True):
        assert len(lines[s]) == ENTERPRISES, err

    with closing(event_store.ledger()) as ledger:
        for n in range(1, ENTERPRISES + 1):
            answers = [lines[s][n - 1] for s in "ab"]
            assert sum(a["ok"] for a in answers) == 1, answers
            loser = next(a for a in answers if not a["ok"])
            assert loser["error"]["code"] in ("exceeds_entitlement", "conflict")
            awards = ledger.enterprise(credit_code(n)).history()
            assert len(awards) == 1
            assert sum((a.counted for a in awards), Decimal(0)) <= Decimal("1000000")
