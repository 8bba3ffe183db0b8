"""Staff record the lifecycle through the forms; refusals come back next to their field."""

from __future__ import annotations

import re

from tests.builders import credit_code
from tests.dashboard.conftest import E1, E2, STAFF, csrf_of, written


def post(client, url, **form):
    return client.post(url, data={**form, "csrf_token": csrf_of(client)})


def field_error(page: str, form: str, field: str) -> str | None:
    found = re.search(rf'id="{re.escape(form)}-{re.escape(field)}-error">([^<]*)<', page)
    return found.group(1) if found else None


def actors(client, enterprise_id) -> set[str]:
    page = client.get(f"/enterprises/{enterprise_id}").text
    history = page[page.index('class="list compact history"'):]
    return set(re.findall(r"<td>(seed-clerk|sara)</td>", history))


def test_staff_register_an_enterprise_and_are_named_as_its_actor(staff):
    answer = post(staff, "/enterprises/new", enterprise_id=credit_code(5).lower(),
                  name="Tongzhou Robotics Co.", size="micro", sectors="intelligent-equipment",
                  sectors_other="robotics, ", at="2025-09-01")
    assert answer.status_code == 303
    page = staff.get(answer.location).text
    assert "Tongzhou Robotics Co." in page and "robotics" in page and "智能装备" in page
    assert "已登记企业 Tongzhou Robotics Co." in page
    assert actors(staff, credit_code(5)) == {STAFF}


def test_a_refused_registration_marks_its_fields_and_writes_nothing(staff, app):
    before = written(app)
    answer = post(staff, "/enterprises/new", enterprise_id="91110112MA0000005Z", name="",
                  size="huge", at="2025-13-01")
    assert answer.status_code == 422
    for name in ("name", "size", "at"):
        assert field_error(answer.text, "reg", name), name
    assert 'value="91110112MA0000005Z"' in answer.text  # what was typed stays
    assert written(app) == before
    answer = post(staff, "/enterprises/new", enterprise_id="91110112MA0000005Z", name="X",
                  size="small", at="2025-09-01")
    assert field_error(answer.text, "reg", "enterprise_id")
    answer = post(staff, "/enterprises/new", enterprise_id=E1, name="X", size="small",
                  at="2025-09-01")
    assert field_error(answer.text, "reg", "enterprise_id") == "该企业已登记"
    assert written(app) == before


def test_an_application_goes_from_submission_to_payment_through_the_forms(staff, app):
    answer = post(staff, "/applications/new", enterprise_id=E2, application_id="B-1",
                  clause="tz-am-2025:4:pilot-testing",
                  **{"basis.verified_total_investment": "2000000"},
                  requested_amount="600000", at="2025-07-01")
    assert answer.status_code == 303 and answer.location.endswith("/applications/B-1")
    assert "已提交" in staff.get("/applications/B-1").text
    assert post(staff, "/applications/B-1/certify", at="2025-07-10",
                **{"basis.verified_total_investment": "1800000"}).status_code == 303
    page = staff.get("/applications/B-1").text
    assert "180.00万元" in page and "54.00万元" in page  # verified basis; 30% of it
    answer = post(staff, "/applications/B-1/approve", at="2025-07-20",
                  **{"tranches.0.year": "2025", "tranches.0.amount": "300000",
                     "tranches.1.year": "2026", "tranches.1.amount": "240000"})
    assert answer.status_code == 303
    page = staff.get("/applications/B-1").text
    assert "已办理：核定 54.00万元" in page and "已核定" in page
    assert post(staff, "/applications/B-1/pay", year="2025", at="2025-08-01").status_code == 303
    answer = post(staff, "/applications/B-1/pay", year="2026", at="2026-02-01")
    assert answer.status_code == 422
    assert "请先完成2025年度绩效评价" in field_error(answer.text, "pay", "year")
    assert post(staff, "/applications/B-1/evaluate", year="2025", result="pass",
                note="on plan", at="2026-01-20").status_code == 303
    assert post(staff, "/applications/B-1/pay", year="2026", at="2026-02-01").status_code == 303
    page = staff.get("/applications/B-1").text
    assert "已完成" in page and page.count("2026年2月1日") >= 1
    assert actors(staff, E2) == {"seed-clerk", STAFF}


def test_approval_reduces_the_remaining_cap(staff):
    def remaining():
        page = staff.get(f"/enterprises/{E1}").text
        return re.findall(r'data-remaining="([\d.]+)" data-cap="1000000.00"', page)

    assert remaining() == ["600000.00"]  # A-1 used 400,000 of 2025's 1,000,000
    assert post(staff, "/applications/A-2/certify", at="2025-08-10",
                **{"basis.event_expenditure": "600000"}).status_code == 303
    # the award lands in 2025, the year of its one tranche
    assert post(staff, "/applications/A-2/approve", at="2025-08-20",
                amount="250000").status_code == 303
    assert remaining() == ["350000.00"]


