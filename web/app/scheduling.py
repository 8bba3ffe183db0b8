"""The daily job inside the served app: APScheduler, in one process per data folder, and
once a day across every node (`run_once`: the first node to claim the day runs it)."""

from __future__ import annotations

import fcntl
import logging

from lifecycle import store
from web.daily import run_once
from web.settings import Settings

log = logging.getLogger(__name__)


def start(app, settings: Settings) -> object | None:
    """Run the daily job inside the served app, in one process only, at the settings'
    GRANTS_SCHEDULER_AT; the scheduler, or None when another process runs it."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    services = app.extensions["grants"]
    path = store.private_file(services.data_dir / "scheduler.lock")  # 0600, as every data file
    lock = open(path, "w")  # noqa: SIM115 - held for life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        log.info("another process runs the scheduler")
        return None
    at = settings.scheduler_at
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    scheduler.add_job(lambda: run_once(services, services.clock.today(), settings.digest),
                      CronTrigger(hour=at.hour, minute=at.minute), id="daily",
                      coalesce=True, max_instances=1, misfire_grace_time=3600)
    scheduler.start()
    app.extensions["grants_scheduler"] = (scheduler, lock)
    return scheduler
