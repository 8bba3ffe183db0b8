"""The daily job: every obligation the day before, on and after its deadline; idempotent
runs; catch-up after missed days; clearing; the digest; one scheduler per data folder; one
run a day across every node (the first to claim the day)."""

from __future__ import annotations

import json
import socket
import time
from contextlib import closing
from datetime import date, timedelta

import pytest

from lifecycle import daily_run
from lifecycle.commands import ClaimDailyRun
from lifecycle.daily_run import daily_run_uuid
from projections import queries
from tests.builders import approve, certify, credit_code, disburse, evaluate, register, submit
from tests.conftest import TEST_CLOCK
from web import daily
from web.services import Services
from web.settings import Settings


@pytest.fixture
def services(event_store):
    with closing(Services(event_store.data, event_store.event_store or None,
                          clock=TEST_CLOCK)) as s:
        yield s


def do(services, *commands):
    for c in commands:
        result = services.execute_json(c)
        assert result["ok"], result


def flagged(services, on: date) -> dict[str, dict]:
    with services.reader() as views:
        return {f["key"]: f for f in queries.flags_on(services.ledger, views, on)}


def recorded(services) -> dict[str, dict]:
    with services.reader() as views:
        return {r["key"]: r for r in views.db.query("SELECT * FROM flags")}


def three_year_award(services, pay_2025=True):
    do(services, register(1), submit("P-1", 1, article=4,
                                     basis={"verified_total_investment": "3000000"},
                                     requested="900000"),
       certify("P-1", basis={"verified_total_investment": "3000000"}),
       approve("P-1", tranches=[{"year": y, "amount": "300000"} for y in (2025, 2026, 2027)]))
    if pay_2025:
        do(services, disburse("P-1", 2025, at="2025-08-01"))


def around(services, key: str, opens: date, due: date) -> None:
    """Not flagged the day before it opens; flagged from then; overdue after the deadline."""
    assert key not in flagged(services, opens - timedelta(days=1))
    on_open = flagged(services, opens)[key]
    assert not on_open["overdue"] and on_open["due_on"] == due.isoformat()
    assert not flagged(services, due)[key]["overdue"]
    assert flagged(services, due + timedelta(days=1))[key]["overdue"]


def test_a_tranche_is_due_in_its_year(services):
    three_year_award(services)
    do(services, evaluate("P-1", 2025))
    around(services, "tranche_due:P-1:2026", date(2026, 1, 1), date(2026, 12, 31))


def test_an_evaluation_is_due_after_each_tranche_year(services):
    three_year_award(services)
    around(services, "evaluation_due:P-1:2025", date(2026, 1, 1), date(2026, 3, 31))


def test_a_support_window_closing_with_tranches_unpaid_is_flagged(services):
    three_year_award(services)
    around(services, "window_closing:P-1", date(2027, 10, 2), date(2027, 12, 31))


def test_a_policy_lapsing_while_an_application_is_undecided_is_flagged(services):
    do(services, register(1), submit("L-1", 1, at="2028-01-10"))
    # tz-am-2025 lapses on 2028-05-08 (last day in force 2028-05-07); warned 60 days ahead.
    around(services, "policy_lapsing:L-1", date(2028, 3, 9), date(2028, 5, 7))


def test_a_clawback_is_due_after_a_revocation(services):
    do(services, register(1), submit("R-1", 1), certify("R-1"), approve("R-1"),
       disburse("R-1", 2025, at="2025-07-10"),
       {"type": "RevokeAward", "at": "2025-09-01", "application_id": "R-1",
        "reason": "false materials"})
    around(services, "clawback_due:R-1", date(2025, 9, 1), date(2025, 10, 1))
    do(services, {"type": "RecordRepayment", "at": "2025-09-20", "application_id": "R-1",
                  "amount": "400000.00"})
    assert "clawback_due:R-1" not in flagged(services, date(2025, 9, 21))


def test_running_twice_on_a_day_adds_nothing(services):
    three_year_award(services)
    first = daily.run_daily(services, date(2026, 2, 1))
    assert {o.kind for _, o in first.raised} == {"evaluation_due", "tranche_due"}
    top = services.ledger.recorder.max_notification_id()
    again = daily.run_daily(services, date(2026, 2, 1))
    assert again.raised == [] and again.cleared == 0
    assert services.ledger.recorder.max_notification_id() == top


