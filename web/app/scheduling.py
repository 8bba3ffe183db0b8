"""The daily job inside the served app: APScheduler, in one process per data folder."""

from __future__ import annotations

import fcntl
import logging
from datetime import date

from web.daily import run_daily

log = logging.getLogger(__name__)


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
