"""The policy catalogue: complete, traceable to the seed texts, strictly loaded, versioned."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from policies import calculator, catalogue
from policies.catalogue import CatalogueError
from policies.facts import Enterprise, Request
from policies.money import add_years

CATALOGUE = catalogue.load()
SOURCES = catalogue.read_sources()
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"no seed texts at {SEEDS}")


@pytest.mark.parametrize("policy, articles", [
    ("tz-am-2025", range(4, 17)),
    ("tz-de-2025", range(4, 15)),
])
def test_every_support_article_is_present_with_items(policy, articles):
    p = CATALOGUE.policy(policy)
    assert sorted(p.articles) == list(articles)
    assert all(p.articles[n].items for n in articles)


# --- citations ----------------------------------------------------------------------------


def all_cites():
    """(where, Cite) for every citation in the catalogue."""
    for ladder in CATALOGUE.ladders.values():
        for c in ladder.cites:
            yield f"ladder {ladder.key}", c
    for p in CATALOGUE.policies.values():
        for attr in ("issued_cite", "valid_cite", "non_duplication_cite"):
            if getattr(p, attr):
                yield f"{p.id} {attr}", getattr(p, attr)
        if p.repeals:
            yield f"{p.id} repeals", p.repeals["cite"]
        for attr in ("dishonesty_cite", "max_awards_cite"):
            if getattr(p.eligibility, attr):
                yield f"{p.id} {attr}", getattr(p.eligibility, attr)
        for a in p.articles.values():
            for n, c in enumerate(a.cites):
                yield f"{p.id} art {a.number} cite {n}", c
            for i in a.items:
                for t in i.thresholds:
                    yield f"{p.id} art {a.number} {i.key} threshold {t.basis}", t.cite


NOT_VERBATIM: dict[str, str] = {}  # cites known not to be verbatim (none now)


def _cite_param(where, cite):
    marks = ([pytest.mark.xfail(strict=True, reason=NOT_VERBATIM[where])]
             if where in NOT_VERBATIM else [])
    return pytest.param(cite, id=where, marks=marks)


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@needs_seeds
@pytest.mark.parametrize("cite", [_cite_param(w, c) for w, c in all_cites()])
def test_cite_is_verbatim_in_its_seed(cite):
    seed = SEEDS / cite.seed
    assert seed.is_file(), f"no seed file {cite.seed}"
    text = normalized(seed.read_text(encoding="utf-8"))
    for fragment in re.split(r"\.\.\.| … ", cite.text or ""):
        assert normalized(fragment) in text, fragment


@needs_seeds
def test_every_policy_seed_exists():
    for p in CATALOGUE.policies.values():
        assert p.authoritative_seed in p.seeds
        for seed in p.seeds:
            assert (SEEDS / seed).is_file(), (p.id, seed)


# --- the strict loader ----------------------------------------------------------------------


def modified(name: str, old: str, new: str) -> dict[str, str]:
    assert old in SOURCES[name], old
    return {**SOURCES, name: SOURCES[name].replace(old, new, 1)}


def strict(name, old, new, bug=None):
    marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
    return pytest.param(name, old, new, marks=marks, id=f"{name}: {new.strip()[:50]}")


@pytest.mark.parametrize("name, old, new", [
    # an unknown key, at every level of a file
    strict("tz-am-2025.toml", 'level = "district"', 'level = "district"\nlevl = "x"'),
    strict("tz-am-2025.toml", "number = 4\n", "number = 4\nnumbr = 4\n"),
    strict("tz-am-2025.toml", 'key = "pilot-testing"', 'key = "pilot-testing"\n  rat = "0.1"'),
    strict("tz-am-2025.toml", 'amount = "10000000" }', 'amount = "10000000", amont = "1" }'),
    strict("tz-am-2025.toml", "article = 4, text", 'article = 4, txt = "x", text'),
    strict("bj-2ind.toml", 'at_least = "0.30",', 'at_least = "0.30", atleast = "1",'),
    strict("bj-hps-2024.toml", "max_awards_per_enterprise = 1",
           "max_awards_per_enterprise = 1\nmax_award = 2"),
    strict("ladders.toml", 'key = "smart-factory"', 'key = "smart-factory"\nkee = 1'),
    strict("ladders.toml", '{ key = "lighthouse-factory",',
           '{ key = "lighthouse-factory", cap = "1",'),
    strict("ladders.toml", "[[ladders]]", 'ladder = "x"\n[[ladders]]'),
    strict("tz-am-2025.toml", 'repeals = { id = "tz-am-2024",',
           'repeals = { idd = "x", id = "tz-am-2024",'),
    # unknown names and malformed values
    strict("tz-am-2025.toml", 'basis = "verified_total_investment"',
           'basis = "verified_investment"'),
    strict("bj-2ind.toml", 'of = "annual_operating_income"', 'of = "operating_income"'),
    strict("tz-am-2025.toml", 'scope = "project", amount = "10000000"',
           'scope = "per_project", amount = "10000000"'),
    strict("tz-am-2025.toml", 'scope = "project", amount = "10000000"',
           'scope = "project", amount = 10000000'),
    strict("tz-am-2025.toml", 'ladder = "smart-factory"', 'ladder = "smart-factories"'),
    strict("tz-am-2025.toml", 'rung = "lighthouse-factory"', 'rung = "lighthouse"'),
    strict("tz-am-2025.toml", 'rate = "0.30"', 'rate = "0.3O"'),
    strict("tz-am-2025.toml", "issued = 2025-05-08", "issued = 2025-05-08T09:00:00"),
])
def test_strict_loader_rejects(name, old, new):
    with pytest.raises(CatalogueError):
        catalogue.from_sources(modified(name, old, new))


def test_the_data_files_load_strictly_as_they_are():
    assert catalogue.from_sources(SOURCES).version == CATALOGUE.version


NEW_POLICY = '''
id = "tz-xx-2026"
level = "district"
title_zh = "测试细则"
title_en = "Test rules"
authoritative_seed = "999_test.txt"
seeds = ["999_test.txt"]
issued = 2026-01-01
valid_years = 2
non_duplication_cite = { seed = "999_test.txt", article = 9, text = "从优不重复" }

[[articles]]
number = 3
title_zh = "测试"
title_en = "Test article"
cites = [{ seed = "999_test.txt", article = 3 }]
  [[articles.items]]
  key = "test-item"
  title_zh = "测试项目"
  title_en = "Test item"
  basis = "contract_amount"
  rate = "0.25"
  caps = [{ scope = "enterprise_year", amount = "70000" }]
'''


def test_a_new_policy_file_is_loaded_and_quoted_without_code_change():
    cat = catalogue.from_sources({**SOURCES, "tz-xx-2026.toml": NEW_POLICY})
    assert set(cat.policies) == set(CATALOGUE.policies) | {"tz-xx-2026"}
    assert cat.policy("tz-xx-2026").valid_until == date(2028, 1, 1)
    req = Request("A", "tz-xx-2026", 3, None, "A", {"contract_amount": Decimal("200000")},
                  Decimal("60000"), date(2026, 3, 1))
    q = calculator.quote(cat, req, Enterprise("small"), date(2026, 3, 1))
    assert q.refusal is None and q.max_amount == Decimal("50000.00")  # 25% of 200,000
    req = Request("B", "tz-xx-2026", 3, None, "B", {"contract_amount": Decimal("400000")},
                  Decimal("100000"), date(2026, 3, 1))
    assert calculator.quote(cat, req, Enterprise("small"), date(2026, 3, 1)).max_amount == 70000


# --- versions -------------------------------------------------------------------------------


def test_the_version_depends_on_the_texts_only():
    assert catalogue.from_sources(dict(SOURCES)).version == CATALOGUE.version
    versions = {CATALOGUE.version}
    for name in SOURCES:
        versions.add(catalogue.from_sources({**SOURCES, name: SOURCES[name] + "\n# x\n"}).version)
    assert len(versions) == len(SOURCES) + 1


# --- validity (DOMAIN rule 2) -----------------------------------------------------------------


@pytest.mark.parametrize("policy, day, in_force", [
    ("tz-am-2025", date(2025, 5, 7), False),
    ("tz-am-2025", date(2025, 5, 8), True),   # issued
    ("tz-am-2025", date(2028, 5, 7), True),   # last day
    ("tz-am-2025", date(2028, 5, 8), False),  # valid_until, exclusive
    ("tz-de-2025", date(2025, 4, 29), False),
    ("tz-de-2025", date(2025, 4, 30), True),
    ("tz-de-2025", date(2028, 4, 29), True),
    ("tz-de-2025", date(2028, 4, 30), False),
    ("bj-hps-2024", date(2025, 11, 24), False),
    ("bj-hps-2024", date(2025, 11, 25), True),
    ("bj-hps-2024", date(2040, 1, 1), True),  # no stated end
    ("bj-2ind", date(2000, 1, 1), True),      # no dates at all
])
def test_policy_in_force(policy, day, in_force):
    assert CATALOGUE.policy(policy).in_force(day) is in_force


def test_valid_until_is_three_years_after_issuance():
    assert CATALOGUE.policy("tz-am-2025").valid_until == date(2028, 5, 8)
    assert CATALOGUE.policy("tz-de-2025").valid_until == date(2028, 4, 30)
    assert CATALOGUE.policy("bj-hps-2024").valid_until is None


def test_a_29_february_issuance_ends_on_1_march():
    assert add_years(date(2024, 2, 29), 3) == date(2027, 3, 1)


def test_a_successor_rule_set_dropped_in_the_policies_folder_is_loaded(tmp_path):
    from policies import catalogue as catalogue_module

    text = SOURCES["tz-am-2025.toml"].replace('id = "tz-am-2025"', 'id = "tz-am-2028"').replace(
        "issued = 2025-05-08", "issued = 2028-05-08")
    (tmp_path / "tz-am-2028.toml").write_text(text, encoding="utf-8")
    loaded = catalogue_module.load(extra_dir=tmp_path)  # GRANTS_POLICIES_DIR (web/settings.py)
    assert loaded.policy("tz-am-2028").in_force(date(2029, 1, 1))
    assert not loaded.policy("tz-am-2025").in_force(date(2029, 1, 1))
    assert loaded.version != CATALOGUE.version
