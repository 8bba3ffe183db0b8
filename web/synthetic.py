"""A seeded, realistic history of the bureau's work, as contract commands.

Used for the demo data of `scripts/run`, the crash and concurrency tests and the
benchmarks. Every amount it asks for is derived from the catalogue (rates and
caps are read, never restated), so most commands succeed, and some fail the way
real ones do (an annual cap reached, an evaluation failed, a duplicate project).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from lifecycle.credit_code import check_character
from policies.catalogue import Catalogue, Item, Policy
from policies.money import yuan

SECTORS = ("pharmaceutical-health", "intelligent-equipment", "electronic-materials",
           "new-energy-vehicles", "green-urban", "artificial-intelligence", "cybersecurity",
           "data-elements", "blockchain", "advanced-computing")
SIZES = ("large", "medium", "small", "small", "micro", "micro")
NAMES_ZH = ("智造", "云图", "星河", "京东方", "华芯", "中科", "通达", "运河", "潞城", "新元",
            "数智", "宏远", "博创", "恒信", "锐科", "启明", "天工", "凌云", "海纳", "金桥")
SUFFIX_ZH = ("科技有限公司", "智能装备有限公司", "生物医药有限公司", "信息技术有限公司",
             "新材料股份有限公司", "数字科技有限公司")
# What the generated applications ask for: (policy, article, item), weighted.
MIX = (
    (("tz-am-2025", 14, "industrial-event"), 6),
    (("tz-de-2025", 14, "industrial-event"), 3),
    (("tz-am-2025", 4, "pilot-testing"), 3),
    (("tz-am-2025", 9, "upgrade-project"), 3),
    (("tz-am-2025", 10, "loan-interest"), 2),
    (("tz-de-2025", 11, "digital-infrastructure"), 1),
    (("tz-am-2025", 16, "innovation-voucher"), 4),
    (("tz-de-2025", 6, "computing-voucher"), 3),
    (("tz-am-2025", 5, "first-set"), 2),
    (("tz-am-2025", 12, "international-certification"), 2),
    (("tz-am-2025", 13, "group-standard"), 2),
    (("tz-am-2025", 7, "municipal-enterprise-technology-center"), 1),
    (("tz-am-2025", 7, "municipal-innovation-platform"), 1),
    (("bj-hps-2024", 2, "allocated-subsidy"), 1),
)
# Two recognitions of one ladder, the lower first: the second pays only the difference.
PROMOTION = (("tz-am-2025", 7, "municipal-enterprise-technology-center"),
             ("tz-de-2025", 8, "municipal-innovation-center"))
# Basis figures drawn for rate-based items, in yuan (low, high).
BASIS_RANGE = {
    "event_expenditure": (100_000, 1_500_000),
    "verified_total_investment": (1_000_000, 40_000_000),
    "actual_interest": (100_000, 3_000_000),
    "fixed_asset_investment": (2_000_000, 60_000_000),
    "contract_amount": (20_000, 2_000_000),
    "municipal_support": (200_000, 5_000_000),
}


def credit_code(n: int) -> str:
    body = f"91110112MA{n:07d}"
    return body + check_character(body)


def _amount(x: float) -> Decimal:
    return Decimal(int(x * 100)) / 100


class _Clock:
    """Business dates that move forward within one application."""

    def __init__(self, rng: random.Random, start: date):
        self.rng, self.day = rng, start

    def after(self, low: int, high: int) -> date:
        self.day += timedelta(days=self.rng.randint(low, high))
        return self.day


def _item_cap(item: Item, scope: str) -> Decimal | None:
    return next((c.amount for c in item.caps if c.scope == scope), None)


def _requested(rng: random.Random, item: Item, basis: dict[str, Decimal]) -> Decimal:
    if item.rate is not None:
        full = (basis[item.basis] * item.rate).quantize(Decimal("0.01"), ROUND_DOWN)
    else:
        full = _item_cap(item, "item") or _item_cap(item, "project") or Decimal(2_000_000)
    for scope in ("item", "project", "enterprise_total", "enterprise_year"):
        cap = _item_cap(item, scope)
        if cap is not None:
            full = min(full, cap)
    return max(Decimal("1000.00"), _amount(float(full) * rng.uniform(0.7, 1.0)))


def _application(emit, rng: random.Random, item: Item, ent: str, app: str, clock: _Clock,
                 submitted: date, end: date) -> None:
    """One application's life, as far as it got by `end`: every step dated after it is left
    for the future, so some applications are undecided, some tranches unpaid, some
    evaluations late, as a real register holds them."""
    basis = {b: _amount(rng.uniform(*BASIS_RANGE.get(b, (100_000, 1_000_000))))
             for b in item.required_basis}
    requested = _requested(rng, item, basis)
    emit(submitted, {"type": "SubmitApplication", "application_id": app, "enterprise_id": ent,
                     "policy": item.policy, "article": item.article, "item": item.key,
                     "basis": {k: yuan(v) for k, v in basis.items()},
                     "requested_amount": yuan(requested), "actor": "staff-wang"})
    certified_basis = {k: _amount(float(v) * rng.uniform(0.85, 1.0)) for k, v in basis.items()}
    day = clock.after(5, 30)
    if day > end:
        return
    emit(day, {"type": "CertifyApplication", "application_id": app,
               "basis": {k: yuan(v) for k, v in certified_basis.items()}, "actor": "staff-li"})
    decided = clock.after(5, 40)
    if decided > end:
        return
    if rng.random() < 0.08:
        emit(decided, {"type": "RejectApplication", "application_id": app,
                       "reason": "申报材料不全", "actor": "staff-zhao"})
        return
    years = item.max_years if item.max_years > 1 and rng.random() < 0.8 else 1
    amount = _requested(rng, item, certified_basis) if item.rate is not None else requested
    amount = min(amount, requested)
    approve = {"type": "ApproveApplication", "application_id": app, "actor": "staff-zhao"}
    if years > 1:
        share = (amount / years).quantize(Decimal("0.01"), ROUND_DOWN)
        plan = [share] * (years - 1) + [amount - share * (years - 1)]
        approve["tranches"] = [{"year": decided.year + i, "amount": yuan(a)}
                               for i, a in enumerate(plan)]
    emit(decided, approve)
    day = decided
    for i in range(years):
        year = decided.year + i
        planned = date(year, 1, 1) + timedelta(days=rng.randint(0, 150))
        day = max(planned, day + timedelta(days=rng.randint(3, 20)))
        if day > end or (i and rng.random() < 0.08):
            break  # not paid yet, or stalled
        emit(day, {"type": "DisburseTranche", "application_id": app, "year": year,
                   "actor": "staff-li"})
        if years > 1:
            # A year is evaluated once it has ended (DOMAIN.md rule 9), mostly in January.
            on_time = rng.random() < 0.85
            review = date(year + 1, 1, rng.randint(2, 20)) if on_time else \
                date(year + 1, 1, 1) + timedelta(days=rng.randint(25, 110))
            day = max(review, day + timedelta(days=5))
            if day > end:
                break
            result = "fail" if rng.random() < 0.07 else "pass"
            emit(day, {"type": "RecordEvaluation", "application_id": app, "year": year,
                       "result": result,
                       "note": "绩效评价" if result == "pass" else "未达绩效目标",
                       "actor": "staff-zhao"})
            if result == "fail":
                break
    if rng.random() < 0.01 and day + timedelta(days=30) <= end:
        day += timedelta(days=30)
        emit(day, {"type": "RevokeAward", "application_id": app,
                   "reason": "提供虚假材料", "actor": "staff-zhao"})
        if rng.random() < 0.5 and day + timedelta(days=40) <= end:
            emit(day + timedelta(days=40), {"type": "RecordRepayment", "application_id": app,
                                            "amount": "1000.00", "note": "部分退回",
                                            "actor": "staff-li"})


def _successors(catalogue: Catalogue) -> dict[str, Policy]:
    """Each policy id mapped to the rule set that repeals it, where the catalogue holds one."""
    return {p.repeals["id"]: p for p in catalogue.policies.values() if p.repeals}


def _in_force(catalogue: Catalogue, successors: dict[str, Policy], item: Item,
              day: date) -> Item | None:
    """The item as the rule set of its family in force on `day` has it: the item itself,
    the same article and item of a successor (one that repeals it, or repeals that one),
    or None when no rule set of the family is in force that day."""
    policy = catalogue.policy(item.policy)
    while not policy.in_force(day):
        policy = successors.get(policy.id)
        if policy is None:
            return None
    if policy.id == item.policy:
        return item
    try:
        return catalogue.item(policy.id, item.article, item.key)
    except LookupError:
        return None


def history(catalogue: Catalogue, enterprises: int = 300, start: date = date(2025, 6, 1),
            end: date = date(2028, 4, 15), seed: int = 1) -> Iterator[dict]:
    """Contract commands, sorted by business date, for `enterprises` enterprises.

    An application names the rule set of its item's family in force on its submission
    date: a successor the catalogue holds (one that `repeals` it, say from files in
    GRANTS_POLICIES_DIR) takes over when the first expires, so a long history keeps
    applying; with no successor, applications after the end are left out.
    """
    rng = random.Random(seed)
    successors = _successors(catalogue)
    mix = [m for m, weight in MIX for _ in range(weight)]
    commands: list[tuple[date, int, dict]] = []
    counter = 0

    def emit(at: date, cmd: dict) -> None:
        nonlocal counter
        counter += 1
        cmd["at"] = at.isoformat()
        commands.append((at, counter, cmd))

    app_no = 0
    for n in range(1, enterprises + 1):
        ent = credit_code(n)
        size = rng.choice(SIZES)
        registered = start + timedelta(days=rng.randint(0, 60))
        emit(registered, {"type": "RegisterEnterprise", "enterprise_id": ent,
                          "name": rng.choice(NAMES_ZH) + rng.choice(NAMES_ZH)
                          + rng.choice(SUFFIX_ZH),
                          "size": size, "sectors": rng.sample(SECTORS, rng.randint(1, 2)),
                          "actor": "staff-wang"})
        if rng.random() < 0.02:
            emit(registered + timedelta(days=rng.randint(1, 400)),
                 {"type": "RecordDishonesty", "enterprise_id": ent,
                  "note": "信用平台记录严重失信", "actor": "staff-li"})
        span_days = (end - registered).days
        applications = max(1, int(rng.gauss(span_days / 365 * 1.6, 1)))
        promoted = n % 50 == 7  # a few enterprises climb a ladder of recognitions
        for k in range(applications):
            app_no += 1
            key = PROMOTION[k] if promoted and k < len(PROMOTION) else rng.choice(mix)
            item = catalogue.item(*key)
            if item.sizes is not None and size not in item.sizes:
                continue
            clock = _Clock(rng, registered + timedelta(days=400 * k if promoted else 0))
            submitted = clock.after(1, max(2, span_days - 5))
            item = _in_force(catalogue, successors, item, submitted)
            if submitted > end or item is None:
                continue
            _application(emit, rng, item, ent, f"TZ-{submitted.year}-{app_no:07d}", clock,
                         submitted, end)
    commands.sort(key=lambda c: (c[0], c[1]))
    # Number applications in the order they were submitted, as a bureau's register does.
    numbers: dict[str, str] = {}
    for _, _, cmd in commands:
        if "application_id" in cmd:
            old = cmd["application_id"]
            if old not in numbers:
                year = old.split("-")[1]
                numbers[old] = f"TZ-{year}-{len(numbers) + 1:05d}"
            cmd["application_id"] = numbers[old]
        yield cmd
