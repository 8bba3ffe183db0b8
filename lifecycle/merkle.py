"""Merkle tree hashing, inclusion and consistency proofs, exactly as RFC 9162 section 2.1.

Pure: no I/O, SHA-256 throughout. A tree is given by its leaf hashes in log order
(`leaf_hash(data)` of each entry), so the functions that build proofs take that list;
those ending in `_with` take instead a function `subtree(lo, hi)` answering MTH(D[lo:hi]),
so a store that keeps the roots of complete subtrees can answer in O(log n) look-ups.

- `root(leaf_hashes)`: the Merkle Tree Hash MTH (section 2.1.1).
- `CompactRange`: the right edge of a growing tree (the roots of its complete subtrees),
  so that appending n leaves costs O(n) hashes in all and the root costs O(log n).
- `inclusion_proof`, `verify_inclusion`: sections 2.1.3.1 and 2.1.3.2.
- `consistency_proof`, `verify_consistency`: sections 2.1.4.1 and 2.1.4.2.

Sizes and indices are plain ints (0-based leaf index); hashes are 32-byte `bytes`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) (section 2.1.1)

Subtree = Callable[[int, int], bytes]  # (lo, hi) -> MTH(D[lo:hi])


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = HASH(0x00 || d) (section 2.1.1)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """HASH(0x01 || left || right): an interior node (section 2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """k, the largest power of two smaller than n (n > 1), where MTH splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """The roots of the complete subtrees on the right edge of a tree of `size` leaves.

    For size n = 2^a + 2^b + ... (a > b > ...) it holds the roots of the perfect
    subtrees D[0:2^a], D[2^a:2^a+2^b], ... in that order; MTH(D[n]) folds them from
    the right (section 2.1.1 splits at the largest power of two, so the left part is
    always one of them). `append` merges equal-sized neighbours, as a binary counter
    carries: n appends cost fewer than 2n hashes.
    """

    __slots__ = ("size", "hashes")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()):
        if size < 0 or len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} edge roots, "
                             f"not {len(hashes)}")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add the next leaf hash; answer the subtrees it completed, as (level, index, hash).

        Level l, index i is the perfect subtree D[i * 2^l : (i + 1) * 2^l]; level 0 (the
        leaf itself) is not listed.
        """
        completed = []
        node, level, size = leaf, 0, self.size
        while size & 1:
            node = node_hash(self.hashes.pop(), node)
            size >>= 1
            level += 1
            completed.append((level, size, node))
        self.hashes.append(node)
        self.size += 1
        return completed

    def extend(self, leaves: Sequence[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """MTH of the leaves appended so far (EMPTY_ROOT for none)."""
        if not self.hashes:
            return EMPTY_ROOT
        node = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            node = node_hash(left, node)
        return node

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.hashes)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the given leaf hashes (section 2.1.1)."""
    edge = CompactRange()
    edge.extend(leaf_hashes)
    return edge.root()


def _over(leaf_hashes: Sequence[bytes]) -> Subtree:
    return lambda lo, hi: root(leaf_hashes[lo:hi])


# -- inclusion (section 2.1.3) ---------------------------------------------------------


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) over the first `size` of `leaf_hashes` (section 2.1.3.1)."""
    if not 0 <= index < size <= len(leaf_hashes):
        raise ValueError(f"no leaf {index} in a tree of {size} (of {len(leaf_hashes)} leaves)")
    return inclusion_proof_with(_over(leaf_hashes), index, size)


def inclusion_proof_with(subtree: Subtree, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]), asking `subtree(lo, hi)` for each MTH(D[lo:hi]) it needs.

    Section 2.1.3.1 recursively: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) when
    m < k, else PATH(m - k, D[k:n]) : MTH(D[0:k]). Walked here from the top down, so
    the siblings come out root-first and are reversed at the end (leaf-first).
    """
    if not 0 <= index < size:
        raise ValueError(f"no leaf {index} in a tree of {size}")
    path = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split(hi - lo)
        if index < lo + k:
            path.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            path.append(subtree(lo, lo + k))
            lo += k
    path.reverse()
    return path


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """The root the proof leads to from `leaf` (section 2.1.3.2), or None where it fails."""
    if not 0 <= index < size or len(leaf) != HASH_SIZE:
        return None
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0 or len(p) != HASH_SIZE:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     root_hash: bytes) -> bool:
    """Does `proof` show leaf hash `leaf` at `index` of the tree of `size` with `root_hash`?

    The verification algorithm of RFC 9162 section 2.1.3.2.
    """
    return root_from_inclusion(leaf, index, size, proof) == root_hash


# -- consistency (section 2.1.4) -------------------------------------------------------


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) over `leaf_hashes` (section 2.1.4.1)."""
    if not 0 <= old_size <= new_size <= len(leaf_hashes):
        raise ValueError(f"no consistency proof from {old_size} to {new_size} "
                         f"(of {len(leaf_hashes)} leaves)")
    return consistency_proof_with(_over(leaf_hashes), old_size, new_size)


def consistency_proof_with(subtree: Subtree, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true), asking `subtree` for each MTH it needs.

    Section 2.1.4.1: SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])};
    for m < n, with k the split of n: m <= k gives SUBPROOF(m, D[0:k], b) : MTH(D[k:n]),
    m > k gives SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]). The proof from the empty
    tree, and from a tree to itself, is empty.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from {old_size} to {new_size}")
    if old_size in (0, new_size):
        return []
    proof = []
    m, lo, hi, whole = old_size, 0, new_size, True
    while True:
        if m == hi - lo:
            if not whole:
                proof.append(subtree(lo, hi))
            break
        k = split(hi - lo)
        if m <= k:
            proof.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree(lo, lo + k))
            lo += k
            m -= k
            whole = False
    proof.reverse()
    return proof


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Does `proof` show the tree (old_size, old_root) is a prefix of (new_size, new_root)?

    The verification algorithm of RFC 9162 section 2.1.4.2; the edge cases it leaves
    to the caller: any tree is consistent with itself (empty proof, equal roots) and
    the empty tree with every tree (empty proof); a tree never shrinks.
    """
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof or any(len(c) != HASH_SIZE for c in proof):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of 2
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
