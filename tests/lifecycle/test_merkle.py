"""RFC 9162 Merkle trees: the reference vectors, and properties of every proof.

The vectors are the 8-leaf reference tree of RFC 6962/9162 as published in the test
data of transparency-dev/merkle (proof/verify_test.go, rfc6962/rfc6962_test.go): the
leaf data, the root of each prefix D[1..8], inclusion proofs and consistency proofs.
Only the values are copied here.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle import merkle
from lifecycle.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex

LEAVES = [h(x) for x in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                         "606162636465666768696a6b6c6d6e6f")]
LEAF_HASHES = [leaf_hash(d) for d in LEAVES]
ROOTS = [h(x) for x in (  # MTH(D[1]) .. MTH(D[8])
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
# (0-based leaf index, tree size, audit path)
INCLUSION = [
    (0, 1, []),
    (0, 8, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (5, 8, [h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (1, 5, [h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
]
# (old size, new size, proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (6, 8, [h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
    (2, 5, [h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
    (6, 7, [h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
]
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def flip(proof, i, bit):
    wrong = list(proof)
    wrong[i] = bytes([wrong[i][0] ^ bit]) + wrong[i][1:]
    return wrong


# -- hashing ---------------------------------------------------------------------------


def test_the_hashes_of_section_2_1_1():
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root([]) == EMPTY_ROOT
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")


@pytest.mark.parametrize("size", range(1, 9))
def test_the_root_of_each_prefix_of_the_reference_tree(size):
    assert root(LEAF_HASHES[:size]) == ROOTS[size - 1]


def test_a_compact_range_gives_every_prefix_root_and_names_the_subtrees_it_completes():
    edge = CompactRange()
    assert edge.root() == EMPTY_ROOT
    completed = []
    for size, leaf in enumerate(LEAF_HASHES, start=1):
        completed += edge.append(leaf)
        assert edge.size == size and len(edge.hashes) == size.bit_count()
        assert edge.root() == ROOTS[size - 1]
    assert [(level, index) for level, index, _ in completed] == [
        (1, 0), (1, 1), (2, 0), (1, 2), (1, 3), (2, 1), (3, 0)]
    assert completed[-1][2] == ROOTS[7]
    assert dict(((lv, i), x) for lv, i, x in completed)[(2, 0)] == ROOTS[3]
    again = CompactRange(edge.size, edge.hashes)
    assert again.root() == ROOTS[7]
    with pytest.raises(ValueError):
        CompactRange(3, edge.hashes)


# -- inclusion -------------------------------------------------------------------------


@pytest.mark.parametrize("index,size,path", INCLUSION)
def test_the_reference_inclusion_proofs(index, size, path):
    assert inclusion_proof(LEAF_HASHES, index, size) == path
    leaf, root_hash = LEAF_HASHES[index], ROOTS[size - 1]
    assert verify_inclusion(leaf, index, size, path, root_hash)
    wrong = [
        (index - 1, size, root_hash, leaf, path), (index + 1, size, root_hash, leaf, path),
        (index ^ 2, size, root_hash, leaf, path), (index, size * 2, root_hash, leaf, path),
        (index, size // 2, root_hash, leaf, path),
        (index, size, root_hash, b"WrongLeaf", path), (index, size, EMPTY_ROOT, leaf, path),
        (index, size, SOME_HASH, leaf, path), (index, size, root_hash, leaf, path + [b""]),
        (index, size, root_hash, leaf, path + [root_hash]),
        (index, size, root_hash, leaf, [b""] + path),
        (index, size, root_hash, leaf, [root_hash] + path),
    ]
    wrong += [(index, size, root_hash, leaf, flip(path, i, 8)) for i in range(len(path))]
    if path:
        wrong.append((index, size, root_hash, leaf, path[:-1]))
    if len(path) > 1:
        wrong.append((index, size, root_hash, leaf, [path[0], SOME_HASH] + path[1:]))
    for i, n, r, lf, p in wrong:
        assert not verify_inclusion(lf, i, n, p, r), (i, n, r, lf, p)


@pytest.mark.parametrize("index,size", [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_inclusion_in_an_empty_or_too_small_tree_never_verifies(index, size):
    assert not verify_inclusion(SOME_HASH, index, size, [], b"")
    assert not verify_inclusion(b"", index, size, [], EMPTY_ROOT)
    assert not verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)


def test_a_single_leaf_tree_proves_its_leaf_with_an_empty_path():
    one = merkle.leaf_hash(b"data")
    assert verify_inclusion(one, 0, 1, [], one)
    assert not verify_inclusion(b"", 0, 1, [], one)
    assert not verify_inclusion(one, 0, 1, [], b"")


def test_proofs_of_leaves_outside_the_tree_are_refused():
    with pytest.raises(ValueError):
        inclusion_proof(LEAF_HASHES, 8, 8)
    with pytest.raises(ValueError):
        inclusion_proof(LEAF_HASHES, 0, 9)
    with pytest.raises(ValueError):
        consistency_proof(LEAF_HASHES, 5, 4)


# -- consistency -----------------------------------------------------------------------


@pytest.mark.parametrize("old,new,proof", CONSISTENCY)
def test_the_reference_consistency_proofs(old, new, proof):
    assert consistency_proof(LEAF_HASHES, old, new) == proof
    r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
    assert verify_consistency(old, new, r1, r2, proof)
    if not proof:
        return
    wrong = [
        (old - 1, new, r1, r2, proof), (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof), (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof), (old, new, b"WrongRoot", r2, proof),
        (old, new, r1, b"WrongRoot", proof), (old, new, r2, r1, proof),
        (old, new, r1, r2, []), (old, new, r1, r2, proof + [b""]),
        (old, new, r1, r2, proof + [r1]), (old, new, r1, r2, proof + [r2]),
        (old, new, r1, r2, [b""] + proof), (old, new, r1, r2, [r1] + proof),
        (old, new, r1, r2, [r2] + proof), (old, new, r1, r2, [proof[0]] + proof),
        (old, new, r1, r2, proof[:-1]),
    ]
    wrong += [(old, new, r1, r2, flip(proof, i, 16)) for i in range(len(proof))]
    for m, n, a, b, p in wrong:
        assert not verify_consistency(m, n, a, b, p), (m, n, a, b, p)


def test_the_edge_cases_of_consistency():
    r1, r2 = b"don't care 1", b"don't care 2"
    assert not verify_consistency(0, 0, r1, r2, [])
    assert not verify_consistency(1, 1, r1, r2, [])
    assert verify_consistency(0, 0, r1, r1, [])
    assert verify_consistency(0, 1, r1, r2, [])
    assert verify_consistency(1, 1, r2, r2, [])
    assert not verify_consistency(1, 0, r1, r2, [])
    assert not verify_consistency(2, 1, r1, r2, [])
    assert not verify_consistency(1, 2, r1, r2, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, r2, [])
    assert not verify_consistency(1, 1, EMPTY_ROOT, r2, [])
    for m, n in ((0, 0), (0, 1), (1, 1)):
        assert not verify_consistency(m, n, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])


# -- properties ------------------------------------------------------------------------

leaves_st = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True)


def _hashes(data):
    return [leaf_hash(d) for d in data]


def _changed(x: bytes) -> bytes:
    return hashlib.sha256(x).digest()


@given(leaves_st, st.data())
def test_every_inclusion_proof_verifies_and_nothing_changed_does(data, draw):
    hashes = _hashes(data)
    size = draw.draw(st.integers(1, len(hashes)))
    index = draw.draw(st.integers(0, size - 1))
    root_hash = root(hashes[:size])
    proof = inclusion_proof(hashes, index, size)
    assert len(proof) <= (size - 1).bit_length()
    assert verify_inclusion(hashes[index], index, size, proof, root_hash)
    assert not verify_inclusion(_changed(hashes[index]), index, size, proof, root_hash)
    assert not verify_inclusion(hashes[index], index, size, proof, _changed(root_hash))
    for other in {index - 1, index + 1}:
        if 0 <= other < size and hashes[other] != hashes[index]:
            assert not verify_inclusion(hashes[index], other, size, proof, root_hash)
    for other_size in {size - 1, size + 1, size * 2, size // 2}:
        # A tree size whose path has another shape fails; one with the same shape is
        # bound by the signed tree head, not by the proof (RFC 9162 section 2.1.3.2).
        if other_size > index and len(inclusion_proof(hashes * 2, index, other_size)) != len(
                proof):
            assert not verify_inclusion(hashes[index], index, other_size, proof, root_hash)
    for i in range(len(proof)):
        assert not verify_inclusion(hashes[index], index, size, flip(proof, i, 1), root_hash)


@given(leaves_st, st.data())
def test_every_consistency_proof_verifies_and_nothing_changed_does(data, draw):
    hashes = _hashes(data)
    new = draw.draw(st.integers(1, len(hashes)))
    old = draw.draw(st.integers(1, new))
    r1, r2 = root(hashes[:old]), root(hashes[:new])
    proof = consistency_proof(hashes, old, new)
    assert verify_consistency(old, new, r1, r2, proof)
    if old == new:
        assert proof == []
        return
    assert not verify_consistency(old, new, _changed(r1), r2, proof)
    assert not verify_consistency(old, new, r1, _changed(r2), proof)
    for other in {old - 1, old + 1}:
        if 0 < other < new and root(hashes[:other]) != r1:
            assert not verify_consistency(other, new, r1, r2, proof)
    for i in range(len(proof)):
        assert not verify_consistency(old, new, r1, r2, flip(proof, i, 1))
    # A tree whose old part changed is not consistent with the old root.
    changed = list(hashes[:new])
    at = draw.draw(st.integers(0, old - 1))
    changed[at] = _changed(changed[at])
    assert not verify_consistency(old, new, r1, root(changed), consistency_proof(changed, old,
                                                                                  new))


@given(leaves_st)
def test_the_compact_range_agrees_with_the_recursive_definition(data):
    hashes = _hashes(data)

    def mth(d):
        if len(d) == 1:
            return d[0]
        k = merkle.split(len(d))
        return node_hash(mth(d[:k]), mth(d[k:]))

    edge = CompactRange()
    for i, x in enumerate(hashes, start=1):
        edge.append(x)
        assert edge.root() == mth(hashes[:i])
