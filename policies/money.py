"""Money and dates as the reading rules of DOMAIN.md define them.

Rule 7: amounts are RMB yuan with two places (fen); a computed maximum rounds down
to the fen. Rule 2: "for N years from issuance" ends on the same calendar date N
years later, exclusive.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_DOWN, Decimal

FEN = Decimal("0.01")
#: Larger figures than any budget; beyond it an amount could not be held to the fen.
MAX_AMOUNT = Decimal(10) ** 15
#: The contract's form of an amount (API, CLI, forms): ASCII digits, at most 15 of them,
#: then optionally a point and one or two decimals (zeros after them change nothing:
#: "400000.000" is 400,000.00). Nothing else: no sign, no spaces, no exponent, no
#: grouping, no full-width or other digits, no "100." and no ".5".
AMOUNT_PATTERN = r"^[0-9]{1,15}(\.[0-9]{1,2}0*)?$"
_AMOUNT = re.compile(AMOUNT_PATTERN.strip("^$"))
_PLACES = re.compile(r"[0-9]+\.[0-9]{3,}")
_NEGATIVE = re.compile(r"-[0-9]+(\.[0-9]+)?")
_LONG = re.compile(r"[0-9]{16,}(\.[0-9]*)?")
#: A spreadsheet's grouping of thousands, as Excel writes a formatted cell: 1,440,000.00.
_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{1,2})?")


class AmountError(ValueError):
    """Not an amount in the contract's form: `reason` (a key of the edge's words), `values`."""

    def __init__(self, reason: str, **values):
        super().__init__(reason, values)
        self.reason, self.values = reason, values

    def __str__(self) -> str:  # for developers (the catalogue's loader); the edge has words
        return f"not an amount in the contract's form ({self.reason})"


def money(value: object) -> Decimal:
    """The one reading of an amount in yuan (DOMAIN.md rule 7): an exact Decimal of two places.

    Accepted: a string in the contract's form (AMOUNT_PATTERN: "1500000", "1500000.5",
    "1500000.00", "1500000.000") or a JSON whole number (an int) from 0 to MAX_AMOUNT - 1.
    Everything else raises AmountError: floats and booleans (`amount_type`), a sign
    (`amount_negative`), more than two decimals (`amount_places`), MAX_AMOUNT or more
    (`amount_too_large`), and any other text (`amount_form`: full-width digits, spaces,
    "100.", "1E+2", "1,000").
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise AmountError("amount_type")
    if isinstance(value, int):
        if value < 0:
            raise AmountError("amount_negative")
        if value >= MAX_AMOUNT:
            raise AmountError("amount_too_large", max=MAX_AMOUNT)
        return Decimal(value).quantize(FEN)
    if _AMOUNT.fullmatch(value):
        return Decimal(value).quantize(FEN)
    if _NEGATIVE.fullmatch(value):
        raise AmountError("amount_negative")
    if _PLACES.fullmatch(value):
        raise AmountError("amount_places")
    if _LONG.fullmatch(value):
        raise AmountError("amount_too_large", max=MAX_AMOUNT)
    raise AmountError("amount_form")


def sheet_amount(value: object) -> str:
    """A spreadsheet cell's amount, written as the contract writes it (for the importer).

    A sheet holds what people and Excel write, so this reads a little more than the
    contract: a number cell (int, or a float whose shortest form has at most two
    decimals) and a text cell in the contract's form or with its thousands grouped
    by commas ("1,440,000.00"). Anything else raises AmountError as `money` does.
    """
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise AmountError("amount_form")
        value = repr(value)
        if value.endswith(".0"):
            value = value[:-2]
    elif isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _GROUPED.fullmatch(value):
        value = value.replace(",", "")
    money(value)
    return value


def yuan(amount: Decimal) -> str:
    """The contract's string form of an amount: two places, no grouping."""
    return str(amount.quantize(FEN, rounding=ROUND_DOWN))


def add_years(day: date, years: int) -> date:
    """The same calendar date `years` later; 29 February falls to 1 March."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(day.year + years, 3, 1)
