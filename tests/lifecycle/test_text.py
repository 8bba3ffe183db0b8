"""The one text rule and the id rule (lifecycle/text.py), issue 15.

Names, notes and reasons are printable text, trimmed, not empty, bounded; new ids are a
safe alphabet. The ledger checks every command, whoever built it (a command made in
Python skips the schemas); the schemas check first and name the same field.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle import commands as c
from lifecycle import text
from lifecycle.enterprise import enterprise_uuid
from tests.builders import approve, certify, credit_code, disburse, evaluate, register, submit
from tests.lifecycle.test_errors import refused, succeed
from web import contract

BAD_NAMES = [
    ("\u0000null", "character_not_allowed"),  # the name that broke the XLSX export
    ("\u200b", "character_not_allowed"),  # one zero-width space
    ("\u202eevil.exe", "character_not_allowed"),  # a right-to-left override
    ("Left\u2066isolate\u2069", "character_not_allowed"),
    ("two\nlines", "character_not_allowed"),
    ("tab\there", "character_not_allowed"),
    ("a\u2028b", "character_not_allowed"),  # a line separator
    ("\ufeffBOM", "character_not_allowed"),
    ("bell\x07", "character_not_allowed"),
    ("del\x7f", "character_not_allowed"),
    ("c1\x85x", "character_not_allowed"),
    ("\ud800", "character_not_allowed"),  # half a surrogate pair
    ("\ufdd0x", "character_not_allowed"),  # a noncharacter
    ("", "empty"), ("   ", "empty"), ("\u3000", "empty"),  # ideographic space
    ("\u200d", "nothing_visible"), ("\u0301", "nothing_visible"),
    ("x" * 301, "too_long"),
]
GOOD_NAMES = ["Example Tech Co.", "通州示例智能装备有限公司", "  trimmed  ", "北京 · 通州",
              "Café Müller GmbH", "\ue000 private use", "family 👨\u200d👩\u200d👧",
              "x" * 300]


@pytest.mark.parametrize(("name", "reason"), BAD_NAMES)
def test_a_name_that_is_not_printable_text_is_refused_with_its_reason(name, reason):
    assert text.text_problem(name, text.NAME)[0] == reason


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_printable_names_are_text(name):
    assert text.text_problem(name, text.NAME) is None


def test_notes_and_reasons_may_hold_line_breaks_but_names_may_not():
    assert text.text_problem("first line\nsecond line\r\n\tindented", text.NOTE) is None
    assert text.text_problem("first line\nsecond", text.NAME)[0] == "character_not_allowed"
    assert text.text_problem("\u202e", text.NOTE)[0] == "character_not_allowed"


@pytest.mark.parametrize(("given", "reason"), [
    ("A/1", "id_characters"), ("../x", "id_characters"), ("A 1", "id_characters"),
    ("A?1", "id_characters"), ("A%2F1", "id_characters"), ("通州-1", "id_characters"),
    ("A\u00001", "id_characters"), (".hidden", "id_start"), ("-1", "id_start"),
    ("", "empty"), ("A" * 101, "too_long"),
])
def test_a_new_id_outside_the_safe_alphabet_is_refused(given, reason):
    assert text.id_problem(given)[0] == reason


@pytest.mark.parametrize("given", ["A-1", "TZ-2025-0000001", "HIST_2025.0001", "a" * 100])
def test_ids_of_letters_digits_dashes_underscores_and_dots_are_ids(given):
    assert text.id_problem(given) is None


# -- through the ledger, as `grants apply` runs a command -------------------------------


@pytest.mark.parametrize(("name", "reason"), BAD_NAMES[:6])
def test_registering_a_name_that_breaks_the_rule_is_refused_naming_name(ledger, name, reason):
    error = refused(ledger, register(1, name=name), "invalid_command")

    assert list(error["fields"]) == ["name"]  # and nothing was written: `refused` checks


def test_a_command_built_in_python_skips_the_schemas_but_not_the_ledger(ledger):
    before = ledger.recorder.max_notification_id()

    outcome = ledger.execute(c.RegisterEnterprise(
        at=date(2025, 6, 2), enterprise_id=credit_code(1), name="\u0000null", size="small"))

    line = contract.line(outcome)
    assert line["error"]["code"] == "invalid_command"
    assert line["error"]["fields"] == {"name": "character U+0000 is not allowed"}
    assert line["error"]["message"] == ("name: holds U+0000, a control, direction or "
                                        "invisible formatting character")
    assert ledger.recorder.max_notification_id() == before


@pytest.mark.parametrize(("command", "field"), [
    (c.RegisterEnterprise(at=date(2025, 6, 2), enterprise_id=credit_code(1), name="ok",
                          size="small", sectors=["fine", "\u202e"]), "sectors.1"),
    (c.RecordDishonesty(at=date(2025, 6, 2), enterprise_id=credit_code(1), note="\u200b"),
     "note"),
    (c.RejectApplication(at=date(2025, 6, 2), application_id="A-1", reason=" \n "), "reason"),
    (c.RevokeAward(at=date(2025, 6, 2), application_id="A-1", reason="x" * 2001), "reason"),
    (c.RecordEvaluation(at=date(2025, 6, 2), application_id="A-1", year=2025, result="pass",
                        note="\x00"), "note"),
    (c.RecordRepayment(at=date(2025, 6, 2), application_id="A-1", amount=1, note="\u2066"),
     "note"),
    (c.SubmitApplication(at=date(2025, 6, 2), application_id="A/1",
                         enterprise_id=credit_code(1), policy="tz-am-2025", article=14,
                         requested_amount=1), "application_id"),
    (c.SubmitApplication(at=date(2025, 6, 2), application_id="A-1", project_id="P 1",
                         enterprise_id=credit_code(1), policy="tz-am-2025", article=14,
                         requested_amount=1), "project_id"),
    (c.RegisterEnterprise(at=date(2025, 6, 2), enterprise_id=credit_code(1), name="ok",
                          size="small", actor="\u202eclerk"), "actor"),
])
def test_every_text_field_of_every_command_is_checked_by_the_ledger(ledger, command, field):
    before = ledger.recorder.max_notification_id()

    line = contract.line(ledger.execute(command))

    assert line["error"]["code"] == "invalid_command"
    assert list(line["error"]["fields"]) == [field]
    assert ledger.recorder.max_notification_id() == before


def test_an_application_id_with_a_slash_is_refused_so_it_can_always_be_opened(ledger):
    succeed(ledger, register(1))

    error = refused(ledger, submit("A/1", 1), "invalid_command")

    assert list(error["fields"]) == ["application_id"]
    assert "/" in error["fields"]["application_id"]


def test_names_and_reasons_are_stored_trimmed(ledger):
    succeed(ledger, register(1, name="  Example Tech Co.  "))

    assert ledger.repository.get(enterprise_uuid(credit_code(1))).name == "Example Tech Co."


def test_an_evaluation_or_a_repayment_may_come_without_a_note(ledger):
    succeed(ledger, register(1), submit("A-1", 1), certify("A-1"), approve("A-1"),
            disburse("A-1", 2025))

    line = succeed(ledger, {**evaluate("A-1", 2025), "note": "   "})

    assert line["events"] == ["EvaluationRecorded"]


# -- what the API's document can state of the rule --------------------------------------

ODD = st.sampled_from(["\u0000", "\n", "\t", "\r", "\x1c", "\x85", "\u2028", "\u202e", "\u200b",
                       "\u200d", "\ufeff", "\u3000", " ", "\u0301", "\ufdd0", "\uffff", "a",
                       "通", "😀", "\U000e0001"])
TEXTS = st.one_of(st.text(max_size=12), st.lists(ODD, max_size=8).map("".join))


@settings(max_examples=500, deadline=None, database=None)
@given(value=TEXTS, kind=st.sampled_from([text.NAME, text.NOTE]), optional=st.booleans())
def test_every_string_outside_the_json_schema_is_refused_by_the_rule(value, kind, optional):
    schema = text.json_schema(kind, optional)
    inside = (re.match(schema["pattern"], value) is not None
              and len(value) <= schema["maxLength"] and len(value) >= schema.get("minLength", 0))

    if text.text_problem(value, kind, optional) is None:
        assert inside, value


@settings(max_examples=300, deadline=None, database=None)
@given(code=st.one_of(st.text(max_size=20), st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                                   min_size=18, max_size=18)))
def test_every_credit_code_outside_the_documented_pattern_is_refused(code):
    from lifecycle import credit_code

    if credit_code.problem(code) is None:
        assert re.match(credit_code.PATTERN, code)
