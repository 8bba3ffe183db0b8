"""Commands that ran, by the sender's `command_id`: each runs once, on any node.

A command that carries a `command_id` (DOMAIN.md, the command contract) and is carried
out leaves a `CommandRecord` saved in the same transaction as its events. Sent again,
by a retry or a batch run a second time after a crash, on this node or another, it is
not decided again: its first outcome is answered, marked replayed, and nothing is
written. Two nodes running the same id at once both try to create the record; the
store lets one win and the other, deciding again, finds it.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from lifecycle.chain import Chained
from lifecycle.errors import Refused

MAX_LENGTH = 100  # DOMAIN.md: a string of at most 100 characters chosen by the sender


def command_uuid(command_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"grant-ledger:command:{command_id}")


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
