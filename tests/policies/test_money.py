"""The one reading of amounts (policies/money.py): what the API, the CLI and the forms accept,
and what the importer reads from a sheet's cells (issue 15)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from policies.money import AMOUNT_PATTERN, AmountError, money, sheet_amount

ACCEPTED = [
    ("1500000", "1500000.00"), ("1500000.5", "1500000.50"), ("1500000.00", "1500000.00"),
    ("0", "0.00"), ("0.01", "0.01"), ("400000.000", "400000.00"), ("007", "7.00"),
    ("999999999999999.99", "999999999999999.99"), (1500000, "1500000.00"), (0, "0.00"),
]
REFUSED = [
    ("１０００", "amount_form"), (" 100 ", "amount_form"), ("100 ", "amount_form"),
    ("100.", "amount_form"), (".5", "amount_form"), ("1E+2", "amount_form"),
    ("1e2", "amount_form"), ("+100", "amount_form"), ("1,000", "amount_form"),
    ("1_000", "amount_form"), ("٣٠٠", "amount_form"), ("²", "amount_form"),
    ("NaN", "amount_form"), ("Infinity", "amount_form"), ("", "amount_form"),
    ("0x10", "amount_form"), ("100\n", "amount_form"), ("100\x0b", "amount_form"),
    ("-1", "amount_negative"), ("-0", "amount_negative"), (-1, "amount_negative"),
    ("400000.005", "amount_places"), ("1.001", "amount_places"),
    ("1000000000000000", "amount_too_large"), (10 ** 15, "amount_too_large"),
    ("1" * 5000, "amount_too_large"),
    (1.5, "amount_type"), (True, "amount_type"), (None, "amount_type"), ([1], "amount_type"),
    ({"a": 1}, "amount_type"),
]


@pytest.mark.parametrize(("value", "read"), ACCEPTED)
def test_the_contract_reads_ascii_digits_with_at_most_two_decimals(value, read):
    assert money(value) == Decimal(read)


@pytest.mark.parametrize(("value", "reason"), REFUSED)
def test_everything_else_is_refused_with_its_reason(value, reason):
    with pytest.raises(AmountError) as refused:
        money(value)
    assert refused.value.reason == reason


@pytest.mark.parametrize(("value", "why"), ACCEPTED + REFUSED)
def test_the_pattern_the_api_documents_is_the_reading(value, why):
    documented = isinstance(value, str) and re.fullmatch(AMOUNT_PATTERN.strip("^$"), value)
    try:
        money(value)
        read = True
    except AmountError:
        read = False
    if isinstance(value, str):
        assert read == bool(documented)


@pytest.mark.parametrize(("cell", "written"), [
    (380000.0, "380000"), (1234.5, "1234.5"), (0.1, "0.1"), (12, "12"),
    ("1,440,000.00", "1440000.00"), ("1,440,000", "1440000"), ("380000.01", "380000.01"),
])
def test_a_sheet_may_hold_number_cells_and_thousands_grouped_by_commas(cell, written):
    assert sheet_amount(cell) == written
    money(written)


@pytest.mark.parametrize("cell", [
    0.1 + 0.2, 1e20, float("nan"), float("inf"), "1,44,000", "1,4400", ",100", "１０００",
    "1.234", "-5", True,
])
def test_a_sheet_cell_that_is_no_exact_amount_is_refused(cell):
    with pytest.raises(AmountError):
        sheet_amount(cell)
