"""The API says `message` in the language the caller's Accept-Language asks for; codes,
fields and amounts never change with it."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.builders import approve, certify, credit_code, register, submit
from tests.conftest import REPO, TODAY

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


def refused_approval(api, headers):
    return api.post({**approve("A-1"), "amount": "999999"}, **headers)


def seeded(api):
    for command in (register(1), submit("A-1", 1), certify("A-1")):
        assert api.post(command).status_code == 200


def test_a_refusal_is_worded_in_chinese_for_zh_cn_and_in_english_for_en(api):
    seeded(api)
    zh, en, none = (refused_approval(api, h) for h in (ZH, EN, {}))
    assert zh.status_code == en.status_code == none.status_code == 422
    assert zh.json["error"]["code"] == en.json["error"]["code"] == "exceeds_entitlement"
    assert set(zh.json["error"]["fields"]) == set(en.json["error"]["fields"]) == {"amount"}
    assert zh.json["error"]["message"] == "99.9999万元 超过最高可核定金额 40.00万元"
    assert zh.json["error"]["fields"]["amount"] == "最多 40.00万元"
    assert en.json["error"]["message"] == "999999.00 exceeds the maximum 400000.00 that may be " \
                                          "approved"
    assert none.json == en.json  # no header: the contract's English, as grants apply says it
    assert zh.headers["Content-Language"] == "zh-CN" and en.headers["Content-Language"] == "en"
    assert "Accept-Language" in zh.headers["Vary"]


def test_a_malformed_command_names_its_fields_in_either_language(api):
    body = {**register(2), "size": "huge", "at": "someday"}
    zh, en = api.post(body, **ZH).json, api.post(body, **EN).json
    assert zh["error"]["code"] == en["error"]["code"] == "invalid_command"
    assert set(zh["error"]["fields"]) == set(en["error"]["fields"]) == {"size", "at"}
    assert en["error"]["fields"]["at"] == "Not a valid date."
    assert zh["error"]["fields"]["at"] == "日期应写成 年-月-日"
    assert zh["error"]["message"].startswith("命令格式有误")
    assert en["error"]["message"].startswith("invalid command: ")


def test_a_quote_s_trace_is_worded_in_the_language_asked_for(api):
    seeded(api)
    zh = api.client.get("/api/v1/applications/A-1/quote", headers=api.headers(**ZH)).json
    en = api.client.get("/api/v1/applications/A-1/quote", headers=api.headers(**EN)).json
    assert zh["max_amount"] == en["max_amount"] == "400000.00"
    assert [t["rule"] for t in zh["trace"]] == [t["rule"] for t in en["trace"]]
    assert any("活动支出" in t["text"] for t in zh["trace"])
    assert any("of event_expenditure 800000.00" in t["text"] for t in en["trace"])


def test_grants_says_its_messages_in_chinese_with_grants_lang(tmp_path):
    line = json.dumps({"type": "RegisterEnterprise", "at": "2025-06-02",
                       "enterprise_id": credit_code(1), "name": "X", "size": "huge"}) + "\n"
    env = {"GRANTS_DATA": str(tmp_path / "var"), "GRANTS_TODAY": TODAY, "PATH": "/usr/bin"}
    run = [sys.executable, "-m", "web.cli", "apply", "-"]
    en = subprocess.run(run, input=line, capture_output=True, text=True, cwd=REPO,
                        env={**env, "LANG": "C.UTF-8"})
    zh = subprocess.run(run, input=line, capture_output=True, text=True, cwd=REPO,
                        env={**env, "GRANTS_LANG": "zh"})
    by_locale = subprocess.run(run, input=line, capture_output=True, text=True, cwd=REPO,
                               env={**env, "LANG": "zh_CN.UTF-8"})
    assert '"fields": {"size": "Must be one of: large, medium, small, micro."}' in en.stdout
    assert '"fields": {"size": "应为以下之一：大型、中型、小型、微型"}' in zh.stdout
    assert by_locale.stdout == zh.stdout
    assert '"code": "invalid_command"' in zh.stdout


def test_flags_are_worded_in_the_language_asked_for(api):
    for command in (register(1), submit("A-1", 1, article=4,
                                        basis={"verified_total_investment": "10000000"},
                                        requested="3000000"),
                    certify("A-1", {"verified_total_investment": "10000000"}),
                    approve("A-1", tranches=[{"year": 2025, "amount": "1000000"},
                                             {"year": 2026, "amount": "1000000"}])):
        assert api.post(command).status_code == 200
    zh = api.client.get("/api/v1/flags/due?on=2026-02-01", headers=api.headers(**ZH)).json
    en = api.client.get("/api/v1/flags/due?on=2026-02-01", headers=api.headers(**EN)).json
    assert [f["key"] for f in zh["flags"]] == [f["key"] for f in en["flags"]]
    assert "2025年度应拨付 100.00万元（A-1，tz-am-2025 第4条）" in [
        f["message"] for f in zh["flags"]]
    assert "tranche 2025 of 1000000.00 yuan is due in 2025 (A-1, tz-am-2025 art. 4)" in [
        f["message"] for f in en["flags"]]


def test_the_api_s_own_errors_are_worded_in_the_language_asked_for(api):
    """A malformed query (invalid_request), an unknown method and a missing token: the
    codes and fields are the same in both languages, only `message` changes."""
    url = "/api/v1/enterprises?limit=many"
    zh = api.client.get(url, headers=api.headers(**ZH))
    en = api.client.get(url, headers=api.headers(**EN))
    assert zh.status_code == en.status_code == 400
    assert zh.json["error"]["code"] == en.json["error"]["code"] == "invalid_request"
    assert set(zh.json["error"]["fields"]) == set(en.json["error"]["fields"])
    assert "limit" in zh.json["error"]["fields"]
    assert zh.json["error"]["message"].startswith("请求有误")
    assert "limit" in zh.json["error"]["message"]
    assert en.json["error"]["message"].startswith("invalid query: limit")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in en.json["error"]["message"])
    anonymous = api.client.get("/api/v1/enterprises", headers=ZH)
    assert anonymous.status_code == 401
    assert anonymous.json["error"]["code"] == "unauthorized"
    assert anonymous.json["error"]["message"].startswith("未登录")
    wrong = api.client.delete("/api/v1/enterprises", headers=api.headers(**ZH))
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"
    assert wrong.json["error"]["message"] == "此地址不支持该请求方法"
