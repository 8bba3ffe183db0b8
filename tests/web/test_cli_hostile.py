"""`grants apply` on hostile lines (issue 15), as a real process on SQLite and PostgreSQL.

One line nested 100,000 deep used to print a traceback and nothing else, exit 1, and
leave the valid lines around it unrun (0 events). Now every line answers its own JSON
line, the refused ones `invalid_command` naming the field, and the batch goes on.
"""

from __future__ import annotations

import json
from contextlib import closing

import pytest

from tests.builders import register
from tests.web.test_cli import APPROVE, CERTIFY, REGISTER, SUBMIT, grants, json_lines, write_batch
from web.inputs import MAX_LINE

DEEP_ARRAYS = "[" * 100_000 + "]" * 100_000
DEEP_BASIS = json.dumps(SUBMIT).replace('{"event_expenditure": "800000"}',
                                        '{"a": ' * 5000 + "1" + "}" * 5000)
HUGE_NUMBER = json.dumps(dict(SUBMIT, article=0)).replace('"article": 0', '"article": '
                                                          + "1" * 5000)


def events(event_store) -> int:
    with closing(event_store.ledger()) as ledger:
        return ledger.recorder.max_notification_id() or 0


@pytest.mark.parametrize(("hostile", "field", "command"), [
    (DEEP_ARRAYS, "_line", None),
    (DEEP_BASIS, "basis", "SubmitApplication"),
    (HUGE_NUMBER, "article", "SubmitApplication"),
    ('{"type": "RegisterEnterprise", "name": "\\ud800"}', "name", "RegisterEnterprise"),
    ('{"type": "SubmitApplication", "requested_amount": NaN}', "requested_amount",
     "SubmitApplication"),
])
def test_a_hostile_line_answers_invalid_command_and_the_lines_around_it_run(
        event_store, tmp_path, hostile, field, command):
    path = write_batch(tmp_path, REGISTER, hostile, SUBMIT, CERTIFY, APPROVE)

    done = grants(event_store, "apply", str(path))

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = json_lines(done.stdout)
    assert [line["ok"] for line in lines] == [True, False, True, True, True]
    assert lines[1]["command"] == command
    assert lines[1]["error"]["code"] == "invalid_command"
    assert list(lines[1]["error"]["fields"]) == [field]
    assert lines[4]["amount"] == "380000.00"
    assert events(event_store) > 0


def test_a_line_longer_than_the_limit_is_refused_unread_and_the_next_lines_run(
        event_store, tmp_path):
    huge = json.dumps(dict(REGISTER, name="x" * (MAX_LINE + 10)))
    path = write_batch(tmp_path, huge, REGISTER)

    done = grants(event_store, "apply", str(path))

    first, second = json_lines(done.stdout)
    assert first["command"] is None
    assert first["error"]["fields"] == {"_line": f"more than {MAX_LINE} characters"}
    assert second["ok"] is True


def test_names_with_control_or_direction_characters_are_refused_by_field(event_store):
    lines = [dict(register(n), name=name) for n, name in enumerate(
        ["\u0000null", "\u200b", "\u202eevil", "two\nlines", "Fine Co."], start=1)]

    done = grants(event_store, "apply", "-", stdin="".join(json.dumps(x) + "\n" for x in lines))

    answers = json_lines(done.stdout)
    assert [a["ok"] for a in answers] == [False, False, False, False, True]
    assert all(list(a["error"]["fields"]) == ["name"] for a in answers[:4])


@pytest.mark.parametrize("amount", ["１０００", " 100 ", "100.", "1E+2", "-5", "1,000"])
def test_amounts_outside_the_contracts_form_are_refused_naming_the_field(event_store, amount):
    done = grants(event_store, "apply", "-", stdin=json.dumps(REGISTER) + "\n" + json.dumps(
        dict(SUBMIT, requested_amount=amount)) + "\n")

    line = json_lines(done.stdout)[1]
    assert line["error"]["code"] == "invalid_command"
    assert list(line["error"]["fields"]) == ["requested_amount"]


def test_an_application_id_with_a_slash_is_refused(event_store):
    done = grants(event_store, "apply", "-", stdin=json.dumps(REGISTER) + "\n" + json.dumps(
        dict(SUBMIT, application_id="A/1")) + "\n")

    assert list(json_lines(done.stdout)[1]["error"]["fields"]) == ["application_id"]
