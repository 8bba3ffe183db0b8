"""Signed tree heads: the key file, what a signature covers, and key rotation."""

from __future__ import annotations

import base64
import multiprocessing
import stat

import pytest

from lifecycle import signing
from lifecycle.signing import SigningKey, check_head, known_public_keys, verify_head

ROOT = bytes(range(32))


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_the_key_is_created_on_first_use_readable_only_by_its_owner(tmp_path):
    path = tmp_path / "keys" / "signing_key"
    key = SigningKey.load_or_create(path)
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    again = SigningKey.load_or_create(path)
    assert again.public_key == key.public_key and len(key.public_key) == 32
    assert key.fingerprint == signing.fingerprint(key.public_key) and len(key.fingerprint) == 64
    assert known_public_keys(path) == [key.public_key]
    pub = (tmp_path / "keys" / "signing_keys.pub").read_text().split()
    assert pub == ["ed25519", base64.b64encode(key.public_key).decode(), key.fingerprint]


def test_the_key_path_is_grants_signing_key_else_in_the_data_folder(tmp_path):
    assert signing.key_path(tmp_path) == tmp_path / "signing_key"
    assert signing.key_path(tmp_path, "/k/x").as_posix() == "/k/x"


def _create(path, queue):
    queue.put(SigningKey.load_or_create(path).public_key)


def test_two_processes_creating_the_key_at_once_end_with_one_key(tmp_path):
    path = tmp_path / "signing_key"
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_create, args=(path, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    keys = {queue.get(timeout=60) for _ in procs}
    for p in procs:
        p.join(60)
    assert len(keys) == 1 and known_public_keys(path) == list(keys)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_head_carries_its_size_root_time_and_key_and_verifies():
    key = SigningKey.generate()
    head = key.sign_head(7, ROOT, "2026-11-22T08:00:00.000000Z")
    assert set(head) == set(signing.HEAD_FIELDS)
    assert head["size"] == 7 and head["root"] == ROOT.hex() and head["key"] == key.fingerprint
    assert verify_head(head, [key.public_key])
    assert verify_head(head, [base64.b64encode(key.public_key).decode()])
    assert signing.signed_bytes(7, ROOT, head["time"]) == (
        b"grant-ledger\n7\n" + base64.b64encode(ROOT) + b"\ntime 2026-11-22T08:00:00.000000Z\n")
    assert SigningKey.generate().sign_head(0, ROOT)["time"].endswith("Z")


@pytest.mark.parametrize("field,value", [
    ("size", 8), ("root", bytes(32).hex()), ("time", "2026-11-22T08:00:01.000000Z")])
def test_a_head_with_a_changed_field_fails(field, value):
    key = SigningKey.generate()
    head = {**key.sign_head(7, ROOT, "2026-11-22T08:00:00.000000Z"), field: value}
    assert check_head(head, [key.public_key]) == signing.BAD_SIGNATURE


def test_a_head_signed_by_a_key_not_known_fails_even_with_its_public_key_inside():
    key, other = SigningKey.generate(), SigningKey.generate()
    head = other.sign_head(7, ROOT)
    assert check_head(head, [key.public_key]) == signing.UNKNOWN_KEY
    # Claiming the known key's name does not help the other key's signature.
    forged = {**head, "key": key.fingerprint, "public_key": base64.b64encode(
        key.public_key).decode()}
    assert check_head(forged, [key.public_key]) == signing.BAD_SIGNATURE


@pytest.mark.parametrize("change", [
    {"size": -1}, {"size": "7"}, {"size": True}, {"root": "zz"}, {"root": "ab"},
    {"signature": "not base64!"}, {"signature": base64.b64encode(b"short").decode()},
    {"time": 5}, {"time": "x\ny"}])
def test_a_malformed_head_is_named_and_never_raises(change):
    key = SigningKey.generate()
    head = {**key.sign_head(7, ROOT), **change}
    assert check_head(head, [key.public_key]) == signing.MALFORMED
    assert check_head({}, [key.public_key]) == signing.MALFORMED


def test_after_a_rotation_old_heads_still_verify_and_new_ones_name_the_new_key(tmp_path):
    path = tmp_path / "signing_key"
    old = SigningKey.load_or_create(path)
    old_head = old.sign_head(3, ROOT)
    new = SigningKey.rotate(path)
    assert new.fingerprint != old.fingerprint
    assert SigningKey.load_or_create(path).fingerprint == new.fingerprint
    assert _mode(path) == 0o600
    keys = known_public_keys(path)
    assert keys == [old.public_key, new.public_key]
    assert verify_head(old_head, keys) and verify_head(new.sign_head(4, ROOT), keys)
    assert not verify_head(old_head, [new.public_key])


def test_an_auditor_with_only_the_public_key_file_knows_the_keys(tmp_path):
    path = tmp_path / "signing_key"
    key = SigningKey.load_or_create(path)
    path.unlink()
    assert known_public_keys(path) == [key.public_key]
    assert known_public_keys(tmp_path / "elsewhere" / "signing_key") == []
