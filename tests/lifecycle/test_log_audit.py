"""Hand edits of the stored log, found and named from the records alone.

Each test writes a history through the real Ledger, catches the tree up and takes a
checkpoint, then edits `stored_events` rows with SQL, on a SQLite file and on a
PostgreSQL database, and asks `audit_log` what happened.
"""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass

import pytest

from lifecycle import audit, chain, log_audit
from lifecycle.integrity import verify as verify_chains
from lifecycle.log_audit import LogCheck, audit_log, verify_consistency_proof, verify_proof
from lifecycle.log_tree import LogTree
from lifecycle.signing import SigningKey, known_public_keys
from tests.lifecycle.log_tampering import Raw, grow, history


@dataclass
class Setup:
    ledger: object
    raw: Raw
    tree: LogTree
    key: SigningKey
    checkpoint: dict

    def audit(self, *checkpoints, keys=None):
        keys = keys or [self.key.public_key]
        alone = audit_log(self.ledger, keys, checkpoints)
        # `grants audit`'s one pass: the replay hands each record it reads to the check
        check = LogCheck(self.ledger, keys, checkpoints)
        audit.audit(self.ledger, also=check.feed)
        assert check.finish() == alone
        return alone

    def kinds(self, *checkpoints):
        return sorted({f.kind for f in self.audit(*checkpoints).findings})

    def only(self, kind, *checkpoints):
        found = [f for f in self.audit(*checkpoints).findings if f.kind == kind]
        assert len(found) == 1, self.audit(*checkpoints).findings
        return found[0]


def _setup(event_store, enterprises):
    ledger = event_store.ledger()
    key = SigningKey.generate()
    tree = LogTree(ledger, key)
    tree.catch_up()  # the empty log's head
    history(ledger, enterprises)
    checkpoint = json.loads(json.dumps(tree.checkpoint()))  # as it comes back from a file
    return Setup(ledger, Raw(event_store, ledger), tree, key, checkpoint)


@pytest.fixture
def setup(event_store):
    s = _setup(event_store, 3)
    yield s
    s.raw.close()
    s.ledger.close()


@pytest.fixture
def big(event_store):
    s = _setup(event_store, 16)
    yield s
    s.raw.close()
    s.ledger.close()


def _last_of_stream_in_the_middle(rows):
    """A row that is its aggregate's last event, and not the last row of the log."""
    last = {}
    for nid, agg, version, _, _ in rows:
        last[agg] = (nid, version)
    return next(r for r in rows[:-3] if last[r[1]][0] == r[0] and r[2] > 1)


# -- what passes -----------------------------------------------------------------------


def test_an_untouched_log_passes(setup):
    report = setup.audit(setup.checkpoint)
    assert report.findings == [] and report.ok
    assert report.records == setup.checkpoint["size"] == len(setup.raw.rows())
    assert report.checkpoints == 1 and report.heads == 2  # the empty log's, and this one
    assert report.newest_head == setup.checkpoint["size"] and report.unsigned == 0
    assert setup.audit().findings == []


def test_a_log_that_only_grew_since_a_checkpoint_passes(setup):
    grow(setup.ledger, 3)
    assert setup.audit(setup.checkpoint).findings == []
    report = setup.audit(setup.checkpoint)
    assert report.unsigned == 2 and report.records == setup.checkpoint["size"] + 2
    setup.tree.catch_up()
    assert setup.audit(setup.checkpoint).findings == []


def test_an_old_checkpoint_still_verifies_after_the_key_is_rotated(event_store, tmp_path):
    path = tmp_path / "keys" / "signing_key"
    with closing(event_store.ledger()) as ledger:
        history(ledger, 2)
        old = LogTree(ledger, SigningKey.load_or_create(path)).checkpoint()
        grow(ledger, 2)
        new = LogTree(ledger, SigningKey.rotate(path)).checkpoint()
        assert new["key"] != old["key"]
        keys = known_public_keys(path)
        assert audit_log(ledger, keys, [old, new]).findings == []
        only_new = audit_log(ledger, [SigningKey.load(path).public_key], [old])
        assert {f.kind for f in only_new.findings} == {"checkpoint_unknown_key",
                                                       "head_unknown_key"}


# -- deleted records -------------------------------------------------------------------


