"""Idempotency keys: a retried POST with the same key answers the first answer again, on
any node, and records nothing more.

A key rests on the log's own records (lifecycle/command_log.py), so every node of a
store knows it:

- each command of a request sent with a key gets a command id derived from the user,
  the key and the request (`derived_id`; a command's own `command_id` is kept): it is
  carried out once, on any node, however often the request is sent;
- the request's answer (status, content type, body) is recorded as an event
  (`RequestAnswer`, its id from the user and the key) through the one write path;
- the same user, key and request again: the recorded answer, byte for byte, with
  `Idempotent-Replayed: true`;
- the same key with another request (method, path, query or body): 422
  `idempotency_key_reused`, nothing run;
- two requests with one key on one node take turns: the second waits for the first
  (up to WAIT seconds, GRANTS_IDEMPOTENCY_WAIT in the app's config) and answers its
  answer, or 409 `idempotency_in_progress` with `Retry-After`. On two nodes at once
  both run, but each command is recorded once (the store lets one node record its id;
  the other's line is a replay), and both answer the answer recorded first;
- a request that never finished (its process died, or it failed with a server error)
  left no answer: sent again under its key it runs again, each command it had carried
  out answers its first outcome (`"replayed": true`) and nothing is recorded twice.

`once` is the step a view takes under a key (`Blueprint.idempotent` in
web/api/blueprint.py reads the header and calls it); the view reads the derived ids
with `command_ids()`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from flask import Response, current_app, g, request

from lifecycle.command_log import derived_id, request_uuid
from lifecycle.commands import AnswerRequest
from web import inputs
from web.api.context import services
from web.api.errors import ApiError

WAIT = 30.0  # seconds a retry waits for the first request with its key to finish


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


class _Turns:
    """One lock per (user, key) in this process, held while its request runs."""

    def __init__(self):
        self._guard = threading.Lock()
        self._locks: dict[tuple[str, str], list] = {}  # name -> [lock, waiting]

    @contextmanager
    def turn(self, name: tuple[str, str], wait: float) -> Iterator[None]:
        with self._guard:
            entry = self._locks.setdefault(name, [threading.Lock(), 0])
            entry[1] += 1
        try:
            if not entry[0].acquire(timeout=wait):
                raise ApiError("idempotency_in_progress", "the first request with this "
                               "Idempotency-Key is still running; retry later",
                               {"Idempotency-Key": "in progress"}, headers={"Retry-After": "2"})
            try:
                yield
            finally:
                entry[0].release()
        finally:
            with self._guard:
                entry[1] -= 1
                if not entry[1]:
                    self._locks.pop(name, None)


_turns = _Turns()


def _recorded(username: str, key: str, print_: str) -> Response | None:
    """The answer recorded under the user's key (replayed), or None; ApiError when the key
    was used for another request."""
    answer = services().ledger.record_of(request_uuid(username, key))
    if answer is None:
        return None
    if answer.fingerprint != print_:
        raise ApiError("idempotency_key_reused", "this Idempotency-Key was used for "
                       "another request; send a new key for a new request",
                       {"Idempotency-Key": "used for another request"})
    replayed = Response(answer.body.encode("utf-8"), status=answer.status,
                        content_type=answer.content_type)
    replayed.headers["Idempotent-Replayed"] = "true"
    return replayed


def command_ids() -> str | None:
    """The stem of the derived command ids of the request being answered under a key."""
    return g.get("grants_command_ids")


def once(username: str, key: str, run: Callable[[], Response]) -> Response:
    """`run()`'s answer, recorded under the user's key; or the answer recorded by an
    earlier run of the same request (`Idempotent-Replayed`); or ApiError (reused, in
    progress). A run that fails (raises, or answers 5xx) records no answer."""
    print_ = request_fingerprint()
    wait = float(current_app.config.get("GRANTS_IDEMPOTENCY_WAIT", WAIT))
    with _turns.turn((username, key), wait):
        found = _recorded(username, key, print_)
        if found is not None:
            return found
        g.grants_command_ids = derived_id(username, key, print_)
        response = run()
        body = response.get_data()
        if response.status_code >= 500:
            return response
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:  # no answer of this API; kept out of the log
            return response
        ledger = services()
        line = ledger.execute(AnswerRequest(
            at=ledger.clock.today(), actor=username, username=username, key=key,
            fingerprint=print_, status=response.status_code,
            content_type=response.content_type, body=text))
        if not line["ok"]:  # another node recorded its answer first: that one holds
            found = _recorded(username, key, print_)
            if found is not None:
                return found
        return response


def _readable(body: bytes):
    """The body as JSON data within the limits of every input (web/inputs.py); ValueError
    when it is not (then the body is compared as its bytes)."""
    try:
        return inputs.read_json(body.decode("utf-8"), where="_body", max_chars=inputs.MAX_BODY,
                                batch=True)
    except inputs.UnreadableInput as e:
        raise ValueError(e.message) from None
