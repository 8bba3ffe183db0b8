"""The entitlement calculator: what an application may receive, and why.

Pure functions over the catalogue and plain facts. Every step adds a trace line
citing the policy and article it applies; the reading rules are those of
DOMAIN.md ("How to read the rules where the texts leave room"). Trace lines and
refusals are codes with values: the edge turns them into words.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from policies.catalogue import Cap, Catalogue, Cite, Item, Policy
from policies.facts import Award, Enterprise, Request, Standing
from policies.money import FEN, add_years, yuan

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TraceLine:
    rule: str  # a stable code: in_force, rate, requested, ladder, cap.<scope>, ...
    policy: str
    article: int  # the article the rule belongs to, or the article applied for
    amount: Decimal | None = None
    cite: str = ""  # the seed file and article or section the rule is read from
    values: dict = dc_field(default_factory=dict)  # what the line's words need

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "policy": self.policy,
            "article": self.article,
            "cite": self.cite,
            "amount": None if self.amount is None else yuan(self.amount),
            "values": {k: _plain(v) for k, v in self.values.items()},
        }


def _plain(value):
    """A JSON-ready value: amounts as strings of two places, dates as ISO strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Refusal:
    """Why nothing (or not this) may be approved: a contract code, a reason and its values."""

    code: str  # policy_not_in_force | ineligible | duplicate_support | invalid_command | ...
    reason: str
    field: str | None = None
    values: dict = dc_field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"code": self.code, "reason": self.reason, "field": self.field,
                "values": {k: _plain(v) for k, v in self.values.items()}}


@dataclass(frozen=True)
class CapUse:
    cap: Cap
    year: int | None
    project_id: str | None
    used: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.cap.amount - self.used)


@dataclass(frozen=True)
class LadderDeduction:
    ladder: str
    rung: str
    rung_cap: Decimal
    lower_paid: Decimal
    lower_awards: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    policy: str
    article: int
    item: str
    max_amount: Decimal
    most_favourable: bool = False

    def to_dict(self) -> dict:
        return {"policy": self.policy, "article": self.article, "item": self.item,
                "max_amount": yuan(self.max_amount), "most_favourable": self.most_favourable}


@dataclass(frozen=True)
class Quote:
    item: Item
    max_amount: Decimal
    trace: tuple[TraceLine, ...]
    refusal: Refusal | None
    caps: tuple[CapUse, ...]
    ladder: LadderDeduction | None
    candidates: tuple[Candidate, ...] = ()
    catalogue_version: str = ""

    def to_dict(self) -> dict:
        return {
            "policy": self.item.policy,
            "article": self.item.article,
            "item": self.item.key,
            "max_amount": yuan(self.max_amount),
            "refusal": None if self.refusal is None else self.refusal.to_dict(),
            "trace": [t.to_dict() for t in self.trace],
            "candidates": [c.to_dict() for c in self.candidates],
            "catalogue_version": self.catalogue_version,
        }


def floor_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_DOWN)


# --- the rules, one function each -------------------------------------------------------


def _line(rule: str, item: Item, amount: Decimal | None = None, source: Cite | None = None,
          **values) -> TraceLine:
    """A trace line citing `source`, or by default the article applied for."""
    return TraceLine(rule, item.policy,
                     source.article if source and source.article else item.article,
                     amount, (source or item.cite).label(), values)


def refuse_if_not_in_force(policy: Policy, submitted_on: date) -> Refusal | None:
    """Rule 2: the policy in force on the submission date governs the application."""
    if policy.in_force(submitted_on):
        return None
    return Refusal("policy_not_in_force", "not_in_force", "at", {
        "policy": policy.id, "on": submitted_on, "from": policy.issued,
        "until": policy.valid_until})