def test_the_last_event_deleted_is_a_record_lost(setup):
    nid, agg, *_ = setup.raw.rows()[-1]
    setup.raw.delete(nid)
    lost = setup.only("records_lost", setup.checkpoint)
    size = setup.checkpoint["size"]
    assert (lost.position, lost.aggregate_id) == (size - 1, agg)
    assert lost.detail["count"] == 1 and lost.detail["notification_id"] == nid
    assert lost.detail["size"] == size and lost.detail["records"] == size - 1
    # The stored heads alone say as much.
    assert setup.kinds() == ["head_mismatch", "records_lost"]


def test_the_last_50_events_deleted_are_records_lost(big):
    rows = big.raw.rows()
    assert len(rows) > 60
    for nid, *_ in rows[-50:]:
        big.raw.delete(nid)
    lost = big.only("records_lost", big.checkpoint)
    assert lost.detail["count"] == 50 and lost.position == len(rows) - 50
    assert lost.aggregate_id == rows[-50][1]
    assert set(lost.detail["aggregates"]) == {r[1] for r in rows[-50:]}
    assert big.kinds(big.checkpoint) == ["head_mismatch", "records_lost"]


def test_the_last_event_of_one_stream_deleted_is_named_though_no_chain_breaks(setup):
    rows = setup.raw.rows()
    nid, agg, version, _, _ = _last_of_stream_in_the_middle(rows)
    setup.raw.delete(nid)
    assert verify_chains(setup.ledger)[1] == []  # the aggregate's chain just ends earlier
    removed = setup.only("record_removed", setup.checkpoint)
    assert removed.position == [r[0] for r in rows].index(nid)
    assert removed.aggregate_id == agg and removed.detail["version"] == version
    assert setup.kinds(setup.checkpoint) == ["head_mismatch", "record_removed"]


def test_two_deleted_events_are_each_named(big):
    rows = big.raw.rows()
    gone = [rows[5], rows[20]]
    for row in gone:
        big.raw.delete(row[0])
    found = [f for f in big.audit(big.checkpoint).findings if f.kind == "record_removed"]
    assert [(f.position, f.aggregate_id) for f in found] == [(5, rows[5][1]), (20, rows[20][1])]
    assert big.kinds(big.checkpoint) == ["head_mismatch", "record_removed"]


# -- changed records -------------------------------------------------------------------


def test_a_state_changed_with_its_chain_hash_recomputed_is_named(setup):
    rows = setup.raw.rows()
    nid, agg, version, topic, state = _last_of_stream_in_the_middle(rows)
    decode, encode = (setup.ledger.mapper.transcoder.decode,
                      setup.ledger.mapper.transcoder.encode)
    body = decode(state)
    body["actor"] = "someone else"
    body["chain_hash"] = chain.chain_hash(topic, agg, version, body)
    setup.raw.set_state(nid, encode(body))
    assert verify_chains(setup.ledger)[1] == []  # the chain is consistent again
    changed = setup.only("record_changed", setup.checkpoint)
    assert (changed.position, changed.aggregate_id) == ([r[0] for r in rows].index(nid), agg)
    assert setup.kinds(setup.checkpoint) == ["head_mismatch", "record_changed"]


def test_a_record_changed_to_bytes_that_are_no_json_is_named_and_nothing_raises(setup):
    rows = setup.raw.rows()
    nid, agg = rows[4][0], rows[4][1]
    setup.raw.set_state(nid, b"{not json")
    report = setup.audit(setup.checkpoint)
    kinds = {(f.kind, f.position, f.aggregate_id) for f in report.findings}
    assert ("record_changed", 4, agg) in kinds and ("not_replayable", 4, agg) in kinds
    assert setup.kinds(setup.checkpoint) == ["head_mismatch", "not_replayable",
                                             "record_changed"]


def test_a_row_the_store_cannot_even_read_is_named_and_nothing_raises(setup):
    rows = setup.raw.rows()
    nid = rows[3][0]
    if setup.raw.sqlite:  # an aggregate id that is no UUID
        setup.raw.sql(f"UPDATE {setup.raw.table} SET originator_id = 'zz' WHERE rowid = ?", nid)
    else:  # a NULL state
        setup.raw.set_state(nid, None)
    report = setup.audit(setup.checkpoint)
    unreadable = [f for f in report.findings if f.kind == "not_replayable"]
    assert [f.detail["notification_id"] for f in unreadable] == [nid]
    changed = [f for f in report.findings if f.kind == "record_changed"]
    assert [(f.position, f.detail.get("unreadable")) for f in changed] == [(3, True)]
    assert report.records == len(rows) - 1


# -- moved, swapped, inserted ----------------------------------------------------------


