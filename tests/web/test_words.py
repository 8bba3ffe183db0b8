"""The catalogues hold words for every code the domain answers, in both languages, and the
contract's English is exactly what `grants apply` has always printed."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from projections import obligations
from tests.dashboard.words_check import CHINESE, ENGLISH
from web import messages, words
from web.words import Reader

ROOT = Path(__file__).resolve().parents[2]
ZH = Reader("zh", plain=False)
#: The ways the domain names a reason: Refused(code, reason...), invalid(field, reason...),
#: Refusal(code, reason...), problem(code, reason...), and credit_code's (reason, values).
RAISED = re.compile(r"""(?:Refused|Refusal|problem)\(\s*"[a-z_]+",\s*"([a-z_]+)"|"""
                    r"""invalid\(\s*[a-z_"][^,]*,\s*"([a-z_]+)"|return "(credit_code_\w+)",""")


def raised_reasons() -> set[str]:
    found = set()
    for package in ("lifecycle", "policies", "projections"):
        for path in (ROOT / package).glob("*.py"):
            for match in RAISED.finditer(path.read_text(encoding="utf-8")):
                found.add(next(g for g in match.groups() if g))
    return found - {"malformed_input"}


def test_every_reason_the_domain_raises_has_words():
    raised = raised_reasons()
    assert len(raised) > 35
    assert raised <= set(messages.REASONS), raised - set(messages.REASONS)


@pytest.mark.parametrize("key", [
    *(f"reason.{r}" for r in messages.REASONS), *(f"field.{r}" for r in messages.REASONS),
    *(f"trace.{t}" for t in messages.TRACE), *(f"rule.{r}" for r in messages.RULES),
    *(f"finding.{r}" for r in messages.FINDING_REASONS),
    *(f"finding.subject.{s}" for s in messages.SUBJECTS),
    *(f"schema.{k}" for k in messages.SCHEMA),
    *(f"obligation.{k}" for k in obligations.MESSAGES), "obligation.where",
    *(f"kind.{k}" for k in __import__("lifecycle.audit", fromlist=["KINDS"]).KINDS),
    *(f"kindname.{k}" for k in __import__("lifecycle.audit", fromlist=["KINDS"]).KINDS),
])
def test_every_code_has_words_in_both_languages(key):
    zh, en = words.template(key, "zh"), words.template(key, "en")
    assert zh != key and en != key
    assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en))
    assert not ENGLISH.search(re.sub(r"{\w+}", "", zh)), zh
    if not key.startswith(("schema.", "field.not_one_of")):
        assert not CHINESE.search(re.sub(r"{\w+}", "", en)) or "绩效评价" in en \
            or "认定" in en, en  # the audit's English names two steps in Chinese too


def test_the_contract_english_is_unchanged():
    assert messages.refusal_message("above_maximum", {
        "amount": Decimal("500000.00"), "max_amount": Decimal("400000.00")}) == \
        "500000.00 exceeds the maximum 400000.00 that may be approved"
    assert messages.field_message("tranche_not_planned", {"year": 2027, "planned": [
        2025, 2026]}) == "no tranche is planned for 2027 (planned: 2025, 2026)"
    assert messages.refusal_message("not_in_force", {
        "policy": "tz-am-2025", "on": date(2024, 1, 1), "from": date(2025, 5, 8),
        "until": date(2028, 5, 8)}) == \
        "tz-am-2025 is not in force on 2024-01-01: in force 2025-05-08 to 2028-05-08 (exclusive)"


def test_refusals_in_chinese_write_amounts_dates_and_codes_for_people():
    said = messages.refusal_message("size_not_supported", {
        "policy": "tz-am-2025", "article": 16, "sizes": ["medium", "small"], "size": "large"},
        ZH)
    assert said == "tz-am-2025 第16条支持中型、小型企业，不支持大型企业"
    said = messages.refusal_message("annual_cap_exceeded", {
        "year": 2026, "tranche": Decimal("1200000.00"), "policy": "tz-am-2025",
        "article": 4, "remaining": Decimal("1000000.00")}, ZH)
    assert "120.00万元" in said and "100.00万元" in said
    said = messages.refusal_message("before_last_event", {"last": date(2025, 7, 1)}, ZH)
    assert "2025年7月1日" in said
    said = messages.refusal_message("below_threshold", {
        "basis": "integration_income", "of": "annual_operating_income",
        "value": Decimal("0.2500"), "at_least": Decimal("0.30"), "cite": "004 paragraph 6"},
        ZH)
    assert said == "融合业务收入占年营业收入的比例为 25%，低于门槛 30%（004 第6段）"


def test_a_recorded_flag_is_read_back_into_the_values_it_was_made_from():
    values = {"year": 2026, "amount": Decimal("1000000.00"), "application_id": "A-1",
              "policy": "tz-am-2025", "article": 4}
    recorded = obligations.message("tranche_due", values)
    assert recorded == "tranche 2026 of 1000000.00 yuan is due in 2026 (A-1, tz-am-2025 art. 4)"
    assert obligations.values_of("tranche_due", recorded) == values
    assert messages.flag_message({"kind": "tranche_due", "message": recorded}, ZH) == \
        "2026年度应拨付 100.00万元（A-1，tz-am-2025 第4条）"
    assert obligations.values_of("tranche_due", "something else") is None


@pytest.mark.parametrize("english, chinese", [
    ("Missing data for required field.", "必填"),
    ("Length must be between 1 and 300.", "长度应在 1 到 300 之间"),
    ("Must be one of: pass, fail.", "应为以下之一：合格、不合格"),
    ("Not a valid integer.; Unknown field.", "应为整数；未知字段"),
    ("not an amount: '1,44O,000'", "不是金额：'1,44O,000'"),
    ("Something no catalogue knows.", "Something no catalogue knows."),
])
def test_marshmallow_s_messages_are_read_back_to_their_keys(english, chinese):
    assert messages.schema_message(english, ZH) == chinese
    assert messages.schema_message(english) == english


@pytest.mark.parametrize("amount, zh, en, plain", [
    ("380000", "38.00万元", "¥380,000.00", "380000.00"),
    ("123456789", "1.2346亿元", "¥123,456,789.00", "123456789.00"),
    ("1440012.34", "144.00万元", "¥1,440,012.34", "1440012.34"),
])
def test_one_formatter_of_amounts(amount, zh, en, plain):
    assert words.money(amount, ZH) == zh
    assert words.money(amount, Reader("en", plain=False)) == en
    assert words.money(amount) == plain


def test_the_catalogues_compile_from_their_po_files(tmp_path, monkeypatch):
    monkeypatch.setattr(words, "LOCALE_DIR", tmp_path)
    for lang in words.LANGUAGES:
        target = tmp_path / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        (target / "grants.po").write_bytes(
            (ROOT / "web/locale" / lang / "LC_MESSAGES/grants.po").read_bytes())
    written = words.compile_catalogues()
    assert sorted(p.parent.parent.name for p in written) == ["en", "zh"]
    assert words.compile_catalogues() == []  # up to date: nothing to do