def test_a_refused_approval_marks_the_amount_or_the_plan(staff, app):
    before = written(app)
    answer = post(staff, "/applications/A-4/approve", at="2025-07-01", amount="500000")
    assert answer.status_code == 422
    assert field_error(answer.text, "approve", "amount") == "最多 40.00万元"
    assert "未能保存" in answer.text and 'href="#approve-amount"' in answer.text
    answer = post(staff, "/applications/A-4/approve", at="2025-07-01",
                  **{"tranches.0.year": "next", "tranches.0.amount": "1.234"})
    assert "应为整数" in field_error(answer.text, "approve", "tranches.0.year")
    assert "两位小数" in field_error(answer.text, "approve", "tranches.0.amount")
    assert 'value="1.234"' in answer.text
    answer = post(staff, "/applications/A-4/approve", at="2025-07-01", amount="100000",
                  **{"tranches.0.year": "2025", "tranches.0.amount": "90000"})
    assert 'id="approve-tranches-error"' in answer.text
    assert written(app) == before


def test_rejection_needs_a_reason(staff, app):
    before = written(app)
    answer = post(staff, "/applications/A-2/reject", reason=" ", at="2025-08-10")
    assert answer.status_code == 422 and field_error(answer.text, "reject", "reason")
    assert written(app) == before
    assert post(staff, "/applications/A-2/reject", reason="no invoices", at="2025-08-10",
                confirmed="1").status_code == 303
    page = staff.get("/applications/A-2").text
    assert "不予支持" in page and "原因：no invoices" in page
    assert "/applications/A-2/certify" not in page


def test_a_rejection_asks_for_confirmation_saying_what_follows(staff, app):
    before = written(app)
    answer = post(staff, "/applications/A-2/reject", reason="材料不全", at="2025-08-10")
    assert answer.status_code == 200 and written(app) == before
    assert "确认对申请 A-2 不予支持" in answer.text
    assert "不能再认定或核定" in answer.text and "申请金额 30.00万元 不予支持" in answer.text
    assert 'name="confirmed" value="1"' in answer.text
    assert 'name="reason" value="材料不全"' in answer.text
    assert 'href="/applications/A-2#actions"' in answer.text  # back, nothing recorded


def test_a_revocation_states_the_clawback_before_it_is_recorded(staff, app):
    before = written(app)
    answer = post(staff, "/applications/A-3/revoke", reason="虚假材料", at="2026-02-20")
    assert answer.status_code == 200 and written(app) == before
    text = answer.text
    assert "已拨付的 100.00万元 转为应追回，须在 30 天内（2026年3月22日前）退回" in text
    assert "尚未拨付的 2 笔（合计 200.00万元）不再拨付" in text
    refused = post(staff, "/applications/A-3/revoke", reason="虚假材料", at="2025-01-01")
    assert refused.status_code == 422 and field_error(refused.text, "revoke", "at")
    assert written(app) == before


def test_revocation_leaves_a_clawback_that_repayments_reduce(staff):
    assert post(staff, "/applications/A-3/revoke", reason="false materials",
                at="2026-02-20", confirmed="1").status_code == 303
    page = staff.get("/applications/A-3").text
    assert "应追回 100.00万元" in page and "/applications/A-3/repay" in page
    assert post(staff, "/applications/A-3/repay", amount="40万", note="first instalment",
                at="2026-03-10").status_code == 303
    assert "应追回 60.00万元" in staff.get("/applications/A-3").text


def test_a_submission_with_no_clause_or_a_bad_amount_is_marked(staff, app):
    before = written(app)
    answer = post(staff, "/applications/new", enterprise_id=E2, application_id="B-2",
                  clause="", requested_amount="lots", at="2025-07-01")
    assert answer.status_code == 422
    assert field_error(answer.text, "submit", "clause")
    assert field_error(answer.text, "submit", "requested_amount")
    answer = post(staff, "/applications/new", enterprise_id=E2, application_id="A-1",
                  clause="tz-am-2025:14:industrial-event", requested_amount="1000",
                  at="2025-07-01", **{"basis.event_expenditure": "5000"})
    assert field_error(answer.text, "submit", "application_id") == "该申请编号已存在"
    assert written(app) == before


def test_the_submission_form_suggests_a_number_and_the_enterprise(staff):
    page = staff.get(f"/applications/new?enterprise_id={E1}").text
    assert f'value="{E1}"' in page
    assert re.search(r'value="TZ-\d{4}-00001"', page)
    assert 'data-needs="verified_total_investment"' in page
