"""The JSON API under /api/v1 (issue 6), on flask-smorest: docs/api.md, and its OpenAPI
document at /api/v1/openapi.json.

    blueprint.py   the API's Blueprint: strict arguments, `access`, `idempotent`; `root`
                   (the parts under /api/v1, failures, no-store); `fallback` (unknown
                   paths and methods, OPTIONS)
    document.py    the flask-smorest Api and what the document says of the API itself
    commands.py    POST /commands (and the commands' part of the document)
    resources.py   the reads: enterprises, applications, flags, catalogue, audit
    exports.py     the CSV/XLSX exports         imports.py  POST /imports, its template
    meta.py        /openapi.json, /me
    schemas.py     query/path/header/upload schemas and the schemas of every answer
    auth.py        bearer tokens and roles      errors.py   codes -> statuses, failures
    idempotency.py Idempotency-Key: derived command ids, and the answer kept in the log
    context.py     the app's services and users (app.extensions): web.app is never imported
"""

from __future__ import annotations

import json

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from web.api import commands, document, exports, imports, meta, resources
from web.api.blueprint import fallback, root

#: Every part of the API, in the order of the document's tags.
PARTS = (commands.commands, resources.enterprises, resources.applications, resources.flags,
         resources.catalogue, resources.audit, exports.exports, imports.imports, meta.meta)
API = root(PARTS)


class LineJSON(DefaultJSONProvider):
    """JSON answers as `grants` prints its lines: UTF-8, keys in their order, one line.

    flask-smorest writes every answer with the app's provider (`jsonify`), whose default
    sorts keys, escapes non-ASCII and packs separators: a command's answer would no
    longer be the line `grants apply` prints. Only `response` differs from Flask's
    (`dumps`, as templates use it, is unchanged); only the API answers JSON here."""

    def response(self, *args, **kwargs):
        body = json.dumps(self._prepare_response_obj(args, kwargs), ensure_ascii=False,
                          default=self.default)
        return self._app.response_class(body, mimetype=self.mimetype)


def register(app: Flask) -> None:
    """Add the API to `app`: its blueprints and its document."""
    app.json = LineJSON(app)
    api = document.api(app, PARTS)
    commands.describe(api)
    api.register_blueprint(API)
    app.register_blueprint(fallback)
