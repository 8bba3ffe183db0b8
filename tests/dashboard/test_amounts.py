"""Amounts as staff type them: read into the contract's decimal string, or refused under
their field with words saying what may be written; shown back in the page's unit."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import E2, written
from tests.dashboard.test_actions import field_error, post
from web.dashboard import amounts


@pytest.mark.parametrize("typed, read", [
    ("1440000", "1440000.00"), ("1,440,000", "1440000.00"), ("144万", "1440000.00"),
    ("144.5万元", "1445000.00"), ("1.2亿", "120000000.00"), ("¥1,440,000.00", "1440000.00"),
    ("１４４万", "1440000.00"), ("1，440，000", "1440000.00"), (" 144 万 ", "1440000.00"),
    ("0.01", "0.01"), ("1440000元", "1440000.00"), ("144.000012万", "1440000.12"),
])
def test_what_staff_type_is_read_as_the_contract_writes_it(typed, read):
    assert amounts.contract_text(typed) == read


@pytest.mark.parametrize("typed, reason", [
    ("1,44O,000", "not_amount"), ("lots", "not_amount"), ("1,44,0000", "not_amount"),
    ("144万万", "not_amount"), ("1.234", "fen"), ("144.0000001万", "fen"),
    ("-5", "negative"), ("1" + "0" * 16, "too_large"), ("", "not_amount"),
])
def test_what_is_no_amount_is_refused_with_a_reason(typed, reason):
    with pytest.raises(amounts.AmountError) as e:
        amounts.parse(typed)
    assert e.value.reason == reason


def test_a_submission_in_wan_is_recorded_in_yuan(staff):
    answer = post(staff, "/applications/new", enterprise_id=E2, application_id="B-9",
                  clause="tz-am-2025:4:pilot-testing",
                  **{"basis.verified_total_investment": "200万"},
                  requested_amount="60万", at="2025-07-01")
    assert answer.status_code == 303
    page = staff.get("/applications/B-9").text
    assert "200.00万元" in page and "60.00万元" in page


def test_every_error_of_a_form_comes_back_in_one_round_under_its_field(staff, app):
    before = written(app)
    answer = post(staff, "/applications/new", enterprise_id=E2, application_id="",
                  clause="tz-am-2025:4:pilot-testing",
                  **{"basis.verified_total_investment": "1,44O,000"},
                  requested_amount="1.234", at="2999-01-01")
    assert answer.status_code == 422
    assert "1440000" in field_error(answer.text, "submit", "basis.verified_total_investment")
    assert "分" in field_error(answer.text, "submit", "requested_amount")
    assert field_error(answer.text, "submit", "application_id")
    assert "晚于今天" in field_error(answer.text, "submit", "at")
    assert 'href="#submit-basis.verified_total_investment"' in answer.text
    assert written(app) == before


def test_a_register_form_names_the_credit_code_with_the_other_fields(staff, app):
    answer = post(staff, "/enterprises/new", enterprise_id="91110112MA0000005Z", name="",
                  size="huge", at="2025-09-01")
    for name in ("enterprise_id", "name", "size"):
        assert field_error(answer.text, "reg", name), name
    assert "不允许的字符" in field_error(answer.text, "reg", "enterprise_id")


def test_an_amount_typed_is_shown_back_in_the_pages_unit(staff):
    assert staff.get("/amount?text=144.5万").json == {
        "ok": True, "amount": "1445000.00", "shown": "即 144.50万元"}
    assert staff.get("/amount?text=1,440,012.34").json["shown"] == "即 144.001234万元"
    assert staff.get("/amount?text=1,44O").json["ok"] is False
    staff.get("/language/en")
    assert staff.get("/amount?text=144万").json["shown"] == "that is ¥1,440,000.00"


def test_a_refused_form_shows_each_amount_it_read_in_the_pages_unit(staff):
    answer = post(staff, "/applications/A-4/approve", at="2025-07-01", amount="50万")
    assert re.search(r'id="approve-amount-preview"[^>]*>即 50.00万元<', answer.text)
    assert field_error(answer.text, "approve", "amount") == "最多 40.00万元"


def test_an_application_is_entered_for_an_enterprise_picked_by_name(staff, app):
    assert staff.get("/enterprises/pick?q=Luhe").json == [
        {"enterprise_id": E2, "name": "Luhe Data Tech Co."}]
    answer = post(staff, "/applications/new", enterprise_id="Luhe Data", application_id="P-1",
                  clause="tz-am-2025:14:industrial-event",
                  **{"basis.event_expenditure": "50万"}, requested_amount="20万",
                  at="2025-09-01")
    assert answer.status_code == 303
    assert E2 in staff.get("/applications/P-1").text
    answer = post(staff, "/applications/new", enterprise_id="Co.", application_id="P-2",
                  clause="tz-am-2025:14:industrial-event",
                  **{"basis.event_expenditure": "50万"}, requested_amount="20万",
                  at="2025-09-01")
    assert answer.status_code == 422
    assert "2 家企业符合" in field_error(answer.text, "submit", "enterprise_id")
    assert f'name="enterprise_pick" value="{E2}"' in answer.text
    answer = post(staff, "/applications/new", enterprise_id="Co.", enterprise_pick=E2,
                  application_id="P-2", clause="tz-am-2025:14:industrial-event",
                  **{"basis.event_expenditure": "50万"}, requested_amount="20万",
                  at="2025-09-01")
    assert answer.status_code == 303
