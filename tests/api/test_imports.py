"""The awards import: the template, a sheet of good and bad rows through POST /imports,
nothing written for a refused row (even one whose later command is what fails), dry
runs, XLSX and GB18030, unreadable files, and `import_file` as the CLI will call it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.api.conftest import REPO_DOCS, make_api
from web import importer

TEMPLATE = [dict(zip(importer.NAMES, row, strict=True)) for row in csv.reader(
    io.StringIO(importer.template_csv().decode("utf-8-sig")))][1:]
NEW = importer._example_code  # credit codes of example enterprises


def sheet(*rows: dict) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=importer.NAMES, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({n: row.get(n, "") for n in importer.NAMES})
    return out.getvalue().encode("utf-8")


def upload(api, data: bytes, filename: str = "awards.csv", role: str = "staff", **form):
    return api.client.post("/api/v1/imports", headers=api.headers(role),
                           data={"file": (io.BytesIO(data), filename), **form},
                           content_type="multipart/form-data")


def applications(api) -> set[str]:
    with api.services.reader() as views:
        return {r[0] for r in views.db.execute("SELECT application_id FROM applications")}


def enterprises(api) -> set[str]:
    with api.services.reader() as views:
        return {r[0] for r in views.db.execute("SELECT enterprise_id FROM enterprises")}


def test_the_documented_template_is_the_served_one(api):
    assert (REPO_DOCS / "import-template.csv").read_bytes() == importer.template_csv()
    assert api.get("/imports/template.csv").get_data() == importer.template_csv()
    assert api.get("/imports/template.xlsx").status_code == 200


BAD_ROWS = [  # each without the example's command id, so that each is judged anew
    # cells that cannot be read: nothing is even tried
    {**TEMPLATE[2], "command_id": "", "application_id": "BAD-CELLS", "enterprise_id": NEW(3),
     "submitted_on": "2025-13-01", "article": "fourteen"},
    # a new enterprise without its name
    {**TEMPLATE[2], "command_id": "", "application_id": "BAD-NEW", "enterprise_id": NEW(4),
     "enterprise_name": ""},
    # the fifth command fails (2026 paid with no evaluation of 2025): a new enterprise,
    # a submission, a certification, an approval and a payment all stay unwritten
    {**TEMPLATE[1], "command_id": "", "application_id": "BAD-LATE", "enterprise_id": NEW(5),
     "enterprise_name": "后来失败有限公司", "size": "small", "registered_on": "2025-06-01",
     "tranche_1_evaluation": "", "tranche_1_evaluated_on": ""},
    # more than may be approved
    {**TEMPLATE[0], "command_id": "", "application_id": "BAD-AMOUNT", "enterprise_id": NEW(6),
     "amount": "380000.01", "tranche_1_amount": "380000.01"},
    # an application number already imported above
    {**TEMPLATE[2], "command_id": "", "application_id": "HIST-2025-0001", "enterprise_id": NEW(7)},
    # submitted before the policy was in force
    {**TEMPLATE[2], "command_id": "", "application_id": "BAD-DATE", "enterprise_id": NEW(8),
     "registered_on": "2024-01-02", "submitted_on": "2025-01-10"},
]
EXPECTED = [  # (status, code, command, columns) of the bad rows, in order
    ("refused", "invalid_command", None, ["article", "submitted_on"]),
    ("refused", "invalid_command", None, ["enterprise_name"]),
    ("refused", "evaluation_required", "DisburseTranche", ["tranche_2_year"]),
    ("refused", "exceeds_entitlement", "ApproveApplication", ["amount"]),
    ("refused", "duplicate_id", "SubmitApplication", ["application_id"]),
    ("refused", "policy_not_in_force", "SubmitApplication", ["submitted_on"]),
]


def test_good_rows_are_imported_and_refused_rows_write_nothing(api):
    response = upload(api, sheet(*TEMPLATE, *BAD_ROWS))
    assert response.status_code == 200
    report = response.json
    assert (report["rows"], report["imported"], report["refused"], report["partial"]) == \
        (9, 3, 6, 0)
    assert [r["row"] for r in report["results"]] == list(range(2, 11))
    assert [r["status"] for r in report["results"][:3]] == ["imported"] * 3
    for result, (status, code, command, columns) in zip(report["results"][3:], EXPECTED,
                                                        strict=True):
        assert result["status"] == status
        assert (result["error"]["code"], result["error"]["command"]) == (code, command)
        assert result["error"]["columns"] == columns, result
        assert result["lines"] == []
    late = report["results"][5]
    assert late["commands"] == ["RegisterEnterprise", "SubmitApplication",
                                "CertifyApplication", "ApproveApplication", "DisburseTranche",
                                "DisburseTranche"]
    assert applications(api) == {"HIST-2025-0001", "HIST-2025-0002", "HIST-2025-0003"}
    assert enterprises(api) == {NEW(1), NEW(2)}
    recorded = sum(len(line["events"]) for r in report["results"] for line in r["lines"])
    # Beside its events, each command of a row with a command id leaves its record.
    ids = sum(1 for r in report["results"] for line in r["lines"])
    assert api.events() == recorded + ids
    with api.services.reader() as views:
        actors = {r[0] for r in views.db.execute("SELECT DISTINCT actor FROM history")}
    assert actors == {"clerk"}


def test_rows_are_judged_whole_on_sqlite_and_on_postgresql(event_store):
    api = make_api(event_store.data, event_store.event_store)
    try:
        report = upload(api, sheet(*TEMPLATE, *BAD_ROWS)).json
        assert [r["status"] for r in report["results"]] == ["imported"] * 3 + ["refused"] * 6
        assert applications(api) == {"HIST-2025-0001", "HIST-2025-0002", "HIST-2025-0003"}
        assert enterprises(api) == {NEW(1), NEW(2)}
    finally:
        api.services.close()


def test_imported_awards_are_what_the_rows_say(api):
    upload(api, sheet(*TEMPLATE))
    loan = api.get("/applications/HIST-2025-0002").json
    assert loan["amount"] == "900000.00" and loan["status"] == "approved"
    assert [(t["year"], t["amount"], t["paid_on"]) for t in loan["tranches"]] == [
        (2025, "300000.00", "2025-09-20"), (2026, "300000.00", "2026-03-10"),
        (2027, "300000.00", None)]
    assert [(e["year"], e["result"]) for e in loan["evaluations"]] == [(2025, "pass")]
    first = api.get("/applications/HIST-2025-0001").json
    assert first["claimed_basis"] == {"event_expenditure": "800000.00"}
    assert first["basis"] == {"event_expenditure": "760000.00"}
    assert api.get(f"/enterprises/{NEW(1)}").json["sectors"] == [
        "intelligent-equipment", "artificial-intelligence"]


def test_a_dry_run_judges_every_row_and_writes_nothing(api):
    response = upload(api, sheet(*TEMPLATE, *BAD_ROWS), dry_run="true")
    report = response.json
    assert report["dry_run"] is True
    assert (report["accepted"], report["refused"], report["imported"]) == (3, 6, 0)
    # the second row's enterprise is registered by the first row: a dry run sees it
    assert report["results"][1]["status"] == "accepted"
    assert api.events() == 0
    assert upload(api, sheet(*TEMPLATE)).json["imported"] == 3


def test_a_row_that_a_rival_writer_spoils_after_its_rehearsal_writes_nothing(api, monkeypatch):
    real_rehearse = importer._rehearse
    rival = {}

    def rehearse_then_rival(rehearsal, planned, actor, result):
        ok = real_rehearse(rehearsal, planned, actor, result)
        # Another writer registers the row's new enterprise between rehearsal and write.
        register = next(p.data for p in planned if p.data["type"] == "RegisterEnterprise")
        register = {k: v for k, v in register.items() if k != "command_id"}  # its own write
        rival["line"] = api.services.execute_json(register, actor="rival")
        rival["written"] = api.services.ledger.recorder.max_notification_id()
        return ok

    monkeypatch.setattr(importer, "_rehearse", rehearse_then_rival)
    report = upload(api, sheet(TEMPLATE[0])).json
    result = report["results"][0]
    assert rival["line"]["ok"]
    assert (report["refused"], report["partial"], result["status"]) == (1, 0, "refused")
    assert result["error"]["code"] == "duplicate_id" and result["lines"] == []
    # Nothing of the row was written: the log ends with the rival's registration.
    assert api.services.ledger.recorder.max_notification_id() == rival["written"]


def test_an_xlsx_sheet_is_imported(api):
    report = upload(api, importer.template_xlsx(), "awards.xlsx").json
    assert report["imported"] == 3 and report["refused"] == 0


def test_a_gb18030_csv_from_chinese_excel_is_imported(api):
    text = importer.template_csv().decode("utf-8-sig")
    report = upload(api, text.encode("gb18030")).json
    assert report["imported"] == 3
    assert api.get(f"/enterprises/{NEW(1)}").json["name"] == "通州示例智能装备有限公司"


def test_a_known_enterprise_s_columns_are_noted_not_used(api):
    upload(api, sheet(TEMPLATE[0]))
    renamed = {**TEMPLATE[2], "enterprise_id": NEW(1), "enterprise_name": "Another name"}
    result = upload(api, sheet(renamed)).json["results"][0]
    assert result["status"] == "imported"
    assert result["commands"][0] == "SubmitApplication"
    assert "already registered" in result["notes"][0]


@pytest.mark.parametrize(("data", "filename", "field"), [
    (b"enterprise_id,application_id\n", "a.csv", "policy"),
    (("enterprise_id," + ",".join(importer.REQUIRED[1:]) + ",colour\n").encode(), "a.csv",
     "colour"),
    (b"", "a.csv", "_file"),
    (b"PK\x03\x04 not really a workbook", "a.xlsx", "_file"),
    (b"\xff\xfe\x00garbage", "a.bin", "_file"),
])
def test_a_file_that_is_not_the_template_is_400_and_writes_nothing(api, data, filename,
                                                                   field):
    response = upload(api, data, filename)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"
    assert field in response.json["error"]["fields"]
    assert api.events() == 0


def test_an_upload_without_a_file_or_not_multipart(api):
    response = api.client.post("/api/v1/imports", headers=api.headers(),
                               data={"dry_run": "true"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "file" in response.json["error"]["fields"]
    response = api.client.post("/api/v1/imports", headers=api.headers(), json={"file": "x"})
    assert response.status_code == 415
    response = upload(api, sheet(*TEMPLATE), dry_run="maybe")
    assert response.status_code == 400 and "dry_run" in response.json["error"]["fields"]


def test_import_file_is_what_the_cli_calls(api, tmp_path):
    path = tmp_path / "history.csv"
    path.write_bytes(sheet(*TEMPLATE, BAD_ROWS[3]))
    report = importer.import_file(api.services, path, "cli-user")
    assert (report.count("imported"), report.count("refused")) == (3, 1)
    assert not report.ok
    out = io.StringIO()
    importer.print_report(report, out)
    assert out.getvalue().splitlines() == [
        "history.csv: 4 rows; 3 imported, 1 refused, 0 partial",
        "  row 5 refused: ApproveApplication exceeds_entitlement: 380000.01 exceeds the "
        "maximum 380000.00 that may be approved [amount]"]
    with pytest.raises(importer.TemplateError):
        importer.import_file(api.services, Path(__file__), "cli-user")


def test_a_sheet_imported_again_writes_no_row_twice(api):
    first = upload(api, sheet(*TEMPLATE)).json
    written = api.events()
    again = upload(api, sheet(*TEMPLATE)).json
    assert api.events() == written
    assert [r["status"] for r in again["results"]] == ["imported"] * 3
    assert all(line.get("replayed") for r in again["results"] for line in r["lines"])
    assert [len(r["lines"]) for r in again["results"]] == \
        [len(r["lines"]) - (r["commands"][0] == "RegisterEnterprise")
         for r in first["results"]]


NOT_THE_TEMPLATE = [  # (file, name, the English message the import has always said)
    (("enterprise_id," + ",".join(importer.REQUIRED[1:]) + ",colour,policy\n").encode(),
     "a.csv", "the header row is not the template's: colour: not a column of the template; "
     "policy: named twice"),
    (b"enterprise_id,application_id\n", "a.csv", None),
    (b"", "a.csv", "the sheet is empty: it needs the template's header row"),
    (b"PK\x03\x04 not really a workbook", "a.xlsx", "not an XLSX workbook: BadZipFile"),
    (b"\xff\xfe\x00garbage", "a.bin", "the CSV file is neither UTF-8 nor GB18030 text"),
    (b"a\n" + b"x" * 200_000 + b"\n", "a.csv", None),  # a field over the csv module's limit
]


@pytest.mark.parametrize(("data", "filename", "english"), NOT_THE_TEMPLATE)
def test_a_file_that_is_not_the_template_is_refused_in_the_caller_s_language(
        api, data, filename, english):
    from tests.dashboard.words_check import CHINESE, ENGLISH, without

    def refused(lang: str) -> dict:
        response = api.client.post(
            "/api/v1/imports", headers=api.headers(**{"Accept-Language": lang}),
            data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
        assert response.status_code == 400
        return response.json["error"]

    zh, en = refused("zh-CN"), refused("en")
    assert zh["code"] == en["code"] == "invalid_request"
    assert list(zh["fields"]) == list(en["fields"]) and en["fields"]
    if english is not None:
        assert en["message"] == english
    # The English words are the ones the import has always said of each field.
    assert set(en["fields"].values()) <= {
        "not a column of the template", "missing from the header", "named twice", "empty",
        "not text", "not CSV", "not XLSX"}
    names = sorted([*importer.NAMES, *zh["fields"], "BadZipFile", "UTF-8", "GB18030", "CSV",
                    "XLSX"], key=len, reverse=True)
    for said in (zh["message"], *zh["fields"].values()):
        assert CHINESE.search(said) and not ENGLISH.findall(without(said, names)), said
    for said in (en["message"], *en["fields"].values()):
        assert not CHINESE.search(said), said
    assert api.events() == 0


def test_a_row_refused_for_its_cells_is_said_in_the_caller_s_language(api):
    from tests.dashboard.words_check import CHINESE, ENGLISH, without

    upload(api, sheet(TEMPLATE[0]))  # its enterprise is known from now on
    rows = sheet(BAD_ROWS[0], BAD_ROWS[1], {**TEMPLATE[2], "command_id": "", "amount": "-1",
                                           "application_id": "BAD-SIGN"},
                 {**TEMPLATE[2], "command_id": "", "enterprise_id": NEW(1),
                  "enterprise_name": "Another name"})

    def report(lang: str) -> dict:
        response = api.client.post(
            "/api/v1/imports", headers=api.headers(**{"Accept-Language": lang}),
            data={"file": (io.BytesIO(rows), "awards.csv"), "dry_run": "true"},
            content_type="multipart/form-data")
        assert response.status_code == 200
        assert response.headers["Content-Language"] == ("zh-CN" if lang == "zh-CN" else "en")
        return response.json

    zh, en = report("zh-CN"), report("en")
    assert [r["status"] for r in en["results"]] == ["refused"] * 3 + ["accepted"]
    for z, e in zip(zh["results"], en["results"], strict=True):  # codes, fields, columns
        assert {k: v for k, v in z.items() if k not in ("error", "notes")} == \
               {k: v for k, v in e.items() if k not in ("error", "notes")}
        assert len(z["notes"]) == len(e["notes"])
        if e["error"] is not None:
            assert {k: z["error"][k] for k in ("code", "command", "columns")} == \
                   {k: e["error"][k] for k in ("code", "command", "columns")}
            assert list(z["error"]["fields"]) == list(e["error"]["fields"])
    # the English is what the import has always said
    first, second, third = (r["error"] for r in en["results"][:3])
    assert first["message"] == ("article: not a whole number: 'fourteen'; submitted_on: "
                                "not a date (YYYY-MM-DD): '2025-13-01'")
    assert first["fields"] == {"article": "not a whole number: 'fourteen'",
                               "submitted_on": "not a date (YYYY-MM-DD): '2025-13-01'"}
    assert second["fields"] == {"enterprise_name": "needed to register a new enterprise"}
    assert third["fields"] == {"amount": "an amount cannot be negative: '-1'"}
    assert en["results"][3]["notes"] == [
        "the enterprise is already registered: its enterprise columns were not used"]
    # the Chinese says it all in Chinese, quoting the cells as they are
    assert zh["results"][0]["error"]["fields"] == {
        "article": "不是整数：'fourteen'", "submitted_on": "不是日期（YYYY-MM-DD）：'2025-13-01'"}
    names = sorted([*importer.NAMES, "'fourteen'", "'2025-13-01'", "'-1'"], key=len,
                   reverse=True)
    said = [r["error"]["message"] for r in zh["results"][:3]] + [
        why for r in zh["results"][:3] for why in r["error"]["fields"].values()] + \
        zh["results"][3]["notes"]
    for text in said:
        assert CHINESE.search(text) and not ENGLISH.findall(without(text, names)), text
    assert applications(api) == {"HIST-2025-0001"}
