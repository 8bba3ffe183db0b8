"""The daily job: flag what falls due, clear what was met, tell the staff.

`run_daily` judges every enterprise as of the day it runs and records the
difference from the flags already open, through the one write path; running it
twice on a day adds nothing, and a missed day loses nothing. In the served app
APScheduler runs it at GRANTS_SCHEDULER_AT (default 06:30) in one process only
(a lock file in the data folder); `grants scheduler run` runs it on demand or
from cron.
"""

from __future__ import annotations

import fcntl
import logging
import os
import smtplib
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage

from lifecycle.commands import ReconcileFlags
from lifecycle.flags import SCHEDULER
from projections.obligations import Deadlines, obligations
from projections.queries import states_as_of
from web.services import Services

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    on: date
    enterprises: int = 0
    raised: list = field(default_factory=list)  # (enterprise_id, obligation)
    cleared: int = 0
    open: int = 0
    overdue: list = field(default_factory=list)
    refused: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"on": self.on.isoformat(), "enterprises": self.enterprises,
                "raised": len(self.raised), "cleared": self.cleared, "open": self.open,
                "overdue": len(self.overdue), "refused": self.refused}


def run_daily(services: Services, on: date, deadlines: Deadlines | None = None) -> RunSummary:
    """Flag every obligation open on `on` and clear every flag no longer due."""
    deadlines = deadlines or Deadlines.from_environment()
    services.catch_up()
    summary = RunSummary(on)
    catalogue = services.ledger.catalogue
    with services.reader() as views:
        states = list(states_as_of(services.ledger, views, on))
        raised = {}
        for row in views.db.execute("SELECT enterprise_id, key FROM flags "
                                    "WHERE cleared_on IS NULL"):
            raised.setdefault(row[0], set()).add(row[1])
    for state in states:
        summary.enterprises += 1
        due = obligations(state, catalogue, on, deadlines)
        summary.open += len(due)
        summary.overdue += [(state.enterprise_id, o) for o in due if o.due_on < on]
        already = raised.get(state.enterprise_id, set())
        keys = {o.key for o in due}
        if keys == already:
            continue
        result = services.execute(ReconcileFlags(at=on, actor=SCHEDULER,
                                                 enterprise_id=state.enterprise_id,
                                                 due=tuple(due)))
        if not result["ok"]:
            summary.refused.append(result["error"])
            continue
        summary.raised += [(state.enterprise_id, o) for o in due if o.key not in already]
        summary.cleared += len(already - keys)
    log.info("daily job for %s: %s", on, summary.to_dict())
    send_digest(summary)
    return summary


def send_digest(summary: RunSummary) -> bool:
    """Mail the staff what was flagged today and what is overdue, when SMTP is configured.

    GRANTS_SMTP_HOST (and GRANTS_SMTP_PORT, default 25), GRANTS_DIGEST_TO (addresses,
    comma-separated), GRANTS_DIGEST_FROM (default grant-ledger@localhost).
    """
    host, to = os.environ.get("GRANTS_SMTP_HOST"), os.environ.get("GRANTS_DIGEST_TO")
    if not host or not to or not (summary.raised or summary.overdue):
        return False
    msg = EmailMessage()
    msg["Subject"] = (f"Grant Ledger {summary.on.isoformat()}: {len(summary.raised)} new, "
                      f"{len(summary.overdue)} overdue / 新提醒 {len(summary.raised)} 项，"
                      f"逾期 {len(summary.overdue)} 项")
    msg["From"] = os.environ.get("GRANTS_DIGEST_FROM", "grant-ledger@localhost")
    msg["To"] = to
    lines = [f"每日提醒 Daily digest {summary.on.isoformat()}", ""]
    lines += ["新提醒 Raised today:"] + [f"  {e}  due {o.due_on}  {o.message}"
                                       for e, o in summary.raised] or ["  —"]
    lines += ["", "逾期 Overdue:"] + [f"  {e}  due {o.due_on}  {o.message}"
                                     for e, o in summary.overdue] or ["  —"]
    msg.set_content("\n".join(lines))
    with smtplib.SMTP(host, int(os.environ.get("GRANTS_SMTP_PORT", "25")), timeout=30) as smtp:
        smtp.send_message(msg)
    return True


def start(app) -> object | None:
    """Run the daily job inside the served app, in one process only; the scheduler or None."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    services = app.extensions["grants"]
    lock = open(services.data_dir / "scheduler.lock", "w")  # noqa: SIM115 - held for life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        log.info("another process runs the scheduler")
        return None
    hour, minute = app.config.get("GRANTS_SCHEDULER_AT", "06:30").split(":")
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    scheduler.add_job(lambda: run_daily(services, date.today()),
                      CronTrigger(hour=int(hour), minute=int(minute)), id="daily",
                      coalesce=True, max_instances=1, misfire_grace_time=3600)
    scheduler.start()
    app.extensions["grants_scheduler"] = (scheduler, lock)
    return scheduler
