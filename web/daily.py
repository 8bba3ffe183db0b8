"""The daily job: flag what falls due, clear what was met, tell the staff (web/digest.py).

`run_daily` judges every enterprise as of the day it runs and records the
difference from the flags already open, through the one write path; running it
twice on a day adds nothing, and a missed day loses nothing. `run_once` runs it once
a day across every node on the store: the first node to record its claim of the day
(lifecycle/daily_run.py) runs it and sends the one digest; the others find the day
claimed and skip it. In the served app APScheduler runs `run_once` at
GRANTS_SCHEDULER_AT (default 06:30), in one process per data folder (a lock file);
`grants scheduler run` runs it on demand or from cron.

The job never judges a day earlier than its last run unless told to (`replay`):
judged as of an earlier day, obligations met since would be raised again and flags
cleared since cleared again, events that say nothing true (`EarlierThanLastRun`). The
last run is the later of the day recorded in the data folder (`scheduler_last_run`,
written after each run) and the latest day the log's flag events are dated (what
any node's runs recorded).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import date

from lifecycle import store
from lifecycle.commands import ClaimDailyRun, FinishDailyRun, ReconcileFlags
from lifecycle.flags import SCHEDULER
from projections.obligations import Deadlines, obligations
from projections.queries import states_as_of
from web.digest import DigestMail, send_digest
from web.services import Services

log = logging.getLogger(__name__)
LAST_RUN_FILE = "scheduler_last_run"


class EarlierThanLastRun(Exception):
    """The day asked for is before the job's last run (see the module's docstring)."""

    def __init__(self, on: date, last: date):
        super().__init__(f"{on.isoformat()} is before the last run ({last.isoformat()})")
        self.on, self.last = on, last


def last_run(services: Services) -> date | None:
    """The latest day the daily job ran on, as this data folder and the log know it."""
    days = []
    with contextlib.suppress(OSError, ValueError):  # never run here: the log still knows
        days.append(date.fromisoformat(
            (services.data_dir / LAST_RUN_FILE).read_text(encoding="utf-8").strip()))
    with services.reader() as views:
        days += [date.fromisoformat(d) for d in views.db.execute(
            "SELECT max(raised_on), max(cleared_on) FROM flags").fetchone() if d]
    return max(days, default=None)
NODE = f"{socket.gethostname()}:{os.getpid()}"  # who claims a day's run


@dataclass
class RunSummary:
    on: date
    enterprises: int = 0
    raised: list = field(default_factory=list)  # (enterprise_id, obligation)
    cleared: int = 0
    open: int = 0
    overdue: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    skipped: str | None = None  # why this node did not run the day (`run_once`)

    def to_dict(self) -> dict:
        answer = {"on": self.on.isoformat(), "enterprises": self.enterprises,
                  "raised": len(self.raised), "cleared": self.cleared, "open": self.open,
                  "overdue": len(self.overdue), "refused": self.refused}
        if self.skipped is not None:
            answer["skipped"] = self.skipped
        return answer


def run_daily(services: Services, on: date, digest: DigestMail | None = None,
              deadlines: Deadlines | None = None, replay: bool = False) -> RunSummary:
    """Flag every obligation open on `on` and clear every flag no longer due; mail the
    digest when `digest` is configured. The deadlines are the services' unless given.

    Raises EarlierThanLastRun, writing nothing, when `on` is before the last run and
    not `replay`.
    """
    deadlines = deadlines or services.deadlines
    services.catch_up()
    last = last_run(services)
    if last is not None and on < last and not replay:
        raise EarlierThanLastRun(on, last)
    summary = RunSummary(on)
    catalogue = services.ledger.catalogue
    with services.reader() as views:
        states = list(states_as_of(services.ledger, views, on))
        raised = {}
        for row in views.db.execute("SELECT enterprise_id, key FROM flags "
                                    "WHERE cleared_on IS NULL"):
            raised.setdefault(row[0], set()).add(row[1])
    changes = []  # (enterprise, what is due, what was raised): the enterprises that moved
    for state in states:
        summary.enterprises += 1
        due = obligations(state, catalogue, on, deadlines)
        summary.open += len(due)
        summary.overdue += [(state.enterprise_id, o) for o in due if o.due_on < on]
        already = raised.get(state.enterprise_id, set())
        if {o.key for o in due} != already:
            changes.append((state.enterprise_id, due, already))
    # One batch: saved in groups, the views brought up once at its end (a first run on a
    # long history raises flags on most enterprises: one write and one catch-up each cost
    # more than the judging). Each enterprise's reconciliation stands alone; run again, the
    # job raises only what is still missing.
    with services.batch():
        results = services.execute_many([
            ReconcileFlags(at=on, actor=SCHEDULER, enterprise_id=enterprise, due=tuple(due))
            for enterprise, due, _ in changes])
    for (enterprise, due, already), result in zip(changes, results, strict=True):
        if not result["ok"]:
            summary.refused.append(result["error"])
            continue
        summary.raised += [(enterprise, o) for o in due if o.key not in already]
        summary.cleared += len(already - {o.key for o in due})
    store.write_private(services.data_dir / LAST_RUN_FILE, max(on, last or on).isoformat())
    log.info("daily job for %s: %s", on, summary.to_dict())
    if digest is not None and digest.configured:
        # The day's signed head goes out with the mail: a trail outside the store.
        send_digest(summary, digest, services.seal())
    return summary


def run_once(services: Services, on: date, digest: DigestMail | None = None,
             node: str = NODE, replay: bool = False) -> RunSummary:
    """The day's job, run by the first node to claim `on` (the one digest goes out from
    there); on any other node, nothing but a summary saying why it was skipped.

    Raises EarlierThanLastRun, claiming nothing, for a day before the last run; `replay`
    (an operator's deliberate re-run) runs the day here, claiming nothing."""
    if replay:  # an operator's deliberate re-run of a day: not the day's once-only run
        return run_daily(services, on, digest, replay=True)
    services.catch_up()
    last = last_run(services)
    if last is not None and on < last:
        raise EarlierThanLastRun(on, last)
    claim = services.execute(ClaimDailyRun(at=on, actor=SCHEDULER, node=node))
    if not claim["ok"]:
        log.info("daily job for %s skipped: %s", on, claim["error"]["message"])
        taken = claim["error"]["code"] == "duplicate_id"  # another node's day: no failure
        return RunSummary(on, refused=[] if taken else [claim["error"]],
                          skipped=claim["error"]["message"])
    summary = run_daily(services, on, digest)
    done = services.execute(FinishDailyRun(at=on, actor=SCHEDULER, node=node,
                                           summary=summary.to_dict()))
    if not done["ok"]:  # it ran past its lease and another node took the day over
        log.warning("daily job for %s: %s", on, done["error"]["message"])
    return summary
