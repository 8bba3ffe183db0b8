"""The Flask application: `create_app()` builds it from the settings (web/settings.py).

The settings are read once, from the environment, unless `grants serve` hands them
in; a `test_config` may set any GRANTS_* variable (as the environment would hold it)
and any Flask setting. Each area (the dashboard, the JSON API, the scheduler)
registers itself and reaches the app's services through `current_app.extensions`.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, request

from lifecycle import store
from web.app.sessions import StoredSessions
from web.services import Services
from web.settings import Settings
from web.users import USERS_FILE, Users

#: Endpoints that read nothing of the ledger: no check of the log before them.
UNREAD = {"static", "dashboard.static", "api.meta.openapi_document", "auth.language_switch"}
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
    if not path.exists():  # 0600 from the start, in a 0700 folder
        store.write_private(path, secrets.token_hex(32), replace=False)
    return path.read_text().strip()


def create_app(test_config: dict | None = None, settings: Settings | None = None) -> Flask:
    """The app on `settings` (default: read from the environment, with the GRANTS_*
    variables of `test_config` over it)."""
    config = dict(test_config or {})
    if settings is None:
        given = {k: str(v) for k, v in config.items() if k.startswith("GRANTS_")}
        settings = Settings.from_environ({**os.environ, **given})
    app = Flask(__name__)
    app.config.update(config)
    app.config.update(
        SECRET_KEY=config.get("SECRET_KEY") or settings.secret_key or _secret_key(settings.data),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookie,  # and whenever served over HTTPS
        JSON_AS_ASCII=False,
    )
    app.extensions["grants_settings"] = settings
    services = app.extensions["grants"] = Services.from_settings(settings)
    people = app.extensions["grants_users"] = Users(services)
    people.import_legacy(settings.data / USERS_FILE)  # once: the first versions' users
    app.session_interface = StoredSessions(people.sessions)

    @app.before_request
    def up_to_the_log():
        """Every page and API request sees what any node recorded: one cheap check of the
        log's last id first (a catch-up only when it grew), none more in the request."""
        if request.endpoint not in UNREAD:
            services.begin_request()

    @app.teardown_request
    def request_done(_error=None):
        services.end_request()

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    from web import api, dashboard

    dashboard.register(app)
    api.register(app)
    if settings.scheduler:
        from web.app import scheduling

        scheduling.start(app, settings)
    return app


# For web/api until it reaches them through current_app as web/dashboard/access.py does.
def services(app: Flask) -> Services:
    return app.extensions["grants"]


def users(app: Flask) -> Users:
    return app.extensions["grants_users"]