def refuse_if_ineligible(policy: Policy, item: Item, req: Request,
                         enterprise: Enterprise) -> tuple[Refusal | None, list[TraceLine]]:
    trace = []
    if item.sizes is not None:
        if enterprise.size not in item.sizes:
            return Refusal("ineligible", "size_not_supported", "size", {
                "policy": policy.id, "article": item.article, "sizes": list(item.sizes),
                "size": enterprise.size}), trace
        trace.append(_line("size", item, size=enterprise.size, sizes=list(item.sizes)))
    elig = policy.eligibility
    if elig.dishonesty_lookback_years is not None:
        # Rule 8: a record counts when dated within the N years before submission:
        # after the same date N years earlier, up to the submission date.
        start = add_years(req.submitted_on, -elig.dishonesty_lookback_years)
        hits = [d for d in enterprise.dishonesty if start < d <= req.submitted_on]
        if hits:
            return Refusal("ineligible", "dishonesty_record", None, {
                "dated": hits[0], "years": elig.dishonesty_lookback_years,
                "submitted_on": req.submitted_on, "policy": policy.id,
                "cite": elig.dishonesty_cite.label()}), trace
        trace.append(_line("dishonesty", item, source=elig.dishonesty_cite, after=start))
    if elig.max_awards_per_enterprise is not None:
        held = [a for a in req.history if a.policy == policy.id
                and a.status != Standing.REVOKED and a.application_id != req.application_id]
        if len(held) >= elig.max_awards_per_enterprise:
            return Refusal("ineligible", "awards_per_enterprise", None, {
                "held": len(held), "policy": policy.id,
                "at_most": elig.max_awards_per_enterprise,
                "cite": elig.max_awards_cite.label()}), trace
    for t in item.thresholds:
        value = req.basis[t.basis]
        if t.of is not None:
            whole = req.basis[t.of]
            value = value / whole if whole else Decimal(0)
        if value < t.at_least:
            return Refusal("ineligible", "below_threshold", f"basis.{t.basis}", {
                "basis": t.basis, "of": t.of, "value": value.quantize(Decimal("0.0001")),
                "at_least": t.at_least, "cite": t.cite.label()}), trace
        trace.append(_line("threshold", item, source=t.cite, basis=t.basis, of=t.of,
                           at_least=t.at_least))
    return None, trace


def district_award_of_project(catalogue: Catalogue, req: Request) -> Award | None:
    """Rule 6: one district-level award per project, whatever the article."""
    for a in req.history:
        if (a.project_id == req.project_id and a.status != Standing.REVOKED
                and a.application_id != req.application_id
                and catalogue.policy(a.policy).level == "district"):
            return a
    return None


def cap_uses(catalogue: Catalogue, item: Item, req: Request,
             years: tuple[int, ...]) -> list[CapUse]:
    """How much of each cap on the item the enterprise's other awards already use."""
    others = [a for a in req.history if a.application_id != req.application_id]
    uses = []
    for cap in item.caps:
        under = [a for a in others if a.policy == cap.policy and a.article == cap.article
                 and a.item in cap.items]
        if cap.scope == "item":
            uses.append(CapUse(cap, None, None, ZERO))
        elif cap.scope == "project":
            used = sum((a.counted for a in under if a.project_id == req.project_id), ZERO)
            uses.append(CapUse(cap, None, req.project_id, used))
        elif cap.scope == "enterprise_total":
            uses.append(CapUse(cap, None, None, sum((a.counted for a in under), ZERO)))
        elif cap.scope == "enterprise_year":
            for y in years:
                used = sum((a.counted_by_year().get(y, ZERO) for a in under), ZERO)
                uses.append(CapUse(cap, y, None, used))
    return uses


def ladder_deduction(catalogue: Catalogue, item: Item, req: Request) -> LadderDeduction | None:
    """Rule 5: a rung pays its cap less what lower rungs of the same ladder already paid."""
    if item.ladder is None:
        return None
    ladder = catalogue.ladders[item.ladder]
    rank = ladder.rank(item.rung)
    rung_cap = next(c.amount for c in item.caps if c.scope == "item")
    lower, same_or_higher = [], []
    for a in req.history:
        if a.application_id == req.application_id or a.counted <= 0:
            continue  # revoked, or stopped before anything was paid: nothing received
        other = catalogue.item(a.policy, a.article, a.item)
        if other.ladder != item.ladder:
            continue
        (lower if ladder.rank(other.rung) < rank else same_or_higher).append(a)
    if same_or_higher:
        return LadderDeduction(ladder.key, item.rung, rung_cap, rung_cap,
                               tuple(a.application_id for a in same_or_higher))
    paid = sum((a.counted for a in lower), ZERO)
    return LadderDeduction(ladder.key, item.rung, rung_cap, min(paid, rung_cap),
                           tuple(a.application_id for a in lower))


# --- the quote --------------------------------------------------------------------------


