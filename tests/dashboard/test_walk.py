"""Every page of the demo, in Chinese and in English: no English sentence on a Chinese
page, no Chinese one on an English page, and no amount in raw yuan (tests/dashboard/
words_check.py defines each). "Every page": the start page, the lists (each filter, sort
and page), every enterprise (now and on a past date), every application (with the staff's
forms), the forms, every flag (live and recorded), the spend, catalogue, audit (and a
what-if), search, users (one user's card, the confirmation of disabling, a token just issued), the
error pages, the confirmation pages, and every form error:
each form sent with what makes each of its refusals."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import csrf_of, log_in
from tests.dashboard.words_check import wrong_words
from web.app import create_app, services, users
from web.cli import DEMO_USERS
from web.daily import run_daily
from web.synthetic import history

#: The demo's today: late enough for every kind of flag with these deadlines.
TODAY = "2028-04-01"
SETTINGS = {"GRANTS_TODAY": TODAY, "GRANTS_WINDOW_WARNING_DAYS": "300", "SECRET_KEY": "walk"}
ENTERPRISES = 40


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo history to today, the daily job run on it, a revocation with money paid,
    and the demo's log-ins."""
    data = tmp_path_factory.mktemp("walk") / "var"
    app = create_app({"GRANTS_DATA": str(data), **SETTINGS})
    svc = services(app)
    commands = list(history(svc.ledger.catalogue, enterprises=ENTERPRISES,
                            end=svc.clock.today()))
    svc.execute_json_many(commands)
    with svc.reader() as views:
        paid = views.db.execute(
            "SELECT a.application_id FROM applications a JOIN tranches t USING "
            "(application_id) WHERE a.status = 'approved' AND t.paid_on IS NOT NULL "
            "ORDER BY a.application_id LIMIT 1").fetchone()[0]
    assert svc.execute_json({"type": "RevokeAward", "at": TODAY, "application_id": paid,
                             "reason": "提供虚假材料", "actor": "staff-zhao"})["ok"]
    run_daily(svc, svc.clock.today())
    for username, role, name in DEMO_USERS:
        users(app).add(username, role, f"{username}-demo", name)
    yield app
    svc.close()


def data_of(app) -> list[str]:
    """Every value of the ledger a page may show as it is: names, ids, notes, reasons,
    actors, user names (longest first, so that a name goes before a part of it)."""
    found = set()
    with services(app).reader() as views:
        for sql in ("SELECT name, enterprise_id, dishonesty FROM enterprises",
                    "SELECT application_id, project_id, reason, catalogue_version "
                    "FROM applications",
                    "SELECT note FROM evaluations", "SELECT DISTINCT actor FROM history",
                    "SELECT DISTINCT j.value FROM enterprises, json_each(sectors) j"):
            for row in views.db.execute(sql):
                found.update(v for v in row if isinstance(v, str))
        for (text,) in views.db.execute("SELECT dishonesty FROM enterprises"):
            found.update(re.findall(r'"note": "([^"]*)"', text))
    for u in users(app).list():
        found.update({u.username, u.name or ""})
    return sorted((v for v in found if v), key=len, reverse=True)


def client_for(app, lang: str, username: str):
    client = app.test_client()
    client.get(f"/language/{lang}")
    assert log_in(client, username, f"{username}-demo").status_code == 303
    return client


