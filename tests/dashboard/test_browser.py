"""In real headless Chromium, against a real HTTP server: staff record an application from
submission to approval and see the remaining cap change; an auditor finds no way to write;
an administrator disables a user after a confirmation that says what follows.

Screenshots of the main pages are kept in test-artifacts/ (not committed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.dashboard.browser import chromium, log_in, serving, shoot
from tests.dashboard.conftest import ADMIN, AUDITOR, E1, PASSWORD, STAFF, written
from web.app import create_app, services, users

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def live(seeded, tmp_path_factory):
    """The seeded app served over HTTP, with one browser for the module."""
    data = tmp_path_factory.mktemp("live") / "var"
    shutil.copytree(seeded, data)
    app = create_app({"GRANTS_DATA": str(data), "SECRET_KEY": "browser"})
    with serving(app) as base, chromium() as browser:
        yield app, base, browser
    services(app).close()


@pytest.fixture
def page(live):
    _app, _base, browser = live
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    yield context.new_page()
    context.close()


def remaining_2025(page) -> str:
    bar = page.locator('.capbar[data-cap="1000000.00"]').first
    return bar.get_attribute("data-remaining")


def test_staff_record_an_application_from_submission_to_approval(live, page):
    app, base, _browser = live
    log_in(page, base, STAFF, PASSWORD)
    assert page.url == base.rstrip("/") + "/"  # log-in lands on the desk
    page.goto(base.rstrip("/") + "/enterprises")
    shoot(page, ARTIFACTS / "enterprises.png")

    page.click(f'a[href="/enterprises/{E1}"]')
    assert remaining_2025(page) == "600000.00"
    used_before = float(page.locator(".capbar .cap-used").first.get_attribute("width"))
    shoot(page, ARTIFACTS / "enterprise-before.png")

    page.click(f'a[href="/applications/new?enterprise_id={E1}"]')
    page.fill("#submit-application_id", "W-1")
    page.select_option("#submit-clause", "tz-am-2025:14:industrial-event")
    assert "needed" in page.locator("#submit-basis\\.event_expenditure").locator(
        "xpath=..").get_attribute("class")
    page.fill("#submit-basis\\.event_expenditure", "400000")
    page.fill("#submit-requested_amount", "200000")
    page.fill("#submit-at", "2025-09-01")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/applications/W-1")
    assert page.locator("h1 .status").inner_text() == "已提交"

    page.fill("#certify-at", "2025-09-10")
    page.click(".action-certify button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1 .status").inner_text() == "已认定"

    # too much first: the refusal shows beside the amount, nothing is written
    before = written(app)
    page.fill("#approve-amount", "999999")
    page.fill("#approve-at", "2025-09-20")
    page.click(".action-approve button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#approve-amount-error").inner_text() == "最多 20.00万元"
    assert written(app) == before
    shoot(page, ARTIFACTS / "application-refused.png")

    page.fill("#approve-amount", "")
    page.fill("#approve-at", "2025-09-20")
    page.click(".action-approve button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1 .status").inner_text() == "已核定"
    assert "已办理" in page.locator(".flash").inner_text()
    shoot(page, ARTIFACTS / "application-approved.png")

    page.click(f'.crumbs a[href="/enterprises/{E1}"]')
    assert remaining_2025(page) == "400000.00"
    assert float(page.locator(".capbar .cap-used").first.get_attribute("width")) > used_before
    shoot(page, ARTIFACTS / "enterprise-after.png")

    page.click("a.lang")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "¥400,000.00 left of ¥1,000,000.00" in page.content()
    shoot(page, ARTIFACTS / "enterprise-en.png")
    for name, url in (("spend-en", "/spend"), ("catalogue-en", "/catalogue"),
                      ("alerts-en", "/alerts")):
        page.goto(base + url)
        shoot(page, ARTIFACTS / f"{name}.png", full_page=False)


def test_an_auditor_finds_no_way_to_write(live, page):
    app, base, _browser = live
    log_in(page, base, AUDITOR, PASSWORD)
    for url in ("/applications/A-4", "/applications/A-3", f"/enterprises/{E1}"):
        page.goto(base + url)
        assert page.locator("form[method=post]").count() == 1  # log out, nothing else
        assert page.locator('a[href="/applications/new"], a[href="/enterprises/new"]').count() == 0
    page.goto(base + "/applications/A-4")
    assert "只读" in page.locator(".staffbar").inner_text()
    shoot(page, ARTIFACTS / "application-auditor.png")

    before = written(app)
    status = page.evaluate("""async () => {
        const token = document.querySelector('input[name=csrf_token]').value;
        const form = new URLSearchParams({csrf_token: token, at: '2025-07-01'});
        const answer = await fetch('/applications/A-4/approve', {method: 'POST', body: form});
        return answer.status;
    }""")
    assert status == 403
    assert written(app) == before
    page.goto(base + "/enterprises/new")
    assert "无权操作" in page.content()
    shoot(page, ARTIFACTS / "forbidden.png", full_page=False)


def test_staff_start_from_the_queues_sort_the_list_and_confirm_a_revocation(live, page):
    app, base, _browser = live
    log_in(page, base, STAFF, PASSWORD)
    page.goto(base + "/")
    assert page.locator('[data-queue="to_certify"] .queue-count').inner_text() == "1"
    shoot(page, ARTIFACTS / "home.png")
    page.click('[data-queue="to_certify"]')
    page.wait_for_url("**/applications?status=submitted*")
    assert page.locator("table.applications tbody tr").count() == 1
    assert page.locator("table.applications tbody").inner_text().startswith("A-2")

    page.goto(base + "/applications")
    page.click('th.sortable a:has-text("申请金额")')
    page.wait_for_url("**sort=requested*")
    ids = page.locator("table.applications tbody tr td:first-child").all_inner_texts()
    assert ids.index("A-2") < ids.index("A-3")  # 30万 before 300万
    page.click('th.sortable a:has-text("申请金额")')
    page.wait_for_url("**sort=-requested*")
    ids = page.locator("table.applications tbody tr td:first-child").all_inner_texts()
    assert ids[0] == "A-3"
    shoot(page, ARTIFACTS / "applications.png")

    # revoking states the clawback first; going back writes nothing
    page.goto(base + "/applications/A-3")
    before = written(app)
    page.fill("#revoke-reason", "提供虚假材料")
    page.fill("#revoke-at", "2026-02-20")
    page.click(".action-revoke button[type=submit]")
    page.wait_for_load_state()
    assert "已拨付的 100.00万元 转为应追回" in page.locator("#confirm-consequences").inner_text()
    shoot(page, ARTIFACTS / "confirm-revoke.png")
    page.click("section.confirm a")
    page.wait_for_url("**/applications/A-3*")
    assert written(app) == before
    page.fill("#revoke-reason", "提供虚假材料")
    page.fill("#revoke-at", "2026-02-20")
    page.click(".action-revoke button[type=submit]")
    page.wait_for_load_state()
    page.click("section.confirm button[type=submit]")
    page.wait_for_url("**/applications/A-3")
    assert page.locator("h1 .status").inner_text() == "已撤销"
    page.goto(base + "/")
    assert page.locator('[data-queue="clawbacks"] .queue-count').inner_text() == "1"
    assert "100.00万元" in page.locator('[data-queue="clawbacks"]').inner_text()


def test_a_refused_form_says_every_error_in_chinese_in_one_round(live, page):
    app, base, _browser = live
    log_in(page, base, STAFF, PASSWORD)
    page.goto(base + "/applications/new?enterprise_id=" + E1)
    page.fill("#submit-application_id", "")
    page.select_option("#submit-clause", "tz-am-2025:4:pilot-testing")
    page.fill("#submit-basis\\.verified_total_investment", "144.5万")
    page.wait_for_function(
        "() => document.getElementById('submit-basis.verified_total_investment-preview')"
        ".textContent.includes('144.50万元')")
    page.fill("#submit-requested_amount", "1,44O,000")
    page.wait_for_function(
        "() => document.getElementById('submit-requested_amount-preview').textContent"
        ".includes('不是金额')")
    page.fill("#submit-at", "2999-01-01")
    before = written(app)
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()
    assert written(app) == before
    summary = page.locator(".form-error").inner_text()
    assert "申请编号" in summary and "申请金额" in summary and "业务日期" in summary
    assert "不是金额" in page.locator("#submit-requested_amount-error").inner_text()
    assert "晚于今天" in page.locator("#submit-at-error").inner_text()
    assert page.locator("#submit-basis\\.verified_total_investment-preview").inner_text() \
        == "即 144.50万元"
    shoot(page, ARTIFACTS / "refused-in-chinese.png")


def test_no_page_scrolls_sideways_at_390_pixels(live):
    _app, base, browser = live
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, base, STAFF, PASSWORD)
    for url in ("/", "/applications", "/enterprises", f"/enterprises/{E1}", "/applications/A-3",
                "/applications/new", "/alerts", "/spend", "/catalogue", "/audit?run=1"):
        page.goto(base + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    shoot(page, ARTIFACTS / "narrow-audit.png", full_page=False)
    context.close()


def test_an_admin_disables_a_user_after_a_confirmation_in_chinese(live, page):
    app, base, browser = live
    users(app).add("lin", "staff", PASSWORD, name="Lin Hua")
    users(app).issue_token("lin")
    elsewhere = browser.new_context(viewport={"width": 1366, "height": 900})
    lin = elsewhere.new_page()
    log_in(lin, base, "lin", PASSWORD)  # one session, which disabling ends
    log_in(page, base, ADMIN, PASSWORD)
    page.goto(base + "/users")
    before = written(app)
    page.click("#user-lin button.danger")
    page.wait_for_load_state()
    assert written(app) == before  # asked first, nothing written
    assert page.locator("#confirm-title").inner_text() == "停用用户 lin？"
    said = page.locator("#confirm-consequences").inner_text()
    assert "lin 将不能再登录" in said
    assert "其当前 1 个有效会话将在所有节点上立即结束" in said
    assert "其 API 令牌随即失效" in said
    shoot(page, ARTIFACTS / "confirm-disable.png")
    page.click("section.confirm button[type=submit]")
    page.wait_for_url("**/users")
    assert "已停用用户 lin" in page.locator("main").inner_text()
    assert "已停用" in page.locator("#user-lin").inner_text()
    lin.goto(base + "/enterprises")
    assert "/login" in lin.url  # the session ended
    elsewhere.close()
