"""Commands that ran, by the sender's `command_id`: each runs once, on any node.

A command that carries a `command_id` (DOMAIN.md, the command contract) and is carried
out leaves a `CommandRecord` saved in the same transaction as its events. Sent again,
by a retry or a batch run a second time after a crash, on this node or another, it is
not decided again: its first outcome is answered, marked replayed, and nothing is
written. Two nodes running the same id at once both try to create the record; the
store lets one win and the other, deciding again, finds it.

The API's `Idempotency-Key` rests on the same records (web/api/idempotency.py): each
command of a request sent with a key gets an id derived from the user, the key and the
request (`derived_id`), so its commands run once on any node however often it is sent,
and the request's answer is kept as a `RequestAnswer`, so a retry on any node answers
the first answer again, byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from lifecycle import commands as c
from lifecycle.chain import Chained
from lifecycle.errors import Refused
from lifecycle.ids import aggregate_uuid

MAX_LENGTH = 100  # DOMAIN.md: a string of at most 100 characters chosen by the sender


def command_uuid(command_id: str) -> UUID:
    return aggregate_uuid("command", command_id)


def storable(values: dict) -> dict:
    """An outcome's values as the store keeps them (a refusal as its codes, a status as
    its value)."""
    def one(v: Any) -> Any:
        if isinstance(v, Refused):
            return {"_refused": [v.code, v.reason, v.field, storable(v.values)]}
        if isinstance(v, Enum):
            return v.value
        if isinstance(v, dict):
            return {k: one(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [one(x) for x in v]
        return v
    return {k: one(v) for k, v in values.items()}


def restored(values: dict) -> dict:
    def one(v: Any) -> Any:
        if isinstance(v, dict) and "_refused" in v:
            code, reason, field, rest = v["_refused"]
            return Refused(code, reason, field, **restored(rest))
        if isinstance(v, dict):
            return {k: one(x) for k, x in v.items()}
        if isinstance(v, list):
            return [one(x) for x in v]
        return v
    return {k: one(v) for k, v in values.items()}


class CommandRecord(Chained):
    class CommandRecorded(Chained.Created):
        command_id: str
        command: str
        events: list
        values: dict
        at: date
        actor: str

        def apply(self, agg: CommandRecord) -> None:
            agg.command_id, agg.command = self.command_id, self.command
            agg.events, agg.values = list(self.events), dict(self.values)

    @classmethod
    def of(cls, command_id: str, command: str, events: tuple[str, ...], values: dict,
           at: date, actor: str) -> CommandRecord:
        return cls.start(cls.CommandRecorded, id=command_uuid(command_id),
                         command_id=command_id, command=command, events=list(events),
                         values=storable(values), at=at, actor=actor)


# -- the API's idempotency keys ---------------------------------------------------------


def request_uuid(username: str, key: str) -> UUID:
    return aggregate_uuid("request", f"{username}\n{key}")


def derived_id(username: str, key: str, fingerprint: str) -> str:
    """The stem of the command ids of a request sent with an Idempotency-Key: the request's
    i-th command is `STEM:i`. Another request under the same key gets other ids."""
    digest = hashlib.sha256(f"{username}\n{key}\n{fingerprint}".encode()).hexdigest()
    return f"key:{digest[:32]}"


class RequestAnswer(Chained):
    """What the API answered a request sent with an Idempotency-Key: status and body."""

    class RequestAnswered(Chained.Created):
        username: str
        key: str
        fingerprint: str
        status: int
        content_type: str
        body: str
        at: date
        actor: str

        def apply(self, agg: RequestAnswer) -> None:
            agg.username, agg.key, agg.fingerprint = self.username, self.key, self.fingerprint
            agg.status, agg.content_type, agg.body = self.status, self.content_type, self.body


def handlers(find: Callable[[UUID], object]) -> dict[type, Callable]:
    """The ledger's handler of `AnswerRequest`: the first answer under a key is kept."""

    def answer(cmd: c.AnswerRequest):
        if find(request_uuid(cmd.username, cmd.key)) is not None:
            raise Refused("duplicate_id", "request_answered", "Idempotency-Key", key=cmd.key)
        agg = RequestAnswer.start(
            RequestAnswer.RequestAnswered, id=request_uuid(cmd.username, cmd.key),
            username=cmd.username, key=cmd.key, fingerprint=cmd.fingerprint,
            status=cmd.status, content_type=cmd.content_type, body=cmd.body, at=cmd.at,
            actor=cmd.actor)
        return [agg], {"key": cmd.key}

    return {c.AnswerRequest: answer}
