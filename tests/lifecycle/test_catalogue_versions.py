"""Every catalogue version an approval used stays loadable by its hash."""

from __future__ import annotations

from contextlib import closing

from policies import catalogue as catalogue_module
from tests.builders import approve, certify, register, submit
from tests.conftest import run


def test_an_older_catalogue_version_loads_again_and_again_after_the_rules_change(event_store):
    with closing(event_store.ledger()) as ledger:
        assert all(r["ok"] for r in run(ledger, register(1), submit("A-1", 1), certify("A-1"),
                                         approve("A-1")))
        old = ledger.catalogue.version
    sources = catalogue_module.read_sources()
    sources["tz-am-2025.toml"] = sources["tz-am-2025.toml"].replace(
        'basis = "event_expenditure"\n  rate = "0.50"',
        'basis = "event_expenditure"\n  rate = "0.40"')
    changed = catalogue_module.from_sources(sources)
    assert changed.version != old
    with closing(event_store.ledger(catalogue=changed)) as ledger:
        for _ in range(3):  # the snapshot is cached after the first load
            loaded = ledger.catalogue_of(old)
            assert loaded.version == old
            assert loaded.item("tz-am-2025", 14, None).rate == 0.5
