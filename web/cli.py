"""The `grants` command line: the contract's commands and queries (DOMAIN.md).

    grants [--data DIR] apply FILE|-        one JSON command a line, one JSON line out
    grants [--data DIR] quote APPLICATION_ID [--on DATE] [--json]
    grants policies [--json]
    grants [--data DIR] entitlement ENTERPRISE_ID [--as-of DATE] [--known-at TIME] [--json]
    grants [--data DIR] rebuild                  rebuild the read models from the log
    grants [--data DIR] audit [--as-of DATE] [--what-if] [--json] [--csv F] [--html F]
    grants [--data DIR] demo [--enterprises N]   load the demo history into an empty store
    grants [--data DIR] import FILE [--dry-run] [--json]   historical awards from CSV or XLSX
    grants [--data DIR] flags [--on DATE] [--json]   what the scheduler flags on a date
    grants [--data DIR] scheduler run [--on DATE] [--replay]   run the daily job now
    grants [--data DIR] serve [--host H] [--port P] [--workers N] [--debug]
    grants [--data DIR] users add|list|disable|enable|password|role|token|unlock|history ...

Exit statuses of `apply`: 0 all succeeded, 1 any failed, 2 the input could not be read.
`grants` reads its settings (web/settings.py) once, before any command, and exits 2
when a GRANTS_* variable holds a value it cannot use.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import json
import os
import sys
import time
from contextlib import closing
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from lifecycle import audit, store
from lifecycle.errors import Refused
from lifecycle.ledger import GROUP, Ledger
from projections import queries
from projections.follower import Follower
from web import audit_report, contract, inputs, proofs, shapes, words
from web.messages import finding_message, flag_message, with_words
from web.progress import Progress
from web.services import Services
from web.settings import Settings, SettingsError
from web.users import ROLES, USERS_FILE, UserError, Users


def open_ledger(settings: Settings) -> Ledger:
    """The ledger alone, for commands that need no read models (quote, audit)."""
    return Ledger(env=store.settings(settings.data, settings.event_store),
                  catalogue=settings.catalogue(), clock=settings.clock)


def open_services(settings: Settings) -> Services:
    """The ledger and its read models: the path every write takes."""
    return Services.from_settings(settings)


#: Line breaks to Unicode but not to JSON: escaped, so that a line is a line to any reader.
_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def dumps(obj) -> str:
    """One JSON line: UTF-8 text, with no character any reader could take for a line break."""
    return json.dumps(obj, ensure_ascii=False).translate(_BREAKS)


def apply_lines(services: Services, lines, out, progress: Progress | None = None,
                group: int = GROUP) -> bool:
    """Run each line as one command; write one JSON line per command. True if all succeeded.

    Commands are read and saved in groups (Ledger.run); a group's lines are written once
    it is saved (`grants apply` brings the read models up once, at the end: Services.batch).
    A line the reader refuses (web/inputs.py: not JSON, too long, too deep, ...) answers
    its own invalid_command line, and the lines around it run.
    """
    all_ok = True
    for chunk in _chunks(lines, group):
        items, sizes = [], 0
        for line in chunk:
            sizes += len(line) + 1
            try:
                if isinstance(line, inputs.Oversized):
                    raise line.refusal()
                items.append(inputs.read_json(line))
            except inputs.UnreadableInput as refused:
                items.append(_Unread(refused))
        parsed = [i for i in items if not isinstance(i, _Unread)]
        answers = iter(services.execute_json_many(parsed))
        for item in items:
            result = item.line() if isinstance(item, _Unread) else next(answers)
            all_ok &= result["ok"]
            out.write(dumps(result) + "\n")
        out.flush()
        if progress:
            progress.step(sizes)
    return all_ok


class _Unread:
    def __init__(self, refused: inputs.UnreadableInput):
        self.refused = refused

    def line(self) -> dict:
        return contract.refused_line(self.refused.command, self.refused)


def _chunks(lines, size: int):
    chunk = []
    for line in lines:
        if isinstance(line, inputs.Oversized) or line.strip():
            chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def cmd_apply(args, settings: Settings) -> int:
    try:
        if args.file == "-":
            source, total = sys.stdin, None
        else:
            source = open(args.file, encoding="utf-8")  # noqa: SIM115 - closed below
            total = source.seek(0, 2) or None
            source.seek(0)
    except OSError as e:
        print(f"grants apply: cannot read {args.file}: {e.strerror}", file=sys.stderr)
        return 2
    progress = Progress("applying", total) if total else None
    try:
        with closing(open_services(settings)) as services, services.batch():
            ok = apply_lines(services, inputs.lines(source), sys.stdout, progress)
    except UnicodeDecodeError as e:
        print(f"grants apply: {args.file} is not UTF-8 text: {e.reason}", file=sys.stderr)
        return 2
    finally:
        if progress:
            progress.done()
        if source is not sys.stdin:
            source.close()
    return 0 if ok else 1


def _refused(args, refused: Refused) -> int:
    """A query's refusal: a JSON line with --json, else a message on standard error."""
    error = contract.error(refused)
    if args.json:
        print(dumps({"ok": False, "error": error}))
    else:
        print(f"grants {args.command}: {error['message']}", file=sys.stderr)
    return 1


