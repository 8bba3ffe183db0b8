"""What the log's Merkle tree costs a write: catch_up after each single-command write.

    PYTHONPATH=. .venv/bin/python scripts/bench_log_tree.py [--writes 1000] [--bulk 20000]
        [--store sqlite|postgres|both]

Writes `--writes` RegisterEnterprise commands one at a time through Ledger.execute and
times, for each, the write and then LogTree.catch_up (one leaf, one signed head); then
appends `--bulk` more events with the tree behind and times one catch_up over all of
them, one audit_log of the whole log, and inclusion proofs. PostgreSQL runs on a
database of its own on GRANTS_TEST_POSTGRES (dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lifecycle.log_audit import audit_log  # noqa: E402
from lifecycle.log_leaf import read_records  # noqa: E402
from lifecycle.log_tree import LogTree  # noqa: E402
from lifecycle.signing import SigningKey  # noqa: E402
from tests.builders import register  # noqa: E402
from tests.conftest import Store, create_database, drop_database  # noqa: E402
from web.schemas import load_command  # noqa: E402


def _ms(values: list[float]) -> dict:
    values = sorted(values)
    return {"mean": round(statistics.fmean(values) * 1000, 3),
            "median": round(values[len(values) // 2] * 1000, 3),
            "p95": round(values[int(len(values) * 0.95)] * 1000, 3)}


def bench(store: Store, writes: int, bulk: int) -> dict:
    key = SigningKey.generate()
    out: dict = {"store": store.kind}
    with closing(store.ledger()) as ledger:
        tree = LogTree(ledger, key)
        tree.catch_up()
        write_t, catch_t = [], []
        for n in range(1, writes + 1):
            command = load_command(register(n))
            t0 = time.perf_counter()
            assert ledger.execute(command)["ok"]
            t1 = time.perf_counter()
            tree.catch_up()
            t2 = time.perf_counter()
            write_t.append(t1 - t0)
            catch_t.append(t2 - t1)
        out["write_ms"], out["catch_up_ms"] = _ms(write_t), _ms(catch_t)
        out["catch_up_per_write"] = round(sum(catch_t) / sum(write_t), 3)

        commands = [load_command(register(n)) for n in range(writes + 1, writes + bulk + 1)]
        ledger.execute_many(commands)
        t0 = time.perf_counter()
        head = tree.catch_up()
        out["bulk_catch_up"] = {"events": bulk, "seconds": round(time.perf_counter() - t0, 3),
                                "events_per_s": round(bulk / (time.perf_counter() - t0))}
        t0 = time.perf_counter()
        report = audit_log(ledger, [key], [head])
        out["audit"] = {"records": report.records, "heads": report.heads,
                        "findings": len(report.findings),
                        "seconds": round(time.perf_counter() - t0, 3)}
        nids = [r.id for r in read_records(ledger.recorder)]
        t0 = time.perf_counter()
        for nid in nids[:: max(1, len(nids) // 50)]:
            tree.inclusion([nid], head, with_records=False)
        proofs = len(nids[:: max(1, len(nids) // 50)])
        out["inclusion_proof_ms"] = round((time.perf_counter() - t0) / proofs * 1000, 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--bulk", type=int, default=20000)
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    results = []
    if args.store in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(bench(Store("sqlite", Path(tmp) / "var"), args.writes, args.bulk))
    if args.store in ("postgres", "both"):
        url = create_database()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                results.append(bench(Store("postgres", Path(tmp) / "var", url), args.writes,
                                     args.bulk))
        finally:
            drop_database(url)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
