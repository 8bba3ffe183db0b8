"""What a sender types into the dashboard's addresses and forms (issue 15).

`/enterprises?year=²` and `?page=²` answered 500 (`str.isdigit()` is true for "²",
`int()` refuses it), and so did a 5,000-digit year (`int()` refuses more than 4,300
digits). The query arguments are now read by a schema: 400 with the error page.
"""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import E1, csrf_of, written

BAD_ARGUMENTS = ["year=²", "page=²", "year=" + "9" * 5000, "page=" + "9" * 5000, "year=٢٠٢٥",
                 "page=%E2%91%A0", "year=2025%0B", "year=-1", "year=1899", "year=3000",
                 "page=0", "page=1_0", "sort=evil", "size=huge", "q=" + "x" * 201]


@pytest.mark.parametrize("query", BAD_ARGUMENTS)
def test_an_unreadable_query_argument_answers_400_in_both_languages(staff, query):
    answer = staff.get(f"/enterprises?{query}")

    assert answer.status_code == 400
    assert "地址无效" in answer.text and "Bad address" in answer.text


@pytest.mark.parametrize("query", ["", "year=2025", "year=2025&page=1", "page=99999",
                                   "year=&page=&q=&sector=&size=&sort=", "size=small",
                                   "sort=awarded", "q=%00%E2%80%AE", "unknown=1"])
def test_readable_arguments_and_empty_fields_answer_the_list(staff, query):
    assert staff.get(f"/enterprises?{query}").status_code == 200


def test_the_year_argument_chooses_the_caps_year(staff):
    assert "2026" in staff.get("/enterprises?year=2026").text


@pytest.mark.parametrize("as_of", ["²", "9" * 5000, "2025-13-01", "%00"])
def test_an_unreadable_past_date_never_answers_500(staff, as_of):
    assert staff.get(f"/enterprises/{E1}?as_of={as_of}").status_code == 200
    assert staff.get(f"/audit?run=1&as_of={as_of}").status_code == 200
    assert staff.get(f"/audit/findings.csv?as_of={as_of}").status_code == 400


@pytest.mark.parametrize(("name", "why"), [("\u200b", "U+200B"), ("\u202eevil", "U+202E"),
                                           ("bad\x00name", "U+0000")])
def test_a_form_with_an_invisible_or_control_character_is_refused_naming_the_field(
        app, staff, name, why):
    before = written(app)

    answer = staff.post("/enterprises/new", data={
        "csrf_token": csrf_of(staff), "at": "2025-06-02", "enterprise_id": "91110112MA0000999X",
        "name": name, "size": "small"})

    assert answer.status_code == 422
    assert why in answer.text
    assert written(app) == before


# Full-width digits are what a Chinese input method types: the desk's forms read them and
# show the amount back (web/dashboard/amounts.py); the contract's reading refuses them.
@pytest.mark.parametrize("amount", ["100.", "1E+2", "٣٠٠"])
def test_a_form_amount_outside_the_contracts_form_is_refused(app, staff, amount):
    before = written(app)

    answer = staff.post("/applications/A-4/approve", data={
        "csrf_token": csrf_of(staff), "at": "2025-09-01", "amount": amount})

    assert answer.status_code == 422
    assert written(app) == before
