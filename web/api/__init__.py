"""The JSON API under /api/v1 (issue 6), on flask-smorest: docs/api.md, and its OpenAPI
document at /api/v1/openapi.json.

    blueprint.py   the API's Blueprint (strict arguments, failures, access, idempotency)
                   and the fallback for unknown paths, methods and OPTIONS
    document.py    the flask-smorest Api and what the document says of the API itself
    auth.py        bearer tokens and roles          errors.py      codes -> HTTP statuses
    context.py     the services and users of the app (app.extensions)
    schemas.py     query/path/header/upload/output schemas
    idempotency.py Idempotency-Key answers, kept in api.sqlite
    commands.py    POST /commands                   resources.py   the read endpoints
    exports.py     the CSV/XLSX exports             imports.py     POST /imports, template
    meta.py        /openapi.json, /me
"""

from __future__ import annotations

import json

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from web.api import commands, document, exports, imports, meta, resources
from web.api.blueprint import fallback, root
from web.api.context import services
from web.api.idempotency import KEYS, Keys

#: Every part of the API, in the order of the document's tags.
PARTS = (commands.commands, resources.enterprises, resources.applications, resources.flags,
         resources.catalogue, resources.audit, exports.exports, imports.imports, meta.meta)
API = root(PARTS)


class LineJSON(DefaultJSONProvider):
    """JSON answers as `grants` prints its lines: UTF-8, keys in their order, one line.
    (Only the API answers JSON in this app.)"""

    def response(self, *args, **kwargs):
        body = json.dumps(self._prepare_response_obj(args, kwargs), ensure_ascii=False,
                          default=self.default)
        return self._app.response_class(body, mimetype=self.mimetype)


def register(app: Flask) -> None:
    """Add the API to `app`: its blueprints, its document and its idempotency keys."""
    app.json = LineJSON(app)
    app.extensions[KEYS] = Keys(services(app).data_dir)
    api = document.api(app, PARTS)
    commands.describe(api)
    api.register_blueprint(API)
    app.register_blueprint(fallback)
