"""argparse in the reader's words: `grants --help`, `grants COMMAND --help` and argparse's
errors (issue 16).

`grants`' own help strings and descriptions are the catalogues' `cli.help.*` keys (web/cli.py
`parser()`); the words argparse writes itself (`usage:`, `positional arguments`, `options`,
`show this help message and exit`, `the following arguments are required: ...`, `invalid
choice: ...`) are looked up by argparse, each time it writes them, through its module's `_`
and `ngettext` (gettext's, in the stdlib's default domain). `Parser` words them there, at
the source: while it builds, parses, formats or reports, those two names answer a msgid of
`ARGPARSE` from our catalogue (`cli.argparse.*`, `{name}` placeholders like every key) in
the reader's language, and any other msgid as gettext would.

Why there and not elsewhere:
- argparse formats its errors before `error()` sees them (`argument --on: invalid choice:
  'x' (choose from ...)`); wording them back from the English would parse its sentences.
  At the source, the values (option names, choices, what was typed) are filled into our
  words by argparse itself, and stay as they are.
- a translation installed through gettext (`bindtextdomain` of the stdlib's domain) is
  chosen by LANGUAGE/LC_*, not GRANTS_LANG, for the whole process, from a .mo file of
  argparse's own msgids beside ours.
- overriding argparse's private methods one by one (`_check_value`, `_get_values`,
  `_match_argument`, ...) words the same errors with more of argparse's insides.
A msgid a later Python spells differently is simply not found, and argparse's English is
written, as it is for a msgid `ARGPARSE` does not list. English readers are not touched at
all: their help and errors are argparse's own, byte for byte what `grants` always printed.

The swap is process-wide but harmless beyond the parser: the stand-in asks who is reading
(a context variable, per thread and per task) and answers gettext's words to anyone not
reading Chinese, so another thread using argparse meanwhile reads what it always read.
(Two threads' Parsers at once: the first to finish puts gettext back, and the other's
last words may be argparse's English; `grants` parses once, in one thread.) The section
titles and the -h help are worded when a Parser is made, the rest when it is used: make
and use it within one `words.speaking` (web/cli.py `main`).
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from contextlib import contextmanager
from functools import wraps

from web import words

#: argparse's msgids (CPython's Lib/argparse.py) and our keys, with the argparse format
#: placeholder each `{name}` of our words stands for.
ARGPARSE: dict[str, tuple[str, dict[str, str]]] = {
    "usage: ": ("usage", {}),
    "positional arguments": ("positional", {}),
    "options": ("options", {}),
    "show this help message and exit": ("help", {}),
    "%(prog)s: error: %(message)s\n": ("error", {"prog": "%(prog)s", "message": "%(message)s"}),
    "argument %(argument_name)s: %(message)s":
        ("argument", {"argument": "%(argument_name)s", "message": "%(message)s"}),
    "the following arguments are required: %s": ("required", {"arguments": "%s"}),
    "unrecognized arguments: %s": ("unrecognized", {"arguments": "%s"}),
    "invalid choice: %(value)r (choose from %(choices)s)":
        ("invalid_choice", {"value": "%(value)r", "choices": "%(choices)s"}),
    "invalid %(type)s value: %(value)r": ("invalid_value", {"type": "%(type)s",
                                                            "value": "%(value)r"}),
    "expected one argument": ("expected_one", {}),
    "expected at most one argument": ("expected_at_most_one", {}),
    "expected at least one argument": ("expected_at_least_one", {}),
    "ambiguous option: %(option)s could match %(matches)s":
        ("ambiguous", {"option": "%(option)s", "matches": "%(matches)s"}),
    "not allowed with argument %s": ("not_allowed_with", {"argument": "%s"}),
    "one of the arguments %s is required": ("one_of_required", {"arguments": "%s"}),
    "ignored explicit argument %r": ("ignored_explicit", {"value": "%r"}),
}
#: ngettext's msgids (singular, plural) and our key; `{count}` stands for `%s`.
ARGPARSE_PLURAL = {("expected %s argument", "expected %s arguments"): "expected_n"}

_gettext, _ngettext = argparse._, argparse.ngettext
#: What a line may break between: runs of spaces, runs of narrow characters, a wide one.
_TOKENS = re.compile(r"\s+|[^\s\u1100-\uffff]+|\S")


def argparse_words(message: str) -> str:
    """argparse's words for `message` (a msgid) to the reader now: ours in Chinese,
    gettext's otherwise or when we have none."""
    found = ARGPARSE.get(message)
    if found is None or not words.reader().zh:
        return _gettext(message)
    key, placeholders = found
    tail = message[len(message.rstrip("\n")):]  # the error line's own line break
    return words.template(f"cli.argparse.{key}").replace("%", "%%").format(
        **placeholders) + tail


def argparse_plural(singular: str, plural: str, n: int) -> str:
    key = ARGPARSE_PLURAL.get((singular, plural))
    if key is None or not words.reader().zh:
        return _ngettext(singular, plural, n)
    return words.template(f"cli.argparse.{key}").replace("%", "%%").format(count="%s")


@contextmanager
def worded():
    """argparse looks its words up in the reader's language within the block."""
    if argparse._ is argparse_words:  # already (an enclosing call, or another thread's)
        yield
        return
    argparse._, argparse.ngettext = argparse_words, argparse_plural
    try:
        yield
    finally:
        argparse._, argparse.ngettext = _gettext, _ngettext


def _worded(method):
    @wraps(method)
    def inside(*args, **kwargs):
        with worded():
            return method(*args, **kwargs)
    return inside


def columns(text: str) -> int:
    """How many terminal columns `text` takes (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` columns: at spaces, and between two Chinese
    characters (never inside an ASCII word: option names, paths and codes stay whole)."""
    lines, line, space = [], "", False
    for token in _TOKENS.findall(text):
        if token.isspace():
            space = True
            continue
        piece = (" " if space and line else "") + token
        space = False
        if line and columns(line + piece) > width:
            lines.append(line)
            line = token
        else:
            line += piece
    return [*lines, line] if line else lines


class Formatter(argparse.HelpFormatter):
    """argparse's help layout; Chinese lines are wrapped by the columns they take
    (argparse counts characters, and a Chinese one takes two). English is argparse's."""

    def _split_lines(self, text, width):
        if not words.reader().zh:
            return super()._split_lines(text, width)
        return wrap(self._whitespace_matcher.sub(" ", text).strip(), width)

    def _fill_text(self, text, width, indent):
        if not words.reader().zh:
            return super()._fill_text(text, width, indent)
        text = self._whitespace_matcher.sub(" ", text).strip()
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))

    def _format_usage(self, usage, actions, groups, prefix):
        text = super()._format_usage(usage, actions, groups, prefix)
        if not words.reader().zh:
            return text
        # argparse indents the usage's further lines by the characters of `用法：`;
        # they take more columns than that.
        word = argparse._("usage: ") if prefix is None else prefix
        more = " " * (columns(word) - len(word))
        first, *rest = text.split("\n")
        return "\n".join([first, *(more + line if line.startswith(" ") else line
                                    for line in rest)])


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks the reader's language (see the module's words);
    its subcommands' parsers are Parsers too (argparse makes them of the parser's class)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", Formatter)
        with worded():
            super().__init__(*args, **kwargs)

    parse_args = _worded(argparse.ArgumentParser.parse_args)
    parse_known_args = _worded(argparse.ArgumentParser.parse_known_args)
    format_usage = _worded(argparse.ArgumentParser.format_usage)
    format_help = _worded(argparse.ArgumentParser.format_help)
    error = _worded(argparse.ArgumentParser.error)