def pages_of(app) -> list[str]:
    with services(app).reader() as views:
        enterprises = [r[0] for r in views.db.execute("SELECT enterprise_id FROM enterprises")]
        applications = [r[0] for r in views.db.execute("SELECT application_id FROM applications")]
        statuses = [r[0] for r in views.db.execute("SELECT DISTINCT status FROM applications")]
        first = views.db.execute("SELECT min(at) FROM history").fetchone()[0]
    lists = ["/", "/applications", "/applications?page=2", "/applications?sort=enterprise",
             "/applications?sort=-amount", "/applications?year=2027&policy=tz-am-2025",
             "/applications?year=soon&article=x", "/applications?q=zzz",
             *(f"/applications?status={s}" for s in statuses),
             "/enterprises", "/enterprises?page=2", "/enterprises?sort=-clawback",
             "/enterprises?sort=size", "/enterprises?q=zzz",
             "/alerts", "/alerts?cleared=1",
             *(f"/alerts?kind={k}" for k in ("tranche_due", "evaluation_due", "window_closing",
                                              "policy_lapsing", "clawback_due")),
             "/spend", "/catalogue", "/audit", "/audit?run=1", "/audit?run=1&what_if=1",
             "/audit?run=1&as_of=someday", "/applications/new", "/enterprises/new",
             "/search?q=科技", "/search?q=zzz", "/no/such/page", "/applications/NOPE"]
    middle = first[:8] + "15"
    return [*lists, *(f"/enterprises/{e}" for e in enterprises),
            f"/enterprises/{enterprises[0]}?as_of={middle}",
            f"/enterprises/{enterprises[0]}?as_of=2000-01-01",
            f"/enterprises/{enterprises[0]}?as_of=someday",
            *(f"/applications/{a}" for a in applications)]