def cmd_quote(args, settings: Settings) -> int:
    with closing(open_ledger(settings)) as ledger:
        try:
            q = contract.quote(ledger.quote(args.application_id, args.on or settings.clock.today()))
        except Refused as refused:
            return _refused(args, refused)
    if args.json:
        print(dumps(q))
        return 0
    print(f"{q['application_id']}  {q['policy']} art. {q['article']} {q['item']}  "
          f"[{q['status']}]")
    for t in q["trace"]:
        amount = f"  {t['amount']:>16}" if t["amount"] else ""
        print(f"  {t['policy']} art. {t['article'] or '-':<3} {t['text']}{amount}")
    if q["refusal"]:
        print(f"  refused: {q['refusal']['code']}: {q['refusal']['message']}")
    print(f"max_amount: {q['max_amount']}")
    for cand in q["candidates"]:
        mark = "*" if cand["most_favourable"] else " "
        print(f"  {mark} {cand['policy']} art. {cand['article']} {cand['item']}: "
              f"{cand['max_amount']}")
    return 0


def cmd_policies(args, settings: Settings) -> int:
    cat = settings.catalogue()
    if args.json:
        print(dumps(shapes.catalogue(cat)))
        return 0
    print(f"catalogue version {cat.version}")
    for p in cat.policies.values():
        span = f"{p.issued or 'date not stated'} – {p.valid_until or 'no stated end'}"
        print(f"\n{p.id} ({p.level}) {span}\n  {p.title_zh}\n  {p.title_en}")
        for a in p.articles.values():
            print(f"  art. {a.number:<2} {a.title_zh} / {a.title_en}")
            for i in a.items:
                caps = ", ".join(f"{c.scope} {c.amount}" for c in i.caps) or "no cap"
                rule = f"{i.rate} × {i.basis}" if i.rate is not None else "up to the caps"
                print(f"         {i.key}: {rule}; {caps}")
    return 0


DEMO_USERS = (("staff", "staff", "工作人员 Staff"), ("auditor", "auditor", "审计 Auditor"),
              ("admin", "admin", "管理员 Admin"))


def cmd_demo(args, settings: Settings) -> int:
    """Load the seeded demo history into an empty store through the ordinary commands."""
    from web.synthetic import history

    with closing(open_services(settings)) as services:
        users = Users(services)
        users.import_legacy(services.data_dir / USERS_FILE)
        # Any event but the accounts' (which are events too) means a history is there.
        with services.reader() as views:
            registered = views.db.execute("SELECT count(*) FROM history").fetchone()[0]
        if users.empty():
            for username, role, name in DEMO_USERS:
                users.add(username, role, f"{username}-demo", name)
            print("grants demo: demo log-ins " + ", ".join(
                f"{u} / {u}-demo ({r})" for u, r, _ in DEMO_USERS), file=sys.stderr)
        if registered:
            print("grants demo: the store already holds a history; none loaded",
                  file=sys.stderr)
            return 0
        commands = [json.dumps(c, ensure_ascii=False) for c in
                    history(services.ledger.catalogue, enterprises=args.enterprises,
                            seed=args.seed, end=services.clock.today())]  # nothing after today
        progress = Progress("loading demo", sum(len(c) + 1 for c in commands))
        with open(os.devnull, "w") as sink, services.batch():
            apply_lines(services, commands, sink, progress)
        progress.done()
        from web import daily

        summary = daily.run_daily(services, services.clock.today(), settings.digest)
        print(f"grants demo: the daily job flagged {summary.open} obligation(s) open today",
              file=sys.stderr)
        first = next(json.loads(c)["application_id"] for c in commands
                     if '"SubmitApplication"' in c)
        print(f"grants demo: {len(commands)} commands for {args.enterprises} enterprises "
              f"loaded; the first application is {first}", file=sys.stderr)
    return 0


