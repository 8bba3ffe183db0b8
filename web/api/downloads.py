"""GET downloads: the exports (entitlements, awards, tranches, enterprises; CSV or XLSX)
and the import template. Every role may download."""

from __future__ import annotations

from flask import Response, current_app

from projections import exports
from web import importer
from web.api.endpoints import Doc, operation
from web.api.schemas import ExportQuery, Failure
from web.app import services

CONTENT = {"csv": {exports.CSV_TYPE: {"schema": {"type": "string"}}},
           "xlsx": {exports.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
BAD_QUERY = Doc("invalid_request: a query parameter is malformed or unknown", Failure)


def _file(data: bytes, fmt: str, filename: str) -> Response:
    response = Response(data, content_type=exports.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_view(dataset: str, fmt: str):
    def view(user, args):
        ledger = services(current_app)
        ledger.catch_up()
        with ledger.reader() as views:
            data = exports.export(views, dataset, fmt, args.get("enterprise_id"))
        return _file(data, fmt, f"{dataset}.{fmt}")

    view.__name__ = f"export_{dataset}_{fmt}"
    view.__doc__ = f"The {dataset} export as {fmt.upper()}."
    return view


for _dataset, _spec in exports.DATASETS.items():
    for _fmt in exports.FORMATS:
        operation(
            "GET", f"/exports/{_dataset}.{_fmt}", tag="exports",
            summary=f"{_spec.title} ({_fmt.upper()})",
            description="Columns: " + ", ".join(c.name for c in _spec.columns) + ".",
            query=ExportQuery,
            responses={200: Doc(f"{_dataset}.{_fmt}", content=CONTENT[_fmt]), 400: BAD_QUERY},
        )(_export_view(_dataset, _fmt))


def _template_view(fmt: str):
    def view(user, args):
        data = importer.template_csv() if fmt == "csv" else importer.template_xlsx()
        return _file(data, fmt, f"import-template.{fmt}")

    view.__name__ = f"import_template_{fmt}"
    view.__doc__ = f"The import template as {fmt.upper()}."
    return view


for _fmt in exports.FORMATS:
    operation(
        "GET", f"/imports/template.{_fmt}", tag="imports",
        summary=f"The template of the awards import ({_fmt.upper()}), with example rows",
        description="Columns: " + ", ".join(importer.NAMES) + ". See docs/api.md.",
        responses={200: Doc(f"import-template.{_fmt}", content=CONTENT[_fmt]), 400: BAD_QUERY},
    )(_template_view(_fmt))
