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
import errno
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
from web.cli_words import Parser
from web.messages import finding_message, flag_message, template_message, with_words
from web.progress import Progress
from web.services import Services
from web.settings import Settings, SettingsError
from web.users import ROLES, USERS_FILE, UserError, Users


def say(key: str, /, **values) -> str:
    """A line of `grants` in its reader's words: `cli.<key>` of the catalogues, in the
    language of GRANTS_LANG or the locale (main speaks it), `values` already written out."""
    return words.template(f"cli.{key}").format(
        **{k: "" if v is None else v for k, v in values.items()})


def yuan(amount) -> str:
    """An amount as the reader writes it, every fen kept: 380000.00 in the contract's
    English, 38.00万元 in Chinese (web/words.py, the one formatter)."""
    return words.money(amount, exact=True)


def why_not(e: OSError) -> str:
    """Why a file could not be opened, in the reader's words (the system's own words
    when the catalogues have none for the error)."""
    key = f"oserror.{errno.errorcode.get(e.errno or 0, '')}"
    found = say(key)
    if found != f"cli.{key}":
        return found
    return say("oserror", number=e.errno) if words.reader().zh else (e.strerror or str(e))


def why_not_utf8(e: UnicodeDecodeError) -> str:
    """Why bytes are not UTF-8 text, in the reader's words (the codec's, when the
    catalogues have none for its reason)."""
    key = "utf8." + e.reason.replace(" ", "_")
    found = say(key)
    if found != f"cli.{key}":
        return found
    return say("utf8.other") if words.reader().zh else e.reason


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
        print(say("cannot_read", command="apply", file=args.file, why=why_not(e)),
              file=sys.stderr)
        return 2
    progress = Progress(say("progress.applying"), total) if total else None
    try:
        with closing(open_services(settings)) as services, services.batch():
            ok = apply_lines(services, inputs.lines(source), sys.stdout, progress)
    except UnicodeDecodeError as e:
        print(say("not_utf8", file=args.file, reason=why_not_utf8(e)),
              file=sys.stderr)
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
    print(say("quote.head", application_id=q["application_id"], policy=q["policy"],
              article=q["article"], item=q["item"], status=q["status"]))
    for t in q["trace"]:
        amount = f"  {yuan(t['amount']):>16}" if t["amount"] else ""
        article = str(t["article"] or "-")
        print(say("quote.trace", policy=t["policy"], text=t["text"], amount=amount,
                  article=article.ljust(3) if words.reader().plain else article))
    if q["refusal"]:
        print(say("quote.refused", code=q["refusal"]["code"], message=q["refusal"]["message"]))
    print(say("quote.max", amount=yuan(q["max_amount"])))
    for cand in q["candidates"]:
        mark = "*" if cand["most_favourable"] else " "
        print(say("quote.candidate", mark=mark, policy=cand["policy"], article=cand["article"],
                  item=cand["item"], amount=yuan(cand["max_amount"])))
    return 0


def cmd_policies(args, settings: Settings) -> int:
    cat = settings.catalogue()
    if args.json:
        print(dumps(shapes.catalogue(cat)))
        return 0
    print(say("policies.version", version=cat.version))
    plain = words.reader().plain
    for p in cat.policies.values():
        span = say("policies.span",
                   issued=words.day(p.issued) if p.issued else say("policies.no_issued"),
                   until=words.day(p.valid_until) if p.valid_until else say("policies.no_end"))
        print(f"\n{say('policies.policy', id=p.id, level=p.level, span=span)}"
              f"\n  {p.title_zh}\n  {p.title_en}")
        for a in p.articles.values():
            print(say("policies.article", number=f"{a.number:<2}" if plain else a.number,
                      title_zh=a.title_zh, title_en=a.title_en))
            for i in a.items:
                caps = words.listing([say("policies.cap", scope=c.scope, amount=yuan(c.amount))
                                      for c in i.caps]) if i.caps else say("policies.no_cap")
                rate = i.rate if plain or i.rate is None else words.percent(i.rate)
                rule = (say("policies.rate", rate=rate, basis=i.basis) if i.rate is not None
                        else say("policies.up_to_caps"))
                print(say("policies.item", key=i.key, rule=rule, caps=caps))
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
            print(say("demo.logins", logins=words.listing([
                say("demo.login", username=u, password=f"{u}-demo", role=r)
                for u, r, _ in DEMO_USERS])), file=sys.stderr)
        if registered:
            print(say("demo.has_history"), file=sys.stderr)
            return 0
        commands = [json.dumps(c, ensure_ascii=False) for c in
                    history(services.ledger.catalogue, enterprises=args.enterprises,
                            seed=args.seed, end=services.clock.today())]  # nothing after today
        progress = Progress(say("progress.loading_demo"), sum(len(c) + 1 for c in commands))
        with open(os.devnull, "w") as sink, services.batch():
            apply_lines(services, commands, sink, progress)
        progress.done()
        from web import daily

        summary = daily.run_daily(services, services.clock.today(), settings.digest)
        print(say("demo.flagged", open=summary.open), file=sys.stderr)
        first = next(json.loads(c)["application_id"] for c in commands
                     if '"SubmitApplication"' in c)
        print(say("demo.loaded", commands=len(commands), enterprises=args.enterprises,
                  first=first), file=sys.stderr)
    return 0


