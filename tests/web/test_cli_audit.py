"""`grants audit` and `grants rebuild`/`entitlement` as a person runs them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from tests.builders import approve, certify, credit_code, register, submit


def grants(env, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "web.cli", *args], input=stdin, env=env,
                          capture_output=True, text=True)


def test_audit_passes_a_clean_log_and_names_a_tampered_event(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "GRANTS_DATA": str(tmp_path / "var")}
    batch = "".join(json.dumps(c) + "\n" for c in (
        register(1), submit("A-1", 1), certify("A-1"), approve("A-1")))
    assert grants(env, "apply", "-", stdin=batch).returncode == 0
    clean = grants(env, "audit", "--json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["ok"] is True

    db = sqlite3.connect(tmp_path / "var" / "events.sqlite")
    topic, state = db.execute("SELECT topic, state FROM stored_events WHERE topic LIKE "
                              "'%ApplicationApproved'").fetchone()
    db.execute("UPDATE stored_events SET state = ? WHERE topic = ?",
               (bytes(state).replace(b"400000.00", b"900000.00"), topic))
    db.commit()
    found = grants(env, "audit", "--json", "--csv", str(tmp_path / "f.csv"),
                   "--html", str(tmp_path / "f.html"))
    assert found.returncode == 1
    report = json.loads(found.stdout)
    assert [f["kind"] for f in report["findings"]][:1] == ["chain_broken"]
    assert "chain_broken" in (tmp_path / "f.csv").read_text()
    assert "chain_broken" in (tmp_path / "f.html").read_text()


def test_rebuild_then_entitlement_answer_from_the_rebuilt_views(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "GRANTS_DATA": str(tmp_path / "var")}
    batch = "".join(json.dumps(c) + "\n" for c in (
        register(1), submit("A-1", 1), certify("A-1"), approve("A-1")))
    assert grants(env, "apply", "-", stdin=batch).returncode == 0
    (tmp_path / "var" / "views.sqlite").unlink()
    rebuilt = grants(env, "rebuild")
    assert rebuilt.returncode == 0 and "events" in rebuilt.stderr
    answer = grants(env, "entitlement", credit_code(1), "--json")
    assert json.loads(answer.stdout)["awarded_total"] == "400000.00"
    past = grants(env, "entitlement", credit_code(1), "--as-of", "2025-06-30", "--json")
    assert json.loads(past.stdout)["awarded_total"] == "0.00"
    missing = grants(env, "entitlement", credit_code(2), "--json")
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["error"]["code"] == "not_found"