def cmd_serve(args, settings: Settings) -> int:
    """Serve the dashboard and the API (waitress; Flask's server only with --debug).

    `--workers N` (default 1; the sealer's hand-over between workers is untested) pre-forks N
    waitress processes that accept on one
    listening socket: one process of threads uses about one core under the GIL, so a
    second core needs a second process. Each worker builds its own app after the fork
    (its own connections and threads); they share the data folder, whose views every
    worker brings up to the log before each read (followers take turns, each event once),
    and one of them runs the daily job (scheduler.lock) and signs the heads (sealer.lock).
    The daily job runs inside unless GRANTS_SCHEDULER is off."""
    from web.app import create_app

    settings = replace(settings, scheduler=settings.scheduler is not False)
    workers = args.workers or 1
    url = f"http://{args.host}:{args.port}/"
    if args.debug:
        print(f"Grant Ledger is serving at {url}", file=sys.stderr, flush=True)
        create_app(settings=settings).run(host=args.host, port=args.port, debug=True)
        return 0
    import waitress

    if workers == 1:
        app = create_app(settings=settings)
        print(f"Grant Ledger is serving at {url}", file=sys.stderr, flush=True)
        waitress.serve(app, host=args.host, port=args.port, threads=args.threads,
                       ident="grant-ledger")
        return 0
    return _serve_workers(args, settings, workers, url)


def _serve_workers(args, settings: Settings, workers: int, url: str) -> int:
    """The parent of `workers` waitress processes on one socket: it restarts a worker
    that dies and, on SIGTERM or SIGINT, stops them all."""
    import contextlib
    import signal
    import socket

    from web.app import create_app
    from web.services import Services

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(1024)
    Services.one_sealer_per_folder = True  # inherited by every worker

    def worker() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        code = 1
        try:
            import waitress

            app = create_app(settings=settings)
            waitress.serve(app, sockets=[sock], threads=args.threads, ident="grant-ledger")
            code = 0
        finally:
            os._exit(code)

    def start() -> int:
        pid = os.fork()
        if pid == 0:
            worker()
        return pid

    children = {start() for _ in range(workers)}
    print(f"Grant Ledger is serving at {url} ({workers} worker processes)", file=sys.stderr,
          flush=True)
    stopping = []

    def stop(signum, _frame) -> None:
        stopping.append(signum)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        children.discard(pid)
        if not stopping:
            print(f"grants serve: worker {pid} ended; starting another", file=sys.stderr,
                  flush=True)
            children.add(start())
    sock.close()
    return 0


def _password(args) -> str:
    return sys.stdin.readline().rstrip("\n") if args.password_stdin \
        else getpass.getpass(f"password for {args.username}: ")


def cmd_users(args, settings: Settings) -> int:
    """Users are events in the log (lifecycle/accounts.py): a change made here holds on
    every node at its next request, and names the login running it as its actor."""
    with closing(open_services(settings)) as services:
        users = Users(services)
        users.import_legacy(settings.data / USERS_FILE)
        actor = getpass.getuser()
        try:
            return _users(args, users, actor)
        except UserError as e:
            print(f"grants users: {e.field}: {e.message}", file=sys.stderr)
            return 1


