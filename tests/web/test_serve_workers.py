"""`grants serve --workers 2` as a real process on one SQLite data folder: what one worker
writes, every worker reads at its next request; the heads are signed once."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.builders import register
from tests.conftest import TODAY
from tests.web.test_two_nodes import GRANTS, Node, _free_port, _staff, _stop, _wait_until_served


def test_two_workers_read_what_either_wrote(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    env.update(GRANTS_TODAY=TODAY, GRANTS_SCHEDULER="off")
    node = Node("w", tmp_path / "data", env, _free_port())
    token = _staff(node, "lin")
    command = [str(GRANTS)] if GRANTS.exists() else [sys.executable, "-m", "web.cli"]
    with open(tmp_path / "serve.log", "w") as log:
        node.process = subprocess.Popen(
            [*command, "--data", str(node.data), "serve", "--port", str(node.port),
             "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
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
