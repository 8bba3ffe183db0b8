"""marshmallow schemas for the contract's commands: one reading for CLI, API and forms.

`load_command(data)` turns one JSON object of the contract into a command of
`lifecycle.commands`, or raises InputRefused (invalid_command) naming every
field that is wrong and why.

The fields read as the domain reads: amounts by `policies.money.money` (the one
reading), names, notes and reasons by `lifecycle.text` (the one text rule, which
the ledger checks again for every command, whoever builds it), new ids by its id
rule; so a refusal here names the field early, in the same words as the ledger's.
`WholeNumber` reads a whole number a query string or a form sends (never `int()`).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from lifecycle import commands as c
from lifecycle import credit_code, text
from lifecycle.command_log import MAX_LENGTH
from policies.catalogue import BASIS_FIELDS, SIZES
from policies.money import AmountError, money
from web.contract import InputRefused
from web.inputs import MAX_WHOLE_DIGITS, whole_number
from web.messages import field_message
from web.words import text as words_text


class Money(fields.Field):
    """An amount in yuan as the contract writes it (policies.money.money), never a float."""

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        try:
            return money(value)
        except AmountError as e:
            raise ValidationError(field_message(e.reason, e.values)) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


class Text(fields.String):
    """A name, a note or a reason, by the one text rule (lifecycle/text.py); trimmed.

    `optional`: an empty text means none was given.
    """

    def __init__(self, kind: text.TextKind, optional: bool = False, **kwargs):
        # What a JSON Schema can say of the rule (the OpenAPI document reads it).
        said = text.json_schema(kind, optional)
        limits = {k: said[k] for k in ("maxLength", "minLength", "pattern") if k in said}
        kwargs["metadata"] = {**limits, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)
        self.kind, self.optional = kind, optional

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        found = text.text_problem(value, self.kind, self.optional)
        if found:
            raise ValidationError(field_message(*found))
        return value.strip()


class NewId(fields.String):
    """An id chosen for something new (`application_id`, `project_id`): lifecycle/text.py."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"pattern": text.ID_PATTERN, "maxLength": text.ID_MAX_LENGTH,
                              **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        value = super()._deserialize(value, attr, data, **kwargs)
        found = text.id_problem(value)
        if found:
            raise ValidationError(field_message(*found))
        return value


class WholeNumber(fields.Integer):
    """A whole number as a query string or a form sends it: ASCII digits only, at most
    `max_digits` of them (web.inputs.whole_number); a JSON integer as it is."""

    def __init__(self, max_digits: int = MAX_WHOLE_DIGITS, **kwargs):
        super().__init__(strict=False, **kwargs)
        self.max_digits = max_digits

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        found = whole_number(value, self.max_digits)
        if found is None:
            raise ValidationError(field_message("not_a_whole_number",
                                                {"max_digits": self.max_digits}))
        return found


class BusinessDate(fields.Date):
    """A business date (`at`): YYYY-MM-DD in ASCII digits, 1900 to 2999.

    Not what `date.fromisoformat` reads besides ("20250610", "2025-W24-2"): the
    contract's dates are ISO calendar dates, as the OpenAPI document says (`pattern`).
    """

    SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"pattern": r"^(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}$",
                              **kwargs.get("metadata", {})}
        super().__init__(validate=validate.Range(date(1900, 1, 1), date(2999, 12, 31)),
                         **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        if not isinstance(value, str) or not self.SHAPE.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _credit_code(**kwargs) -> fields.String:
    """An `enterprise_id`: the ledger checks it (lifecycle/credit_code.py); the document
    states its length and alphabet."""
    return fields.String(metadata={"pattern": credit_code.PATTERN, "description":
                                   "unified social credit code: 18 characters of "
                                   f"{credit_code.ALPHABET}, the last a check character "
                                   "(GB 32100-2015)"}, **kwargs)


#: Ids that name what exists: looked up as given, but never longer than a new one may be.
def _lookup(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=text.ID_MAX_LENGTH), **kwargs)


class Basis(fields.Dict):
    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=validate.OneOf(BASIS_FIELDS)),
                         values=Money(), **kwargs)


