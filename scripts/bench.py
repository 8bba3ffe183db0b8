"""Benchmarks of the grant ledger at Beijing scale, measured on this machine in one run.

    scripts/bench [--scale S] [--out bench.json] [--no-postgres] [--pg-commands N]

The history: web/synthetic.py's seeded history through the real commands, for
10,000 enterprises x scale over ten years (2025-06-01 .. 2035-05-31); at scale 1
about 700,000 commands and 830,000 events. The real district rule sets end in
2028, so successors (scripts/bench_rules.py) are written into a temporary folder
given as GRANTS_POLICIES_DIR to every process; policies/data is never touched.

What it measures, in this order:
  import   `grants apply` (a process) on the whole history: commands/s, events/s.
           The bare eventsourcing library (in this process) appending as many
           events in transactions of the same mean size as grants apply's groups
           of 200 commands, and one event per transaction (a time-bounded slice).
  rebuild  `grants rebuild` (a process): events/s and its peak RSS (os.wait4);
           a plain sqlite3 SELECT of the stored events; the library's
           select_notifications + decode (in this process).
  audit    `grants audit --json` (a process): events/s re-checked, peak RSS.
  pages    the enterprise page and the enterprise list, median and p95: in this
           process (Flask test client, logged in), and over HTTP against
           `grants serve` (waitress) with 1 and 16 client threads, each its own
           logged-in session, closed loop (no think time), bounded count and time.
  daily    `grants scheduler run` (a process) over every enterprise, as of the
           history's last day: judged on 10,000 enterprises (at another scale, scaled).
  postgres import, rebuild and the bare library again on a PostgreSQL database
           created for the run and dropped after (a slice of the history, its
           first N commands, when the whole would not fit the time budget).

Rates of processes are over their wall time, start-up included. Nothing is
asserted: it prints a table with each target met or missed and writes every
figure to bench.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter as Tally
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_rules import write_successors  # noqa: E402
from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate  # noqa: E402

from lifecycle import store  # noqa: E402

ADMIN_URL = os.environ.get("GRANTS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
START, END = date(2025, 6, 1), date(2035, 5, 31)
SEED = 2026
GROUP = 200  # commands per transaction in grants apply (lifecycle.ledger.GROUP)
PASSWORD = "bench-staff-password"
CLIENTS = 16

#: The goals, by their key under "targets" in bench.json: issue 17's (speed at Beijing
#: scale), with issue 9's command rate and issue 13's costs of the proof kept beside them.
TARGETS = {
    "import_commands": "import >= 5,000 commands/s",
    "import_vs_bare": "import >= 0.5x the bare library's append rate, same batch size",
    "import_vs_bare_postgres": "PostgreSQL import >= 0.5x the bare library's append rate",
    "rebuild_rate": "rebuild >= 100,000 events/s",
    "rebuild_memory": "rebuild peak memory <= 400 MB",
    "audit_rate": "audit >= 50,000 events/s, same findings",
    "page_in_process": "enterprise page p95 <= 10 ms in process",
    "list_in_process": "enterprise list p95 <= 10 ms in process",
    "page_http": f"enterprise page p95 <= 50 ms over HTTP, {CLIENTS} clients",
    "list_http": f"enterprise list p95 <= 50 ms over HTTP, {CLIENTS} clients",
    "daily_job": "daily job over 10,000 enterprises < 10 s",
    "audit_with_checkpoint": "audit with a checkpoint within 10% of the audit without",
    "seal_slowdown": "a single-command write slowed by its signed head < 5%",
}


class Counter(Aggregate):
    """The bare library's aggregate: one small event each."""

    def __init__(self, name: str):
        self.name = name


#: What the run did when, with the machine's 1-minute load average then (other
#: processes on the machine compete for its cores; see each process's CPU time).
TIMELINE: list[dict] = []


def log(message: str) -> None:
    load = round(os.getloadavg()[0], 2)
    TIMELINE.append({"at": time.strftime("%H:%M:%S"), "load_1min": load, "step": message})
    print(f"[{time.strftime('%H:%M:%S')} load {load:.1f}] {message}", file=sys.stderr,
          flush=True)


# -- processes ------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    seconds: float
    peak_mb: float  # the child's own peak RSS (VmHWM, read while it runs: PeakWatch)
    cpu_seconds: float  # the child's own user + system CPU time (from wait4)
    stdout: Path
    stderr: str


def grants(args: list[str], env: dict, work: Path, name: str, stdin: str | None = None) -> Run:
    """Run `grants ARGS` as a process; its wall time and its own peak memory."""
    out, err = work / f"{name}.out", work / f"{name}.err"
    with open(out, "wb") as o, open(err, "wb") as e:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "web.cli", *args], env=env, cwd=ROOT,
                                stdout=o, stderr=e,
                                stdin=subprocess.PIPE if stdin is not None else None)
        watch = PeakWatch(proc.pid)
        if stdin is not None:
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        peak = watch.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(proc.returncode, seconds, peak if peak is not None else usage.ru_maxrss / 1024,
               usage.ru_utime + usage.ru_stime, out,
               err.read_text(encoding="utf-8", errors="replace"))