def evaluate(catalogue: Catalogue, item: Item, req: Request, enterprise: Enterprise,
             on: date, years: tuple[int, ...] | None = None,
             check_duplicates: bool = True) -> Quote:
    """The most that may be approved for `req` under `item` on `on`, with its trace.

    `years` are the tranche years of the plan (default: one tranche in `on`'s year,
    rule 3); annual caps are judged for each of them.
    """
    policy = catalogue.policy(item.policy)
    years = years or (on.year,)
    trace: list[TraceLine] = []

    def refused(refusal: Refusal) -> Quote:
        trace.append(_line("refused", item, ZERO, code=refusal.code, reason=refusal.reason,
                           **refusal.values))
        return Quote(item, ZERO, tuple(trace), refusal, (), None,
                     catalogue_version=catalogue.version)

    refusal = refuse_if_not_in_force(policy, req.submitted_on)
    if refusal:
        return refused(refusal)
    trace.append(_line("in_force", item, source=policy.valid_cite or policy.issued_cite,
                       on=req.submitted_on))
    missing = [b for b in item.required_basis if b not in req.basis]
    if missing:
        return refused(Refusal("invalid_command", "basis_required", f"basis.{missing[0]}", {
            "policy": policy.id, "article": item.article, "missing": missing}))
    refusal, lines = refuse_if_ineligible(policy, item, req, enterprise)
    trace += lines
    if refusal:
        return refused(refusal)
    if check_duplicates and policy.level == "district":
        prior = district_award_of_project(catalogue, req)
        if prior is not None:
            cite = policy.non_duplication_cite
            return refused(Refusal("duplicate_support", "project_has_district_award",
                                   "project_id", {
                                       "project_id": req.project_id,
                                       "prior": prior.application_id, "prior_policy": prior.policy,
                                       "prior_article": prior.article, "policy": policy.id,
                                       "cite": cite.label()}))

    if item.rate is not None:
        base = floor_fen(req.basis[item.basis] * item.rate)
        trace.append(_line("rate", item, base, rate=item.rate, basis=item.basis,
                           figure=req.basis[item.basis]))
        amount = min(base, req.requested)
        if req.requested < base:
            trace.append(_line("requested", item, amount))
    else:
        amount = req.requested
        trace.append(_line("requested", item, amount, no_rate=True))

    ladder = ladder_deduction(catalogue, item, req)
    if ladder is not None:
        room = ladder.rung_cap - ladder.lower_paid
        trace.append(_line("ladder", item, room, ladder=ladder.ladder, rung=ladder.rung,
                           rung_cap=ladder.rung_cap, lower_paid=ladder.lower_paid,
                           awards=list(ladder.lower_awards),
                           nothing=ladder.lower_paid == ladder.rung_cap
                           and bool(ladder.lower_awards)))
        amount = min(amount, room)

    uses = cap_uses(catalogue, item, req, years)
    for use in uses:
        if use.cap.scope == "enterprise_year" and len(years) > 1:
            continue  # judged per tranche by plan_problems; the total is bounded below
        trace.append(_line(f"cap.{use.cap.scope}", item, use.remaining, source=use.cap.cite,
                           cap=use.cap.amount, used=use.used, year=use.year,
                           project_id=req.project_id if use.cap.scope == "project" else None))
        amount = min(amount, use.remaining)
    if len(years) > 1:
        for cap in {u.cap for u in uses if u.cap.scope == "enterprise_year"}:
            total = sum((u.remaining for u in uses if u.cap == cap), ZERO)
            trace.append(_line("cap.enterprise_year", item, total, source=cap.cite,
                               cap=cap.amount, first_year=years[0], last_year=years[-1]))
            amount = min(amount, total)

    amount = max(ZERO, floor_fen(amount))
    trace.append(_line("max", item, amount))
    return Quote(item, amount, tuple(trace), None, tuple(uses), ladder,
                 catalogue_version=catalogue.version)


def candidates(catalogue: Catalogue, applied: Item, req: Request, enterprise: Enterprise,
               on: date, applied_max: Decimal) -> tuple[Candidate, ...]:
    """Rule 6: every district clause the project qualifies for, the most favourable marked.

    A clause qualifies when its policy is in force on the submission date, the basis
    holds the figure it computes from (recognitions qualify only when applied for),
    and the enterprise is eligible.
    """
    found = []
    for item in catalogue.items():
        policy = catalogue.policy(item.policy)
        if policy.level != "district":
            continue
        if item == applied:
            if applied_max > 0:
                found.append((item, applied_max))
            continue
        if item.basis is None or any(b not in req.basis for b in item.required_basis):
            continue
        q = evaluate(catalogue, item, req, enterprise, on, check_duplicates=False)
        if q.refusal is None and q.max_amount > 0:
            found.append((item, q.max_amount))
    if not found:
        return ()
    best = max(found, key=lambda f: (f[1], f[0] == applied))
    return tuple(Candidate(i.policy, i.article, i.key, m, (i, m) == best) for i, m in found)


