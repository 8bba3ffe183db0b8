"""marshmallow schemas of the API's own inputs (query, path, header, upload) and its outputs.

The commands' schemas are the contract's, in `web.schemas`; these are the rest.
Input schemas raise on unknown names, so that a misspelt parameter (`asof`) is an
error rather than silently ignored. The views name them in `@blp.arguments` (the
inputs) and `@blp.response` (the outputs, which shape every answer); flask-smorest
generates the OpenAPI document from the same declarations.
"""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal

from flask_smorest.fields import Upload
from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, post_dump, validate
from werkzeug.datastructures import FileStorage

from lifecycle.status import Status
from policies.catalogue import SIZES
from policies.money import yuan
from projections.resources import ENTERPRISE_SORTS
from web.api.errors import ERROR_CODES
from web.schemas import WholeNumber
from web.shapes import Catalogue  # noqa: F401 - the catalogue's shape, shared with grants
from web.users import ROLES

STATUSES = tuple(s.value for s in Status)
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
MAX_PAGE = 500
ID = validate.Length(min=1, max=200)


class Amount(fields.String):
    """An amount in yuan, written as the contract writes it: a decimal string, two places."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("pattern", r"^\d+\.\d{2}$")
        kwargs["metadata"].setdefault("example", "1500000.00")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return yuan(value) if isinstance(value, Decimal) else str(value)


def Day(**kwargs) -> fields.String:  # noqa: N802 - a field factory, named like the fields
    """An ISO date (YYYY-MM-DD) already written as text by the read models."""
    return fields.String(metadata={"format": "date", **kwargs.pop("metadata", {})}, **kwargs)


def InDate(**kwargs) -> fields.Date:  # noqa: N802
    """A date query parameter, between 1900-01-01 and 2999-12-31."""
    return fields.Date(validate=validate.Range(EARLIEST, LATEST), **kwargs)


# -- inputs ---------------------------------------------------------------------------


class Strict(Schema):
    class Meta:
        unknown = RAISE


class PageQuery(Strict):
    # ASCII digits only (web.inputs.whole_number): "7\v", "٣" and "1_0" are refused.
    limit = WholeNumber(load_default=50, validate=validate.Range(1, MAX_PAGE),
                        metadata={"description": f"at most this many rows (1-{MAX_PAGE})",
                                  "pattern": "^[0-9]{1,4}$"})
    offset = WholeNumber(load_default=0, validate=validate.Range(0, 10**9),
                         metadata={"description": "skip this many rows first",
                                   "pattern": "^[0-9]{1,10}$"})


class EnterpriseQuery(PageQuery):
    q = fields.String(validate=validate.Length(min=1, max=200),
                      metadata={"description": "part of the name or of the credit code"})
    size = fields.String(validate=validate.OneOf(SIZES))
    sector = fields.String(validate=validate.Length(min=1, max=100),
                           metadata={"description": "enterprises in this sector"})
    sort = fields.String(load_default="enterprise_id",
                         validate=validate.OneOf(tuple(ENTERPRISE_SORTS)),
                         metadata={"description": "awarded: largest total first"})


class ApplicationQuery(PageQuery):
    enterprise_id = fields.String(validate=ID)
    status = fields.String(validate=validate.OneOf(STATUSES))
    policy = fields.String(validate=ID)


class FlagQuery(PageQuery):
    on = InDate(metadata={"description": "flags open on this date (raised by then, not "
                                          "cleared by then); default: open now"})
    enterprise_id = fields.String(validate=ID)
    kind = fields.String(validate=ID)


class DueQuery(Strict):
    on = InDate(metadata={"description": "the day judged (default: today)"})


class QuoteQuery(Strict):
    on = InDate(metadata={"description": "judge as on this date (default: today)"})


class EntitlementQuery(Strict):
    as_of = InDate(metadata={"description": "only what had happened by this business date"})
    known_at = fields.AwareDateTime(
        default_timezone=UTC,
        metadata={"description": "only what had been recorded by this moment (ISO 8601; "
                                 "UTC when it names no zone)"})


class AuditQuery(Strict):
    as_of = InDate(metadata={"description": "replay only what had happened by this date"})
    what_if = fields.Boolean(load_default=False, metadata={
        "description": "also list approvals whose maximum differs under the current catalogue"})


class ExportQuery(Strict):
    enterprise_id = fields.String(validate=ID, metadata={"description": "one enterprise only"})


class EmptyQuery(Strict):
    pass


class EnterprisePath(Strict):
    enterprise_id = fields.String(required=True, validate=ID,
                                  metadata={"description": "unified social credit code"})


class ApplicationPath(Strict):
    application_id = fields.String(required=True, validate=ID)


class IdempotencyHeader(Strict):
    key = fields.String(data_key="Idempotency-Key", validate=[
        validate.Length(min=1, max=255), validate.Regexp(r"^[\x21-\x7e]+$")],
        metadata={"description": "a key of your choosing (printable ASCII, no spaces); a "
                                 "retry with the same key answers the first answer again"})


class Sheet(Upload):
    """An uploaded file (a form field that is text is no file)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ValidationError("send the sheet as a file")
        return value


