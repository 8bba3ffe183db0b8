"""The audit: was the log altered, and did every decision in it keep to the rules?

Reads the event log alone, never a read model. One pass over the stored records
feeds both the hash-chain verification (`integrity.verify`) and a replay that
keeps only per-enterprise and per-application state, so memory grows with the
number of enterprises and applications, not with the length of the log.

Each ApplicationApproved is re-checked with the calculator, the catalogue version
the approval recorded, and the enterprise's history as the log held it just
before the approval; each TrancheDisbursed against the plan and the evaluations
recorded before it. `as_of` leaves out events dated after it (the chain is still
verified over the whole log: an altered record is an alteration whatever its date).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)

from lifecycle.chain import chain_hash
from lifecycle.clock import beijing_date
from lifecycle.enterprise import EnterpriseLedger, enterprise_uuid
from lifecycle.grant import GrantApplication
from lifecycle.integrity import BrokenLink, verify
from lifecycle.log_leaf import Unreadable, read_records
from lifecycle.status import Step
from lifecycle.transcodings import DateAsISO
from policies.calculator import Quote, plan_problems, quote
from policies.catalogue import Catalogue
from policies.facts import Request
from policies.money import yuan

#: Every kind of finding (the edge has the words of each: web/messages.py).
KINDS = (
    "chain_broken", "above_entitlement", "duplicate_support", "policy_not_in_force",
    "ineligible", "plan_breaks_rules", "not_certified", "not_booked", "evaluation_missing",
    "paid_after_failure", "tranche_not_planned", "out_of_sequence", "dated_after_recording",
    "evaluation_not_allowed", "unknown_catalogue", "not_replayable",
)
# Refusals of the calculator reported under their own code; others read as ineligible.
REFUSAL_KINDS = ("policy_not_in_force", "ineligible", "duplicate_support")
#: Parse records with orjson and hash those the decoder saw no float in with orjson
#: alone (False: the library's decoder and the plain walk, kept so that tests can show
#: both give the same findings).
FAST_HASH = True


@dataclass(frozen=True)
class Finding:
    """What the audit found: a kind (KINDS), a reason within it, and the values it needs."""

    kind: str
    reason: str
    application_id: str | None = None
    enterprise_id: str | None = None
    notification_id: int | None = None
    at: date | None = None
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "reason": self.reason, "application_id": self.application_id,
                "enterprise_id": self.enterprise_id, "notification_id": self.notification_id,
                "at": self.at.isoformat() if self.at else None,
                "detail": {k: _plain(v) for k, v in self.detail.items()}}


def _plain(value):
    if isinstance(value, Decimal):
        return yuan(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Difference:
    """An approval whose maximum would differ under the current catalogue."""

    application_id: str
    enterprise_id: str
    notification_id: int
    at: date
    amount: Decimal
    recorded_version: str
    recorded_max: Decimal
    current_version: str
    current_max: Decimal
    current_refusal: str | None = None

    def to_dict(self) -> dict:
        return {"application_id": self.application_id, "enterprise_id": self.enterprise_id,
                "notification_id": self.notification_id, "at": self.at.isoformat(),
                "amount": yuan(self.amount), "recorded_version": self.recorded_version,
                "recorded_max": yuan(self.recorded_max),
                "current_version": self.current_version, "current_max": yuan(self.current_max),
                "current_refusal": self.current_refusal}


@dataclass
class AuditReport:
    as_of: date | None
    what_if: bool
    current_version: str
    events_checked: int = 0  # every stored event, by the chain verification
    events_replayed: int = 0  # those dated on or before as_of
    decisions_checked: int = 0  # approvals and disbursements re-checked
    seconds: float = 0.0
    catalogue_versions: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def chain_ok(self) -> bool:
        return not any(f.kind == "chain_broken" for f in self.findings)

    @property
    def events_per_second(self) -> float:
        return self.events_checked / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return {"ok": self.ok, "chain_ok": self.chain_ok,
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "what_if": self.what_if, "current_version": self.current_version,
                "catalogue_versions": self.catalogue_versions,
                "events_checked": self.events_checked, "events_replayed": self.events_replayed,
                "decisions_checked": self.decisions_checked, "seconds": round(self.seconds, 3),
                "events_per_second": round(self.events_per_second, 1),
                "findings": [f.to_dict() for f in self.findings],
                "differences": [d.to_dict() for d in self.differences]}


def audit(ledger, as_of: date | None = None, what_if: bool = False,
          progress=None, also: Callable[[Any], None] | None = None) -> AuditReport:
    """Verify the hash chains and re-check every approval and disbursement in the log.

    `as_of` replays only events dated on or before it; `what_if` also lists the
    approvals whose maximum would differ under the ledger's current catalogue;
    `progress`, when given, has `.step(n)` called once per stored event; `also`, when
    given, is handed every record read (an `Unreadable` for a row the driver cannot
    read), so that another check of the log (the log's proof, lifecycle/log_audit.py
    `LogCheck.feed`) reads nothing again.
    """
    started = time.perf_counter()
    replay = _Replay(ledger, as_of, what_if)

    def tapped():
        # verify() pulls the records; the replay sees each one on its way, so the
        # log is read once for both checks.
        for record in read_records(ledger.recorder):
            if also is not None:
                also(record)
            if isinstance(record, Unreadable):
                continue  # the log's check names it; neither chain nor replay can read it
            replay.feed(record)
            if progress is not None:
                progress.step(1)
            yield record

    checked, broken = verify(ledger, tapped(), replay.decoder.decode, replay.decoder.chain_hash)
    replay.finish()
    report = AuditReport(as_of, what_if, ledger.catalogue.version, checked, replay.replayed,
                         replay.decisions, catalogue_versions=sorted(replay.catalogues))
    found = [_chain_finding(ledger, link, replay) for link in broken] + replay.findings
    report.findings = sorted(found, key=lambda f: f.notification_id or 0)
    report.differences = replay.differences
    report.seconds = time.perf_counter() - started
    return report


def _chain_finding(ledger, link: BrokenLink, replay: _Replay) -> Finding:
    """A broken link, named with the ids the replay knows and the record's own date."""
    state: dict[str, Any] = {}
    if link.notification_id is not None:
        rows = ledger.recorder.select_notifications(link.notification_id, 1)
        if rows and rows[0].id == link.notification_id:
            try:
                state = ledger.mapper.transcoder.decode(rows[0].state)
            except Exception:  # a mangled record still gets its finding
                state = {}
    at = state.get("at") if isinstance(state.get("at"), date) else None
    application_id, enterprise_id = replay.names(link.aggregate_id)
    return Finding(
        "chain_broken", link.how, application_id or state.get("application_id"),
        enterprise_id or state.get("enterprise_id"), link.notification_id, at,
        {"link": link.kind, "aggregate_id": link.aggregate_id, "version": link.version,
         **link.values})


