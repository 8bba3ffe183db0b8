"""Every line of `grants` a person reads is in the reader's language (issue 16), and the
JSON that other systems read is the same in every language but for its `message`s.

Each command runs through `main(argv, environ)` (and `serve` as a real process) on a real
SQLite data folder, once with GRANTS_LANG=zh and once with GRANTS_LANG=en. The
definitions of the wrong words are the pages' (tests/dashboard/words_check.py): in
Chinese, no English sentence (three or more ASCII words in a row) and no raw yuan amount;
in English, no Chinese sentence. Data values and codes are not judged: every string the
command's own JSON carries (ids, codes, names, titles; not its `message`s, amounts or
dates) is taken out of the text first, and so is what a test typed (paths, user names).
A date in a Chinese line is written as 2025年7月1日, never as ISO.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.builders import approve, certify, credit_code, disburse, register, submit
from tests.conftest import TODAY, Store
from tests.dashboard.words_check import CHINESE, ENGLISH, RAW_ZH, without
from tests.lifecycle.log_tampering import Raw
from web import cli, cli_words, words
from web.cli import main

#: A date as the contract writes it: in Chinese lines, dates are 2025年7月1日.
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
ENTERPRISE = credit_code(1)
#: A history with an award in two tranches (a window), one paid, and an open application.
BASIS = {"verified_total_investment": "3000000"}
HISTORY = [register(1), submit("A-1", 1, article=4, basis=BASIS, requested="900000"),
           certify("A-1", basis=BASIS),
           approve("A-1", tranches=[{"year": y, "amount": "300000"} for y in (2025, 2026)]),
           disburse("A-1", 2025, at="2025-08-01"), register(2), submit("A-2", 2)]
PASSWORD = "correct-horse-battery-1"
LANGS = ("zh", "en")


def environ(data: Path, lang: str) -> dict[str, str]:
    """The environment of one run: the data folder, the tests' today, and the language
    (no locale variable, so GRANTS_LANG alone decides)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GRANTS_", "LC_")) and k not in ("LANG", "LANGUAGE")}
    env.update(GRANTS_DATA=str(data), GRANTS_TODAY=TODAY, GRANTS_LANG=lang,
               GRANTS_SCHEDULER="off")
    return env


def grants(capsys, data: Path, lang: str, *argv: str, stdin: str | None = None):
    """(exit status, standard output, standard error) of one `grants` command."""
    capsys.readouterr()
    saved = sys.stdin
    if stdin is not None:
        import io

        sys.stdin = io.StringIO(stdin)
    try:
        code = main(["--data", str(data), *argv], environ=environ(data, lang))
    finally:
        sys.stdin = saved
    out = capsys.readouterr()
    return code, out.out, out.err


def data_values(answer) -> list[str]:
    """Every string a JSON answer carries but its worded `message`s and `text`s, and
    not its amounts or dates (which must be in the reader's form)."""
    found: list[str] = []

    def walk(value, name=None):
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in ("message", "text"):
                    walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, name)
        elif isinstance(value, str) and len(value) >= 2 and not words.is_amount(value) \
                and not ISO_DATE.match(value):
            found.append(value)

    walk(answer)
    return sorted(set(found), key=len, reverse=True)


def wrong_words(text: str, lang: str, data: list[str]) -> list[str]:
    """What in the output is in the other language (or a raw amount, in Chinese)."""
    found = []
    for line in text.splitlines():
        rest = without(line, sorted(data, key=len, reverse=True))
        if lang == "zh":
            found += [f"English {m!r} in {line!r}" for m in ENGLISH.findall(rest)]
            found += [f"raw yuan {m!r} in {line!r}" for m in RAW_ZH.findall(rest)]
            found += [f"ISO date {m!r} in {line!r}" for m in ISO_DATE.findall(rest)]
        else:
            found += [f"Chinese {m!r} in {line!r}" for m in CHINESE.findall(rest)]
    return found