def cmd_serve(args, settings: Settings) -> int:
    """Serve the dashboard and the API (waitress; Flask's server only with --debug).

    `--workers N` (default: one a core) pre-forks N waitress processes that accept on one
    listening socket: one process of threads uses about one core under the GIL, so a
    second core needs a second process (tests/web/test_serve_workers.py: every worker reads
    what another wrote; the sealer moves to another worker when its worker dies). Each
    worker builds its own app after the fork (its own connections and threads); they share
    the data folder, whose views every worker brings up to the log before each read
    (followers take turns, each event once), and one of them runs the daily job
    (scheduler.lock) and signs the heads (sealer.lock).
    The daily job runs inside unless GRANTS_SCHEDULER is off."""
    from web.app import create_app

    settings = replace(settings, scheduler=settings.scheduler is not False)
    workers = args.workers or os.cpu_count() or 1
    url = f"http://{args.host}:{args.port}/"
    if args.debug:
        print(say("serve.serving", url=url), file=sys.stderr, flush=True)
        create_app(settings=settings).run(host=args.host, port=args.port, debug=True)
        return 0
    import waitress

    if workers == 1:
        app = create_app(settings=settings)
        served_work()
        print(say("serve.serving", url=url), file=sys.stderr, flush=True)
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
        _end_with_parent(parent)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, ENDING)
        code = 1
        try:
            import waitress

            app = create_app(settings=settings)
            served_work()
            waitress.serve(app, sockets=[sock], threads=args.threads, ident="grant-ledger")
            code = 0
        finally:
            os._exit(code)

    parent = os.getpid()
    ENDING = {signal.SIGTERM, signal.SIGINT}

    def start() -> int:
        # no SIGTERM reaches a new worker before its handlers are the default (it unblocks)
        before = signal.pthread_sigmask(signal.SIG_BLOCK, ENDING)
        pid = os.fork()
        if pid == 0:
            worker()
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
        return pid

    stopping: list[int] = []
    children: set[int] = set()

    def stop(signum, _frame) -> None:
        stopping.append(signum)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    # A SIGTERM while the workers start waits until the parent can pass it on to all of
    # them (unblocked below).
    signal.pthread_sigmask(signal.SIG_BLOCK, ENDING)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children.update(start() for _ in range(workers))
    print(say("serve.serving_workers", url=url, workers=workers), file=sys.stderr, flush=True)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, ENDING)
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        children.discard(pid)
        if not stopping:
            print(say("serve.worker_ended", pid=pid), file=sys.stderr, flush=True)
            children.add(start())
    sock.close()
    return 0


