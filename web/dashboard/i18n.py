"""The dashboard's two languages: Chinese by default, English on request.

Every word the pages show is a key of the gettext catalogues (web/locale/*/grants.po,
read by web/words.py, the one home of the service's words and of its formatter of
amounts and dates): 万元/亿元 and 2025年7月1日 in Chinese, ¥ and 1 Jul 2025 in English.
The table that lived here moved to the catalogues; `TEXT` below still answers first, so
that a key added here (Chinese, English) works before it moves to the .po files.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache

from web import words
from web.words import BEIJING, MONTHS_EN, Reader  # noqa: F401 - kept for importers

LANGUAGES = words.LANGUAGES
DEFAULT = "zh"

#: Keys not yet in the catalogues: (Chinese, English). Add at the end; move them to
#: web/locale/{zh,en}/LC_MESSAGES/grants.po when convenient.
TEXT: dict[str, tuple[str, str]] = {
    'error.400.query': (
        '地址无效',
        'Bad address',
    ),
    'error.400.query.text': (
        '页面地址中的参数无法读取（例如年份或页码不是数字），未做任何修改。',
        "A value in the page's address cannot be read (a year or a pa"
        'ge that is not a number, say); nothing was changed.',
    ),
    'login.throttled': (
        '登录失败次数过多，已暂时锁定：请 {minutes} 分钟后再试，或请管理员解除锁定。',
        'Too many failed log-ins: locked for now. Try again in {minut'
        'es} minute(s), or ask an administrator to unlock it.',
    ),
    'users.enable': (
        '启用',
        'Enable',
    ),
    'users.enabled_done': (
        '已启用用户 {username}。',
        'Enabled {username}.',
    ),
    'users.unlock': (
        '解除锁定',
        'Unlock',
    ),
    'users.locked': (
        '已锁定',
        'locked',
    ),
    'users.unlocked_done': (
        '已解除 {subject} 的登录锁定。',
        'Unlocked {subject}.',
    ),
    'users.locked_addresses': (
        '被锁定的地址',
        'Locked addresses',
    ),
    'users.address': (
        '地址',
        'Address',
    ),
    'users.failures': (
        '失败次数',
        'Failures',
    ),
    'users.wait': (
        '剩余等待',
        'Wait left',
    ),
    'users.minutes': (
        '{minutes} 分钟',
        '{minutes} min',
    ),
    'users.refused': (
        '未做修改：{message}',
        'Nothing changed: {message}',
    ),
}


@cache
def reader(lang: str) -> Reader:
    """The desk's reader of `lang`: amounts and dates as people write them."""
    return Reader("zh" if lang == "zh" else "en", plain=False)


@lru_cache(maxsize=8192)  # the catalogues do not change while the service runs
def _template(lang: str, key: str) -> str | None:
    pair = TEXT.get(key)
    if pair is not None:
        return pair[0] if lang == "zh" else pair[1]
    found = words.template(key, lang)
    return None if found == key else found


def known(key: str) -> bool:
    """Whether `key` has words (in the table above or the catalogues)."""
    return key in TEXT or words.known(key, "en")


def translate(lang: str, key: str, **values) -> str:
    """The text of `key` in `lang`, with `values` filled in; the key itself if unknown."""
    text = _template(lang, key)
    if text is None:
        return key
    return text.format(**values) if values else text


def label(lang: str, prefix: str, key: str | None) -> str:
    """A translated name for a value (a status, a sector...), or the value as it is."""
    if key is None:
        return ""
    found = _template(lang, f"{prefix}.{key}")
    return key if found is None else found


def money(lang: str, amount: Decimal | str | int | None, exact: bool = False) -> str:
    """An amount in yuan as the language writes it: 38.00万元, or ¥380,000.00."""
    if amount is None:
        return words.money(None)
    # The formatter reads an amount as the decimal its text writes (sign and places too),
    # so the text is a faithful key: a page writes the same caps and totals many times.
    return _money(lang, str(amount), exact)


@lru_cache(maxsize=8192)
def _money(lang: str, text: str, exact: bool) -> str:
    return words.money(text, reader(lang), exact=exact)


def money_fen(lang: str, fen: int | None) -> str:
    """An amount held in fen (the views' INTEGER columns), as `money` writes it."""
    if type(fen) is int:
        return _money_fen(lang, fen)
    return words.money_fen(fen, reader(lang))


@lru_cache(maxsize=8192)
def _money_fen(lang: str, fen: int) -> str:
    return words.money_fen(fen, reader(lang))


def day(lang: str, value: date | str | None) -> str:
    """A date as the language writes it: 2025年7月1日, or 1 Jul 2025."""
    if type(value) is date or type(value) is str:
        return _day(lang, value)
    return words.day(value, reader(lang))


@lru_cache(maxsize=8192)
def _day(lang: str, value: date | str) -> str:
    return words.day(value, reader(lang))


def moment(lang: str, value: datetime | str | None) -> str:
    """A recording time in Beijing time, to the second."""
    return words.moment(value, reader(lang))
