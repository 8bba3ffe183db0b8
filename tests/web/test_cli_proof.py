"""`grants checkpoint`, `audit --checkpoint`, `prove` and `verify-proof` as a person runs
them, on SQLite and PostgreSQL: the store edited directly, as someone with database
access but not the signing key would."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from contextlib import closing

from lifecycle.signing import SigningKey
from tests.builders import approve, certify, register, submit
from tests.lifecycle.log_tampering import Raw


def grants(env, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "web.cli", *args], input=stdin, env=env,
                          capture_output=True, text=True)


def written(event_store, tmp_path, enterprises: int = 3) -> dict:
    env = event_store.environ()
    batch = "".join(json.dumps(c) + "\n" for n in range(1, enterprises + 1) for c in (
        register(n), submit(f"A-{n}", n), certify(f"A-{n}"), approve(f"A-{n}")))
    done = grants(env, "apply", "-", stdin=batch)
    assert done.returncode == 0, done.stdout + done.stderr
    return env


def checkpoint(env, path) -> dict:
    done = grants(env, "checkpoint", "--out", str(path))
    assert done.returncode == 0, done.stderr
    return json.loads(path.read_text())


def audit(env, *checkpoints) -> tuple[int, dict]:
    args = [a for c in checkpoints for a in ("--checkpoint", str(c))]
    done = grants(env, "audit", "--json", *args)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def log_kinds(report: dict) -> set[str]:
    return {f["kind"] for f in report["log"]["findings"]}


def test_a_log_that_only_grew_since_a_checkpoint_passes_it(event_store, tmp_path):
    env = written(event_store, tmp_path)
    cp = checkpoint(env, tmp_path / "cp.json")
    assert set(cp) >= {"size", "root", "time", "key", "signature"} and cp["size"] == 16
    more = "".join(json.dumps(c) + "\n" for c in (register(9), submit("A-9", 9)))
    assert grants(env, "apply", "-", stdin=more).returncode == 0
    code, report = audit(env, tmp_path / "cp.json")
    assert code == 0 and report["ok"] and report["log"]["checkpoints"] == 1, report["log"]


def test_records_cut_at_the_tail_are_found_with_and_without_a_checkpoint(event_store,
                                                                       tmp_path):
    env = written(event_store, tmp_path)
    checkpoint(env, tmp_path / "cp.json")
    with closing(event_store.ledger()) as ledger:
        raw = Raw(event_store, ledger)
        last = raw.rows()[-1][0]
        raw.delete(last)  # the last approval's booking: the tail of the log
        raw.close()
    code, report = audit(env, tmp_path / "cp.json")
    assert code == 1 and "records_lost" in log_kinds(report), report["log"]
    code, report = audit(env)  # the signed heads in the store remember the size too
    assert code == 1 and log_kinds(report) & {"records_lost", "head_mismatch"}, report["log"]


def test_a_changed_record_is_found_at_its_position(event_store, tmp_path):
    env = written(event_store, tmp_path)
    checkpoint(env, tmp_path / "cp.json")
    with closing(event_store.ledger()) as ledger:
        raw = Raw(event_store, ledger)
        nid, *_ = raw.rows()[5]
        raw.set_state(nid, b"{not json")  # the record of the issue: no traceback, a finding
        raw.close()
    code, report = audit(env, tmp_path / "cp.json")
    assert code == 1
    assert log_kinds(report) & {"record_changed", "not_replayable"}, report["log"]
    assert any(f["position"] == 5 for f in report["log"]["findings"]), report["log"]
    assert any(f["kind"] == "chain_broken" for f in report["findings"])


def test_a_forged_checkpoint_or_one_signed_by_another_key_is_refused(event_store, tmp_path):
    env = written(event_store, tmp_path)
    cp = checkpoint(env, tmp_path / "cp.json")
    forged = dict(cp, root="00" * 32)
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    code, report = audit(env, tmp_path / "forged.json")
    assert code == 1 and "checkpoint_bad_signature" in log_kinds(report), report["log"]

    # The true size and root, signed by a key the bureau never used.
    stranger = SigningKey.generate().sign_head(cp["size"], bytes.fromhex(cp["root"]))
    (tmp_path / "stranger.json").write_text(json.dumps(stranger))
    assert stranger["key"] != cp["key"]
    code, report = audit(env, tmp_path / "stranger.json")
    assert code == 1 and "checkpoint_unknown_key" in log_kinds(report), report["log"]


def test_an_application_is_proved_to_an_outsider_with_the_public_keys_alone(event_store,
                                                                          tmp_path):
    env = written(event_store, tmp_path)
    checkpoint(env, tmp_path / "cp.json")
    done = grants(env, "prove", "A-2", "--checkpoint", str(tmp_path / "cp.json"),
                  "--out", str(tmp_path / "proof.json"))
    assert done.returncode == 0, done.stderr
    proof = json.loads((tmp_path / "proof.json").read_text())
    assert len(proof["entries"]) == 3  # submitted, certified, approved

    # The outsider has the proof and signing_keys.pub, and no store at all.
    pub = tmp_path / "outsider.pub"
    pub.write_bytes((event_store.data / "signing_keys.pub").read_bytes())
    outsider = {"PATH": "/usr/bin:/bin", "GRANTS_DATA": str(tmp_path / "nothing")}
    held = grants(outsider, "verify-proof", str(tmp_path / "proof.json"), "--keys", str(pub))
    assert held.returncode == 0, held.stdout + held.stderr

    entry = proof["entries"][-1]
    state = base64.b64decode(entry["record"]["state"]).replace(b"400000.00", b"900000.00")
    entry["record"]["state"] = base64.b64encode(state).decode()
    (tmp_path / "bent.json").write_text(json.dumps(proof))
    bent = grants(outsider, "verify-proof", str(tmp_path / "bent.json"), "--keys", str(pub),
                  "--json")
    assert bent.returncode == 1 and not json.loads(bent.stdout)["ok"]


def test_an_unknown_application_cannot_be_proved(event_store, tmp_path):
    env = written(event_store, tmp_path, enterprises=1)
    done = grants(env, "prove", "NOPE-1")
    assert done.returncode == 1 and "NOPE-1" in done.stderr


def test_every_write_is_covered_by_a_signed_head_shortly_after(event_store):
    from tests.conftest import TEST_CLOCK
    from web.schemas import load_command
    from web.services import Services

    services = Services(event_store.data, event_store.event_store or None, clock=TEST_CLOCK)
    try:
        for n in range(1, 4):
            assert services.execute(load_command(register(n)))["ok"]
        services.sealed()
        assert services.tree.head()["size"] == services.ledger.recorder.max_notification_id()
    finally:
        services.close()
