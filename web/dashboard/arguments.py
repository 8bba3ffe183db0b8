"""The query arguments of the dashboard's pages, read by marshmallow schemas.

Never `int()` or `str.isdigit()` on what a sender typed: "²" is a digit to `isdigit`
and not to `int`, "٣" and " 7" are numbers to `int`, and 5,000 digits make it raise.
A whole number is ASCII digits (web.schemas.WholeNumber); a value that cannot be read
answers 400 with the dashboard's error page, and an empty value counts as not given
(an empty form field).
"""

from __future__ import annotations

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.exceptions import BadRequest

from policies.catalogue import SIZES
from projections.pages import COLUMNS, SORTS
from web.schemas import WholeNumber


class BadArguments(BadRequest):
    """400: a query argument that cannot be read; `fields` says which and why."""

    key = "error.400.query"

    def __init__(self, fields: dict):
        super().__init__(f"query arguments: {fields}")
        self.fields = fields


class EnterpriseList(Schema):
    """/enterprises: search, filters, sort, page; `year` of the caps column."""

    class Meta:
        unknown = EXCLUDE

    year = WholeNumber(max_digits=4, load_default=None, validate=validate.Range(1900, 2999))
    page = WholeNumber(load_default=1, validate=validate.Range(min=1))
    q = fields.String(load_default="", validate=validate.Length(max=200))
    sector = fields.String(load_default="", validate=validate.Length(max=100))
    size = fields.String(load_default="", validate=validate.OneOf(SIZES))
    sort = fields.String(load_default="name", validate=validate.OneOf(
        (*SORTS, *(f"{sign}{c}" for c in COLUMNS for sign in ("", "-", "+")))))


def read(schema: Schema) -> dict:
    """This request's query arguments as `schema` reads them; BadArguments (400) if it cannot."""
    given = {key: value for key, value in request.args.items() if value != ""}
    try:
        return schema.load(given)
    except ValidationError as e:
        raise BadArguments(e.messages) from None
