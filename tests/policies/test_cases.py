"""The calculator against worked cases written from the policy texts (OpenFisca style).

Every file in cases/ holds `[[cases]]` tables:

    name    a sentence saying what is expected (the test id)
    cite    where the expectation comes from: seed prefix and article, DOMAIN rule
    xfail   (optional) why the calculator is known to disagree: a strict xfail
    expect  max_amount (a "0.00" string) or refusal (an error code); optionally
            trace (rule codes that must appear), most_favourable ("policy/article/item"),
            candidates (the exact list of "policy/article/item"), problems (the error
            codes calculator.plan_problems gives for input.plan)
    input   policy, article, item, project_id, basis {name = "amount"}, requested,
            submitted_on, on (quote date, default submitted_on), years (tranche years),
            enterprise {size (default "small"), dishonesty = [dates]},
            plan {approved_on, tranches = [{year, amount}]},
            history = [{policy (default input.policy), article, item, application_id,
                        project_id (default application_id), amount, status (default
                        "active"), tranches = [{year, amount, paid}] or the shorthand
                        year (default the quote year) and paid (default true) for one
                        tranche of the whole amount}]

Every expected number is worked out by hand from the policy text, not copied from the
calculator.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from policies import calculator, catalogue
from policies.facts import Award, Enterprise, Request, Tranche
from policies.money import yuan

CATALOGUE = catalogue.load()
CASES = [
    (path.name, case)
    for path in sorted((Path(__file__).parent / "cases").glob("*.toml"))
    for case in tomllib.loads(path.read_text(encoding="utf-8"))["cases"]
]


def _param(case: dict):
    marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if "xfail" in case else []
    return pytest.param(case, id=case["name"], marks=marks)


def item_key(policy: str, article: int, item: str | None) -> str:
    return CATALOGUE.item(policy, article, item).key


def award(n: int, h: dict, inp: dict, on) -> Award:
    app = h.get("application_id", f"H-{n}")
    policy = h.get("policy", inp["policy"])
    tranches = h.get("tranches") or [
        {"year": h.get("year", on.year), "amount": h["amount"], "paid": h.get("paid", True)}]
    tranches = tuple(Tranche(t["year"], Decimal(t["amount"]), t.get("paid", True))
                     for t in tranches)
    amount = Decimal(h["amount"]) if "amount" in h else sum(t.amount for t in tranches)
    return Award(app, policy, h["article"], item_key(policy, h["article"], h.get("item")),
                 h.get("project_id", app), amount, tranches, h.get("status", "active"))


def run(inp: dict):
    on = inp.get("on", inp["submitted_on"])
    history = tuple(award(n, h, inp, on) for n, h in enumerate(inp.get("history", []), 1))
    req = Request(
        application_id="APP", policy=inp["policy"], article=inp["article"],
        item=inp.get("item"), project_id=inp.get("project_id", "APP"),
        basis={k: Decimal(v) for k, v in inp.get("basis", {}).items()},
        requested=Decimal(inp["requested"]), submitted_on=inp["submitted_on"], history=history)
    ent = inp.get("enterprise", {})
    enterprise = Enterprise(ent.get("size", "small"), tuple(ent.get("dishonesty", ())))
    years = tuple(inp["years"]) if "years" in inp else None
    return calculator.quote(CATALOGUE, req, enterprise, on, years), history


def key(c) -> str:
    return f"{c.policy}/{c.article}/{c.item}"


@pytest.mark.parametrize("case", [_param(c) for _, c in CASES])
def test_case(case):
    inp, expect = case["input"], case["expect"]
    q, history = run(inp)
    trace = "\n".join(f"{t.rule}: {t.values} {t.amount}" for t in q.trace)
    if "refusal" in expect:
        assert q.refusal is not None and q.refusal.code == expect["refusal"], trace
        assert q.max_amount == 0
    else:
        assert q.refusal is None, trace
        assert yuan(q.max_amount) == expect["max_amount"], trace
    assert all(t.policy == inp["policy"] for t in q.trace)
    for rule in expect.get("trace", []):
        assert rule in [t.rule for t in q.trace], trace
    if "most_favourable" in expect:
        assert [key(c) for c in q.candidates if c.most_favourable] == [expect["most_favourable"]]
    if "candidates" in expect:
        assert sorted(key(c) for c in q.candidates) == sorted(expect["candidates"])
    if "problems" in expect:
        plan = inp["plan"]
        tranches = [(t["year"], Decimal(t["amount"])) for t in plan["tranches"]]
        problems = calculator.plan_problems(q.item, q, tranches, plan["approved_on"], history,
                                            "APP")
        assert sorted(p.code for p in problems) == sorted(expect["problems"]), problems


def test_every_catalogue_item_has_a_case():
    covered = {(c["input"]["policy"], c["input"]["article"],
                item_key(c["input"]["policy"], c["input"]["article"], c["input"].get("item")))
               for _, c in CASES}
    missing = {(i.policy, i.article, i.key) for i in CATALOGUE.items()} - covered
    assert not missing, sorted(missing)


def test_cases_are_well_formed():
    names = [c["name"] for _, c in CASES]
    assert len(names) == len(set(names)), "case names must be unique (they are the test ids)"
    for file, c in CASES:
        assert set(c) <= {"name", "cite", "xfail", "expect", "input"}, (file, c["name"])
        assert re.match(r"\d{3} |DOMAIN rule", c["cite"]), (file, c["name"])
        assert ("max_amount" in c["expect"]) != ("refusal" in c["expect"]), (file, c["name"])
        assert ("plan" in c["input"]) == ("problems" in c["expect"]), (file, c["name"])
