"""The JSON API under /api/v1 (issue 6): docs/api.md, and its OpenAPI document at
/api/v1/openapi.json.

    endpoints.py   the blueprint and the `@operation` declaration every endpoint uses
    auth.py        bearer tokens and roles          errors.py      codes -> HTTP statuses
    schemas.py     query/path/header/output schemas openapi.py     the document (apispec)
    idempotency.py Idempotency-Key answers, kept in api.sqlite
    commands.py    POST /commands                   resources.py   the read endpoints
    downloads.py   exports and the import template  uploads.py     POST /imports
    meta.py        /openapi.json, /me
"""

from __future__ import annotations


def operations() -> list:
    """Every endpoint of the API, as declared (importing the modules declares them)."""
    from web.api import commands, downloads, meta, resources, uploads  # noqa: F401
    from web.api.endpoints import OPERATIONS

    return OPERATIONS


def register(app) -> None:
    """Add the API's blueprint to `app`, with its idempotency keys and OpenAPI document."""
    from web.api.endpoints import API_KEYS, bp
    from web.api.idempotency import Keys
    from web.api.meta import OPENAPI
    from web.api.openapi import build
    from web.app import services

    declared = operations()
    app.extensions[API_KEYS] = Keys(services(app).data_dir)
    app.extensions[OPENAPI] = build(declared)
    app.register_blueprint(bp)
