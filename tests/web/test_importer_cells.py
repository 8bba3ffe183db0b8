"""How the import reads a sheet's amounts and whole numbers (policies/money.sheet_amount,
web/inputs.whole_number), issue 15: what Excel writes is read, the rest is refused by
column and writes nothing."""

from __future__ import annotations

from contextlib import closing

import pytest

from tests.conftest import TEST_CLOCK
from web import importer
from web.services import Services

EXAMPLE = dict(importer.EXAMPLES[2])  # a micro enterprise's innovation voucher, paid


def sheet(**cells) -> bytes:
    row = {**EXAMPLE, **cells}
    return importer.template_csv().split(b"\r\n")[0] + b"\r\n" + ",".join(
        f'"{"" if row.get(n) is None else row[n]}"' for n in importer.NAMES).encode() + b"\r\n"


@pytest.fixture
def services(tmp_path):
    with closing(Services(tmp_path / "var", clock=TEST_CLOCK)) as s:
        yield s


def imported(services, data: bytes) -> importer.RowResult:
    [row] = importer.import_bytes(services, data, "awards.csv", "clerk").results
    return row


@pytest.mark.parametrize("amount", ["45,000.00", "45000", "45000.0", "045000.00"])
def test_amounts_as_excel_writes_them_are_read(services, amount):
    row = imported(services, sheet(requested_amount=amount, tranche_1_amount=amount))

    assert row.status == "imported", row.error


@pytest.mark.parametrize("amount", ["４５０００", "45000.", "4.5E+4", "-45000", "45,00,0",
                                    "45000.001", "45 000"])
def test_other_amounts_are_refused_naming_the_column_and_write_nothing(services, amount):
    before = services.ledger.recorder.max_notification_id()

    row = imported(services, sheet(requested_amount=amount))

    assert row.status == "refused"
    assert row.error["columns"] == ["requested_amount"]
    assert services.ledger.recorder.max_notification_id() == before


@pytest.mark.parametrize("year", ["²⁰²⁵", "٢٠٢٥", "2_025", "2025.5", "9" * 5000])
def test_a_year_that_is_not_ascii_digits_is_refused_naming_the_column(services, year):
    row = imported(services, sheet(tranche_1_year=year))

    assert row.status == "refused"
    assert row.error["columns"] == ["tranche_1_year"]


def test_a_name_with_a_control_character_is_refused_naming_the_column(services):
    row = imported(services, sheet(enterprise_name="通州\u202e示例"))

    assert row.status == "refused"
    assert row.error["columns"] == ["enterprise_name"]
    assert services.ledger.recorder.max_notification_id() in (None, 0)