class ImportUpload(Strict):
    """The form of POST /imports (multipart/form-data)."""

    file = Sheet(required=True, metadata={
        "description": ".csv (UTF-8 or GB18030) or .xlsx, with the template's columns"})
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "judge every row and report, but write nothing"})


# -- outputs --------------------------------------------------------------------------


class ErrorDetail(Schema):
    code = fields.String(required=True, validate=validate.OneOf(ERROR_CODES))
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                         metadata={"description": "field name (dotted when nested) -> why"})


class Failure(Schema):
    """Every failure: `ok` false and the error; a failed command also names its `command`."""

    ok = fields.Boolean(required=True, metadata={"enum": [False]})
    command = fields.String(allow_none=True)
    error = fields.Nested(ErrorDetail, required=True)


class LineTranche(Schema):
    year = fields.Integer(required=True)
    amount = Amount(required=True)


class LineRefusal(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class CommandLine(Schema):
    """One command's answer: exactly the line `grants apply` prints for it."""

    class Meta:
        unknown = INCLUDE  # documented as open: later additions to the line pass through

    ok = fields.Boolean(required=True)
    command = fields.String(required=True, allow_none=True)
    events = fields.List(fields.String(), metadata={"description": "when ok"})
    error = fields.Nested(ErrorDetail, metadata={"description": "when not ok"})
    enterprise_id = fields.String()
    application_id = fields.String()
    max_amount = Amount()
    amount = Amount()
    tranches = fields.List(fields.Nested(LineTranche))
    year = fields.Integer()
    status = fields.String()
    clawback_due = Amount()
    refusal = fields.Nested(LineRefusal)

    @post_dump(pass_original=True)
    def keep_every_key(self, data, original, **kwargs):
        """The line goes out as the ledger wrote it; the schema checks, it never drops."""
        return {**original, **{k: v for k, v in data.items() if k in original}}


class Enterprise(Schema):
    enterprise_id = fields.String(required=True)
    name = fields.String(required=True)
    size = fields.String(required=True, validate=validate.OneOf(SIZES))
    sectors = fields.List(fields.String(), required=True)
    registered_on = Day(required=True)
    dishonesty = fields.List(fields.Nested(Schema.from_dict(
        {"at": Day(required=True), "note": fields.String(required=True)},
        name="DishonestyRecord")), required=True)
    awarded_total = Amount(required=True)
    disbursed_total = Amount(required=True)
    clawback_due_total = Amount(required=True)


class EnterpriseDetail(Enterprise):
    applications = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                               metadata={"description": "status -> number of applications"})
    open_flags = fields.Integer(required=True)


class Application(Schema):
    application_id = fields.String(required=True)
    enterprise_id = fields.String(required=True)
    policy = fields.String(required=True)
    article = fields.Integer(required=True)
    item = fields.String(required=True, allow_none=True)
    project_id = fields.String(required=True)
    status = fields.String(required=True)
    requested_amount = Amount(required=True)
    amount = Amount(required=True, allow_none=True)
    submitted_on = Day(required=True)
    certified_on = Day(required=True, allow_none=True)
    decided_on = Day(required=True, allow_none=True)
    catalogue_version = fields.String(required=True, allow_none=True)
    clawback_due = Amount(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)


class PlannedTranche(Schema):
    year = fields.Integer(required=True)
    amount = Amount(required=True)
    paid_on = Day(required=True, allow_none=True)


class Evaluation(Schema):
    year = fields.Integer(required=True)
    result = fields.String(required=True)
    note = fields.String(required=True, allow_none=True)
    at = Day(required=True)


