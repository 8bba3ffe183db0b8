"""The Flask application: `create_app()` builds it from the environment.

Configuration (environment, or `test_config`):
  GRANTS_DATA            data folder (default ./var): event store, read models, users
  GRANTS_EVENT_STORE     a postgresql:// address for the event store (optional)
  GRANTS_SECRET_KEY      signs sessions (default: a random key kept in the data folder)
  GRANTS_SESSION_MINUTES a log-in lasts this long without activity (default 30)
  GRANTS_SCHEDULER       "on" to run the daily job inside the served app (default off;
                         `grants serve` turns it on)
  GRANTS_SCHEDULER_AT    when, HH:MM Beijing time (default 06:30)
Each area (the dashboard, the JSON API, the scheduler) registers itself.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from lifecycle import store
from web.services import Services
from web.users import USERS_FILE, Users

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _secret_key(data: Path) -> str:
    path = data / "secret_key"
    if not path.exists():
        data.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    config = {
        "GRANTS_DATA": os.environ.get("GRANTS_DATA", "var"),
        "GRANTS_EVENT_STORE": os.environ.get("GRANTS_EVENT_STORE", ""),
        "GRANTS_SESSION_MINUTES": int(os.environ.get("GRANTS_SESSION_MINUTES", "30")),
        "GRANTS_SCHEDULER": os.environ.get("GRANTS_SCHEDULER", "off"),
        "GRANTS_SCHEDULER_AT": os.environ.get("GRANTS_SCHEDULER_AT", "06:30"),
    }
    config.update(test_config or {})
    data = store.data_dir(config["GRANTS_DATA"])
    app.config.update(config)
    app.config.update(
        SECRET_KEY=config.get("SECRET_KEY") or os.environ.get("GRANTS_SECRET_KEY")
        or _secret_key(data),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=config["GRANTS_SESSION_MINUTES"]),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_AS_ASCII=False,
    )
    app.extensions["grants"] = Services(data, config["GRANTS_EVENT_STORE"] or None)
    app.extensions["grants_users"] = Users(data / USERS_FILE)

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    from web import api, dashboard

    dashboard.register(app)
    api.register(app)
    if app.config["GRANTS_SCHEDULER"] == "on":
        from web.app import scheduling

        scheduling.start(app)
    return app


def services(app: Flask) -> Services:
    return app.extensions["grants"]


def users(app: Flask) -> Users:
    return app.extensions["grants_users"]