class _Replay:
    """Per-enterprise and per-application state rebuilt from the log, and the checks."""

    def __init__(self, ledger, as_of: date | None, what_if: bool):
        self.ledger, self.as_of, self.what_if = ledger, as_of, what_if
        # Each record is decoded once: here, and its fields handed on to the chain check.
        self.decoder = _DecodeOnce(ledger.mapper.transcoder, fast=FAST_HASH)
        self.mapper = Mapper(transcoder=self.decoder, compressor=ledger.mapper.compressor,
                             cipher=ledger.mapper.cipher)
        # Aggregates by originator id, rebuilt with the events' own `apply`, so the
        # audit reads the state exactly as the ledger decided on it.
        self.applications: dict[str, GrantApplication] = {}
        self.enterprises: dict[str, EnterpriseLedger] = {}
        self.unbooked: dict[str, tuple] = {}  # application id -> approval awaiting its booking
        self.catalogues: dict[str, Catalogue | None] = {}
        self.findings: list[Finding] = []
        self.differences: list[Difference] = []
        self.replayed = self.decisions = 0
        self._kinds: dict[type, tuple] = {}  # event class -> (aggregate class, states, created)
        self.checks = {
            GrantApplication.ApplicationApproved: self._check_approval,
            GrantApplication.TrancheDisbursed: self._check_disbursement,
            GrantApplication.EvaluationRecorded: self._check_evaluation,
            EnterpriseLedger.AwardBooked: self._check_booking,
        }

    def feed(self, record) -> None:
        try:
            event = self.mapper.to_domain_event(record)
        except Exception as e:  # a tampered record must not stop the audit
            self.findings.append(Finding("not_replayable", "cannot_decode",
                                         notification_id=record.id,
                                         detail={"topic": record.topic, "error": repr(e)}))
            return
        at = getattr(event, "at", None)
        if self.as_of is not None and at is not None and at > self.as_of:
            return
        self.replayed += 1
        key = str(event.originator_id)  # once: the aggregates are kept by its text
        self._check_date(event, key, record.id)
        check = self.checks.get(type(event))
        if check is not None:
            try:
                check(event, key, record.id)  # on the state before, as the ledger decided
            except Exception as e:  # forged fields of the wrong shape
                self.findings.append(Finding("not_replayable", "cannot_recheck",
                                             notification_id=record.id, at=at,
                                             detail={"event": type(event).__name__,
                                                     "error": repr(e)}))
        self._apply(event, key, record.id)

    def names(self, aggregate_id: str) -> tuple[str | None, str | None]:
        """(application id, enterprise id) of an aggregate the replay has seen."""
        app = self.applications.get(aggregate_id)
        if app is not None:
            return app.application_id, app.enterprise_id
        ent = self.enterprises.get(aggregate_id)
        return None, ent.enterprise_id if ent is not None else None

    def _apply(self, event, key: str, nid: int) -> None:
        cls = type(event)
        found = self._kinds.get(cls)
        if found is None:  # the first event of its class: which aggregate, if any
            found = self._kinds[cls] = next(
                ((kind, states, issubclass(cls, Aggregate.Created))
                 for kind, states in ((GrantApplication, self.applications),
                                      (EnterpriseLedger, self.enterprises))
                 if issubclass(cls, kind.Event)), ())
        if not found:  # an aggregate the checks never read (accounts, flag boards, ...)
            return
        kind, states, created = found
        # A creation starts from a bare shell, which the event's apply fills.
        agg = object.__new__(kind) if created else states.get(key)
        if agg is None:  # its creation was removed: the chain check names that
            return
        try:
            event.apply(agg)
        except Exception as e:  # e.g. a stop of an award never booked
            self.findings.append(Finding("not_replayable", "cannot_apply",
                                         notification_id=nid, at=event.at,
                                         detail={"event": type(event).__name__,
                                                 "aggregate_id": key, "error": repr(e)}))
            return
        states[key] = agg

    def _catalogue(self, version: str) -> Catalogue | None:
        if version not in self.catalogues:
            self.catalogues[version] = _stored_catalogue(self.ledger, version)
        return self.catalogues[version]

    def _enterprise(self, enterprise_id: str) -> EnterpriseLedger | None:
        return self.enterprises.get(str(enterprise_uuid(enterprise_id)))

    def _find(self, kind: str, reason: str, app: GrantApplication, nid: int, at: date,
              **values) -> None:
        values.setdefault("policy", app.policy)
        values.setdefault("article", app.article)
        values.setdefault("item", app.item)
        self.findings.append(Finding(kind, reason, app.application_id, app.enterprise_id,
                                     nid, at, values))

    # -- approvals --------------------------------------------------------------------

    def _check_approval(self, event, key: str, nid: int) -> None:
        app = self.applications.get(key)
        if app is None:
            self.findings.append(Finding("out_of_sequence", "no_submission",
                                         notification_id=nid, at=event.at,
                                         detail={"event": "ApplicationApproved"}))
            return
        self.decisions += 1
        self.unbooked[app.application_id] = (app, event, nid)
        amount = event.amount
        for refused in app.problems_step(Step.APPROVE, event.at):  # the ledger's own check
            if refused.reason == "not_certified":
                self._find("not_certified", "not_certified", app, nid, event.at, amount=amount)
            else:
                self._find("out_of_sequence", refused.reason, app, nid, event.at,
                           **{"amount": amount, "status": str(app.status), "step": "approve",
                              **refused.values})
        ent = self._enterprise(app.enterprise_id)
        if ent is None:
            self._find("ineligible", "enterprise_not_registered", app, nid, event.at,
                       amount=amount)
            return
        catalogue = self._catalogue(event.catalogue_version)
        if catalogue is None:
            self._find("unknown_catalogue", "unknown_catalogue", app, nid, event.at,
                       amount=amount, version=event.catalogue_version)
            return
        recorded = self._recheck(catalogue, app, ent, event)
        if recorded is None:
            self._find("ineligible", "not_in_catalogue", app, nid, event.at, amount=amount,
                       version=catalogue.version)
            return
        item, q = recorded
        self._judge(app, event, nid, item, q)
        if self.what_if and catalogue.version != self.ledger.catalogue.version:
            self._compare(app, ent, event, nid, q)

    def _recheck(self, catalogue: Catalogue, app: GrantApplication, ent: EnterpriseLedger,
                 event):
        """(item, quote) for the approval under `catalogue`, or None: no such item there."""
        try:
            item = catalogue.item(app.policy, app.article, app.item)
        except LookupError:
            return None
        request = Request(app.application_id, app.policy, app.article, app.item,
                          app.project_id, app.basis, app.requested_amount, app.submitted_on,
                          ent.history())
        years = tuple(t["year"] for t in event.tranches) or (event.at.year,)
        return item, quote(catalogue, request, ent.facts(), on=event.at, years=years,
                           with_candidates=False)

    def _judge(self, app, event, nid: int, item, q: Quote) -> None:
        version, amount = q.catalogue_version, event.amount
        if q.refusal is not None:
            kind = q.refusal.code if q.refusal.code in REFUSAL_KINDS else "ineligible"
            self._find(kind, q.refusal.reason, app, nid, event.at, amount=amount,
                       version=version, refusal=q.refusal.values)
            return
        if amount > q.max_amount:
            binding = min((t for t in q.trace if t.amount is not None and t.rule != "max"),
                          key=lambda t: t.amount, default=q.trace[-1])
            self._find("above_entitlement", "above_maximum", app, nid, event.at,
                       amount=amount, max_amount=q.max_amount, version=version,
                       rule=binding.rule, rule_policy=binding.policy,
                       rule_article=binding.article, cite=binding.cite)
        plan = [(t["year"], t["amount"]) for t in event.tranches]
        total = sum((a for _, a in plan), Decimal("0.00"))
        if not plan:
            self._find("plan_breaks_rules", "no_tranche", app, nid, event.at, amount=amount)
            return
        if total != amount:
            self._find("plan_breaks_rules", "tranches_do_not_add_up", app, nid, event.at,
                       amount=amount, total=total)
        ent = self._enterprise(app.enterprise_id)
        for problem in plan_problems(item, q, plan, event.at, ent.history() if ent else (),
                                     app.application_id):
            self._find("plan_breaks_rules", problem.reason, app, nid, event.at,
                       **{**problem.values, "amount": amount})

    def _compare(self, app, ent, event, nid: int, recorded: Quote) -> None:
        current = self._recheck(self.ledger.catalogue, app, ent, event)
        if current is None:
            current_max, refusal = Decimal("0.00"), "not_in_catalogue"
        else:
            q = current[1]
            current_max, refusal = q.max_amount, q.refusal.reason if q.refusal else None
        recorded_max = recorded.max_amount
        if current_max != recorded_max:
            self.differences.append(Difference(
                app.application_id, app.enterprise_id, nid, event.at, event.amount,
                recorded.catalogue_version, recorded_max, self.ledger.catalogue.version,
                current_max, refusal))

    # -- the enterprise ledger's booking ----------------------------------------------

    def _check_booking(self, event, key: str, nid: int) -> None:
        pending = self.unbooked.pop(event.application_id, None)
        ent = self.enterprises.get(key)
        ent_id = ent.enterprise_id if ent is not None else None
        booked = [{"year": t["year"], "amount": t["amount"]} for t in event.tranches]
        if pending is None:
            self.findings.append(Finding(
                "not_booked", "booked_without_approval", event.application_id, ent_id, nid,
                event.at, {"amount": event.amount, "policy": event.policy,
                           "article": event.article, "booked": booked}))
            return
        app, approval, _ = pending
        approved = [{"year": t["year"], "amount": t["amount"]} for t in approval.tranches]
        if (event.amount, booked, ent_id) != (approval.amount, approved, app.enterprise_id):
            self._find("not_booked", "booking_differs", app, nid, event.at,
                       booked_by=ent_id, amount=event.amount, booked=booked,
                       approved_amount=approval.amount, approved=approved)

    def finish(self) -> None:
        """Approvals never booked on the enterprise ledger: known only at the end."""
        for app, approval, nid in self.unbooked.values():
            self._find("not_booked", "never_booked", app, nid, approval.at,
                       amount=approval.amount)
        self.unbooked.clear()

    # -- disbursements ----------------------------------------------------------------

    def _check_disbursement(self, event, key: str, nid: int) -> None:
        app = self.applications.get(key)
        if app is None:
            self.findings.append(Finding("out_of_sequence", "no_submission",
                                         notification_id=nid, at=event.at,
                                         detail={"event": "TrancheDisbursed"}))
            return
        self.decisions += 1
        year, paid = event.year, event.amount
        planned = [{"year": t["year"], "amount": t["amount"]} for t in app.tranches]
        tranche = app.tranche(year)
        if tranche is not None and not tranche["paid"] and tranche["amount"] != paid:
            self._find("tranche_not_planned", "amount_differs", app, nid, event.at,
                       year=year, paid=paid, planned=planned)
        for refused in app.problems_disburse(year, event.at):  # the ledger's own checks
            kind = DISBURSEMENT_KINDS.get(refused.reason, "out_of_sequence")
            self._find(kind, refused.reason, app, nid, event.at,
                       **{"paid": paid, "planned": planned, "status": str(app.status),
                          "step": "disburse", "year": year, **refused.values})

    def _check_evaluation(self, event, key: str, nid: int) -> None:
        app = self.applications.get(key)
        if app is None:
            return  # its submission was removed: the chain check names that
        for refused in app.problems_evaluate(event.year, event.result, event.at):
            self._find("evaluation_not_allowed", refused.reason, app, nid, event.at,
                       **{"year": event.year, "status": str(app.status), "step": "evaluate",
                          **refused.values})

    def _check_date(self, event, key: str, nid: int) -> None:
        """Rule 9: no step is dated later than the day (in Beijing) it was recorded.

        A replay of a synthetic or historical batch runs under GRANTS_TODAY (a fixed
        clock) and records today what is dated up to that day: then the fixed day is
        the limit.
        """
        at, recorded = getattr(event, "at", None), getattr(event, "timestamp", None)
        if at is None or recorded is None:
            return
        if at <= (self.ledger.clock.fixed or beijing_date(recorded)):
            return
        app = self.applications.get(key)
        ent = self.enterprises.get(key)
        self.findings.append(Finding(
            "dated_after_recording", "dated_after_recording",
            app.application_id if app else None,
            app.enterprise_id if app else (ent.enterprise_id if ent else None), nid, at,
            {"event": type(event).__name__, "recorded_on": beijing_date(recorded)}))


