"""Business time: the bureau's "today" is the date in Beijing (DOMAIN.md rule 9).

Whatever the server's time zone, today is the calendar date in Asia/Shanghai.
`GRANTS_TODAY=YYYY-MM-DD` fixes it, for replays of synthetic or historical batches
(tests, benchmarks, demos); the settings read it once and build the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_date(moment: datetime) -> date:
    """The calendar date in Beijing at `moment` (a naive moment is read as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).date()


@dataclass(frozen=True)
class Clock:
    """Today in Beijing, or the fixed date it was given."""

    fixed: date | None = None

    def today(self) -> date:
        return self.fixed or beijing_date(datetime.now(UTC))

    @classmethod
    def from_setting(cls, value: str | None) -> Clock:
        """The clock for GRANTS_TODAY's value: a fixed ISO date, or empty for the real date."""
        return cls(date.fromisoformat(value) if value else None)
