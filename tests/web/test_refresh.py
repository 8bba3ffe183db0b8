"""Every read brings the node's views up to the log first, with one cheap check: the log's
last notification id against the views' position. A write on one node shows at the next
read on another; when nothing was written, nothing is caught up."""

from __future__ import annotations

from contextlib import closing

import pytest

from tests.builders import credit_code, register
from tests.conftest import TEST_CLOCK, create_database, drop_database
from web.services import Services


def _enterprises(services) -> set[str]:
    with services.reader() as views:
        return {r[0] for r in views.db.execute("SELECT enterprise_id FROM enterprises")}


@pytest.fixture
def two_nodes(tmp_path):
    url = create_database()
    try:
        with closing(Services(tmp_path / "a", url, clock=TEST_CLOCK)) as a, \
                closing(Services(tmp_path / "b", url, clock=TEST_CLOCK)) as b:
            yield a, b
    finally:
        drop_database(url)


@pytest.mark.postgres
def test_a_write_on_one_node_shows_at_the_next_read_on_another(two_nodes):
    a, b = two_nodes
    assert _enterprises(b) == set()
    assert a.execute_json(register(1))["ok"]
    assert _enterprises(b) == {credit_code(1)}


@pytest.mark.postgres
def test_nothing_is_caught_up_when_the_log_did_not_grow(two_nodes, monkeypatch):
    a, b = two_nodes
    a.execute_json(register(1))
    b.refresh()
    caught = []
    original = b.follower.catch_up
    monkeypatch.setattr(b.follower, "catch_up", lambda *x: caught.append(1) or original(*x))
    for _ in range(20):
        b.refresh()
    assert caught == []
    a.execute_json(register(2))
    b.refresh()
    b.refresh()
    assert caught == [1]


def test_the_node_that_wrote_needs_no_catch_up_for_its_own_write(event_store, monkeypatch):
    with closing(Services(event_store.data, event_store.event_store or None,
                          clock=TEST_CLOCK)) as services:
        services.execute_json(register(1))
        caught = []
        monkeypatch.setattr(services.follower, "catch_up", lambda *x: caught.append(1))
        with services.reader():
            pass
        assert caught == []