def test_a_missed_day_loses_nothing_and_met_obligations_are_cleared(services):
    three_year_award(services)
    daily.run_daily(services, date(2026, 1, 5))
    assert set(recorded(services)) == {"evaluation_due:P-1:2025", "tranche_due:P-1:2026"}
    do(services, evaluate("P-1", 2025, at="2026-01-20"), disburse("P-1", 2026, at="2026-02-01"))
    # The job did not run for weeks; the next run judges everything as of its own day.
    summary = daily.run_daily(services, date(2026, 3, 15))
    assert summary.cleared == 2
    flags = recorded(services)
    assert flags["evaluation_due:P-1:2025"]["cleared_on"] == "2026-03-15"
    assert flags["tranche_due:P-1:2026"]["cleared_on"] == "2026-03-15"
    with services.reader() as views:
        answer = queries.entitlement(services.ledger, views, credit_code(1))
    assert answer["flags"] == []


def test_open_flags_show_in_the_entitlement(services):
    three_year_award(services)
    daily.run_daily(services, date(2026, 2, 1))
    with services.reader() as views:
        answer = queries.entitlement(services.ledger, views, credit_code(1))
    assert {f["kind"] for f in answer["flags"]} == {"evaluation_due", "tranche_due"}


def test_the_daily_digest_reaches_a_local_smtp_server(services):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = Settings.from_environ({"GRANTS_SMTP_HOST": "127.0.0.1",
                                          "GRANTS_SMTP_PORT": str(port),
                                          "GRANTS_DIGEST_TO": "staff@bureau.example"})
        three_year_award(services)
        daily.run_daily(services, date(2026, 5, 1), settings.digest)
        deadline = time.monotonic() + 10
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    [mail] = received
    assert mail["To"] == "staff@bureau.example"
    body = mail.get_payload(decode=True).decode()
    assert "tranche 2026" in body and "evaluation of 2025" in body and "逾期" in body
    assert "2026年度应拨付" in body and "应完成2025年度绩效评价" in body  # Chinese first
    # The day's signed head of the log travels with the mail, and checks against the log.
    signed = json.loads(body.rsplit("\n", 2)[-2] if body.endswith("\n") else
                        body.rsplit("\n", 1)[-1])
    assert signed == services.tree.head()


def test_one_scheduler_runs_per_data_folder_in_the_served_app(tmp_path):
    from web.app import create_app

    config = {"GRANTS_DATA": str(tmp_path), "SECRET_KEY": "t", "GRANTS_SCHEDULER": "on"}
    first, second = create_app(config), create_app(config)
    try:
        sched, _ = first.extensions["grants_scheduler"]
        assert sched.get_job("daily") is not None
        assert "grants_scheduler" not in second.extensions
    finally:
        sched.shutdown(wait=False)


# -- never a day earlier than the last run (issue 15) -----------------------------------


def met_since(services):
    """Flags raised on 2026-01-05, met by 2026-02-01, cleared by the run of 2026-03-15."""
    three_year_award(services)
    daily.run_daily(services, date(2026, 1, 5))
    do(services, evaluate("P-1", 2025, at="2026-01-20"), disburse("P-1", 2026, at="2026-02-01"))
    assert daily.run_daily(services, date(2026, 3, 15)).cleared == 2


def test_a_run_on_a_day_before_the_last_run_is_refused_and_writes_nothing(services):
    met_since(services)
    top = services.ledger.recorder.max_notification_id()

    with pytest.raises(daily.EarlierThanLastRun) as refused:
        daily.run_daily(services, date(2026, 1, 5))

    assert refused.value.last == date(2026, 3, 15)
    assert services.ledger.recorder.max_notification_id() == top
    assert all(f["cleared_on"] == "2026-03-15" for f in recorded(services).values())


def test_a_replay_runs_on_the_earlier_day_all_the_same(services):
    met_since(services)

    summary = daily.run_daily(services, date(2026, 1, 5), replay=True)

    assert {o.kind for _, o in summary.raised} == {"evaluation_due", "tranche_due"}
    assert daily.last_run(services) == date(2026, 3, 15)  # a replay never moves it back


def test_the_last_run_is_known_even_when_it_changed_nothing(services):
    three_year_award(services)
    daily.run_daily(services, date(2025, 12, 20))  # nothing due: no event, a record
    assert recorded(services) == {}

    with pytest.raises(daily.EarlierThanLastRun):
        daily.run_daily(services, date(2025, 12, 1))


def test_the_log_knows_the_last_run_when_the_data_folder_does_not(services):
    met_since(services)
    (services.data_dir / daily.LAST_RUN_FILE).unlink()  # another node's run, say

    assert daily.last_run(services) == date(2026, 3, 15)
    with pytest.raises(daily.EarlierThanLastRun):
        daily.run_daily(services, date(2026, 1, 5))


def test_the_same_day_and_later_days_run(services):
    met_since(services)

    assert daily.run_daily(services, date(2026, 3, 15)).raised == []
    assert daily.run_daily(services, date(2026, 3, 16)).refused == []


