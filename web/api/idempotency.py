"""Idempotency keys: a retried POST with the same key answers the first answer again.

Keys live in `api.sqlite` in the data folder, per user, so a retry after a restart
still finds its answer. A key is claimed (one INSERT on its primary key, so of two
concurrent requests only one executes) before the request runs and completed with
the answer before the answer is sent:

- same user, same key, same request: the stored status and body (`Idempotent-Replayed`);
- same key, another request (method, path, query or body): 422 `idempotency_key_reused`;
- the first is still running: the second waits for its answer up to WAIT seconds
  (GRANTS_IDEMPOTENCY_WAIT in the app's config), then 409 `idempotency_in_progress`;
- the first never finished (its process died, or it failed with a server error): what
  it wrote cannot be known from here, so it is never run again: 409
  `idempotency_interrupted`; check the ledger, then send with a new key.

`once` is the step a view takes under a key (`Blueprint.idempotent` in
web/api/blueprint.py reads the header and calls it); `Keys` is their store.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Response, current_app, request

from web import inputs
from web.api.errors import ApiError

API_FILE = "api.sqlite"
WAIT = 30.0  # seconds a retry waits for the first request with its key to finish
LEASE = timedelta(hours=1)  # a request still "running" after this long is taken as dead
KEEP = timedelta(days=30)  # answers are kept this long
HOST = socket.gethostname()
KEYS = "grants_api_keys"  # where the app keeps its Keys (app.extensions)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str


def fingerprint(method: str, path: str, query: str, content_type: str, body: bytes,
                files: dict[str, tuple[str, bytes]] | None = None,
                form: dict[str, str] | None = None) -> str:
    """What makes two requests the same: method, path, sorted query and the content.

    JSON is compared by its meaning (key order and spacing aside); an upload by its
    files' names and bytes and its form fields, not by its multipart boundary.
    """
    digest = hashlib.sha256()
    digest.update(f"{method} {path}?{'&'.join(sorted(query.split('&')))}\n".encode())
    if files is not None or form is not None:
        for name, (filename, data) in sorted((files or {}).items(), key=repr):
            digest.update(f"file {name!r} {filename!r} {hashlib.sha256(data).hexdigest()}\n"
                          .encode())
        for name, value in sorted((form or {}).items(), key=repr):
            digest.update(f"form {name!r}={value!r}\n".encode())
        return digest.hexdigest()
    if content_type.startswith("application/json"):
        with suppress(ValueError, UnicodeDecodeError):  # not JSON: compared as bytes
            body = json.dumps(_readable(body), sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode()
    digest.update(body)
    return digest.hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _alive(owner: str) -> bool:
    """Whether the process that claimed a key may still be running."""
    host, _, pid = owner.rpartition(":")
    if host != HOST or not pid.isdigit():
        return True  # another machine's process: only the lease can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Keys:
    """The idempotency keys of one data folder."""

    def __init__(self, data_dir: Path):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / API_FILE
        self.owner = f"{HOST}:{os.getpid()}"
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("""CREATE TABLE IF NOT EXISTS idempotency_keys (
                username TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
                state TEXT NOT NULL, owner TEXT NOT NULL, started_at TEXT NOT NULL,
                status INTEGER, content_type TEXT, body BLOB, finished_at TEXT,
                PRIMARY KEY (username, key))""")
            conn.execute("CREATE INDEX IF NOT EXISTS idx_idempotency_started "
                         "ON idempotency_keys (started_at)")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=FULL")  # an answer is on disk before it is sent
            conn.row_factory = sqlite3.Row
            yield conn
        finally:
            conn.close()

    def claim(self, username: str, key: str, print_: str, wait: float = WAIT) -> Answer | None:
        """None when this request may run (the key is now its own); the stored answer of
        an earlier run of the same request; or ApiError (reused, in progress, interrupted)."""
        deadline = time.monotonic() + wait
        while True:
            row = self._claim_or_read(username, key, print_)
            if row is None:
                return None
            if row["fingerprint"] != print_:
                raise ApiError("idempotency_key_reused", "this Idempotency-Key was used for "
                               "another request; send a new key for a new request",
                               {"Idempotency-Key": "used for another request"})
            if row["state"] == "done":
                return Answer(row["status"], bytes(row["body"]), row["content_type"])
            if row["state"] == "interrupted" or self._abandoned(row):
                raise ApiError("idempotency_interrupted", "the first request with this "
                               "Idempotency-Key did not finish; what it recorded is in the "
                               "ledger: check it, then send again with a new key",
                               {"Idempotency-Key": "its first request was interrupted"})
            if time.monotonic() >= deadline:
                raise ApiError("idempotency_in_progress", "the first request with this "
                               "Idempotency-Key is still running; retry later",
                               {"Idempotency-Key": "in progress"}, headers={"Retry-After": "2"})
            time.sleep(0.05)

    def _claim_or_read(self, username: str, key: str, print_: str) -> sqlite3.Row | None:
        now = _now()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT * FROM idempotency_keys WHERE username = ? AND "
                                   "key = ?", (username, key)).fetchone()
                if row is None:
                    conn.execute("DELETE FROM idempotency_keys WHERE started_at < ?",
                                 ((now - KEEP).isoformat(),))
                    conn.execute("INSERT INTO idempotency_keys (username, key, fingerprint, "
                                 "state, owner, started_at) VALUES (?, ?, ?, 'running', ?, ?)",
                                 (username, key, print_, self.owner, now.isoformat()))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return row

    @staticmethod
    def _abandoned(row: sqlite3.Row) -> bool:
        started = datetime.fromisoformat(row["started_at"])
        return not _alive(row["owner"]) or _now() - started > LEASE

    def finish(self, username: str, key: str, answer: Answer) -> None:
        """Store the answer of the request that claimed the key."""
        with self._connect() as conn:
            conn.execute("UPDATE idempotency_keys SET state = 'done', status = ?, "
                         "content_type = ?, body = ?, finished_at = ? WHERE username = ? "
                         "AND key = ?", (answer.status, answer.content_type, answer.body,
                                         _now().isoformat(), username, key))

    def interrupt(self, username: str, key: str) -> None:
        """The request that claimed the key failed: it is never run again under it."""
        with self._connect() as conn:
            conn.execute("UPDATE idempotency_keys SET state = 'interrupted', finished_at = ? "
                         "WHERE username = ? AND key = ? AND state = 'running'",
                         (_now().isoformat(), username, key))


def keys() -> Keys:
    """The idempotency keys of the current app's data folder."""
    return current_app.extensions[KEYS]


