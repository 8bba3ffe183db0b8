"""The auditor's page: verify the log and re-check every decision, on any date.

The audit reads the event log alone (lifecycle/audit.py), never the read models; it
runs when asked, and the same report downloads as a printable page or as CSV.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from flask import Blueprint, Response, render_template, request

from lifecycle.audit import audit
from web import audit_report
from web.dashboard.access import current_user, services
from web.messages import finding_message

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _as_of() -> tuple[date | None, str | None]:
    text = request.args.get("as_of", "").strip()
    if not text:
        return None, None
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, text


def _run():
    as_of, bad = _as_of()
    if bad is not None:
        return None, bad
    return audit(services().ledger, as_of=as_of,
                 what_if=request.args.get("what_if") == "1"), None


@bp.get("")
def index():
    """The form; with ?run=1 the audit's findings, chain status and counts."""
    report, bad = _run() if request.args.get("run") == "1" else (None, None)
    head = services().tree.head()
    ran = None
    if report is not None:  # who ran it and when: a re-check is a record an auditor keeps
        ran = {"by": current_user().name or current_user().username,
               "at": datetime.now(UTC), "today": services().clock.today()}
    return render_template("audit.html", report=report, bad_date=bad, ran=ran,
                           finding_message=finding_message,
                           checkpoint=json.dumps(head, ensure_ascii=False) if head else None,
                           as_of=request.args.get("as_of", ""),
                           what_if=request.args.get("what_if") == "1")


@bp.get("/report.html")
def report_html():
    """The printable report (bilingual headings), as web/audit_report.py writes it."""
    report, bad = _run()
    if report is None:
        return Response(f"as_of: not a date: {bad}", 400, mimetype="text/plain")
    return Response(audit_report.to_html(report), mimetype="text/html")


@bp.get("/findings.csv")
def findings_csv():
    """The findings, one row each."""
    report, bad = _run()
    if report is None:
        return Response(f"as_of: not a date: {bad}", 400, mimetype="text/plain")
    return Response(audit_report.to_csv(report), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-findings.csv"})
