"""The unified social credit code (统一社会信用代码) and its check character.

GB 32100-2015: 18 characters from a 31-character alphabet (no I, O, S, V, Z);
the 18th is a check character over the first 17 with fixed weights, modulo 31.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: What a JSON Schema can state of a credit code (all but the check character).
PATTERN = f"^[{ALPHABET}]{{18}}$"


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> tuple[str, dict] | None:
    """Why `code` is not a valid credit code, as (reason, values), or None when it is."""
    if not isinstance(code, str) or len(code) != 18:
        return "credit_code_length", {"length": 18}
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        return "credit_code_characters", {"characters": "".join(bad)}
    expected = check_character(code[:17])
    if code[17] != expected:
        return "credit_code_check", {"found": code[17], "expected": expected}
    return None
