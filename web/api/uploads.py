"""POST /api/v1/imports: historical awards from an uploaded CSV or XLSX sheet (staff).

The rows become the contract's commands, judged and carried out row by row by
`web.importer` (its docstring says exactly what a refused or partial row means).
The answer is the import report, 200 whatever the rows' outcomes; a file that is
not the template at all is refused whole (400) and nothing is written.
"""

from __future__ import annotations

from flask import current_app, request

from web import importer
from web.api.auth import WRITE
from web.api.endpoints import Doc, Reply, load, operation
from web.api.errors import ApiError
from web.api.schemas import Failure, ImportForm, ImportReport
from web.app import services

MAX_UPLOAD = 10 * 1024 * 1024


@operation(
    "POST", "/imports", tag="imports", access=WRITE, idempotent=True,
    max_body=MAX_UPLOAD,
    summary="Import historical awards from a CSV or XLSX sheet (the template's columns)",
    description="""
multipart/form-data with `file` (.csv, UTF-8 or GB18030, or .xlsx; at most 10 MB) and
optionally `dry_run=true`. Each row is judged whole before anything of it is written;
the report lists every row: imported, refused (nothing written, with the command, the
error code and the template columns concerned), or partial (see docs/api.md).""",
    body={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "additionalProperties": False,
        "properties": {"file": {"type": "string", "format": "binary"},
                       "dry_run": {"type": "boolean", "default": False}}}}}},
    responses={
        200: Doc("The import report", ImportReport),
        400: Doc("invalid_request: no file, or a file that is not the template", Failure),
        409: Doc("the Idempotency-Key's first request is still running or was interrupted",
                 Failure),
        413: Doc("payload_too_large: the upload is over 10 MB", Failure),
        415: Doc("unsupported_media_type: not multipart/form-data", Failure),
        422: Doc("idempotency_key_reused", Failure),
    })
def import_awards(user, args):
    """Judge and import the uploaded sheet; the report of every row."""
    if request.mimetype != "multipart/form-data":
        raise ApiError("unsupported_media_type", "upload the sheet as multipart/form-data",
                       {"Content-Type": f"{request.mimetype or 'none'}, not "
                                        "multipart/form-data"})
    upload = request.files.get("file")
    form = load(ImportForm, {k: v for k, v in request.form.items()}, "form")
    if upload is None:
        raise ApiError("invalid_request", "no file: send the sheet as the form field `file`",
                       {"file": "required"})
    others = sorted(set(request.files) - {"file"})
    if others:
        raise ApiError("invalid_request", f"unknown file fields: {', '.join(others)}",
                       {name: "unknown field" for name in others})
    try:
        report = importer.import_bytes(services(current_app), upload.read(),
                                       upload.filename or "", user.username, form["dry_run"])
    except importer.TemplateError as e:
        raise ApiError("invalid_request", e.message, e.fields) from None
    return Reply(200, report.to_dict())
