"""The log's Merkle tree beside the event store: catching up, heads, proofs, restarts, races."""

from __future__ import annotations

import multiprocessing
import threading
from contextlib import closing

import pytest
from cryptography.hazmat.primitives import serialization

from lifecycle import log_tree, merkle
from lifecycle.grant import application_uuid
from lifecycle.ledger import Ledger
from lifecycle.log_audit import audit_log, verify_consistency_proof, verify_proof
from lifecycle.log_leaf import leaf_hash, read_records
from lifecycle.log_tree import LogTree, LogTreeError
from lifecycle.signing import SigningKey, verify_head
from tests.builders import register
from tests.conftest import run
from tests.lifecycle.log_tampering import Raw, grow, history


@pytest.fixture
def key():
    return SigningKey.generate()


def _leaves(ledger):
    return [leaf_hash(r) for r in read_records(ledger.recorder)]


def test_an_empty_log_has_a_signed_head_of_size_0(ledger, key):
    tree = LogTree(ledger, key)
    assert tree.head() is None and tree.heads() == []
    head = tree.catch_up()
    assert head["size"] == 0 and head["root"] == merkle.EMPTY_ROOT.hex()
    assert verify_head(head, [key.public_key]) and tree.heads() == [head]


def test_catching_up_appends_every_record_and_signs_its_root(ledger, key):
    tree = LogTree(ledger, key)
    history(ledger, 2)
    head = tree.catch_up()
    leaves = _leaves(ledger)
    assert head["size"] == len(leaves) > 0 and head["root"] == merkle.root(leaves).hex()
    assert verify_head(head, [key.public_key]) and tree.head() == head
    assert tree.catch_up() == head and tree.heads() == [head]  # nothing new, nothing signed
    grow(ledger, 2)
    newer = tree.checkpoint()
    assert newer["size"] == head["size"] + 2 and tree.heads() == [head, newer]
    assert tree.root_at(head["size"]).hex() == head["root"]


def test_a_long_catch_up_signs_a_head_per_chunk(ledger, key, monkeypatch):
    history(ledger, 4)
    monkeypatch.setattr(log_tree, "CHUNK", 7)
    tree = LogTree(ledger, key)
    head = tree.catch_up()
    sizes = [h["size"] for h in tree.heads()]
    assert sizes == [*range(7, head["size"], 7), head["size"]]
    assert audit_log(ledger, [key.public_key]).findings == []


def test_the_tree_and_its_heads_survive_a_restart(event_store, key):
    with closing(event_store.ledger()) as ledger:
        history(ledger, 2)
        first = LogTree(ledger, key).checkpoint()
    with closing(event_store.ledger()) as ledger:
        tree = LogTree(ledger, key)
        assert tree.head() == first and tree.heads() == [first]
        grow(ledger, 2, enterprises=3)
        second = tree.catch_up()
        assert second["root"] == merkle.root(_leaves(ledger)).hex()
        assert verify_consistency_proof(tree.consistency(first, second), [key]) == []
        assert audit_log(ledger, [key], [first, second]).findings == []


def test_every_record_has_an_inclusion_proof_in_every_head(ledger, key):
    tree = LogTree(ledger, key)
    history(ledger, 2)
    old = tree.catch_up()
    history_more = [register(n) for n in range(3, 40)]
    assert all(r["ok"] for r in run(ledger, *history_more))
    new = tree.catch_up()
    assert new["size"] > 32  # subtrees of 16 and 32 leaves come from log_nodes
    nids = [r.id for r in read_records(ledger.recorder)]
    for head in (old, new):
        covered = nids[:head["size"]]
        proof = tree.inclusion(covered, head)
        assert [e["leaf_index"] for e in proof["entries"]] == list(range(head["size"]))
        assert verify_proof(proof, [key.public_key]) == []
    assert tree.inclusion([nids[-1]])["checkpoint"] == new
    with pytest.raises(LogTreeError):
        tree.inclusion([nids[-1]], old)  # not in the older tree
    with pytest.raises(LogTreeError):
        tree.inclusion([nids[0]], key.sign_head(new["size"], bytes(32)))  # not this log
    sizes = [h["size"] for h in tree.heads()]
    for a in sizes:
        for b in sizes:
            if a <= b:
                heads = {h["size"]: h for h in tree.heads()}
                proof = tree.consistency(heads[a], heads[b])
                assert verify_consistency_proof(proof, [key.public_key]) == []


