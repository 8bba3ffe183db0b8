"""marshmallow schemas for the contract's commands: one reading for CLI, API and forms.

`load_command(data)` turns one JSON object of the contract into a command of
`lifecycle.commands`, or raises InputRefused (invalid_command) naming every
field that is wrong and why.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from lifecycle import commands as c
from lifecycle.command_log import MAX_LENGTH
from policies.catalogue import BASIS_FIELDS, SIZES
from policies.money import money
from web.contract import InputRefused
from web.words import text


class Money(fields.Field):
    """An amount in yuan: a decimal string (or a whole number), never a float."""

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError("write an amount as a decimal string, e.g. \"1500000.00\"")
        try:
            amount = money(value)
        except ValueError as e:
            raise ValidationError(str(e)) from None
        if amount != Decimal(str(value).strip()):
            raise ValidationError("an amount has at most two decimal places (fen)")
        return amount

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


class Basis(fields.Dict):
    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=validate.OneOf(BASIS_FIELDS)),
                         values=Money(), **kwargs)


class CommandSchema(Schema):
    class Meta:
        unknown = RAISE

    type = fields.String(required=True)
    at = fields.Date(required=True, validate=validate.Range(date(1900, 1, 1), date(2999, 12, 31)))
    actor = fields.String(validate=validate.Length(min=1, max=200))
    command_id = fields.String(validate=validate.Length(min=1, max=MAX_LENGTH))


class RegisterEnterprise(CommandSchema):
    enterprise_id = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    size = fields.String(required=True, validate=validate.OneOf(SIZES))
    sectors = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)


class RecordDishonesty(CommandSchema):
    enterprise_id = fields.String(required=True)
    note = fields.String(required=True, validate=validate.Length(min=1))


class SubmitApplication(CommandSchema):
    application_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    enterprise_id = fields.String(required=True)
    policy = fields.String(required=True)
    article = fields.Integer(required=True, strict=True)
    item = fields.String(load_default=None)
    project_id = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    basis = Basis(load_default=dict)
    requested_amount = Money(required=True)


class CertifyApplication(CommandSchema):
    application_id = fields.String(required=True)
    basis = Basis(required=True)


class TrancheSchema(Schema):
    class Meta:
        unknown = RAISE

    year = fields.Integer(required=True, strict=True, validate=validate.Range(1900, 2999))
    amount = Money(required=True)


class ApproveApplication(CommandSchema):
    application_id = fields.String(required=True)
    amount = Money(load_default=None)
    tranches = fields.List(fields.Nested(TrancheSchema), load_default=None,
                           validate=validate.Length(min=1))


class RejectApplication(CommandSchema):
    application_id = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1))


class DisburseTranche(CommandSchema):
    application_id = fields.String(required=True)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(1900, 2999))


class RecordEvaluation(CommandSchema):
    application_id = fields.String(required=True)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(1900, 2999))
    result = fields.String(required=True, validate=validate.OneOf(("pass", "fail")))
    note = fields.String(load_default="")


class RevokeAward(CommandSchema):
    application_id = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1))


class RecordRepayment(CommandSchema):
    application_id = fields.String(required=True)
    amount = Money(required=True)
    note = fields.String(load_default="")


class NotAnObject(InputRefused):
    """A command that is not a JSON object at all."""

    def __init__(self):
        super().__init__("a command is a JSON object", {"_schema": "not an object"})

    def words(self) -> tuple[str, dict[str, str]]:
        return text("input.not_object"), {"_schema": text("input.not_object.field")}


SCHEMAS: dict[str, Schema] = {
    name: globals()[name]() for name in c.BY_NAME
}


class _TypeOnly(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.OneOf(sorted(c.BY_NAME)))


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
        kind = _TypeOnly().load(data)["type"]
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
