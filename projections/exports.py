"""Exports of the read models as CSV and XLSX: enterprises, entitlements, awards, tranches.

CSV is UTF-8 with a byte-order mark (so that Excel shows Chinese names), amounts
as the contract writes them ("1500000.00"). XLSX has real numbers (two places),
real dates and a bold, frozen header. A text cell that a spreadsheet would read
as a formula (starting with = + - @) is kept as text: in CSV behind a leading
apostrophe, in XLSX as a string cell.

An export never fails on what the log holds: the log is immutable, and text stored
before the text rule (lifecycle/text.py) may hold characters XLSX cannot hold (control
characters: openpyxl's IllegalCharacterError), that CSV readers stumble on (NUL) or
that reorder what a reader sees (direction overrides). Each is written as U+FFFD, so
the cell shows that something was there.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from policies.money import yuan
from projections import resources
from projections.views import Views

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: What no cell may hold: C0 controls but tab, line feed and carriage return (XLSX refuses
#: them), DEL and C1 controls, lone surrogates (not UTF-8), direction marks, embeddings,
#: overrides and isolates.
UNSHOWABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
                        r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"


def showable(text: str) -> str:
    """`text` with every character no cell may hold written as U+FFFD."""
    return UNSHOWABLE.sub(REPLACEMENT, text)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | money | int | date


def _t(*names: str) -> tuple[Column, ...]:
    return tuple(Column(n) for n in names)


def _enterprise_rows(views: Views, enterprise_id: str | None) -> list[dict]:
    if enterprise_id:
        found = resources.enterprise(views, enterprise_id)
        items = [found] if found else []
    else:
        items = resources.enterprises(views, limit=None)[1]
    return [{**e, "sectors": "; ".join(e["sectors"])} for e in items]


@dataclass(frozen=True)
class Dataset:
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[Views, str | None], list[dict]]


DATASETS: dict[str, Dataset] = {
    "enterprises": Dataset("Enterprises and their totals", (
        *_t("enterprise_id", "name", "size", "sectors"), Column("registered_on", "date"),
        Column("awarded_total", "money"), Column("disbursed_total", "money"),
        Column("clawback_due_total", "money")), _enterprise_rows),
    "entitlements": Dataset("Caps of each enterprise: allowed, used, remaining", (
        *_t("enterprise_id", "enterprise_name", "policy"), Column("article", "int"),
        *_t("item", "scope"), Column("year", "int"), Column("project_id"),
        Column("cap", "money"), Column("used", "money"), Column("remaining", "money")),
        resources.entitlement_rows),
    "awards": Dataset("Awards: approved, completed, stopped or revoked", (
        *_t("application_id", "enterprise_id", "enterprise_name", "policy"),
        Column("article", "int"), *_t("item", "project_id", "status"),
        Column("submitted_on", "date"), Column("certified_on", "date"),
        Column("approved_on", "date"), Column("requested_amount", "money"),
        Column("amount", "money"), Column("tranches", "int"), Column("paid", "money"),
        Column("clawback_due", "money"), Column("catalogue_version")),
        resources.award_rows),
    "tranches": Dataset("Tranches: planned, paid, evaluated", (
        *_t("application_id", "enterprise_id", "enterprise_name", "policy"),
        Column("article", "int"), *_t("item", "status"), Column("year", "int"),
        Column("amount", "money"), Column("paid_on", "date"), Column("evaluation"),
        Column("evaluated_on", "date")), resources.tranche_rows),
}
FORMATS = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}


def _csv_cell(column: Column, value) -> str:
    if value is None:
        return ""
    if column.kind == "money":
        return yuan(Decimal(value))
    text = showable(str(value))
    if column.kind == "text" and text.startswith(FORMULA_START):
        return "'" + text
    return text


def to_csv(columns: tuple[Column, ...], rows: list[dict],
           headings: list[str] | None = None) -> bytes:
    """The rows as CSV (UTF-8 with BOM), a header of column names (or `headings`) first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings or [c.name for c in columns])
    for row in rows:
        writer.writerow([_csv_cell(c, row.get(c.name)) for c in columns])
    return out.getvalue().encode("utf-8-sig")


def _xlsx_cell(sheet, column: Column, value) -> WriteOnlyCell:
    if value is None:
        return WriteOnlyCell(sheet, None)
    if column.kind == "money":
        cell = WriteOnlyCell(sheet, Decimal(value))
        cell.number_format = "#,##0.00"
    elif column.kind == "date":
        cell = WriteOnlyCell(sheet, date.fromisoformat(value) if isinstance(value, str)
                             else value)
        cell.number_format = "yyyy-mm-dd"
    elif column.kind == "int":
        cell = WriteOnlyCell(sheet, int(value))
    else:
        cell = WriteOnlyCell(sheet, showable(str(value)))
        cell.data_type = "s"  # never a formula, whatever it starts with
    return cell


def to_xlsx(columns: tuple[Column, ...], rows: list[dict], title: str,
            headings: list[str] | None = None) -> bytes:
    """The rows as one XLSX sheet named `title`, with a bold frozen header (the column
    names, or `headings`)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for i, column in enumerate(columns, start=1):
        width = 14 if column.kind in ("money", "date") else max(12, len(column.name) + 2)
        sheet.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    header = []
    for heading in headings or [c.name for c in columns]:
        cell = WriteOnlyCell(sheet, heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, c, row.get(c.name)) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(views: Views, dataset: str, fmt: str, enterprise_id: str | None = None) -> bytes:
    """One dataset (DATASETS) in one format (csv or xlsx), optionally of one enterprise."""
    spec = DATASETS[dataset]
    rows = spec.rows(views, enterprise_id)
    if fmt == "csv":
        return to_csv(spec.columns, rows)
    return to_xlsx(spec.columns, rows, dataset)
