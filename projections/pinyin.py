"""Chinese names in the order a Chinese reader looks them up: by pinyin, then tone.

SQLite compares text by code point, which puts 运河 before 京东方 for no reason a reader
knows. The views keep a sort key per name instead (`enterprises.name_key`, indexed), so
that a list sorted by name costs what any indexed sort costs.

pypinyin reads a name by its phrases (银行 is yin hang), about 0.2 ms a name: for 10,000
enterprises two seconds of a rebuild. A key depends only on the name and pypinyin's
dictionary, so the keys already in the views are remembered (`remember`) when they were
made by this version of pypinyin (`MAKER`), and only new names are read again (pypinyin
itself is loaded only then).
"""

from __future__ import annotations

import re
from importlib.metadata import version

#: What made the keys: keys made by another version of pypinyin are made again.
MAKER = f"pypinyin {version('pypinyin')}"
_KNOWN: dict[str, str] = {}
_MOST = 200_000  # names remembered at most
_TONE = re.compile(r"[1-5]$")
_OTHER = "\x00"  # marks what pypinyin does not read (Latin letters, digits)


def sort_key(name: str) -> str:
    """The key that sorts `name` by pinyin (letters first, then tones, then the name
    itself); Latin letters sort among the syllables, case aside."""
    key = _KNOWN.get(name)
    if key is None:
        if len(_KNOWN) >= _MOST:
            _KNOWN.clear()
        key = _KNOWN[name] = _key(name)
    return key


def _key(name: str) -> str:
    # pypinyin's dictionaries take a quarter of a second to load: only a new name needs them
    from pypinyin import Style, lazy_pinyin

    # One reading with tones; the letters are the same syllables with their tone taken off
    # (never a digit of a Latin part, which pypinyin hands back marked).
    read = lazy_pinyin(name, style=Style.TONE3, errors=lambda chars: [_OTHER + chars])
    tones = " ".join(s.removeprefix(_OTHER) for s in read).lower()
    letters = " ".join(s[1:] if s.startswith(_OTHER) else _TONE.sub("", s)
                       for s in read).lower()
    return f"{letters}\x1f{tones}\x1f{name}"


def remember(keys: dict[str, str]) -> None:
    """Keys made earlier by this MAKER, name -> key."""
    _KNOWN.update(keys)
