"""Benchmarks of the grant ledger, measured on this machine in one run.

    scripts/bench [--scale S] [--only apply] [--no-postgres] [--out bench.json]

--scale 1 is 10,000 enterprises. Every figure is measured here and written to
bench.json; nothing is asserted (targets are read from the table by a person).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate  # noqa: E402

from lifecycle import store  # noqa: E402
from policies import catalogue  # noqa: E402
from web.synthetic import history  # noqa: E402


class Counter(Aggregate):
    """The bare library's aggregate: one small event per save."""

    def __init__(self, name: str):
        self.name = name

ADMIN_URL = os.environ.get("GRANTS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def write_batch(path: Path, enterprises: int) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        for cmd in history(catalogue.load(), enterprises=enterprises, seed=2026):
            f.write(json.dumps(cmd, ensure_ascii=False) + "\n")
            count += 1
    return count


def postgres_database() -> tuple[str, callable]:
    import psycopg

    name = f"grants_bench_{uuid.uuid4().hex[:8]}"
    with closing(psycopg.connect(ADMIN_URL, autocommit=True)) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with closing(psycopg.connect(ADMIN_URL, autocommit=True)) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}", drop


def bench_apply(batch: Path, commands: int, data: Path, event_store: str = "") -> dict:
    """`grants apply` as a person runs it: a process, one transaction per command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    env["GRANTS_DATA"] = str(data)
    if event_store:
        env["GRANTS_EVENT_STORE"] = event_store
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "web.cli", "apply", str(batch)], env=env,
                         capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    lines = out.stdout.splitlines()
    assert len(lines) == commands, out.stderr[-2000:]
    ok = sum(1 for line in lines if '"ok": true' in line)
    return {"commands": commands, "succeeded": ok, "seconds": round(seconds, 2),
            "commands_per_second": round(commands / seconds)}


def bench_bare_library(events: int, data: Path, event_store: str = "") -> dict:
    """The eventsourcing library alone: one small aggregate event appended per save."""
    env = store.settings(data, event_store or "")
    with closing(Application(env=env)) as app:
        started = time.perf_counter()
        for i in range(events):
            app.save(Counter(f"c{i}"))
        seconds = time.perf_counter() - started
    return {"events": events, "seconds": round(seconds, 2),
            "events_per_second": round(events / seconds)}


def table(rows: list[tuple]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))
                     for r in rows)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0, help="1 = 10,000 enterprises")
    p.add_argument("--only", choices=["apply"], default="apply")
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--out", default=str(ROOT / "bench.json"))
    args = p.parse_args()
    enterprises = max(10, int(10_000 * args.scale))
    results: dict = {"scale": args.scale, "enterprises": enterprises,
                     "machine": {"cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        batch = tmp / "batch.jsonl"
        print(f"generating the history of {enterprises} enterprises ...", file=sys.stderr)
        commands = write_batch(batch, enterprises)
        results["commands"] = commands
        print(f"grants apply, {commands} commands, SQLite ...", file=sys.stderr)
        results["apply_sqlite"] = bench_apply(batch, commands, tmp / "sqlite")
        results["bare_library_sqlite"] = bench_bare_library(commands, tmp / "bare-sqlite")
        if not args.no_postgres:
            url, drop = postgres_database()
            try:
                print(f"grants apply, {commands} commands, PostgreSQL ...", file=sys.stderr)
                results["apply_postgres"] = bench_apply(batch, commands, tmp / "pg", url)
            finally:
                drop()
            url, drop = postgres_database()
            try:
                results["bare_library_postgres"] = bench_bare_library(commands, tmp / "bpg", url)
            finally:
                drop()
    rows = [("measure", "store", "count", "seconds", "per second")]
    for key, label, unit in (("apply_sqlite", "grants apply", "commands"),
                             ("bare_library_sqlite", "bare library append", "events"),
                             ("apply_postgres", "grants apply", "commands"),
                             ("bare_library_postgres", "bare library append", "events")):
        if key in results:
            r = results[key]
            rows.append((label, "postgres" if "postgres" in key else "sqlite", r[unit],
                         r["seconds"], r[f"{unit}_per_second"]))
    print(table(rows))
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
