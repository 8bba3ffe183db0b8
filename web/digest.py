"""The staff's daily digest of flags, by mail when SMTP is configured."""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class DigestMail:
    """Where the digest goes: GRANTS_SMTP_HOST, GRANTS_SMTP_PORT, GRANTS_DIGEST_TO (the
    addresses) and GRANTS_DIGEST_FROM, read by web/settings.py. Without a host and an
    address, no mail is sent."""

    host: str | None = None
    port: int = 25
    to: tuple[str, ...] = ()
    sender: str = "grant-ledger@localhost"

    @property
    def configured(self) -> bool:
        return bool(self.host and self.to)


def send_digest(summary, mail: DigestMail, checkpoint: dict | None = None) -> bool:
    """Mail the staff what was flagged today and what is overdue, when `mail` is configured.

    With a `checkpoint` (the log's signed head), the mail goes out every day and carries
    it, so the bureau's mail keeps a trail of the log outside the store."""
    if not mail.configured or not (summary.raised or summary.overdue or checkpoint):
        return False
    msg = EmailMessage()
    msg["Subject"] = (f"Grant Ledger {summary.on.isoformat()}: {len(summary.raised)} new, "
                      f"{len(summary.overdue)} overdue / 新提醒 {len(summary.raised)} 项，"
                      f"逾期 {len(summary.overdue)} 项")
    msg["From"] = mail.sender
    msg["To"] = ", ".join(mail.to)
    lines = [f"每日提醒 Daily digest {summary.on.isoformat()}", ""]
    lines += ["新提醒 Raised today:"] + [f"  {e}  due {o.due_on}  {o.message}"
                                       for e, o in summary.raised] or ["  —"]
    lines += ["", "逾期 Overdue:"] + [f"  {e}  due {o.due_on}  {o.message}"
                                     for e, o in summary.overdue] or ["  —"]
    if checkpoint is not None:
        lines += ["", "日志检查点 Checkpoint of the log (keep this mail; "
                      "grants audit --checkpoint FILE checks it):",
                  json.dumps(checkpoint, ensure_ascii=False)]
    msg.set_content("\n".join(lines))
    with smtplib.SMTP(mail.host, mail.port, timeout=30) as smtp:
        smtp.send_message(msg)
    return True
