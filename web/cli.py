"""The `grants` command line: the contract's commands and queries (DOMAIN.md).

    grants [--data DIR] apply FILE|-        one JSON command a line, one JSON line out
    grants [--data DIR] quote APPLICATION_ID [--on DATE] [--json]
    grants policies [--json]
    grants [--data DIR] entitlement ENTERPRISE_ID [--as-of DATE] [--known-at TIME] [--json]
    grants [--data DIR] rebuild                  rebuild the read models from the log
    grants [--data DIR] audit [--as-of DATE] [--what-if] [--json] [--csv F] [--html F]
    grants [--data DIR] demo [--enterprises N]   load the demo history into an empty store

Exit statuses of `apply`: 0 all succeeded, 1 any failed, 2 the input could not be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

from lifecycle import audit, audit_report, store
from lifecycle.errors import CommandRefused
from lifecycle.ledger import Ledger
from policies import catalogue as catalogue_module
from projections import queries
from projections.follower import Follower
from web.progress import Progress
from web.schemas import command_name, load_command


def open_ledger(data_dir) -> Ledger:
    return Ledger(env=store.settings(store.data_dir(data_dir)))


def open_follower(ledger: Ledger, data_dir) -> Follower:
    return Follower.beside(ledger, store.data_dir(data_dir))


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def apply_lines(ledger: Ledger, lines, out, progress: Progress | None = None,
                follower: Follower | None = None) -> bool:
    """Run each line as one command; write one JSON line per command. True if all succeeded.

    With a follower, a line is written only once the read models show its command.
    """
    all_ok = True
    for line in lines:
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as e:
            result = {"ok": False, "command": None, "error": CommandRefused(
                "invalid_command", f"not JSON: {e.msg} at column {e.colno}",
                {"_line": "not JSON"}).to_dict()}
        else:
            try:
                result = ledger.execute(load_command(data))
            except CommandRefused as refused:
                result = {"ok": False, "command": command_name(data), "error": refused.to_dict()}
        all_ok &= result["ok"]
        if follower is not None and result["ok"]:
            follower.catch_up()
        out.write(dumps(result) + "\n")
        if progress:
            progress.step(len(line) + 1)
    out.flush()
    return all_ok


def cmd_apply(args) -> int:
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
        with closing(open_ledger(args.data)) as ledger, \
                closing(open_follower(ledger, args.data)) as follower:
            follower.catch_up()
            ok = apply_lines(ledger, source, sys.stdout, progress, follower)
    except UnicodeDecodeError as e:
        print(f"grants apply: {args.file} is not UTF-8 text: {e.reason}", file=sys.stderr)
        return 2
    finally:
        if progress:
            progress.done()
        if source is not sys.stdin:
            source.close()
    return 0 if ok else 1


def cmd_quote(args) -> int:
    with closing(open_ledger(args.data)) as ledger:
        try:
            q = ledger.quote(args.application_id, args.on)
        except CommandRefused as refused:
            if args.json:
                print(dumps({"ok": False, "error": refused.to_dict()}))
            else:
                print(f"grants quote: {refused.message}", file=sys.stderr)
            return 1
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


def cmd_policies(args) -> int:
    cat = catalogue_module.load()
    if args.json:
        print(dumps(cat.to_dict()))
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


def cmd_demo(args) -> int:
    """Load the seeded demo history into an empty store through the ordinary commands."""
    from web.synthetic import history

    with closing(open_ledger(args.data)) as ledger:
        if ledger.recorder.max_notification_id():
            print("grants demo: the store already holds events; nothing loaded", file=sys.stderr)
            return 0
        commands = [json.dumps(c, ensure_ascii=False) for c in
                    history(ledger.catalogue, enterprises=args.enterprises, seed=args.seed)]
        progress = Progress("loading demo", len(commands))
        progress.enabled = progress.enabled or sys.stderr.isatty()
        with open(os.devnull, "w") as sink, \
                closing(open_follower(ledger, args.data)) as follower:
            apply_lines(ledger, commands, sink, progress)
            follower.catch_up()
        progress.done()
        first = next(json.loads(c)["application_id"] for c in commands
                     if '"SubmitApplication"' in c)
        print(f"grants demo: {len(commands)} commands for {args.enterprises} enterprises "
              f"loaded; the first application is {first}", file=sys.stderr)
    return 0


def cmd_entitlement(args) -> int:
    with closing(open_ledger(args.data)) as ledger, \
            closing(open_follower(ledger, args.data)) as follower:
        follower.catch_up()
        try:
            answer = queries.entitlement(ledger, follower.views, args.enterprise_id,
                                         args.as_of, args.known_at)
        except CommandRefused as refused:
            if args.json:
                print(dumps({"ok": False, "error": refused.to_dict()}))
            else:
                print(f"grants entitlement: {refused.message}", file=sys.stderr)
            return 1
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


def cmd_rebuild(args) -> int:
    with closing(open_ledger(args.data)) as ledger, \
            closing(open_follower(ledger, args.data)) as follower:
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


def cmd_audit(args) -> int:
    """Verify the log and re-check every decision; exits 1 when anything is found."""
    with closing(open_ledger(args.data)) as ledger:
        progress = Progress("auditing", ledger.recorder.max_notification_id() or 0)
        report = audit.audit(ledger, as_of=args.as_of, what_if=args.what_if, progress=progress)
        progress.done()
    if args.csv:
        Path(args.csv).write_text(audit_report.to_csv(report), encoding="utf-8")
    if args.html:
        Path(args.html).write_text(audit_report.to_html(report), encoding="utf-8")
    if args.json:
        print(dumps(report.to_dict()))
    else:
        chain = "intact" if report.chain_ok else "BROKEN"
        print(f"audit{' as of ' + args.as_of.isoformat() if args.as_of else ''}: "
              f"{report.events_checked} events checked, chain {chain}; "
              f"{report.decisions_checked} decisions re-checked; "
              f"{len(report.findings)} finding(s) ({report.events_per_second:,.0f} events/s)")
        for f in report.findings:
            print(f"  {f.kind}: {f.application_id or f.enterprise_id or ''} "
                  f"(notification {f.notification_id}) {f.message}")
        for d in report.differences:
            print(f"  what-if {d.application_id}: max {d.recorded_max} under "
                  f"{d.recorded_version}, {d.current_max} under {d.current_version}")
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
    au.set_defaults(run=cmd_audit)
    d = sub.add_parser("demo", help="load a seeded demo history into an empty store")
    d.add_argument("--enterprises", type=int, default=300)
    d.add_argument("--seed", type=int, default=1)
    d.set_defaults(run=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
