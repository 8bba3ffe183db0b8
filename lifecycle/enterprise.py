"""The enterprise and its ledger of awards: the consistency boundary for caps.

Caps per enterprise and year, totals per enterprise, ladders and "one district
award per project" all span several applications. Every decision that moves
one of them books it here, saved in the same transaction as the application's
own event, so that optimistic concurrency on this aggregate decides between two
staff approving at the same moment.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from uuid import UUID

from lifecycle.chain import Chained
from lifecycle.ids import aggregate_uuid
from policies.facts import REVOKED, STOPPED, Award, Enterprise, Tranche


def enterprise_uuid(enterprise_id: str) -> UUID:
    return aggregate_uuid("enterprise", enterprise_id)


class EnterpriseLedger(Chained):
    class EnterpriseRegistered(Chained.Created):
        """Registered with its credit code, name, size and sectors.

        Version 2 added `sectors`; version 1 events are upcast with none.
        """

        class_version = 2
        enterprise_id: str
        name: str
        size: str
        sectors: list
        at: date
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["sectors"] = []

        def apply(self, agg: EnterpriseLedger) -> None:
            agg.enterprise_id, agg.name = self.enterprise_id, self.name
            agg.size, agg.sectors = self.size, list(self.sectors)
            agg.registered_on = self.at
            agg.dishonesty = []
            agg.awards = {}

    class DishonestyRecorded(Chained.Event):
        note: str
        at: date
        actor: str

        def apply(self, agg: EnterpriseLedger) -> None:
            agg.dishonesty.append(self.at)

    class AwardBooked(Chained.Event):
        application_id: str
        policy: str
        article: int
        item: str
        project_id: str
        amount: Decimal
        tranches: list  # [{"year": int, "amount": Decimal}]
        at: date
        actor: str

        def apply(self, agg: EnterpriseLedger) -> None:
            agg.awards[self.application_id] = Award(
                application_id=self.application_id, policy=self.policy, article=self.article,
                item=self.item, project_id=self.project_id, amount=self.amount,
                tranches=tuple(Tranche(t["year"], t["amount"]) for t in self.tranches))

    class AwardStopped(Chained.Event):
        """A failed evaluation: the unpaid tranches are released from the caps."""

        application_id: str
        paid_years: list
        at: date
        actor: str

        def apply(self, agg: EnterpriseLedger) -> None:
            award = agg.awards[self.application_id]
            tranches = tuple(dataclasses.replace(t, paid=t.year in self.paid_years)
                             for t in award.tranches)
            agg.awards[self.application_id] = dataclasses.replace(
                award, tranches=tranches, status=STOPPED)

    class AwardReleased(Chained.Event):
        """A revocation: the award no longer counts against any cap."""

        application_id: str
        at: date
        actor: str

        def apply(self, agg: EnterpriseLedger) -> None:
            award = agg.awards[self.application_id]
            agg.awards[self.application_id] = dataclasses.replace(award, status=REVOKED)

    # -- commands -------------------------------------------------------------------

    @classmethod
    def register(cls, enterprise_id: str, name: str, size: str, sectors: list[str],
                 at: date, actor: str) -> EnterpriseLedger:
        return cls.start(cls.EnterpriseRegistered, id=enterprise_uuid(enterprise_id),
                         enterprise_id=enterprise_id, name=name, size=size,
                         sectors=list(sectors), at=at, actor=actor)

    def record_dishonesty(self, note: str, at: date, actor: str) -> None:
        self.record(self.DishonestyRecorded, note=note, at=at, actor=actor)

    def book_award(self, application_id: str, policy: str, article: int, item: str,
                   project_id: str, amount: Decimal, tranches: list[dict], at: date,
                   actor: str) -> None:
        self.record(self.AwardBooked, application_id=application_id, policy=policy,
                    article=article, item=item, project_id=project_id, amount=amount,
                    tranches=tranches, at=at, actor=actor)

    def stop_award(self, application_id: str, paid_years: list[int], at: date,
                   actor: str) -> None:
        self.record(self.AwardStopped, application_id=application_id,
                    paid_years=sorted(paid_years), at=at, actor=actor)

    def release_award(self, application_id: str, at: date, actor: str) -> None:
        self.record(self.AwardReleased, application_id=application_id, at=at, actor=actor)

    # -- what the calculator reads --------------------------------------------------

    def facts(self) -> Enterprise:
        return Enterprise(size=self.size, dishonesty=tuple(self.dishonesty))

    def history(self) -> tuple[Award, ...]:
        return tuple(self.awards.values())