def form_errors(app) -> list[tuple[str, dict]]:
    """Each form sent so that each of its refusals shows (URL, form)."""
    with services(app).reader() as views:
        def one(sql):
            row = views.db.execute(sql).fetchone()
            return row[0] if row else None
        enterprise = one("SELECT enterprise_id FROM enterprises ORDER BY enterprise_id")
        submitted = one("SELECT application_id FROM applications WHERE status = 'submitted'")
        certified = one("SELECT a.application_id FROM applications a WHERE status = "
                        "'certified' AND policy = 'tz-am-2025' AND article = 4")
        certified = certified or one("SELECT application_id FROM applications "
                                     "WHERE status = 'certified'")
        multi = one("SELECT application_id FROM applications a WHERE status = 'approved' AND "
                    "(SELECT count(*) FROM tranches t WHERE t.application_id = "
                    "a.application_id) > 1 AND EXISTS (SELECT 1 FROM tranches t WHERE "
                    "t.application_id = a.application_id AND t.paid_on IS NULL)")
        revoked = one("SELECT application_id FROM applications WHERE clawback_fen > 0")
        completed = one("SELECT application_id FROM applications WHERE status = 'completed'")
    today = TODAY
    later = "2999-01-01"
    submit = {"enterprise_id": enterprise, "application_id": "W-1",
              "clause": "tz-am-2025:14:industrial-event", "basis.event_expenditure": "80万",
              "requested_amount": "40万", "at": today}
    found = [
        ("/enterprises/new", {"enterprise_id": "91110112MA0000005Z", "name": "", "size": "huge",
                              "at": later}),
        ("/enterprises/new", {"enterprise_id": "X" * 17, "name": "某某", "size": "small",
                              "at": "soon"}),
        ("/enterprises/new", {"enterprise_id": "91110112MA0000001O", "name": "某某",
                              "size": "small", "at": today}),
        ("/enterprises/new", {"enterprise_id": enterprise, "name": "某某", "size": "small",
                              "at": today}),
        ("/enterprises/new", {"enterprise_id": enterprise[:17] + ("A" if enterprise[17] != "A"
                                                                  else "B"),
                              "name": "某某", "size": "small", "at": today}),
        ("/applications/new", {**submit, "clause": "", "requested_amount": "1,44O,000",
                               "basis.event_expenditure": "1.234", "application_id": ""}),
        ("/applications/new", {**submit, "enterprise_id": "没有这家公司"}),
        ("/applications/new", {**submit, "enterprise_id": "有限公司"}),
        ("/applications/new", {**submit, "application_id": submitted}),
        ("/applications/new", {**submit, "at": "2024-01-01"}),
        ("/applications/new", {**submit, "basis.event_expenditure": "", "requested_amount": "-5"}),
        ("/applications/new", {**submit, "clause": "tz-am-2025:4:pilot-testing",
                               "basis.event_expenditure": ""}),
        ("/applications/new", {**submit, "clause": "bj-hps-2024:2:allocated-subsidy",
                               "at": "2025-06-01"}),
        ("/applications/new", {**submit, "requested_amount": "1" + "0" * 17}),
        (f"/applications/{submitted}/certify", {"basis.event_expenditure": "lots",
                                                "at": later}),
        (f"/applications/{submitted}/approve", {"at": today}),
        (f"/applications/{certified}/approve", {"amount": "999999万", "at": today}),
        (f"/applications/{certified}/approve", {"at": today, "amount": "30万",
                                                "tranches.0.year": "2028",
                                                "tranches.0.amount": "10万",
                                                "tranches.1.year": "2030",
                                                "tranches.1.amount": "20万"}),
        (f"/applications/{certified}/approve", {"at": today, "amount": "30万",
                                                "tranches.0.year": "2028",
                                                "tranches.0.amount": "10万"}),
        (f"/applications/{certified}/approve", {"at": today, "amount": "3万",
                                                "tranches.0.year": "2027",
                                                "tranches.0.amount": "3万"}),
        (f"/applications/{certified}/approve", {"at": today, "tranches.0.year": "next",
                                                "tranches.0.amount": "0"}),
        (f"/applications/{certified}/reject", {"reason": "", "at": today}),
        (f"/applications/{certified}/reject", {"reason": "材料不全", "at": today}),
        (f"/applications/{certified}/revoke", {"reason": "虚假材料", "at": today}),
        (f"/applications/{certified}/pay", {"year": "2028", "at": today}),
        (f"/applications/{certified}/evaluate", {"year": "2027", "result": "pass",
                                                 "at": today}),
        (f"/applications/{certified}/repay", {"amount": "1万", "at": today}),
        (f"/applications/{revoked}/repay", {"amount": "99999万", "at": today}),
        (f"/applications/{revoked}/repay", {"amount": "0", "at": today}),
        (f"/applications/{revoked}/revoke", {"reason": "又一次", "at": today}),
        (f"/applications/{completed}/pay", {"year": "1999", "at": today}),
        (f"/applications/{completed}/evaluate", {"year": "2028", "result": "maybe",
                                                 "at": today}),
    ]
    if multi:
        found += [
            (f"/applications/{multi}/pay", {"year": "2031", "at": today}),
            (f"/applications/{multi}/pay", {"year": "2099", "at": today}),
            (f"/applications/{multi}/revoke", {"reason": "虚假材料", "at": "2020-01-01"}),
            (f"/applications/{multi}/revoke", {"reason": "虚假材料", "at": today}),
            (f"/applications/{multi}/evaluate", {"year": "2029", "result": "pass",
                                                 "at": today}),
        ]
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_of_the_demo_speaks_the_other_language(demo, lang):
    data = data_of(demo)
    problems = {}
    seen = 0
    staff = client_for(demo, lang, "staff")
    for url in pages_of(demo):
        answer = staff.get(url)
        assert answer.status_code in (200, 404), (url, answer.status_code)
        seen += 1
        typed = re.findall(r"[?&]q=([^&]+)", url)  # what was typed in a search
        wrong = wrong_words(answer.text, lang, [*data, *typed])
        if wrong:
            problems[url] = wrong[:5]
    for url, form in form_errors(demo):
        answer = staff.post(url, data={**form, "csrf_token": csrf_of(staff)})
        assert answer.status_code in (200, 422), (url, form, answer.status_code)
        assert 'class="form-error"' in answer.text or "confirm" in answer.text, (url, form)
        seen += 1
        typed = sorted({v for v in form.values() if v}, key=len, reverse=True)
        wrong = wrong_words(answer.text, lang, [*data, *typed])
        if wrong:
            problems[f"POST {url} {form}"] = wrong[:5]
    admin = client_for(demo, lang, "admin")
    auditor = client_for(demo, lang, "auditor")
    for client, url in ((admin, "/users"), (admin, "/users/staff"), (admin, "/users/admin"),
                        (auditor, "/applications/new"), (auditor, "/enterprises"),
                        (staff, "/users")):
        answer = client.get(url)
        seen += 1
        wrong = wrong_words(answer.text, lang, data)
        if wrong:
            problems[url] = wrong[:5]
    # the users page's actions that answer with a page: the confirmation of disabling,
    # the token shown once, and each refusal beside its field (none of them confirmed:
    # the staff user stays logged in for the rest of the walk)
    for url, form, status in (
            ("/users/staff/disable", {}, 200), ("/users/staff/token", {}, 200),
            ("/users/staff/disable", {}, 200), ("/users/auditor/revoke-token", {}, 422),
            ("/users/staff/password", {"password": "short"}, 422),
            ("/users/staff/role", {"role": "staff"}, 422),
            ("/users/staff/role", {"role": "boss"}, 422),
            ("/users/admin/role", {"role": "staff"}, 422)):
        answer = admin.post(url, data={**form, "csrf_token": csrf_of(admin)})
        assert answer.status_code == status, (url, form, answer.status_code)
        seen += 1
        wrong = wrong_words(answer.text, lang, data)
        if wrong:
            problems[f"POST {url} {form}"] = wrong[:5]
    bad_csrf = staff.post("/enterprises/new", data={"name": "x"})
    assert bad_csrf.status_code == 400
    judged = [("POST without token", bad_csrf.text)]
    anonymous = demo.test_client()
    anonymous.get(f"/language/{lang}")
    for url in ("/login", "/"):
        judged.append((url + " (logged out)", anonymous.get(url, follow_redirects=True).text))
    failed = anonymous.post("/login", data={"username": "x", "password": "y",
                                            "csrf_token": csrf_of(anonymous)})
    judged.append(("failed log-in", failed.text))
    for what, page in judged:
        wrong = wrong_words(page, lang, data)
        if wrong:
            problems[what] = wrong[:5]
    assert seen > 100
    assert not problems, "\n".join(f"{url}: {w}" for url, w in problems.items())


