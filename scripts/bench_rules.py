"""Successor rule sets for long benchmark histories (never for real use).

The real district rule sets are in force three years (tz-de-2025 from 2025-04-30,
tz-am-2025 from 2025-05-08). A ten-year history needs rule sets in force for ten
years, so the benchmark writes copies of them into a folder of its own, given to
every process it starts as GRANTS_POLICIES_DIR: tz-am-2028 issued the day
tz-am-2025 ends and repealing it, tz-am-2031 after that, and so on, with only
`id`, `issued`, `issued_cite`, `title_en` and `repeals` changed. bj-hps-2024 and
bj-2ind state no end, so they need none. policies/data is never touched.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from policies import catalogue as catalogue_module
from policies.money import add_years

NOTE = "benchmark successor, synthetic: not a real rule set"


def _set(text: str, key: str, value: str) -> str:
    """Replace the top-level line `key = ...` of a rule file (exactly one must exist)."""
    new, n = re.subn(rf"^{key} = .*$", lambda _: f"{key} = {value}", text, count=1,
                     flags=re.MULTILINE)
    if n != 1:
        raise ValueError(f"no top-level {key!r} line to replace")
    return new


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def successor_text(text: str, old_id: str, new_id: str, issued: date) -> str:
    """A copy of rule file `text` (policy `old_id`) as `new_id`, issued on `issued`."""
    said = _quoted(f"{NOTE}; issued {issued.isoformat()}")
    cite = f'{{ seed = "benchmark", text = {said} }}'
    text = _set(text, "id", _quoted(new_id))
    text = _set(text, "issued", issued.isoformat())
    text = _set(text, "issued_cite", cite)
    title = re.search(r'^title_en = "(.*)"$', text, flags=re.MULTILINE).group(1)
    text = _set(text, "title_en", f'"{title} ({new_id}, {NOTE})"')
    document = _quoted(f"{old_id} ({NOTE})")
    repeals = f"{{ id = {_quoted(old_id)}, document = {document}, cite = {cite} }}"
    return _set(text, "repeals", repeals)


def write_successors(folder: Path, until: date) -> list[str]:
    """Write successors of every rule set that expires, until one is in force past `until`.

    Returns the ids written. The folder is meant as GRANTS_POLICIES_DIR.
    """
    folder.mkdir(parents=True, exist_ok=True)
    sources = catalogue_module.read_sources()
    base = catalogue_module.from_sources(sources)
    written = []
    for name, text in sources.items():
        if name == catalogue_module.LADDERS_FILE:
            continue
        policy = next(p for p in base.policies.values()
                      if f'\nid = "{p.id}"' in "\n" + text)
        family = policy.id.rsplit("-", 1)[0]
        old_id, issued, ends = policy.id, policy.issued, policy.valid_until
        while ends is not None and ends <= until:
            new_id = f"{family}-{ends.year}"
            (folder / f"{new_id}.toml").write_text(successor_text(text, old_id, new_id, ends),
                                                   encoding="utf-8")
            written.append(new_id)
            old_id, issued = new_id, ends
            ends = add_years(issued, policy.valid_years)
    # The whole catalogue must still load strictly, with each successor in force in turn.
    extra = catalogue_module.read_sources(folder)
    full = catalogue_module.from_sources({**sources, **extra})
    for pid in written:
        p = full.policy(pid)
        assert p.repeals and full.policy(p.repeals["id"]).valid_until == p.issued, pid
    return written
