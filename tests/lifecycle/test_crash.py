"""A `grants apply` killed with SIGKILL mid-batch leaves only whole commands in the log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import closing

import pytest

from lifecycle.ledger import GROUP
from policies import catalogue
from tests.conftest import Store, run
from tests.lifecycle.state import facts
from web.synthetic import history

KILL_AFTER_LINES = 700


@pytest.mark.slow
def test_sigkill_mid_batch_leaves_exactly_the_commands_that_made_it_in(event_store, tmp_path):
    commands = list(history(catalogue.load(), enterprises=150, seed=7))
    assert len(commands) >= 2000
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in commands))
    out = tmp_path / "out.jsonl"
    with open(out, "w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "web.cli", "apply", str(batch)],
                                stdout=sink, stderr=subprocess.DEVNULL,
                                env={**event_store.environ(), "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if out.read_text().count("\n") >= KILL_AFTER_LINES:
                break
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the batch finished before it could be killed"
    answered = out.read_text().count("\n")
    assert KILL_AFTER_LINES <= answered < len(commands)

    with closing(event_store.ledger()) as ledger:
        killed = facts(ledger)

    # Commands are saved in groups and answered after each group's commit, so what made it
    # in is a prefix of the batch: at least every answered command, at most one group more.
    # Replay one command at a time until the clean store holds as many events.
    clean = Store("sqlite", tmp_path / "clean")
    with closing(clean.ledger()) as ledger:
        made_it = 0
        while (ledger.recorder.max_notification_id() or 0) < len(killed):
            run(ledger, commands[made_it])
            made_it += 1
        assert facts(ledger) == killed
    assert answered <= made_it <= answered + GROUP
