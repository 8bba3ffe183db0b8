"""The `grants` command line, run as a real process on SQLite and on PostgreSQL.

Each test starts the installed `grants` executable with the environment the
`event_store` fixture gives (GRANTS_DATA, and GRANTS_EVENT_STORE for PostgreSQL)
and looks at what a user sees: the JSON lines on standard output and the exit
status.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import credit_code

GRANTS = Path(sys.executable).with_name("grants")
CODE = credit_code(1)

REGISTER = {"type": "RegisterEnterprise", "at": "2025-06-02", "enterprise_id": CODE,
            "name": "Example Tech Co.", "size": "small", "sectors": ["intelligent-equipment"]}
SUBMIT = {"type": "SubmitApplication", "at": "2025-06-10", "application_id": "A-1",
          "enterprise_id": CODE, "policy": "tz-am-2025", "article": 14,
          "basis": {"event_expenditure": "800000"}, "requested_amount": "400000"}
CERTIFY = {"type": "CertifyApplication", "at": "2025-06-20", "application_id": "A-1",
           "basis": {"event_expenditure": "760000"}}
APPROVE = {"type": "ApproveApplication", "at": "2025-07-01", "application_id": "A-1"}
#: The contract's example batch (DOMAIN.md), with a credit code that passes the checksum.
EXAMPLE = [REGISTER, SUBMIT, CERTIFY, APPROVE]


def grants(event_store, *args: str, stdin: str | None = None, cwd: Path | None = None,
           env: dict | None = None) -> subprocess.CompletedProcess:
    command = [str(GRANTS)] if GRANTS.exists() else [sys.executable, "-m", "web.cli"]
    return subprocess.run(command + list(args), input=stdin, capture_output=True, text=True,
                          env=env if env is not None else event_store.environ(),
                          cwd=cwd or event_store.data.parent, timeout=120)


def batch(*commands: dict) -> str:
    return "".join(json.dumps(c) + "\n" for c in commands)


def write_batch(tmp_path: Path, *lines: str | dict, name: str = "batch.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n"
                            for line in lines), encoding="utf-8")
    return path


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def apply(event_store, tmp_path, *commands: dict) -> list[dict]:
    done = grants(event_store, "apply", str(write_batch(tmp_path, *commands, name="setup.jsonl")))
    assert done.returncode == 0, done.stdout + done.stderr
    return json_lines(done.stdout)


# -- grants apply ---------------------------------------------------------------------


def test_the_example_batch_prints_one_json_line_per_command(event_store, tmp_path):
    done = grants(event_store, "apply", str(write_batch(tmp_path, *EXAMPLE)))

    lines = json_lines(done.stdout)
    assert [line["command"] for line in lines] == [
        "RegisterEnterprise", "SubmitApplication", "CertifyApplication", "ApproveApplication"]
    assert all(line["ok"] is True for line in lines)


def test_the_example_batch_lines_carry_the_contract_fields(event_store, tmp_path):
    done = grants(event_store, "apply", str(write_batch(tmp_path, *EXAMPLE)))

    register, submit, certify, approve = json_lines(done.stdout)
    assert register["events"] == ["EnterpriseRegistered"]
    assert submit["events"] == ["ApplicationSubmitted"]
    assert submit["max_amount"] == "400000.00"
    assert certify["events"] == ["ApplicationCertified"]
    assert certify["max_amount"] == "380000.00"
    assert "ApplicationApproved" in approve["events"]
    assert approve["amount"] == "380000.00"


def test_apply_exits_0_when_every_command_succeeds(event_store, tmp_path):
    done = grants(event_store, "apply", str(write_batch(tmp_path, *EXAMPLE)))

    assert done.returncode == 0, done.stderr


def test_apply_exits_1_when_a_command_fails_and_goes_on_after_it(event_store, tmp_path):
    path = write_batch(tmp_path, REGISTER, SUBMIT, APPROVE, CERTIFY)  # approve too early

    done = grants(event_store, "apply", str(path))

    assert done.returncode == 1
    lines = json_lines(done.stdout)
    assert [line["ok"] for line in lines] == [True, True, False, True]
    assert lines[2]["command"] == "ApproveApplication"
    assert lines[2]["error"]["code"] == "invalid_transition"
    assert set(lines[2]["error"]) == {"code", "message", "fields"}
    assert lines[3]["max_amount"] == "380000.00"


def test_a_failed_line_of_a_batch_writes_nothing(event_store, tmp_path):
    grants(event_store, "apply", str(write_batch(tmp_path, REGISTER, SUBMIT, CERTIFY,
                                                 dict(APPROVE, amount="999999"))))

    # The refused approval left the application certified: approving now succeeds.
    done = grants(event_store, "apply", "-", stdin=batch(APPROVE))
    assert json_lines(done.stdout)[0]["amount"] == "380000.00"


def test_apply_exits_2_when_the_file_does_not_exist(event_store, tmp_path):
    done = grants(event_store, "apply", str(tmp_path / "missing.jsonl"))

    assert done.returncode == 2
    assert done.stdout == ""
    assert "missing.jsonl" in done.stderr


def test_apply_exits_2_when_the_input_is_a_folder(event_store, tmp_path):
    done = grants(event_store, "apply", str(tmp_path))

    assert done.returncode == 2
    assert done.stdout == ""


def test_apply_reads_standard_input_given_a_dash(event_store):
    done = grants(event_store, "apply", "-", stdin=batch(*EXAMPLE))

    assert done.returncode == 0, done.stderr
    assert [line["ok"] for line in json_lines(done.stdout)] == [True] * 4


def test_a_line_that_is_not_json_yields_an_invalid_command_line(event_store, tmp_path):
    path = write_batch(tmp_path, REGISTER, '{"type": "SubmitApplication", "at": ', SUBMIT)

    done = grants(event_store, "apply", str(path))

    assert done.returncode == 1
    lines = json_lines(done.stdout)
    assert len(lines) == 3
    assert lines[1]["ok"] is False
    assert lines[1]["error"]["code"] == "invalid_command"
    assert lines[2]["ok"] is True  # it went on


def test_a_malformed_command_yields_an_invalid_command_line_naming_the_field(event_store):
    done = grants(event_store, "apply", "-", stdin=batch(REGISTER, dict(SUBMIT, article="14")))

    assert done.returncode == 1
    line = json_lines(done.stdout)[1]
    assert line["ok"] is False
    assert line["command"] == "SubmitApplication"
    assert line["error"]["code"] == "invalid_command"
    assert "article" in line["error"]["fields"]


def test_commands_of_separate_runs_see_each_other(event_store):
    grants(event_store, "apply", "-", stdin=batch(REGISTER, SUBMIT))

    done = grants(event_store, "apply", "-", stdin=batch(CERTIFY, APPROVE))

    assert done.returncode == 0, done.stdout
    assert json_lines(done.stdout)[1]["amount"] == "380000.00"


def test_an_amount_too_large_to_hold_yields_an_invalid_command_line_and_the_batch_goes_on(
        event_store):
    done = grants(event_store, "apply", "-", stdin=batch(
        REGISTER, dict(SUBMIT, requested_amount="1e30"), SUBMIT))

    assert done.returncode == 1
    lines = json_lines(done.stdout)
    assert [line["ok"] for line in lines] == [True, False, True]
    assert lines[1]["error"]["code"] == "invalid_command"


# -- --data DIR -----------------------------------------------------------------------


def test_the_data_option_before_the_command_chooses_the_data_folder(event_store, tmp_path):
    chosen = tmp_path / "chosen"
    env = event_store.environ()
    env["GRANTS_DATA"] = str(tmp_path / "elsewhere")

    done = grants(event_store, "--data", str(chosen), "apply", "-", stdin=batch(*EXAMPLE),
                  env=env)
    assert done.returncode == 0, done.stdout + done.stderr

    quoted = grants(event_store, "--data", str(chosen), "quote", "A-1", "--on", "2025-07-01",
                    "--json", env=env)
    assert quoted.returncode == 0, quoted.stdout + quoted.stderr
    assert json.loads(quoted.stdout)["application_id"] == "A-1"
    if event_store.kind == "sqlite":
        assert (chosen / "events.sqlite").exists()
        assert not (tmp_path / "elsewhere" / "events.sqlite").exists()


def test_without_the_data_option_or_grants_data_the_data_folder_is_var(event_store, tmp_path):
    env = {k: v for k, v in event_store.environ().items() if k != "GRANTS_DATA"}
    work = tmp_path / "work"
    work.mkdir()

    done = grants(event_store, "apply", "-", stdin=batch(REGISTER), env=env, cwd=work)

    assert done.returncode == 0, done.stdout + done.stderr
    if event_store.kind == "sqlite":
        assert (work / "var" / "events.sqlite").exists()


def test_the_data_option_is_refused_after_the_command(event_store, tmp_path):
    done = grants(event_store, "apply", "-", "--data", str(tmp_path / "chosen"),
                  stdin=batch(REGISTER))

    assert done.returncode != 0
    assert done.stdout == ""


# -- grants quote ---------------------------------------------------------------------


@pytest.fixture
def certified(event_store, tmp_path):
    """The example's application A-1, certified at 760,000 of event expenditure."""
    apply(event_store, tmp_path, REGISTER, SUBMIT, CERTIFY)
    return event_store