def without_messages(answer):
    """A JSON answer with its words blanked: each `message` and trace `text`, and what a
    refusal's `fields` say of each field (worded as its `message`; the field names stay);
    and the audit's timings, which differ from one run to the next."""
    if isinstance(answer, dict):
        return {k: ("…" if k in ("message", "text") else
                    dict.fromkeys(v, "…") if k == "fields" and isinstance(v, dict) else
                    without_messages(v))
                for k, v in answer.items() if k not in ("seconds", "events_per_second")}
    if isinstance(answer, list):
        return [without_messages(v) for v in answer]
    return answer


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A data folder with the history, a user with a history, a checkpoint and a proof,
    and a copy whose log was edited (for the audit's findings)."""
    root = tmp_path_factory.mktemp("cliwords")
    data = root / "var"
    batch = root / "history.jsonl"
    batch.write_text("".join(json.dumps(c) + "\n" for c in HISTORY), encoding="utf-8")
    env = environ(data, "en")
    assert main(["apply", str(batch)], environ=env) == 0
    assert main(["checkpoint", "--out", str(root / "cp.json")], environ=env) == 0
    assert main(["prove", "A-1", "--checkpoint", str(root / "cp.json"), "--out",
                 str(root / "proof.json")], environ=env) == 0
    (root / "bent.json").write_text("{}", encoding="utf-8")
    (root / "bad.jsonl").write_bytes(b"\xff\xfe\n")
    tampered = root / "tampered"
    shutil.copytree(data, tampered)
    store = Store("sqlite", tampered)
    with closing(store.ledger()) as ledger:
        raw = Raw(store, ledger)
        nid, *_ = raw.rows()[3]
        raw.set_state(nid, b"{not json")
        raw.close()
    return root


#: Each human-readable command, and the data values its lines may quote besides what its
#: JSON carries (the command whose JSON does, or None).
READ_ONLY = {
    "quote": (["quote", "A-1", "--on", "2025-07-01"], ["quote", "A-1", "--on", "2025-07-01"]),
    "quote refused": (["quote", "A-2", "--on", "2025-01-01"],
                      ["quote", "A-2", "--on", "2025-01-01"]),
    "policies": (["policies"], ["policies"]),
    "entitlement": (["entitlement", ENTERPRISE], ["entitlement", ENTERPRISE]),
    "entitlement then": (["entitlement", ENTERPRISE, "--as-of", "2025-12-31", "--known-at",
                          "2027-01-01T00:00:00"],
                         ["entitlement", ENTERPRISE, "--as-of", "2025-12-31"]),
    "flags": (["flags", "--on", "2026-12-31"], ["flags", "--on", "2026-12-31"]),
    "audit": (["audit"], ["audit"]),
    "audit as of": (["audit", "--as-of", "2025-12-31", "--what-if"],
                    ["audit", "--as-of", "2025-12-31", "--what-if"]),
    "verify-proof": (["verify-proof", "{root}/proof.json"],
                     ["verify-proof", "{root}/proof.json"]),
    "verify-proof findings": (["verify-proof", "{root}/bent.json"],
                              ["verify-proof", "{root}/bent.json"]),
}


def _args(argv: list[str], root: Path) -> list[str]:
    return [a.replace("{root}", str(root)) for a in argv]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", READ_ONLY)
def test_a_query_speaks_the_reader_s_language(capsys, folder, name, lang):
    argv, json_argv = READ_ONLY[name]
    data = folder / "var"
    _, answer, _ = grants(capsys, data, lang, *_args(json_argv, folder), "--json")
    values = data_values(json.loads(answer)) + [str(folder)]
    code, out, err = grants(capsys, data, lang, *_args(argv, folder))
    assert out.strip(), err
    assert "Traceback" not in err
    assert wrong_words(out + err, lang, values) == []


@pytest.mark.parametrize("name", READ_ONLY)
def test_the_json_is_the_same_in_both_languages_but_its_messages(capsys, folder, name):
    _, json_argv = READ_ONLY[name]
    answers = {lang: grants(capsys, folder / "var", lang, *_args(json_argv, folder), "--json")
               for lang in LANGS}
    assert answers["zh"][0] == answers["en"][0]
    assert without_messages(json.loads(answers["zh"][1])) == \
        without_messages(json.loads(answers["en"][1]))


def test_without_a_message_the_json_is_byte_identical(capsys, folder):
    for argv in (["policies"], ["entitlement", ENTERPRISE]):
        zh, en = (grants(capsys, folder / "var", lang, *argv, "--json")[1] for lang in LANGS)
        assert zh == en


@pytest.mark.parametrize("lang", LANGS)
def test_the_audit_s_findings_speak_the_reader_s_language(capsys, folder, lang):
    data = folder / "tampered"
    code, answer, _ = grants(capsys, data, lang, "audit", "--json")
    report = json.loads(answer)
    assert code == 1 and report["findings"] and report["log"]["findings"]
    code, out, err = grants(capsys, data, lang, "audit")
    assert code == 1 and "chain_broken" in out
    assert wrong_words(out + err, lang, data_values(report)) == []
    for f in report["findings"] + report["log"]["findings"]:
        assert wrong_words(f["message"], lang, data_values(f)) == [], f


def test_the_audit_s_json_differs_only_in_its_messages(capsys, folder):
    zh, en = (grants(capsys, folder / "tampered", lang, "audit", "--json")[1] for lang in LANGS)
    assert without_messages(json.loads(zh)) == without_messages(json.loads(en))
    assert zh != en  # the findings' messages are worded


@pytest.mark.parametrize("lang", LANGS)
def test_apply_s_lines_are_the_contract_s_and_its_errors_are_worded(capsys, tmp_path,
                                                                    folder, lang):
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(c) + "\n" for c in HISTORY[:3] + [HISTORY[0]]),
                     encoding="utf-8")
    code, out, _ = grants(capsys, tmp_path / lang, lang, "apply", str(batch))
    assert code == 1  # the last line registers the enterprise again
    lines = [json.loads(line) for line in out.splitlines()]
    en_code, en_out, _ = grants(capsys, tmp_path / f"{lang}-en", "en", "apply", str(batch))
    assert [without_messages(line) for line in lines] == \
        [without_messages(json.loads(line)) for line in en_out.splitlines()]
    assert wrong_words(lines[-1]["error"]["message"], lang, [ENTERPRISE]) == []
    for path in (tmp_path / "missing.jsonl", tmp_path, folder / "bad.jsonl"):
        code, out, err = grants(capsys, tmp_path / lang, lang, "apply", str(path))
        assert code == 2 and out == "" and err.startswith("grants apply")
        assert wrong_words(err, lang, [str(path)]) == []