class HistoryEntry(Schema):
    notification_id = fields.Integer(required=True)
    event = fields.String(required=True)
    at = Day(required=True, allow_none=True)
    actor = fields.String(required=True, allow_none=True)
    recorded_at = fields.String(required=True, metadata={"format": "date-time"})


class ApplicationDetail(Application):
    claimed_basis = fields.Dict(keys=fields.String(), values=Amount(), required=True)
    basis = fields.Dict(keys=fields.String(), values=Amount(), required=True)
    tranches = fields.List(fields.Nested(PlannedTranche), required=True)
    evaluations = fields.List(fields.Nested(Evaluation), required=True)
    history = fields.List(fields.Nested(HistoryEntry), required=True)


class Flag(Schema):
    enterprise_id = fields.String(required=True)
    key = fields.String(required=True)
    kind = fields.String(required=True)
    application_id = fields.String(required=True, allow_none=True)
    policy = fields.String(required=True, allow_none=True)
    due_on = Day(required=True, allow_none=True)
    raised_on = Day(required=True, allow_none=True)
    cleared_on = Day(required=True, allow_none=True)
    message = fields.String(required=True, allow_none=True)


class DueFlag(Schema):
    enterprise_id = fields.String(required=True)
    name = fields.String(required=True)
    key = fields.String(required=True)
    kind = fields.String(required=True)
    application_id = fields.String(required=True, allow_none=True)
    policy = fields.String(required=True, allow_none=True)
    due_on = Day(required=True)
    overdue = fields.Boolean(required=True)
    message = fields.String(required=True)


class DueFlags(Schema):
    """`grants flags --json`: what the scheduler flags on a date."""

    on = Day(required=True)
    flags = fields.List(fields.Nested(DueFlag), required=True)


def _page(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "total": fields.Integer(required=True, metadata={"description": "rows in all pages"}),
        "limit": fields.Integer(required=True),
        "offset": fields.Integer(required=True),
    }, name=name)


EnterprisePage = _page(Enterprise, "EnterprisePage")
ApplicationPage = _page(Application, "ApplicationPage")
FlagPage = _page(Flag, "FlagPage")


class TraceLine(Schema):
    rule = fields.String(required=True)
    policy = fields.String(required=True)
    article = fields.Integer(required=True, allow_none=True)
    cite = fields.String(required=True)
    text = fields.String(required=True)
    amount = Amount(required=True, allow_none=True)
    values = fields.Dict(keys=fields.String(), required=True)


class Candidate(Schema):
    policy = fields.String(required=True)
    article = fields.Integer(required=True)
    item = fields.String(required=True)
    max_amount = Amount(required=True)
    most_favourable = fields.Boolean(required=True)


class QuoteRefusal(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.String())


class Quote(Schema):
    application_id = fields.String(required=True)
    status = fields.String(required=True)
    policy = fields.String(required=True)
    article = fields.Integer(required=True)
    item = fields.String(required=True)
    max_amount = Amount(required=True)
    refusal = fields.Nested(QuoteRefusal, required=True, allow_none=True)
    trace = fields.List(fields.Nested(TraceLine), required=True)
    candidates = fields.List(fields.Nested(Candidate), required=True)
    catalogue_version = fields.String(required=True)


class YearFigures(Schema):
    awarded = Amount(required=True)
    disbursed = Amount(required=True)


class CapUse(Schema):
    policy = fields.String(required=True)
    article = fields.Integer(required=True)
    item = fields.String(required=True, allow_none=True)
    scope = fields.String(required=True)
    year = fields.Integer(required=True, allow_none=True)
    project_id = fields.String(required=True, allow_none=True)
    cap = Amount(required=True)
    used = Amount(required=True)
    remaining = Amount(required=True)


class Window(Schema):
    application_id = fields.String(required=True)
    project_id = fields.String(required=True)
    enterprise_id = fields.String(required=True)
    policy = fields.String(required=True)
    article = fields.Integer(required=True)
    item = fields.String(required=True, allow_none=True)
    status = fields.String(required=True)
    first_year = fields.Integer(required=True)
    last_year = fields.Integer(required=True)
    years_planned = fields.Integer(required=True)
    years_disbursed = fields.Integer(required=True)
    ends_on = Day(required=True)


class OpenFlag(Schema):
    key = fields.String(required=True)
    kind = fields.String(required=True)
    application_id = fields.String(allow_none=True)
    policy = fields.String(allow_none=True)
    due_on = Day(allow_none=True)
    raised_on = Day(allow_none=True)
    cleared_on = Day(allow_none=True)
    message = fields.String(allow_none=True)