class _DecodeOnce:
    """A transcoder that remembers the record it decoded last: the replay decodes each
    record, then the chain check asks for the same bytes. Each gets its own top-level
    copy (the mapper adds and upcasts fields in place).

    A record is parsed by orjson and its stored types turned back into values by
    `_Revive`, the way the library's object hook turns them; a record that holds a float
    (a big integer too, which orjson reads as one), that orjson refuses (NaN, a lone
    surrogate, ...) or that fails to revive is parsed again by the library's own JSON
    decoder (the same object hook), told also to note any float it meets, and raises
    what the library raises. A record without a float is hashed by orjson alone
    (`chain_hash(floats=False)`), with no walk of its values in Python. A transcoder of
    another kind is used as it is, and every record hashed the plain way.
    """

    def __init__(self, transcoder, fast: bool = True):
        self._transcoder, self._data, self._state = transcoder, None, None
        self._floats = True  # may the record decoded last hold a float?
        library = getattr(transcoder, "decoder", None)
        self._parse = self._revive = None
        if fast and type(transcoder) is JSONTranscoder and isinstance(library, json.JSONDecoder):
            self._parse = json.JSONDecoder(object_hook=library.object_hook,
                                           parse_float=self._float,
                                           parse_constant=self._constant).decode
            self._revive = _Revive(transcoder.names)

    def _float(self, text: str) -> float:
        self._floats = True
        return float(text)

    def _constant(self, name: str) -> float:
        self._floats = True
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]

    def encode(self, obj):
        return self._transcoder.encode(obj)

    def decode(self, data):
        if data is not self._data:
            self._data, self._floats = None, True
            if self._parse is None:
                self._state = self._transcoder.decode(data)  # raises for a mangled record
            else:
                self._floats = False  # the library's parse below notes any float it meets
                self._state = self._revive(data) if type(data) is bytes else None
                if self._state is None:  # a float, or a record orjson or reviving refused
                    self._state = self._parse(data.decode("utf8"))
            self._data = data
        return dict(self._state)

    def chain_hash(self, topic: str, originator_id, version: int, state: dict) -> str:
        """The chain hash of the state `decode` returned last."""
        return chain_hash(topic, originator_id, version, state, floats=self._floats)


