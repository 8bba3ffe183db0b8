"""Fixtures of the API tests: an app on a data folder of the test's own, users with
tokens of each role, and a served app (waitress on a free port) for real HTTP."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import waitress

from web.api.blueprint import PREFIX, fallback
from web.app import create_app, services, users
from web.synthetic import history

REPO_DOCS = Path(__file__).resolve().parents[2] / "docs"
ROLES = {"staff": "clerk", "auditor": "audrey", "admin": "ada"}
ACCOUNTS = "lifecycle.accounts:"  # the topics of the user accounts' events


@dataclass
class Api:
    """A test app, its client and a token per role."""

    app: object
    tokens: dict[str, str]

    @property
    def client(self):
        return self.app.test_client()

    @property
    def services(self):
        return services(self.app)

    def headers(self, role: str = "staff", **extra) -> dict:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def post(self, body, role: str = "staff", **headers):
        return self.client.post("/api/v1/commands", json=body, headers=self.headers(role,
                                                                                   **headers))

    def get(self, url: str, role: str = "staff", **kwargs):
        return self.client.get("/api/v1" + url, headers=self.headers(role), **kwargs)

    def events(self) -> int:
        """How many events the store holds but the user accounts the fixture made: what
        a write would change."""
        recorder = self.services.ledger.recorder
        return sum(1 for n in recorder.select_notifications(1, 1_000_000)
                   if not n.topic.startswith(ACCOUNTS))

    def records(self) -> int:
        """How many events the store holds, the user accounts' included."""
        return self.services.ledger.recorder.max_notification_id() or 0


def make_api(data_dir, event_store: str = "") -> Api:
    """An app on `data_dir` (events there, or at `event_store`), with a token per role."""
    app = create_app({"GRANTS_DATA": str(data_dir), "SECRET_KEY": "test",
                      "GRANTS_EVENT_STORE": event_store})
    tokens = {}
    for role, name in ROLES.items():
        users(app).add(name, role, "password-" + name)
        tokens[role] = users(app).issue_token(name)
    return Api(app, tokens)


@pytest.fixture
def api(tmp_path) -> Iterator[Api]:
    made = make_api(tmp_path / "var")
    yield made
    made.services.close()


def load_demo(api: Api, enterprises: int = 8, seed: int = 3) -> list[dict]:
    """A demo-like history through the one write path; the lines it answered."""
    ledger = api.services
    return [ledger.execute_json(cmd) for cmd in
            history(ledger.ledger.catalogue, enterprises=enterprises, seed=seed)]


def api_routes(app) -> set[tuple[str, str]]:
    """(method, path as the document writes it) of every route under /api/v1 but those of
    the fallback (unknown paths and methods, OPTIONS)."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/") and rule.endpoint.partition(".")[0] != \
                fallback.name:
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len(PREFIX):])
            routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


@contextmanager
def served(app, threads: int = 4) -> Iterator[str]:
    """The app served by waitress on 127.0.0.1 and a free port; its base URL."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads,
                                    ident="grant-ledger-test")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Close every socket from inside the server's own loop, so that it ends cleanly.
        server.trigger.pull_trigger(lambda: [c.close() for c in list(server._map.values())])
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()
