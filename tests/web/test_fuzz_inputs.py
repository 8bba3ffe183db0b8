"""Random JSON values and random sheets against the command loader and the import reader
(hypothesis), issue 15.

For any input, deep, huge, odd or plain:
- the answer is a success or a refusal of the contract: a known code, a message, and for
  `invalid_command` the fields named (each one a field of the input, of the command, or
  `_line`/`_schema` for the text or the object as a whole);
- a refused input writes nothing: the store's events before and after are counted, and
  a success wrote exactly the events its line names;
- every answer can be written out as UTF-8 JSON (the line `grants apply` prints), one
  line to any reader.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lifecycle.errors import CODES
from tests.builders import approve, certify, credit_code, disburse, evaluate, register, submit
from tests.conftest import TEST_CLOCK
from web import importer
from web.cli import apply_lines
from web.inputs import MAX_DEPTH, UnreadableInput, read_json
from web.schemas import SCHEMAS
from web.services import Services

#: GRANTS_FUZZ_INPUT_EXAMPLES raises the examples per test (default 300) for a longer hunt.
SETTINGS = settings(max_examples=int(os.environ.get("GRANTS_FUZZ_INPUT_EXAMPLES", "300")),
                    deadline=None, database=None, suppress_health_check=list(HealthCheck))
WHOLE = {"_line", "_schema", "type"}
KNOWN = {name for schema in SCHEMAS.values() for name in schema.fields} | WHOLE

ODD_STRINGS = [
    "", " ", "\u0000null", "\u200b", "\u202eevil", "a\nb", "\ufeff", "²", "１０００", " 100 ",
    "100.", "1E+2", "-5", "1,000", "NaN", "Infinity", "0x10", "1_000", "9" * 60, "A/1",
    "../etc", "=1+2", "@SUM(A1)", "通州示例有限公司", "😀", "\u0301", "null", "true", "[]",
    "{}", "2025-06-10", "20250610", "2025-02-30", "9999-12-31", "tz-am-2025", "pass",
    "small", "event_expenditure", credit_code(1), credit_code(9), "A-1", "A-2", "x" * 400,
]
strings = st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=30))
leaves = st.one_of(
    st.none(), st.booleans(), strings,
    st.integers(min_value=-(10 ** 39), max_value=10 ** 39),
    st.sampled_from([0, 1, 14, 2025, 10 ** 15, -1, 2 ** 63]),
    st.floats(allow_nan=True, allow_infinity=True),
)
json_values = st.recursive(
    leaves, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                    st.dictionaries(strings, inner, max_size=4)),
    max_leaves=12)

#: Valid commands on the seeded history, for mutation into nearly valid ones.
SEED = [register(1), submit("A-1", 1), certify("A-1"), approve("A-1"),
        submit("A-2", 1, requested="300000", at="2025-08-01")]
TEMPLATES = [
    register(2), register(3, name="Third Co."), submit("A-3", 1), certify("A-2"),
    approve("A-2", at="2025-09-01"), disburse("A-1", 2025), evaluate("A-1", 2025),
    {"type": "RecordDishonesty", "at": "2025-06-05", "enterprise_id": credit_code(1),
     "note": "a record"},
    {"type": "RejectApplication", "at": "2025-09-01", "application_id": "A-2",
     "reason": "incomplete"},
    {"type": "RevokeAward", "at": "2025-09-01", "application_id": "A-1", "reason": "false"},
    {"type": "RecordRepayment", "at": "2025-09-02", "application_id": "A-1", "amount": "1"},
    approve("A-2", at="2025-09-01", tranches=[{"year": 2025, "amount": "300000"}]),
]


def fresh(draw) -> list[dict]:
    """Commands that succeed on the seeded history, on ids not used before."""
    n = draw(st.integers(10, 10 ** 6))
    return [register(n), submit(f"F-{n}", 1, requested="1000"),
            {"type": "RecordDishonesty", "at": "2025-06-05", "enterprise_id": credit_code(1),
             "note": f"record {n}"}]


@st.composite
def commands(draw):
    """A valid command with a field replaced, dropped or added; or any JSON value at all."""
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    command = dict(draw(st.sampled_from(TEMPLATES + fresh(draw))))
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.one_of(st.sampled_from(sorted(command)), strings))
        how = draw(st.sampled_from(["replace", "replace", "drop", "nest"]))
        if how == "drop":
            command.pop(key, None)
        elif how == "nest":
            command[key] = {"basis": [command.get(key)]}
        else:
            command[key] = draw(json_values)
    return command


@pytest.fixture(scope="module")
def services():
    with tempfile.TemporaryDirectory() as tmp, \
            closing(Services(Path(tmp) / "var", clock=TEST_CLOCK)) as s:
        for command in SEED:
            assert s.execute_json(command)["ok"], command
        yield s


def events(services) -> int:
    return services.ledger.recorder.max_notification_id() or 0


def check_answer(answer: dict, given: object) -> None:
    """A contract line: success, or a refusal with its code, message and named fields."""
    json.dumps(answer, ensure_ascii=False).encode("utf-8")  # it can be printed
    assert isinstance(answer["ok"], bool)
    event("ok" if answer["ok"] else answer["error"]["code"])
    if answer["ok"]:
        assert answer["events"], answer
        return
    error = answer["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] in CODES and isinstance(error["message"], str)
    if error["code"] == "invalid_command":
        assert error["fields"], answer
        keys = {str(k) for k in given} if isinstance(given, dict) else set()
        for name in error["fields"]:  # an unknown key is named as given, dots and all
            assert name in keys or name.split(".")[0] in KNOWN | keys, (name, given)


@SETTINGS
@given(data=commands())
def test_any_json_value_is_a_success_or_a_refusal_naming_the_field(services, data):
    before = events(services)

    answer = services.execute_json(data)

    check_answer(answer, data)
    written = events(services) - before
    assert written == (len(answer["events"]) if answer["ok"] else 0), answer


KEYS = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')


def key(escaped: str) -> str:
    try:
        return json.loads(f'"{escaped}"')
    except ValueError:
        return escaped


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


hostile_lines = st.one_of(
    commands().map(lambda v: json.dumps(v, ensure_ascii=False)),
    commands().map(json.dumps),
    st.integers(MAX_DEPTH - 2, 3000).map(nested),
    st.integers(1, 6000).map(lambda n: '{"type": "DisburseTranche", "year": ' + "7" * n + "}"),
    st.sampled_from(['{"amount": NaN}', '{"name": "\\ud800"}', '{"type": "X", "at": ',
                     "[" * 100_000, '{"basis": ' + '{"a": ' * 5000, "\u0000", "null", "[]",
                     '{"type": "RegisterEnterprise"}', "1e400", '"' + "x" * 5000,
                     '{"type": "\\udc80", "basis": ' + nested(40) + "}",
                     '{"\\ud800": 1}', '{"type": "SubmitApplication", "x\u2028": ' + nested(20)
                     + "}"]),
    st.text(max_size=50).filter(lambda t: "\n" not in t and "\r" not in t),
)


@SETTINGS
@given(lines=st.lists(hostile_lines, min_size=1, max_size=6))
def test_any_lines_of_grants_apply_each_answer_one_line_and_refusals_write_nothing(
        services, lines):
    source = [line.replace("\n", " ").replace("\r", " ") + "\n" for line in lines]
    out = io.StringIO()
    before = events(services)

    apply_lines(services, source, out)

    # One line each, by "\n"; and by any reader's idea of a line break (dumps escapes them).
    assert out.getvalue().splitlines() == out.getvalue().split("\n")[:-1]
    answers = [json.loads(line) for line in out.getvalue().split("\n")[:-1]]
    assert len(answers) == len([line for line in source if line.strip()])
    given_values = []
    for line in source:
        if line.strip():
            try:
                given_values.append(read_json(line))
            except UnreadableInput:  # the keys it holds, as far as they can be seen
                given_values.append(dict.fromkeys(key(k) for k in KEYS.findall(line)))
    for answer, given_value in zip(answers, given_values, strict=True):
        check_answer(answer, given_value)
    assert events(services) - before == sum(len(a["events"]) for a in answers if a["ok"])


# -- the import reader -----------------------------------------------------------------

CELLS = st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=12),
                  st.sampled_from(["380000.00", "1,440,000", "2025", "2025-07-01", "14",
                                   "industrial-event", "event_expenditure=800000", "pass"]))


def sheet(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@st.composite
def sheets(draw) -> bytes:
    """The template's header (mostly) and rows: an example row with cells replaced."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=300))
    header = list(importer.NAMES)
    if draw(st.integers(0, 5)) == 0:
        header[draw(st.integers(0, len(header) - 1))] = draw(strings)
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        example = dict(draw(st.sampled_from(importer.EXAMPLES)))
        n = draw(st.integers(10, 10 ** 6))  # a new award of a new enterprise, mostly
        example.update(application_id=f"FZ-{n}", enterprise_id=credit_code(n),
                       enterprise_name=f"Fuzz {n}", size="small", registered_on="2025-06-02")
        row = ["" if example.get(n) is None else str(example[n]) for n in importer.NAMES]
        for _ in range(draw(st.integers(0, 3))):
            row[draw(st.integers(0, len(row) - 1))] = draw(CELLS)
        rows.append(row)
    return sheet(header, rows)


@SETTINGS
@given(data=sheets())
def test_any_sheet_is_read_or_refused_and_a_refused_row_writes_nothing(services, data):
    try:
        rows = importer.read_csv(data)
    except importer.TemplateError as refused:
        assert refused.fields and refused.code in importer.TEMPLATE_CODES
        return
    before = events(services)

    report = importer.import_rows(services, rows, "fuzz")

    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
    for result in report.results:
        assert result.status in ("imported", "refused")
        event(result.status)
        if result.status == "refused":
            assert result.error["code"] in CODES and result.lines == []
            if result.error["code"] == "invalid_command":
                assert result.error["fields"] or result.error["columns"], result
    imported = sum(len(line["events"]) for r in report.results if r.status == "imported"
                   for line in r.lines if not line.get("replayed"))
    written = services.ledger.recorder.select_notifications(before + 1, 10**6)
    # A row with a command id leaves a record beside each of its commands' events.
    records = sum(1 for n in written if n.topic.endswith("CommandRecorded"))
    assert events(services) - before == imported + records