def test_the_demo_shows_every_kind_of_flag(demo):
    staff = client_for(demo, "zh", "staff")
    page = staff.get("/alerts").text
    for kind in ("应拨付", "绩效评价到期", "支持期即将结束", "政策即将失效", "应追回资金"):
        assert kind in page, kind


@pytest.mark.parametrize("lang, html, found", [
    ("zh", "<p>at most 1440000.00</p>", ["raw yuan"]),  # two words are no sentence
    ("zh", "<p>not an amount: '1,44O,000'</p>", ["English"]),
    ("zh", "<p>最多 144.00万元，已用 30%</p>", []),
    ("zh", "<p>tranche years must be consecutive</p>", ["English"]),
    ("zh", "<p>clawback of 9177270.65 yuan is due</p>", ["English", "raw yuan"]),
    ("zh", '<p><code>grants audit --checkpoint FILE</code> 与 <span lang="en">Policy '
           'catalogue of Tongzhou</span></p>', []),
    ("zh", "<p>¥1,440,000.00</p>", ["raw yuan"]),
    ("zh", "<p>合计 1440000 元</p>", ["raw yuan"]),
    ("zh", '<input placeholder="Name or credit code">', ["English"]),
    ("en", "<p>已核定 the award</p>", ["Chinese"]),
    ("en", "<p>¥1,440,000.00 awarded, 144万 typed</p>", []),
    ("en", "<p>at most 1440000.00</p>", ["raw yuan"]),
    ("en", '<p lang="zh-CN">本细则自发布之日起施行</p>', []),
])
def test_what_counts_as_the_wrong_language(lang, html, found):
    kinds = sorted({w.split(":")[0] for w in wrong_words(html, lang, [])})
    assert kinds == sorted(found)


def test_the_walk_reads_what_a_person_reads(demo):
    staff = client_for(demo, "en", "staff")
    page = staff.get("/applications?status=approved").text
    # the same English page judged as if it were Chinese: the check is not blind
    assert len(wrong_words(page, "zh", data_of(demo))) > 5
