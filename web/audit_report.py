"""An audit report as files an auditor keeps: CSV of the findings, a printable HTML page.

The HTML page is self-contained (its style inline, nothing fetched), so it can be
archived or printed as it is; every text from the log is escaped, since
application ids, names and notes are whatever staff typed.
"""

from __future__ import annotations

import csv
import io
from html import escape

from lifecycle.audit import AuditReport
from web.messages import finding_message, kind_meaning, with_words

CSV_COLUMNS = ("kind", "application_id", "enterprise_id", "notification_id", "at", "message")


def to_csv(report: AuditReport) -> str:
    """One row per finding, with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in report.findings:
        row = f.to_dict()
        row["message"] = finding_message(row)
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return out.getvalue()


STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; } .ok { color: #070; } .bad { color: #a00; font-weight: bold; }
@media print { body { margin: 0; } tr { page-break-inside: avoid; } }
"""


def _table(headings: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>"
                                    for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _status(good: bool, yes: str, no: str) -> str:
    return f'<p class="{"ok" if good else "bad"}">{escape(yes if good else no)}</p>'


def to_html(report: AuditReport) -> str:
    """A printable HTML page: verdict, hash-chain status, counts, findings, differences."""
    d = with_words(report.to_dict())
    chain = [f for f in d["findings"] if f["kind"] == "chain_broken"]
    counts = [["检查事件 / Events checked", d["events_checked"]],
              ["重放事件 / Events replayed", d["events_replayed"]],
              ["复核决定 / Decisions re-checked", d["decisions_checked"]],
              ["用时 / Seconds", d["seconds"]],
              ["每秒事件 / Events per second", d["events_per_second"]],
              ["截至日期 / As of", d["as_of"] or "全部 / whole log"],
              ["现行规则版本 / Current catalogue", d["current_version"]],
              ["复核所用版本 / Catalogue versions re-checked",
               ", ".join(d["catalogue_versions"]) or "-"]]
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        "<title>审计报告 / Audit report</title>", f"<style>{STYLE}</style></head><body>",
        "<h1>通州区产业资金审计报告 / Tongzhou industrial grants: audit report</h1>",
        _status(report.ok, "未发现问题 / No finding", f"发现 {len(d['findings'])} 项问题 / "
                f"{len(d['findings'])} finding(s)"),
        "<h2>哈希链 / Hash chain</h2>",
        _status(report.chain_ok, "完整：未被修改 / Intact: no stored event was altered",
                f"已破坏 / Broken: {len(chain)} link(s)"),
        "<h2>统计 / Counts</h2>", _table(["项目 / Measure", "数值 / Value"], counts),
        "<h2>问题 / Findings</h2>",
        _table(["类型 / Kind", "申请 / Application", "企业 / Enterprise",
                "通知号 / Notification", "业务日期 / Date", "说明 / Message"],
               [[f["kind"], f["application_id"], f["enterprise_id"], f["notification_id"],
                 f["at"], f["message"]] for f in d["findings"]])
        if d["findings"] else "<p>无 / None</p>",
    ]
    if report.what_if:
        parts += ["<h2>现行规则下的差异 / Differences under the current catalogue</h2>",
                  _table(["申请 / Application", "企业 / Enterprise", "批准日期 / Approved on",
                          "批准金额 / Amount", "当时上限 / Recorded max",
                          "现行上限 / Current max", "说明 / Note"],
                         [[x["application_id"], x["enterprise_id"], x["at"], x["amount"],
                           f"{x['recorded_max']} ({x['recorded_version']})",
                           f"{x['current_max']} ({x['current_version']})",
                           x["current_refusal"]] for x in d["differences"]])
                  if d["differences"] else "<p>无 / None</p>"]
    kinds = sorted({f["kind"] for f in d["findings"]})
    if kinds:
        parts += ["<h2>问题类型说明 / Kinds of finding</h2>",
                  _table(["类型 / Kind", "含义 / Meaning"], [[k, kind_meaning(k)] for k in kinds])]
    parts.append("</body></html>")
    return "\n".join(parts)