def quote_json(event_store, *args: str) -> dict:
    done = grants(event_store, "quote", "A-1", "--on", "2025-07-01", "--json", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_quote_json_answers_the_max_amount(certified):
    assert quote_json(certified)["max_amount"] == "380000.00"


def test_quote_json_traces_each_rule_citing_its_policy_and_article(certified):
    trace = quote_json(certified)["trace"]

    assert trace
    for line in trace:
        assert line["policy"] == "tz-am-2025", line
        assert isinstance(line["article"], int), line
        assert line["text"], line


def test_quote_json_lists_candidates_with_exactly_one_most_favourable(certified):
    candidates = quote_json(certified)["candidates"]

    assert {(c["policy"], c["article"]) for c in candidates} >= {("tz-am-2025", 14),
                                                                  ("tz-de-2025", 14)}
    assert [c["most_favourable"] for c in candidates].count(True) == 1


def test_quote_reflects_a_cap_used_by_another_approval(certified, tmp_path):
    apply(certified, tmp_path,
          dict(SUBMIT, application_id="A-0", basis={"event_expenditure": "1400000"},
               requested_amount="700000"),
          dict(CERTIFY, application_id="A-0", basis={"event_expenditure": "1400000"}),
          dict(APPROVE, application_id="A-0"))

    # tz-am-2025 art. 14: 1,000,000 a year; 700,000 of 2025 is used.
    assert quote_json(certified)["max_amount"] == "300000.00"


def test_quote_json_of_a_municipal_application_cites_an_article_on_every_trace_line(
        event_store, tmp_path):
    apply(event_store, tmp_path, REGISTER,
          {"type": "SubmitApplication", "at": "2025-12-01", "application_id": "M-1",
           "enterprise_id": CODE, "policy": "bj-hps-2024", "article": 2,
           "item": "allocated-subsidy", "basis": {}, "requested_amount": "800000"})

    done = grants(event_store, "quote", "M-1", "--on", "2025-12-02", "--json")

    trace = json.loads(done.stdout)["trace"]
    assert trace
    for line in trace:
        assert line["policy"] == "bj-hps-2024", line
        assert isinstance(line["article"], int), line


def test_quote_without_json_prints_the_max_amount(certified):
    done = grants(certified, "quote", "A-1", "--on", "2025-07-01")

    assert done.returncode == 0, done.stderr
    assert "380000.00" in done.stdout


def test_quote_of_an_unknown_application_fails(event_store):
    done = grants(event_store, "quote", "NOPE", "--on", "2025-07-01", "--json")

    assert done.returncode != 0
    assert json.loads(done.stdout)["error"]["code"] == "not_found"


# -- grants policies ------------------------------------------------------------------


def policies_json(event_store) -> dict:
    done = grants(event_store, "policies", "--json")
    assert done.returncode == 0, done.stderr
    return {p["id"]: p for p in json.loads(done.stdout)["policies"]}


def test_policies_json_lists_tz_am_2025_articles_4_to_16(event_store):
    policy = policies_json(event_store)["tz-am-2025"]

    assert [a["number"] for a in policy["articles"]] == list(range(4, 17))


def test_policies_json_lists_tz_de_2025_articles_4_to_14(event_store):
    policy = policies_json(event_store)["tz-de-2025"]

    assert [a["number"] for a in policy["articles"]] == list(range(4, 15))


def test_policies_json_gives_items_with_keys_basis_caps_and_citations(event_store):
    article_14 = next(a for a in policies_json(event_store)["tz-am-2025"]["articles"]
                      if a["number"] == 14)

    assert article_14["cites"]
    (item,) = article_14["items"]
    assert item["key"] == "industrial-event"
    assert item["required_basis"] == ["event_expenditure"]
    assert [(c["scope"], c["amount"]) for c in item["caps"]] == [("enterprise_year", "1000000.00")]


def test_policies_json_lists_all_four_rule_sets(event_store):
    assert set(policies_json(event_store)) == {"tz-am-2025", "tz-de-2025", "bj-hps-2024",
                                               "bj-2ind"}


def test_policies_without_json_names_every_policy(event_store):
    done = grants(event_store, "policies")

    assert done.returncode == 0, done.stderr
    for policy_id in ("tz-am-2025", "tz-de-2025", "bj-hps-2024", "bj-2ind"):
        assert policy_id in done.stdout
