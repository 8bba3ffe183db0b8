"""What bringing the views up to the log costs every page and API read (docs/scaling.md).

Every dashboard page and API read first calls `Services.refresh`: the log's last
notification id against the views' position, and a catch-up only when the log grew.
This measures, on a fresh store holding a small demo history:

- `max_notification_id()` alone, and `refresh()` when nothing changed, back to back;
- an enterprise page and an API read in process (Flask's test client, logged in), with
  the check and with it replaced by nothing, alternately; and the check as each of
  those requests made it (once, as the request began: a connection that idled between
  requests answers slower than one asked back to back);
- `refresh()` after another process wrote one command (the catch-up it then does);
- reading a log-in session from the store (every dashboard request with a cookie).

    .venv/bin/python scripts/bench_refresh.py [--requests N] [--postgres URL]

With --postgres, the event store is a new database created on that server (an admin
address such as postgresql://postgres@127.0.0.1:5432/postgres) and dropped after.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lifecycle.credit_code import check_character  # noqa: E402
from web.app import create_app, services, users  # noqa: E402
from web.synthetic import history  # noqa: E402

PASSWORD = "bench-password-1"


def timed(call, n: int) -> list[float]:
    """Microseconds each of `n` calls took."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1e6)
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median_us": round(statistics.median(ordered), 1),
            "p95_us": round(ordered[int(len(ordered) * 0.95) - 1], 1)}


def measure(data: Path, event_store: str, n: int) -> dict:
    app = create_app({"GRANTS_DATA": str(data), "SECRET_KEY": "bench",
                      "GRANTS_EVENT_STORE": event_store, "GRANTS_SCHEDULER": "off"})
    ledger = services(app)
    try:
        commands = list(history(ledger.ledger.catalogue, enterprises=30, seed=2,
                                end=ledger.clock.today()))
        ledger.execute_json_many(commands)
        users(app).add("bench", "staff", PASSWORD)
        token = users(app).issue_token("bench")
        client = app.test_client()
        page = client.get("/login")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        client.post("/login", data={"username": "bench", "password": PASSWORD,
                                    "csrf_token": csrf})
        enterprise = next(c["enterprise_id"] for c in commands
                          if c["type"] == "RegisterEnterprise")
        url, api = f"/enterprises/{enterprise}", f"/api/v1/enterprises/{enterprise}"
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(20):  # warm the caches
            client.get(url)
            client.get(api, headers=headers)
        sid = client.get_cookie("session").value
        out = {"events": ledger.ledger.recorder.max_notification_id(),
               "session_load": summary(timed(lambda: users(app).sessions.load(sid), n)),
               "max_notification_id": summary(timed(
                   ledger.ledger.recorder.max_notification_id, n)),
               "refresh_unchanged": summary(timed(ledger.refresh, n))}
        # With and without the check, alternately, so that drift and load fall on both;
        # and the check itself as each request makes it (once, when the request begins).
        refresh, off = ledger.refresh, (lambda: None)
        took = {k: [] for k in ("page_with_check", "page_without_check", "api_with_check",
                                "api_without_check", "check_in_a_request")}

        def checked() -> None:
            took["check_in_a_request"] += timed(refresh, 1)

        try:
            for _ in range(n // 10):
                for check in (True, False):
                    ledger.refresh = checked if check else off
                    mark = "with" if check else "without"
                    took[f"page_{mark}_check"] += timed(lambda: client.get(url), 1)
                    took[f"api_{mark}_check"] += timed(lambda: client.get(api, headers=headers),
                                                       1)
        finally:
            ledger.refresh = refresh
        out["checks_per_request"] = len(took["check_in_a_request"]) / (2 * (n // 10))
        out.update({k: summary(v) for k, v in took.items()})
        # Another node (on SQLite: another process of this node) writes one command: the
        # next refresh catches it up.
        folder = data.parent / "other-node" if event_store else data
        with closing(type(ledger)(folder, event_store or None, clock=ledger.clock)) as other:
            after = []
            for i in range(20):
                body = f"91110112MB{i:07d}"
                other.execute_json({"type": "RegisterEnterprise", "at": "2025-06-02",
                                    "enterprise_id": body + check_character(body),
                                    "name": f"Bench {i}", "size": "small"})
                after += timed(ledger.refresh, 1)
        out["refresh_after_one_write"] = summary(after)
        return out
    finally:
        ledger.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--postgres", help="an admin address of a PostgreSQL server")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = measure(Path(tmp) / "sqlite", "", args.requests)
        if args.postgres:
            import psycopg

            name = f"grants_bench_{uuid.uuid4().hex[:8]}"
            with closing(psycopg.connect(args.postgres, autocommit=True)) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                url = args.postgres.rsplit("/", 1)[0] + "/" + name
                results["postgres"] = measure(Path(tmp) / "pg", url, args.requests)
            finally:
                with closing(psycopg.connect(args.postgres, autocommit=True)) as conn:
                    conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
