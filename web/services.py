"""The ledger and its read models for one process: the one path every write takes.

The command line, the web forms and the JSON API all hand a contract command to
`Services.execute`, which carries it out and returns only once the read models
show it (read your own writes). `clock` says what today is, `deadlines` when the
daily job's obligations fall due (both from web/settings.py).
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from lifecycle import signing, store
from lifecycle.clock import Clock
from lifecycle.commands import Command
from lifecycle.errors import Refused
from lifecycle.ledger import Ledger, Rehearsal
from lifecycle.log_tree import LogTree
from policies.catalogue import Catalogue
from projections.follower import Follower
from projections.obligations import Deadlines
from projections.views import VIEWS_FILE, Views
from web import contract, messages
from web.schemas import command_name, load_command
from web.settings import Settings

log = logging.getLogger(__name__)


class Services:
    def __init__(self, data_dir: str | os.PathLike | None = None, event_store: str | None = None,
                 catalogue: Catalogue | None = None, *, clock: Clock | None = None,
                 deadlines: Deadlines | None = None, signing_key: Path | None = None):
        self.data_dir = store.data_dir(data_dir)
        self.clock = clock or Clock()
        self.deadlines = deadlines or Deadlines()
        self.ledger = Ledger(env=store.settings(self.data_dir, event_store), catalogue=catalogue,
                             clock=self.clock)
        messages.use_catalogue(self.ledger.catalogue)  # items named in its words too
        self.follower = Follower.beside(self.ledger, self.data_dir)
        self.follower.catch_up()
        # The log's Merkle tree, whose heads are signed with a key kept outside the store:
        # brought up to date after every write (lifecycle/log_tree.py).
        self.key_path = signing.key_path(self.data_dir, signing_key)
        self.tree = LogTree(self.ledger, signing.SigningKey.load_or_create(self.key_path))
        self.seal()
        # One writer at a time in this process; between processes the store decides.
        self._write_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        """The services on the settings' data folder, event store, rule sets and clock."""
        return cls(settings.data, settings.event_store, settings.catalogue(),
                   clock=settings.clock, deadlines=settings.deadlines,
                   signing_key=settings.signing_key)

    @property
    def views_path(self) -> Path:
        return self.data_dir / VIEWS_FILE

    def close(self) -> None:
        self.tree.close()
        self.follower.close()
        self.ledger.close()

    def seal(self) -> dict | None:
        """Sign a tree head over everything written so far; the head, or None.

        The events are saved whatever happens here: a head not signed now (another
        node's head won the race, the database is busy) is signed by the next write.
        """
        try:
            return self.tree.catch_up()
        except Exception:  # noqa: BLE001 - never fail a saved command for its seal
            log.exception("could not sign a tree head; the next write will")
            return None

    def checkpoint(self) -> dict:
        """The signed head of the whole log now (`grants checkpoint`)."""
        with self._write_lock:
            return self.tree.checkpoint()

    def public_keys(self) -> list[bytes]:
        """Every public key that ever signed this log's heads (the current one too)."""
        return signing.known_public_keys(self.key_path)

    def run(self, commands: list[Command], *, together: bool = False,
            rehearsal: Rehearsal | None = None) -> list[dict]:
        """Carry out commands through the ledger's one engine (`Ledger.run`, with its
        options); their contract lines, answered once the views show them."""
        if rehearsal is not None:
            return [contract.line(o) for o in self.ledger.run(commands, together=together,
                                                               rehearsal=rehearsal)]
        with self._write_lock:
            outcomes = self.ledger.run(commands, together=together)
            if any(o.ok for o in outcomes):
                self.follower.catch_up()
                self.seal()
        return [contract.line(o) for o in outcomes]

    def execute(self, command: Command) -> dict:
        """Carry out a command; answer its contract line once the views show it."""
        return self.run([command])[0]

    def execute_many(self, commands: list[Command]) -> list[dict]:
        """Carry out commands in order, saved in groups; answer once the views show them."""
        return self.run(commands)

    def execute_together(self, commands: list[Command]) -> list[dict]:
        """Carry out commands as one (all or none); answer once the views show them."""
        return self.run(commands, together=True)

    def quote(self, application_id: str, on=None) -> dict:
        """The contract's quote, with its words (raises Refused for an unknown id)."""
        return contract.quote(self.ledger.quote(application_id, on))

    def execute_json_many(self, items: list, actor: str | None = None) -> list[dict]:
        """Contract commands as JSON data, in order; refusals of form are lines too."""
        lines: list[dict | None] = [None] * len(items)
        commands, where = [], []
        for i, data in enumerate(items):
            try:
                commands.append(load_command(data, actor=actor))
                where.append(i)
            except Refused as refused:
                lines[i] = contract.refused_line(command_name(data), refused)
        for i, result in zip(where, self.execute_many(commands), strict=True):
            lines[i] = result
        return lines

    def execute_json(self, data: object, actor: str | None = None) -> dict:
        """A contract command as JSON data (a dict); a refusal of its form is a line too."""
        try:
            command = load_command(data, actor=actor)
        except Refused as refused:
            return contract.refused_line(command_name(data), refused)
        return self.execute(command)

    def catch_up(self) -> None:
        """Bring the views up to date with what other processes recorded."""
        with self._write_lock:
            self.follower.catch_up()

    @contextmanager
    def reader(self):
        """A read-only connection to the views, for one request or one thread."""
        views = Views(self.views_path, reader=True)
        try:
            yield views
        finally:
            views.close()