def test_two_records_whose_contents_were_swapped_are_named(setup):
    rows = setup.raw.rows()
    a, b = rows[2], rows[3]
    setup.raw.set_body(a[0], b[3], b[4])
    setup.raw.set_body(b[0], a[3], a[4])
    swapped = setup.only("record_reordered", setup.checkpoint)
    assert (swapped.position, swapped.detail["swapped_with"]) == (2, 3)
    assert swapped.aggregate_id == a[1] and swapped.detail["other_aggregate_id"] == b[1]
    assert setup.kinds(setup.checkpoint) == ["head_mismatch", "record_reordered"]


def test_a_record_moved_to_another_position_is_named(setup):
    rows = setup.raw.rows()
    nid = rows[2][0]
    setup.raw.renumber(nid, rows[-1][0] + 10)  # now the last record of the log
    moved = setup.only("record_reordered", setup.checkpoint)
    assert (moved.position, moved.detail["was_position"]) == (len(rows) - 1, 2)
    assert moved.aggregate_id == rows[2][1]


def test_two_rows_that_exchanged_positions_are_named(setup):
    rows = setup.raw.rows()
    setup.raw.swap_positions(rows[1][0], rows[6][0])
    swapped = setup.only("record_reordered", setup.checkpoint)
    assert (swapped.position, swapped.detail["swapped_with"]) == (1, 6)
    assert swapped.aggregate_id == rows[1][1]
    assert setup.kinds(setup.checkpoint) == ["head_mismatch", "record_reordered"]


def test_a_forged_record_inserted_among_the_others_is_named(setup):
    rows = setup.raw.rows()
    nid, agg, version, topic, state = rows[5]
    setup.raw.make_room_after(nid)
    # A second copy of a real event, as a later version of the same aggregate.
    setup.raw.insert(agg, 99, topic, state, nid=nid + 1)
    inserted = setup.only("record_inserted", setup.checkpoint)
    assert (inserted.position, inserted.aggregate_id) == (6, agg)
    assert inserted.detail["notification_id"] == nid + 1
    assert setup.kinds(setup.checkpoint) == ["head_mismatch", "record_inserted"]


def test_records_renumbered_without_other_change_are_named(setup):
    rows = setup.raw.rows()
    setup.raw.make_room_after(rows[-3][0])
    renumbered = setup.only("record_renumbered", setup.checkpoint)
    assert renumbered.position == len(rows) - 2 and renumbered.detail["count"] == 2


# -- forged or foreign checkpoints and heads -------------------------------------------


def test_a_checkpoint_whose_root_was_changed_fails_its_signature(setup):
    forged = {**setup.checkpoint, "root": "00" * 32}
    assert setup.kinds(forged) == ["checkpoint_bad_signature"]
    bigger = {**setup.checkpoint, "size": setup.checkpoint["size"] - 1}
    assert setup.kinds(bigger) == ["checkpoint_bad_signature"]


def test_a_checkpoint_signed_by_another_key_is_named(setup):
    other = SigningKey.generate().sign_head(setup.checkpoint["size"],
                                            bytes.fromhex(setup.checkpoint["root"]))
    found = setup.only("checkpoint_unknown_key", other)
    assert found.detail["key"] == other["key"]


def test_a_checkpoint_not_of_this_log_is_a_mismatch_that_cannot_be_located(setup):
    foreign = setup.key.sign_head(setup.checkpoint["size"], bytes(32))
    mismatch = setup.only("checkpoint_mismatch", foreign)
    assert mismatch.detail["size"] == setup.checkpoint["size"]
    assert setup.kinds(foreign) == ["checkpoint_mismatch"]


def test_without_a_checkpoint_the_stored_heads_find_a_change(setup):
    rows = setup.raw.rows()
    setup.raw.delete(rows[4][0])
    report = setup.audit()
    kinds = [f.kind for f in report.findings]
    assert kinds == ["head_mismatch", "record_removed"]
    mismatch = report.findings[0]
    assert mismatch.detail["size"] == mismatch.detail["first_size"] == setup.checkpoint["size"]
    assert mismatch.detail["last_good_size"] == 0


def test_a_stored_head_edited_by_hand_fails_its_signature(setup):
    setup.raw.tree_sql("UPDATE log_heads SET root_hash = ? WHERE tree_size = ?", bytes(32),
                       setup.checkpoint["size"])
    found = setup.only("head_bad_signature")
    assert found.detail["size"] == setup.checkpoint["size"]
    assert setup.kinds(setup.checkpoint) == ["head_bad_signature"]