class PeakWatch:
    """A child's own peak RSS, read from /proc/PID/status (VmHWM) every 20 ms while it runs.

    Not wait4's ru_maxrss: Linux carries the high-water mark of the memory a process
    leaves at exec into its own, and subprocess starts children by vfork, so every
    child's ru_maxrss was at least this benchmark's own peak (a child of a 500 MB parent
    that runs `python -c pass` reports 511 MB). VmHWM belongs to the program exec'd."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._done = pid, None, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _read(self) -> float | None:
        try:
            with open(f"/proc/{self.pid}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None  # gone, or a zombie (its memory already given back)

    def _watch(self) -> None:
        while not self._done.is_set():
            mb = self._read()
            if mb is not None:
                self.peak = max(self.peak or 0.0, mb)
            self._done.wait(0.02)

    def stop(self) -> float | None:
        self._done.set()
        self._thread.join()
        return self.peak


def child_env(rules: Path, data: Path, event_store: str = "", **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    # The history runs to END: that is today for the replay (DOMAIN.md rule 9).
    env.update(GRANTS_DATA=str(data), GRANTS_POLICIES_DIR=str(rules),
               GRANTS_TODAY=END.isoformat(), **extra)
    if event_store:
        env["GRANTS_EVENT_STORE"] = event_store
    return env


def postgres_database() -> tuple[str, callable]:
    import psycopg

    name = f"grants_bench_{uuid.uuid4().hex[:8]}"
    with closing(psycopg.connect(ADMIN_URL, autocommit=True)) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with closing(psycopg.connect(ADMIN_URL, autocommit=True)) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}", drop


def rate(count: float, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


# -- the history ----------------------------------------------------------------------


def write_history(path: Path, enterprises: int, rules: Path) -> dict:
    """The seeded ten-year history as JSON lines, under the rule sets plus `rules`."""
    from policies import catalogue as catalogue_module
    from web.synthetic import history

    catalogue = catalogue_module.load(extra_dir=rules)

    kinds: Tally = Tally()
    policies: Tally = Tally()
    with open(path, "w", encoding="utf-8") as f:
        for cmd in history(catalogue, enterprises=enterprises, start=START, end=END,
                           seed=SEED):
            kinds[cmd["type"]] += 1
            if "policy" in cmd:
                policies[cmd["policy"]] += 1
            f.write(json.dumps(cmd, ensure_ascii=False) + "\n")
    return {"commands": sum(kinds.values()), "by_type": dict(kinds.most_common()),
            "submissions_by_policy": dict(sorted(policies.items())),
            "start": START.isoformat(), "end": END.isoformat(), "seed": SEED,
            "catalogue_version": catalogue.version}


def head(path: Path, lines: int, out: Path) -> int:
    """The first `lines` commands of the history (a consistent prefix: it is date-sorted)."""
    n = 0
    with open(path, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
        for line in f:
            if n == lines:
                break
            o.write(line)
            n += 1
    return n


# -- import ---------------------------------------------------------------------------


def bench_apply(batch: Path, commands: int, env: dict, work: Path, name: str) -> dict:
    """`grants apply FILE` as a person runs it: one process, groups of 200 per transaction."""
    run = grants(["apply", str(batch)], env, work, name)
    answers = ok = 0
    refused: Tally = Tally()
    with open(run.stdout, encoding="utf-8") as f:
        for line in f:
            answers += 1
            answer = json.loads(line)
            if answer["ok"]:
                ok += 1
            else:
                refused[f"{answer['command']}: {answer['error']['code']}"] += 1
    if answers != commands:
        raise RuntimeError(f"grants apply answered {answers} of {commands} lines "
                           f"(exit {run.code}):\n{run.stderr[-2000:]}")
    return {"commands": commands, "succeeded": ok, "refused": dict(refused.most_common()),
            "seconds": round(run.seconds, 2), "commands_per_second": rate(commands, run.seconds),
            "cpu_seconds": round(run.cpu_seconds, 2),
            "commands_per_cpu_second": rate(commands, run.cpu_seconds),
            "peak_mb": round(run.peak_mb), "groups": math.ceil(commands / GROUP)}


def bench_bare(events: int, per_save: int, data: Path, event_store: str = "",
               max_seconds: float | None = None) -> dict:
    """The eventsourcing library alone: `events` new one-event aggregates, `per_save` a save.

    With `max_seconds`, stops at the first save after that long (a slice; said so)."""
    env = store.settings(data, event_store)
    env.pop("AGGREGATE_CACHE_MAXSIZE", None)
    env.pop("AGGREGATE_CACHE_FASTFORWARD", None)
    with closing(Application(env=env)) as app:
        done = 0
        started = time.perf_counter()
        while done < events:
            n = min(per_save, events - done)
            app.save(*[Counter(f"c{done + i}") for i in range(n)])
            done += n
            if max_seconds and time.perf_counter() - started > max_seconds:
                break
        seconds = time.perf_counter() - started
    return {"events": done, "events_per_save": per_save, "seconds": round(seconds, 2),
            "events_per_second": rate(done, seconds), "slice": done < events}


def count_events(data: Path, event_store: str = "") -> int:
    from lifecycle.ledger import Ledger

    with closing(Ledger(env=store.settings(data, event_store))) as ledger:
        return ledger.recorder.max_notification_id() or 0


def bench_import(batch: Path, commands: int, env: dict, work: Path, data: Path, tag: str,
                 event_store: str = "", single_seconds: float = 60) -> dict:
    log(f"{tag}: grants apply, {commands:,} commands ...")
    apply = bench_apply(batch, commands, env, work, f"apply-{tag}")
    events = count_events(data, event_store)
    apply["events"] = events
    apply["events_per_second"] = rate(events, apply["seconds"])
    per_save = max(1, round(events / apply["groups"]))
    apply["events_per_transaction"] = per_save
    log(f"{tag}: {apply['commands_per_second']:,.0f} commands/s; bare library, {events:,} "
        f"events, {per_save} a transaction ...")
    bare_url, drop = postgres_database() if event_store else ("", None)
    try:
        batched = bench_bare(events, per_save, work / f"bare-{tag}", bare_url)
    finally:
        if drop:
            drop()
    log(f"{tag}: bare library, one event a transaction (at most {single_seconds:.0f}s) ...")
    bare_url, drop = postgres_database() if event_store else ("", None)
    try:
        single = bench_bare(events, 1, work / f"bare1-{tag}", bare_url, single_seconds)
    finally:
        if drop:
            drop()
    return {
        "apply": apply, "bare_batched": batched, "bare_single": single,
        # The same events appended: apply's events/s over the bare library's.
        "ratio_to_bare_batched": round(apply["events_per_second"]
                                       / batched["events_per_second"], 3),
        "ratio_to_bare_single": round(apply["events_per_second"]
                                      / single["events_per_second"], 3),
    }


# -- rebuild and reading --------------------------------------------------------------


def bench_rebuild(env: dict, work: Path, tag: str) -> dict:
    log(f"{tag}: grants rebuild ...")
    run = grants(["rebuild"], env, work, f"rebuild-{tag}")
    found = re.search(r"grants rebuild: (\d+) events in ([\d.]+)s", run.stderr)
    if run.code != 0 or not found:
        raise RuntimeError(f"grants rebuild failed (exit {run.code}):\n{run.stderr[-2000:]}")
    events, inner = int(found.group(1)), float(found.group(2))
    return {"events": events, "seconds": round(run.seconds, 2),
            "events_per_second": rate(events, run.seconds),
            "seconds_without_startup": inner,
            "events_per_second_without_startup": rate(events, inner),
            "cpu_seconds": round(run.cpu_seconds, 2),
            "events_per_cpu_second": rate(events, run.cpu_seconds),
            "peak_mb": round(run.peak_mb)}


def bench_raw_read(data: Path, event_store: str = "") -> dict:
    """Every stored event read by the driver alone: sqlite3, or psycopg with a named cursor."""
    started = time.perf_counter()
    rows = size = 0
    if event_store:
        import psycopg

        with closing(psycopg.connect(event_store.split("?")[0])) as conn, \
                conn.cursor(name="bench") as cur:
            cur.itersize = 5000
            cur.execute(f"SELECT notification_id, originator_id, originator_version, topic, "
                        f"state FROM {events_table(data, event_store)} ORDER BY notification_id")
            for row in cur:
                rows += 1
                size += len(row[4])
    else:
        with closing(sqlite3.connect(data / store.EVENTS_FILE)) as conn:
            for row in conn.execute("SELECT rowid, originator_id, originator_version, topic, "
                                    "state FROM stored_events ORDER BY rowid"):
                rows += 1
                size += len(row[4])
    seconds = time.perf_counter() - started
    return {"events": rows, "seconds": round(seconds, 2), "events_per_second": rate(rows, seconds),
            "mean_state_bytes": round(size / rows) if rows else 0}


def events_table(data: Path, event_store: str) -> str:
    from lifecycle.ledger import Ledger

    with closing(Ledger(env=store.settings(data, event_store))) as ledger:
        return ledger.recorder.events_table_name


def database_mb(event_store: str) -> int:
    import psycopg

    with closing(psycopg.connect(event_store.split("?")[0])) as conn:
        return round(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
                     / 2**20)


def bench_decode(data: Path, event_store: str = "", page: int = 5000) -> dict:
    """The library reads the log a page at a time and decodes every event (as rebuild does)."""
    from lifecycle.ledger import Ledger

    with closing(Ledger(env=store.settings(data, event_store))) as ledger:
        started = time.perf_counter()
        start, count = 1, 0
        while True:
            notes = ledger.recorder.select_notifications(start, page)
            if not notes:
                break
            for n in notes:
                ledger.mapper.to_domain_event(n)
            count += len(notes)
            start = notes[-1].id + 1
        seconds = time.perf_counter() - started
    return {"events": count, "seconds": round(seconds, 2),
            "events_per_second": rate(count, seconds)}


def bench_audit(env: dict, work: Path) -> dict:
    log("audit: grants audit --json ...")
    run = grants(["audit", "--json"], env, work, "audit")
    try:
        report = json.loads(run.stdout.read_text(encoding="utf-8"))
    except ValueError:
        raise RuntimeError(f"grants audit failed (exit {run.code}):\n{run.stderr[-2000:]}") \
            from None
    kinds = Tally(f["kind"] for f in report["findings"])
    return {"how": "grants audit --json, a process", "events": report["events_checked"],
            "decisions_checked": report["decisions_checked"], "seconds": round(run.seconds, 2),
            "events_per_second": rate(report["events_checked"], run.seconds),
            "seconds_without_startup": report["seconds"],
            "events_per_second_without_startup": report["events_per_second"],
            "cpu_seconds": round(run.cpu_seconds, 2),
            "events_per_cpu_second": rate(report["events_checked"], run.cpu_seconds),
            "findings": dict(kinds),
            "peak_mb": round(run.peak_mb)}


def bench_proof(env: dict, work: Path, data: Path, audit_plain: dict) -> dict:
    """The log's proof: `grants checkpoint`, `grants prove`, `grants audit --checkpoint`
    (processes), against the plain audit; and what sealing costs a single-command write."""
    log("proof: grants checkpoint, prove, audit --checkpoint ...")
    cp = work / "checkpoint.json"
    made = grants(["checkpoint", "--out", str(cp)], env, work, "checkpoint")
    if made.code != 0:
        raise RuntimeError(f"grants checkpoint failed:\n{made.stderr[-2000:]}")
    with closing(sqlite3.connect(data / "views.sqlite")) as db:
        app_id = db.execute("SELECT application_id FROM applications WHERE status = "
                            "'completed' ORDER BY application_id LIMIT 1").fetchone()[0]
    proved = grants(["prove", app_id, "--checkpoint", str(cp), "--out",
                     str(work / "proof.json")], env, work, "prove")
    checked = grants(["verify-proof", str(work / "proof.json"), "--keys",
                      str(data / "signing_keys.pub")], env, work, "verify-proof")
    audited = grants(["audit", "--json", "--checkpoint", str(cp)], env, work, "audit-cp")
    report = json.loads(audited.stdout.read_text(encoding="utf-8"))
    size = json.loads(cp.read_text())["size"]
    return {"checkpoint_seconds": round(made.seconds, 2), "size": size,
            "prove_seconds": round(proved.seconds, 2), "prove_exit": proved.code,
            "verify_seconds": round(checked.seconds, 2), "verify_exit": checked.code,
            "audit_with_checkpoint_seconds": round(audited.seconds, 2),
            "audit_without_seconds": audit_plain["seconds"],
            "audit_ratio": round(audited.seconds / audit_plain["seconds"], 3),
            "audit_with_checkpoint_peak_mb": round(audited.peak_mb),
            "log_findings": len(report["log"]["findings"]), "ok": report["ok"],
            "writes": bench_seal(data, env)}


def bench_seal(data: Path, env: dict, writes: int = 300) -> dict:
    """Single-command writes through Services, with their signed head and without.

    The head is signed by a thread of its own shortly after each write. As staff write
    (seconds apart), each write is timed once the previous one's head is signed; back
    to back (a script's loop), the head of one write is signed while the next runs.
    Alternating blocks of 25, so that the machine's drift falls on both alike."""
    from lifecycle.clock import Clock
    from lifecycle.commands import RecordDishonesty
    from policies import catalogue as catalogue_module
    from web.services import Services

    log(f"proof: {writes} single writes with and without their signed head ...")
    with closing(sqlite3.connect(data / "views.sqlite")) as db:
        ids = [r[0] for r in db.execute("SELECT enterprise_id FROM enterprises LIMIT 50")]
    rules = Path(env["GRANTS_POLICIES_DIR"])
    services = Services(data, None, catalogue_module.load(extra_dir=rules),
                        clock=Clock(END))
    seal = services.seal
    times: dict = {(mode, paced): [] for mode in ("with", "without") for paced in (True, False)}
    n = 0
    try:
        for block in range(2 * 2 * writes // 25):
            mode, paced = ("with", "without")[block % 2], block // 2 % 2 == 0
            services.seal = seal if mode == "with" else (lambda: None)
            for _ in range(25):
                n += 1
                if paced:
                    services.sealed()
                command = RecordDishonesty(at=END, actor="bench",
                                           enterprise_id=ids[n % len(ids)],
                                           note=f"bench write {n}")
                t = time.perf_counter()
                services.execute(command)
                times[mode, paced].append(time.perf_counter() - t)
    finally:
        services.seal = seal
        services.close()
    ms = {k: 1000 * statistics.median(v) for k, v in times.items()}
    return {"writes_each": len(times["with", True]),
            "median_ms_with_seal": round(ms["with", True], 3),
            "median_ms_without": round(ms["without", True], 3),
            "slowdown": round(ms["with", True] / ms["without", True] - 1, 3),
            "back_to_back_ms_with_seal": round(ms["with", False], 3),
            "back_to_back_ms_without": round(ms["without", False], 3),
            "back_to_back_slowdown": round(ms["with", False] / ms["without", False] - 1, 3)}


def bench_daily_job(env: dict, work: Path, on: date) -> dict:
    """`grants scheduler run --on DATE --json` (a process): the daily job over every enterprise.

    Run last on the SQLite store: it records flags (ReconcileFlags) like the real job."""
    log(f"daily job: grants scheduler run --on {on} ...")
    run = grants(["scheduler", "run", "--on", on.isoformat(), "--json"], env, work, "daily")
    try:
        answer = json.loads(run.stdout.read_text(encoding="utf-8"))
    except ValueError:
        raise RuntimeError(f"grants scheduler run failed (exit {run.code}):\n"
                           f"{run.stderr[-2000:]}") from None
    return {"on": on.isoformat(), "enterprises": answer["enterprises"],
            "flags_raised": answer["raised"], "open": answer["open"],
            "refused": len(answer["refused"]), "seconds": round(run.seconds, 2),
            "cpu_seconds": round(run.cpu_seconds, 2), "peak_mb": round(run.peak_mb),
            "enterprises_per_second": rate(answer["enterprises"], run.seconds)}


# -- pages ----------------------------------------------------------------------------


def summary(latencies: list[float], seconds: float | None = None, errors: int = 0) -> dict:
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return round(ms[max(0, math.ceil(p * len(ms)) - 1)], 1) if ms else 0.0

    out = {"requests": len(ms), "errors": errors, "median_ms": pct(0.5), "p95_ms": pct(0.95),
           "p99_ms": pct(0.99), "max_ms": round(ms[-1], 1) if ms else 0.0}
    if seconds:
        out["seconds"] = round(seconds, 2)
        out["requests_per_second"] = rate(len(ms), seconds)
    return out


def page_targets(data: Path, seed: int = 7) -> tuple[list[str], int]:
    """Enterprises to open (a seeded sample) and how many pages the list has."""
    with closing(sqlite3.connect(data / "views.sqlite")) as conn:
        ids = [r[0] for r in conn.execute("SELECT enterprise_id FROM enterprises "
                                          "ORDER BY enterprise_id")]
    rng = random.Random(seed)
    from projections.pages import PER_PAGE

    return rng.sample(ids, min(len(ids), 500)), max(1, -(-len(ids) // PER_PAGE))


def list_url(rng: random.Random, pages: int) -> str:
    """A page of the enterprise list; half the time the first (what staff open), else any."""
    page = 1 if rng.random() < 0.5 else rng.randint(1, pages)
    return f"/enterprises?page={page}"


def bench_pages_in_process(data: Path, rules: Path, username: str, count: int,
                           max_seconds: float) -> dict:
    """Flask's test client, logged in, one request at a time."""
    from web.app import create_app, services

    ids, pages = page_targets(data)
    app = create_app({"GRANTS_DATA": str(data), "GRANTS_EVENT_STORE": "", "SECRET_KEY": "bench",
                      "GRANTS_SCHEDULER": "off", "GRANTS_POLICIES_DIR": str(rules),
                      "GRANTS_TODAY": END.isoformat()})
    from web.cli import served_work

    served_work()  # the collector tuned as in a served process (`grants serve`)
    try:
        client = app.test_client()
        client.get("/login")
        with client.session_transaction() as session:
            token = session["csrf"]
        answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                             "csrf_token": token})
        if answer.status_code != 303:
            raise RuntimeError(f"log-in refused in process: {answer.status_code}")
        rng = random.Random(11)
        urls = {"enterprise_page": lambda i: f"/enterprises/{ids[i % len(ids)]}",
                "enterprise_list": lambda i: list_url(rng, pages)}
        out = {}
        for name, url in urls.items():
            for i in range(20):  # warm up: templates compiled, caches filled
                client.get(url(i))
            latencies, errors = [], 0
            started = time.perf_counter()
            for i in range(count):
                t = time.perf_counter()
                answer = client.get(url(i))
                answer.get_data()
                latencies.append(time.perf_counter() - t)
                errors += answer.status_code != 200
                if time.perf_counter() - started > max_seconds:
                    break
            out[name] = summary(latencies, errors=errors)
    finally:
        services(app).close()
    return out


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`grants serve` (waitress, --workers: one a core) on a loopback port, for
    the life of a `with`."""

    def __init__(self, env: dict, work: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env, self.work = env, work

    def __enter__(self) -> Server:
        import requests

        self.err = open(self.work / "serve.err", "wb")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--host", "127.0.0.1", "--port",
             str(self.port), "--workers", str(os.cpu_count() or 1)], env=self.env, cwd=ROOT,
            stdout=self.err, stderr=self.err)
        self.watch = PeakWatch(self.proc.pid)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("grants serve stopped: "
                                   + (self.work / "serve.err").read_text()[-2000:])
            try:
                requests.get(self.url + "/login", timeout=2)
                return self
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("grants serve did not answer within 120 s")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        _, _, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = -1
        peak = self.watch.stop()  # the serving parent's own (its workers are its children)
        self.peak_mb = round(peak if peak is not None else usage.ru_maxrss / 1024)
        self.err.close()


def logged_in(url: str, username: str):
    import requests

    session = requests.Session()
    page = session.get(url + "/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = session.post(url + "/login", data={"username": username, "password": PASSWORD,
                                                "csrf_token": token},
                          allow_redirects=False, timeout=30)
    if answer.status_code != 303:
        raise RuntimeError(f"log-in refused over HTTP: {answer.status_code}")
    return session


def http_load(url: str, username: str, make_path, clients: int, per_client: int,
              max_seconds: float) -> dict:
    """`clients` threads, each its own logged-in session, requesting back to back."""
    sessions = [logged_in(url, username) for _ in range(clients)]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        rng = random.Random(100 + k)
        mine, bad = [], 0
        barrier.wait()
        stop = time.perf_counter() + max_seconds
        for i in range(per_client):
            t = time.perf_counter()
            try:
                answer = sessions[k].get(url + make_path(rng, k * per_client + i), timeout=60)
                bad += answer.status_code != 200
            except Exception:
                bad += 1
            mine.append(time.perf_counter() - t)
            if time.perf_counter() > stop:
                break
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    for s in sessions:
        s.close()
    return summary(latencies, seconds, errors[0])


def bench_pages_http(data: Path, env: dict, work: Path, username: str, count: int,
                     max_seconds: float) -> dict:
    ids, pages = page_targets(data)
    paths = {"enterprise_page": lambda rng, i: f"/enterprises/{ids[i % len(ids)]}",
             "enterprise_list": lambda rng, i: list_url(rng, pages)}
    out: dict = {"server": "grants serve (waitress, one worker process a core as the README 's "
                        "grants serve does by default, 8 threads each), scheduler off"}
    with Server(env, work) as server:
        for name, path in paths.items():
            http_load(server.url, username, path, 2, 10, 30)  # warm up
            for clients in (1, CLIENTS):
                log(f"pages: {name} over HTTP, {clients} client(s) ...")
                out[f"{name}_{clients}"] = http_load(server.url, username, path, clients,
                                                     max(20, count // clients), max_seconds)
    out["server_peak_mb"] = server.peak_mb
    return out


# -- the table ------------------------------------------------------------------------


def judge(results: dict) -> dict:
    """Each goal: the figure it is judged on, met or missed, by how much, and what limits it.

    `by` is the figure over its threshold (above 1 is better for a rate, below 1 for a
    time); `limit` names the measured ceiling beside it in the same run, where there is one."""
    out = {}
    sq, pg = results.get("sqlite", {}), results.get("postgres", {})
    imp, reb = sq.get("import"), sq.get("rebuild")
    if imp:
        out["import_commands"] = (imp["apply"]["commands_per_second"], 5000, ">=", "")
        out["import_vs_bare"] = (imp["ratio_to_bare_batched"], 0.5, ">=",
                                 f"bare library {imp['bare_batched']['events_per_second']:,.0f}"
                                 " events/s")
    if pg.get("import"):
        pi = pg["import"]
        out["import_vs_bare_postgres"] = (
            pi["ratio_to_bare_batched"], 0.5, ">=",
            f"bare library {pi['bare_batched']['events_per_second']:,.0f} events/s")
    if reb:
        reads = [f"{k.replace('_', ' ')} {sq[k]['events_per_second']:,.0f} events/s"
                 for k in ("raw_read", "decode") if k in sq]
        out["rebuild_rate"] = (reb["events_per_second"], 100_000, ">=", "; ".join(reads))
        out["rebuild_memory"] = (reb["peak_mb"], 400, "<=", "")
    if "audit" in results:
        au = results["audit"]
        out["audit_rate"] = (au["events_per_second"], 50_000, ">=",
                             f"{au['events_per_cpu_second']:,.0f} events per CPU second")
    pages = results.get("pages", {})
    for where, limit_ms, suffix in (("in_process", 10, ""), ("http", 50, f"_{CLIENTS}")):
        for name, key in (("enterprise_page", "page"), ("enterprise_list", "list")):
            r = pages.get(where, {}).get(name + suffix)
            if r:
                out[f"{key}_{where}"] = (r["p95_ms"], limit_ms, "<=",
                                         f"{os.cpu_count()} cores" if where == "http" else "")
    job = results.get("daily_job")
    if job and job["enterprises"]:
        # Judged on 10,000 enterprises: at another scale, the run's time scaled linearly.
        projected = round(job["seconds"] * 10_000 / job["enterprises"], 2)
        out["daily_job"] = (projected, 10, "<",
                            "" if job["enterprises"] == 10_000 else
                            f"{job['seconds']} s for {job['enterprises']:,}, scaled")
    if "proof" in results:
        out["audit_with_checkpoint"] = (results["proof"]["audit_ratio"], 1.10, "<", "")
        out["seal_slowdown"] = (results["proof"]["writes"]["slowdown"], 0.05, "<", "")
    judged = {}
    for k, (v, t, op, limit) in out.items():
        met = v >= t if op == ">=" else v <= t if op == "<=" else v < t
        judged[k] = {"target": TARGETS[k], "value": v, "threshold": t, "met": met,
                     "by": round(v / t, 3) if t else None, "limit": limit}
    return judged


def fmt(x) -> str:
    if isinstance(x, float) and x >= 100:
        return f"{x:,.0f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def table(results: dict) -> str:
    """One row a figure: what, where, how many, wall seconds, CPU seconds, figure, target."""
    rows = [("measure", "store", "count", "wall s", "cpu s", "figure", "target")]
    targets = results["targets"]

    def mark(key, tag="sqlite"):
        t = targets.get(key if tag == "sqlite" else f"{key}_{tag}")
        if not t:
            return ""
        if t["met"]:
            return f"met ({t['target']})"
        return (f"MISSED by {t['by']:.2f}x ({t['target']})"
                + (f"; beside it: {t['limit']}" if t["limit"] else ""))

    for tag in ("sqlite", "postgres"):
        part = results.get(tag)
        if not part:
            continue
        imp = part.get("import")
        if imp:
            a, b, s = imp["apply"], imp["bare_batched"], imp["bare_single"]
            rows += [
                ("grants apply (process)" + part.get("note", ""), tag, a["commands"],
                 a["seconds"], a["cpu_seconds"], f"{fmt(a['commands_per_second'])} commands/s",
                 mark("import_commands", tag)),
                ("  the same, in events", tag, a["events"], a["seconds"], "",
                 f"{fmt(a['events_per_second'])} events/s", ""),
                (f"bare library, {b['events_per_save']} events a transaction", tag, b["events"],
                 b["seconds"], "", f"{fmt(b['events_per_second'])} events/s", ""),
                ("  grants apply / bare, events/s", tag, "", "", "",
                 f"{imp['ratio_to_bare_batched']:.2f}", mark("import_vs_bare", tag)),
                ("bare library, 1 event a transaction" + (" (time-bounded slice)"
                                                          if s["slice"] else ""),
                 tag, s["events"], s["seconds"], "", f"{fmt(s['events_per_second'])} events/s",
                 ""),
                ("  grants apply / bare 1-event, events/s", tag, "", "", "",
                 f"{imp['ratio_to_bare_single']:.2f}", ""),
            ]
        reb = part.get("rebuild")
        if reb:
            rows += [
                ("grants rebuild (process)", tag, reb["events"], reb["seconds"],
                 reb["cpu_seconds"], f"{fmt(reb['events_per_second'])} events/s",
                 mark("rebuild_rate", tag)),
                ("  peak memory of the rebuild", tag, "", "", "", f"{reb['peak_mb']} MB",
                 mark("rebuild_memory", tag)),
            ]
        for key, label in (("raw_read", "raw driver SELECT of the stored events"),
                           ("decode", "library read + decode (in process)")):
            r = part.get(key)
            if r:
                rows.append((label, tag, r["events"], r["seconds"], "",
                             f"{fmt(r['events_per_second'])} events/s", ""))
        if tag == "sqlite" and "audit" in results:
            au = results["audit"]
            rows += [("grants audit (process)", tag, au["events"], au["seconds"],
                      au["cpu_seconds"], f"{fmt(au['events_per_second'])} events/s",
                      mark("audit_rate")),
                     ("  peak memory of the audit", tag, "", "", "", f"{au['peak_mb']} MB", "")]
            pr = results.get("proof")
            if pr:
                w = pr["writes"]
                rows += [
                    ("grants checkpoint (process)", tag, pr["size"], pr["checkpoint_seconds"],
                     "", "", ""),
                    ("grants prove / verify-proof (processes)", tag, "",
                     f"{pr['prove_seconds']} / {pr['verify_seconds']}", "", "", ""),
                    ("grants audit --checkpoint (process)", tag, pr["size"],
                     pr["audit_with_checkpoint_seconds"], "",
                     f"{pr['audit_ratio']:.3f} x the audit without",
                     mark("audit_with_checkpoint")),
                    ("single write, with / without its signed head", tag, w["writes_each"],
                     "", "", f"{w['median_ms_with_seal']} / {w['median_ms_without']} ms",
                     mark("seal_slowdown")),
                    ("  the same, back to back", tag, w["writes_each"], "", "",
                     f"{w['back_to_back_ms_with_seal']} / {w['back_to_back_ms_without']} ms",
                     ""),
                ]
            job = results.get("daily_job")
            if job:
                rows.append((f"daily job on {job['on']} (process)", tag,
                             job["enterprises"], job["seconds"], job["cpu_seconds"],
                             f"{fmt(job['enterprises_per_second'])} enterprises/s, "
                             f"{job['peak_mb']} MB", mark("daily_job")))
    pages = results.get("pages", {})
    for where, label in (("in_process", "in process"), ("http", "HTTP")):
        p = pages.get(where)
        if not p:
            continue
        for name in ("enterprise_page", "enterprise_list"):
            for suffix, clients in (("", ""), ("_1", ", 1 client"),
                                    (f"_{CLIENTS}", f", {CLIENTS} clients")):
                r = p.get(name + suffix)
                if not r:
                    continue
                short = "page" if name == "enterprise_page" else "list"
                key = f"{short}_in_process" if where == "in_process" and not suffix else \
                    f"{short}_http" if suffix == f"_{CLIENTS}" else None
                rows.append((f"{name.replace('_', ' ')}, {label}{clients}", "sqlite",
                             r["requests"], r.get("seconds", ""), "",
                             f"median {r['median_ms']} ms, p95 {r['p95_ms']} ms"
                             + (f", {fmt(r['requests_per_second'])}/s"
                                if "requests_per_second" in r else ""),
                             mark(key) if key else ""))
    cells = [[c if isinstance(c, str) else fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in cells)


def code_version() -> dict:
    """The commit measured and the files changed since (read-only git commands)."""
    def git(*args):
        out = subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT,
                             capture_output=True, text=True)
        return out.stdout.rstrip()

    return {"commit": git("rev-parse", "HEAD"),
            "changed": git("status", "--porcelain", "--untracked-files=no").splitlines()}


# -- the run --------------------------------------------------------------------------


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0,
                   help="1 = 10,000 enterprises over ten years (default)")
    p.add_argument("--out", default=str(ROOT / "bench.json"))
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--no-http", action="store_true", help="skip the pages over HTTP")
    p.add_argument("--pg-commands", type=int, default=0,
                   help="PostgreSQL on the history's first N commands (default: all that "
                        "fits the time budget)")
    p.add_argument("--budget-minutes", type=float, default=60,
                   help="the whole run's time budget; sizes the PostgreSQL slice (default 60)")
    p.add_argument("--single-seconds", type=float, default=60,
                   help="time bound of the bare library's one-event-a-transaction run")
    p.add_argument("--page-requests", type=int, default=400,
                   help="requests per page kind and setting (default 400)")
    p.add_argument("--work", help="keep the run's files in this folder (default: a temporary "
                                   "one, removed)")
    args = p.parse_args()
    began = time.perf_counter()
    enterprises = max(10, round(10_000 * args.scale))
    results: dict = {
        "command": "scripts/bench " + " ".join(sys.argv[1:]), "scale": args.scale,
        "enterprises": enterprises, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "code": code_version(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rules = work / "rules"
        results["successor_rule_sets"] = write_successors(rules, END)
        batch = work / "history.jsonl"
        log(f"generating the history of {enterprises:,} enterprises over ten years ...")
        results["history"] = write_history(batch, enterprises, rules)
        commands = results["history"]["commands"]

        # SQLite: import, rebuild, reads, audit, pages.
        data = work / "sqlite"
        env = child_env(rules, data)
        sq = results["sqlite"] = {}
        sq["import"] = bench_import(batch, commands, env, work, data, "sqlite",
                                    single_seconds=args.single_seconds)
        sq["rebuild"] = bench_rebuild(env, work, "sqlite")
        log("sqlite: raw and library reads ...")
        sq["raw_read"] = bench_raw_read(data)
        sq["decode"] = bench_decode(data)
        results["audit"] = bench_audit(env, work)
        results["sizes"] = {"events_sqlite_mb": round((data / store.EVENTS_FILE).stat().st_size
                                                      / 2**20),
                            "views_sqlite_mb": round((data / "views.sqlite").stat().st_size
                                                     / 2**20)}
        log("pages: in process ...")
        username = "bench-staff"
        added = grants(["users", "add", username, "--role", "staff", "--password-stdin"], env,
                       work, "users", stdin=PASSWORD + "\n")
        if added.code != 0:
            raise RuntimeError(f"grants users add failed: {added.stderr}")
        pages = results["pages"] = {}
        pages["in_process"] = bench_pages_in_process(data, rules, username, args.page_requests,
                                                     60)
        if not args.no_http:
            pages["http"] = bench_pages_http(data, child_env(rules, data, GRANTS_SCHEDULER="off"),
                                             work, username, args.page_requests, 60)
        results["daily_job"] = bench_daily_job(env, work, END)
        results["proof"] = bench_proof(env, work, data, results["audit"])

        # PostgreSQL: import and rebuild, on all of the history or the slice that fits.
        if not args.no_postgres:
            pg_commands = args.pg_commands or commands
            if not args.pg_commands:
                # Assume PostgreSQL's apply takes as long as SQLite's did (0.55x to 1.3x
                # seen here, 2 cores), and keep time for its rebuild, reads and bare runs.
                apply_s = sq["import"]["apply"]["seconds"]
                left = args.budget_minutes * 60 - (time.perf_counter() - began)
                spare = left - 2 * args.single_seconds - sq["rebuild"]["seconds"] - 180
                estimate = apply_s
                if estimate > spare:
                    pg_commands = max(GROUP, int(commands * max(spare, 0) / estimate))
            pg_commands = min(pg_commands, commands)
            pg_batch = batch
            pg = results["postgres"] = {"commands": pg_commands, "note": ""}
            if pg_commands < commands:
                pg_batch = work / "history-pg.jsonl"
                head(batch, pg_commands, pg_batch)
                pg["note"] = f" [first {pg_commands:,} of {commands:,} commands]"
            url, drop = postgres_database()
            try:
                pg_data = work / "pg"
                pg_env = child_env(rules, pg_data, url)
                pg["import"] = bench_import(pg_batch, pg_commands, pg_env, work, pg_data,
                                            "postgres", url, args.single_seconds)
                pg["rebuild"] = bench_rebuild(pg_env, work, "postgres")
                log("postgres: raw and library reads ...")
                pg["raw_read"] = bench_raw_read(pg_data, url)
                pg["decode"] = bench_decode(pg_data, url)
                pg["database_mb"] = database_mb(url)
            finally:
                drop()
    log("done")
    results["targets"] = judge(results)
    results["timeline"] = TIMELINE
    results["seconds"] = round(time.perf_counter() - began, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(table(results))
    print(f"\n{commands:,} commands for {enterprises:,} enterprises over ten years; "
          f"run took {results['seconds'] / 60:.1f} min")
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
