"""What the scheduler flagged for an enterprise, kept as events: raised, then cleared.

One board per enterprise, apart from the enterprise's ledger, so that the daily
job never contends with approvals for the same consistency boundary.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from lifecycle.chain import Chained
from lifecycle.ids import aggregate_uuid

SCHEDULER = "scheduler"


def board_uuid(enterprise_id: str) -> UUID:
    return aggregate_uuid("flags", enterprise_id)


class FlagBoard(Chained):
    class FlagBoardOpened(Chained.Created):
        enterprise_id: str
        at: date
        actor: str

        def apply(self, agg: FlagBoard) -> None:
            agg.enterprise_id, agg.open = self.enterprise_id, {}

    class FlagRaised(Chained.Event):
        key: str
        kind: str
        application_id: str | None
        policy: str | None
        due_on: date
        message: str
        at: date
        actor: str

        def apply(self, agg: FlagBoard) -> None:
            agg.open[self.key] = self.due_on

    class FlagCleared(Chained.Event):
        key: str
        reason: str
        at: date
        actor: str

        def apply(self, agg: FlagBoard) -> None:
            agg.open.pop(self.key, None)

    @classmethod
    def open_for(cls, enterprise_id: str, at: date) -> FlagBoard:
        return cls.start(cls.FlagBoardOpened, id=board_uuid(enterprise_id),
                         enterprise_id=enterprise_id, at=at, actor=SCHEDULER)

    def raise_flag(self, key: str, kind: str, application_id: str | None, policy: str | None,
                   due_on: date, message: str, at: date, actor: str) -> None:
        self.record(self.FlagRaised, key=key, kind=kind, application_id=application_id,
                    policy=policy, due_on=due_on, message=message, at=at, actor=actor)

    def clear_flag(self, key: str, reason: str, at: date, actor: str) -> None:
        self.record(self.FlagCleared, key=key, reason=reason, at=at, actor=actor)
