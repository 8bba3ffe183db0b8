"""The policy catalogue: every rule set under policies/data, loaded as plain values.

Each policy is one TOML file; ladders of recognitions that span policies live in
ladders.toml. The loader is strict, so that a misspelt key in a rule file fails
loudly instead of silently dropping a cap. No number from a policy text is
written in Python: every amount, rate, cap, period and date comes from the files.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from policies.money import add_years, money

DATA_DIR = Path(__file__).parent / "data"
LADDERS_FILE = "ladders.toml"

#: The figures a rule may compute from (DOMAIN.md, vocabulary: basis).
BASIS_FIELDS = (
    "verified_total_investment",
    "contract_amount",
    "actual_interest",
    "municipal_support",
    "event_expenditure",
    "fixed_asset_investment",
    "annual_operating_income",
    "integration_income",
)
LEVELS = ("district", "municipal")
SIZES = ("large", "medium", "small", "micro")
#: What a cap is counted over.
CAP_SCOPES = {
    "item": "each award of the item (per category, per product, per recognition)",
    "project": "one project, over all its tranches",
    "enterprise_year": "the enterprise, per calendar year of tranches",
    "enterprise_total": "the enterprise, over all years",
}
#: What an item's consecutive-year limit counts (DOMAIN.md rules 4 and 10).
YEARS_COUNTED = {
    "award": "the tranche years of one award (单个项目: per project)",
    "entity": "the years the enterprise is supported under the article, over all its awards "
              "(单个主体: per entity)",
}


class CatalogueError(ValueError):
    """A rule file that does not say what the loader needs, named by file and key."""


@dataclass(frozen=True)
class Cite:
    seed: str
    article: int | None = None
    section: str | None = None
    text: str | None = None

    def label(self) -> str:
        where = f"art. {self.article}" if self.article else (self.section or "")
        return f"{self.seed[:3]} {where}".strip()


@dataclass(frozen=True)
class Cap:
    policy: str
    article: int
    item: str | None  # None: an article-level cap shared by `items`
    scope: str
    amount: Decimal
    items: tuple[str, ...]
    cite: Cite


@dataclass(frozen=True)
class Threshold:
    basis: str
    at_least: Decimal
    of: str | None  # when set, the threshold is on basis / of
    cite: Cite


@dataclass(frozen=True)
class Item:
    policy: str
    article: int
    key: str
    title_zh: str
    title_en: str
    basis: str | None
    rate: Decimal | None
    max_years: int
    years_counted: str  # a key of YEARS_COUNTED
    sizes: tuple[str, ...] | None
    ladder: str | None
    rung: str | None
    thresholds: tuple[Threshold, ...]
    caps: tuple[Cap, ...]
    cite: Cite  # the article's (first, authoritative) citation

    @property
    def required_basis(self) -> tuple[str, ...]:
        names = [self.basis] if self.basis else []
        for t in self.thresholds:
            names += [t.basis] + ([t.of] if t.of else [])
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Article:
    policy: str
    number: int
    title_zh: str
    title_en: str
    cites: tuple[Cite, ...]
    items: tuple[Item, ...]
    caps: tuple[Cap, ...]  # article-level caps only


@dataclass(frozen=True)
class Eligibility:
    dishonesty_lookback_years: int | None = None
    dishonesty_cite: Cite | None = None
    max_awards_per_enterprise: int | None = None
    max_awards_cite: Cite | None = None


@dataclass(frozen=True)
class Policy:
    id: str
    level: str
    title_zh: str
    title_en: str
    authoritative_seed: str
    seeds: tuple[str, ...]
    issued: date | None
    issued_cite: Cite | None
    valid_years: int | None
    valid_cite: Cite | None
    repeals: dict | None
    fund_year: int | None
    eligibility: Eligibility
    non_duplication_cite: Cite | None
    articles: dict[int, Article]

    @property
    def valid_until(self) -> date | None:
        """The first day the policy is no longer in force (exclusive end)."""
        if self.issued is None or self.valid_years is None:
            return None
        return add_years(self.issued, self.valid_years)

    def in_force(self, day: date) -> bool:
        """DOMAIN.md rule 2: from issuance (inclusive) to the end (exclusive)."""
        if self.issued is not None and day < self.issued:
            return False
        return self.valid_until is None or day < self.valid_until


@dataclass(frozen=True)
class Rung:
    key: str
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class Ladder:
    key: str
    title_zh: str
    title_en: str
    cites: tuple[Cite, ...]
    rungs: tuple[Rung, ...]

    def rank(self, rung: str) -> int:
        return [r.key for r in self.rungs].index(rung)


@dataclass(frozen=True)
class Catalogue:
    policies: dict[str, Policy]
    ladders: dict[str, Ladder]
    version: str
    sources: dict[str, str] = field(repr=False)  # file name -> text, to reload a version

    def policy(self, policy_id: str) -> Policy:
        try:
            return self.policies[policy_id]
        except KeyError:
            raise LookupError("policy", f"unknown policy {policy_id!r}") from None

    def item(self, policy_id: str, article: int, key: str | None) -> Item:
        """The item an application names; `key` may be omitted where the article has one."""
        policy = self.policy(policy_id)
        art = policy.articles.get(article)
        if art is None:
            raise LookupError("article", f"{policy_id} has no support article {article}")
        if key is None:
            if len(art.items) == 1:
                return art.items[0]
            keys = ", ".join(i.key for i in art.items)
            raise LookupError("item", f"{policy_id} article {article} has several items: {keys}")
        for it in art.items:
            if it.key == key:
                return it
        keys = ", ".join(i.key for i in art.items)
        raise LookupError("item", f"{policy_id} article {article} has no item {key!r} ({keys})")

    def items(self):
        for policy in self.policies.values():
            for art in policy.articles.values():
                yield from art.items


# --- loading -------------------------------------------------------------------------


class _Reader:
    """Reads one table of a rule file, remembering where it is for error messages."""

    def __init__(self, table: dict, where: str):
        self.table, self.where, self.seen = table, where, set()

    def get(self, key, kind=None, default=..., required=True):
        self.seen.add(key)
        if key not in self.table:
            if default is not ... or not required:
                return None if default is ... else default
            raise CatalogueError(f"{self.where}: missing {key!r}")
        value = self.table[key]
        if kind is not None and not isinstance(value, kind):
            raise CatalogueError(f"{self.where}: {key!r} should be {kind}, is {value!r}")
        return value

    def done(self):
        extra = set(self.table) - self.seen
        if extra:
            raise CatalogueError(f"{self.where}: unknown keys {sorted(extra)}")


def _amount(value, where) -> Decimal:
    if not isinstance(value, str):
        raise CatalogueError(f"{where}: write amounts as strings, not {value!r}")
    try:
        return money(value)
    except ValueError as e:
        raise CatalogueError(f"{where}: {e}") from None


def _cite(value, where) -> Cite:
    r = _Reader(value, where)
    cite = Cite(
        seed=r.get("seed", str),
        article=r.get("article", int, required=False),
        section=r.get("section", str, required=False),
        text=r.get("text", str, required=False),
    )
    r.done()
    return cite


def _cap(value, policy: str, article: int, item, items, cite: Cite, where) -> Cap:
    r = _Reader(value, where)
    scope = r.get("scope", str)
    if scope not in CAP_SCOPES:
        raise CatalogueError(f"{where}: scope {scope!r} is not one of {sorted(CAP_SCOPES)}")
    amount = _amount(r.get("amount"), where)
    listed = tuple(r.get("items", list, default=list(items)))
    r.done()
    return Cap(policy, article, item, scope, amount, listed, cite)


def _repeals(value, where) -> dict | None:
    if value is None:
        return None
    r = _Reader(value, f"{where} repeals")
    out = {"id": r.get("id", str), "document": r.get("document", str),
           "cite": _cite(r.get("cite", dict), f"{where} repeals")}
    r.done()
    return out


def _rate(value, where) -> Decimal:
    try:
        rate = Decimal(value)
    except ArithmeticError:
        raise CatalogueError(f"{where}: rate {value!r} is not a number") from None
    if not rate.is_finite() or rate <= 0:
        raise CatalogueError(f"{where}: rate {value!r} must be a positive number")
    return rate


def _date(value, where) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise CatalogueError(f"{where}: {value!r} must be a date (YYYY-MM-DD), not a time")
    return value


def _load_policy(name: str, text: str, ladders: dict[str, Ladder]) -> Policy:
    data = tomllib.loads(text)
    r = _Reader(data, name)
    pid = r.get("id", str)
    level = r.get("level", str)
    if level not in LEVELS:
        raise CatalogueError(f"{name}: level {level!r} is not one of {LEVELS}")
    elig_data = r.get("eligibility", dict, default={})
    er = _Reader(elig_data, f"{name} [eligibility]")
    eligibility = Eligibility(
        dishonesty_lookback_years=er.get("dishonesty_lookback_years", int, required=False),
        dishonesty_cite=(_cite(er.get("dishonesty_cite", dict), name)
                         if "dishonesty_lookback_years" in elig_data else None),
        max_awards_per_enterprise=er.get("max_awards_per_enterprise", int, required=False),
        max_awards_cite=(_cite(er.get("max_awards_cite", dict), name)
                         if "max_awards_per_enterprise" in elig_data else None),
    )
    er.done()
    articles: dict[int, Article] = {}
    for a in r.get("articles", list):
        ar = _Reader(a, f"{name} article {a.get('number')}")
        number = ar.get("number", int)
        cites = tuple(_cite(c, ar.where) for c in ar.get("cites", list))
        raw_items = ar.get("items", list)
        item_keys = [i.get("key") for i in raw_items]
        if len(set(item_keys)) != len(item_keys):
            raise CatalogueError(f"{ar.where}: item keys repeat")
        article_caps = []
        for c in ar.get("caps", list, default=[]):
            cap = _cap(c, pid, number, None, item_keys, cites[0], f"{ar.where} cap")
            unknown = set(cap.items) - set(item_keys)
            if unknown:
                raise CatalogueError(f"{ar.where} cap: unknown items {sorted(unknown)}")
            article_caps.append(cap)
        items = []
        for i in raw_items:
            ir = _Reader(i, f"{ar.where} item {i.get('key')}")
            key = ir.get("key", str)
            basis = ir.get("basis", str, required=False)
            if basis is not None and basis not in BASIS_FIELDS:
                raise CatalogueError(f"{ir.where}: basis {basis!r} is not one of {BASIS_FIELDS}")
            rate = ir.get("rate", str, required=False)
            if (basis is None) != (rate is None):
                raise CatalogueError(f"{ir.where}: a basis needs a rate and a rate a basis")
            sizes = ir.get("sizes", list, required=False)
            if sizes is not None and not set(sizes) <= set(SIZES):
                raise CatalogueError(f"{ir.where}: sizes must be among {SIZES}")
            ladder = ir.get("ladder", str, required=False)
            rung = ir.get("rung", str, required=False)
            if (ladder is None) != (rung is None):
                raise CatalogueError(f"{ir.where}: a ladder needs a rung and a rung a ladder")
            if ladder is not None:
                if ladder not in ladders:
                    raise CatalogueError(f"{ir.where}: unknown ladder {ladder!r}")
                if rung not in [x.key for x in ladders[ladder].rungs]:
                    raise CatalogueError(f"{ir.where}: ladder {ladder!r} has no rung {rung!r}")
            thresholds = []
            for t in ir.get("thresholds", list, default=[]):
                tr = _Reader(t, f"{ir.where} threshold")
                tb, of = tr.get("basis", str), tr.get("of", str, required=False)
                for b in (tb, of):
                    if b is not None and b not in BASIS_FIELDS:
                        raise CatalogueError(f"{tr.where}: {b!r} is not one of {BASIS_FIELDS}")
                thresholds.append(Threshold(tb, _rate(tr.get("at_least", str), tr.where), of,
                                            _cite(tr.get("cite", dict), tr.where)))
                tr.done()
            own_caps = tuple(
                _cap(c, pid, number, key, [key], cites[0], f"{ir.where} cap")
                for c in ir.get("caps", list, default=[])
            )
            if ladder is not None and not any(c.scope == "item" for c in own_caps):
                raise CatalogueError(f"{ir.where}: a rung needs an item cap (its full amount)")
            shared = tuple(c for c in article_caps if key in c.items)
            max_years = ir.get("max_years", int, default=1)
            years_counted = ir.get("years_counted", str, default="award")
            if years_counted not in YEARS_COUNTED:
                raise CatalogueError(f"{ir.where}: years_counted must be one of "
                                     f"{sorted(YEARS_COUNTED)}")
            title_zh, title_en = ir.get("title_zh", str), ir.get("title_en", str)
            ir.done()
            items.append(Item(
                policy=pid, article=number, key=key, title_zh=title_zh, title_en=title_en,
                basis=basis, rate=None if rate is None else _rate(rate, ir.where),
                max_years=max_years, years_counted=years_counted,
                sizes=None if sizes is None else tuple(sizes), ladder=ladder, rung=rung,
                thresholds=tuple(thresholds), caps=own_caps + shared, cite=cites[0],
            ))
        articles[number] = Article(
            policy=pid, number=number, title_zh=ar.get("title_zh", str),
            title_en=ar.get("title_en", str), cites=cites, items=tuple(items),
            caps=tuple(article_caps),
        )
        ar.done()
    issued_cite = r.get("issued_cite", dict, required=False)
    valid_cite = r.get("valid_cite", dict, required=False)
    nd_cite = r.get("non_duplication_cite", dict, required=False)
    policy = Policy(
        id=pid, level=level, title_zh=r.get("title_zh", str), title_en=r.get("title_en", str),
        authoritative_seed=r.get("authoritative_seed", str), seeds=tuple(r.get("seeds", list)),
        issued=_date(r.get("issued", required=False), f"{name} issued"),
        issued_cite=_cite(issued_cite, name) if issued_cite else None,
        valid_years=r.get("valid_years", int, required=False),
        valid_cite=_cite(valid_cite, name) if valid_cite else None,
        repeals=_repeals(r.get("repeals", dict, required=False), name),
        fund_year=r.get("fund_year", int, required=False),
        eligibility=eligibility,
        non_duplication_cite=_cite(nd_cite, name) if nd_cite else None,
        articles=dict(sorted(articles.items())),
    )
    r.done()
    if policy.level == "district" and policy.non_duplication_cite is None:
        raise CatalogueError(f"{name}: a district policy cites its non-duplication article")
    return policy


def _rung(value, where) -> Rung:
    r = _Reader(value, where)
    rung = Rung(r.get("key", str), r.get("title_zh", str), r.get("title_en", str))
    r.done()
    return rung


def _load_ladders(text: str) -> dict[str, Ladder]:
    ladders = {}
    top = _Reader(tomllib.loads(text), LADDERS_FILE)
    for entry in top.get("ladders", list, default=[]):
        r = _Reader(entry, f"{LADDERS_FILE} {entry.get('key')}")
        rungs = tuple(_rung(x, f"{r.where} rung") for x in r.get("rungs", list))
        ladder = Ladder(
            key=r.get("key", str), title_zh=r.get("title_zh", str),
            title_en=r.get("title_en", str),
            cites=tuple(_cite(c, r.where) for c in r.get("cites", list)), rungs=rungs,
        )
        r.done()
        ladders[ladder.key] = ladder
    top.done()
    return ladders


def version_of(sources: dict[str, str]) -> str:
    """The catalogue version: a hash of every rule file's exact text."""
    h = hashlib.sha256()
    for name in sorted(sources):
        h.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
    return h.hexdigest()[:16]


def from_sources(sources: dict[str, str]) -> Catalogue:
    """A catalogue from the texts of its files (a stored version, or the data folder)."""
    ladders = _load_ladders(sources.get(LADDERS_FILE, ""))
    policies = {}
    for name in sorted(sources):
        if name == LADDERS_FILE:
            continue
        policy = _load_policy(name, sources[name], ladders)
        if policy.id in policies:
            raise CatalogueError(f"{name}: policy {policy.id!r} is defined twice")
        policies[policy.id] = policy
    return Catalogue(policies=policies, ladders=ladders, version=version_of(sources),
                     sources=dict(sources))


def read_sources(directory: Path = DATA_DIR) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.toml"))}


_current: Catalogue | None = None


def load(directory: Path | None = None, extra_dir: Path | None = None) -> Catalogue:
    """The catalogue in `directory`; by default the package's rule files, plus those in
    `extra_dir` when given (GRANTS_POLICIES_DIR: a successor rule set is a file dropped there)."""
    global _current
    if directory is not None:
        return from_sources(read_sources(directory))
    if extra_dir is not None:
        return from_sources({**read_sources(), **read_sources(Path(extra_dir))})
    if _current is None:
        _current = from_sources(read_sources())
    return _current
