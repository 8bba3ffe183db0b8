"""What the HTTP layer of the API costs per request, in process (no test: run it).

    PYTHONPATH=$PWD .venv/bin/python -m tests.api.bench_overhead [N]

On an app with a demo history (8 enterprises), N requests (default 300, after 30 to
warm up) through Flask's test client for each case; median and p95 in ms. Beside each
case, the same work done on the services facade directly (same catch-up, read or
command), so that the difference is what routing, the token, the arguments, the
schemas and the JSON cost. The machine's other load moves every figure: compare runs
made one after the other (alternate the two versions of the code).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from projections import resources
from tests.api.conftest import load_demo, make_api
from tests.builders import credit_code, register


def timed(call: Callable[[], object], n: int, warm: int = 30) -> tuple[float, float]:
    """Median and p95 of `n` calls, in ms."""
    for _ in range(warm):
        call()
    spent = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        spent.append((time.perf_counter() - start) * 1000)
    spent.sort()
    return statistics.median(spent), spent[int(0.95 * n) - 1]


def main(n: int) -> None:
    api = make_api(Path(tempfile.mkdtemp()) / "var")
    load_demo(api, enterprises=8)
    client, headers, ledger = api.client, api.headers(), api.services
    some = client.get("/api/v1/enterprises?limit=1", headers=headers).json["items"][0]
    code = credit_code(900)
    ledger.execute_json(register(900))
    dishonesty = {"type": "RecordDishonesty", "at": "2025-06-03", "enterprise_id": code,
                  "note": "late filing"}

    def answers(status: int, method: str, url: str, **kwargs) -> Callable[[], None]:
        def call():
            response = client.open("/api/v1" + url, method=method, headers=headers, **kwargs)
            assert response.status_code == status, response.get_data()
        return call

    def read_directly():
        ledger.catch_up()
        with ledger.reader() as views:
            resources.enterprise(views, some["enterprise_id"])

    cases = [
        ("GET /me", answers(200, "GET", "/me"), None),
        ("GET /enterprises/{id}", answers(200, "GET", f"/enterprises/{some['enterprise_id']}"),
         read_directly),
        ("POST /commands: RecordDishonesty (recorded)",
         answers(200, "POST", "/commands", json=dishonesty),
         lambda: ledger.execute_json(dishonesty, actor="clerk")),
        ("POST /commands: RegisterEnterprise again (409)",
         answers(409, "POST", "/commands", json=register(900)),
         lambda: ledger.execute_json(register(900), actor="clerk")),
    ]
    print(f"{n} requests each, ms: median p95 | facade alone: median p95 | difference")
    for name, call, direct in cases:
        median, p95 = timed(call, n)
        line = f"{name:48s} {median:6.2f} {p95:6.2f}"
        if direct is not None:
            direct_median, direct_p95 = timed(direct, n)
            line += f" | {direct_median:6.2f} {direct_p95:6.2f} | {median - direct_median:6.2f}"
        print(line, flush=True)
    ledger.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