class CommandSchema(Schema):
    class Meta:
        unknown = RAISE

    type = fields.String(required=True)
    at = BusinessDate(required=True)
    actor = Text(text.ACTOR)
    command_id = fields.String(validate=validate.Length(min=1, max=MAX_LENGTH))


class RegisterEnterprise(CommandSchema):
    enterprise_id = _credit_code(required=True)
    name = Text(text.NAME, required=True)
    size = fields.String(required=True, validate=validate.OneOf(SIZES))
    sectors = fields.List(Text(text.LABEL), load_default=list)


class RecordDishonesty(CommandSchema):
    enterprise_id = _credit_code(required=True)
    note = Text(text.NOTE, required=True)


class SubmitApplication(CommandSchema):
    application_id = NewId(required=True)
    enterprise_id = _credit_code(required=True)
    policy = fields.String(required=True)
    article = fields.Integer(required=True, strict=True)
    item = fields.String(load_default=None)
    project_id = NewId(load_default=None)
    basis = Basis(load_default=dict)
    requested_amount = Money(required=True)


class CertifyApplication(CommandSchema):
    application_id = _lookup(required=True)
    basis = Basis(required=True)


class TrancheSchema(Schema):
    class Meta:
        unknown = RAISE

    year = fields.Integer(required=True, strict=True, validate=validate.Range(1900, 2999))
    amount = Money(required=True)


class ApproveApplication(CommandSchema):
    application_id = _lookup(required=True)
    amount = Money(load_default=None)
    tranches = fields.List(fields.Nested(TrancheSchema), load_default=None,
                           validate=validate.Length(min=1))


class RejectApplication(CommandSchema):
    application_id = _lookup(required=True)
    reason = Text(text.NOTE, required=True)


class DisburseTranche(CommandSchema):
    application_id = _lookup(required=True)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(1900, 2999))


class RecordEvaluation(CommandSchema):
    application_id = _lookup(required=True)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(1900, 2999))
    result = fields.String(required=True, validate=validate.OneOf(("pass", "fail")))
    note = Text(text.NOTE, optional=True, load_default="")


class RevokeAward(CommandSchema):
    application_id = _lookup(required=True)
    reason = Text(text.NOTE, required=True)


class RecordRepayment(CommandSchema):
    application_id = _lookup(required=True)
    amount = Money(required=True)
    note = Text(text.NOTE, optional=True, load_default="")


class NotAnObject(InputRefused):
    """A command that is not a JSON object at all."""

    def __init__(self):
        super().__init__("a command is a JSON object", {"_schema": "not an object"})

    def words(self) -> tuple[str, dict[str, str]]:
        return words_text("input.not_object"), {"_schema": words_text("input.not_object.field")}


SCHEMAS: dict[str, Schema] = {
    name: globals()[name]() for name in c.BY_NAME
}


class _TypeOnly(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.OneOf(sorted(c.BY_NAME)))


_TYPE_ONLY = _TypeOnly()


def _flatten(messages, prefix="") -> dict[str, str]:
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return flat


def command_name(data: object) -> str | None:
    return data.get("type") if isinstance(data, dict) and isinstance(data.get("type"), str) \
        else None


def load_command(data: object, actor: str | None = None) -> c.Command:
    """The command `data` describes; `actor`, when given, overrides the one in the data."""
    if not isinstance(data, dict):
        raise NotAnObject()
    try:
        kind = data.get("type")
        if not isinstance(kind, str) or kind not in SCHEMAS:  # as the schema words it
            kind = _TYPE_ONLY.load(data)["type"]
        values = SCHEMAS[kind].load(data)
    except ValidationError as e:
        found = _flatten(e.messages)
        what = "; ".join(f"{k}: {v}" for k, v in found.items())
        raise InputRefused(f"invalid command: {what}", found, schema=True) from None
    values.pop("type")
    if actor is not None:
        values["actor"] = actor
    if kind == "ApproveApplication" and values.get("tranches") is not None:
        values["tranches"] = [c.Tranche(**t) for t in values["tranches"]]
    return c.BY_NAME[kind](**values)