def test_apply_s_json_lines_are_byte_identical_when_all_succeed(capsys, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(c) + "\n" for c in HISTORY), encoding="utf-8")
    zh, en = (grants(capsys, tmp_path / lang, lang, "apply", str(batch)) for lang in LANGS)
    assert zh == en and zh[0] == 0


@pytest.mark.parametrize("lang", LANGS)
def test_rebuild_and_the_scheduler_speak_the_reader_s_language(capsys, folder, tmp_path,
                                                              lang):
    data = tmp_path / "var"
    shutil.copytree(folder / "var", data)
    code, out, err = grants(capsys, data, lang, "rebuild")
    assert code == 0 and err.startswith("grants rebuild")
    assert wrong_words(out + err, lang, []) == []
    code, out, err = grants(capsys, data, lang, "scheduler", "run", "--on", "2026-12-31")
    assert code == 0 and out.strip()
    assert wrong_words(out + err, lang, []) == []
    code, out, err = grants(capsys, data, lang, "scheduler", "run", "--on", "2026-01-01")
    assert code == 1 and err.startswith("grants scheduler")
    assert wrong_words(out + err, lang, []) == []


@pytest.mark.parametrize("lang", LANGS)
def test_prove_and_verify_proof_refusals_are_worded(capsys, folder, lang):
    data = folder / "var"
    code, out, err = grants(capsys, data, lang, "prove", "NOPE-1")
    assert code == 1 and "NOPE-1" in err
    assert wrong_words(err, lang, ["NOPE-1"]) == []
    missing = str(folder / "missing.json")
    code, out, err = grants(capsys, data, lang, "verify-proof", missing)
    assert code == 2 and missing in err
    assert wrong_words(err, lang, [missing]) == []
    code, out, err = grants(capsys, data, lang, "audit", "--checkpoint", missing)
    assert code == 2 and wrong_words(err, lang, [missing]) == []


