"""What the API reaches in the app it serves: the ledger's services and the user store.

The app factory (web/app) puts both in `app.extensions`; the API reads them from
there, so that no module of web/api imports the package that creates the app.
"""

from __future__ import annotations

from flask import Flask, current_app

from web.services import Services
from web.users import Users

SERVICES, USERS = "grants", "grants_users"


def services(app: Flask | None = None) -> Services:
    """The one write path and the read models (of `app`, else of the current app)."""
    return (app or current_app).extensions[SERVICES]


def users(app: Flask | None = None) -> Users:
    """The users, their roles and their API tokens."""
    return (app or current_app).extensions[USERS]