def test_an_edited_leaf_table_is_named_and_the_records_still_pass(setup):
    setup.raw.tree_sql("UPDATE log_leaves SET record_hash = ? WHERE leaf_index = 2", bytes(32))
    assert setup.kinds(setup.checkpoint) == ["leaves_mismatch"]


def test_a_change_with_the_leaf_table_changed_too_is_found_but_cannot_be_located(setup):
    rows = setup.raw.rows()
    setup.raw.delete(rows[4][0])
    setup.raw.tree_sql("DELETE FROM log_leaves WHERE leaf_index >= 4")
    # The log is shorter than the checkpoint: that much is certain, not where.
    assert setup.kinds(setup.checkpoint) == ["checkpoint_mismatch", "head_mismatch",
                                             "leaves_mismatch", "records_lost"]


# -- proofs for outsiders ---------------------------------------------------------------


def test_an_inclusion_proof_verifies_with_no_store_and_fails_when_anything_changed(setup):
    rows = setup.raw.rows()
    proof = json.loads(json.dumps(setup.tree.inclusion([rows[0][0], rows[7][0]])))
    keys = [setup.key.public_key]
    assert verify_proof(proof, keys) == []
    assert {f.kind for f in verify_proof(proof, [SigningKey.generate().public_key])} == {
        "checkpoint_unknown_key"}

    changed = json.loads(json.dumps(proof))
    changed["entries"][1]["record"]["originator_version"] += 1
    assert [(f.kind, f.position) for f in verify_proof(changed, keys)] == [
        ("record_changed", 7)]
    moved = json.loads(json.dumps(proof))
    moved["entries"][0]["leaf_index"] = 1
    assert [f.kind for f in verify_proof(moved, keys)] == ["proof_invalid"]
    bent = json.loads(json.dumps(proof))
    bent["entries"][1]["audit_path"][0] = "00" * 32
    assert [f.kind for f in verify_proof(bent, keys)] == ["proof_invalid"]
    assert [f.kind for f in verify_proof({"entries": []}, keys)] == ["proof_malformed"]
    broken = json.loads(json.dumps(proof))
    del broken["entries"][0]["audit_path"]
    assert [f.kind for f in verify_proof(broken, keys)] == ["proof_malformed"]


def test_a_consistency_proof_shows_an_old_checkpoint_is_a_prefix_of_the_new(setup):
    grow(setup.ledger, 3, enterprises=5)
    proof = json.loads(json.dumps(setup.tree.consistency(setup.checkpoint)))
    assert proof["new"]["size"] == setup.checkpoint["size"] + 5
    keys = [setup.key.public_key]
    assert verify_consistency_proof(proof, keys) == []
    proof["proof"][0] = "00" * 32
    assert [f.kind for f in verify_consistency_proof(proof, keys)] == ["proof_invalid"]


# -- the stored leaves' roots, taken from the records when the leaves are theirs -------


def _tamper_nothing(setup):
    pass


def _tamper_the_leaf_table(setup):
    setup.raw.tree_sql("UPDATE log_leaves SET record_hash = ? WHERE leaf_index = 2", bytes(32))


def _tamper_the_last_record(setup):
    setup.raw.delete(setup.raw.rows()[-1][0])


def _tamper_a_record_in_the_middle(setup):
    setup.raw.delete(setup.raw.rows()[4][0])


def _grow_after_the_checkpoint(setup):
    grow(setup.ledger, 10)
    setup.tree.catch_up()


@pytest.mark.parametrize("tamper", [_tamper_nothing, _tamper_the_leaf_table,
                                    _tamper_the_last_record, _tamper_a_record_in_the_middle,
                                    _grow_after_the_checkpoint])
def test_the_stored_leaves_roots_taken_from_the_records_find_as_recomputing_them(
        setup, tamper, monkeypatch):
    """`_same_roots` (the stored leaves are the recomputed ones: their roots were taken
    already) gives the findings of recomputing every stored leaf's root."""
    tamper(setup)
    keys = [setup.key.public_key]
    taken, same_roots = [], log_audit._same_roots
    monkeypatch.setattr(log_audit, "_same_roots",
                        lambda *args: taken.append(same_roots(*args)) or taken[-1])
    quick = audit_log(setup.ledger, keys, [setup.checkpoint])
    assert (taken[0] is not None) == (tamper in (_tamper_nothing, _grow_after_the_checkpoint))
    monkeypatch.setattr(log_audit, "_same_roots", lambda *args: None)
    assert audit_log(setup.ledger, keys, [setup.checkpoint]) == quick
