"""Passwords: salted scrypt hashes in werkzeug's format, made and checked with the
standard library; every hash stored by earlier versions (werkzeug's scrypt or pbkdf2)
still opens its account."""

from __future__ import annotations

import sqlite3

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from web.users import USERS_FILE, Users, check_password, hash_password

PASSWORD = "correct-horse-1"


@pytest.mark.parametrize("method", ["scrypt", "scrypt:16384:8:1", "pbkdf2",
                                    "pbkdf2:sha256:600000", "pbkdf2:sha512:1000"])
def test_a_hash_werkzeug_stored_still_verifies(method):
    stored = generate_password_hash(PASSWORD, method=method)
    assert check_password(stored, PASSWORD)
    assert not check_password(stored, PASSWORD + "x")


def test_a_new_hash_is_salted_scrypt_in_werkzeugs_format():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("scrypt:32768:8:1$") and first != second
    assert check_password_hash(first, PASSWORD) and not check_password_hash(first, "other")


@pytest.mark.parametrize("stored", ["", "no-dollars", "md5$salt$abc", "scrypt:x$salt$abc",
                                    "pbkdf2:sha256:1:2$salt$abc", "scrypt$salt$é"])
def test_a_malformed_hash_verifies_nothing(stored):
    assert not check_password(stored, PASSWORD)


def test_a_user_whose_hash_werkzeug_wrote_logs_in(tmp_path):
    users = Users(tmp_path / USERS_FILE)
    users.add("sara", "staff", "temporary-1")
    with sqlite3.connect(tmp_path / USERS_FILE) as conn:
        conn.execute("UPDATE users SET password_hash = ? WHERE username = 'sara'",
                     (generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),))
    assert users.authenticate("sara", PASSWORD).username == "sara"
    assert users.authenticate("sara", "temporary-1") is None
    assert users.authenticate("nobody", PASSWORD) is None
