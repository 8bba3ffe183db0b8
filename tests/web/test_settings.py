"""The settings: every GRANTS_* variable, read once by `grants` and by `create_app`, and
refused by name when its value cannot be used; each one reaching what it sets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from lifecycle.clock import Clock
from policies import catalogue
from projections.obligations import Deadlines
from tests.builders import approve, certify, credit_code, disburse, register, submit
from web.digest import DigestMail
from web.services import Services
from web.settings import DEADLINE_VARIABLES, Settings, SettingsError

GRANTS = Path(sys.executable).with_name("grants")


def grants(tmp_path: Path, *args: str, stdin: str | None = None, **variables: str):
    """`grants` on a SQLite store in tmp_path/var, with these GRANTS_* variables alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    env.update(GRANTS_DATA=str(tmp_path / "var"), **variables)
    command = [str(GRANTS)] if GRANTS.exists() else [sys.executable, "-m", "web.cli"]
    return subprocess.run(command + list(args), input=stdin, capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)


def successor_rules(folder: Path) -> Path:
    """A folder holding tz-am-2028, tz-am-2025 issued again three years on."""
    text = catalogue.read_sources()["tz-am-2025.toml"]
    folder.mkdir()
    (folder / "tz-am-2028.toml").write_text(
        text.replace('id = "tz-am-2025"', 'id = "tz-am-2028"')
        .replace("issued = 2025-05-08", "issued = 2028-05-08"), encoding="utf-8")
    return folder


# -- reading ---------------------------------------------------------------------------


def test_without_any_variable_the_settings_are_the_documented_defaults():
    assert Settings.from_environ({}) == Settings(
        data=Path("var"), event_store=None, policies_dir=None, secret_key=None,
        session_minutes=30, scheduler=None, scheduler_at=time(6, 30),
        digest=DigestMail(host=None, port=25, to=(), sender="grant-ledger@localhost"),
        deadlines=Deadlines(evaluation_days=90, window_warning_days=90, policy_warning_days=60,
                            clawback_days=30),
        clock=Clock())


@pytest.mark.parametrize("variable, value, read, expected", [
    ("GRANTS_DATA", "/srv/grants", lambda s: s.data, Path("/srv/grants")),
    ("GRANTS_EVENT_STORE", "postgresql://u:p@db:5432/grants?schema=g",
     lambda s: s.event_store, "postgresql://u:p@db:5432/grants?schema=g"),
    ("GRANTS_SECRET_KEY", "s3cret", lambda s: s.secret_key, "s3cret"),
    ("GRANTS_SESSION_MINUTES", "45", lambda s: s.session_minutes, 45),
    ("GRANTS_SCHEDULER", "on", lambda s: s.scheduler, True),
    ("GRANTS_SCHEDULER", "off", lambda s: s.scheduler, False),
    ("GRANTS_SCHEDULER_AT", "7:05", lambda s: s.scheduler_at, time(7, 5)),
    ("GRANTS_SMTP_HOST", "mail.bureau", lambda s: s.digest.host, "mail.bureau"),
    ("GRANTS_SMTP_PORT", "2525", lambda s: s.digest.port, 2525),
    ("GRANTS_DIGEST_TO", "a@bureau, b@bureau", lambda s: s.digest.to, ("a@bureau", "b@bureau")),
    ("GRANTS_DIGEST_FROM", "ledger@bureau", lambda s: s.digest.sender, "ledger@bureau"),
    ("GRANTS_EVALUATION_DAYS", "10", lambda s: s.deadlines.evaluation_days, 10),
    ("GRANTS_WINDOW_WARNING_DAYS", "11", lambda s: s.deadlines.window_warning_days, 11),
    ("GRANTS_POLICY_WARNING_DAYS", "12", lambda s: s.deadlines.policy_warning_days, 12),
    ("GRANTS_CLAWBACK_DAYS", "0", lambda s: s.deadlines.clawback_days, 0),
    ("GRANTS_TODAY", "2026-02-01", lambda s: s.clock.today(), date(2026, 2, 1)),
])
def test_each_variable_sets_its_setting(variable, value, read, expected):
    assert read(Settings.from_environ({variable: value})) == expected


def test_the_policies_folder_is_read_as_a_folder(tmp_path):
    assert Settings.from_environ({"GRANTS_POLICIES_DIR": str(tmp_path)}).policies_dir == tmp_path


def test_an_empty_variable_is_unset():
    assert Settings.from_environ({"GRANTS_SESSION_MINUTES": "", "GRANTS_TODAY": " "}) == \
        Settings()


def test_every_deadline_has_its_variable():
    assert set(DEADLINE_VARIABLES) == set(Deadlines.__dataclass_fields__)