def _users(args, users: Users, actor: str) -> int:
    if args.action == "add":
        user = users.add(args.username, args.role, _password(args), args.name or "",
                         actor=actor)
        print(f"added {user.username} ({user.role})")
    elif args.action == "list":
        locked = {x["subject"] for x in users.throttle.locked() if x["kind"] == "user"}
        for u in users.list():
            state = ("active" if u.active else "disabled") + (", locked" if u.username in
                                                              locked else "")
            print(f"{u.username:<20} {u.role:<8} {state:<9} {u.name}")
    elif args.action == "disable":
        users.disable(args.username, actor=actor)
        print(f"disabled {args.username}")
    elif args.action == "enable":
        users.enable(args.username, actor=actor)
        print(f"enabled {args.username}")
    elif args.action == "password":
        users.set_password(args.username, _password(args), actor=actor)
        print(f"new password for {args.username}; their sessions ended")
    elif args.action == "role":
        users.set_role(args.username, args.role, actor=actor)
        print(f"{args.username} is {args.role}")
    elif args.action == "token":
        print(users.issue_token(args.username, actor=actor))
    elif args.action == "unlock":
        if args.address:
            forgotten = users.unlock_address(args.address)
        elif args.username:
            forgotten = users.unlock(args.username)
        else:
            print("grants users unlock: name a user, or --address ADDRESS", file=sys.stderr)
            return 2
        print(f"unlocked {args.address or args.username} ({forgotten} failure(s) forgotten)")
    elif args.action == "history":
        rows = users.history(args.username)
        if args.json:
            print(dumps(rows))
        for r in [] if args.json else rows:
            print(f"{r['recorded_at']}  {r['username']:<16} {r['event']:<16} "
                  f"{r['role']:<8} {'active' if r['active'] else 'disabled':<9} by {r['actor']}")
    return 0



def cmd_entitlement(args, settings: Settings) -> int:
    with closing(open_services(settings)) as services, services.reader() as views:
        try:
            answer = queries.entitlement(services.ledger, views, args.enterprise_id,
                                         args.as_of, args.known_at)
        except Refused as refused:
            return _refused(args, refused)
    if args.json:
        print(dumps(answer))
        return 0
    when = " as of " + answer["as_of"] if answer["as_of"] else ""
    known = " as known at " + answer["known_at"] if answer["known_at"] else ""
    print(f"{answer['enterprise_id']}  {answer['name']} ({answer['size']}){when}{known}")
    print(f"  awarded {answer['awarded_total']}  disbursed {answer['disbursed_total']}"
          f"  clawback due {answer['clawback_due_total']}")
    for year, figures in answer["by_year"].items():
        print(f"  {year}: awarded {figures['awarded']}, disbursed {figures['disbursed']}")
    for c in answer["caps"]:
        where = c["year"] or c["project_id"] or ""
        print(f"  cap {c['policy']} art. {c['article']} {c['item'] or ''} {c['scope']} {where}: "
              f"{c['used']} of {c['cap']} used, {c['remaining']} remaining")
    for w in answer["windows"]:
        print(f"  window {w['application_id']}: {w['first_year']}–{w['last_year']}, "
              f"{w['years_disbursed']} of {w['years_planned']} tranches paid, ends {w['ends_on']}")
    return 0


def cmd_rebuild(args, settings: Settings) -> int:
    with closing(open_ledger(settings)) as ledger, \
            closing(Follower.beside(ledger, settings.data)) as follower:
        total = ledger.recorder.max_notification_id() or 0
        progress = Progress("rebuilding views", total)
        started = time.perf_counter()
        applied = follower.rebuild(progress)
        progress.done()
        seconds = time.perf_counter() - started
    rate = applied / seconds if seconds else 0
    print(f"grants rebuild: {applied} events in {seconds:.1f}s ({rate:,.0f} events/s)",
          file=sys.stderr)
    return 0


