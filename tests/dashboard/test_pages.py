"""What each page shows, to every role that may read it."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal

import pytest

from projections import pages
from projections.obligations import message as obligation_message
from projections.views import Views
from tests.builders import register
from tests.dashboard.conftest import ADMIN, AUDITOR, E1, E2, STAFF, csrf_of, log_in
from web.app import create_app, services

READ_PAGES = ("/enterprises", f"/enterprises/{E1}", f"/enterprises/{E1}?as_of=2025-07-10",
              "/applications/A-1", "/applications/A-3", "/catalogue", "/alerts", "/spend")


@pytest.mark.parametrize("role", [STAFF, AUDITOR, ADMIN])
@pytest.mark.parametrize("url", READ_PAGES)
def test_every_role_reads_every_page(client, role, url):
    log_in(client, role)
    answer = client.get(url)
    assert answer.status_code == 200
    assert "<nav" in answer.text and "</html>" in answer.text


@pytest.mark.parametrize("url", ["/enterprises/91110112MA0000999X", "/applications/NOPE",
                                 "/no/such/page", "/applications/A-1/launch"])
def test_what_does_not_exist_answers_404_in_both_languages(staff, url):
    if url.endswith("launch"):
        answer = staff.post(url, data={"csrf_token": csrf_of(staff)})
    else:
        answer = staff.get(url)
    assert answer.status_code == 404
    assert "页面不存在" in answer.text and "Not found" in answer.text


def test_the_list_shows_totals_and_this_years_tightest_cap(staff):
    page = staff.get("/enterprises?year=2025").text
    assert "Canal Smart Equipment Co." in page and "Luhe Data Tech Co." in page
    # A-1 (400,000) and A-3 (3,000,000) awarded; A-1 and A-3's 2025 tranche paid
    assert "340.00万元" in page and "140.00万元" in page
    assert "剩余 60.00万元（上限 100.00万元）" in page
    assert "2025年度上限剩余" in page


@pytest.mark.parametrize("query, shown, hidden", [
    ("q=Canal", "Canal Smart", "Luhe Data"),
    ("q=0000002", "Luhe Data", "Canal Smart"),
    ("q=ma0000001", "Canal Smart", "Luhe Data"),
    ("sector=data-elements", "Luhe Data", "Canal Smart"),
    ("size=medium", "Luhe Data", "Canal Smart"),
    ("size=small&q=Luhe", "没有符合条件的企业", "Canal Smart"),
])
def test_the_list_searches_and_filters(staff, query, shown, hidden):
    page = staff.get(f"/enterprises?{query}").text
    assert shown in page and hidden not in page


def test_the_list_is_paginated(app, staff):
    for n in range(10, 40):
        assert services(app).execute_json(register(n))["ok"]
    first = staff.get("/enterprises").text
    assert "第 1 / 2 页，共 32 条" in first
    assert first.count('href="/enterprises/9111') == 25
    second = staff.get("/enterprises?page=2").text
    assert second.count('href="/enterprises/9111') == 7
    assert "第 2 / 2 页" in second
    with services(app).reader() as views:
        found = pages.enterprise_list(views, 2025, per_page=10, page=99)
    assert found["page"] == 4 and len(found["rows"]) == 2


def test_the_enterprise_page_shows_awards_caps_windows_and_history(staff):
    page = staff.get(f"/enterprises/{E1}").text
    for application in ("A-1", "A-2", "A-3"):
        assert f'href="/applications/{application}"' in page
    assert 'data-remaining="600000.00" data-cap="1000000.00"' in page
    assert '<svg class="timeline"' in page and 'data-application="A-3"' in page
    assert page.count('class="cell paid"') == 1 and page.count('class="cell planned"') == 2
    assert "seed-clerk" in page and "记录时间（北京时间）" in page
    assert "合格" in page  # A-3's 2025 evaluation


def test_the_enterprise_page_as_of_a_past_date_replays_the_log(staff):
    page = staff.get(f"/enterprises/{E1}?as_of=2025-06-30").text
    assert "以下为截至 2025年6月30日 的状态" in page
    assert 'href="/applications/A-2"' not in page  # submitted on 1 August
    assert "data-remaining" not in page  # nothing approved yet
    assert "2025年6月20日" in page  # A-1 certified
    assert "2025年7月1日" not in page  # A-1 approved later
    earlier = staff.get(f"/enterprises/{E1}?as_of=2025-06-01").text
    assert "该企业在这一日期尚未登记" in earlier


def test_a_bad_as_of_date_is_marked_on_its_field(staff):
    page = staff.get(f"/enterprises/{E1}?as_of=someday").text
    assert 'id="as_of-error"' in page


def test_the_application_page_shows_the_quote_with_its_trace_and_candidates(auditor):
    page = auditor.get("/applications/A-4").text
    assert "003 第14条" in page and "活动支出 80.00万元 的 50%" in page
    assert "tz-de-2025" in page and "从优" in page
    assert "40.00万元" in page
    assert "活动支出" in page  # the basis, claimed and verified


def test_the_catalogue_shows_every_policy_and_article_in_both_languages(app, auditor):
    page = auditor.get("/catalogue").text
    for policy in services(app).ledger.catalogue.policies.values():
        assert f'id="{policy.id}"' in page
        assert policy.title_zh in page and policy.title_en in page
        for article in policy.articles.values():
            assert article.title_zh in page and article.title_en in page


def _flag(enterprise_id, key, due_on, cleared_on=None, application_id="A-3", year=2026):
    values = {"year": year, "amount": Decimal("1000000.00"), "application_id": application_id,
              "policy": "tz-am-2025", "article": 4}
    return {"enterprise_id": enterprise_id, "key": key, "kind": "tranche_due",
            "application_id": application_id, "policy": "tz-am-2025", "due_on": due_on,
            "raised_on": "2026-01-01", "cleared_on": cleared_on,
            "message": obligation_message("tranche_due", values)}


def test_alerts_show_what_is_due_now_without_waiting_for_the_daily_job(auditor):
    page = auditor.get("/alerts").text
    # A-3's 2026 and 2027 tranches are unpaid on the tests' today: due, and overdue
    assert "2026年度应拨付 100.00万元（A-3，tz-am-2025 第4条）" in page
    assert "2027年度应拨付" in page and "已逾期" in page
    assert "定时任务尚未记录任何预警" in auditor.get("/alerts?cleared=1").text
    assert "2027年度应拨付" not in auditor.get("/alerts?kind=evaluation_due").text


def test_alerts_list_the_recorded_flags_by_due_date_in_the_pages_words(app, auditor):
    views = Views(services(app).views_path)
    views.db["flags"].insert_all([
        _flag(E1, "late", "2026-12-31"),
        _flag(E2, "early", "2026-03-01", application_id="A-4", year=2025),
        _flag(E1, "done", "2026-01-31", cleared_on="2026-02-01", year=2024)])
    views.close()
    page = auditor.get("/alerts?cleared=1").text
    assert re.findall(r"(\d{4})年度应拨付", page) == ["2024", "2025", "2026"]
    assert 'href="/applications/A-4"' in page and "2026年2月1日" in page  # cleared on
    auditor.get("/language/en")
    page = auditor.get("/alerts?cleared=1").text
    assert "tranche 2025 of ¥1,000,000.00 is due in 2025 (A-4, tz-am-2025 art. 4)" in page


def test_spend_shows_awarded_and_paid_by_policy_article_and_year(auditor):
    page = auditor.get("/spend").text
    assert '<svg class="spend-chart"' in page
    assert page.count('class="bar awarded"') == 3  # 2025, 2026, 2027
    # 2025: A-1 400,000 + A-3 1,000,000 + A-4 nothing yet; all of it paid
    assert "140.00万元" in page and "340.00万元" in page


def test_spend_has_an_empty_state(tmp_path):
    from web.app import create_app, users

    app = create_app({"GRANTS_DATA": str(tmp_path / "empty"), "SECRET_KEY": "test"})
    users(app).add("ann", "auditor", "long-enough-1")
    client = app.test_client()
    log_in(client, "ann", "long-enough-1")
    assert "尚无核定的资金" in client.get("/spend").text
    assert "没有符合条件的企业" in client.get("/enterprises").text
    services(app).close()


def test_static_files_are_served_locally(client):
    assert client.get("/assets/dashboard.css").status_code == 200
    assert client.get("/assets/dashboard.js").status_code == 200


def test_the_forms_and_quotes_date_today_by_the_services_clock(seeded, tmp_path):
    """GRANTS_TODAY sets the dashboard's today: the date a form proposes, the quote's date."""
    shutil.copytree(seeded, tmp_path / "var")
    app = create_app({"GRANTS_DATA": str(tmp_path / "var"), "SECRET_KEY": "test",
                      "GRANTS_TODAY": "2026-02-03"})
    try:
        client = app.test_client()
        log_in(client, STAFF)
        assert 'value="2026-02-03"' in client.get("/enterprises/new").text
        assert "2026年2月3日" in client.get("/applications/A-4").text
    finally:
        services(app).close()


@pytest.mark.parametrize("as_of", [None, "2025-07-10"])
def test_the_newest_history_rows_are_the_end_of_the_whole_history(app, as_of):
    from datetime import date

    day = None if as_of is None else date.fromisoformat(as_of)
    with services(app).reader() as views:
        whole = pages.enterprise(views, services(app).ledger, E1, day)
        newest = pages.enterprise(views, services(app).ledger, E1, day, recent=2)
        everything = pages.enterprise(views, services(app).ledger, E1, day, recent=10_000)
    assert len(whole["history"]) > 2
    assert newest["history"] == whole["history"][-2:]
    assert newest["history_total"] == whole["history_total"] == len(whole["history"])
    assert everything["history"] == whole["history"]
    assert everything["history_total"] == len(whole["history"])


def test_links_of_a_page_are_those_flask_routes(app):
    from web.dashboard import shell

    with app.test_request_context("/enterprises"):
        from flask import url_for

        link = shell._links("applications.show", "application_id")
        for key in ("A-1", "TZ-2025-00001", "a b", "x/y", "中文", "%41", "-"):
            assert link(key) == url_for("applications.show", application_id=key)


def test_the_enterprise_page_shows_its_newest_history_and_links_the_whole(app, staff,
                                                                          monkeypatch):
    from web.dashboard import enterprises

    with services(app).reader() as views:
        rows = pages.enterprise(views, services(app).ledger, E1, None)["history"]
    assert len(rows) > 1
    link = f"/enterprises/{E1}/history".encode()
    assert len(rows) > enterprises.RECENT_HISTORY or link not in staff.get(
        f"/enterprises/{E1}").data  # all shown: no link
    monkeypatch.setattr(enterprises, "RECENT_HISTORY", 1)
    shown = staff.get(f"/enterprises/{E1}")
    assert shown.status_code == 200 and link in shown.data
    whole = staff.get(f"/enterprises/{E1}/history")
    assert whole.status_code == 200
    assert staff.get(f"/enterprises/{E1}/history?page=\uff12").status_code == 400
    assert staff.get(f"/enterprises/{E1}/history?page=x").status_code == 400
    assert staff.get("/enterprises/91110000000000000X/history").status_code == 404