def quote(catalogue: Catalogue, req: Request, enterprise: Enterprise, on: date,
          years: tuple[int, ...] | None = None, with_candidates: bool = True) -> Quote:
    """The quote of the contract: max_amount, trace and candidates for `req` on `on`."""
    item = catalogue.item(req.policy, req.article, req.item)
    q = evaluate(catalogue, item, req, enterprise, on, years)
    if not with_candidates or (
            q.refusal is not None and q.refusal.code in ("invalid_command", "policy_not_in_force")):
        return q
    return Quote(q.item, q.max_amount, q.trace, q.refusal, q.caps, q.ladder,
                 candidates(catalogue, item, req, enterprise, on, q.max_amount),
                 q.catalogue_version)


def plan_problems(item: Item, q: Quote, tranches: list[tuple[int, Decimal]],
                  approved_on: date, history: tuple[Award, ...] = (),
                  application_id: str | None = None) -> list[Refusal]:
    """What is wrong with a tranche plan (refusals on the field `tranches`).

    Rule 3: a single-payment award is one tranche in its approval year. Rule 4:
    tranches fall in consecutive calendar years, at most the article's number of
    years, from the first tranche year; annual caps count each tranche in its year.
    Rule 10: where the article limits the years of a single entity (单个主体), the
    years of all the enterprise's awards under it count together.
    """
    problems = []

    def problem(code: str, reason: str, **values) -> None:
        problems.append(Refusal(code, reason, "tranches", values))

    years = [y for y, _ in tranches]
    if years != sorted(set(years)) or years != list(range(years[0], years[0] + len(years))):
        problem("invalid_command", "years_not_consecutive", years=years)
    if years[0] < approved_on.year:
        problem("invalid_command", "tranche_before_approval_year", year=years[0],
                approval_year=approved_on.year)
    if len(years) > item.max_years:
        problem("exceeds_entitlement", "too_many_years", policy=item.policy,
                article=item.article, max_years=item.max_years, years=len(years))
    elif item.max_years == 1 and years != [approved_on.year]:
        problem("invalid_command", "single_payment_not_in_approval_year", years=years,
                approval_year=approved_on.year, policy=item.policy, article=item.article)
    if item.years_counted == "entity":
        earlier = sorted({y for a in history
                          if a.policy == item.policy and a.article == item.article
                          and a.application_id != application_id
                          for y in a.counted_by_year()})
        together = sorted(set(earlier) | set(years))
        if earlier and together[-1] - together[0] + 1 > item.max_years:
            problem("exceeds_entitlement", "entity_years_exceeded", policy=item.policy,
                    article=item.article, max_years=item.max_years, earlier=earlier,
                    years=years)
    for use in q.caps:
        if use.cap.scope != "enterprise_year":
            continue
        for y, amount in tranches:
            if y == use.year and amount > use.remaining:
                problem("exceeds_entitlement", "annual_cap_exceeded", year=y, tranche=amount,
                        policy=item.policy, article=use.cap.article, remaining=use.remaining)
    return problems


def support_window(item: Item, tranche_years: list[int]) -> tuple[int, int] | None:
    """Rule 4: the consecutive calendar years (first, last) in which a multi-year award
    may pay tranches, from its first tranche year; None for a single-payment item."""
    if item.max_years <= 1 or not tranche_years:
        return None
    first = min(tranche_years)
    return first, first + item.max_years - 1


def enterprise_caps(catalogue: Catalogue, history: tuple[Award, ...]) -> list[CapUse]:
    """Every cap the enterprise's awards count against, with what they use of it.

    One row per cap and what it is counted over: per award for item caps, per
    project, per tranche year, or in total. The same counting as `cap_uses`, which
    decides approvals, so the remaining caps shown never disagree with a decision.
    """
    rows: dict[tuple, CapUse] = {}

    def add(cap: Cap, year: int | None, project: str | None, amount: Decimal, key) -> None:
        prior = rows.get(key)
        rows[key] = CapUse(cap, year, project, (prior.used if prior else ZERO) + amount)

    for award in history:
        if award.status == Standing.REVOKED:
            continue
        item = catalogue.item(award.policy, award.article, award.item)
        for cap in item.caps:
            ident = (cap.policy, cap.article, cap.item, cap.scope)
            if cap.scope == "item":
                add(cap, None, award.project_id, award.counted,
                    (*ident, award.application_id))
            elif cap.scope == "project":
                add(cap, None, award.project_id, award.counted, (*ident, award.project_id))
            elif cap.scope == "enterprise_total":
                add(cap, None, None, award.counted, ident)
            else:
                for year, amount in award.counted_by_year().items():
                    add(cap, year, None, amount, (*ident, year))
    return sorted(rows.values(), key=lambda u: (u.cap.policy, u.cap.article, u.cap.item or "",
                                                u.cap.scope, u.year or 0, u.project_id or ""))