def test_an_aggregates_whole_history_is_proven_by_its_notification_ids(ledger, key):
    history(ledger, 2)
    with LogTree(ledger, key) as tree:
        tree.catch_up()
        app = application_uuid("A-2")
        nids = tree.notification_ids(app)
        assert len(nids) == len(list(ledger.events.get(app))) == 3
        proof = tree.inclusion(nids)
        assert [e["record"]["originator_version"] for e in proof["entries"]] == [1, 2, 3]
        assert verify_proof(proof, [key]) == []


def test_without_a_key_the_tree_reads_but_does_not_sign(ledger, key):
    history(ledger, 1)
    LogTree(ledger, key).catch_up()
    reader = LogTree(ledger)
    with pytest.raises(LogTreeError):
        reader.catch_up()
    assert reader.head()["size"] > 0
    assert verify_proof(reader.inclusion([1]), [key.public_key]) == []


def test_a_store_without_the_tables_has_no_heads_and_none_are_created(ledger):
    history(ledger, 1)
    tree = LogTree(ledger, create=False)
    assert tree.head() is None and tree.heads() == []
    assert tree.stored_leaves(5) == (tree.stored_leaves(0)[0], bytearray(),
                                     tree.stored_leaves(0)[2])
    report = audit_log(ledger, [], [])
    assert report.findings == [] and report.heads == 0 and report.newest_head is None


def test_the_tree_is_never_extended_past_a_record_it_cannot_read(event_store, ledger, key):
    tree = LogTree(ledger, key)
    history(ledger, 1)
    raw = Raw(event_store, ledger)
    try:
        nid = raw.rows()[1][0]
        if raw.sqlite:
            raw.sql(f"UPDATE {raw.table} SET originator_id = 'zz' WHERE rowid = ?", nid)
        else:
            raw.set_state(nid, None)
        with pytest.raises(LogTreeError):
            tree.catch_up()
        assert tree.head() is None
    finally:
        raw.close()


# -- two at once -----------------------------------------------------------------------


def test_two_trees_catching_up_at_once_record_consistent_heads(event_store, key):
    with closing(event_store.ledger()) as writer, closing(event_store.ledger()) as a, \
            closing(event_store.ledger()) as b:
        trees = [LogTree(a, key), LogTree(b, key)]
        stop = threading.Event()
        errors = []

        def follow(tree):
            try:
                while not stop.is_set():
                    tree.catch_up()
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=follow, args=(t,)) for t in trees]
        for t in threads:
            t.start()
        try:
            for n in range(1, 31):
                assert run(writer, register(n))[0]["ok"]
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        assert errors == []
        final = [t.catch_up() for t in trees]
        assert final[0] == final[1] and final[0]["size"] == 30
        heads = trees[0].heads()
        assert [h["size"] for h in heads] == sorted({h["size"] for h in heads})
        leaves = _leaves(writer)
        for h in heads:
            assert h["root"] == merkle.root(leaves[:h["size"]]).hex()
        assert audit_log(writer, [key], [h for h in heads]).findings == []


def _follow_in_a_process(settings, pem, rounds, queue):
    key = SigningKey(serialization.load_pem_private_key(pem, password=None))
    ledger = Ledger(env=settings)
    try:
        tree = LogTree(ledger, key)
        for _ in range(rounds):
            tree.catch_up()
        queue.put(tree.catch_up()["size"])
    except Exception as e:  # reported to the test
        queue.put(repr(e))
    finally:
        ledger.close()


def test_two_processes_catching_up_at_once_record_consistent_heads(event_store, key):
    pem = key._key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    with closing(event_store.ledger()) as writer:
        history(writer, 1)
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        procs = [ctx.Process(target=_follow_in_a_process,
                             args=(event_store.settings(), pem, 40, queue)) for _ in range(2)]
        for p in procs:
            p.start()
        for n in range(2, 22):
            assert run(writer, register(n))[0]["ok"]
        answers = [queue.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(60)
        assert all(isinstance(a, int) for a in answers), answers
        tree = LogTree(writer, key)
        final = tree.catch_up()
        assert final["root"] == merkle.root(_leaves(writer)).hex()
        assert audit_log(writer, [key], tree.heads()).findings == []


def test_a_tree_that_read_a_stale_head_loses_to_the_one_that_appended_and_reads_again(
        event_store, key):
    with closing(event_store.ledger()) as a, closing(event_store.ledger()) as b:
        first, second = LogTree(a, key), LogTree(b, key)
        first.catch_up()
        history(a, 1)
        stale = second._newest_row()
        won = first.catch_up()
        reads = []
        real = second._newest_row

        def stale_once():
            reads.append(1)
            return stale if len(reads) == 1 else real()

        second._newest_row = stale_once
        assert second.catch_up() == won  # its write was refused; it read again
        assert len(reads) == 2 and [h["size"] for h in first.heads()] == [0, won["size"]]
