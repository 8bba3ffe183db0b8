"""The one rule for the text a command carries: names, notes, reasons; and for new ids.

Text is kept in the log for good, then shown on pages, mailed in digests and written
into CSV and XLSX exports, so what enters is text a reader can see:

- trimmed (leading and trailing white space is dropped, Python's `str.strip`);
- not empty once trimmed, and holding at least one visible character (not only
  spaces, combining marks or zero-width joiners);
- at most `max_length` characters (code points) as sent;
- without control characters (Unicode category Cc; a note or a reason may hold line
  breaks and tabs, a name may not), surrogates (Cs), line or paragraph separators
  (Zl, Zp), noncharacters (U+FDD0-U+FDEF, U+xFFFE, U+xFFFF) or format characters
  (Cf: direction overrides and isolates such as U+202A-U+202E and U+2066-U+2069,
  zero-width spaces, the byte-order mark, ...), except the zero-width non-joiner and
  joiner (U+200C, U+200D) that some scripts and emoji sequences need inside a word.

Private-use characters and code points newer than this Python's Unicode tables are
allowed: rare hanzi in enterprise names reach us that way from older systems.

An id the sender chooses for something new (`application_id`, `project_id`) is 1 to
100 characters of ASCII letters, digits, `-`, `_` and `.`, beginning with a letter or
a digit: it is part of page and API addresses and of file names, so no `/`, no space,
no `..`-only segment and nothing that needs escaping. Ids are never trimmed.

Each check answers (reason, values) or None; `problems(command)` checks every text
field of a command and `cleaned(command)` is the command with its text trimmed.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from lifecycle import commands as c


@dataclass(frozen=True)
class TextKind:
    """What a text field may hold: a line or lines, and how many characters."""

    max_length: int
    lines: bool = False  # a note or a reason may run over several lines


NAME = TextKind(300)  # an enterprise's registered name
LABEL = TextKind(100)  # a sector
ACTOR = TextKind(200)  # who recorded a command
NOTE = TextKind(2000, lines=True)  # a note, a reason
#: Every text field of the contract's commands, by name, and its kind.
FIELDS: dict[str, TextKind] = {"name": NAME, "note": NOTE, "reason": NOTE, "actor": ACTOR}
LISTS: dict[str, TextKind] = {"sectors": LABEL}
#: The ids a command creates (others name what exists, and are looked up as given).
NEW_IDS: dict[type, tuple[str, ...]] = {c.SubmitApplication: ("application_id", "project_id")}

ID_MAX_LENGTH = 100
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
_ID = re.compile(ID_PATTERN.strip("^$"))
_ID_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
_LINE_BREAKS = frozenset("\n\r\t")
_JOINERS = frozenset("\u200c\u200d")
_REFUSED = frozenset(("Cc", "Cs", "Cf", "Zl", "Zp"))
#: Categories of characters that show nothing on their own (white space, marks, joiners).
_INVISIBLE = frozenset(("Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Mn", "Mc", "Me"))


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def _allowed(ch: str, kind: TextKind) -> bool:
    if " " <= ch <= "~":  # printable ASCII: the common case, decided at once
        return True
    if ch in _LINE_BREAKS:
        return kind.lines
    if ch in _JOINERS:
        return True
    n = ord(ch)
    if 0xFDD0 <= n <= 0xFDEF or n & 0xFFFE == 0xFFFE:  # noncharacters
        return False
    return unicodedata.category(ch) not in _REFUSED


def text_problem(value: str, kind: TextKind, optional: bool = False) -> tuple[str, dict] | None:
    """Why `value` is not text of `kind`, as (reason, values); None when it is.

    `optional`: an empty text means "none given" and is allowed.
    """
    if not isinstance(value, str):
        return "not_text", {}
    if len(value) > kind.max_length:
        return "too_long", {"max_length": kind.max_length, "length": len(value)}
    text = value.strip()
    if not text:
        return None if optional else ("empty", {})
    if not (text.isascii() and text.isprintable()):  # else nothing to look at twice
        bad = next((ch for ch in text if not _allowed(ch, kind)), None)
        if bad is not None:
            return "character_not_allowed", {"character": code_point(bad)}
        if all(unicodedata.category(ch) in _INVISIBLE for ch in text):
            return "nothing_visible", {}
    return None


def _ranges(codes: list[int]) -> str:
    """A regex character class body for these code points, as \\uXXXX ranges."""
    out, start = [], None
    for i, n in enumerate(codes):
        if start is None:
            start = n
        if i + 1 == len(codes) or codes[i + 1] != n + 1:
            out.append(f"\\u{start:04X}" if start == n else f"\\u{start:04X}-\\u{n:04X}")
            start = None
    return "".join(out)


def pattern(kind: TextKind) -> str:
    """A regex of the strings whose characters `kind` allows (white space around aside)."""
    return _pattern(kind.lines)  # which characters: by lines only, not by length


@lru_cache
def _pattern(lines: bool) -> str:
    kind = TextKind(1, lines)
    spaces = _spaces()
    refused = _ranges([n for n in range(0x10000) if not 0xD800 <= n <= 0xDFFF
                       and not _allowed(chr(n), kind)])
    return f"^[{spaces}]*[^{refused}]*[{spaces}]*$"


@lru_cache
def _spaces() -> str:
    return _ranges([n for n in range(0x10000) if chr(n).isspace()])


def json_schema(kind: TextKind, optional: bool = False) -> dict:
    """What a JSON Schema (the API's OpenAPI document) can state of the rule for `kind`.

    `pattern` refuses a character the rule refuses anywhere but in the white space
    around the text (which is trimmed): every string outside the schema is refused by
    the rule. The rule also refuses a text of white space or invisible characters only
    and a few format characters beyond U+FFFF, which a pattern cannot say simply: those
    are within the schema and refused all the same (`description` says so).
    """
    schema = {"type": "string", "maxLength": kind.max_length, "pattern": pattern(kind),
              "description": "printable text, trimmed, with a visible character: no control "
                             "(but line breaks and tabs in a note), format or direction "
                             "character (lifecycle/text.py)"}
    if not optional:
        schema["minLength"] = 1
    return schema


def id_problem(value: str) -> tuple[str, dict] | None:
    """Why `value` cannot be a new id (ID_PATTERN), as (reason, values); None when it can."""
    if not isinstance(value, str):
        return "not_text", {}
    if _ID.fullmatch(value):
        return None
    if not value:
        return "empty", {}
    if len(value) > ID_MAX_LENGTH:
        return "too_long", {"max_length": ID_MAX_LENGTH, "length": len(value)}
    bad = sorted({ch for ch in value if ch not in _ID_CHARACTERS})
    if bad:
        return "id_characters", {"characters": " ".join(code_point(ch) if not ch.isprintable()
                                                        or ch == " " else ch for ch in bad)}
    return "id_start", {}


def problems(command: c.Command) -> tuple[str, str, dict] | None:
    """The first text field of `command` that breaks the rules: (field, reason, values)."""
    for f in dataclasses.fields(command):
        value = getattr(command, f.name)
        kind = FIELDS.get(f.name)
        if kind is not None and value is not None:
            found = text_problem(value, kind, optional=f.default == "")
            if found:
                return f.name, *found
        kind = LISTS.get(f.name)
        if kind is not None and value is not None:
            for i, item in enumerate(value):
                found = text_problem(item, kind)
                if found:
                    return f"{f.name}.{i}", *found
    for name in NEW_IDS.get(type(command), ()):
        value = getattr(command, name)
        if value is not None:
            found = id_problem(value)
            if found:
                return name, *found
    return None


def cleaned(command: c.Command) -> c.Command:
    """`command` with every text field trimmed (call once `problems` found none)."""
    changes = {}
    for f in dataclasses.fields(command):
        value = getattr(command, f.name)
        if f.name in FIELDS and isinstance(value, str) and value != value.strip():
            changes[f.name] = value.strip()
        elif f.name in LISTS and isinstance(value, list):
            trimmed = [item.strip() for item in value]
            if trimmed != value:
                changes[f.name] = trimmed
    return dataclasses.replace(command, **changes) if changes else command
