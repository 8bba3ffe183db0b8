"""The auditor's page: run the audit, see what it found, download the report."""

from __future__ import annotations

import sqlite3

from tests.dashboard.conftest import written


def test_an_auditor_runs_the_audit_and_finds_the_log_intact(auditor):
    page = auditor.get("/audit?run=1")
    assert page.status_code == 200
    assert "完整" in page.text and "未发现问题" in page.text


def test_the_audit_page_names_an_event_changed_in_the_store(auditor, app):
    db = sqlite3.connect(app.config["GRANTS_DATA"] + "/events.sqlite")
    topic, state = db.execute("SELECT topic, state FROM stored_events WHERE topic LIKE "
                              "'%ApplicationApproved' LIMIT 1").fetchone()
    db.execute("UPDATE stored_events SET state = ? WHERE topic = ? AND state = ?",
               (bytes(state).replace(b'"trace"', b'"trace_"'), topic, state))
    db.commit()
    page = auditor.get("/audit?run=1&lang=en")
    assert "哈希链断裂" in page.text and "已被改动" in page.text
    assert "chain_broken" in auditor.get("/audit/findings.csv").text
    assert "chain_broken" in auditor.get("/audit/report.html").text


def test_the_reports_download_and_a_bad_date_is_named(auditor):
    csv = auditor.get("/audit/findings.csv?as_of=2025-12-31")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    html = auditor.get("/audit/report.html?what_if=1")
    assert html.status_code == 200 and "<table" in html.text
    page = auditor.get("/audit?run=1&as_of=31/12/2025")
    assert "年-月-日" in page.text
    assert auditor.get("/audit/findings.csv?as_of=nope").status_code == 400


def test_the_audit_reads_and_writes_nothing_for_staff_too(staff, app):
    before = written(app)
    assert staff.get("/audit?run=1").status_code == 200
    assert written(app) == before


def test_a_stranger_is_sent_to_log_in(client):
    assert client.get("/audit").status_code in (302, 303)


def test_a_what_if_run_is_marked_and_says_who_ran_it_and_when(auditor):
    page = auditor.get("/audit?run=1&what_if=1").text
    assert 'class="audit-run what-if"' in page and "对比模式" in page
    assert "由 Audrey 于" in page and "北京时间" in page
    plain = auditor.get("/audit?run=1").text
    assert 'class="audit-run"' in plain and "仅供参考" not in plain