def test_grants_scheduler_run_refuses_an_earlier_day_unless_told_replay(event_store, tmp_path):
    from tests.web.test_cli import apply, grants

    apply(event_store, tmp_path, register(1), submit("P-1", 1, article=4,
          basis={"verified_total_investment": "3000000"}, requested="900000"),
          certify("P-1", basis={"verified_total_investment": "3000000"}),
          approve("P-1", tranches=[{"year": y, "amount": "300000"} for y in (2025, 2026, 2027)]),
          disburse("P-1", 2025, at="2025-08-01"))
    assert grants(event_store, "scheduler", "run", "--on", "2026-01-05").returncode == 0
    apply(event_store, tmp_path, evaluate("P-1", 2025, at="2026-01-20"),
          disburse("P-1", 2026, at="2026-02-01"))
    assert grants(event_store, "scheduler", "run", "--on", "2026-03-15").returncode == 0
    with closing(event_store.ledger()) as ledger:
        top = ledger.recorder.max_notification_id()

    refused = grants(event_store, "scheduler", "run", "--on", "2026-01-05")

    assert refused.returncode == 1
    assert "before the last run (2026-03-15)" in refused.stderr and "--replay" in refused.stderr
    with closing(event_store.ledger()) as ledger:
        assert ledger.recorder.max_notification_id() == top
    replayed = grants(event_store, "scheduler", "run", "--on", "2026-01-05", "--replay")
    assert replayed.returncode == 0, replayed.stderr
    assert "2 flag(s) raised" in replayed.stdout


# -- once a day across every node -------------------------------------------------------


def test_the_first_node_to_claim_a_day_runs_it_and_the_others_skip_it(event_store, services,
                                                                      monkeypatch):
    three_year_award(services)
    sent = []
    monkeypatch.setattr(daily, "send_digest", lambda summary, digest, head: sent.append(summary))
    mail = Settings.from_environ({"GRANTS_SMTP_HOST": "127.0.0.1",
                                  "GRANTS_DIGEST_TO": "staff@bureau.example"}).digest
    # Another node: its own data folder on PostgreSQL; on SQLite another process of one.
    folder = event_store.data.parent / "node-b" if event_store.event_store else event_store.data
    with closing(Services(folder, event_store.event_store or None, clock=TEST_CLOCK)) as other:
        first = daily.run_once(services, date(2026, 2, 1), mail, node="node-a")
        second = daily.run_once(other, date(2026, 2, 1), mail, node="node-b")
    assert first.skipped is None and len(first.raised) == 2
    assert second.skipped == "the daily job of 2026-02-01 ran already, on node-a"
    assert second.enterprises == 0 and len(sent) == 1  # one job, one digest
    run = services.ledger.record_of(daily_run_uuid(date(2026, 2, 1)))
    assert run.finished and run.node == "node-a"
    assert daily.run_once(services, date(2026, 2, 2), mail, node="node-b").skipped is None


def test_a_claim_never_finished_lapses_and_another_node_takes_the_day_over(services,
                                                                          monkeypatch):
    three_year_award(services)
    assert services.execute(ClaimDailyRun(at=date(2026, 2, 1), node="dead-node"))["ok"]
    assert "running on dead-node" in daily.run_once(services, date(2026, 2, 1)).skipped
    monkeypatch.setattr(daily_run, "LEASE", timedelta(0))
    summary = daily.run_once(services, date(2026, 2, 1), node="node-b")
    assert summary.skipped is None and len(summary.raised) == 2
    with services.reader() as views:
        raised = views.db.execute("SELECT count(*) FROM history WHERE event = 'FlagRaised'")
        assert raised.fetchone()[0] == 2
    names = [type(services.ledger.mapper.to_domain_event(n)).__name__
             for n in services.ledger.recorder.select_notifications(1, 1000)
             if "daily_run" in n.topic]
    assert names == ["DailyRunClaimed", "DailyRunTakenOver", "DailyRunFinished"]


def test_grants_scheduler_run_twice_on_a_day_runs_once(event_store, capsys):
    from web.cli import main

    environ = event_store.environ()
    assert main(["scheduler", "run", "--on", "2026-02-01"], environ=environ) == 0
    assert "enterprises judged" in capsys.readouterr().out
    assert main(["scheduler", "run", "--on", "2026-02-01"], environ=environ) == 0
    assert capsys.readouterr().out.startswith("scheduler 2026-02-01: skipped: the daily job "
                                              "of 2026-02-01 ran already")
    assert main(["scheduler", "run", "--on", "2026-02-01", "--json"], environ=environ) == 0
    assert json.loads(capsys.readouterr().out)["skipped"]


def test_a_day_after_today_is_not_claimed_and_the_run_fails(services):
    summary = daily.run_once(services, date(2031, 1, 1))
    assert summary.skipped.startswith("at: later than today") and summary.refused
    assert services.ledger.record_of(daily_run_uuid(date(2031, 1, 1))) is None
