"""The limits of JSON input (web/inputs.py), issue 15: every text is read or refused naming
the field, before Python's recursion or its integer conversion could fail."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.builders import register
from web import inputs
from web.contract import InputRefused
from web.inputs import MAX_DEPTH, Oversized, UnreadableInput, read_json, whole_number
from web.schemas import load_command


def refusal(text, **kwargs) -> UnreadableInput:
    with pytest.raises(UnreadableInput) as refused:
        read_json(text, **kwargs)
    assert refused.value.code == "invalid_command"
    return refused.value


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def test_json_within_the_limits_is_read_as_json():
    line = json.dumps({"type": "ApproveApplication", "tranches": [{"year": 2025}],
                       "name": "通州 😀", "n": 10 ** 30, "x": 1.5})

    assert read_json(line) == json.loads(line)


def test_the_deepest_nesting_allowed_is_read():
    assert read_json(nested(MAX_DEPTH)) == json.loads(nested(MAX_DEPTH))


def test_one_level_deeper_is_refused():
    assert refusal(nested(MAX_DEPTH + 1)).fields == {
        "_line": f"nested more than {MAX_DEPTH} levels deep"}


def test_100000_nested_arrays_are_refused_without_a_recursion_error():
    limit = sys.getrecursionlimit()

    refused = refusal(nested(100_000))

    assert refused.fields == {"_line": f"nested more than {MAX_DEPTH} levels deep"}
    assert refused.command is None
    assert sys.getrecursionlimit() == limit


def test_5000_objects_inside_basis_are_refused_naming_basis_and_the_command():
    line = ('{"type": "SubmitApplication", "application_id": "A-1", "basis": '
            + '{"a": ' * 5000 + "1" + "}" * 5000 + "}")

    refused = refusal(line)

    assert list(refused.fields) == ["basis"]
    assert refused.command == "SubmitApplication"


def test_brackets_inside_strings_do_not_count():
    line = json.dumps({"type": "RegisterEnterprise", "name": "[" * 1000 + "{" * 1000})

    assert read_json(line)["name"] == "[" * 1000 + "{" * 1000


def test_a_deep_item_of_a_batch_is_named_by_its_index_and_key():
    body = json.dumps([{"type": "A"}, {"type": "B", "basis": {}}])
    body = body.replace('"basis": {}', '"basis": ' + nested(50, "{}"))

    assert list(refusal(body, where="_body", batch=True).fields) == ["1.basis"]
    assert list(refusal(body).fields) == ["_line"]  # a line holds one command, not a batch


@pytest.mark.parametrize("number", ["1" * 5000, "-" + "9" * 41, "1e400", "-1e400",
                                    "0." + "1" * 60])
def test_a_number_too_long_or_too_large_to_hold_is_refused_naming_its_field(number):
    refused = refusal('{"type": "DisburseTranche", "year": ' + number + "}")

    assert list(refused.fields) == ["year"]
    assert refused.command == "DisburseTranche"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant):
    assert list(refusal('{"amount": ' + constant + "}").fields) == ["amount"]


def test_half_a_surrogate_pair_is_refused_and_a_whole_pair_is_read():
    assert refusal('{"name": "\\ud800x"}').fields == {"name": "character U+D800 is not allowed"}
    assert read_json('{"name": "\\ud83d\\ude00"}') == {"name": "😀"}
    assert read_json('{"name": "\\\\ud800"}') == {"name": "\\ud800"}  # an escaped backslash


def test_half_a_surrogate_pair_never_reaches_the_answer_as_a_key_or_a_type():
    deep = nested(MAX_DEPTH + 1)
    for line in ('{"type": "\\udc80", "basis": ' + deep + "}",
                 '{"\\udc80": 1, "basis": ' + deep + "}", '{"\\udc80": NaN}'):
        refused = refusal(line)
        assert refused.command is None
        json.dumps({"command": refused.command, "fields": refused.fields},
                   ensure_ascii=False).encode("utf-8")


def test_a_text_longer_than_the_limit_is_refused_whole():
    refused = refusal(json.dumps({"name": "x" * 200}), max_chars=100)

    assert list(refused.fields) == ["_line"]
    assert read_json(json.dumps({"name": "x"}) + "\n", max_chars=13) == {"name": "x"}


def test_what_is_not_json_is_answered_as_the_contract_says():
    refused = refusal('{"type": "SubmitApplication", "at": ')

    assert refused.fields == {"_line": "not JSON"}
    assert refused.message.startswith("not JSON: Expecting value at column")


def test_bytes_that_are_not_utf8_are_refused():
    assert refusal(b'{"name": "\xff"}', where="_body").fields == {"_body": "not UTF-8"}


def test_lines_are_read_with_a_bound_and_a_longer_one_is_skipped_whole():
    source = io.StringIO("short\n" + "x" * 250_000 + "\nafter\nlast")

    got = list(inputs.lines(source, max_chars=1000))

    assert got[0] == "short\n" and got[2:] == ["after\n", "last"]
    assert isinstance(got[1], Oversized) and len(got[1]) == 250_000
    assert got[1].refusal(1000).fields == {"_line": "more than 1000 characters"}


def test_a_line_of_exactly_the_limit_is_a_line():
    assert list(inputs.lines(io.StringIO("x" * 10 + "\n" + "y" * 10), max_chars=10)) == [
        "x" * 10 + "\n", "y" * 10]


@pytest.mark.parametrize(("given", "read"), [
    ("7", 7), ("2025", 2025), ("000123", 123), ("²", None), ("٣", None), (" 7", None),
    ("7\x0b", None), ("1_000", None), ("-1", None), ("+1", None), ("", None),
    ("1" * 5000, None), ("1" * 10, None), (7, None), (None, None),
])
def test_a_whole_number_is_ascii_digits_only(given, read):
    assert whole_number(given) == read


@pytest.mark.parametrize("at", ["20250602", "2025-W23-1", "2025-153", "２０２５-06-02",
                                " 2025-06-02", "2025-06-02T00:00", "1899-12-31", "3000-01-01",
                                20250602])
def test_a_business_date_is_an_iso_calendar_date_and_nothing_else(at):
    with pytest.raises(InputRefused) as refused:
        load_command(register(1, at=at))
    assert list(refused.value.fields) == ["at"]