def cmd_audit(args, settings: Settings) -> int:
    """Verify the log and re-check every decision; exits 1 when anything is found.

    The log's proof is checked too: every signed head in the store and each
    `--checkpoint FILE` kept outside it (web/proofs.py)."""
    with closing(open_ledger(settings)) as ledger:
        try:
            check = proofs.log_check(ledger, settings.signing_key_path(), args.checkpoint or [])
        except proofs.ProofError as e:
            print(f"grants audit: {e}", file=sys.stderr)
            return 2
        progress = Progress("auditing", ledger.recorder.max_notification_id() or 0)
        # one pass over the log: the replay hands each record to the proof's check
        report = audit.audit(ledger, as_of=args.as_of, what_if=args.what_if, progress=progress,
                             also=check.feed)
        progress.done()
        log = check.finish()
    if args.csv:
        Path(args.csv).write_text(audit_report.to_csv(report), encoding="utf-8")
    if args.html:
        Path(args.html).write_text(audit_report.to_html(report), encoding="utf-8")
    ok = report.ok and log.ok
    if args.json:
        answer = with_words(report.to_dict())
        answer["log"] = log.to_dict()
        for f in answer["log"]["findings"]:
            f["message"] = proofs.words(f)
        answer["ok"] = ok
        print(dumps(answer))
    else:
        chain = "intact" if report.chain_ok else "BROKEN"
        print(f"audit{' as of ' + args.as_of.isoformat() if args.as_of else ''}: "
              f"{report.events_checked} events checked, chain {chain}; "
              f"{report.decisions_checked} decisions re-checked; "
              f"{len(report.findings)} finding(s) ({report.events_per_second:,.0f} events/s)")
        for f in report.findings:
            print(f"  {f.kind}: {f.application_id or f.enterprise_id or ''} "
                  f"(notification {f.notification_id}) {finding_message(f.to_dict())}")
        for d in report.differences:
            print(f"  what-if {d.application_id}: max {d.recorded_max} under "
                  f"{d.recorded_version}, {d.current_max} under {d.current_version}")
        print(f"log proof: {log.records} records, {log.heads} signed heads checked, "
              f"{log.checkpoints} checkpoint(s); {len(log.findings)} finding(s)"
              + (f"; {log.unsigned} record(s) written since the newest head" if log.unsigned
                 else ""))
        for f in log.findings:
            print(f"  {f.kind}: {proofs.words(f.to_dict())}")
    return 0 if ok else 1


def cmd_checkpoint(args, settings: Settings) -> int:
    """The signed head of the whole log now, as JSON (DOMAIN.md: grants checkpoint)."""
    with closing(open_services(settings)) as services:
        text = dumps(services.checkpoint())
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def cmd_prove(args, settings: Settings) -> int:
    """An inclusion proof of an application's events in the log a checkpoint signed."""
    with closing(open_services(settings)) as services:
        try:
            proof = proofs.prove(services, args.application_id, args.checkpoint)
        except proofs.ProofError as e:
            print(f"grants prove: {e}", file=sys.stderr)
            return 1
    text = dumps(proof)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def cmd_verify_proof(args, settings: Settings) -> int:
    """Check a proof with the public keys alone; exits 0 when it holds, 1 when not."""
    try:
        findings = proofs.verify(args.file, args.keys, settings.signing_key_path())
    except proofs.ProofError as e:
        print(f"grants verify-proof: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(dumps({"ok": not findings, "findings": [
            {**f, "message": proofs.words(f)} for f in findings]}))
    elif findings:
        for f in findings:
            print(f"  {f['kind']}: {proofs.words(f)}")
    else:
        print(f"{args.file}: the proof holds")
    return 1 if findings else 0


def cmd_flags(args, settings: Settings) -> int:
    """What the scheduler flags on a date (default today), by due date."""
    on = args.on or settings.clock.today()
    with closing(open_services(settings)) as services, services.reader() as views:
        rows = queries.flags_on(services.ledger, views, on, services.deadlines)
    rows = [{**r, "message": flag_message(r)} for r in rows]  # in GRANTS_LANG's words
    if args.json:
        print(dumps({"on": on.isoformat(), "flags": rows}))
        return 0
    print(f"flags on {on.isoformat()}: {len(rows)}")
    for r in rows:
        late = "OVERDUE " if r["overdue"] else ""
        print(f"  {r['due_on']}  {late}{r['kind']:<15} {r['enterprise_id']}  {r['message']}")
    return 0


def cmd_scheduler(args, settings: Settings) -> int:
    """Run the daily job now (from cron, or to catch up), as of a date (default today)."""
    from web import daily

    on = args.on or settings.clock.today()
    with closing(open_services(settings)) as services:
        try:
            summary = daily.run_once(services, on, settings.digest, replay=args.replay)
        except daily.EarlierThanLastRun as e:
            print(f"grants scheduler: {e}: judged as of an earlier day, flags would be cleared "
                  "and raised again; nothing was written (--replay runs it all the same)",
                  file=sys.stderr)
            return 1
    if summary.skipped and not args.json:
        print(f"scheduler {on.isoformat()}: skipped: {summary.skipped}")
        return 1 if summary.refused else 0
    print(dumps(summary.to_dict()) if args.json else
          f"scheduler {on.isoformat()}: {summary.enterprises} enterprises judged, "
          f"{len(summary.raised)} flag(s) raised, {summary.cleared} cleared, "
          f"{summary.open} open ({len(summary.overdue)} overdue)")
    return 1 if summary.refused else 0