@pytest.mark.parametrize("lang", LANGS)
def test_users_speak_the_reader_s_language(capsys, tmp_path, folder, lang):
    data = tmp_path / "var"
    shutil.copytree(folder / "var", data)
    said = []
    for argv, stdin in ((["add", "sara", "--role", "staff", "--password-stdin"], PASSWORD),
                        (["role", "sara", "auditor"], None), (["disable", "sara"], None),
                        (["list"], None), (["enable", "sara"], None),
                        (["password", "sara", "--password-stdin"], PASSWORD + "-2"),
                        (["unlock", "sara"], None), (["unlock"], None), (["history"], None),
                        (["disable", "nobody"], None), (["revoke-token", "sara"], None),
                        (["token", "sara"], None), (["revoke-token", "sara"], None)):
        code, out, err = grants(capsys, data, lang, "users", *argv,
                                stdin=None if stdin is None else stdin + "\n")
        assert (out + err).strip() and "Traceback" not in err, argv
        said.append(out + err)
    _, history, _ = grants(capsys, data, lang, "users", "history", "--json")
    values = data_values(json.loads(history)) + ["nobody", "grants users unlock", "grants users"]
    assert wrong_words("".join(said), lang, values) == []
    # The history's lines keep the event's code in the third column, in both languages.
    if lang == "en":
        assert [line.split()[2] for line in said[8].splitlines()] == [
            "UserAdded", "RoleChanged", "UserDisabled", "UserEnabled", "PasswordChanged"]


@pytest.mark.parametrize("lang", LANGS)
def test_demo_speaks_the_reader_s_language(capsys, tmp_path, lang):
    data = tmp_path / "var"
    code, out, err = grants(capsys, data, lang, "demo", "--enterprises", "2")
    assert code == 0 and err.count("grants demo") == 3
    again = grants(capsys, data, lang, "demo", "--enterprises", "2")
    assert again[0] == 0 and again[2].startswith("grants demo")
    names = ["工作人员 Staff", "审计 Auditor", "管理员 Admin"]
    assert wrong_words(err + again[2], lang, names) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("lang", LANGS)
def test_serve_says_where_it_serves_in_the_reader_s_language(tmp_path, folder, lang):
    data = tmp_path / "var"
    shutil.copytree(folder / "var", data)
    port = _free_port()
    env = environ(data, lang)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    server = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--port", str(port)],
                              env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              text=True)
    try:
        line = server.stderr.readline()
    finally:
        server.terminate()
        server.wait(timeout=30)
    url = f"http://127.0.0.1:{port}/"
    assert url in line
    assert wrong_words(line, lang, [url, "Grant Ledger"]) == []
    assert ("提供服务" in line) == (lang == "zh")


@pytest.mark.parametrize("locale, chinese", [("zh_CN.UTF-8", True), ("C.UTF-8", False),
                                             ("en_GB.UTF-8", False)])
def test_without_grants_lang_the_locale_decides(capsys, folder, locale, chinese):
    data = folder / "var"
    env = environ(data, "en")
    del env["GRANTS_LANG"]
    env["LANG"] = locale
    capsys.readouterr()
    assert main(["--data", str(data), "flags", "--on", "2026-12-31"], environ=env) == 0
    out = capsys.readouterr().out
    assert out.startswith("2026年12月31日" if chinese else "flags on 2026-12-31"), out


def _import_sheets(root: Path) -> dict[str, Path]:
    """The template (good), a row more than may be approved, and four files that are not
    the template: a wrong header, an empty file, bytes that are no text, a false XLSX."""
    import csv
    import io

    from web import importer

    rows = list(csv.DictReader(io.StringIO(importer.template_csv().decode("utf-8-sig"))))
    over = {**rows[0], "command_id": "", "application_id": "OVER-1",
            "enterprise_id": importer._example_code(6), "amount": "380000.01",
            "tranche_1_amount": "380000.01"}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=importer.NAMES, lineterminator="\n")
    writer.writeheader()
    writer.writerow(over)
    files = {"good": importer.template_csv(), "over": out.getvalue().encode("utf-8"),
             "header": b"enterprise_id,colour,policy,policy\n",
             "empty": b"", "not text": b"\xff\xfe\x00garbage",
             "not xlsx": b"PK\x03\x04 not really a workbook"}
    paths = {}
    for name, data in files.items():
        path = root / (name.replace(" ", "-") + (".xlsx" if name == "not xlsx" else ".csv"))
        path.write_bytes(data)
        paths[name] = path
    return paths


