"""An app on a fresh data folder with a small history and one user of each role (the
auditor with an API token)."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.builders import approve, certify, credit_code, disburse, evaluate, register, submit
from web.app import create_app, services, users

PASSWORD = "correct-horse-1"
STAFF, AUDITOR, ADMIN = "sara", "audrey", "adam"
E1, E2 = credit_code(1), credit_code(2)
#: A-1 approved and paid (2025), A-2 submitted, A-3 a three-year award with 2025 paid and
#: evaluated, A-4 certified: every action has an application it applies to.
HISTORY = (
    register(1, name="Canal Smart Equipment Co."),
    register(2, size="medium", name="Luhe Data Tech Co.", sectors=["data-elements"]),
    submit("A-1", 1), certify("A-1"), approve("A-1"), disburse("A-1", 2025, "2025-07-20"),
    submit("A-2", 1, basis={"event_expenditure": "600000"}, requested="300000", at="2025-08-01"),
    submit("A-3", 1, article=4, basis={"verified_total_investment": "10000000"},
           requested="3000000", at="2025-06-12"),
    certify("A-3", {"verified_total_investment": "10000000"}, at="2025-06-25"),
    approve("A-3", at="2025-07-15", tranches=[{"year": 2025, "amount": "1000000"},
                                              {"year": 2026, "amount": "1000000"},
                                              {"year": 2027, "amount": "1000000"}]),
    disburse("A-3", 2025, "2025-08-01"), evaluate("A-3", 2025),
    submit("A-4", 2), certify("A-4"),
)


def load_history(app) -> None:
    for command in HISTORY:
        result = services(app).execute_json(command, actor="seed-clerk")
        assert result["ok"], result


def seed(data) -> None:
    """Load the history and add the users into the data folder `data`."""
    app = create_app({"GRANTS_DATA": str(data), "SECRET_KEY": "test"})
    try:
        load_history(app)
        for username, role in ((STAFF, "staff"), (AUDITOR, "auditor"), (ADMIN, "admin")):
            users(app).add(username, role, PASSWORD, name=username.title())
        users(app).issue_token(AUDITOR)  # so that there is a token to revoke
        users(app).add("gone", "staff", PASSWORD)
        users(app).disable("gone")
    finally:
        services(app).close()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory):
    """A data folder seeded once; each test works on its own copy."""
    data = tmp_path_factory.mktemp("seeded") / "var"
    seed(data)
    return data


@pytest.fixture
def app(seeded, tmp_path):
    data = tmp_path / "var"
    shutil.copytree(seeded, data)
    app = create_app({"GRANTS_DATA": str(data), "SECRET_KEY": "test"})
    yield app
    services(app).close()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_of(client) -> str:
    """The CSRF token of the client's session (made by the first page it saw)."""
    with client.session_transaction() as session:
        return session.get("csrf", "")


def log_in(client, username: str, password: str = PASSWORD):
    """Log in through the form, CSRF token and all; the answer to the POST."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


@pytest.fixture
def staff(client):
    assert log_in(client, STAFF).status_code == 303
    return client


@pytest.fixture
def auditor(client):
    assert log_in(client, AUDITOR).status_code == 303
    return client


@pytest.fixture
def admin(client):
    assert log_in(client, ADMIN).status_code == 303
    return client


def written(app) -> int:
    """How many events the log holds: unchanged when nothing was written."""
    return services(app).ledger.recorder.max_notification_id() or 0
