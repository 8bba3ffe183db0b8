"""POST /api/v1/imports: historical awards from an uploaded CSV or XLSX sheet (staff), and
GET /imports/template.FORMAT, the sheet to fill in.

The rows become the contract's commands, judged and carried out row by row by
`web.importer` (its docstring says exactly what a refused or partial row means).
The answer is the import report, 200 whatever the rows' outcomes; a file that is
not the template at all is refused whole (400) and nothing is written.
"""

from __future__ import annotations

from projections.exports import FORMATS
from web import importer
from web.api.auth import READ, WRITE, caller
from web.api.blueprint import BAD_QUERY, Blueprint
from web.api.context import services
from web.api.errors import ApiError
from web.api.exports import FILE_SCHEMAS, attachment
from web.api.idempotency import command_ids
from web.api.schemas import EmptyQuery, Failure, ImportReport, ImportUpload
from web.messages import template_fields, template_message

MAX_UPLOAD = 10 * 1024 * 1024

imports = Blueprint("imports", __name__, max_body=MAX_UPLOAD,
                    description="historical awards from a sheet (staff)")


@imports.route("/imports", methods=["POST"])
@imports.access(WRITE)
@imports.arguments(EmptyQuery, location="query", as_kwargs=True)
@imports.idempotent
@imports.arguments(ImportUpload, location="multipart")
@imports.response(200, ImportReport, description="The import report")
@imports.alt_response(400, schema=Failure, description="invalid_request: no file, or a file "
                      "that is not the template (or a malformed query parameter or "
                      "Idempotency-Key header)")
@imports.alt_response(409, schema=Failure, description="the Idempotency-Key's first request "
                      "is still running")
@imports.alt_response(413, schema=Failure,
                      description="payload_too_large: the upload is over 10 MB")
@imports.alt_response(415, schema=Failure,
                      description="unsupported_media_type: not multipart/form-data")
@imports.alt_response(422, schema=Failure, description="idempotency_key_reused")
def import_awards(upload):
    """Import historical awards from a CSV or XLSX sheet (the template's columns)

    multipart/form-data with `file` (.csv, UTF-8 or GB18030, or .xlsx; at most 10 MB) and
    optionally `dry_run=true`. Each row is judged whole before anything of it is written;
    the report lists every row: imported, refused (nothing written, with the command, the
    error code and the template columns concerned), or partial (see docs/api.md).
    """
    sheet = upload["file"]
    try:
        report = importer.import_bytes(services(), sheet.read(), sheet.filename or "",
                                       caller().username, upload["dry_run"],
                                       ids=command_ids())
    except importer.TemplateError as e:
        # Worded here, in the caller's language; the code and the fields' names are
        # the same in every language.
        raise ApiError("invalid_request", template_message(e), template_fields(e),
                       worded=True) from None
    return report.to_dict()


def _template_route(fmt: str) -> None:
    content_type, schema = FILE_SCHEMAS[fmt]

    @imports.access(READ)
    @imports.arguments(EmptyQuery, location="query", as_kwargs=True)
    @imports.doc(summary=f"The template of the awards import ({fmt.upper()}), with example "
                         "rows",
                 description="Columns: " + ", ".join(importer.NAMES) + ". See docs/api.md.")
    @imports.response(200, schema, content_type=content_type,
                      description=f"import-template.{fmt}")
    @imports.alt_response(400, schema=Failure, description=BAD_QUERY)
    def template():
        data = importer.template_csv() if fmt == "csv" else importer.template_xlsx()
        return attachment(data, fmt, f"import-template.{fmt}")

    imports.add_url_rule(f"/imports/template.{fmt}", f"import_template_{fmt}", template,
                         methods=["GET"])


for _fmt in FORMATS:
    _template_route(_fmt)
