"""Exports never fail on what the log holds (issue 15).

The log is immutable: a name stored with a control character before the text rule was
kept made `enterprises.xlsx` answer 500 for good (openpyxl's IllegalCharacterError).
These tests write such names by hand into the store, past the ledger's rule, as old
data would be, and export every dataset in both formats.
"""

from __future__ import annotations

import csv
import io
from contextlib import closing
from datetime import date

import pytest
from openpyxl import load_workbook

from lifecycle.enterprise import EnterpriseLedger
from projections.exports import DATASETS, export
from projections.follower import Follower
from projections.views import Views
from tests.builders import approve, certify, credit_code, submit
from tests.conftest import run

STORED = {1: "\u0000null", 2: "bell\x07 and \x1b[31mred", 3: "\u202eexe.txt", 4: "=1+2",
          5: "+cmd|' /C calc'!A0", 6: "-2", 7: "@SUM(A1)", 8: "\ttab"}


def store_by_hand(ledger, n: int, name: str) -> None:
    """An enterprise registered with `name` as old data was: past the ledger's text rule."""
    ledger.save(EnterpriseLedger.register(credit_code(n), name, "small", ["data-elements"],
                                          date(2025, 6, 2), "migration"))


@pytest.fixture
def views(ledger, tmp_path):
    for n, name in STORED.items():
        store_by_hand(ledger, n, name)
    assert all(line["ok"] for line in run(ledger, submit("A-1", 1), certify("A-1"),
                                          approve("A-1")))
    with closing(Follower(ledger, Views(tmp_path / "views.sqlite"))) as follower:
        follower.catch_up()
        yield follower.views


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_dataset_exports_whatever_text_the_log_holds(views, dataset, fmt):
    assert export(views, dataset, fmt)


def test_characters_a_cell_cannot_hold_are_written_as_the_replacement_character(views):
    book = load_workbook(io.BytesIO(export(views, "enterprises", "xlsx")))
    names = {row[0]: row[1] for row in book.active.iter_rows(min_row=2, values_only=True)}
    from_csv = {r["enterprise_id"]: r["name"] for r in csv_rows(
        export(views, "enterprises", "csv"))}

    for written in (names, from_csv):
        assert written[credit_code(1)] == "\ufffdnull"
        assert written[credit_code(2)] == "bell\ufffd and \ufffd[31mred"
        assert written[credit_code(3)] == "\ufffdexe.txt"


def test_a_csv_cell_a_spreadsheet_would_read_as_a_formula_is_kept_as_text(views):
    names = {r["enterprise_id"]: r["name"] for r in csv_rows(
        export(views, "enterprises", "csv"))}

    for n in (4, 5, 6, 7, 8):
        assert names[credit_code(n)] == "'" + STORED[n]


def test_an_xlsx_cell_that_looks_like_a_formula_is_a_string_cell(views):
    book = load_workbook(io.BytesIO(export(views, "enterprises", "xlsx")))
    cells = {row[0].value: row[1] for row in book.active.iter_rows(min_row=2)}

    for n in (4, 5, 6, 7):
        assert cells[credit_code(n)].data_type == "s"
        assert cells[credit_code(n)].value == STORED[n]


def test_the_other_datasets_carry_the_stored_name_too(views):
    awards = csv_rows(export(views, "awards", "csv"))
    entitlements = csv_rows(export(views, "entitlements", "csv"))

    assert [r["enterprise_name"] for r in awards] == ["\ufffdnull"]
    assert {r["enterprise_name"] for r in entitlements} == {"\ufffdnull"}
