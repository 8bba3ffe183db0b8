"""`grants serve --workers 2` as a real process on one SQLite data folder: what one worker
writes, every worker reads at its next request; the heads are signed by one worker, and
by another when that one dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import closing

import pytest

from tests.builders import register
from tests.conftest import TODAY
from tests.web.test_two_nodes import GRANTS, Node, _free_port, _staff, _stop, _wait_until_served


def _environ() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    env.update(GRANTS_TODAY=TODAY, GRANTS_SCHEDULER="off")
    return env


def _serve(node: Node, **streams) -> subprocess.Popen:
    """`grants serve --workers 2` on the node's folder and port, as a real process."""
    command = [str(GRANTS)] if GRANTS.exists() else [sys.executable, "-m", "web.cli"]
    return subprocess.Popen([*command, "--data", str(node.data), "serve", "--port",
                             str(node.port), "--workers", "2"], env=node.env, **streams)


def _two_workers(tmp_path) -> tuple[Node, str]:
    """A data folder with a staff user (its API token), served by two workers, its output
    in serve.log."""
    node = Node("w", tmp_path / "data", _environ(), _free_port())
    token = _staff(node, "lin")
    with open(tmp_path / "serve.log", "w") as log:
        node.process = _serve(node, stdout=log, stderr=subprocess.STDOUT)
    return node, token


def test_two_workers_read_what_either_wrote(tmp_path):
    node, token = _two_workers(tmp_path)
    try:
        _wait_until_served([node])
        for n in range(1, 7):  # each request a new connection: the kernel spreads them
            line = node.api("POST", "/commands", token, register(n)).json()
            assert line["ok"], line
            for _ in range(4):
                listed = node.api("GET", "/enterprises?limit=100", token).json()
                assert len(listed["items"]) == n
        children = subprocess.run(["pgrep", "-P", str(node.process.pid)],
                                  capture_output=True, text=True).stdout.split()
        assert len(children) == 2
    finally:
        _stop(node.process)
    assert "2 worker processes" in (tmp_path / "serve.log").read_text()


def _sealer_holders(data) -> list[int]:
    """The processes holding the folder's sealer.lock (from the kernel's /proc/locks)."""
    inode = os.stat(data / "sealer.lock").st_ino
    holders = []
    with open("/proc/locks") as locks:
        for line in locks:
            parts = line.split()
            if "->" in parts:  # a waiter, not a holder
                continue
            if parts[1] == "FLOCK" and int(parts[5].split(":")[-1]) == inode:
                holders.append(int(parts[4]))
    return holders


def _signed_up_to(data) -> tuple[int, int]:
    """(the newest record's notification id, the last one a signed head covers)."""
    import sqlite3

    with closing(sqlite3.connect(f"file:{data / 'events.sqlite'}?mode=ro", uri=True)) as db:
        newest = db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0]
        signed = db.execute("SELECT max(last_notification_id) FROM log_heads").fetchone()[0]
    return newest or 0, signed or 0


def _children(pid: int) -> set[int]:
    return {int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                           text=True).stdout.split()}


def _until(check, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {check.__doc__ or check}")


def test_the_sealer_moves_to_another_worker_when_its_worker_dies(tmp_path):
    """One worker signs the heads (it holds sealer.lock) for what every worker writes;
    killed, it is replaced, another takes the lock within a poll, and what is written
    next is signed too: never two signers, never a write left unsigned."""
    node, token = _two_workers(tmp_path)
    try:
        _wait_until_served([node])
        workers = _until(lambda: len(_children(node.process.pid)) == 2
                         and _children(node.process.pid))

        def all_signed():
            """every record signed"""
            newest, signed = _signed_up_to(node.data)
            return newest and signed == newest

        for n in range(1, 4):  # each request a new connection: both workers write
            assert node.api("POST", "/commands", token, register(n)).json()["ok"]
        _until(all_signed)
        holders = _until(lambda: _sealer_holders(node.data))
        assert len(holders) == 1 and holders[0] in workers

        os.kill(holders[0], signal.SIGKILL)
        replaced = _until(lambda: len(_children(node.process.pid) - {holders[0]}) == 2
                          and _children(node.process.pid))
        assert holders[0] not in replaced
        for n in range(4, 7):
            assert node.api("POST", "/commands", token, register(n)).json()["ok"]
        _until(all_signed)
        now = _until(lambda: _sealer_holders(node.data))
        assert len(now) == 1 and now[0] in replaced
    finally:
        _stop(node.process)


@pytest.mark.parametrize("ending", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
def test_the_workers_end_with_their_parent_however_it_ends(tmp_path, ending):
    """Killed outright (SIGKILL: no handler runs), the parent takes its workers with it
    (PR_SET_PDEATHSIG): none is left holding the port or the data folder's locks. A
    SIGTERM sent as early as the first line says it serves stops them all too."""
    node = Node("w", tmp_path / "data", _environ(), _free_port())
    server = _serve(node, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        assert "2" in server.stderr.readline()  # the parent's first line, after forking
        workers = _until(lambda: len(_children(server.pid)) == 2 and _children(server.pid))
        os.kill(server.pid, ending)
        server.wait(30)

        def ended():
            """every worker ended"""
            return all(not os.path.exists(f"/proc/{pid}")
                       or open(f"/proc/{pid}/stat").read().split()[2] == "Z" for pid in workers)

        _until(ended, 15)
    finally:
        _stop(server)