def request_fingerprint() -> str:
    """The fingerprint of the current request (an upload by its files and form fields)."""
    content_type = request.mimetype or ""
    query = request.query_string.decode("latin-1")
    if content_type == "multipart/form-data":
        files = {name: (f.filename or "", f.read()) for name, f in request.files.items()}
        for f in request.files.values():
            f.seek(0)
        return fingerprint(request.method, request.path, query, content_type, b"", files,
                           request.form.to_dict())
    return fingerprint(request.method, request.path, query, content_type,
                       request.get_data(cache=True))


def once(username: str, key: str, run: Callable[[], Response]) -> Response:
    """`run()`'s answer, kept under the user's key; or the answer kept by an earlier run of
    the same request (`Idempotent-Replayed`); or ApiError (reused, in progress,
    interrupted). A run that raises leaves the key interrupted."""
    store = keys()
    answer = store.claim(username, key, request_fingerprint(), wait=float(
        current_app.config.get("GRANTS_IDEMPOTENCY_WAIT", WAIT)))
    if answer is not None:
        replayed = Response(answer.body, status=answer.status, content_type=answer.content_type)
        replayed.headers["Idempotent-Replayed"] = "true"
        return replayed
    try:
        response = run()
    except BaseException:
        store.interrupt(username, key)
        raise
    store.finish(username, key, Answer(response.status_code, response.get_data(),
                                       response.content_type))
    return response


def _readable(body: bytes):
    """The body as JSON data within the limits of every input (web/inputs.py); ValueError
    when it is not (then the body is compared as its bytes)."""
    try:
        return inputs.read_json(body.decode("utf-8"), where="_body", max_chars=inputs.MAX_BODY,
                                batch=True)
    except inputs.UnreadableInput as e:
        raise ValueError(e.message) from None
