"""In real headless Chromium, against a real HTTP server: staff record an application from
submission to approval and see the remaining cap change; an auditor finds no way to write.

Screenshots of the main pages are kept in test-artifacts/ (not committed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.dashboard.browser import chromium, log_in, serving, shoot
from tests.dashboard.conftest import AUDITOR, E1, PASSWORD, STAFF, written
from web.app import create_app, services

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
    assert page.url.endswith("/enterprises")
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
