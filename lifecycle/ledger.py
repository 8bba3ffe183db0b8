"""The grant ledger: carries out commands against the event store, atomically.

One engine decides and saves every command (`Ledger.run`), whatever reaches it:
one command, a batch saved in groups, commands that must be saved together or
not at all, or a rehearsal that decides without saving (a dry run). Each command
is decided on a working set of aggregates and saved in one transaction together
with every aggregate it touched (the application, the enterprise's ledger, a
catalogue snapshot). When another writer saved one of those aggregates first, the
store refuses the save and the commands are decided again on fresh state; after a
few tries the answer is `conflict`. A refused command writes nothing.

The ledger answers `Outcome`s: codes and values, never sentences (lifecycle/errors.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, OperationalError

from lifecycle import accounts, command_log, credit_code, daily_run, presence, store, text
from lifecycle import commands as c
from lifecycle.catalogue_versions import CatalogueSnapshot, catalogue_uuid
from lifecycle.clock import Clock
from lifecycle.command_log import CommandRecord, command_uuid, restored
from lifecycle.enterprise import EnterpriseLedger, enterprise_uuid
from lifecycle.errors import Refused, invalid
from lifecycle.flags import FlagBoard, board_uuid
from lifecycle.grant import GrantApplication, application_uuid
from lifecycle.status import Status, Step
from lifecycle.transcodings import DateAsISO
from policies import catalogue as catalogue_module
from policies.calculator import Quote, Refusal, plan_problems, quote
from policies.catalogue import SIZES, Catalogue
from policies.facts import Request

ATTEMPTS = 5
GROUP = 200  # commands decided together and saved in one transaction by `run`


@dataclass(frozen=True)
class Outcome:
    """What a command came to: the events it wrote, or why it was refused; with values."""

    command: str | None
    events: tuple[str, ...] = ()
    refusal: Refused | None = None
    values: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False  # its command_id was recorded: the first outcome, nothing written

    @property
    def ok(self) -> bool:
        return self.refusal is None


def refused_outcome(command: str | None, refusal: Refused) -> Outcome:
    return Outcome(command, refusal=refusal)


def from_quote(refusal: Refusal) -> Refused:
    """The calculator's refusal as the ledger's."""
    return Refused(refusal.code, refusal.reason, refusal.field, **refusal.values)


class _Regroup(Exception):
    """A group cannot be saved as one: decide its commands one at a time instead."""


class _WorkingSet:
    """The aggregates commands decided together have read or written.

    Each command decides on the state the earlier ones left; what they decided is
    saved in one transaction at the end, in the order decided. `marks` say how many
    pending events of each aggregate earlier commands accounted for. A fresh working
    set reads the store (fast-forwarding the cache); a group's reads copies of the
    cache, and its save's version check catches a stale one.
    """

    def __init__(self, fresh: bool, absent: frozenset = frozenset()):
        self.fresh = fresh
        self.absent = absent  # ids the store held no event of when the group began
        self.aggregates: dict = {}
        self.marks: dict = {}
        self.events: list = []  # every new event, in the order the commands made them

    def get(self, aggregate_id, fetch):
        found = self.aggregates.get(aggregate_id)
        if found is None and aggregate_id not in self.absent:
            found = fetch(aggregate_id, self.fresh)
            if found is not None:
                self.aggregates[aggregate_id] = found
                self.marks[aggregate_id] = len(found.pending_events)
        return found

    def take(self, aggregates) -> tuple[str, ...]:
        """The names of the events a command just added, which it now accounts for."""
        names = []
        for agg in aggregates:
            self.aggregates.setdefault(agg.id, agg)
            new = agg.pending_events[self.marks.get(agg.id, 0):]
            names += [type(e).__name__ for e in new]
            self.events += new
            self.marks[agg.id] = len(agg.pending_events)
        return tuple(names)

    def untouched(self) -> bool:
        return all(len(a.pending_events) == self.marks.get(i, 0)
                   for i, a in self.aggregates.items())

    def changed(self) -> list:
        return [a for a in self.aggregates.values() if a.pending_events]

    def snapshot(self) -> tuple:
        return ({i: deepcopy(a) for i, a in self.aggregates.items()}, dict(self.marks),
                len(self.events))

    def restore(self, snapshot: tuple) -> None:
        aggregates, marks, events = snapshot
        self.aggregates, self.marks = aggregates, marks
        del self.events[events:]


class Rehearsal:
    """A dry run: commands decided by the ledger on a working set that is never saved.

    Later commands see what earlier accepted ones decided; a refused run leaves no
    trace in it.
    """

    def __init__(self, ledger: Ledger):
        self.ledger, self.work = ledger, _WorkingSet(fresh=True)

    def run(self, commands: Iterable[c.Command], together: bool = True) -> list[Outcome]:
        return self.ledger.run(commands, together=together, rehearsal=self)

    def knows_enterprise(self, enterprise_id: str) -> bool:
        return self.ledger._within(self.work, self.ledger._find,
                                   enterprise_uuid(enterprise_id)) is not None


class Ledger(Application):
    """The application service of the grant ledger."""

    name = "GrantLedger"

    def __init__(self, env: dict[str, str] | None = None, catalogue: Catalogue | None = None,
                 clock: Clock | None = None):
        with store.startup_lock(env or {}):
            super().__init__(env)
        self.catalogue = catalogue or catalogue_module.load()
        self.clock = clock or Clock()
        self._stored_versions: set[str] = set()
        self._local = threading.local()  # the working set being decided in this thread
        self._handlers: dict[type, Callable[[Any], tuple[list, dict]]] = {
            c.RegisterEnterprise: self._register,
            c.RecordDishonesty: self._record_dishonesty,
            c.SubmitApplication: self._submit,
            c.CertifyApplication: self._certify,
            c.ApproveApplication: self._approve,
            c.RejectApplication: self._reject,
            c.DisburseTranche: self._disburse,
            c.RecordEvaluation: self._evaluate,
            c.RevokeAward: self._revoke,
            c.RecordRepayment: self._repay,
            c.ReconcileFlags: self._reconcile_flags,
        }
        # The service's own records, beside the contract's commands: user accounts, the
        # API's answers under idempotency keys, the daily job's run of each day.
        for module in (accounts, command_log, daily_run):
            self._handlers.update(module.handlers(self._find))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # -- the engine -----------------------------------------------------------------

    def execute(self, command: c.Command) -> Outcome:
        """Carry out one command."""
        return self.run([command])[0]

    def run(self, commands: Iterable[c.Command], *, together: bool = False,
            rehearsal: Rehearsal | None = None, group: int = GROUP) -> list[Outcome]:
        """Decide and save `commands` in order: the one way anything is written.

        By default each command is all or nothing, and they are saved in groups of
        `group` per transaction, each group answered only once saved. `together`: all
        saved in one transaction or none, the outcomes ending at the first refusal.
        `rehearsal`: decided on the rehearsal's working set and never saved.
        """
        commands = list(commands)
        if rehearsal is not None:
            return self._rehearse(rehearsal, commands, together)
        if together:
            return self._run_together(commands)
        outcomes: list[Outcome] = []
        for i in range(0, len(commands), group):
            outcomes += self._run_group(commands[i:i + group])
        return outcomes

    def _run_group(self, commands: list[c.Command]) -> list[Outcome]:
        if len(commands) > 1:
            work = _WorkingSet(fresh=False, absent=self._absent(commands))
            try:
                outcomes = []
                for command in commands:
                    outcome = self._within(work, self._decide, work, command)
                    if not outcome.ok and not work.untouched():
                        raise _Regroup  # a refusal must leave no trace
                    outcomes.append(outcome)
                self._save(work)
                return outcomes
            except (IntegrityError, OperationalError, _Regroup):
                pass  # decided again, one at a time, on fresh state
        return [self._run_together([command])[0] for command in commands]

    def _absent(self, commands: list[c.Command]) -> frozenset:
        """The aggregates these commands name by their own ids (enterprise, application,
        flag board, command record) that neither the cache nor the store holds: the store
        asked once for the group, not once for each new id. One created meanwhile by
        another writer makes the group's save conflict, and it is decided again fresh."""
        cache = self.repository.cache
        named = {uid for command in commands for uid in _named(command)
                 if cache is None or not _cached(cache, uid)}
        found = presence.stored(self.recorder, named) if named else None
        return frozenset() if found is None else frozenset(named - found)

    def _run_together(self, commands: list[c.Command]) -> list[Outcome]:
        for _ in range(ATTEMPTS):
            work = _WorkingSet(fresh=True)
            try:
                outcomes = []
                for command in commands:
                    outcomes.append(self._within(work, self._decide, work, command))
                    if not outcomes[-1].ok:
                        return outcomes  # nothing is saved
                self._save(work)
                return outcomes
            except (IntegrityError, OperationalError):
                continue  # another writer won: decide again on the state it left
        name = type(commands[0]).__name__ if commands else None
        return [refused_outcome(name, Refused("conflict", "lost_every_race",
                                              attempts=ATTEMPTS))]

    def _rehearse(self, rehearsal: Rehearsal, commands: list[c.Command],
                  together: bool) -> list[Outcome]:
        work = rehearsal.work
        outcomes = []
        snapshot = work.snapshot()
        for command in commands:
            if not together:
                snapshot = work.snapshot()
            outcome = self._within(work, self._decide, work, command)
            outcomes.append(outcome)
            if not outcome.ok:
                work.restore(snapshot)
                if together:
                    break
        for agg in work.aggregates.values():  # nothing of a rehearsal is ever saved
            agg.collect_events()
        work.marks = {i: 0 for i in work.aggregates}
        work.events.clear()
        return outcomes

    def _within(self, work: _WorkingSet, decide: Callable, *args) -> Any:
        """`decide(*args)` with `work` as the working set every read of this thread goes to."""
        self._local.work = work
        try:
            return decide(*args)
        finally:
            self._local.work = None

    def _decide(self, work: _WorkingSet, command: c.Command) -> Outcome:
        """Decide one command on a working set (its events stay pending there)."""
        name = type(command).__name__
        if command.command_id is not None:
            record = self._find(command_uuid(command.command_id))
            if record is not None:  # it ran before, here or on another node
                return Outcome(record.command, tuple(record.events), None,
                               restored(record.values), replayed=True)
        try:
            today = self.clock.today()
            if command.at > today:  # rule 9: what has not happened yet is not a fact
                raise invalid("at", "after_today", today=today)
            found = text.problems(command)  # names, notes, reasons, new ids: lifecycle/text.py
            if found is not None:
                raise invalid(found[0], found[1], **found[2])
            command = text.cleaned(command)
            aggregates, values = self._handlers[type(command)](command)
        except Refused as refused:
            return refused_outcome(name, refused)
        events = work.take(aggregates)
        if command.command_id is not None:  # saved in the same transaction as its events
            work.take([CommandRecord.of(command.command_id, name, events, values, command.at,
                                        command.actor)])
        return Outcome(name, events, None, values)

    def save(self, *objs, **kwargs):
        """The library's `save`; events alone (what `_save` hands it) are put in the store
        as they are: the library would ask a runtime Protocol whether each is an event (4%
        of an import), and the ledger takes no snapshots and has no listeners to notify."""
        if kwargs or not all(isinstance(o, DomainEvent) for o in objs):
            return super().save(*objs, **kwargs)
        return self.events.put(list(objs))

    def _save(self, work: _WorkingSet) -> None:
        """Save what a working set decided, in one transaction, in the order decided."""
        changed = work.changed()
        if not changed:
            return
        # The log keeps the order in which things were decided, not the order of the
        # aggregates: save the events themselves, then hand the aggregates to the cache.
        self.save(*work.events)
        for agg in changed:
            agg.collect_events()
            if self.repository.cache is not None:
                self.repository.cache.put(agg.id, agg)
        self._stored_versions.update(
            a.catalogue_version for a in changed if isinstance(a, CatalogueSnapshot))

    # -- the commands -----------------------------------------------------------------

    def _register(self, cmd: c.RegisterEnterprise):
        problem = credit_code.problem(cmd.enterprise_id)
        if problem:
            raise invalid("enterprise_id", problem[0], **problem[1])
        if cmd.size not in SIZES:
            raise invalid("size", "not_one_of", allowed=list(SIZES))
        if self._find(enterprise_uuid(cmd.enterprise_id)) is not None:
            raise Refused("duplicate_id", "enterprise_registered", "enterprise_id",
                          enterprise_id=cmd.enterprise_id)
        ent = EnterpriseLedger.register(cmd.enterprise_id, cmd.name, cmd.size,
                                        cmd.sectors, cmd.at, cmd.actor)
        return [ent], {"enterprise_id": cmd.enterprise_id}

    def _record_dishonesty(self, cmd: c.RecordDishonesty):
        ent = self.enterprise(cmd.enterprise_id)
        ent.record_dishonesty(cmd.note, cmd.at, cmd.actor)
        return [ent], {"enterprise_id": cmd.enterprise_id}

    def _submit(self, cmd: c.SubmitApplication):
        ent = self.enterprise(cmd.enterprise_id)
        if self._find(application_uuid(cmd.application_id)) is not None:
            raise Refused("duplicate_id", "application_exists", "application_id",
                          application_id=cmd.application_id)
        try:
            item = self.catalogue.item(cmd.policy, cmd.article, cmd.item)
        except LookupError as e:
            where, _ = e.args
            raise invalid(where, "not_in_catalogue", policy=cmd.policy, article=cmd.article,
                          item=cmd.item) from None
        if cmd.requested_amount <= 0:
            raise invalid("requested_amount", "not_positive")
        if cmd.at < ent.registered_on:
            raise invalid("at", "before_registration", registered_on=ent.registered_on)
        project_id = cmd.project_id or cmd.application_id
        request = Request(cmd.application_id, cmd.policy, cmd.article, item.key, project_id,
                          cmd.basis, cmd.requested_amount, cmd.at, ent.history())
        q = self._decided(quote(self.catalogue, request, ent.facts(), cmd.at,
                                with_candidates=False))
        app = GrantApplication.submit(
            application_id=cmd.application_id, enterprise_id=cmd.enterprise_id,
            policy=cmd.policy, article=cmd.article, item=item.key, project_id=project_id,
            basis=dict(cmd.basis), requested_amount=cmd.requested_amount, at=cmd.at,
            actor=cmd.actor)
        return [app], {"application_id": cmd.application_id, "max_amount": q.max_amount}

    def _certify(self, cmd: c.CertifyApplication):
        app = self.application(cmd.application_id)
        ent = self.enterprise(app.enterprise_id)
        q = quote(self.catalogue, self._request(app, ent, cmd.basis), ent.facts(), cmd.at,
                  with_candidates=False)
        if q.refusal is not None and q.refusal.code == "invalid_command":
            raise from_quote(q.refusal)
        app.certify(dict(cmd.basis), cmd.at, cmd.actor)
        values = {"application_id": cmd.application_id, "max_amount": q.max_amount}
        if q.refusal is not None:  # the verified figures are recorded all the same
            values["refusal"] = from_quote(q.refusal)
        return [app], values

    def _approve(self, cmd: c.ApproveApplication):
        app = self.application(cmd.application_id)
        app.check(app.problems_step(Step.APPROVE, cmd.at))
        ent = self.enterprise(app.enterprise_id)
        plan = [(t.year, t.amount) for t in cmd.tranches] if cmd.tranches else None
        years = tuple(y for y, _ in plan) if plan else (cmd.at.year,)
        item = self.catalogue.item(app.policy, app.article, app.item)
        q = self._decided(quote(self.catalogue, self._request(app, ent), ent.facts(), cmd.at,
                                years, with_candidates=False))
        amount = cmd.amount
        if amount is None:
            amount = sum((a for _, a in plan), Decimal("0.00")) if plan else q.max_amount
        if amount <= 0:
            if q.max_amount <= 0:
                binding = q.trace[-2]
                raise Refused("exceeds_entitlement", "nothing_remains", "amount",
                              rule=binding.rule, policy=binding.policy, article=binding.article)
            raise invalid("amount", "not_positive")
        if amount > q.max_amount:
            raise Refused("exceeds_entitlement", "above_maximum", "amount", amount=amount,
                          max_amount=q.max_amount)
        plan = plan or [(cmd.at.year, amount)]
        total = sum((a for _, a in plan), Decimal("0.00"))
        if total != amount:
            raise invalid("tranches", "tranches_do_not_add_up", total=total, amount=amount)
        if any(a <= 0 for _, a in plan):
            raise invalid("tranches", "tranche_not_positive")
        problems = plan_problems(item, q, plan, cmd.at, ent.history(), app.application_id)
        if problems:
            raise from_quote(problems[0])
        touched: list = [app, ent]
        if q.ladder is not None and q.ladder.lower_paid > 0:
            app.apply_promotion_difference(
                ladder=q.ladder.ladder, rung=q.ladder.rung, rung_cap=q.ladder.rung_cap,
                deducted=q.ladder.lower_paid, lower_awards=list(q.ladder.lower_awards),
                at=cmd.at, actor=cmd.actor)
        tranches = [{"year": y, "amount": a} for y, a in plan]
        app.approve(amount, tranches, [t.to_dict() for t in q.trace], self.catalogue.version,
                    cmd.at, cmd.actor)
        ent.book_award(app.application_id, app.policy, app.article, app.item, app.project_id,
                       amount, tranches, cmd.at, cmd.actor)
        snapshot = self._catalogue_snapshot()
        if snapshot is not None:
            touched.append(snapshot)
        return touched, {"application_id": app.application_id, "amount": amount,
                         "tranches": tranches}

    def _reject(self, cmd: c.RejectApplication):
        app = self.application(cmd.application_id)
        app.reject(cmd.reason, cmd.at, cmd.actor)
        return [app], {"application_id": app.application_id}

    def _disburse(self, cmd: c.DisburseTranche):
        app = self.application(cmd.application_id)
        app.disburse(cmd.year, cmd.at, cmd.actor)
        return [app], {"application_id": app.application_id, "year": cmd.year,
                       "amount": app.tranche(cmd.year)["amount"]}

    def _evaluate(self, cmd: c.RecordEvaluation):
        app = self.application(cmd.application_id)
        touched: list = [app]
        app.evaluate(cmd.year, cmd.result, cmd.note, cmd.at, cmd.actor)
        if app.status == Status.STOPPED:
            ent = self.enterprise(app.enterprise_id)
            ent.stop_award(app.application_id, app.paid_years(), cmd.at, cmd.actor)
            touched.append(ent)
        return touched, {"application_id": app.application_id, "status": app.status}

    def _revoke(self, cmd: c.RevokeAward):
        app = self.application(cmd.application_id)
        app.check(app.problems_step(Step.REVOKE, cmd.at))
        ent = self.enterprise(app.enterprise_id)
        app.revoke(cmd.reason, cmd.at, cmd.actor)
        ent.release_award(app.application_id, cmd.at, cmd.actor)
        return [app, ent], {"application_id": app.application_id,
                            "clawback_due": app.clawback_due}

    def _repay(self, cmd: c.RecordRepayment):
        app = self.application(cmd.application_id)
        app.record_repayment(cmd.amount, cmd.note, cmd.at, cmd.actor)
        return [app], {"application_id": app.application_id,
                       "clawback_due": app.clawback_due}

    def _reconcile_flags(self, cmd: c.ReconcileFlags):
        board = self._find(board_uuid(cmd.enterprise_id))
        if board is None:
            self._registered(cmd.enterprise_id)  # not_found for an unknown enterprise
            board = FlagBoard.open_for(cmd.enterprise_id, cmd.at)
        due = {o.key: o for o in cmd.due}
        for key in sorted(set(board.open) - set(due)):
            board.clear_flag(key, "no_longer_due", cmd.at, cmd.actor)  # a reason code
        for key in sorted(set(due) - set(board.open)):
            o = due[key]
            board.raise_flag(key, o.kind, o.application_id, o.policy, o.due_on, o.message,
                             cmd.at, cmd.actor)
        changed = bool(board.pending_events)
        return ([board] if changed else []), {"enterprise_id": cmd.enterprise_id,
                                              "open": len(due)}

    # -- reading the working set or the store ------------------------------------------

    def _find(self, aggregate_id):
        work = getattr(self._local, "work", None)
        if work is not None:
            return work.get(aggregate_id, self._fetch)
        return self._fetch(aggregate_id, True)

    def _fetch(self, aggregate_id, fresh: bool):
        """The aggregate, or None. Not `fresh`: a copy of the cached one, without asking
        the store what changed since (a group's save is version-checked against the
        store, and a group that read stale state is decided again on fresh state)."""
        cache = self.repository.cache
        if not fresh and cache is not None:
            try:
                return deepcopy(cache.get(aggregate_id))
            except KeyError:
                pass
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def _registered(self, enterprise_id: str) -> None:
        """Refuse as `enterprise` does unless the enterprise is registered, without
        replaying its history when nothing else needs it: held by the command's working set
        or the cache, or else one stored event of it, are proof enough."""
        uid = enterprise_uuid(enterprise_id)
        work = getattr(self._local, "work", None)
        cache = self.repository.cache
        if (work is not None and uid in work.aggregates) or (
                cache is not None and _cached(cache, uid)) or (
                not credit_code.problem(enterprise_id)
                and self.recorder.select_events(uid, limit=1)):
            return
        self.enterprise(enterprise_id)  # raises: malformed, or not registered

    def enterprise(self, enterprise_id: str) -> EnterpriseLedger:
        problem = credit_code.problem(enterprise_id)
        if problem:  # not a credit code at all: malformed, not merely unknown
            raise invalid("enterprise_id", problem[0], **problem[1])
        found = self._find(enterprise_uuid(enterprise_id))
        if found is None:
            raise Refused("not_found", "enterprise_not_registered", "enterprise_id",
                          enterprise_id=enterprise_id)
        return found

    def application(self, application_id: str) -> GrantApplication:
        found = self._find(application_uuid(application_id))
        if found is None:
            raise Refused("not_found", "application_not_found", "application_id",
                          application_id=application_id)
        return found

    @staticmethod
    def _decided(q: Quote) -> Quote:
        if q.refusal is not None:
            raise from_quote(q.refusal)
        return q

    @staticmethod
    def _request(app: GrantApplication, ent: EnterpriseLedger,
                 basis: dict | None = None) -> Request:
        return Request(app.application_id, app.policy, app.article, app.item, app.project_id,
                       basis if basis is not None else app.basis, app.requested_amount,
                       app.submitted_on, ent.history())

    def _catalogue_snapshot(self) -> CatalogueSnapshot | None:
        version = self.catalogue.version
        if version in self._stored_versions:
            return None
        if self._find(catalogue_uuid(version)) is not None:
            self._stored_versions.add(version)
            return None
        return CatalogueSnapshot.of(version, self.catalogue.sources)

    # -- reading --------------------------------------------------------------------

    def quote(self, application_id: str, on: date | None = None) -> dict:
        """The contract's quote: what may be approved, with its trace and candidates.

        `on` defaults to today (the clock's). Amounts are strings; refusal and trace
        lines are codes and values, which the edge puts into words.
        """
        app = self.application(application_id)
        ent = self.enterprise(app.enterprise_id)
        q = quote(self.catalogue, self._request(app, ent), ent.facts(), on or self.clock.today())
        return {"application_id": application_id, "status": str(app.status), **q.to_dict()}

    def record_of(self, aggregate_id) -> Any:
        """A record of the service's own (an account, a request's answer, a day's run) as
        the store holds it now, or None."""
        return self._fetch(aggregate_id, True)

    def catalogue_of(self, version: str) -> Catalogue:
        """The catalogue an event was computed with, loaded from its stored snapshot."""
        if version == self.catalogue.version:
            return self.catalogue
        snapshot = self._find(catalogue_uuid(version))
        if snapshot is None:
            raise LookupError(f"no stored catalogue version {version}")
        return catalogue_module.from_sources(snapshot.sources)


def _named(command: c.Command) -> list:
    """The aggregates a command reads or creates by the ids it carries."""
    ids = []
    enterprise = getattr(command, "enterprise_id", None)
    if isinstance(enterprise, str):
        ids.append(enterprise_uuid(enterprise))
        if isinstance(command, c.ReconcileFlags):
            ids.append(board_uuid(enterprise))
    application = getattr(command, "application_id", None)
    if isinstance(application, str):
        ids.append(application_uuid(application))
    if isinstance(command.command_id, str):
        ids.append(command_uuid(command.command_id))
    return ids


def _cached(cache, aggregate_id) -> bool:
    try:
        cache.get(aggregate_id)
    except KeyError:
        return False
    return True
