"""Two nodes: two `grants serve` processes (waitress, real HTTP on free ports of 127.0.0.1),
each with a data folder of its own, on one PostgreSQL event store.

What a bureau running two nodes behind a load balancer relies on: a user added on one
logs in and uses the API on the other; an Idempotency-Key retry sent to the other node
replays; a write on one shows on the other's next page; log-out (or disabling the user)
on one ends the session on both; the daily job, started on both, runs once.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from lifecycle import store
from lifecycle.ledger import Ledger
from tests.builders import approve, certify, credit_code, register, submit
from tests.conftest import TEST_CLOCK, TODAY, create_database, drop_database

pytestmark = pytest.mark.postgres

GRANTS = Path(sys.executable).with_name("grants")
PASSWORD = "correct-horse-1"
READY = 90  # seconds a node may take to start
HTTP_TIMEOUT = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    def cookie(self) -> str | None:
        found = re.search(r"session=([^;]*)", self.headers.get("set-cookie", ""))
        return found.group(1) if found else None


@dataclass
class Node:
    name: str
    data: Path
    env: dict
    port: int
    process: subprocess.Popen | None = None

    def grants(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        """`grants --data THIS_NODE'S_FOLDER ...`, as an operator would run it there."""
        command = [str(GRANTS)] if GRANTS.exists() else [sys.executable, "-m", "web.cli"]
        return subprocess.run([*command, "--data", str(self.data), *args], input=stdin,
                              capture_output=True, text=True, env=self.env, timeout=120)

    def http(self, method: str, path: str, body: bytes | None = None,
             headers: dict | None = None, cookie: str | None = None) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        try:
            headers = dict(headers or {})
            if cookie:
                headers["Cookie"] = f"session={cookie}"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                          response.read())
        finally:
            conn.close()

    def api(self, method: str, path: str, token: str, payload=None, **headers) -> Answer:
        body = None if payload is None else json.dumps(payload).encode()
        return self.http(method, "/api/v1" + path, body, {
            "Authorization": f"Bearer {token}", "Content-Type": "application/json",
            **headers})

    def log_in(self, username: str, password: str = PASSWORD) -> str:
        """Log in through the form; the session cookie it gives."""
        page = self.http("GET", "/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answer = self.form("/login", {"username": username, "password": password,
                                      "csrf_token": csrf}, page.cookie())
        assert answer.status == 303, (answer.status, answer.text[:500])
        return answer.cookie()

    def form(self, path: str, fields: dict, cookie: str | None) -> Answer:
        return self.http("POST", path, urlencode(fields).encode(),
                         {"Content-Type": "application/x-www-form-urlencoded"}, cookie)

    def csrf(self, cookie: str) -> str:
        page = self.http("GET", "/enterprises", cookie=cookie)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _wait_until_served(nodes: list[Node]) -> None:
    deadline = time.monotonic() + READY
    waiting = list(nodes)
    while waiting:
        node = waiting[0]
        if node.process.poll() is not None:
            raise RuntimeError(f"node {node.name} exited: {_log(node)}")
        try:
            if node.http("GET", "/api/v1/openapi.json").status == 200:
                waiting.pop(0)
                continue
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"node {node.name} not serving after {READY} s: {_log(node)}")
        time.sleep(0.2)


def _log(node: Node) -> str:
    path = node.data.parent / f"{node.name}.log"
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory) -> Iterator[tuple[Node, Node]]:
    """Nodes A and B serving on one new PostgreSQL database, always stopped after."""
    root = tmp_path_factory.mktemp("two-nodes")
    url = create_database()
    made: list[Node] = []
    try:
        for name in ("a", "b"):
            env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
            env.update(GRANTS_EVENT_STORE=url, GRANTS_TODAY=TODAY, GRANTS_SCHEDULER="off",
                       GRANTS_SIGNING_KEY=str(root / "keys" / "signing_key"))  # one key
            made.append(Node(name, root / name, env, _free_port()))
        first = made[0].grants("users", "list")  # creates the tables and the signing key
        assert first.returncode == 0, first.stderr
        for node in made:
            log = open(root / f"{node.name}.log", "w")  # noqa: SIM115 - the child holds it
            command = [str(GRANTS)] if GRANTS.exists() else [sys.executable, "-m", "web.cli"]
            node.process = subprocess.Popen(
                [*command, "--data", str(node.data), "serve", "--port", str(node.port)],
                env=node.env, stdout=log, stderr=subprocess.STDOUT)
            log.close()
        _wait_until_served(made)
        yield made[0], made[1]
    finally:
        for node in made:
            if node.process is not None:
                _stop(node.process)
        drop_database(url)


def _store_size(node: Node) -> int:
    """How many events the shared log holds."""
    with closing(Ledger(env=store.settings(node.data.parent / "reader", node.env[
            "GRANTS_EVENT_STORE"]), clock=TEST_CLOCK)) as ledger:
        return ledger.recorder.max_notification_id() or 0


def _events_named(node: Node, name: str) -> list:
    with closing(Ledger(env=store.settings(node.data.parent / "reader", node.env[
            "GRANTS_EVENT_STORE"]), clock=TEST_CLOCK)) as ledger:
        events = [ledger.mapper.to_domain_event(n)
                  for n in ledger.recorder.select_notifications(1, 100_000)]
    return [e for e in events if type(e).__name__ == name]


def _staff(node: Node, username: str) -> str:
    """A staff user added with `grants users add` on `node`'s data folder; its API token."""
    added = node.grants("users", "add", username, "--role", "staff", "--password-stdin",
                        stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    token = node.grants("users", "token", username)
    assert token.returncode == 0, token.stderr
    return token.stdout.strip()


def test_a_user_added_on_a_logs_in_and_uses_the_api_on_b(nodes):
    a, b = nodes
    token = _staff(a, "lin")
    cookie = b.log_in("lin")
    assert b.http("GET", "/enterprises", cookie=cookie).status == 200
    assert b.api("GET", "/me", token).json() == {"username": "lin", "name": "lin",
                                                 "role": "staff", "can_write": True}
    line = b.api("POST", "/commands", token, register(11)).json()
    assert line["ok"] and line["enterprise_id"] == credit_code(11)


def test_an_idempotency_key_retry_sent_to_b_replays_what_a_ran(nodes):
    a, b = nodes
    token = _staff(a, "kim")
    batch = [register(12), submit("N-12", 12), certify("N-12"), approve("N-12")]
    first = a.api("POST", "/commands", token, batch, **{"Idempotency-Key": "nodes-1"})
    assert first.status == 200 and all(line["ok"] for line in first.json())
    size = _store_size(a)
    again = b.api("POST", "/commands", token, batch, **{"Idempotency-Key": "nodes-1"})
    assert (again.status, again.body) == (first.status, first.body)
    assert again.headers["idempotent-replayed"] == "true"
    other = b.api("POST", "/commands", token, [register(13)], **{"Idempotency-Key": "nodes-1"})
    assert other.status == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert _store_size(a) == size


def test_a_write_on_a_shows_on_bs_next_page(nodes):
    a, b = nodes
    token = _staff(a, "ming")
    cookie = b.log_in("ming")
    page = "/enterprises?q=Nodeshow"
    assert "Nodeshow Canal Co." not in b.http("GET", page, cookie=cookie).text
    line = a.api("POST", "/commands", token, register(14, name="Nodeshow Canal Co.")).json()
    assert line["ok"], line
    assert "Nodeshow Canal Co." in b.http("GET", page, cookie=cookie).text
    assert b.api("GET", f"/enterprises/{credit_code(14)}", token).status == 200


def test_log_out_on_a_ends_the_session_on_b(nodes):
    a, b = nodes
    _staff(a, "fang")
    cookie = a.log_in("fang")
    assert b.http("GET", "/enterprises", cookie=cookie).status == 200  # one session, shared
    out = a.form("/logout", {"csrf_token": a.csrf(cookie)}, cookie)
    assert out.status == 303
    answer = b.http("GET", "/enterprises", cookie=cookie)
    assert answer.status == 303 and "/login" in answer.headers["location"]


def test_disabling_a_user_on_a_ends_their_session_on_b(nodes):
    a, b = nodes
    token = _staff(a, "hua")
    cookie = b.log_in("hua")
    assert b.http("GET", "/enterprises", cookie=cookie).status == 200
    assert a.grants("users", "disable", "hua").returncode == 0
    assert b.http("GET", "/enterprises", cookie=cookie).status == 303
    assert b.api("GET", "/me", token).status == 401


def test_the_daily_job_started_on_both_nodes_runs_once(nodes):
    a, b = nodes
    token = _staff(a, "ping")
    award = [register(15), submit("N-15", 15), certify("N-15"), approve("N-15")]  # 2025 unpaid
    assert all(line["ok"] for line in a.api("POST", "/commands", token, award).json())
    command = [str(GRANTS)] if GRANTS.exists() else [sys.executable, "-m", "web.cli"]
    runs = [subprocess.Popen([*command, "--data", str(n.data), "scheduler", "run", "--json"],
                             env=n.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for n in (a, b)]
    try:
        answers = [json.loads(p.communicate(timeout=120)[0]) for p in runs]
    finally:
        for p in runs:
            _stop(p)
    assert sorted("skipped" in x for x in answers) == [False, True]
    ran = next(x for x in answers if "skipped" not in x)
    assert ran["on"] == TODAY and ran["raised"] >= 1
    assert len(_events_named(a, "DailyRunClaimed")) == 1
    assert len(_events_named(a, "DailyRunFinished")) == 1
    raised = [e.key for e in _events_named(a, "FlagRaised")]
    assert len(raised) == len(set(raised)) == ran["raised"]  # each flag raised once