@pytest.mark.parametrize("lang", LANGS)
def test_import_speaks_the_reader_s_language(capsys, tmp_path, lang):
    from web import importer

    data, sheets = tmp_path / "var", _import_sheets(tmp_path)
    said = []
    for name, argv in (("over", ["--dry-run"]), ("good", ["--dry-run"]), ("good", [])):
        code, answer, _ = grants(capsys, data, lang, "import", str(sheets[name]), *argv,
                                 "--json", "--actor", "clerk") if argv else (0, "{}", "")
        values = data_values(json.loads(answer)) + [str(tmp_path)]
        code, out, err = grants(capsys, data, lang, "import", str(sheets[name]), *argv,
                                "--actor", "clerk")
        assert code == (1 if name == "over" else 0) and out.strip() and not err, err
        assert wrong_words(out, lang, values + ["ApproveApplication", "exceeds_entitlement",
                                                "amount", "tranche_1_year"]) == []
        said.append(out)
    if lang == "en":  # the lines grants import has always printed
        assert said[0].splitlines() == [
            "over.csv: 1 rows; 0 accepted (dry run), 1 refused, 0 partial",
            "  row 2 refused: ApproveApplication exceeds_entitlement: 380000.01 exceeds the "
            "maximum 380000.00 that may be approved [amount]"]
        assert said[2] == "good.csv: 3 rows; 3 imported, 0 refused, 0 partial\n"
    else:
        assert said[0].startswith("over.csv：共 1 行；试运行通过 0 行，拒绝 1 行")
        assert "38.000001万元" in said[0] and "第 2 行被拒绝" in said[0]
        assert said[2] == "good.csv：共 3 行；导入 3 行，拒绝 0 行，部分写入 0 行\n"
    for name in ("header", "empty", "not text", "not xlsx"):
        path = str(sheets[name])
        code, out, err = grants(capsys, data, lang, "import", path)
        assert code == 2 and out == "" and err.startswith("grants import") and path in err
        assert wrong_words(err, lang, [path, *importer.NAMES, "colour", "BadZipFile"]) == []
        assert ("grants import：" in err) == (lang == "zh"), err
    if lang == "en":
        assert err == f"grants import: {path}: not an XLSX workbook: BadZipFile\n"
        code, _, err = grants(capsys, data, lang, "import", str(sheets["header"]))
        assert err == (f"grants import: {sheets['header']}: the header row is not the "
                       "template's: colour: not a column of the template; application_id: "
                       "missing from the header; article: missing from the header; "
                       "submitted_on: missing from the header; requested_amount: missing "
                       "from the header; certified_on: missing from the header; approved_on: "
                       "missing from the header; policy: named twice\n")


#: A sheet with each kind of cell the import cannot use, one kind a row (row 16 has two),
#: and a known enterprise's columns (noted, not used): (row, column, bad cell).
BAD_CELLS = [
    ("submitted_on", "2025-13-01"), ("article", "fourteen"), ("requested_amount", "45,00,0"),
    ("basis", "contract_amount"), ("basis", "contract_amount=abc"), ("policy", ""),
    ("enterprise_name", ""), ("command_id", "X" * 81), ("tranche_2_amount", "100"),
    ("tranche_3_year", "2027"), ("tranche_1_evaluation", "pass"),
    ("amount", "1000000000000000"), ("requested_amount", "-45000"),
]


def _bad_cells_sheet(root: Path) -> Path:
    import csv
    import io

    from web import importer

    rows = list(csv.DictReader(io.StringIO(importer.template_csv().decode("utf-8-sig"))))
    base = {**rows[2], "command_id": "", "enterprise_id": importer._example_code(3)}
    sheet = [rows[0]]
    for i, (column, cell) in enumerate(BAD_CELLS):
        bad = {**base, "application_id": f"CELL-{i}", column: cell}
        if column == "enterprise_name":
            bad["enterprise_id"] = importer._example_code(4)
        sheet.append(bad)
    sheet.append({**base, "application_id": "CELL-TWO", "submitted_on": "2025-13-01",
                  "article": "fourteen"})
    sheet.append({**base, "application_id": "CELL-KNOWN",
                  "enterprise_id": importer._example_code(1), "enterprise_name": "Another"})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=importer.NAMES, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sheet)
    path = root / "cells.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", LANGS)
