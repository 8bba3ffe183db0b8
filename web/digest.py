"""The staff's daily digest of flags, by mail when SMTP is configured."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage


def send_digest(summary) -> bool:
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