def _end_with_parent(parent: int) -> None:
    """Linux: this process gets SIGTERM when its parent ends, however it ends (a worker of
    `grants serve --workers` never outlives the parent that would restart or stop it)."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent's SIGTERM handler still stops them
        pass
    if os.getppid() != parent:  # the parent ended before prctl took effect
        os._exit(0)


def _password(args) -> str:
    return sys.stdin.readline().rstrip("\n") if args.password_stdin \
        else getpass.getpass(say("users.password_prompt", username=args.username))


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
        print(say("users.added", username=user.username, role=user.role))
    elif args.action == "list":
        locked = {x["subject"] for x in users.throttle.locked() if x["kind"] == "user"}
        for u in users.list():
            state = _state(u.active) + (say("users.locked") if u.username in locked else "")
            print(f"{u.username:<20} {u.role:<8} {state:<9} {u.name}")
    elif args.action == "disable":
        users.disable(args.username, actor=actor)
        print(say("users.disabled_done", username=args.username))
    elif args.action == "enable":
        users.enable(args.username, actor=actor)
        print(say("users.enabled_done", username=args.username))
    elif args.action == "password":
        users.set_password(args.username, _password(args), actor=actor)
        print(say("users.password_done", username=args.username))
    elif args.action == "role":
        users.set_role(args.username, args.role, actor=actor)
        print(say("users.role_done", username=args.username, role=args.role))
    elif args.action == "token":
        print(users.issue_token(args.username, actor=actor))
    elif args.action == "revoke-token":
        users.revoke_token(args.username, actor=actor)
        print(say("users.token_revoked", username=args.username))
    elif args.action == "unlock":
        if args.address:
            forgotten = users.unlock_address(args.address)
        elif args.username:
            forgotten = users.unlock(args.username)
        else:
            print(say("users.unlock_whom"), file=sys.stderr)
            return 2
        print(say("users.unlocked", who=args.address or args.username, forgotten=forgotten))
    elif args.action == "history":
        rows = users.history(args.username)
        if args.json:
            print(dumps(rows))
        for r in [] if args.json else rows:
            # The contract's English keeps the recorded time as stored; Chinese reads it
            # in Beijing time, as the pages do.
            when = r["recorded_at"] if words.reader().plain else words.moment(r["recorded_at"])
            print(say("users.history", when=when, username=f"{r['username']:<16}",
                      event=f"{r['event']:<16}", role=f"{r['role']!s:<8}",
                      state=f"{_state(r['active']):<9}", actor=r["actor"]))
    return 0


def _state(active: bool) -> str:
    return say("users.active") if active else say("users.disabled")


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
    plain = words.reader().plain
    when = say("ent.as_of", date=words.day(answer["as_of"])) if answer["as_of"] else ""
    known = say("ent.known_at", moment=answer["known_at"] if plain else
                words.moment(answer["known_at"])) if answer["known_at"] else ""
    print(say("ent.head", enterprise_id=answer["enterprise_id"], name=answer["name"],
              size=answer["size"], when=when, known=known))
    print(say("ent.totals", awarded=yuan(answer["awarded_total"]),
              disbursed=yuan(answer["disbursed_total"]),
              clawback=yuan(answer["clawback_due_total"])))
    for year, figures in answer["by_year"].items():
        print(say("ent.year", year=year, awarded=yuan(figures["awarded"]),
                  disbursed=yuan(figures["disbursed"])))
    for c in answer["caps"]:
        print(say("ent.cap", policy=c["policy"], article=c["article"], item=c["item"],
                  scope=c["scope"], where=c["year"] or c["project_id"], used=yuan(c["used"]),
                  cap=yuan(c["cap"]), remaining=yuan(c["remaining"])))
    for w in answer["windows"]:
        print(say("ent.window", application_id=w["application_id"], first_year=w["first_year"],
                  last_year=w["last_year"], years_disbursed=w["years_disbursed"],
                  years_planned=w["years_planned"], ends_on=words.day(w["ends_on"])))
    return 0


def cmd_rebuild(args, settings: Settings) -> int:
    with closing(open_ledger(settings)) as ledger, \
            closing(Follower.beside(ledger, settings.data)) as follower:
        total = ledger.recorder.max_notification_id() or 0
        progress = Progress(say("progress.rebuilding"), total)
        started = time.perf_counter()
        applied = follower.rebuild(progress)
        progress.done()
        seconds = time.perf_counter() - started
    rate = applied / seconds if seconds else 0
    print(say("rebuild", events=applied, seconds=f"{seconds:.1f}", rate=f"{rate:,.0f}"),
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
            print(f"grants audit: {proof_error(e)}", file=sys.stderr)
            return 2
        progress = Progress(say("progress.auditing"), ledger.recorder.max_notification_id() or 0)
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
            f["message"] = proofs.words(f)  # in the reader's words, as every message
        answer["ok"] = ok
        print(dumps(answer))
    else:
        print(say("audit.summary",
                  as_of=say("audit.as_of", date=words.day(args.as_of)) if args.as_of else "",
                  events=report.events_checked,
                  chain=say("audit.intact") if report.chain_ok else say("audit.broken"),
                  decisions=report.decisions_checked, findings=len(report.findings),
                  rate=f"{report.events_per_second:,.0f}"))
        for f in report.findings:
            print(say("audit.finding", kind=f.kind, subject=f.application_id or f.enterprise_id,
                      notification_id=f.notification_id,
                      message=finding_message(f.to_dict())))
        for d in report.differences:
            print(say("audit.what_if", application_id=d.application_id,
                      recorded_max=yuan(d.recorded_max), recorded_version=d.recorded_version,
                      current_max=yuan(d.current_max), current_version=d.current_version))
        print(say("audit.log", records=log.records, heads=log.heads, checkpoints=log.checkpoints,
                  findings=len(log.findings),
                  unsigned=say("audit.unsigned", unsigned=log.unsigned) if log.unsigned else ""))
        for f in log.findings:
            print(say("kind_line", kind=f.kind, message=proofs.words(f.to_dict())))
    return 0 if ok else 1


def proof_error(e: proofs.ProofError) -> str:
    """Why a checkpoint or proof file could not be used, in the reader's words. The
    contract's English names the cause as Python does; other readers read it worded."""
    values = dict(e.values)
    if e.cause is not None and not words.reader().plain:
        values["why"] = _cause(e.cause)
    return say(f"proof_error.{e.key}", **values)