class Entitlement(Schema):
    enterprise_id = fields.String(required=True)
    name = fields.String(required=True)
    size = fields.String(required=True)
    awarded_total = Amount(required=True)
    disbursed_total = Amount(required=True)
    clawback_due_total = Amount(required=True)
    by_year = fields.Dict(keys=fields.String(), values=fields.Nested(YearFigures),
                          required=True, metadata={"description": "calendar year -> figures"})
    caps = fields.List(fields.Nested(CapUse), required=True)
    windows = fields.List(fields.Nested(Window), required=True)
    flags = fields.List(fields.Nested(OpenFlag), required=True,
                        metadata={"description": "the enterprise's open flags"})
    as_of = Day(required=True, allow_none=True)
    known_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})


class Finding(Schema):
    kind = fields.String(required=True)
    application_id = fields.String(required=True, allow_none=True)
    enterprise_id = fields.String(required=True, allow_none=True)
    notification_id = fields.Integer(required=True, allow_none=True)
    at = Day(required=True, allow_none=True)
    reason = fields.String(required=True)
    message = fields.String(required=True)
    detail = fields.Dict(required=True)


class Difference(Schema):
    application_id = fields.String(required=True)
    enterprise_id = fields.String(required=True)
    notification_id = fields.Integer(required=True)
    at = Day(required=True)
    amount = Amount(required=True)
    recorded_version = fields.String(required=True)
    recorded_max = Amount(required=True)
    current_version = fields.String(required=True)
    current_max = Amount(required=True)
    current_refusal = fields.String(required=True, allow_none=True)


class Checkpoint(Schema):
    """A signed tree head of the whole log (README, "The proof of the record")."""

    size = fields.Integer(required=True, metadata={"description": "records in the log"})
    root = fields.String(required=True, metadata={"description": "Merkle root, hex (RFC 9162)"})
    time = fields.String(required=True, metadata={"description": "when it was signed, UTC"})
    key = fields.String(required=True, metadata={"description": "the key's fingerprint"})
    public_key = fields.String(required=True, metadata={"description": "Ed25519, base64"})
    signature = fields.String(required=True, metadata={"description": "Ed25519, base64"})


class Audit(Schema):
    ok = fields.Boolean(required=True)
    chain_ok = fields.Boolean(required=True)
    as_of = Day(required=True, allow_none=True)
    what_if = fields.Boolean(required=True)
    current_version = fields.String(required=True)
    catalogue_versions = fields.List(fields.String(), required=True)
    events_checked = fields.Integer(required=True)
    events_replayed = fields.Integer(required=True)
    decisions_checked = fields.Integer(required=True)
    seconds = fields.Float(required=True)
    events_per_second = fields.Float(required=True)
    findings = fields.List(fields.Nested(Finding), required=True)
    differences = fields.List(fields.Nested(Difference), required=True)


class RowError(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    command = fields.String(required=True, allow_none=True,
                            metadata={"description": "the command of the row that failed"})
    columns = fields.List(fields.String(), required=True,
                          metadata={"description": "the template columns concerned"})
    fields = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class RowResult(Schema):
    row = fields.Integer(required=True, metadata={"description": "row number in the sheet"})
    status = fields.String(required=True, validate=validate.OneOf(
        ("imported", "refused", "partial", "accepted")), metadata={
        "description": "accepted: a dry run found nothing wrong; partial: a command failed "
                       "after earlier ones of the row were recorded (see docs/api.md)"})
    enterprise_id = fields.String(required=True, allow_none=True)
    application_id = fields.String(required=True, allow_none=True)
    commands = fields.List(fields.String(), required=True,
                           metadata={"description": "the row's commands, in order"})
    lines = fields.List(fields.Nested(CommandLine), required=True,
                        metadata={"description": "the lines of the commands carried out"})
    error = fields.Nested(RowError, required=True, allow_none=True)
    notes = fields.List(fields.String(), required=True)


class ImportReport(Schema):
    source = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    rows = fields.Integer(required=True)
    imported = fields.Integer(required=True)
    accepted = fields.Integer(required=True)
    refused = fields.Integer(required=True)
    partial = fields.Integer(required=True)
    results = fields.List(fields.Nested(RowResult), required=True)


class Me(Schema):
    username = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    can_write = fields.Boolean(required=True)
