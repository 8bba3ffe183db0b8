"""The words people read, in their language: the message catalogues and the one formatter
of amounts and dates.

Every sentence of the service (pages, refusals, trace lines, findings, flags, the digest)
is a key of the gettext catalogues in `web/locale/<lang>/LC_MESSAGES/grants.po`, one for
Chinese and one for English, with `{name}` placeholders filled from the values the domain
answers. The catalogues are compiled to `.mo` by `python -m web.words compile` (run by
scripts/_venv.sh at install, and by the tests' set-up); a catalogue whose `.mo` is missing
or older than its `.po` is compiled when first read, so a fresh clone always reads the
words it holds.

Who is reading is a context variable: `speaking(lang)` sets it for a request (the API
from Accept-Language, the pages from the session) or a run of `grants` (GRANTS_LANG, else
the locale). Without one, the contract's English is spoken: amounts as `1500000.00`,
dates as ISO, exactly the lines `grants apply` has always printed. Flask-free, so the
command line, the daily job and the digest use it as the pages and the API do.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DOMAIN = "grants"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: Recording times are shown in Beijing time (China keeps no daylight saving).
BEIJING = timezone(timedelta(hours=8))
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WAN, YI = Decimal(10_000), Decimal(100_000_000)


@dataclass(frozen=True)
class Reader:
    """Who reads: a language, and whether they read the contract's plain forms.

    `plain` is the command line's and the API's English: amounts as the contract writes
    them (`1500000.00`) and dates as ISO, so that the lines never change. People at the
    desk read `plain=False`: ¥1,500,000.00 and 1 Jul 2025, or 150.00万元 and 2025年7月1日.
    """

    lang: str = "en"
    plain: bool = True

    @property
    def zh(self) -> bool:
        return self.lang == "zh"


CONTRACT = Reader("en", plain=True)
_reader: contextvars.ContextVar[Reader] = contextvars.ContextVar("reader", default=CONTRACT)


def reader() -> Reader:
    """Who is reading now (the contract's English unless `speaking` said otherwise)."""
    return _reader.get()


def reader_for(lang: str | None, plain: bool | None = None) -> Reader:
    """A reader of `lang` ("zh", "zh-CN", "en-GB"...; unknown: English). Chinese is never
    plain (the contract's forms are English); English is plain unless told otherwise."""
    code = "zh" if (lang or "").lower().replace("_", "-").startswith("zh") else "en"
    if code == "zh":
        return Reader("zh", plain=False)
    return Reader("en", plain=True if plain is None else plain)


@contextmanager
def speaking(who: Reader | str) -> Iterator[Reader]:
    """Speak to `who` (a Reader or a language) within the block."""
    who = reader_for(who) if isinstance(who, str) else who
    token = _reader.set(who)
    try:
        yield who
    finally:
        _reader.reset(token)


def start_speaking(who: Reader) -> contextvars.Token:
    """Speak to `who` until `stop_speaking(token)` (for a request's before/teardown)."""
    return _reader.set(who)


def stop_speaking(token: contextvars.Token) -> None:
    _reader.reset(token)


def language_of_environ(environ=os.environ) -> str:
    """The command line's language: GRANTS_LANG, else the locale (LC_ALL, LC_MESSAGES,
    LANG); Chinese when it names Chinese, English otherwise."""
    for name in ("GRANTS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = (environ.get(name) or "").strip()
        if value:
            return reader_for(value).lang
    return "en"


# -- the catalogues ----------------------------------------------------------------------


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogues(force: bool = False) -> list[Path]:
    """Compile each language's .po to .mo where missing or older; the .mo files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for lang in LANGUAGES:
        po = po_path(lang)
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang, domain=DOMAIN)
        tmp = mo.with_suffix(f".mo.{os.getpid()}")
        with tmp.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        tmp.replace(mo)
        written.append(mo)
    return written


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    with contextlib.suppress(OSError):  # a read-only install: read what was compiled there
        compile_catalogues()
    try:
        found = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
    except OSError:
        return gettext.NullTranslations()
    if lang != "en":
        found.add_fallback(_translations("en"))
    return found


def known(key: str, lang: str = "en") -> bool:
    """Whether the catalogue of `lang` has words for `key`."""
    return _translations(lang).gettext(key) != key


def template(key: str, lang: str | None = None) -> str:
    """The words of `key` in `lang` (default: the reader's), placeholders unfilled; the
    key itself when no catalogue has it."""
    return _translations(lang or reader().lang).gettext(key)


class _Keep(dict):
    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def text(key: str, lang: str | None = None, **values) -> str:
    """The words of `key`, with `values` (already written out) filled in."""
    words = template(key, lang)
    return words.format_map(_Keep(values)) if values else words


def label(prefix: str, key: str | None, lang: str | None = None) -> str:
    """The name of a code (a status, a size, a basis figure...) or the code itself."""
    if key is None:
        return ""
    found = template(f"{prefix}.{key}", lang)
    return key if found == f"{prefix}.{key}" else found


# -- amounts and dates: the one formatter ------------------------------------------------


def _decimal(amount) -> Decimal:
    return amount if isinstance(amount, Decimal) else Decimal(str(amount))


def _trim(value: Decimal, places: int) -> str:
    """`value` with at least two places and no more than needed (up to `places`)."""
    exact = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    text_ = f"{exact:,.{places}f}"
    whole, _, fraction = text_.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"{whole}.{fraction}"


def money(amount, who: Reader | None = None, exact: bool = False) -> str:
    """An amount in yuan as the reader writes it.

    Chinese: 38.00万元, and from one hundred million 1.2346亿元 (rounded to the shown
    places; `exact` keeps every fen: 144.0012万元). English at the desk: ¥380,000.00.
    The contract's English: 380000.00.
    """
    if amount is None:
        return "—"
    value = _decimal(amount)
    who = who or reader()
    if who.zh:
        if exact:
            if abs(value) >= YI:
                return f"{_trim(value / YI, 10)}亿元"
            return f"{_trim(value / WAN, 6)}万元"
        if abs(value) >= YI:
            return f"{(value / YI).quantize(Decimal('0.0001'), ROUND_HALF_UP):,.4f}亿元"
        return f"{(value / WAN).quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}万元"
    fen = value.quantize(Decimal("0.01"), ROUND_DOWN if exact else ROUND_HALF_UP)
    if who.plain:
        return str(fen)
    return f"¥{fen:,.2f}"


def money_fen(fen: int | None, who: Reader | None = None) -> str:
    """An amount held in fen (the views' INTEGER columns), as `money` writes it."""
    return "—" if fen is None else money(Decimal(fen) / 100, who)


def day(value: date | str | None, who: Reader | None = None) -> str:
    """A date as the reader writes it: 2025年7月1日, 1 Jul 2025, or (the contract) ISO."""
    if not value:
        return "—"
    d = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if isinstance(d, datetime):
        d = d.date()
    who = who or reader()
    if who.zh:
        return f"{d.year}年{d.month}月{d.day}日"
    if who.plain:
        return d.isoformat()
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def moment(value: datetime | str | None, who: Reader | None = None) -> str:
    """A recording time in Beijing time, to the second."""
    if not value:
        return "—"
    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    t = t.astimezone(BEIJING)
    return f"{day(t.date(), who)} {t:%H:%M:%S}"


def percent(rate, who: Reader | None = None) -> str:
    """A rate (0.3) as a percentage (30%)."""
    value = (_decimal(rate) * 100).normalize()
    return f"{value:f}%"


def listing(items: list[str], who: Reader | None = None) -> str:
    """Items one after another as the reader lists them: 甲、乙 or a, b."""
    who = who or reader()
    if not items:
        return text("words.none", who.lang)
    return ("、" if who.zh else ", ").join(items)


def is_amount(text_: str) -> bool:
    try:
        Decimal(text_)
    except (InvalidOperation, ValueError):
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """`python -m web.words compile`: compile the catalogues."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] != ["compile"]:
        print("usage: python -m web.words compile [--force]", file=sys.stderr)
        return 2
    for path in compile_catalogues(force="--force" in args):
        print(f"compiled {path.relative_to(LOCALE_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
