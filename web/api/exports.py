"""GET /exports/DATASET.FORMAT: entitlements, awards, tranches and enterprises, as CSV or
XLSX, one route per dataset and format (so that the document lists each file). Every
role may download; `?enterprise_id=` keeps one enterprise's rows."""

from __future__ import annotations

from flask import Response

from projections.exports import CSV_TYPE, DATASETS, FORMATS, XLSX_TYPE, export
from web.api.auth import READ
from web.api.blueprint import BAD_QUERY, Blueprint
from web.api.context import services
from web.api.schemas import ExportQuery, Failure

#: What each format's body is, for the document.
FILE_SCHEMAS = {"csv": (CSV_TYPE, {"type": "string"}),
                "xlsx": (XLSX_TYPE, {"type": "string", "format": "binary"})}

exports = Blueprint("exports", __name__, description="CSV and XLSX downloads")


def attachment(data: bytes, fmt: str, filename: str) -> Response:
    """A file to download, named `filename`."""
    response = Response(data, content_type=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _route(dataset: str, fmt: str) -> None:
    spec = DATASETS[dataset]
    content_type, schema = FILE_SCHEMAS[fmt]

    @exports.access(READ)
    @exports.arguments(ExportQuery, location="query")
    @exports.doc(summary=f"{spec.title} ({fmt.upper()})",
                 description="Columns: " + ", ".join(c.name for c in spec.columns) + ".")
    @exports.response(200, schema, content_type=content_type,
                      description=f"{dataset}.{fmt}")
    @exports.alt_response(400, schema=Failure, description=BAD_QUERY)
    def download(query):
        with services().reader() as views:  # brought up to the log first
            data = export(views, dataset, fmt, query.get("enterprise_id"))
        return attachment(data, fmt, f"{dataset}.{fmt}")

    exports.add_url_rule(f"/exports/{dataset}.{fmt}", f"export_{dataset}_{fmt}", download,
                         methods=["GET"])


for _dataset in DATASETS:
    for _fmt in FORMATS:
        _route(_dataset, _fmt)
