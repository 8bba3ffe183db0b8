"""Signed tree heads (checkpoints) of the log, with Ed25519 keys kept outside the event store.

A signed tree head says "the log had `size` records with Merkle root `root` at `time`"
(RFC 9162 section 4.10 calls it a signed tree head). As JSON:

    {"size": 1234, "root": "<64 hex>", "time": "2026-11-22T08:01:02.123456Z",
     "key": "<fingerprint: SHA-256 of the raw public key, 64 hex>",
     "public_key": "<base64 of the 32-byte raw public key>",
     "signature": "<base64 of the 64-byte Ed25519 signature>"}

The signature covers these bytes (UTF-8), modelled on the body of a C2SP tlog-checkpoint
signed note (origin line, size in decimal, root in standard base64, one extension line),
each line ended by a newline:

    grant-ledger
    1234
    <base64 of the 32-byte root>
    time 2026-11-22T08:01:02.123456Z

Keys: `SigningKey.load_or_create(path)` keeps the private key as PKCS#8 PEM in a file
of mode 0600 (its folder made 0700 when created), by default `signing_key` in the data
folder or `GRANTS_SIGNING_KEY`. Every public key ever used is listed in
`signing_keys.pub` beside it (one `ed25519 <base64> <fingerprint>` line each), so
checkpoints signed before a `rotate` stay verifiable; `known_public_keys(path)` reads
them. A head names its key by fingerprint; a verifier trusts only keys it was given,
never the `public_key` carried in the head.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ORIGIN = "grant-ledger"
KEY_FILE = "signing_key"
PUBLIC_KEYS_FILE = "signing_keys.pub"
HEAD_FIELDS = ("size", "root", "time", "key", "public_key", "signature")

OK, MALFORMED, UNKNOWN_KEY, BAD_SIGNATURE = "ok", "malformed", "unknown_key", "bad_signature"


def key_path(data: str | os.PathLike, given: str | os.PathLike | None = None) -> Path:
    """Where the signing key is: `given` (GRANTS_SIGNING_KEY), else `signing_key` in the
    data folder."""
    return Path(given) if given else Path(data) / KEY_FILE


def fingerprint(public_key: bytes) -> str:
    """The name of a key: SHA-256 of its 32 raw bytes, in hex."""
    return hashlib.sha256(public_key).hexdigest()


def now() -> str:
    """The current time as a head carries it: ISO 8601, UTC, microseconds, `Z`."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def signed_bytes(size: int, root: bytes, time: str) -> bytes:
    """The bytes a head's signature covers (see the module docstring)."""
    return (f"{ORIGIN}\n{size}\n{base64.b64encode(root).decode()}\ntime {time}\n").encode()


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class SigningKey:
    """An Ed25519 private key that signs the log's tree heads."""

    def __init__(self, private_key: Ed25519PrivateKey, path: Path | None = None):
        self._key = private_key
        self.path = path
        self.public_key = _raw(private_key.public_key())
        self.fingerprint = fingerprint(self.public_key)

    @classmethod
    def generate(cls) -> SigningKey:
        """A new key held only in memory (tests, or before `save`)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: str | os.PathLike) -> SigningKey:
        path = Path(path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} holds no Ed25519 private key")
        return cls(key, path)

    @classmethod
    def load_or_create(cls, path: str | os.PathLike) -> SigningKey:
        """The key in `path`, created there (mode 0600) on first use; listed in the .pub file.

        Two processes creating it at once end with one key: the file appears whole or
        not at all (written aside, then hard-linked into place), and the loser loads
        the winner's.
        """
        path = Path(path)
        if not path.exists():
            _write_new(path, Ed25519PrivateKey.generate(), replace=False)
        key = cls.load(path)
        add_public_key(path, key.public_key)
        return key

    @classmethod
    def rotate(cls, path: str | os.PathLike) -> SigningKey:
        """Replace the key in `path` with a new one; the old public key stays listed."""
        path = Path(path)
        if path.exists():
            add_public_key(path, cls.load(path).public_key)
        _write_new(path, Ed25519PrivateKey.generate(), replace=True)
        key = cls.load(path)
        add_public_key(path, key.public_key)
        return key

    def sign_head(self, size: int, root: bytes, time: str | None = None) -> dict:
        """A signed tree head: the log had `size` records with Merkle root `root` at `time`."""
        time = time or now()
        signature = self._key.sign(signed_bytes(size, root, time))
        return {"size": size, "root": root.hex(), "time": time, "key": self.fingerprint,
                "public_key": base64.b64encode(self.public_key).decode(),
                "signature": base64.b64encode(signature).decode()}


def _write_new(path: Path, key: Ed25519PrivateKey, replace: bool) -> None:
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)  # whatever the umask
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
        os.fsync(fd)
        os.close(fd)
        if replace:
            os.replace(tmp, path)
        else:
            with contextlib.suppress(FileExistsError):  # another process won: theirs it is
                os.link(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def public_keys_path(key_file: str | os.PathLike) -> Path:
    return Path(key_file).parent / PUBLIC_KEYS_FILE


def add_public_key(key_file: str | os.PathLike, public_key: bytes) -> None:
    """List `public_key` in the signing_keys.pub beside `key_file`, unless it is there."""
    pub = public_keys_path(key_file)
    if public_key in read_public_keys(pub):
        return
    with open(pub, "a", encoding="ascii") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # two processes starting at once list it once
        if public_key not in read_public_keys(pub):
            f.write(f"ed25519 {base64.b64encode(public_key).decode()} "
                    f"{fingerprint(public_key)}\n")


def read_public_keys(pub: str | os.PathLike) -> list[bytes]:
    """The raw public keys listed in a signing_keys.pub file (none if it is missing)."""
    try:
        lines = Path(pub).read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        return []
    keys = []
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "ed25519":
            raw = base64.b64decode(parts[1])
            if len(raw) == 32 and raw not in keys:
                keys.append(raw)
    return keys


def known_public_keys(key_file: str | os.PathLike) -> list[bytes]:
    """Every public key that may have signed this store's heads: the .pub list and the key's."""
    keys = read_public_keys(public_keys_path(key_file))
    try:  # an auditor may hold the .pub file only, or may not read the key
        own = SigningKey.load(key_file).public_key
    except (OSError, ValueError):
        return keys
    if own not in keys:
        keys.append(own)
    return keys


def _as_raw(key: bytes | str | Ed25519PublicKey | SigningKey) -> bytes:
    if isinstance(key, SigningKey):
        return key.public_key
    if isinstance(key, Ed25519PublicKey):
        return _raw(key)
    if isinstance(key, str):
        return base64.b64decode(key)
    return bytes(key)


def check_head(head: dict, public_keys: Iterable) -> str:
    """"ok", "malformed", "unknown_key" (not signed by any of `public_keys`) or "bad_signature".

    `public_keys`: raw 32-byte keys, base64 strings, Ed25519PublicKey or SigningKey.
    """
    try:
        size, time = head["size"], head["time"]
        root = bytes.fromhex(head["root"])
        signature = base64.b64decode(head["signature"], validate=True)
        key_name = head["key"]
    except (KeyError, TypeError, ValueError, binascii.Error):
        return MALFORMED
    if (not isinstance(size, int) or isinstance(size, bool) or size < 0 or len(root) != 32
            or not isinstance(time, str) or "\n" in time or len(signature) != 64):
        return MALFORMED
    by_name = {fingerprint(raw): raw for raw in map(_as_raw, public_keys)}
    raw = by_name.get(key_name)
    if raw is None:
        return UNKNOWN_KEY
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, signed_bytes(size, root, time))
    except (InvalidSignature, ValueError):
        return BAD_SIGNATURE
    return OK


def verify_head(head: dict, public_keys: Iterable) -> bool:
    """Was `head` signed, unchanged, by one of `public_keys`?"""
    return check_head(head, public_keys) == OK
