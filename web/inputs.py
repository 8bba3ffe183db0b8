"""The limits of every JSON input, and the one reader that keeps to them (no Flask here).

A sender can type anything: a line of `grants apply`, the body of POST /api/v1/commands,
a value of a form. `read_json` reads such a text into plain JSON values, or refuses it
with `InputRefused` (`invalid_command`) naming the field, *before* anything could
overflow Python's recursion, run out of memory or reach a command half-read:

- at most `max_chars` characters (MAX_LINE for a line, MAX_BODY for a request body);
- nested at most MAX_DEPTH arrays and objects deep (a command needs 3, a batch 4);
- numbers of at most MAX_NUMBER characters (Python refuses to read integers of more
  than 4,300 digits; nothing of the contract needs more than 15), finite, and no
  NaN or Infinity (not JSON, though Python's json reads them);
- strings that are Unicode text: no half of a UTF-16 surrogate pair (`"\\ud800"`),
  which could not be written out again as UTF-8.

The field named is where the problem sits: the command's top-level key (`basis`),
`N.key` within a batch, else `where` (`_line`, `_body`) for the text as a whole. The
nesting is measured by scanning the brackets outside strings, a cheap C-speed count
first: a text with fewer brackets than the limit cannot be too deep.

`lines(source)` reads a file's lines with a bound on their length, so that one
enormous line is refused on its own and the lines after it are still read.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator

from web.contract import InputRefused
from web.messages import field_message, refusal_message

MAX_DEPTH = 16
MAX_LINE = 1_000_000  # characters of one command line (`grants apply`)
MAX_BODY = 5 * 1024 * 1024  # characters (at most bytes) of one request body (the API's)
MAX_NUMBER = 40
MAX_WHOLE_DIGITS = 9  # a whole number in a form or a query string: page, year, limit

_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}:,]|-?[0-9][0-9.eE+-]*|-?Infinity|NaN')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_WHOLE = re.compile(r"[0-9]+")


class UnreadableInput(InputRefused):
    """Input refused before it was read as a command; `command` is its type, when known."""

    def __init__(self, message: str, fields: dict[str, str], command: str | None = None):
        super().__init__(message, fields)
        self.command = command


def refused(where: str, reason: str, command: str | None = None, **values) -> UnreadableInput:
    """The refusal of unreadable input at `where`, in the contract's words (web/messages.py)."""
    return UnreadableInput(refusal_message(reason, values, field=where),
                           {where: field_message(reason, values)}, command)


class _Unreadable(Exception):
    """Raised by the decoder's hooks; the scan then finds where and why."""


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER:
        raise _Unreadable
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if len(text) > MAX_NUMBER or not math.isfinite(value):
        raise _Unreadable
    return value


def _constant(text: str):
    raise _Unreadable


_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)


def _number_problem(token: str) -> bool:
    if len(token) > MAX_NUMBER:
        return True
    try:
        return not math.isfinite(float(token))
    except ValueError:  # not a number after all: the decoder says what is wrong
        return False


def _decoded(token: str) -> str | None:
    try:
        return json.loads(token)
    except ValueError:
        return None


def _lone_surrogate(token: str) -> str | None:
    value = _decoded(token) or ""
    found = next((ch for ch in value if 0xD800 <= ord(ch) <= 0xDFFF), None)
    return None if found is None else f"U+{ord(found):04X}"


def _scan(text: str, where: str, batch: bool) -> tuple[str, str | None, tuple[str, dict] | None]:
    """(field, command type, problem) at the first token that breaks the limits.

    The tokens are strings, brackets, colons, commas and numbers outside strings; the
    path follows each open array (its index) and object (its key). The command's type
    is kept when the scan passed it first, for the answer's `command`.
    """
    kinds: list[str] = []  # "[" or "{" for each open array or object
    path: list = []  # the index in each open array, the key (or None) in each object
    pending: str | None = None  # a string just seen where a key may stand
    command: str | None = None
    for m in _TOKENS.finditer(text):
        token = m.group()
        first = token[0]
        problem = None
        if first in "[{":
            if len(kinds) >= MAX_DEPTH:
                problem = ("too_deep", {"max_depth": MAX_DEPTH})
            else:
                kinds.append(first)
                path.append(0 if first == "[" else None)
        elif first in "]}":
            if kinds:
                kinds.pop()
                path.pop()
        elif first == ":":
            if kinds and kinds[-1] == "{" and pending is not None:
                path[-1] = _decoded(pending)
        elif first == ",":
            if kinds and kinds[-1] == "[":
                path[-1] += 1
            elif kinds:
                path[-1] = None
        elif first == '"':
            half = _lone_surrogate(token) if "\\u" in token else None
            if half is not None:  # before it could be a key or the command's type
                problem = ("not_unicode", {"character": half})
            elif kinds and kinds[-1] == "{" and path[-1] is None:
                pending = token
            elif len(kinds) == 1 and path[-1] == "type" and command is None:
                command = _decoded(token)
        elif first in "NI" or token.startswith("-I"):
            problem = ("not_a_number", {})
        elif _number_problem(token):
            problem = ("number_too_long", {"max_digits": MAX_NUMBER})
        if problem is not None:
            return _field(path, kinds, where, batch), command, problem
        if first != '"':
            pending = None
    return where, command, None