def _cause(cause: Exception) -> str:
    if isinstance(cause, OSError):
        return why_not(cause)
    if isinstance(cause, UnicodeDecodeError):
        return why_not_utf8(cause)
    if isinstance(cause, json.JSONDecodeError):
        return say("why.json", line=cause.lineno, column=cause.colno)
    return say("why.other")


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
            print(f"grants prove: {proof_error(e)}", file=sys.stderr)
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
        print(f"grants verify-proof: {proof_error(e)}", file=sys.stderr)
        return 2
    if args.json:
        print(dumps({"ok": not findings, "findings": [
            {**f, "message": proofs.words(f)} for f in findings]}))
    elif findings:
        for f in findings:
            print(say("kind_line", kind=f["kind"], message=proofs.words(f)))
    else:
        print(say("proof.holds", file=args.file))
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
    print(say("flags.head", date=words.day(on), count=len(rows)))
    for r in rows:
        late = say("flags.overdue") if r["overdue"] else ""
        print(f"  {words.day(r['due_on'])}  {late}{r['kind']:<15} {r['enterprise_id']}  "
              f"{r['message']}")
    return 0


def cmd_scheduler(args, settings: Settings) -> int:
    """Run the daily job now (from cron, or to catch up), as of a date (default today)."""
    from web import daily

    on = args.on or settings.clock.today()
    with closing(open_services(settings)) as services:
        try:
            summary = daily.run_once(services, on, settings.digest, replay=args.replay)
        except daily.EarlierThanLastRun as e:
            print(say("scheduler.earlier", on=words.day(e.on), last=words.day(e.last)),
                  file=sys.stderr)
            return 1
    if summary.skipped and not args.json:
        print(say("scheduler.skipped", on=words.day(on), why=summary.skipped))
        return 1 if summary.refused else 0
    print(dumps(summary.to_dict()) if args.json else
          say("scheduler.summary", on=words.day(on), enterprises=summary.enterprises,
              raised=len(summary.raised), cleared=summary.cleared, open=summary.open,
              overdue=len(summary.overdue)))
    return 1 if summary.refused else 0


