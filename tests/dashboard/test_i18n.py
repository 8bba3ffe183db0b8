"""Chinese by default, English on request; amounts and dates as each language writes them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.dashboard.conftest import E1, STAFF, csrf_of, log_in
from web import words
from web.dashboard import i18n


def catalogue_pairs() -> dict[str, tuple[str, str]]:
    """Every key of the catalogues with its Chinese and English words."""
    from babel.messages.pofile import read_po

    found = {}
    for lang in ("zh", "en"):
        with words.po_path(lang).open("rb") as f:
            for message in read_po(f):
                if message.id:
                    found.setdefault(message.id, {})[lang] = message.string
    assert all(set(v) == {"zh", "en"} for v in found.values())
    return {k: (v["zh"], v["en"]) for k, v in found.items()}

TEMPLATES = Path(i18n.__file__).parent / "templates"
PYTHON = Path(i18n.__file__).parent


@pytest.mark.parametrize("lang, amount, written", [
    ("zh", "380000", "38.00万元"), ("en", "380000", "¥380,000.00"),
    ("zh", Decimal("210654.25"), "21.07万元"), ("en", Decimal("210654.25"), "¥210,654.25"),
    ("zh", "123456789.00", "1.2346亿元"),
    ("zh", "99999999.99", "10,000.00万元"), ("zh", None, "—"), ("en", "0", "¥0.00"),
])
def test_amounts(lang, amount, written):
    assert i18n.money(lang, amount) == written


def test_amounts_in_fen():
    assert i18n.money_fen("zh", 38000000) == "38.00万元"
    assert i18n.money_fen("en", 1) == "¥0.01"


@pytest.mark.parametrize("lang, day, written", [
    ("zh", date(2025, 7, 1), "2025年7月1日"), ("en", date(2025, 7, 1), "1 Jul 2025"),
    ("en", "2026-12-31", "31 Dec 2026"), ("zh", None, "—"),
])
def test_dates(lang, day, written):
    assert i18n.day(lang, day) == written


def test_recording_times_are_shown_in_beijing_time():
    assert i18n.moment("zh", "2025-06-30T18:30:00+00:00") == "2025年7月1日 02:30:00"
    assert i18n.moment("en", "2025-06-30T18:30:00+00:00") == "1 Jul 2025 02:30:00"


def test_every_text_has_both_languages():
    for key, (zh, en) in [*i18n.TEXT.items(), *catalogue_pairs().items()]:
        assert zh.strip() and en.strip(), key
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key


def test_every_key_the_pages_use_is_in_the_table():
    used = set()
    for path in [*TEMPLATES.rglob("*.html"), *PYTHON.glob("*.py")]:
        used |= set(re.findall(r"""\b_\(['"]([\w.]+)['"]""", path.read_text()))
    fixed = {key for key in used if not key.endswith(".")}
    assert fixed and all(i18n.known(k) for k in fixed), {k for k in fixed if not i18n.known(k)}


def test_every_value_named_by_a_composed_key_is_in_the_table():
    from policies.catalogue import CAP_SCOPES, LEVELS
    from web import importer
    from web.dashboard.applications import ACTIONS
    from web.users import ROLES

    for prefix, values in (("role", ROLES), ("scope", CAP_SCOPES), ("action", ACTIONS),
                           ("import.template", importer.TEMPLATE_CODES),
                           ("import.problem", (*importer.COLUMN_PROBLEMS,
                                               *importer.TEMPLATE_CODES[1:])),
                           ("import.cell", importer.CELL_CODES),
                           ("import.note", importer.NOTE_CODES),
                           ("cat.level", LEVELS), ("size", ("large", "medium", "small", "micro")),
                           ("status", ("submitted", "certified", "approved", "completed",
                                       "rejected", "revoked", "stopped"))):
        for value in values:
            assert i18n.known(f"{prefix}.{value}"), f"{prefix}.{value}"


def test_chinese_is_the_default_and_english_is_a_click_away(staff):
    page = staff.get(f"/enterprises/{E1}").text
    assert '<html lang="zh-CN">' in page and "已核定" in page and "340.00万元" in page
    switch = re.search(r'href="(/language/en[^"]*)"', page).group(1).replace("&amp;", "&")
    answer = staff.get(switch)
    assert answer.status_code == 302 and answer.location.endswith(f"/enterprises/{E1}")
    page = staff.get(f"/enterprises/{E1}").text
    assert '<html lang="en">' in page and "Awarded" in page and "¥3,400,000.00" in page
    assert "2 Jun 2025" in page  # registered
    assert staff.get("/language/zh?next=/spend").location.endswith("/spend")
    assert "资金支出" in staff.get("/spend").text


@pytest.mark.parametrize("url", ["/enterprises", "/catalogue", "/alerts", "/spend",
                                 "/applications/A-3", "/applications/new", "/enterprises/new"])
def test_every_page_has_the_switch(staff, url):
    assert 'href="/language/en?next=' in staff.get(url).text
    staff.get("/language/en")
    assert 'href="/language/zh?next=' in staff.get(url).text


def test_the_language_outlives_logging_in_and_out(client):
    client.get("/language/en?next=/login")
    assert "Log in" in client.get("/login").text
    log_in(client, STAFF)
    assert "Enterprises" in client.get("/enterprises").text
    client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert "You have logged out." in client.get("/login").text


def test_the_switch_never_leads_off_site(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        answer = client.get("/language/en", query_string={"next": target})
        assert answer.location.endswith("/enterprises")
    assert client.get("/language/fr").status_code == 302
    assert "登录" in client.get("/login").text or "Log in" in client.get("/login").text


def test_error_pages_speak_the_chosen_language_first(staff):
    staff.get("/language/en")
    page = staff.get("/no/such/page").text
    assert page.index("Not found") < page.index("页面不存在")
