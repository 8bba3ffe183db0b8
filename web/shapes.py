"""The shapes of what the service answers, as marshmallow schemas: one description each.

The domain's answers are plain values (the catalogue's dataclasses); these schemas
dump them for `grants ... --json` and for the JSON API, whose OpenAPI document is
made from the same schemas. No Flask here: the command line uses them too.
"""

from __future__ import annotations

from marshmallow import Schema, fields, post_dump, pre_dump

from policies.catalogue import BASIS_FIELDS, CAP_SCOPES


class Day(fields.Date):
    """An ISO date."""


class DictValues(fields.List):
    """A list of a mapping's values, in its order (the catalogue keys its parts by id)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, dict):
            value = list(value.values())
        return super()._serialize(value, attr, obj, **kwargs)


class _Sparse(Schema):
    """A shape whose optional keys are left out when they hold nothing."""

    OPTIONAL: tuple[str, ...] = ()

    @post_dump
    def drop_empty(self, data: dict, **kwargs) -> dict:
        return {k: v for k, v in data.items() if not (k in self.OPTIONAL and v is None)}


class Cite(_Sparse):
    OPTIONAL = ("article", "section", "text")
    seed = fields.String(required=True)
    article = fields.Integer()
    section = fields.String()
    text = fields.String()


class CatalogueCap(Schema):
    policy = fields.String(required=True)
    article = fields.Integer(required=True)
    item = fields.String(required=True, allow_none=True)
    items = fields.List(fields.String(), required=True)
    scope = fields.String(required=True)
    amount = fields.String(required=True)
    cite = fields.Nested(Cite, required=True)


class Threshold(_Sparse):
    OPTIONAL = ("of",)
    basis = fields.String(required=True)
    at_least = fields.String(required=True)
    of = fields.String()
    cite = fields.Nested(Cite, required=True)


class Item(Schema):
    key = fields.String(required=True)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)
    basis = fields.String(required=True, allow_none=True)
    required_basis = fields.List(fields.String(), required=True)
    rate = fields.String(required=True, allow_none=True)
    max_years = fields.Integer(required=True)
    years_counted = fields.String(required=True)
    sizes = fields.List(fields.String(), required=True, allow_none=True)
    ladder = fields.String(required=True, allow_none=True)
    rung = fields.String(required=True, allow_none=True)
    thresholds = fields.List(fields.Nested(Threshold), required=True)
    caps = fields.List(fields.Nested(CatalogueCap), required=True)


class Article(Schema):
    number = fields.Integer(required=True)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)
    cites = fields.List(fields.Nested(Cite), required=True)
    items = fields.List(fields.Nested(Item), required=True)
    caps = fields.List(fields.Nested(CatalogueCap), required=True)


class Eligibility(_Sparse):
    OPTIONAL = ("dishonesty_lookback_years", "dishonesty_cite", "max_awards_per_enterprise",
                "max_awards_cite")
    dishonesty_lookback_years = fields.Integer()
    dishonesty_cite = fields.Nested(Cite, allow_none=True)
    max_awards_per_enterprise = fields.Integer()
    max_awards_cite = fields.Nested(Cite, allow_none=True)


class Repeal(Schema):
    id = fields.String(required=True)
    document = fields.String(required=True)
    cite = fields.Nested(Cite, required=True)


class Policy(Schema):
    id = fields.String(required=True)
    level = fields.String(required=True)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)
    authoritative_seed = fields.String(required=True)
    seeds = fields.List(fields.String(), required=True)
    issued = Day(required=True, allow_none=True)
    issued_cite = fields.Nested(Cite, required=True, allow_none=True)
    valid_years = fields.Integer(required=True, allow_none=True)
    valid_until = Day(required=True, allow_none=True)
    valid_cite = fields.Nested(Cite, required=True, allow_none=True)
    repeals = fields.Nested(Repeal, required=True, allow_none=True)
    fund_year = fields.Integer(required=True, allow_none=True)
    eligibility = fields.Nested(Eligibility, required=True)
    non_duplication_cite = fields.Nested(Cite, required=True, allow_none=True)
    articles = DictValues(fields.Nested(Article), required=True)


class Rung(Schema):
    key = fields.String(required=True)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)


class Ladder(Schema):
    key = fields.String(required=True)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)
    cites = fields.List(fields.Nested(Cite), required=True)
    rungs = fields.List(fields.Nested(Rung), required=True)


class Catalogue(Schema):
    """The catalogue (`grants policies --json`, GET /api/v1/catalogue)."""

    version = fields.String(required=True)
    basis_fields = fields.List(fields.String(), required=True)
    cap_scopes = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    ladders = DictValues(fields.Nested(Ladder), required=True)
    policies = DictValues(fields.Nested(Policy), required=True)

    @pre_dump
    def with_constants(self, catalogue, **kwargs) -> dict:
        return {"version": catalogue.version, "basis_fields": list(BASIS_FIELDS),
                "cap_scopes": CAP_SCOPES, "ladders": catalogue.ladders,
                "policies": catalogue.policies}


def catalogue(value) -> dict:
    """The catalogue's JSON."""
    return Catalogue().dump(value)
