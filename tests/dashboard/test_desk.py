"""The desk's start page of work queues, the list of applications, search, and the
enterprise list in pinyin order with its export."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.builders import register
from tests.dashboard.conftest import E1, E2
from tests.dashboard.test_actions import post
from web.app import services


def queue(page: str, key: str) -> int:
    found = re.search(rf'data-queue="{key}">\s*<span[^>]*>[^<]*</span>\s*'
                      rf'<strong class="queue-count">(\d+)</strong>', page)
    assert found, key
    return int(found.group(1))


def test_the_start_page_counts_each_queue_and_leads_to_it(staff):
    page = staff.get("/").text
    assert queue(page, "to_certify") == 1
    assert queue(page, "to_approve") == 1
    assert queue(page, "tranches_due") == 2  # A-3's 2026 and 2027, on the tests' today
    assert "合计 200.00万元" in page
    assert 'href="/applications?status=submitted' in page
    assert 'href="/alerts?kind=tranche_due"' in page


def test_a_write_shows_on_the_queues_at_once(staff):
    before = queue(staff.get("/").text, "clawbacks")
    assert post(staff, "/applications/A-3/revoke", reason="虚假材料", at="2026-02-20",
                confirmed="1").status_code == 303
    page = staff.get("/").text
    assert queue(page, "clawbacks") == before + 1 and "合计 100.00万元" in page
    assert queue(page, "tranches_due") == 0  # a revoked award owes no tranche


def test_the_application_list_filters_sorts_pages_and_exports(staff):
    page = staff.get("/applications").text
    assert page.index(">A-2<") < page.index(">A-1<")  # newest submitted first
    page = staff.get("/applications?status=approved").text
    assert ">A-3<" in page and ">A-2<" not in page and ">A-4<" not in page
    page = staff.get("/applications?sort=requested").text
    assert page.index(">A-2<") < page.index(">A-3<")  # 30万 before 300万
    assert 'aria-sort="ascending"' in page
    page = staff.get(f"/applications?enterprise_id={E2}").text
    assert ">A-4<" in page and ">A-1<" not in page and "Luhe Data Tech Co." in page
    page = staff.get("/applications?year=2024").text
    assert "没有符合条件的申请" in page
    page = staff.get("/applications?year=soon&article=x").text
    assert "无法识别" in page and ">A-1<" in page  # a bad filter is named and left out
    csv = staff.get("/applications?status=approved&export=csv")
    assert csv.headers["Content-Disposition"].endswith(".csv")
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("申请编号,") and len(lines) == 2  # A-3 (A-1 is completed)
    xlsx = staff.get("/applications?export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["A1"].value == "申请编号" and sheet.max_row == 5


def test_search_finds_an_application_by_its_number_and_enterprises_by_name(staff):
    assert staff.get("/search?q=a-3").location.endswith("/applications/A-3")
    assert staff.get(f"/search?q={E2.lower()}").location.endswith(f"/enterprises/{E2}")
    page = staff.get("/search?q=Canal").text
    assert "Canal Smart Equipment Co." in page and ">A-1<" in page


def test_the_enterprise_list_sorts_names_by_pinyin(app, staff):
    for n, name in ((3, "运河科技有限公司"), (4, "北京东方制造有限公司"), (5, "中科数智有限公司")):
        assert services(app).execute_json(register(n, name=name))["ok"]
    page = staff.get("/enterprises").text
    names = re.findall(r'<a href="/enterprises/[^"]+">([^<]+)</a><br>', page)
    assert names == ["北京东方制造有限公司", "Canal Smart Equipment Co.", "Luhe Data Tech Co.",
                     "运河科技有限公司", "中科数智有限公司"]
    page = staff.get("/enterprises?sort=-awarded").text
    names = re.findall(r'<a href="/enterprises/[^"]+">([^<]+)</a><br>', page)
    assert names[0] == "Canal Smart Equipment Co."
    csv = staff.get("/enterprises?export=csv&sort=name").data.decode("utf-8-sig").splitlines()
    assert csv[0].startswith("统一社会信用代码,企业名称") and "北京东方制造" in csv[1]
    assert f"{E1},Canal Smart Equipment Co." in csv[2]


def test_the_list_s_sectors_and_counts_follow_a_write(app, staff):
    """The enterprise list remembers the sectors in use and how many enterprises match
    while nothing is written (reading them costs 15 ms at 10,000 enterprises); the next
    write shows on the next page."""
    from projections import pages

    first = staff.get("/enterprises").text
    assert 'value="blockchain"' not in first
    with services(app).reader() as views:
        before = pages.enterprise_list(views, 2026)["total"]
    line = services(app).execute_json(register(77, sectors=["blockchain"]))
    assert line["ok"], line
    assert 'value="blockchain"' in staff.get("/enterprises").text
    with services(app).reader() as views:
        assert pages.enterprise_list(views, 2026)["total"] == before + 1
        assert "blockchain" in pages.sectors(views)


def test_pages_that_find_the_judgement_stale_together_wait_for_one(app):
    """The first pages of a day (or after a write) arriving at once: one thread judges,
    the others wait and read its answer, instead of each judging every enterprise."""
    import threading

    from projections import queues

    svc = services(app)
    queues._judged.clear()
    barrier, answers = threading.Barrier(8), []

    def page():
        with svc.reader() as views:
            barrier.wait()
            answers.append(queues.open_counts(views, svc.ledger.catalogue, svc.clock.today(),
                                              svc.deadlines))

    threads = [threading.Thread(target=page) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(answers) == 8 and all(a is answers[0] for a in answers)
