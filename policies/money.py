"""Money and dates as the reading rules of DOMAIN.md define them.

Rule 7: amounts are RMB yuan with two places (fen); a computed maximum rounds down
to the fen. Rule 2: "for N years from issuance" ends on the same calendar date N
years later, exclusive.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation

FEN = Decimal("0.01")
#: Larger figures than any budget; beyond it an amount could not be held to the fen.
MAX_AMOUNT = Decimal(10) ** 15


def money(value: object) -> Decimal:
    """An exact amount in yuan, rounded down to the fen.

    Raises ValueError for anything that is not a finite, non-negative number.
    Floats are refused: they cannot carry an exact amount.
    """
    if isinstance(value, bool | float):
        raise ValueError("an amount must be a decimal string, not a float")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    if amount < 0:
        raise ValueError(f"an amount cannot be negative: {value!r}")
    if amount >= MAX_AMOUNT:
        raise ValueError(f"an amount must be less than {MAX_AMOUNT:,} yuan: {value!r}")
    return amount.quantize(FEN, rounding=ROUND_DOWN)


def yuan(amount: Decimal) -> str:
    """The contract's string form of an amount: two places, no grouping."""
    return str(amount.quantize(FEN, rounding=ROUND_DOWN))


def add_years(day: date, years: int) -> date:
    """The same calendar date `years` later; 29 February falls to 1 March."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(day.year + years, 3, 1)