@pytest.mark.parametrize("variable, value", [
    ("GRANTS_EVENT_STORE", "mysql://db/grants"),
    ("GRANTS_POLICIES_DIR", "/no/such/folder"),
    ("GRANTS_SESSION_MINUTES", "half an hour"),
    ("GRANTS_SESSION_MINUTES", "0"),
    ("GRANTS_SCHEDULER", "yes"),
    ("GRANTS_SCHEDULER_AT", "25:00"),
    ("GRANTS_SCHEDULER_AT", "0630"),
    ("GRANTS_SMTP_PORT", "70000"),
    ("GRANTS_EVALUATION_DAYS", "-5"),
    ("GRANTS_CLAWBACK_DAYS", "thirty"),
    ("GRANTS_TODAY", "2026-13-01"),
])
def test_a_value_that_cannot_be_used_is_refused_naming_its_variable(variable, value):
    with pytest.raises(SettingsError) as refused:
        Settings.from_environ({variable: value})
    assert variable in str(refused.value) and repr(value) in str(refused.value)


# -- handing the values down -----------------------------------------------------------


def test_the_services_take_the_rule_files_clock_and_deadlines_of_the_settings(tmp_path):
    settings = Settings.from_environ({
        "GRANTS_DATA": str(tmp_path / "var"),
        "GRANTS_POLICIES_DIR": str(successor_rules(tmp_path / "rules")),
        "GRANTS_TODAY": "2029-01-01", "GRANTS_EVALUATION_DAYS": "10"})
    services = Services.from_settings(settings)
    try:
        assert services.ledger.catalogue.policy("tz-am-2028").in_force(services.clock.today())
        assert services.deadlines.evaluation_days == 10
        assert services.data_dir == tmp_path / "var"
    finally:
        services.close()


def test_create_app_reads_the_environment_with_the_test_config_over_it(tmp_path, monkeypatch):
    from web.app import create_app, services

    monkeypatch.setenv("GRANTS_SESSION_MINUTES", "5")
    monkeypatch.setenv("GRANTS_TODAY", "2026-02-01")
    app = create_app({"GRANTS_DATA": str(tmp_path / "var"), "SECRET_KEY": "t",
                      "GRANTS_SESSION_MINUTES": 7})
    try:
        assert app.permanent_session_lifetime == timedelta(minutes=7)
        assert services(app).clock.today() == date(2026, 2, 1)
    finally:
        services(app).close()


def test_create_app_refuses_a_bad_value_naming_its_variable(tmp_path):
    from web.app import create_app

    with pytest.raises(SettingsError, match="GRANTS_SCHEDULER_AT"):
        create_app({"GRANTS_DATA": str(tmp_path), "GRANTS_SCHEDULER_AT": "noon"})


# -- through `grants` ------------------------------------------------------------------


def test_grants_refuses_to_start_on_a_bad_value_and_says_which(tmp_path):
    done = grants(tmp_path, "flags", "--json", GRANTS_TODAY="tomorrow")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "grants: GRANTS_TODAY must be a date, YYYY-MM-DD, not 'tomorrow'\n"


def test_grants_today_is_the_date_grants_today_gives(tmp_path):
    done = grants(tmp_path, "flags", "--json", GRANTS_TODAY="2026-02-01")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"on": "2026-02-01", "flags": []}


def test_the_deadline_variables_move_what_grants_flags_shows(tmp_path):
    award = [register(1), submit("P-1", 1, article=4, requested="900000",
                                 basis={"verified_total_investment": "3000000"}),
             certify("P-1", basis={"verified_total_investment": "3000000"}),
             approve("P-1", tranches=[{"year": y, "amount": "300000"} for y in (2025, 2026)]),
             disburse("P-1", 2025, at="2025-08-01")]
    done = grants(tmp_path, "apply", "-", stdin="".join(json.dumps(c) + "\n" for c in award))
    assert done.returncode == 0, done.stdout + done.stderr

    def evaluation_due(**variables) -> str:
        shown = grants(tmp_path, "flags", "--on", "2026-01-05", "--json", **variables)
        assert shown.returncode == 0, shown.stderr
        [flag] = [f for f in json.loads(shown.stdout)["flags"] if f["kind"] == "evaluation_due"]
        assert flag["enterprise_id"] == credit_code(1)
        return flag["due_on"]

    assert evaluation_due() == "2026-03-31"
    assert evaluation_due(GRANTS_EVALUATION_DAYS="10") == "2026-01-10"


def test_grants_policies_lists_the_rule_files_of_the_policies_folder(tmp_path):
    rules = successor_rules(tmp_path / "rules")
    done = grants(tmp_path, "policies", "--json", GRANTS_POLICIES_DIR=str(rules))
    assert done.returncode == 0, done.stderr
    assert {"tz-am-2025", "tz-am-2028"} <= {p["id"] for p in json.loads(done.stdout)["policies"]}
