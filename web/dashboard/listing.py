"""The query arguments of the desk's lists, read through marshmallow schemas, and what the
lists share: a sortable column's link, and an export of the rows shown as CSV or XLSX.

A list never fails for a bad argument: what cannot be read is named (in the page's
language) and its default used, so a mistyped address still shows a list.
"""

from __future__ import annotations

from flask import Response, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from lifecycle.status import Status
from projections import exports
from projections.exports import Column
from web.dashboard.access import services
from web.messages import schema_message

EXPORTS = ("csv", "xlsx")
STATUSES = tuple(s.value for s in Status)


class ListArgs(Schema):
    """What every list reads: the page, the sort (a column, `-` first for descending),
    and an export instead of the page."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(1, 1_000_000))
    sort = fields.String(load_default="", validate=validate.Length(max=40))
    export = fields.String(load_default=None, validate=validate.OneOf(EXPORTS))


class ApplicationArgs(ListArgs):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    status = fields.String(load_default="", validate=validate.OneOf(("", *STATUSES)))
    policy = fields.String(load_default="", validate=validate.Length(max=100))
    article = fields.Integer(load_default=None, validate=validate.Range(0, 1000))
    year = fields.Integer(load_default=None, validate=validate.Range(1900, 2999))
    enterprise_id = fields.String(load_default="", validate=validate.Length(max=18))


class EnterpriseExportArgs(ListArgs):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    sector = fields.String(load_default="", validate=validate.Length(max=100))
    size = fields.String(load_default="", validate=validate.Length(max=20))


class AlertArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.String(load_default="", validate=validate.OneOf(
        ("", "tranche_due", "evaluation_due", "window_closing", "policy_lapsing",
         "clawback_due")))
    cleared = fields.String(load_default="", validate=validate.OneOf(("", "1")))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 1_000_000))


class SearchArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=200))


def read(schema: Schema, args=None) -> tuple[dict, dict[str, str]]:
    """The arguments `schema` reads from the query (empty values are unset), and the words
    of each it could not read (its default is used instead)."""
    given = {k: v.strip() for k, v in (args if args is not None else request.args).items()
             if v.strip()}
    try:
        return schema.load(given), {}
    except ValidationError as e:
        bad = set(e.messages)
        values = schema.load({k: v for k, v in given.items() if k not in bad})
        return values, {k: schema_message("; ".join(map(str, v)) if isinstance(v, list)
                                          else str(v)) for k, v in e.messages.items()}


def sort_of(text: str, columns, default: str) -> tuple[str, bool]:
    """(column, descending) from a sort argument; the default when it names no column."""
    name = text.lstrip("-+")
    if name not in columns:
        name, descending = default.lstrip("-"), default.startswith("-")
        return name, descending
    return name, text.startswith("-")


def export_response(kind: str, name: str, columns: tuple[Column, ...], headings: list[str],
                    rows: list[dict]) -> Response:
    """The rows as a download: CSV (UTF-8 with BOM, for Excel) or XLSX, headed in the
    page's language."""
    stamp = services().clock.today().isoformat()
    if kind == "csv":
        body = exports.to_csv(columns, rows, headings=headings)
        mimetype = exports.CSV_TYPE
    else:
        body = exports.to_xlsx(columns, rows, name, headings=headings)
        mimetype = exports.XLSX_TYPE
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={name}-{stamp}.{kind}"})
