"""Chinese names in the order a Chinese reader looks them up: by pinyin, then tone.

SQLite compares text by code point, which puts 运河 before 京东方 for no reason a reader
knows. The views keep a sort key per name instead (`enterprises.name_key`, indexed), so
that a list sorted by name costs what any indexed sort costs.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=50_000)
def sort_key(name: str) -> str:
    """The key that sorts `name` by pinyin (letters first, then tones, then the name
    itself); Latin letters sort among the syllables, case aside."""
    letters = " ".join(lazy_pinyin(name, style=Style.NORMAL)).lower()
    tones = " ".join(lazy_pinyin(name, style=Style.TONE3)).lower()
    return f"{letters}\x1f{tones}\x1f{name}"