def cmd_import(args, settings: Settings) -> int:
    """Import historical awards from a CSV or XLSX sheet (docs/api.md, "Importing")."""
    from web import importer

    actor = args.actor or getpass.getuser()
    try:
        with closing(open_services(settings)) as services:
            report = importer.import_file(services, args.file, actor, dry_run=args.dry_run)
    except OSError as e:
        print(say("cannot_read", command="import", file=args.file, why=why_not(e)),
              file=sys.stderr)
        return 2
    except importer.TemplateError as e:
        print(say("import.template", file=args.file, message=template_message(e)),
              file=sys.stderr)
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
        raise argparse.ArgumentTypeError(say("help.not_moment", text=repr(text))) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(say("help.not_date", text=repr(text))) from None


def helped(key: str) -> str:
    """A help string or description of `grants --help`: `cli.help.<key>`, in the
    reader's words (argparse %-formats help strings: a `%` is written `%%`)."""
    return say(f"help.{key}")


def parser() -> argparse.ArgumentParser:
    """`grants`' arguments, their help in the reader's words (build it within `speaking`;
    web/cli_words.py words argparse's own). Names, metavars and choices never change."""
    h = helped
    p = Parser(prog="grants", description=h("description"))
    p.add_argument("--data", metavar="DIR", help=h("data"))
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("apply", help=h("apply"))
    a.add_argument("file", help=h("apply.file"))
    a.set_defaults(run=cmd_apply)
    q = sub.add_parser("quote", help=h("quote"))
    q.add_argument("application_id")
    q.add_argument("--on", type=parse_date, help=h("quote.on"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(run=cmd_quote)
    pol = sub.add_parser("policies", help=h("policies"))
    pol.add_argument("--json", action="store_true")
    pol.set_defaults(run=cmd_policies)
    e = sub.add_parser("entitlement", help=h("entitlement"))
    e.add_argument("enterprise_id")
    e.add_argument("--as-of", type=parse_date, help=h("entitlement.as_of"))
    e.add_argument("--known-at", type=parse_datetime, help=h("entitlement.known_at"))
    e.add_argument("--json", action="store_true")
    e.set_defaults(run=cmd_entitlement)
    r = sub.add_parser("rebuild", help=h("rebuild"))
    r.set_defaults(run=cmd_rebuild)
    au = sub.add_parser("audit", help=h("audit"))
    au.add_argument("--as-of", type=parse_date, help=h("audit.as_of"))
    au.add_argument("--what-if", action="store_true", help=h("audit.what_if"))
    au.add_argument("--json", action="store_true")
    au.add_argument("--csv", metavar="FILE", help=h("audit.csv"))
    au.add_argument("--html", metavar="FILE", help=h("audit.html"))
    au.add_argument("--checkpoint", metavar="FILE", action="append", help=h("audit.checkpoint"))
    au.set_defaults(run=cmd_audit)
    ck = sub.add_parser("checkpoint", help=h("checkpoint"))
    ck.add_argument("--out", metavar="FILE", help=h("out"))
    ck.set_defaults(run=cmd_checkpoint)
    pr = sub.add_parser("prove", help=h("prove"))
    pr.add_argument("application_id")
    pr.add_argument("--checkpoint", metavar="FILE", help=h("prove.checkpoint"))
    pr.add_argument("--out", metavar="FILE", help=h("out"))
    pr.set_defaults(run=cmd_prove)
    vp = sub.add_parser("verify-proof", help=h("verify_proof"))
    vp.add_argument("file")
    vp.add_argument("--keys", metavar="FILE", help=h("verify_proof.keys"))
    vp.add_argument("--json", action="store_true")
    vp.set_defaults(run=cmd_verify_proof)
    im = sub.add_parser("import", help=h("import"))
    im.add_argument("file", help=h("import.file"))
    im.add_argument("--actor", help=h("import.actor"))
    im.add_argument("--dry-run", action="store_true", help=h("import.dry_run"))
    im.add_argument("--json", action="store_true", help=h("import.json"))
    im.set_defaults(run=cmd_import)
    fl = sub.add_parser("flags", help=h("flags"))
    fl.add_argument("--on", type=parse_date, help=h("flags.on"))
    fl.add_argument("--json", action="store_true")
    fl.set_defaults(run=cmd_flags)
    sc = sub.add_parser("scheduler", help=h("scheduler"))
    sc_sub = sc.add_subparsers(dest="action", required=True)
    sr = sc_sub.add_parser("run", help=h("scheduler.run"))
    sr.add_argument("--on", type=parse_date, help=h("scheduler.on"))
    sr.add_argument("--replay", action="store_true", help=h("scheduler.replay"))
    sr.add_argument("--json", action="store_true")
    sc.set_defaults(run=cmd_scheduler)
    sv = sub.add_parser("serve", help=h("serve"))
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--threads", type=int, default=8, help=h("serve.threads"))
    sv.add_argument("--workers", type=int, default=0, help=h("serve.workers"))
    sv.add_argument("--debug", action="store_true", help=h("serve.debug"))
    sv.set_defaults(run=cmd_serve)
    us = sub.add_parser("users", help=h("users"))
    us_sub = us.add_subparsers(dest="action", required=True)
    ua = us_sub.add_parser("add", help=h("users.add"))
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=ROLES)
    ua.add_argument("--name")
    ua.add_argument("--password-stdin", action="store_true", help=h("users.password_stdin"))
    us_sub.add_parser("list", help=h("users.list"))
    ud = us_sub.add_parser("disable", help=h("users.disable"))
    ud.add_argument("username")
    ue = us_sub.add_parser("enable", help=h("users.enable"))
    ue.add_argument("username")
    up = us_sub.add_parser("password", help=h("users.password"))
    up.add_argument("username")
    up.add_argument("--password-stdin", action="store_true", help=h("users.password_stdin"))
    ur = us_sub.add_parser("role", help=h("users.role"))
    ur.add_argument("username")
    ur.add_argument("role", choices=ROLES)
    ut = us_sub.add_parser("token", help=h("users.token"))
    ut.add_argument("username")
    uv = us_sub.add_parser("revoke-token", help=h("users.revoke_token"))
    uv.add_argument("username")
    ul = us_sub.add_parser("unlock", help=h("users.unlock"))
    ul.add_argument("username", nargs="?")
    ul.add_argument("--address", help=h("users.unlock.address"))
    uh = us_sub.add_parser("history", help=h("users.history"))
    uh.add_argument("username", nargs="?")
    uh.add_argument("--json", action="store_true")
    us.set_defaults(run=cmd_users)
    d = sub.add_parser("demo", help=h("demo"))
    d.add_argument("--enterprises", type=int, default=300)
    d.add_argument("--seed", type=int, default=1)
    d.set_defaults(run=cmd_demo)
    return p


def language_of(environ) -> str:
    """The language of `grants` before its settings are read (to word its arguments'
    help and errors): GRANTS_LANG's when it names zh or en, else the locale's (as the
    settings' own error is worded)."""
    lang = (environ.get("GRANTS_LANG") or "").strip().lower()
    if lang and not lang.startswith(("zh", "en")):
        environ = {k: v for k, v in environ.items() if k != "GRANTS_LANG"}
    return words.language_of_environ(environ)


def main(argv: list[str] | None = None, environ=os.environ) -> int:
    """Run one `grants` command on the settings `environ` gives (`--data` over GRANTS_DATA)."""
    with words.speaking(language_of(environ)):  # --help and argparse's errors, worded
        args = parser().parse_args(argv)
    try:
        settings = Settings.from_environ(environ)
    except SettingsError as e:  # before the settings: the language is the environment's
        # (a GRANTS_LANG in error names none: the locale's then)
        trusted = {k: v for k, v in environ.items() if k != e.values.get("variable")}
        with words.speaking(words.language_of_environ(trusted)):
            print(say("settings", message=e.said()), file=sys.stderr)
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


def served_work() -> None:
    """Tune the garbage collector for a served process: what start-up made (the app, the
    catalogue, the templates) stays out of every collection (frozen), and the youngest
    generation is collected less often. Pages make few reference cycles; the default
    paused a request for 1.5 ms every dozen or so (7% of them, the 95th percentile)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


if __name__ == "__main__":
    sys.exit(main())