def test_import_s_bad_cells_speak_the_reader_s_language(capsys, tmp_path, lang):
    from web import importer

    data, path = tmp_path / "var", _bad_cells_sheet(tmp_path)
    code, out, err = grants(capsys, data, lang, "import", str(path), "--dry-run",
                            "--actor", "clerk")
    assert code == 1 and not err, err
    code, answer, _ = grants(capsys, data, lang, "import", str(path), "--dry-run", "--json",
                             "--actor", "clerk")
    report = json.loads(answer)
    # the values: the bad cells as the words quote them, the columns, the codes
    values = sorted({repr(c) for _, c in BAD_CELLS if c} | {repr("contract_amount"),
                    repr("abc"), "invalid_command", str(tmp_path), *importer.NAMES},
                    key=len, reverse=True)
    refused = [r for r in report["results"] if r["status"] == "refused"]
    assert [r["error"]["columns"] for r in refused] == [
        ["submitted_on"], ["article"], ["requested_amount"], ["basis"], ["basis"], ["policy"],
        ["enterprise_name"], ["command_id"], ["tranche_2_year"], ["tranche_3_amount"],
        ["tranche_1_evaluated_on"], ["amount"], ["requested_amount"],
        ["article", "submitted_on"]]
    said = [r["error"]["message"] for r in refused] + [
        why for r in refused for why in r["error"]["fields"].values()] + \
        report["results"][-1]["notes"]
    assert report["results"][-1]["status"] == "accepted" and report["results"][-1]["notes"]
    for text in [out, *said]:
        assert wrong_words(text, lang, values) == [], text
    if lang == "zh":
        for text in said:
            assert CHINESE.search(text), text
        assert "10,000,000.00亿元" in out and "亿元 元" not in out
        assert "第 16 行被拒绝：单元格 invalid_command：article：不是整数：'fourteen'；" \
               "submitted_on：不是日期（YYYY-MM-DD）：'2025-13-01'" in out
        return
    # the lines and the JSON grants import has always written
    assert out.splitlines()[1:] == [
        "  row 3 refused: cells invalid_command: submitted_on: not a date (YYYY-MM-DD): "
        "'2025-13-01' [submitted_on]",
        "  row 4 refused: cells invalid_command: article: not a whole number: 'fourteen' "
        "[article]",
        "  row 5 refused: cells invalid_command: requested_amount: write an amount as ASCII "
        "digits with at most two decimals, e.g. \"1500000.00\": '45,00,0' [requested_amount]",
        "  row 6 refused: cells invalid_command: basis: write the figures as name=amount; "
        "name=amount: 'contract_amount' [basis]",
        "  row 7 refused: cells invalid_command: basis: write an amount as ASCII digits with "
        "at most two decimals, e.g. \"1500000.00\": 'abc' [basis]",
        "  row 8 refused: cells invalid_command: policy: needed [policy]",
        "  row 9 refused: cells invalid_command: enterprise_name: needed to register a new "
        "enterprise [enterprise_name]",
        "  row 10 refused: cells invalid_command: command_id: at most 80 characters "
        "[command_id]",
        "  row 11 refused: cells invalid_command: tranche_2_year: needed when the tranche's "
        "other columns are filled [tranche_2_year]",
        "  row 12 refused: cells invalid_command: tranche_3_amount: needed with the tranche's "
        "year [tranche_3_amount]",
        "  row 13 refused: cells invalid_command: tranche_1_evaluated_on: an evaluation needs "
        "its result and its date [tranche_1_evaluated_on]",
        "  row 14 refused: cells invalid_command: amount: an amount must be less than "
        "1000000000000000.00 yuan: '1000000000000000' [amount]",
        "  row 15 refused: cells invalid_command: requested_amount: an amount cannot be "
        "negative: '-45000' [requested_amount]",
        "  row 16 refused: cells invalid_command: article: not a whole number: 'fourteen'; "
        "submitted_on: not a date (YYYY-MM-DD): '2025-13-01' [article, submitted_on]"]
    assert refused[-1]["error"]["fields"] == {
        "article": "not a whole number: 'fourteen'",
        "submitted_on": "not a date (YYYY-MM-DD): '2025-13-01'"}
    assert report["results"][-1]["notes"] == [
        "the enterprise is already registered: its enterprise columns were not used"]


def test_import_s_bad_cells_json_differs_only_in_its_words(capsys, tmp_path):
    path = _bad_cells_sheet(tmp_path)

    def answer(lang):
        _, out, _ = grants(capsys, tmp_path / lang, lang, "import", str(path), "--dry-run",
                           "--json", "--actor", "clerk")
        found = without_messages(json.loads(out))
        for r in found["results"]:
            r["notes"] = ["…"] * len(r["notes"])
        return found

    assert answer("zh") == answer("en")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("variable, value", [("GRANTS_SESSION_MINUTES", "half an hour"),
                                             ("GRANTS_SMTP_PORT", "70000"),
                                             ("GRANTS_SCHEDULER", "yes"),
                                             ("GRANTS_TODAY", "2026-13-01")])