def _field(path: list, kinds: list[str], where: str, batch: bool) -> str:
    """The path to a problem, as far as the command's own key (`basis`; `3.basis` in a batch)."""
    if not kinds:
        return where
    if kinds[0] == "{":
        parts = path[:1]
    elif batch:  # its item's key; arrays in arrays are no command's field
        parts = path[:2] if len(path) > 1 and isinstance(path[1], str) else []
    else:  # an array where a command should be: the text as a whole
        parts = []
    parts = [str(p) for p in parts if p is not None]
    return ".".join(parts) if parts else where


def read_json(text: str | bytes, where: str = "_line", max_chars: int = MAX_LINE,
              batch: bool = False):
    """The JSON value `text` holds, within the limits; UnreadableInput naming the field if not.

    A text that is not JSON at all is refused as the contract says ("not JSON: ...",
    field `where`); so is a bytes text that is not UTF-8 ("not UTF-8: ..."). `batch`: an
    array holds commands, and a problem in one is named `N.key` (the API's body).
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise UnreadableInput(f"not UTF-8: {e.reason}", {where: "not UTF-8"}) from None
    if len(text) > max_chars and len(text.rstrip("\r\n")) > max_chars:
        raise refused(where, "line_too_long", length=len(text), max_length=max_chars)
    if text.count("[") + text.count("{") > MAX_DEPTH:  # else it cannot be too deep
        field, command, problem = _scan(text, where, batch)
        if problem is not None:
            raise refused(field, problem[0], command, **problem[1])
    try:
        value = _DECODER.decode(text)
    except _Unreadable:
        field, command, problem = _scan(text, where, batch)
        reason, values = problem or ("number_too_long", {"max_digits": MAX_NUMBER})
        raise refused(field, reason, command, **values) from None
    except json.JSONDecodeError as e:
        raise UnreadableInput(f"not JSON: {e.msg} at column {e.colno}",
                              {where: "not JSON"}) from None
    except RecursionError:  # not reached (the scan comes first); never a traceback all the same
        raise refused(where, "too_deep", max_depth=MAX_DEPTH) from None
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        field, command, problem = _scan(text, where, batch)
        if problem is not None:
            raise refused(field, problem[0], command, **problem[1])
    return value


class Oversized:
    """A line longer than the limit, read through in pieces and never held: its length."""

    def __init__(self, length: int):
        self.length = length

    def __len__(self) -> int:
        return self.length

    def refusal(self, max_chars: int = MAX_LINE) -> UnreadableInput:
        return refused("_line", "line_too_long", length=self.length, max_length=max_chars)


def lines(source, max_chars: int = MAX_LINE) -> Iterator[str | Oversized]:
    """The lines of a text file, each at most `max_chars` characters (its newline aside);
    a longer one comes as `Oversized`, so that the lines after it are still read."""
    while True:
        line = source.readline(max_chars + 1)
        if not line:
            return
        if len(line) <= max_chars or line.endswith("\n"):
            yield line
            continue
        length = len(line)
        while not line.endswith("\n"):
            line = source.readline(1 << 16)
            if not line:
                break
            length += len(line)
        yield Oversized(length - line.endswith("\n"))


def whole_number(text: object, max_digits: int = MAX_WHOLE_DIGITS) -> int | None:
    """A whole number written in ASCII digits (at most `max_digits`), else None.

    Never `int()` on what a sender typed: it reads "٣", " 7", "7\\x0b" and "1_000" too,
    and raises for 5,000 digits.
    """
    if isinstance(text, str) and 0 < len(text) <= max_digits and _WHOLE.fullmatch(text):
        return int(text)
    return None
