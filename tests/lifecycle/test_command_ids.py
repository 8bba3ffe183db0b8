"""`command_id` (DOMAIN.md, the command contract): a command whose id was recorded is not
run again, on any node; its line repeats the first answer with `"replayed": true` and
nothing is written. So a batch interrupted by a crash is recovered by running it again.

On SQLite and on PostgreSQL, through `grants apply` as a person runs it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from contextlib import closing

import pytest

from policies import catalogue
from tests.builders import certify, register, submit
from tests.conftest import Store, run
from tests.lifecycle.state import facts
from web.synthetic import history


def with_ids(commands: list[dict]) -> list[dict]:
    return [dict(c, command_id=f"batch-7/{i}") for i, c in enumerate(commands)]


def apply(env, batch) -> tuple[int, list[dict]]:
    done = subprocess.run([sys.executable, "-m", "web.cli", "apply", str(batch)], env=env,
                          capture_output=True, text=True)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()]


def test_a_command_with_a_recorded_id_is_answered_again_and_writes_nothing(ledger):
    first = run(ledger, dict(register(1), command_id="r-1"),
                dict(submit("A-1", 1), command_id="s-1"))
    before = ledger.recorder.max_notification_id()
    again = run(ledger, dict(register(1), command_id="r-1"),
                dict(submit("A-1", 1), command_id="s-1"))
    assert ledger.recorder.max_notification_id() == before
    assert [a.pop("replayed") for a in again] == [True, True]
    assert again == first  # the first answers, max_amount and all


def test_an_id_recorded_on_one_node_replays_on_another(event_store):
    with closing(event_store.ledger()) as a, closing(event_store.ledger()) as b:
        run(a, register(1), submit("A-1", 1))
        [first] = run(a, dict(certify("A-1"), command_id="cert-A-1"))
        [again] = run(b, dict(certify("A-1"), command_id="cert-A-1"))
        assert first["ok"] and again == {**first, "replayed": True}
        assert [type(e).__name__ for e in a.events.get(
            b.application("A-1").id)].count("ApplicationCertified") == 1


def test_a_refused_command_is_not_recorded_and_may_succeed_when_sent_again(ledger):
    [refused] = run(ledger, dict(submit("A-1", 1), command_id="s-1"))  # no enterprise yet
    assert refused["error"]["code"] == "not_found"
    run(ledger, register(1))
    [done] = run(ledger, dict(submit("A-1", 1), command_id="s-1"))
    assert done["ok"] and "replayed" not in done


def test_the_same_id_twice_in_one_group_runs_once(ledger):
    from web import contract
    from web.schemas import load_command

    commands = [load_command(c) for c in (register(1), dict(certify_less(), command_id="x"),
                                          dict(certify_less(), command_id="x"))]
    lines = [contract.line(o) for o in ledger.run(commands, group=10)]
    assert lines[1]["ok"] and lines[2] == {**lines[1], "replayed": True}


def certify_less() -> dict:
    return {"type": "RecordDishonesty", "at": "2025-06-30",
            "enterprise_id": register(1)["enterprise_id"], "note": "once only"}


def test_a_batch_run_twice_leaves_the_log_of_one_run(event_store, tmp_path):
    commands = with_ids(list(history(catalogue.load(), enterprises=25, seed=5)))
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in commands))
    env = event_store.environ()
    code, first = apply(env, batch)
    with closing(event_store.ledger()) as ledger:
        once = facts(ledger)
    code_again, again = apply(env, batch)
    with closing(event_store.ledger()) as ledger:
        assert facts(ledger) == once
    assert code_again == code
    for a, b in zip(first, again, strict=True):
        if a["ok"]:
            assert b == {**a, "replayed": True}
        else:  # a refusal wrote nothing and is decided again: the same refusal
            assert b == a


@pytest.mark.slow
def test_sigkills_at_random_moments_then_the_batch_again_leave_one_clean_run(event_store,
                                                                           tmp_path):
    # seed 2: a history with repayments and dishonesty records among its 2,646 commands
    commands = with_ids(list(history(catalogue.load(), enterprises=150, seed=2)))
    kinds = {c["type"] for c in commands}
    assert {"RecordDishonesty", "RecordRepayment", "CertifyApplication"} <= kinds
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in commands))
    env = {**event_store.environ(), "PYTHONUNBUFFERED": "1"}
    rng = random.Random(20261202)
    for kill in range(3):
        out = tmp_path / f"out{kill}.jsonl"
        after = rng.randint(50, 900)
        with open(out, "w") as sink:
            proc = subprocess.Popen([sys.executable, "-m", "web.cli", "apply", str(batch)],
                                    stdout=sink, stderr=subprocess.DEVNULL, env=env)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                if out.read_text().count("\n") >= after:
                    break
                time.sleep(0.005)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the batch finished before it was killed"
    code, lines = apply(env, batch)  # the recovery: the same batch once more, to the end
    assert len(lines) == len(commands)

    clean = Store("sqlite", tmp_path / "clean")
    clean_env = clean.environ()
    clean_code, clean_lines = apply(clean_env, batch)
    with closing(event_store.ledger()) as recovered, closing(clean.ledger()) as once:
        assert facts(recovered) == facts(once)
    assert code == clean_code
    assert [(x["ok"], x.get("error", {}).get("code")) for x in lines] == \
        [(x["ok"], x.get("error", {}).get("code")) for x in clean_lines]