def cmd_import(args, settings: Settings) -> int:
    """Import historical awards from a CSV or XLSX sheet (docs/api.md, "Importing")."""
    from web import importer

    actor = args.actor or getpass.getuser()
    try:
        with closing(open_services(settings)) as services:
            report = importer.import_file(services, args.file, actor, dry_run=args.dry_run)
    except OSError as e:
        print(f"grants import: cannot read {args.file}: {e.strerror}", file=sys.stderr)
        return 2
    except importer.TemplateError as e:
        print(f"grants import: {args.file}: {e.message}", file=sys.stderr)
        return 2
    if args.json:
        print(dumps(report.to_dict()))
    else:
        importer.print_report(report, sys.stdout)
    return 0 if report.ok else 1


def parse_datetime(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date and time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date: {text!r}") from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grants", description="Grant Ledger: Tongzhou industrial "
                                "grants, from application to the last tranche.")
    p.add_argument("--data", metavar="DIR", help="data folder (default: $GRANTS_DATA, else ./var)")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("apply", help="run commands, one JSON object per line")
    a.add_argument("file", help="a file of JSON lines, or - for standard input")
    a.set_defaults(run=cmd_apply)
    q = sub.add_parser("quote", help="what an application may be approved for now, and why")
    q.add_argument("application_id")
    q.add_argument("--on", type=parse_date, help="judge as on this date (default: today)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(run=cmd_quote)
    pol = sub.add_parser("policies", help="the policy catalogue")
    pol.add_argument("--json", action="store_true")
    pol.set_defaults(run=cmd_policies)
    e = sub.add_parser("entitlement", help="what an enterprise received and may still receive")
    e.add_argument("enterprise_id")
    e.add_argument("--as-of", type=parse_date, help="only what had happened by this business date")
    e.add_argument("--known-at", type=parse_datetime,
                   help="only what had been recorded by this moment (ISO; UTC if no zone)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(run=cmd_entitlement)
    r = sub.add_parser("rebuild", help="throw the read models away and rebuild them from the log")
    r.set_defaults(run=cmd_rebuild)
    au = sub.add_parser("audit", help="verify the log and re-check every decision")
    au.add_argument("--as-of", type=parse_date, help="replay only what had happened by then")
    au.add_argument("--what-if", action="store_true",
                    help="also re-check past approvals under the current catalogue")
    au.add_argument("--json", action="store_true")
    au.add_argument("--csv", metavar="FILE", help="write the findings as CSV")
    au.add_argument("--html", metavar="FILE", help="write a printable HTML report")
    au.add_argument("--checkpoint", metavar="FILE", action="append",
                    help="also prove the log still holds what this checkpoint committed to "
                         "(repeatable)")
    au.set_defaults(run=cmd_audit)
    ck = sub.add_parser("checkpoint", help="a signed statement of the log's size and root now")
    ck.add_argument("--out", metavar="FILE", help="write it to FILE (default: standard output)")
    ck.set_defaults(run=cmd_checkpoint)
    pr = sub.add_parser("prove", help="an inclusion proof of an application's events")
    pr.add_argument("application_id")
    pr.add_argument("--checkpoint", metavar="FILE",
                    help="prove against this checkpoint (default: one signed now)")
    pr.add_argument("--out", metavar="FILE", help="write it to FILE (default: standard output)")
    pr.set_defaults(run=cmd_prove)
    vp = sub.add_parser("verify-proof", help="check a proof with the public keys alone")
    vp.add_argument("file")
    vp.add_argument("--keys", metavar="FILE",
                    help="the signing_keys.pub to trust (default: the data folder's keys)")
    vp.add_argument("--json", action="store_true")
    vp.set_defaults(run=cmd_verify_proof)
    im = sub.add_parser("import", help="import historical awards from a CSV or XLSX sheet")
    im.add_argument("file", help="the sheet: .csv (UTF-8 or GB18030) or .xlsx, with the columns "
                    "of docs/import-template.csv")
    im.add_argument("--actor", help="recorded as the actor of every command (default: your "
                    "login name)")
    im.add_argument("--dry-run", action="store_true",
                    help="judge every row and report; write nothing")
    im.add_argument("--json", action="store_true", help="print the report as JSON")
    im.set_defaults(run=cmd_import)
    fl = sub.add_parser("flags", help="what the scheduler flags on a date")
    fl.add_argument("--on", type=parse_date, help="the date (default: today)")
    fl.add_argument("--json", action="store_true")
    fl.set_defaults(run=cmd_flags)
    sc = sub.add_parser("scheduler", help="the daily job")
    sc_sub = sc.add_subparsers(dest="action", required=True)
    sr = sc_sub.add_parser("run", help="run the daily job now")
    sr.add_argument("--on", type=parse_date, help="judge as of this date (default: today)")
    sr.add_argument("--replay", action="store_true",
                    help="run on a day earlier than the last run all the same")
    sr.add_argument("--json", action="store_true")
    sc.set_defaults(run=cmd_scheduler)
    sv = sub.add_parser("serve", help="serve the dashboard and the API")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--threads", type=int, default=8, help="threads of each worker")
    sv.add_argument("--workers", type=int, default=0,
                    help="server processes on one socket (default 1; several: see docs/scaling.md)")
    sv.add_argument("--debug", action="store_true", help="Flask's development server")
    sv.set_defaults(run=cmd_serve)
    us = sub.add_parser("users", help="manage who may log in")
    us_sub = us.add_subparsers(dest="action", required=True)
    ua = us_sub.add_parser("add", help="add a user (the password is asked for)")
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=ROLES)
    ua.add_argument("--name")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    us_sub.add_parser("list", help="list users")
    ud = us_sub.add_parser("disable", help="disable a user (its API token and sessions end)")
    ud.add_argument("username")
    ue = us_sub.add_parser("enable", help="let a disabled user log in again")
    ue.add_argument("username")
    up = us_sub.add_parser("password", help="a new password (the user's sessions end)")
    up.add_argument("username")
    up.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    ur = us_sub.add_parser("role", help="change a user's role")
    ur.add_argument("username")
    ur.add_argument("role", choices=ROLES)
    ut = us_sub.add_parser("token", help="issue an API token for a user (shown once)")
    ut.add_argument("username")
    ul = us_sub.add_parser("unlock", help="lift the wait after failed log-ins on a name "
                           "(or --address)")
    ul.add_argument("username", nargs="?")
    ul.add_argument("--address", help="a client address instead of a user name")
    uh = us_sub.add_parser("history", help="every change of every account (or of one)")
    uh.add_argument("username", nargs="?")
    uh.add_argument("--json", action="store_true")
    us.set_defaults(run=cmd_users)
    d = sub.add_parser("demo", help="load a seeded demo history into an empty store")
    d.add_argument("--enterprises", type=int, default=300)
    d.add_argument("--seed", type=int, default=1)
    d.set_defaults(run=cmd_demo)
    return p


def main(argv: list[str] | None = None, environ=os.environ) -> int:
    """Run one `grants` command on the settings `environ` gives (`--data` over GRANTS_DATA)."""
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_environ(environ)
    except SettingsError as e:
        print(f"grants: {e}", file=sys.stderr)
        return 2
    if args.data:
        settings = replace(settings, data=Path(args.data))
    if args.command in BULK:
        bulk_work()
    # The words of `message` and `text` (codes and fields never change): GRANTS_LANG or
    # the locale; English, the contract's, unless Chinese is asked for.
    with words.speaking(settings.language):
        return args.run(args, settings)


#: Commands that create and drop millions of objects in one run.
BULK = ("apply", "rebuild", "audit", "import", "demo", "scheduler")


def bulk_work() -> None:
    """Tune the garbage collector for a bulk command: what start-up made stays (frozen)
    and collections are rarer. Events and folded states form no reference cycles to
    speak of, so the default thresholds mostly rescan live objects (12-25% of the time
    of apply, rebuild and audit, profiled)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


if __name__ == "__main__":
    sys.exit(main())
