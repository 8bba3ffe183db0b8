"""Exports: each dataset as CSV and XLSX holds what the read models hold, typed in XLSX,
formula-safe in both; one enterprise's rows with ?enterprise_id."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from projections import resources
from projections.exports import CSV_TYPE, DATASETS, XLSX_TYPE
from tests.api.conftest import load_demo, make_api
from tests.builders import register


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    api = make_api(tmp_path_factory.mktemp("exports") / "var")
    load_demo(api, enterprises=6)
    yield api
    api.services.close()


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CSV_TYPE
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_csv_and_xlsx_hold_the_same_rows_as_the_views(demo, dataset):
    spec = DATASETS[dataset]
    with demo.services.reader() as views:
        expected = spec.rows(views, None)
    assert expected, dataset
    as_csv = csv_rows(demo.get(f"/exports/{dataset}.csv"))
    as_xlsx = xlsx_rows(demo.get(f"/exports/{dataset}.xlsx"))
    names = [c.name for c in spec.columns]
    assert list(as_csv[0]) == names and list(as_xlsx[0]) == names
    assert len(as_csv) == len(as_xlsx) == len(expected)
    for want, got_csv, got_xlsx in zip(expected, as_csv, as_xlsx, strict=True):
        for column in spec.columns:
            value = want.get(column.name)
            if column.kind == "money":
                assert got_csv[column.name] == ("" if value is None else f"{value:.2f}")
                assert got_xlsx[column.name] == (None if value is None else
                                                 pytest.approx(float(value)))
            elif column.kind == "date":
                assert got_csv[column.name] == (value or "")
                assert got_xlsx[column.name] == (None if value is None else
                                                 datetime.fromisoformat(value))
            elif column.kind == "int":
                assert got_xlsx[column.name] == value
            else:
                assert got_csv[column.name] == ("" if value is None else str(value))
    disposition = demo.get(f"/exports/{dataset}.xlsx").headers["Content-Disposition"]
    assert disposition == f'attachment; filename="{dataset}.xlsx"'


def test_awards_add_up_to_the_enterprises_totals(demo):
    awards = csv_rows(demo.get("/exports/awards.csv"))
    paid = sum(Decimal(a["paid"]) for a in awards)
    enterprises = csv_rows(demo.get("/exports/enterprises.csv"))
    assert paid == sum(Decimal(e["disbursed_total"]) for e in enterprises)
    tranches = csv_rows(demo.get("/exports/tranches.csv"))
    assert paid == sum(Decimal(t["amount"]) for t in tranches if t["paid_on"])
    assert {a["status"] for a in awards} <= set(resources.AWARD_STATUSES)


def test_one_enterprise_s_rows(demo):
    some = demo.get("/enterprises?sort=awarded&limit=1").json["items"][0]["enterprise_id"]
    for dataset in DATASETS:
        rows = csv_rows(demo.get(f"/exports/{dataset}.csv?enterprise_id={some}"))
        assert rows and {r["enterprise_id"] for r in rows} == {some}, dataset


def test_a_name_that_looks_like_a_formula_stays_text(api):
    name = '=HYPERLINK("http://evil.example","click")'
    assert api.post({**register(1), "name": name}).status_code == 200
    row = csv_rows(api.get("/exports/enterprises.csv"))[0]
    assert row["name"] == "'" + name
    sheet = load_workbook(io.BytesIO(api.get("/exports/enterprises.xlsx").get_data())).active
    assert sheet["B2"].value == name and sheet["B2"].data_type == "s"


def test_an_unknown_export_is_404_and_a_bad_query_400(demo):
    assert demo.get("/exports/secrets.csv").status_code == 404
    assert demo.get("/exports/awards.pdf").status_code == 404
    assert demo.get("/exports/awards.csv?year=2025").status_code == 400