def test_a_setting_that_cannot_be_used_is_said_in_the_environment_s_language(
        capsys, tmp_path, lang, variable, value):
    env = {**environ(tmp_path / "var", lang), variable: value}
    capsys.readouterr()
    assert main(["flags"], environ=env) == 2
    err = capsys.readouterr().err
    assert variable in err and repr(value) in err
    assert err.startswith("grants：" if lang == "zh" else "grants: ")
    assert wrong_words(err, lang, [variable, repr(value)]) == []
    if lang == "zh":
        assert CHINESE.search(err)


def test_a_bad_grants_lang_is_said_in_the_locale_s_language(capsys, tmp_path):
    env = {**environ(tmp_path / "var", "fr"), "LANG": "zh_CN.UTF-8"}
    capsys.readouterr()
    assert main(["flags"], environ=env) == 2
    assert capsys.readouterr().err == "grants：GRANTS_LANG 必须是 zh 或 en，而不是 'fr'\n"
    env["LANG"] = "C.UTF-8"
    assert main(["flags"], environ=env) == 2
    assert capsys.readouterr().err == "grants: GRANTS_LANG must be zh or en, not 'fr'\n"


# -- grants --help and argparse's errors --------------------------------------------------

#: What `grants` printed for each --help and each argparse error before its help was worded
#: (recorded on main by running `main(["--data", "DATA", *argv])` with GRANTS_LANG=en and
#: COLUMNS=80): {" ".join(argv): [exit status, standard output, standard error]}.
HELP_EN = json.loads((Path(__file__).parent / "cli_help.en.json").read_text(encoding="utf-8"))
HELPS = [k for k, (code, _, _) in HELP_EN.items() if k.endswith("--help")]
#: argparse's errors, each with what the reader typed (quoted back as it was).
ERRORS = {"missing argument": (["apply"], []),
          "missing command": ([], []),
          "bad date": (["quote", "A-1", "--on", "2025-13-01"], ["2025-13-01", "A-1"]),
          "bad moment": (["entitlement", ENTERPRISE, "--known-at", "soon"], []),
          "bad choice": (["users", "add", "bob", "--role", "king"], ["bob", "king"]),
          "bad command": (["bogus"], ["bogus"]),
          "bad number": (["serve", "--port", "x"], []),
          "no value": (["quote", "A-1", "--on"], ["A-1"]),
          "unrecognized": (["policies", "--nope"], ["--nope"])}


@pytest.fixture
def columns80(monkeypatch):
    """argparse wraps help to the terminal's width: COLUMNS says it."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")


def grants_exits(capsys, data: Path, lang: str, *argv: str):
    """(exit status, standard output, standard error) of a `grants` argparse answers."""
    try:
        code = grants(capsys, data, lang, *argv)[0]
    except SystemExit as e:
        code = e.code
        out = capsys.readouterr()
        return code, out.out, out.err
    pytest.fail(f"grants {' '.join(argv)} ran ({code}): argparse should have answered")


def names_of(parser: argparse.ArgumentParser) -> list[str]:
    """What help may show as it is in any language: each command's name (its prog), its
    options, metavars, positionals' names and choices (as argparse lists them)."""
    found = {parser.prog}
    for action in parser._actions:
        found |= set(action.option_strings) | {action.dest, action.dest.upper()}
        if action.metavar:
            found.add(action.metavar)
        if action.choices:
            found.add("{" + ",".join(action.choices) + "}")
            found |= set(action.choices)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= set(names_of(sub))
    return sorted(found - {"help"}, key=len, reverse=True)


NAMES = names_of(cli.parser())


@pytest.mark.parametrize("case", HELP_EN)
def test_help_and_argparse_errors_in_english_are_what_grants_always_printed(
        capsys, tmp_path, columns80, case):
    argv = case.split()
    if argv[-1:] == ["--help"]:
        with pytest.raises(SystemExit) as e:
            grants(capsys, tmp_path, "en", *argv)
        out = capsys.readouterr()
        assert [e.value.code, out.out, out.err] == HELP_EN[case]
    else:
        assert list(grants_exits(capsys, tmp_path, "en", *argv)) == HELP_EN[case]


