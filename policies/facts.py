"""The facts the calculator reads: plain values, built by whoever holds the history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Standing(StrEnum):
    """How an award counts against caps and ladders (its application's status decides)."""

    ACTIVE = "active"
    COMPLETED = "completed"
    STOPPED = "stopped"  # only the tranches paid before a failed evaluation count
    REVOKED = "revoked"  # counts nothing: the paid tranches become a clawback


ACTIVE, COMPLETED, STOPPED, REVOKED = (Standing.ACTIVE, Standing.COMPLETED, Standing.STOPPED,
                                       Standing.REVOKED)


class _Immutable:
    """Frozen values of immutable parts: a deep copy may share them."""

    def __deepcopy__(self, memo):
        return self


@dataclass(frozen=True)
class Tranche(_Immutable):
    year: int
    amount: Decimal
    paid: bool = False


@dataclass(frozen=True)
class Award(_Immutable):
    """One approved award in an enterprise's history."""

    application_id: str
    policy: str
    article: int
    item: str
    project_id: str
    amount: Decimal
    tranches: tuple[Tranche, ...]
    status: Standing = ACTIVE

    def counted_by_year(self) -> dict[int, Decimal]:
        """What the award takes from caps, by tranche year.

        A revoked award takes nothing (its paid tranches become a clawback); an award
        stopped by a failed evaluation keeps only the tranches already paid.
        """
        out: dict[int, Decimal] = {}
        for t in self.tranches:
            if not self.counts(t):
                continue
            out[t.year] = out.get(t.year, Decimal(0)) + t.amount
        return out

    def counts(self, tranche: Tranche) -> bool:
        """Whether `tranche` counts against caps (see `counted_by_year`)."""
        return self.status != REVOKED and (tranche.paid or self.status != STOPPED)

    @property
    def counted(self) -> Decimal:
        return sum(self.counted_by_year().values(), Decimal("0.00"))


@dataclass(frozen=True)
class Enterprise:
    size: str
    dishonesty: tuple[date, ...] = ()


@dataclass(frozen=True)
class Request:
    """What an application asks for, on the figures known so far."""

    application_id: str
    policy: str
    article: int
    item: str | None
    project_id: str
    basis: Mapping[str, Decimal]
    requested: Decimal
    submitted_on: date
    history: tuple[Award, ...] = field(default=())