class _Float(Exception):
    """A float in the record: the library's decoder reads it (orjson may read otherwise)."""


class _Revive:
    """orjson's parse of a stored state with its stored types turned back into values,
    as the library's object hook does it: every dict of exactly the keys `_type_` and
    `_data_`, innermost first, becomes `decode(_data_)` of the transcoding named
    `_type_`. For the library's own transcodings and ours, whose `decode` is a plain
    constructor of a string, that constructor is called directly.

    Answers None for what it leaves to the library: bytes orjson would not write back
    as they are (a key twice, other spacing, an escape it spells otherwise), a float
    anywhere, or anything orjson or a transcoding raises on.
    """

    def __init__(self, names: dict):
        self._names = names
        self._direct = {name: _CONSTRUCTORS[type(t)] for name, t in names.items()
                        if type(t) in _CONSTRUCTORS}

    def __call__(self, data: bytes) -> dict | None:
        try:
            state = orjson.loads(data)
            # Only bytes spelled as orjson writes them back: no key twice in an object
            # (the library's hook decodes, and may refuse, a value a later one replaces).
            if type(state) is not dict or orjson.dumps(state) != data:
                return None
            return self._dict(state)
        except Exception:  # noqa: BLE001 - the library's decoder says what it is
            return None

    def _dict(self, d: dict):
        direct = self._direct
        for k, v in d.items():
            tv = type(v)
            if tv is dict:
                if len(v) == 2:
                    revive, data = direct.get(v.get("_type_")), v.get("_data_")
                    if revive is not None and type(data) is str:
                        d[k] = revive(data)
                        continue
                d[k] = self._dict(v)
            elif tv is list:
                self._list(v)
            elif tv is float:
                raise _Float
        if len(d) == 2 and "_type_" in d and "_data_" in d:
            return self._names[d["_type_"]].decode(d["_data_"])
        return d

    def _list(self, items: list) -> None:
        for i, v in enumerate(items):
            tv = type(v)
            if tv is dict:
                items[i] = self._dict(v)
            elif tv is list:
                self._list(v)
            elif tv is float:
                raise _Float


#: The transcodings whose `decode(data)` of a string is exactly a call of these.
_CONSTRUCTORS = {DecimalAsStr: Decimal, DatetimeAsISO: datetime.fromisoformat,
                 UUIDAsHex: UUID, DateAsISO: date.fromisoformat}


#: How the ledger's refusals of a disbursement read as audit findings.
DISBURSEMENT_KINDS = {
    "tranche_not_planned": "tranche_not_planned", "tranche_already_paid": "tranche_not_planned",
    "award_stopped": "paid_after_failure", "evaluation_required": "evaluation_missing",
}


def _stored_catalogue(ledger, version: str) -> Catalogue | None:
    """The catalogue `version`, as stored with the first approval under it."""
    try:
        return ledger.catalogue_of(version)
    except LookupError:
        return None