@pytest.mark.parametrize("case", HELPS)
def test_help_speaks_chinese(capsys, tmp_path, columns80, case):
    with pytest.raises(SystemExit) as e:
        grants(capsys, tmp_path, "zh", *case.split())
    out = capsys.readouterr()
    assert e.value.code == 0 and out.err == ""
    assert out.out.startswith("用法：grants") and "\n选项:\n" in out.out
    assert "显示此帮助并退出" in out.out
    assert wrong_words(out.out, "zh", NAMES) == []
    # Chinese takes two columns a character: the help is wrapped to the terminal's width
    # (but for the lists of commands, which are as wide in English).
    assert all(cli_words.columns(line) <= 80 for line in out.out.splitlines()
               if "{" not in line), out.out


def test_every_help_string_has_its_chinese():
    """No help string, description or argparse word of `grants` falls back to English."""
    from tests.dashboard.test_i18n import catalogue_pairs

    pairs = {k: v for k, v in catalogue_pairs().items()
             if k.startswith(("cli.help.", "cli.argparse."))}
    assert len(pairs) == len(HELP_KEYS) + len(cli_words.ARGPARSE) + len(
        cli_words.ARGPARSE_PLURAL)
    for key, (zh, _) in pairs.items():
        assert CHINESE.search(zh), key
        assert "%" not in zh, key  # argparse %-formats help strings


#: The keys `parser()` words its help with.
HELP_KEYS = set(re.findall(r"""\bh\("([\w.]+)"\)""", Path(cli.__file__).read_text())) | {
    "not_date", "not_moment"}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ERRORS)
def test_argparse_errors_speak_the_reader_s_language(capsys, tmp_path, columns80, lang, name):
    argv, typed = ERRORS[name]
    code, out, err = grants_exits(capsys, tmp_path, lang, *argv)
    assert code == 2 and out == ""
    usage, _, said = err.rstrip("\n").rpartition("\n")
    assert usage.startswith("用法：grants" if lang == "zh" else "usage: grants")
    assert said.startswith("grants") and ("：错误：" if lang == "zh" else ": error: ") in said
    assert wrong_words(err, lang, [*typed, *(repr(t) for t in typed), *NAMES]) == []
    if lang == "zh":
        assert CHINESE.search(said.partition("错误：")[2]), said


def test_a_bad_date_is_quoted_back_as_typed(capsys, tmp_path):
    said = grants_exits(capsys, tmp_path, "zh", "flags", "--on", "1 July")[2].splitlines()[-1]
    assert said == "grants flags：错误：参数 --on：不是 ISO 格式的日期（年-月-日）：'1 July'"
    said = grants_exits(capsys, tmp_path, "zh", "users", "role", "bob", "king")[2]
    assert said.splitlines()[-1] == ("grants users role：错误：参数 role：无效的选择：'king'"
                                     "（可选：'staff', 'auditor', 'admin'）")


def test_the_english_catalogue_holds_argparse_s_own_words():
    """English readers read argparse itself; the catalogue's English is its words (so a
    change of either shows here)."""
    for msgid, (key, placeholders) in cli_words.ARGPARSE.items():
        tail = msgid[len(msgid.rstrip("\n")):]
        written = words.template(f"cli.argparse.{key}", "en").format(**placeholders) + tail
        assert written == msgid
        assert words.known(f"cli.argparse.{key}", "zh")
    for (_, plural), key in cli_words.ARGPARSE_PLURAL.items():
        assert words.template(f"cli.argparse.{key}", "en").format(count="%s") == plural


def test_help_outside_grants_is_argparse_s_own(capsys, tmp_path, columns80):
    """After a Chinese `grants --help`, argparse elsewhere in the process is untouched."""
    with pytest.raises(SystemExit):
        grants(capsys, tmp_path, "zh", "--help")
    assert argparse._ is cli_words._gettext
    with words.speaking("zh"):
        plain = argparse.ArgumentParser(prog="other")
        assert "usage: other" in plain.format_help()  # not a Parser: not worded


@pytest.mark.parametrize("grants_lang, locale, chinese", [
    (None, "zh_CN.UTF-8", True), (None, "C.UTF-8", False), ("fr", "zh_CN.UTF-8", True),
    ("en", "zh_CN.UTF-8", False)])
def test_without_grants_lang_the_locale_words_the_help(capsys, tmp_path, columns80,
                                                        grants_lang, locale, chinese):
    env = {**environ(tmp_path, "en"), "LANG": locale}
    env.pop("GRANTS_LANG")
    if grants_lang:
        env["GRANTS_LANG"] = grants_lang
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["quote", "--help"], environ=env)
    out = capsys.readouterr().out
    assert out.startswith("用法：" if chinese else "usage: "), out
