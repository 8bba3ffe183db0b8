"""The grant ledger: carries out commands against the event store, atomically.

Each command is decided on fresh state and saved in one transaction together
with every aggregate it touched (the application, the enterprise's ledger, a
catalogue snapshot). When another writer saved one of those aggregates first,
the store refuses the save, and the command is decided again on the new state;
after a few tries it answers `conflict`. A refused command writes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from copy import deepcopy
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, OperationalError

from lifecycle import commands as c
from lifecycle import credit_code, store
from lifecycle.catalogue_versions import CatalogueSnapshot, catalogue_uuid
from lifecycle.enterprise import EnterpriseLedger, enterprise_uuid
from lifecycle.errors import CommandRefused, invalid
from lifecycle.flags import FlagBoard, board_uuid
from lifecycle.grant import (
    APPROVED,
    AWARDED,
    CERTIFIED,
    REVOKED,
    STOPPED,
    SUBMITTED,
    GrantApplication,
    application_uuid,
)
from lifecycle.transcodings import DateAsISO
from policies import catalogue as catalogue_module
from policies.calculator import Quote, plan_problems, quote
from policies.catalogue import SIZES, Catalogue
from policies.facts import Request
from policies.money import yuan

ATTEMPTS = 5
GROUP = 200  # commands decided together and saved in one transaction by execute_many


class _Regroup(Exception):
    """A group cannot be saved as one: decide its commands one at a time instead."""


class _WorkingSet:
    """The aggregates a group of commands has read or written, shared by the group.

    Each command decides on the state the group's earlier commands left; the group is
    saved in one transaction at its end. `marks` say how many pending events of each
    aggregate earlier commands accounted for.
    """

    def __init__(self):
        self.aggregates: dict = {}
        self.marks: dict = {}
        self.events: list = []  # every new event, in the order the commands made them

    def get(self, aggregate_id, fetch):
        found = self.aggregates.get(aggregate_id)
        if found is None:
            found = fetch(aggregate_id)
            if found is not None:
                self.aggregates[aggregate_id] = found
                self.marks[aggregate_id] = len(found.pending_events)
        return found

    def take(self, aggregates) -> list[str]:
        """The names of the events a command just added, which it now accounts for."""
        names = []
        for agg in aggregates:
            self.aggregates.setdefault(agg.id, agg)
            new = agg.pending_events[self.marks.get(agg.id, 0):]
            names += [type(e).__name__ for e in new]
            self.events += new
            self.marks[agg.id] = len(agg.pending_events)
        return names

    def untouched(self) -> bool:
        return all(len(a.pending_events) == self.marks.get(i, 0)
                   for i, a in self.aggregates.items())

    def changed(self) -> list:
        return [a for a in self.aggregates.values() if a.pending_events]


class Ledger(Application):
    """The application service of the grant ledger."""

    name = "GrantLedger"

    def __init__(self, env: dict[str, str] | None = None, catalogue: Catalogue | None = None):
        with store.startup_lock(env or {}):
            super().__init__(env)
        self.catalogue = catalogue or catalogue_module.load()
        self._stored_versions: set[str] = set()
        self._local = threading.local()  # the working set of a group being decided
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

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # -- writing --------------------------------------------------------------------

    def execute(self, command: c.Command) -> dict:
        """Carry out one command; answer the contract's JSON line as a dict."""
        name = type(command).__name__
        for _ in range(ATTEMPTS):
            try:
                aggregates, extra = self._handlers[type(command)](command)
                events = [type(e).__name__ for a in aggregates for e in a.pending_events]
                self.save(*aggregates)
                self._stored_versions.update(
                    a.catalogue_version for a in aggregates if isinstance(a, CatalogueSnapshot))
            except CommandRefused as refused:
                return {"ok": False, "command": name, "error": refused.to_dict()}
            except (IntegrityError, OperationalError):
                continue  # another writer won: decide again on the state it left
            return {"ok": True, "command": name, "events": events, **extra}
        refused = CommandRefused("conflict", f"{name}: other writers changed the same records "
                                 f"{ATTEMPTS} times in a row; nothing was written")
        return {"ok": False, "command": name, "error": refused.to_dict()}

    def execute_many(self, commands: list[c.Command], group: int = GROUP) -> list[dict]:
        """Carry out commands in order, as `execute` would one by one, saving them in groups.

        A group's commands are decided in turn on the state the earlier ones left and
        saved in one transaction: each command is still all or nothing, and nothing of
        a group is answered before it is saved. When another writer changed the same
        records meanwhile, the group is decided again one command at a time.
        """
        results = []
        for i in range(0, len(commands), group):
            results += self._execute_group(commands[i:i + group])
        return results

    def _execute_group(self, commands: list[c.Command]) -> list[dict]:
        if len(commands) == 1:
            return [self.execute(commands[0])]
        work = self._local.work = _WorkingSet()
        try:
            answers = []
            for command in commands:
                answer = self._decide_in(work, command)
                if not answer["ok"] and not work.untouched():
                    raise _Regroup  # a refusal must leave no trace
                answers.append(answer)
            self._save_work(work)
            return answers
        except (IntegrityError, OperationalError, _Regroup):
            self._local.work = None
            return [self.execute(command) for command in commands]
        finally:
            self._local.work = None

    def execute_together(self, commands: list[c.Command]) -> list[dict]:
        """Carry out commands as one: all saved in one transaction, or none at all.

        Decided in order; at the first refusal nothing is saved and the lines end with
        that refusal. For what must not be half-written, such as one row of an import.
        """
        for _ in range(ATTEMPTS):
            work = self._local.work = _WorkingSet()
            try:
                answers = []
                for command in commands:
                    answers.append(self._decide_in(work, command))
                    if not answers[-1]["ok"]:
                        return answers  # nothing is saved
                self._save_work(work)
                return answers
            except (IntegrityError, OperationalError):
                continue  # another writer won: decide again on the state it left
            finally:
                self._local.work = None
        name = type(commands[0]).__name__ if commands else None
        refused = CommandRefused("conflict", f"other writers changed the same records "
                                 f"{ATTEMPTS} times in a row; nothing was written")
        return [{"ok": False, "command": name, "error": refused.to_dict()}]

    def _decide_in(self, work: _WorkingSet, command: c.Command) -> dict:
        """Decide one command on a working set; its line (its events stay pending)."""
        name = type(command).__name__
        try:
            aggregates, extra = self._handlers[type(command)](command)
        except CommandRefused as refused:
            return {"ok": False, "command": name, "error": refused.to_dict()}
        return {"ok": True, "command": name, "events": work.take(aggregates), **extra}

    def _save_work(self, work: _WorkingSet) -> None:
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

    def _register(self, cmd: c.RegisterEnterprise):
        problem = credit_code.problem(cmd.enterprise_id)
        if problem:
            raise invalid("enterprise_id", problem)
        if cmd.size not in SIZES:
            raise invalid("size", f"must be one of {', '.join(SIZES)}")
        if not cmd.name.strip():
            raise invalid("name", "must not be empty")
        if self._find(enterprise_uuid(cmd.enterprise_id)) is not None:
            raise CommandRefused("duplicate_id", f"enterprise {cmd.enterprise_id} is already "
                                 "registered", {"enterprise_id": "already registered"})
        ent = EnterpriseLedger.register(cmd.enterprise_id, cmd.name.strip(), cmd.size,
                                        cmd.sectors, cmd.at, cmd.actor)
        return [ent], {"enterprise_id": cmd.enterprise_id}

    def _record_dishonesty(self, cmd: c.RecordDishonesty):
        ent = self.enterprise(cmd.enterprise_id)
        ent.record_dishonesty(cmd.note, cmd.at, cmd.actor)
        return [ent], {"enterprise_id": cmd.enterprise_id}

    def _submit(self, cmd: c.SubmitApplication):
        ent = self.enterprise(cmd.enterprise_id)
        if self._find(application_uuid(cmd.application_id)) is not None:
            raise CommandRefused("duplicate_id", f"application {cmd.application_id} already "
                                 "exists", {"application_id": "already exists"})
        try:
            item = self.catalogue.item(cmd.policy, cmd.article, cmd.item)
        except LookupError as e:
            field, why = e.args
            raise invalid(field, why) from None
        if cmd.requested_amount <= 0:
            raise invalid("requested_amount", "must be more than zero")
        if cmd.at < ent.registered_on:
            raise invalid("at", f"before the enterprise was registered ({ent.registered_on})")
        project_id = cmd.project_id or cmd.application_id
        request = Request(cmd.application_id, cmd.policy, cmd.article, item.key, project_id,
                          cmd.basis, cmd.requested_amount, cmd.at, ent.history())
        q = self._decide(quote(self.catalogue, request, ent.facts(), cmd.at,
                                   with_candidates=False))
        app = GrantApplication.submit(
            application_id=cmd.application_id, enterprise_id=cmd.enterprise_id,
            policy=cmd.policy, article=cmd.article, item=item.key, project_id=project_id,
            basis=dict(cmd.basis), requested_amount=cmd.requested_amount, at=cmd.at,
            actor=cmd.actor)
        return [app], {"application_id": cmd.application_id, "max_amount": yuan(q.max_amount)}

    def _certify(self, cmd: c.CertifyApplication):
        app = self.application(cmd.application_id)
        self._expect(app, (SUBMITTED, CERTIFIED), "certify")
        self._not_before(app, cmd.at)
        ent = self.enterprise(app.enterprise_id)
        q = quote(self.catalogue, self._request(app, ent, cmd.basis), ent.facts(), cmd.at,
                  with_candidates=False)
        if q.refusal is not None and q.refusal.code == "invalid_command":
            raise CommandRefused("invalid_command", q.refusal.message, q.refusal.fields)
        app.certify(dict(cmd.basis), cmd.at, cmd.actor)
        extra = {"application_id": cmd.application_id, "max_amount": yuan(q.max_amount)}
        if q.refusal is not None:  # the verified figures are recorded all the same
            extra["refusal"] = {"code": q.refusal.code, "message": q.refusal.message}
        return [app], extra

    def _approve(self, cmd: c.ApproveApplication):
        app = self.application(cmd.application_id)
        if app.status == SUBMITTED:
            raise CommandRefused("invalid_transition", f"application {app.application_id} "
                                 "must be certified before it is approved", {})
        self._expect(app, (CERTIFIED,), "approve")
        self._not_before(app, cmd.at)
        ent = self.enterprise(app.enterprise_id)
        plan = [(t.year, t.amount) for t in cmd.tranches] if cmd.tranches else None
        years = tuple(y for y, _ in plan) if plan else (cmd.at.year,)
        item = self.catalogue.item(app.policy, app.article, app.item)
        q = self._decide(quote(self.catalogue, self._request(app, ent), ent.facts(), cmd.at,
                               years, with_candidates=False))
        amount = cmd.amount
        if amount is None:
            amount = sum((a for _, a in plan), Decimal("0.00")) if plan else q.max_amount
        if amount <= 0:
            if q.max_amount <= 0:
                raise CommandRefused("exceeds_entitlement", "nothing may be approved: "
                                     + q.trace[-2].text, {"amount": "nothing remains"})
            raise invalid("amount", "must be more than zero")
        if amount > q.max_amount:
            raise CommandRefused("exceeds_entitlement", f"{yuan(amount)} exceeds the maximum "
                                 f"{yuan(q.max_amount)} that may be approved",
                                 {"amount": f"at most {yuan(q.max_amount)}"})
        plan = plan or [(cmd.at.year, amount)]
        if sum(a for _, a in plan) != amount:
            raise invalid("tranches", f"tranches add up to {yuan(sum(a for _, a in plan))}, "
                          f"not the amount {yuan(amount)}")
        if any(a <= 0 for _, a in plan):
            raise invalid("tranches", "every tranche must be more than zero")
        problems = plan_problems(item, q, plan, cmd.at)
        if problems:
            code, message = problems[0]
            raise CommandRefused(code, message, {"tranches": message})
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
        return touched, {"application_id": app.application_id, "amount": yuan(amount),
                         "tranches": [{"year": y, "amount": yuan(a)} for y, a in plan]}

    def _reject(self, cmd: c.RejectApplication):
        app = self.application(cmd.application_id)
        self._expect(app, (SUBMITTED, CERTIFIED), "reject")
        self._not_before(app, cmd.at)
        app.reject(cmd.reason, cmd.at, cmd.actor)
        return [app], {"application_id": app.application_id}

    def _disburse(self, cmd: c.DisburseTranche):
        app = self.application(cmd.application_id)
        if app.status == STOPPED:
            raise CommandRefused("invalid_transition", "a failed evaluation stopped the later "
                                 f"tranches of {app.application_id}", {})
        self._expect(app, (APPROVED,), "pay a tranche of")
        self._not_before(app, cmd.at)
        tranche = app.tranche(cmd.year)
        if tranche is None:
            planned = ", ".join(str(t["year"]) for t in app.tranches)
            raise invalid("year", f"no tranche is planned for {cmd.year} (planned: {planned})")
        if tranche["paid"]:
            raise CommandRefused("invalid_transition", f"the {cmd.year} tranche of "
                                 f"{app.application_id} is already paid", {})
        if cmd.at.year < cmd.year:
            raise invalid("at", f"the {cmd.year} tranche cannot be paid before {cmd.year}")
        earlier = [t for t in app.tranches if t["year"] < cmd.year]
        if any(not t["paid"] for t in earlier):
            raise CommandRefused("invalid_transition", "earlier tranches must be paid first", {})
        if earlier and app.evaluations.get(earlier[-1]["year"]) != "pass":
            raise CommandRefused("evaluation_required", f"the {cmd.year} tranche needs a passed "
                                 f"evaluation for {earlier[-1]['year']}",
                                 {"year": f"evaluate {earlier[-1]['year']} first"})
        app.disburse(cmd.year, tranche["amount"], cmd.at, cmd.actor)
        return [app], {"application_id": app.application_id, "year": cmd.year,
                       "amount": yuan(tranche["amount"])}

    def _evaluate(self, cmd: c.RecordEvaluation):
        app = self.application(cmd.application_id)
        self._expect(app, AWARDED, "evaluate")
        self._not_before(app, cmd.at)
        if cmd.result not in ("pass", "fail"):
            raise invalid("result", "must be pass or fail")
        if cmd.year not in app.paid_years():
            raise invalid("year", f"no tranche of {app.application_id} was paid for {cmd.year}")
        if cmd.year in app.evaluations:
            raise CommandRefused("invalid_transition", f"{cmd.year} of {app.application_id} "
                                 f"was already evaluated ({app.evaluations[cmd.year]})", {})
        touched: list = [app]
        app.evaluate(cmd.year, cmd.result, cmd.note, cmd.at, cmd.actor)
        if app.status == STOPPED:
            ent = self.enterprise(app.enterprise_id)
            ent.stop_award(app.application_id, app.paid_years(), cmd.at, cmd.actor)
            touched.append(ent)
        return touched, {"application_id": app.application_id, "status": app.status}

    def _revoke(self, cmd: c.RevokeAward):
        app = self.application(cmd.application_id)
        self._expect(app, AWARDED, "revoke")
        self._not_before(app, cmd.at)
        ent = self.enterprise(app.enterprise_id)
        app.revoke(cmd.reason, cmd.at, cmd.actor)
        ent.release_award(app.application_id, cmd.at, cmd.actor)
        return [app, ent], {"application_id": app.application_id,
                            "clawback_due": yuan(app.clawback_due)}

    def _repay(self, cmd: c.RecordRepayment):
        app = self.application(cmd.application_id)
        self._expect(app, (REVOKED,), "record a repayment for")
        self._not_before(app, cmd.at)
        if cmd.amount <= 0:
            raise invalid("amount", "must be more than zero")
        if cmd.amount > app.clawback_due:
            raise invalid("amount", f"more than the clawback still due ({yuan(app.clawback_due)})")
        app.record_repayment(cmd.amount, cmd.note, cmd.at, cmd.actor)
        return [app], {"application_id": app.application_id,
                       "clawback_due": yuan(app.clawback_due)}

    def _reconcile_flags(self, cmd: c.ReconcileFlags):
        board = self._find(board_uuid(cmd.enterprise_id))
        if board is None:
            self.enterprise(cmd.enterprise_id)  # not_found for an unknown enterprise
            board = FlagBoard.open_for(cmd.enterprise_id, cmd.at)
        due = {o.key: o for o in cmd.due}
        for key in sorted(set(board.open) - set(due)):
            board.clear_flag(key, "no longer due", cmd.at, cmd.actor)
        for key in sorted(set(due) - set(board.open)):
            o = due[key]
            board.raise_flag(key, o.kind, o.application_id, o.policy, o.due_on, o.message,
                             cmd.at, cmd.actor)
        changed = bool(board.pending_events)
        return ([board] if changed else []), {"enterprise_id": cmd.enterprise_id,
                                              "open": len(due)}

    # -- helpers --------------------------------------------------------------------

    def _find(self, aggregate_id):
        work = getattr(self._local, "work", None)
        if work is not None:
            return work.get(aggregate_id, self._fetch_for_group)
        return self._fetch(aggregate_id)

    def _fetch_for_group(self, aggregate_id):
        """A copy of the cached aggregate, without asking the store what changed since.

        A group's save is version-checked against the store: an aggregate another
        writer changed makes the save fail, and the group is decided again one command
        at a time, on fast-forwarded state. Reading an enterprise without writing it
        (a submission) is judged again under its consistency boundary at approval.
        """
        cache = self.repository.cache
        if cache is not None:
            try:
                return deepcopy(cache.get(aggregate_id))
            except KeyError:
                pass
        return self._fetch(aggregate_id)

    def _fetch(self, aggregate_id):
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def enterprise(self, enterprise_id: str) -> EnterpriseLedger:
        found = self._find(enterprise_uuid(enterprise_id))
        if found is None:
            raise CommandRefused("not_found", f"no enterprise {enterprise_id}",
                                 {"enterprise_id": "not registered"})
        return found

    def application(self, application_id: str) -> GrantApplication:
        found = self._find(application_uuid(application_id))
        if found is None:
            raise CommandRefused("not_found", f"no application {application_id}",
                                 {"application_id": "not found"})
        return found

    @staticmethod
    def _expect(app: GrantApplication, states: tuple[str, ...], verb: str) -> None:
        if app.status not in states:
            raise CommandRefused("invalid_transition", f"cannot {verb} application "
                                 f"{app.application_id}: it is {app.status}", {})

    @staticmethod
    def _not_before(app: GrantApplication, at: date) -> None:
        if at < app.last_at:
            raise invalid("at", f"before the application's last event ({app.last_at})")

    @staticmethod
    def _decide(q: Quote) -> Quote:
        if q.refusal is not None:
            raise CommandRefused(q.refusal.code, q.refusal.message, q.refusal.fields)
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
        """The contract's quote: what may be approved now, with its trace and candidates."""
        app = self.application(application_id)
        ent = self.enterprise(app.enterprise_id)
        q = quote(self.catalogue, self._request(app, ent), ent.facts(), on or date.today())
        return {"application_id": application_id, "status": app.status, **q.to_dict()}

    def catalogue_of(self, version: str) -> Catalogue:
        """The catalogue an event was computed with, loaded from its stored snapshot."""
        if version == self.catalogue.version:
            return self.catalogue
        snapshot = self._find(catalogue_uuid(version))
        if snapshot is None:
            raise LookupError(f"no stored catalogue version {version}")
        return catalogue_module.from_sources(snapshot.sources)
