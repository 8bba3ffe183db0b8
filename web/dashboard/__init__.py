"""The dashboard: pages for bureau staff, auditors and administrators (issue 5).

One blueprint per area: `auth` (log-in, language), `enterprises`, `applications`,
`catalogue`, `alerts`, `spend`, `users`, and `dashboard` for the shared frame
(templates, static files, the start page). Each passes `access.guard` before
its views and shows the dashboard's error pages.
"""

from __future__ import annotations

from web.dashboard import (
    alerts,
    applications,
    audit,
    auth,
    catalogue,
    enterprises,
    shell,
    spend,
    user_admin,
)
from web.dashboard.access import guard

BLUEPRINTS = (shell.bp, auth.bp, enterprises.bp, applications.bp, catalogue.bp, alerts.bp,
              spend.bp, user_admin.bp, audit.bp)

# Blueprints are module-level objects, set up once, then registered on every app made.
for _blueprint in BLUEPRINTS:
    _blueprint.before_request(shell.speak)  # the words of messages in the page's language
    _blueprint.teardown_request(shell.spoken)
    _blueprint.before_request(guard)
    for _code in shell.ERROR_CODES:
        _blueprint.register_error_handler(_code, shell.error_page)


def register(app) -> None:
    """Add the dashboard's blueprints, template helpers and error pages to `app`."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    shell.install_helpers(app)
    shell.install_errors(app)
