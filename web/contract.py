"""The command contract's JSON (DOMAIN.md), made from what the domain answers.

The ledger answers `Outcome`s and raises `Refused`, in codes and values; this is
the one place that turns them into the contract's lines (for `grants apply`, the
API's POST /commands, the import report, the pages), amounts as strings of two
places and messages in words (web/messages.py), in the reader's language
(web/words.py: the contract's English unless the caller asked for another).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum

from lifecycle.errors import Refused
from lifecycle.ledger import Outcome
from policies.money import yuan
from web import messages


class InputRefused(Refused):
    """Input the edge could not read as a command (a schema's verdict), with its words.

    A schema's verdict (`schema=True`) keeps the schema's own English per field; its
    `message` and `fields` are said in the reader's language when the line is made
    (web/messages.py reads marshmallow's messages back to the catalogues' keys). Other
    input (not JSON, not UTF-8) keeps the words it was given.
    """

    def __init__(self, message: str, fields: dict[str, str], schema: bool = False):
        super().__init__("invalid_command", "malformed_input")
        self.message, self._fields, self.schema = message, dict(fields), schema

    @property
    def fields(self) -> dict[str, str]:
        return self._fields

    def words(self) -> tuple[str, dict[str, str]]:
        """(the message, each field with why) for the reader now."""
        if not self.schema:
            return self.message, self._fields
        return (messages.input_message(self._fields),
                {name: messages.schema_message(why) for name, why in self._fields.items()})


def plain(value):
    """A JSON-ready value: amounts as two-place strings, dates ISO, statuses their codes."""
    if isinstance(value, Decimal):
        return yuan(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def error(refused: Refused) -> dict:
    """The contract's `error` object: code, message, and every field named with why."""
    if isinstance(refused, InputRefused):
        message, fields = refused.words()
        return {"code": refused.code, "message": message, "fields": fields}
    fields = {name: messages.field_message(reason, refused.values)
              for name, reason in refused.fields.items()}
    return {"code": refused.code, "message": messages.refusal_message(
        refused.reason, refused.values, field=refused.field), "fields": fields}


def refused_line(command: str | None, refused: Refused) -> dict:
    return {"ok": False, "command": command, "error": error(refused)}


def line(outcome: Outcome) -> dict:
    """The JSON line of one command's outcome."""
    if not outcome.ok:
        return refused_line(outcome.command, outcome.refusal)
    values = dict(outcome.values)
    refusal = values.pop("refusal", None)
    answer = {"ok": True, "command": outcome.command, "events": list(outcome.events),
              **plain(values)}
    if outcome.replayed:
        answer["replayed"] = True
    if refusal is not None:  # a certification recorded on figures that qualify for nothing
        e = error(refusal)
        answer["refusal"] = {"code": e["code"], "message": e["message"]}
    return answer


def quote(answer: dict) -> dict:
    """The quote's JSON with words: each trace line's `text`, the refusal's `message`."""
    for t in answer["trace"]:
        t["text"] = messages.trace_text(t)
    r = answer.get("refusal")
    if r is not None:
        values = r.get("values") or {}
        answer["refusal"] = {
            "code": r["code"], "message": messages.refusal_message(
                r["reason"], values, field=r.get("field")),
            "fields": ({r["field"]: messages.field_message(r["reason"], values)}
                       if r.get("field") else {})}
    return answer
