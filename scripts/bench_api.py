"""How many commands a second POST /api/v1/commands accepts, over real HTTP, on SQLite.

Starts `grants serve` (waitress) on a fresh data folder and a free port, makes a staff
user and token, and posts the seeded demo history (web.synthetic.history) in batches
over one keep-alive connection, one batch after another, as a client loading history
would. Prints one JSON object: commands, seconds, commands per second, batch latencies.

    .venv/bin/python scripts/bench_api.py                   # 30 batches of 100
    .venv/bin/python scripts/bench_api.py --batches 50 --batch-size 200 --idempotency-keys
    .venv/bin/python scripts/bench_api.py --baseline        # also Services.execute_json alone

Nothing outside the temporary data folder is touched; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from web.synthetic import history  # noqa: E402
from web.users import USERS_FILE, Users  # noqa: E402


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def commands(count: int, seed: int) -> list[dict]:
    """The first `count` commands of a demo history big enough to hold them."""
    from policies import catalogue

    cat = catalogue.load()
    enterprises = max(20, count // 10)
    while True:
        found = list(history(cat, enterprises=enterprises, seed=seed))
        if len(found) >= count:
            return found[:count]
        enterprises *= 2


def start_server(data: Path, port: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "GRANTS_DATA": str(data), "GRANTS_SCHEDULER": "off"}
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "--data", str(data), "serve", "--port", str(port),
         "--threads", str(threads)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=2)) as conn:
                conn.request("GET", "/api/v1/openapi.json")
                if conn.getresponse().status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("bench_api: the server did not start")


def post_batches(port: int, token: str, batches: list[list[dict]],
                 keys: bool) -> tuple[float, list[float], int]:
    """Post each batch in turn; (seconds in all, seconds per batch, commands that failed)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies, failed = [], 0
    started = time.perf_counter()
    for batch in batches:
        body = json.dumps(batch, ensure_ascii=False).encode()
        if keys:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        t = time.perf_counter()
        conn.request("POST", "/api/v1/commands", body=body, headers=headers)
        response = conn.getresponse()
        lines = json.loads(response.read())
        latencies.append(time.perf_counter() - t)
        if response.status != 200 or len(lines) != len(batch):
            raise SystemExit(f"bench_api: unexpected answer {response.status}: {lines!r:.300}")
        failed += sum(1 for line in lines if not line["ok"])
    conn.close()
    return time.perf_counter() - started, latencies, failed


def baseline(cmds: list[dict]) -> float:
    """Commands per second of Services.execute_json alone, on a fresh folder."""
    from web.services import Services

    with tempfile.TemporaryDirectory(prefix="bench-api-base-") as tmp:
        services = Services(tmp)
        started = time.perf_counter()
        for cmd in cmds:
            services.execute_json(cmd, actor="bench")
        seconds = time.perf_counter() - started
        services.close()
    return len(cmds) / seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--threads", type=int, default=8, help="waitress threads")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--idempotency-keys", action="store_true",
                   help="send an Idempotency-Key with each batch")
    p.add_argument("--baseline", action="store_true",
                   help="also time Services.execute_json in-process on the same commands")
    args = p.parse_args(argv)

    cmds = commands(args.batches * args.batch_size, args.seed)
    batches = [cmds[i:i + args.batch_size] for i in range(0, len(cmds), args.batch_size)]
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        data = Path(tmp) / "var"
        users = Users(data / USERS_FILE)
        users.add("bench", "staff", secrets.token_urlsafe(16))
        token = users.issue_token("bench")
        port = free_port()
        server = start_server(data, port, args.threads)
        try:
            seconds, latencies, failed = post_batches(port, token, batches,
                                                      args.idempotency_keys)
        finally:
            server.terminate()
            server.wait(timeout=30)
    result = {
        "commands": len(cmds), "batches": len(batches), "batch_size": args.batch_size,
        "failed_commands": failed, "seconds": round(seconds, 3),
        "commands_per_second": round(len(cmds) / seconds, 1),
        "batch_ms_median": round(statistics.median(latencies) * 1000, 1),
        "batch_ms_max": round(max(latencies) * 1000, 1),
        "idempotency_keys": args.idempotency_keys, "store": "sqlite",
    }
    if args.baseline:
        result["in_process_commands_per_second"] = round(baseline(cmds), 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
