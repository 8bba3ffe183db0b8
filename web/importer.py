"""Import of historical awards from a CSV or XLSX sheet, through the contract's commands.

Each row of the sheet (docs/import-template.csv; columns below) is one award: it
becomes the commands a clerk would have entered (RegisterEnterprise when the
enterprise is new, SubmitApplication, CertifyApplication, ApproveApplication with
its tranches, then DisburseTranche and RecordEvaluation year by year) and they are
carried out through `Services.execute_json`, the one write path.

A row is all-or-nothing as far as it can be judged before it writes:

1. its cells are read and checked (dates, amounts, integers, the basis pairs);
2. its commands are *rehearsed* in order by the ledger's own decision code on the
   ledger's current state, each seeing what the earlier ones of the row did, with
   nothing saved (`Rehearsal`): a row any command of which would be refused is
   reported `refused` and writes nothing;
3. only then are its commands carried out for real, one after another.

Between 2 and 3 another writer may change the same enterprise or application (the
ledger decides each command on fresh state). If a command then fails after earlier
ones of the row were recorded, those stay recorded (the log is append-only) and the
row is reported `partial`, with the lines of what was recorded and the failure: finish
or correct it with ordinary commands; importing the row again would be refused as
`duplicate_id`. A dry run stops after step 2 and writes nothing at all.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from lifecycle.credit_code import check_character
from lifecycle.errors import Refused
from lifecycle.ledger import Rehearsal
from policies.money import AmountError, sheet_amount
from web import contract, words
from web.inputs import whole_number
from web.messages import cell_fields, cell_message, note_message
from web.schemas import load_command

TRANCHE_GROUPS = 3
SHEET = "awards"
TRANCHE_FIELDS = ("year", "amount", "paid_on", "evaluation", "evaluated_on")


@dataclass(frozen=True)
class TemplateColumn:
    name: str
    needed: str  # always | new enterprise | optional | with the tranche
    meaning: str


COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn("command_id", "optional", "your id for the row (at most 80 characters): a "
                   "sheet imported again, after a crash or by mistake, writes no row twice"),
    TemplateColumn("enterprise_id", "always", "unified social credit code (18 characters)"),
    TemplateColumn("enterprise_name", "new enterprise", "registered name"),
    TemplateColumn("size", "new enterprise", "large, medium, small or micro"),
    TemplateColumn("sectors", "optional", "sectors separated by ;"),
    TemplateColumn("registered_on", "new enterprise", "date the enterprise was registered"),
    TemplateColumn("application_id", "always", "the bureau's application number"),
    TemplateColumn("policy", "always", "policy id, e.g. tz-am-2025"),
    TemplateColumn("article", "always", "support article number"),
    TemplateColumn("item", "optional", "item key where the article has several (catalogue)"),
    TemplateColumn("project_id", "optional", "project id (default: the application id)"),
    TemplateColumn("submitted_on", "always", "date of submission"),
    TemplateColumn("requested_amount", "always", "amount requested, yuan"),
    TemplateColumn("basis", "optional", "claimed figures: name=amount; name=amount"),
    TemplateColumn("certified_on", "always", "date of certification"),
    TemplateColumn("verified_basis", "optional", "verified figures (default: basis)"),
    TemplateColumn("approved_on", "always", "date of approval"),
    TemplateColumn("amount", "optional", "amount approved (default: the tranches' sum, "
                   "else the computed maximum)"),
    *(TemplateColumn(f"tranche_{g}_{f}", "with the tranche", meaning)
      for g in range(1, TRANCHE_GROUPS + 1) for f, meaning in (
          ("year", f"year of tranche {g} (none: one tranche in the approval year)"),
          ("amount", f"amount of tranche {g}"),
          ("paid_on", f"date tranche {g} was paid (empty: not paid)"),
          ("evaluation", f"evaluation of year {g}: pass or fail (empty: none)"),
          ("evaluated_on", "date of that evaluation"))),
)
NAMES = tuple(c.name for c in COLUMNS)
REQUIRED = tuple(c.name for c in COLUMNS if c.needed == "always")
FOR_NEW_ENTERPRISE = ("enterprise_name", "size", "registered_on")
#: A row's id, with the longest step name after it, stays within a command id's 100.
ROW_ID_LENGTH = 80


def _example_code(n: int) -> str:
    body = f"91110112MAT{n:06d}"
    return body + check_character(body)


EXAMPLES: tuple[dict, ...] = (
    {"command_id": "HIST-ROW-1", "enterprise_id": _example_code(1),
     "enterprise_name": "通州示例智能装备有限公司",
     "size": "small", "sectors": "intelligent-equipment; artificial-intelligence",
     "registered_on": "2025-06-02", "application_id": "HIST-2025-0001",
     "policy": "tz-am-2025", "article": 14, "item": "industrial-event",
     "submitted_on": "2025-06-10", "requested_amount": "400000.00",
     "basis": "event_expenditure=800000.00", "certified_on": "2025-06-20",
     "verified_basis": "event_expenditure=760000.00", "approved_on": "2025-07-01",
     "amount": "380000.00", "tranche_1_year": 2025, "tranche_1_amount": "380000.00",
     "tranche_1_paid_on": "2025-08-15"},
    {"command_id": "HIST-ROW-2", "enterprise_id": _example_code(1),
     "application_id": "HIST-2025-0002",
     "policy": "tz-am-2025", "article": 10, "item": "loan-interest",
     "submitted_on": "2025-07-15", "requested_amount": "900000.00",
     "basis": "actual_interest=900000.00", "certified_on": "2025-08-01",
     "approved_on": "2025-09-01", "amount": "900000.00",
     "tranche_1_year": 2025, "tranche_1_amount": "300000.00", "tranche_1_paid_on": "2025-09-20",
     "tranche_1_evaluation": "pass", "tranche_1_evaluated_on": "2026-01-15",
     "tranche_2_year": 2026, "tranche_2_amount": "300000.00", "tranche_2_paid_on": "2026-03-10",
     "tranche_3_year": 2027, "tranche_3_amount": "300000.00"},
    {"command_id": "HIST-ROW-3", "enterprise_id": _example_code(2),
     "enterprise_name": "通州示例数字科技有限公司",
     "size": "micro", "sectors": "data-elements", "registered_on": "2025-07-01",
     "application_id": "HIST-2025-0003", "policy": "tz-am-2025", "article": 16,
     "item": "innovation-voucher", "submitted_on": "2025-09-01",
     "requested_amount": "45000.00", "basis": "contract_amount=150000.00",
     "certified_on": "2025-09-15", "approved_on": "2025-10-10",
     "tranche_1_year": 2025, "tranche_1_amount": "45000.00", "tranche_1_paid_on": "2025-11-01"},
)


#: Why a file is not the template (TemplateError.code) and what `fields` says of the
#: file (`_file`) or of a header column: codes, worded at the edge (web/messages.py).
TEMPLATE_CODES = ("header", "empty", "not_text", "not_csv", "not_xlsx")
COLUMN_PROBLEMS = ("unknown", "missing", "twice")


#: Why a row's cell cannot be used (CellProblem.code), and the notes a row may carry:
#: codes, worded at the edge (web/messages.py, `import.cell.*` and `import.note.*`).
CELL_CODES = ("not_a_date", "not_a_whole_number", "amount", "basis_form", "needed",
              "needed_new_enterprise", "too_long", "tranche_year_needed",
              "tranche_amount_needed", "evaluation_pair")
NOTE_CODES = ("enterprise_known",)


@dataclass(frozen=True)
class CellProblem:
    """What is wrong with one cell of a row: a code of CELL_CODES and the values its words
    need (`cell`: the cell's text as read; for `amount`, `reason` is the amount's own
    refusal, policies.money.AmountError, with its values)."""

    code: str
    values: dict = field(default_factory=dict)


class TemplateError(ValueError):
    """A file that cannot be read as the template: nothing of it was imported.

    Codes and values, never a sentence: `code` is one of TEMPLATE_CODES, `fields` maps a
    header column to one of COLUMN_PROBLEMS (or `_file` to the code), `values` are what
    the words need (`why`: the csv module's or openpyxl's own reason). The command line
    and the API word it in their reader's language (messages.template_message).
    """

    def __init__(self, code: str, fields: dict | None = None, **values):
        super().__init__(code)
        self.code, self.fields, self.values = code, dict(fields or {}), values


# -- the template ----------------------------------------------------------------------


def template_csv() -> bytes:
    """The template as CSV (UTF-8 with BOM): the header and the example rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(NAMES)
    for example in EXAMPLES:
        writer.writerow(["" if example.get(n) is None else example[n] for n in NAMES])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The template as XLSX: sheet `awards` (header and examples) and sheet `columns`."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(NAMES)
    for example in EXAMPLES:
        row = []
        for name in NAMES:
            value = example.get(name)
            if isinstance(value, str) and name.endswith("_on"):
                value = date.fromisoformat(value)
            row.append(value)
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    guide = book.create_sheet("columns")
    guide.append(("column", "needed", "meaning"))
    for column in COLUMNS:
        guide.append((column.name, column.needed, column.meaning))
    for cell in guide[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- reading a sheet -------------------------------------------------------------------


def _header(cells: list) -> list[str | None]:
    names = [None if c is None or str(c).strip() == "" else
             str(c).strip().lower().replace(" ", "_") for c in cells]
    unknown = [n for n in names if n is not None and n not in NAMES]
    missing = [n for n in REQUIRED if n not in names]
    twice = sorted({n for n in names if n is not None and names.count(n) > 1})
    problems = {**dict.fromkeys(unknown, "unknown"), **dict.fromkeys(missing, "missing"),
                **dict.fromkeys(twice, "twice")}
    if problems:
        raise TemplateError("header", problems)
    return names


def _rows(raw: list[tuple[int, list]]) -> list[tuple[int, dict]]:
    if not raw:
        raise TemplateError("empty", {"_file": "empty"})
    names = _header(raw[0][1])
    rows = []
    for number, cells in raw[1:]:
        row = {n: v for n, v in zip(names, cells, strict=False) if n is not None}
        if any(_text(v) is not None for v in row.values()):
            rows.append((number, row))
    return rows


def read_csv(data: bytes) -> list[tuple[int, dict]]:
    """(row number, {column: cell}) of a CSV sheet, UTF-8 (with or without BOM) or GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TemplateError("not_text", {"_file": "not_text"})
    reader = csv.reader(io.StringIO(text, newline=""))
    raw = []
    try:
        for cells in reader:
            raw.append((reader.line_num, cells))
    except csv.Error as e:
        raise TemplateError("not_csv", {"_file": "not_csv"}, why=str(e)) from None
    return _rows(raw)


def read_xlsx(data: bytes) -> list[tuple[int, dict]]:
    """(row number, {column: cell}) of the sheet `awards`, else the first sheet."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a file that is not XLSX
        raise TemplateError("not_xlsx", {"_file": "not_xlsx"},
                            why=type(e).__name__) from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        raw = [(n, list(cells)) for n, cells in
               enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    return _rows(raw)


def read_sheet(data: bytes, filename: str = "") -> list[tuple[int, dict]]:
    """The rows of a CSV or XLSX file (by its name, else by its first bytes)."""
    name = filename.lower()
    if name.endswith(".xlsx") or (not name.endswith(".csv") and data[:4] == b"PK\x03\x04"):
        return read_xlsx(data)
    return read_csv(data)


# -- reading cells ---------------------------------------------------------------------


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


class _Cells:
    """One row's cells, read by kind; every problem is kept, by column."""

    def __init__(self, row: dict):
        self.row, self.problems = row, {}

    def text(self, name: str) -> str | None:
        return _text(self.row.get(name))

    def day(self, name: str) -> str | None:
        value = self.row.get(name)
        if isinstance(value, datetime | date):
            return _text(value)
        text = _text(value)
        if text is None:
            return None
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            self.problems[name] = CellProblem("not_a_date", {"cell": text})
            return None

    def integer(self, name: str) -> int | None:
        text = _text(self.row.get(name))
        if text is None:
            return None
        number = whole_number(text)
        if number is None:
            self.problems[name] = CellProblem("not_a_whole_number", {"cell": text})
        return number

    def amount(self, name: str, value=None) -> str | None:
        """The cell's amount as the contract writes it (policies.money.sheet_amount)."""
        value = self.row.get(name) if value is None else value
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            return None
        try:
            return sheet_amount(value)
        except AmountError as e:
            self.problems[name] = CellProblem("amount", {**e.values, "reason": e.reason,
                                                         "cell": _text(value)})
            return None

    def basis(self, name: str) -> dict | None:
        text = self.text(name)
        if text is None:
            return None
        found = {}
        for part in text.replace("；", ";").replace("\n", ";").split(";"):
            if not part.strip():
                continue
            key, sep, value = part.replace("：", "=").replace(":", "=").partition("=")
            if not sep or not key.strip() or not value.strip():
                self.problems[name] = CellProblem("basis_form", {"cell": part})
                return None
            amount = self.amount(name, value.strip())
            if amount is None:
                return None
            found[key.strip()] = amount
        return found


# -- a row's commands ------------------------------------------------------------------


@dataclass
class Planned:
    """One command of a row, and which template column each of its fields came from."""

    data: dict
    columns: dict[str, str]

    def columns_of(self, fields: dict) -> list[str]:
        """The template columns an error's fields name (all of the command's, if none)."""
        if not fields:
            return list(dict.fromkeys(self.columns.values()))
        found = []
        for key in fields:
            parts = key.split(".")
            while parts and ".".join(parts) not in self.columns:
                parts.pop()
            if parts:
                found.append(self.columns[".".join(parts)])
        return list(dict.fromkeys(found))


def _tranches(cells: _Cells) -> list[dict]:
    groups = []
    for g in range(1, TRANCHE_GROUPS + 1):
        col = {f: f"tranche_{g}_{f}" for f in TRANCHE_FIELDS}
        year, amount = cells.integer(col["year"]), cells.amount(col["amount"])
        paid_on, evaluated_on = cells.day(col["paid_on"]), cells.day(col["evaluated_on"])
        evaluation = cells.text(col["evaluation"])
        if evaluation is not None:
            evaluation = evaluation.lower()
        if year is None:
            if any(v is not None for v in (amount, paid_on, evaluation, evaluated_on)):
                cells.problems.setdefault(col["year"], CellProblem("tranche_year_needed"))
            continue
        if amount is None:
            cells.problems.setdefault(col["amount"], CellProblem("tranche_amount_needed"))
        if (evaluation is None) != (evaluated_on is None):
            missing = col["evaluated_on"] if evaluated_on is None else col["evaluation"]
            cells.problems.setdefault(missing, CellProblem("evaluation_pair"))
        groups.append({"group": g, "year": year, "amount": amount, "paid_on": paid_on,
                       "evaluation": evaluation, "evaluated_on": evaluated_on, "columns": col})
    return sorted(groups, key=lambda t: t["year"])


def row_commands(row: dict, register: bool) -> tuple[list[Planned], dict[str, CellProblem]]:
    """The commands of one row (a new enterprise's registration first when `register`),
    and the problems of its cells by column (no commands when there are any)."""
    cells = _Cells(row)
    enterprise_id, application_id = cells.text("enterprise_id"), cells.text("application_id")
    policy, article = cells.text("policy"), cells.integer("article")
    submitted_on, certified_on = cells.day("submitted_on"), cells.day("certified_on")
    approved_on, registered_on = cells.day("approved_on"), cells.day("registered_on")
    requested, amount = cells.amount("requested_amount"), cells.amount("amount")
    basis, verified = cells.basis("basis"), cells.basis("verified_basis")
    tranches = _tranches(cells)
    for name in REQUIRED:
        if cells.text(name) is None:
            cells.problems.setdefault(name, CellProblem("needed"))
    if register:
        for name in FOR_NEW_ENTERPRISE:
            if cells.text(name) is None:
                cells.problems.setdefault(name, CellProblem("needed_new_enterprise"))
    row_id = cells.text("command_id")
    if row_id is not None and len(row_id) > ROW_ID_LENGTH:
        cells.problems.setdefault("command_id", CellProblem("too_long",
                                                            {"length": ROW_ID_LENGTH}))
    if cells.problems:
        return [], cells.problems
    planned = []
    if register:
        sectors = (cells.text("sectors") or "").replace("；", ";").replace(",", ";")
        planned.append(Planned(
            {"type": "RegisterEnterprise", "at": registered_on, "enterprise_id": enterprise_id,
             "name": cells.text("enterprise_name"), "size": cells.text("size"),
             "sectors": [s.strip() for s in sectors.split(";") if s.strip()]},
            {"enterprise_id": "enterprise_id", "name": "enterprise_name", "size": "size",
             "sectors": "sectors", "at": "registered_on"}))
    submit = {"type": "SubmitApplication", "at": submitted_on, "application_id": application_id,
              "enterprise_id": enterprise_id, "policy": policy, "article": article,
              "basis": basis or {}, "requested_amount": requested}
    for name in ("item", "project_id"):
        if cells.text(name) is not None:
            submit[name] = cells.text(name)
    planned.append(Planned(submit, {n: n for n in (
        "application_id", "enterprise_id", "policy", "article", "item", "project_id", "basis",
        "requested_amount")} | {"at": "submitted_on"}))
    planned.append(Planned(
        {"type": "CertifyApplication", "at": certified_on, "application_id": application_id,
         "basis": verified if verified is not None else (basis or {})},
        {"application_id": "application_id", "at": "certified_on",
         "basis": "verified_basis" if verified is not None else "basis"}))
    approve = {"type": "ApproveApplication", "at": approved_on, "application_id": application_id}
    approve_columns = {"application_id": "application_id", "at": "approved_on",
                       "amount": "amount"}
    if amount is not None:
        approve["amount"] = amount
    if tranches:
        approve["tranches"] = [{"year": t["year"], "amount": t["amount"]} for t in tranches]
        approve_columns["tranches"] = tranches[0]["columns"]["year"]
        for i, t in enumerate(tranches):
            approve_columns[f"tranches.{i}"] = t["columns"]["year"]
            approve_columns[f"tranches.{i}.year"] = t["columns"]["year"]
            approve_columns[f"tranches.{i}.amount"] = t["columns"]["amount"]
    planned.append(Planned(approve, approve_columns))
    for t in tranches:
        col = t["columns"]
        if t["paid_on"] is not None:
            planned.append(Planned(
                {"type": "DisburseTranche", "at": t["paid_on"], "application_id": application_id,
                 "year": t["year"]},
                {"application_id": "application_id", "year": col["year"], "at": col["paid_on"]}))
        if t["evaluation"] is not None:
            planned.append(Planned(
                {"type": "RecordEvaluation", "at": t["evaluated_on"],
                 "application_id": application_id, "year": t["year"],
                 "result": t["evaluation"], "note": "imported from the award history"},
                {"application_id": "application_id", "year": col["year"],
                 "result": col["evaluation"], "at": col["evaluated_on"]}))
    if row_id is not None:  # each command of the row runs once, however often it is imported
        for p in planned:
            step = p.data["type"] + (f":{p.data['year']}" if "year" in p.data else "")
            p.data["command_id"] = f"{row_id}/{step}"
            p.columns["command_id"] = "command_id"
    return planned, {}


# -- the report ------------------------------------------------------------------------


@dataclass
class RowResult:
    row: int
    status: str  # imported | accepted (dry run) | refused | partial
    enterprise_id: str | None
    application_id: str | None
    commands: list[str] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    error: dict | None = None
    notes: list[str] = field(default_factory=list)
    #: The codes behind a cells' error and the notes (not in the JSON, which has their
    #: words): what `print_report` words for its reader.
    problems: dict[str, CellProblem] = field(default_factory=dict)
    note_codes: list[str] = field(default_factory=list)

    def note(self, code: str) -> None:
        """Note `code` (NOTE_CODES), in the words of the reader now."""
        self.note_codes.append(code)
        self.notes.append(note_message(code))

    def to_dict(self) -> dict:
        return {"row": self.row, "status": self.status, "enterprise_id": self.enterprise_id,
                "application_id": self.application_id, "commands": self.commands,
                "lines": self.lines, "error": self.error, "notes": self.notes}


@dataclass
class ImportReport:
    source: str
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        """Every row imported (or, in a dry run, accepted)."""
        return all(r.status in ("imported", "accepted") for r in self.results)

    def to_dict(self) -> dict:
        return {"source": self.source, "dry_run": self.dry_run, "rows": len(self.results),
                "imported": self.count("imported"), "accepted": self.count("accepted"),
                "refused": self.count("refused"), "partial": self.count("partial"),
                "results": [r.to_dict() for r in self.results]}


def _error(code: str, message: str, fields: dict, command: str | None,
           columns: list[str]) -> dict:
    return {"code": code, "message": message, "command": command, "fields": fields,
            "columns": columns}


def _line_error(line: dict, planned: Planned) -> dict:
    e = line["error"]
    return _error(e["code"], e["message"], e["fields"], line.get("command"),
                  planned.columns_of(e["fields"]))


# -- importing -------------------------------------------------------------------------


def _rehearse(rehearsal: Rehearsal, planned: list[Planned], actor: str,
              result: RowResult) -> bool:
    """Rehearse the row's commands in order; False (and the error) at the first refusal."""
    try:
        commands = [load_command(p.data, actor=actor) for p in planned]
    except Refused as refused:  # the row's cells read, but not as a command
        bad = next(p for p in planned if _unreadable(p, actor))
        result.status, result.error = "refused", _line_error(
            contract.refused_line(bad.data["type"], refused), bad)
        return False
    lines = [contract.line(o) for o in rehearsal.run(commands, together=True)]
    if not lines[-1]["ok"]:
        result.status, result.error = "refused", _line_error(lines[-1], planned[len(lines) - 1])
        result.lines = []
        return False
    result.lines = lines
    return True


def _unreadable(planned: Planned, actor: str) -> bool:
    try:
        load_command(planned.data, actor=actor)
    except Refused:
        return True
    return False


def _judge_and_import(services, rehearsal: Rehearsal, number: int, row: dict, actor: str,
                      dry_run: bool) -> RowResult:
    cells = _Cells(row)
    result = RowResult(number, "refused", cells.text("enterprise_id"),
                       cells.text("application_id"))
    enterprise_id = result.enterprise_id
    register = bool(enterprise_id) and not rehearsal.knows_enterprise(enterprise_id)
    if enterprise_id and not register and any(cells.text(n) for n in FOR_NEW_ENTERPRISE):
        result.note("enterprise_known")
    planned, problems = row_commands(row, register)
    if problems:  # worded for the reader now, as contract.error words a refusal
        result.problems = problems
        result.error = _error("invalid_command", cell_message(problems), cell_fields(problems),
                              None, list(problems))
        return result
    result.commands = [p.data["type"] for p in planned]
    if not _rehearse(rehearsal, planned, actor, result):
        return result
    if dry_run:
        result.status = "accepted"
        return result
    # The row's commands are saved in one transaction, or not at all: a writer who
    # changed the same records since the rehearsal makes the row refused, never half-written.
    lines = services.execute_together([load_command(p.data, actor=actor) for p in planned])
    if not lines[-1]["ok"] or len(lines) < len(planned):
        result.status, result.lines = "refused", []
        result.error = _line_error(lines[-1], planned[len(lines) - 1])
        return result
    result.lines = lines
    result.status = "imported"
    return result


def import_rows(services, rows: list[tuple[int, dict]], actor: str, source: str = "",
                dry_run: bool = False, ids: str | None = None) -> ImportReport:
    """Judge and import each row in order (see the module's docstring). `ids`: a row
    without a command id of its own gets `IDS/ROW` (an upload's Idempotency-Key)."""
    report = ImportReport(source, dry_run)
    shared = Rehearsal(services.ledger)  # a dry run: later rows see earlier accepted ones
    for number, row in rows:
        if ids is not None and _text(row.get("command_id")) is None:
            row = {**row, "command_id": f"{ids}/{number}"}
        rehearsal = shared if dry_run else Rehearsal(services.ledger)
        report.results.append(_judge_and_import(services, rehearsal, number, row, actor,
                                                dry_run))
    return report


def import_bytes(services, data: bytes, filename: str, actor: str,
                 dry_run: bool = False, ids: str | None = None) -> ImportReport:
    """Import an uploaded sheet; TemplateError when it cannot be read as the template."""
    return import_rows(services, read_sheet(data, filename), actor, filename, dry_run, ids)


def import_file(services, path, actor: str, dry_run: bool = False) -> ImportReport:
    """Import the sheet at `path` (.csv or .xlsx) as `actor`: the report of every row.

    Raises TemplateError when the file cannot be read as the template (nothing is
    imported then) and OSError when it cannot be read at all.
    """
    path = Path(path)
    return import_bytes(services, path.read_bytes(), path.name, actor, dry_run)


def print_report(report: ImportReport, out, who: words.Reader | None = None) -> None:
    """A short human summary of a report, in the reader's words (`import.report.*` of the
    catalogues): the totals, then each row not imported."""
    who = who or words.reader()
    r = report.to_dict()
    verb = words.text("import.report.verb." + ("accepted" if report.dry_run else "imported"),
                      who.lang)
    out.write(words.text("import.report.summary", who.lang, source=r["source"], rows=r["rows"],
                         done=r["imported"] + r["accepted"], verb=verb, refused=r["refused"],
                         partial=r["partial"]) + "\n")
    for row in report.results:
        if row.error is not None:
            e = row.error
            out.write("  " + words.text(
                "import.report.row", who.lang, row=row.row,
                status=words.label("import.report.status", row.status, who.lang),
                command=e["command"] or words.text("import.report.cells", who.lang),
                code=e["code"], message=(cell_message(row.problems, who) if row.problems
                                         else e["message"]),
                where=words.listing(e["columns"], who) if e["columns"] else "-") + "\n")
