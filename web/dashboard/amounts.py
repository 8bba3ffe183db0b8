"""Amounts as staff type them, read at the desk's edge into the contract's decimal string.

The forms take what a bureau's staff write: `1440000`, `1,440,000`, `144万`, `144.5万元`,
`1.2亿`, `¥1,440,000.00`, full-width digits and commas too (１４４万, 1，440，000). Each is
turned into yuan with at most two places ("1440000.00") before the command is built, so
the contract, the schema and the ledger see only the one form they know; anything else is
refused under its field with words that say what may be written.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from policies.money import MAX_AMOUNT, yuan

UNITS = {"": Decimal(1), "万": Decimal(10_000), "亿": Decimal(100_000_000)}
#: digits with commas between thousands, or none; a fraction; a unit; 元 and ¥ optional.
#: ASCII digits after NFKC (full-width ones become them); never other scripts' digits.
_AMOUNT = re.compile(r"^[¥￥]?(?P<number>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?P<fraction>\.[0-9]+)?"
                     r"(?P<unit>万|亿)?元?$")


class AmountError(ValueError):
    """Text that is not an amount: `reason` is a catalogue key (`amount.<reason>`)."""

    def __init__(self, reason: str, **values):
        super().__init__(reason)
        self.reason, self.values = reason, values


def parse(text: str) -> Decimal:
    """The amount in yuan that `text` writes (exact, at most two places).

    Raises AmountError: `not_amount` (not a number staff would write), `fen` (more
    precise than the fen), `too_large`.
    """
    plain = unicodedata.normalize("NFKC", text or "").replace(" ", "").replace("\u3000", "")
    plain = plain.replace("，", ",").replace("．", ".")
    if plain.startswith("-"):
        raise AmountError("negative")
    found = _AMOUNT.match(plain)
    if found is None:
        raise AmountError("not_amount")
    try:
        number = Decimal(found["number"].replace(",", "") + (found["fraction"] or ""))
    except InvalidOperation:
        raise AmountError("not_amount") from None
    amount = number * UNITS[found["unit"] or ""]
    if amount != amount.quantize(Decimal("0.01")):
        raise AmountError("fen")
    if amount >= MAX_AMOUNT:
        raise AmountError("too_large")
    return amount.quantize(Decimal("0.01"))


def contract_text(text: str) -> str:
    """`text` as the contract writes an amount ("1440000.00"); raises AmountError."""
    return yuan(parse(text))
