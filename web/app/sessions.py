"""Flask's session, kept in the store (web/sessions.py): the cookie only names it.

The cookie holds a random session id and nothing else; the session's data lives in a
row every node reads. A session is written only when its data changes (a log-in, a
CSRF token, a message to show, the last activity, refreshed at most every TOUCH
seconds: web/dashboard/access.py), never on every request. `rotate()` gives the
session a new id and ends the old one (log-in and log-out), so an id seen before a
log-in is worth nothing after it.

The cookie is HttpOnly and SameSite=Lax, and Secure whenever the request came over
HTTPS (`request.is_secure`, which a proxy's X-Forwarded-Proto only sets if the app
trusts it) or GRANTS_SECURE_COOKIE is on.
"""

from __future__ import annotations

import time

from flask import request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from web.sessions import Sessions


class StoredSession(CallbackDict, SessionMixin):
    """The session of one request: its data, and the id that names it (None: not yet
    stored)."""

    def __init__(self, initial: dict | None = None, session_id: str | None = None):
        def changed(session: StoredSession) -> None:
            session.modified = True

        super().__init__(initial, changed)
        self.session_id = session_id
        self.ended: str | None = None  # the id given up by `rotate`, ended on save
        self.modified = False

    @property
    def permanent(self) -> bool:
        return self.get("_permanent", False)

    @permanent.setter
    def permanent(self, value: bool) -> None:
        if self.get("_permanent", False) != bool(value):  # no write just for saying so again
            self["_permanent"] = bool(value)

    def rotate(self) -> None:
        """A new id for this session from now on; the old one ends when it is saved."""
        if self.session_id is not None:
            self.ended = self.session_id
        self.session_id = None
        self.modified = True


class StoredSessions(SessionInterface):
    """Flask's session interface on the store's `web_sessions` table."""

    serializer = TaggedJSONSerializer()

    def __init__(self, store: Sessions):
        self.store = store

    def open_session(self, app, request) -> StoredSession:
        session_id = request.cookies.get(self.get_cookie_name(app))
        if request.endpoint in ("static", "dashboard.static"):
            return StoredSession()  # a stylesheet needs no session: nothing read or written
        if session_id:
            data = self.store.load(session_id)
            if data is not None:
                return StoredSession(self.serializer.loads(data), session_id)
        return StoredSession()

    def save_session(self, app, session: StoredSession, response) -> None:
        name, domain = self.get_cookie_name(app), self.get_cookie_domain(app)
        path, secure = self.get_cookie_path(app), self._secure(app)
        samesite, httponly = self.get_cookie_samesite(app), self.get_cookie_httponly(app)
        response.vary.add("Cookie")
        if session.ended is not None:
            self.store.end(session.ended)
            session.ended = None
        if not session:  # nothing to keep: no row, no cookie
            if session.session_id is not None:
                self.store.end(session.session_id)
            if session.modified:
                response.delete_cookie(name, domain=domain, path=path, secure=secure,
                                       samesite=samesite, httponly=httponly)
            return
        if session.modified or session.session_id is None:
            if session.session_id is None:
                session.session_id = self.store.new_id()
                self.store.purge(app.permanent_session_lifetime.total_seconds())
            self.store.save(session.session_id, self.serializer.dumps(dict(session)),
                            session.get("user"), float(session.get("seen") or time.time()))
        elif not self.should_set_cookie(app, session):
            return
        response.set_cookie(name, session.session_id, expires=self.get_expiration_time(
            app, session), httponly=httponly, domain=domain, path=path, secure=secure,
            samesite=samesite)

    @staticmethod
    def _secure(app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure
