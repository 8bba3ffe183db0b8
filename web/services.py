"""The ledger and its read models for one process: the one path every write takes.

The command line, the web forms and the JSON API all hand a contract command to
`Services.execute`, which carries it out and returns only once the read models
show it (read your own writes). `clock` says what today is, `deadlines` when the
daily job's obligations fall due (both from web/settings.py).

Reads see what any node wrote: `refresh()` compares the log's last notification id with
the position the views reached, one indexed query, and catches up only when the log
grew. Every web request calls it once, first (`begin_request`, from the app: then the
request's reads check no more); outside a request, every `reader()` calls it.
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import replace
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
    #: True in the workers of `grants serve --workers N`, which share one data folder: one
    #: process at a time signs the tree's heads (`_Sealer`), whoever holds `sealer.lock`.
    one_sealer_per_folder = False

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
        self._seen = self.follower.views.position()  # the log's last id the views show
        # The log's Merkle tree, whose heads are signed with a key kept outside the store:
        # brought up to date after every write (lifecycle/log_tree.py).
        self.key_path = signing.key_path(self.data_dir, signing_key)
        self.tree = LogTree(self.ledger, signing.SigningKey.load_or_create(self.key_path))
        self.seal()
        self._sealer = _Sealer(self)
        # One writer at a time in this process; between processes the store decides.
        # Reentrant: an idempotent API request writes its answer around its commands.
        self._write_lock = threading.RLock()
        self._deferred = 0  # inside batch(): the views are brought up once, at its end
        self._closing: list = []
        self._local = threading.local()  # `checked`: this thread's request has refreshed
        self._readers: list[Views] = []  # each thread's read-only connection, closed at close
        self._readers_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        """The services on the settings' data folder, event store, rule sets and clock."""
        return cls(settings.data, settings.event_store, settings.catalogue(),
                   clock=settings.clock, deadlines=settings.deadlines,
                   signing_key=settings.signing_key)

    @property
    def views_path(self) -> Path:
        return self.data_dir / VIEWS_FILE

    def on_close(self, close) -> None:
        """Call `close()` when these services close (what was opened beside them)."""
        self._closing.append(close)

    def close(self) -> None:
        self._sealer.close()  # signs what the last writes left unsigned
        for close in reversed(self._closing):
            close()
        self._closing.clear()
        with self._readers_lock:
            for views in self._readers:
                views.close()
            self._readers.clear()
        self._local = threading.local()
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

    def sealed(self) -> None:
        """Wait until what was written so far is covered by a signed head."""
        self._sealer.wait()

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
                if not self._deferred:
                    self._catch_up()
                self._sealer.poke()
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

    def execute_json_many(self, items: list, actor: str | None = None,
                          ids: str | None = None) -> list[dict]:
        """Contract commands as JSON data, in order; refusals of form are lines too.

        `ids`: the i-th command that carries no `command_id` of its own gets `IDS:i`
        (an API request's Idempotency-Key: lifecycle/command_log.py `derived_id`)."""
        lines: list[dict | None] = [None] * len(items)
        commands, where = [], []
        for i, data in enumerate(items):
            try:
                command = load_command(data, actor=actor)
                if ids is not None and command.command_id is None:
                    command = replace(command, command_id=f"{ids}:{i}")
                commands.append(command)
                where.append(i)
            except Refused as refused:
                lines[i] = contract.refused_line(command_name(data), refused)
        for i, result in zip(where, self.execute_many(commands), strict=True):
            lines[i] = result
        return lines

    def execute_json(self, data: object, actor: str | None = None,
                     ids: str | None = None) -> dict:
        """A contract command as JSON data (a dict); a refusal of its form is a line too.
        `ids`: as for `execute_json_many` (the command gets `IDS:0` unless it has an id)."""
        try:
            command = load_command(data, actor=actor)
        except Refused as refused:
            return contract.refused_line(command_name(data), refused)
        if ids is not None and command.command_id is None:
            command = replace(command, command_id=f"{ids}:0")
        return self.execute(command)

    @contextmanager
    def batch(self):
        """Within it, writes answer before the views show them; the views are brought up
        to date once, at its end (a bulk import: each enterprise's rows are rewritten once,
        not once per group of 200). Single commands keep reading their own writes."""
        self._deferred += 1
        try:
            yield self
        finally:
            self._deferred -= 1
            if not self._deferred:
                self.catch_up(bulk=True)

    def catch_up(self, bulk: bool = False) -> None:
        """Bring the views up to date with what other processes recorded; `bulk` (after a
        batch): views still empty are built as a rebuild builds them, others catch up in
        big pages (Follower.catch_up_bulk); else in pages of 500 events, each transaction
        holding the views' lock a short while."""
        with self._write_lock:
            self._catch_up(bulk)

    def _catch_up(self, bulk: bool = False) -> None:
        if bulk:
            self.follower.catch_up_bulk()
        else:
            self.follower.catch_up()
        self._seen = max(self._seen, self.follower.views.position())

    def refresh(self) -> None:
        """Bring the views up to the log if it grew since they last caught up: one query
        of the log's last notification id when nothing changed (what every page and API
        read pays first; docs/scaling.md says what it costs)."""
        last = self.ledger.recorder.max_notification_id() or 0
        if last <= self._seen:
            return
        with self._write_lock:
            if last > self._seen:  # not caught up meanwhile by another thread
                self._catch_up()

    def begin_request(self) -> None:
        """A web request begins: bring the views up to the log, once for the whole request
        (its reads, on this thread, check no more until `end_request`)."""
        self.refresh()
        self._local.checked = True

    def end_request(self) -> None:
        self._local.checked = False

    @contextmanager
    def reader(self):
        """A read-only connection to the views, for one request or one thread, once they
        show everything the log held when it was asked for (`refresh`, unless this
        thread's request did it when it began)."""
        if not getattr(self._local, "checked", False):
            self.refresh()
        # One read-only connection a thread, kept: a new one each request parsed the schema
        # and started with a cold page cache (a list page's queries took 3-4 times as
        # long). Outside a transaction each statement reads the newest commit (WAL).
        views = getattr(self._local, "views", None)
        if views is None:
            views = self._local.views = Views(self.views_path, reader=True)
            with self._readers_lock:
                self._readers.append(views)
        yield views


