"""The data folder is the bureau's: created 0700, each file in it 0600, whatever the umask
(issue 15: `users.sqlite` and `events.sqlite` were created readable by every local user)."""

from __future__ import annotations

import os
import stat
from contextlib import closing, contextmanager
from datetime import date

import pytest

from lifecycle.signing import SigningKey
from tests.builders import register
from tests.conftest import TEST_CLOCK
from web import daily
from web.app import create_app
from web.services import Services
from web.users import Users


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o000])
def test_every_file_of_a_new_data_folder_is_the_owners_alone(tmp_path, mask):
    data = tmp_path / "new" / "var"
    with umask(mask), closing(Services(data, clock=TEST_CLOCK)) as services:
        assert services.execute_json(register(1))["ok"]
        daily.run_daily(services, date(2026, 1, 5))
        Users(services).add("sara", "staff", "correct-horse-1")  # accounts are events now
        SigningKey.load_or_create(data / "signing_key")
        app = create_app({"GRANTS_DATA": str(data), "GRANTS_SCHEDULER": "on"})
        try:
            scheduler, _ = app.extensions["grants_scheduler"]
            scheduler.shutdown(wait=False)
        finally:
            app.extensions["grants"].close()
        found = {p.name: mode(p) for p in data.iterdir() if p.is_file()}

    assert mode(data) == 0o700
    expected = {"events.sqlite", "views.sqlite", "secret_key", "signing_key",
                "scheduler.lock", daily.LAST_RUN_FILE}
    assert expected <= set(found)
    assert any(name.endswith(("-wal", "-shm")) for name in found), found
    public = {"signing_keys.pub"}  # public keys: for auditors to copy
    assert {name: m for name, m in found.items() if name not in public} == {
        name: 0o600 for name in found if name not in public}


def test_the_api_keeps_no_file_of_its_own(tmp_path):
    """Idempotency keys are answers recorded in the log now: no api.sqlite to protect."""
    data = tmp_path / "var"
    with umask(0o022):
        app = create_app({"GRANTS_DATA": str(data), "SECRET_KEY": "t"})
    app.extensions["grants"].close()
    assert not (data / "api.sqlite").exists()


def test_a_data_folder_that_exists_keeps_its_mode(tmp_path):
    data = tmp_path / "var"
    data.mkdir(mode=0o750)
    os.chmod(data, 0o750)

    with closing(Services(data, clock=TEST_CLOCK)):
        pass

    assert mode(data) == 0o750
    assert mode(data / "events.sqlite") == 0o600
