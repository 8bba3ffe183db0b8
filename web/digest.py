"""The staff's daily digest of flags, by mail when SMTP is configured: in Chinese, then
in English, with the words of the pages (web/locale), and the day's signed head last."""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from web import words
from web.messages import flag_message
from web.words import Reader


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


def _said(counts: dict, who: Reader) -> dict:
    return {**counts, "on": words.day(counts["on"], who)}


def _flag(obligation, who: Reader) -> str:
    return flag_message({"kind": obligation.kind, "message": obligation.message,
                         "values": obligation.values}, who)


def send_digest(summary, mail: DigestMail, checkpoint: dict | None = None) -> bool:
    """Mail the staff what was flagged today and what is overdue, when `mail` is configured.

    With a `checkpoint` (the log's signed head), the mail goes out every day and carries
    it, so the bureau's mail keeps a trail of the log outside the store."""
    if not mail.configured or not (summary.raised or summary.overdue or checkpoint):
        return False
    msg = EmailMessage()
    zh, en = Reader("zh", plain=False), Reader("en", plain=False)
    counts = {"on": summary.on, "raised": len(summary.raised), "overdue": len(summary.overdue)}
    msg["Subject"] = (f"{words.text('digest.subject', 'en', **_said(counts, en))} / "
                      f"{words.text('digest.subject', 'zh', **_said(counts, zh))}")
    msg["From"] = mail.sender
    msg["To"] = ", ".join(mail.to)
    lines = []
    for who in (zh, en):  # Chinese first, then English: one mail for every reader
        lines += [words.text("digest.title", who.lang, **_said(counts, who)), ""]
        for key, found in (("digest.raised", summary.raised), ("digest.overdue",
                                                               summary.overdue)):
            lines.append(words.text(key, who.lang))
            lines += [f"  {e}  {words.text('digest.due', who.lang, due=words.day(o.due_on, who))}"
                      f"  {_flag(o, who)}" for e, o in found] or ["  —"]
            lines.append("")
    if checkpoint is not None:
        lines += [words.text("digest.checkpoint", "zh"), words.text("digest.checkpoint", "en"),
                  json.dumps(checkpoint, ensure_ascii=False)]
    msg.set_content("\n".join(lines))
    with smtplib.SMTP(mail.host, mail.port, timeout=30) as smtp:
        smtp.send_message(msg)
    return True