class _Sealer:
    """Signs a tree head shortly after each write, off the write's own path.

    One thread per process: a write wakes it and returns; it signs one head over
    everything written since the last (a burst of writes, one head). A crash before it
    signs leaves the newest records unsigned until the next head, which covers them.
    """

    #: How often the folder's one sealer looks whether another process wrote (seconds).
    POLL = 1.0

    def __init__(self, services: Services):
        self._services = services
        self._changed = threading.Condition()
        self._asked = self._done = 0  # writes that asked for a head; those a head covers
        self._stopping = False
        # Several processes on one folder (`grants serve --workers`): only the holder of
        # sealer.lock signs, and it also signs what the others wrote (it polls the log);
        # the others' writes wake nothing, and one of them takes over if the holder ends.
        self._shared = Services.one_sealer_per_folder
        self._lock_file = None
        self._seen = 0
        self._thread = threading.Thread(target=self._run, name="sealer", daemon=True)
        self._thread.start()

    def _holds(self) -> bool:
        """Whether this process signs the folder's heads (always, unless shared)."""
        if not self._shared or self._lock_file is not None:
            return True
        import fcntl

        path = store.private_file(self._services.data_dir / "sealer.lock")
        lock = open(path, "w")  # noqa: SIM115 - held for life
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            return False
        self._lock_file = lock
        return True

    def poke(self) -> None:
        with self._changed:
            self._asked += 1
            self._changed.notify_all()

    def _log_grew(self) -> bool:
        """Shared folder: whether any process wrote since this sealer last looked."""
        try:
            last = self._services.ledger.recorder.max_notification_id() or 0
        except Exception:  # noqa: BLE001 - a busy store: look again at the next poll
            return False
        grew, self._seen = last > self._seen, max(self._seen, last)
        return grew

    def wait(self, timeout: float = 30) -> None:
        with self._changed:
            target = self._asked
            self._changed.wait_for(lambda: self._done >= target, timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._asked > self._done or self._stopping,
                                       self.POLL if self._shared else None)
                target, stopping = self._asked, self._stopping
            if self._shared:
                if self._holds() and (self._log_grew() or target > self._done):
                    self._services.seal()
            elif target > self._done:
                self._services.seal()
            with self._changed:
                self._done = target
                self._changed.notify_all()
            if stopping:
                return

    def close(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join(30)
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
