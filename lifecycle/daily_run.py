"""The daily job's run of each day, decided once across every node on the store.

Every node's scheduler (and `grants scheduler run`) first claims the day: a `DailyRun`
with an id from the date, so that of two nodes claiming the same day the store lets
one save it and the other, deciding again, finds it claimed and skips the day. The
winner runs the job, sends the one digest, and records that it finished, with what it
found. A claim that was never finished (its node died) lapses after LEASE; then the
next claim of that day takes it over, under the same optimistic concurrency.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from lifecycle import commands as c
from lifecycle.chain import Chained
from lifecycle.errors import Refused
from lifecycle.ids import aggregate_uuid

LEASE = timedelta(hours=2)  # longer than the job takes at 10,000 enterprises (docs/scaling.md)


def daily_run_uuid(on: date) -> UUID:
    return aggregate_uuid("daily-run", on.isoformat())


class DailyRun(Chained):
    class DailyRunClaimed(Chained.Created):
        node: str
        at: date
        actor: str

        def apply(self, agg: DailyRun) -> None:
            agg.on, agg.node, agg.claimed_at = self.at, self.node, self.timestamp
            agg.finished = False

    class DailyRunTakenOver(Chained.Event):
        """The claim of `previous` lapsed unfinished; `node` runs the day instead."""

        node: str
        previous: str
        at: date
        actor: str

        def apply(self, agg: DailyRun) -> None:
            agg.node, agg.claimed_at = self.node, self.timestamp

    class DailyRunFinished(Chained.Event):
        node: str
        summary: dict
        at: date
        actor: str

        def apply(self, agg: DailyRun) -> None:
            agg.finished = True

    def problems_claim(self, now: datetime) -> list[Refused]:
        """Why the day may not be claimed now: it ran, or another claim still holds."""
        if self.finished:
            return [Refused("duplicate_id", "daily_run_done", "at", on=self.on, node=self.node)]
        if now - self.claimed_at < LEASE:
            return [Refused("duplicate_id", "daily_run_claimed", "at", on=self.on,
                            node=self.node)]
        return []

    def problems_finish(self, node: str) -> list[Refused]:
        if self.finished or node != self.node:
            return [Refused("invalid_transition", "daily_run_not_held", "at", on=self.on,
                            node=self.node)]
        return []


def handlers(find: Callable[[UUID], object]) -> dict[type, Callable]:
    """The ledger's handlers of the day's claim and its end."""

    def claim(cmd: c.ClaimDailyRun):
        run = find(daily_run_uuid(cmd.at))
        if run is None:
            run = DailyRun.start(DailyRun.DailyRunClaimed, id=daily_run_uuid(cmd.at),
                                 node=cmd.node, at=cmd.at, actor=cmd.actor)
        else:
            problems = run.problems_claim(datetime.now(UTC))
            if problems:
                raise problems[0]
            run.record(DailyRun.DailyRunTakenOver, node=cmd.node, previous=run.node,
                       at=cmd.at, actor=cmd.actor)
        return [run], {"on": cmd.at, "node": cmd.node}

    def finish(cmd: c.FinishDailyRun):
        run = find(daily_run_uuid(cmd.at))
        if run is None:
            raise Refused("not_found", "daily_run_not_claimed", "at", on=cmd.at)
        problems = run.problems_finish(cmd.node)
        if problems:
            raise problems[0]
        run.record(DailyRun.DailyRunFinished, node=cmd.node, summary=dict(cmd.summary),
                   at=cmd.at, actor=cmd.actor)
        return [run], {"on": cmd.at, "node": cmd.node}

    return {c.ClaimDailyRun: claim, c.FinishDailyRun: finish}
